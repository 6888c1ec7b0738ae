"""Importances under the planner's names: computed on the budget shares each trial ran, not on
the stick-breaking coordinates the optimiser searches (`share.<tool>`, a fraction of what is
left), other dials kept as searched."""

from __future__ import annotations

import numpy as np
from optuna.distributions import FloatDistribution
from optuna.trial import create_trial

from smmsim.simulator.studies.optimiser.importance import planner_importances, planner_params

TOOLS = ("facebook/paid_ads", "instagram/paid_ads", "tiktok/paid_ads")
UNIT = FloatDistribution(0.0, 1.0)


def trial(shares: np.ndarray, intensity: float, value: float):
    """A completed trial as the study stores it: two stick-breaking coordinates, a tactic dial,
    and the shares it ran in its candidate."""
    first, second = shares[0], shares[1] / max(1 - shares[0], 1e-12)
    return create_trial(
        params={"share.facebook": first, "share.instagram": second, "intensity.x/posts": intensity},
        distributions={"share.facebook": UNIT, "share.instagram": UNIT,
                       "intensity.x/posts": FloatDistribution(0.5, 2.0)},
        user_attrs={"candidate": {"shares": dict(zip(TOOLS, shares.tolist(), strict=True))}},
        value=value,
    )  # fmt: skip


def trials_where_only(tool: int, seed: int = 3) -> list:
    """60 trials whose score depends on one tool's share alone (best at 60%)."""
    rng = np.random.default_rng(seed)
    found = []
    for shares in rng.dirichlet(np.ones(len(TOOLS)), size=60):
        found.append(trial(shares, rng.uniform(0.5, 2.0), (shares[tool] - 0.6) ** 2))
    return found


def test_params_are_the_shares_run_and_the_other_dials():
    (t,) = trials_where_only(0)[:1]
    params, ranges = planner_params(t)
    assert set(params) == {f"{tool} share" for tool in TOOLS} | {"intensity.x/posts"}
    assert np.isclose(sum(params[f"{tool} share"] for tool in TOOLS), 1.0)
    assert ranges["intensity.x/posts"] == FloatDistribution(0.5, 2.0)


def test_the_share_that_drives_the_score_ranks_first():
    """A recovered parameter: whichever tool's share alone sets the score is the most
    important, and the tactic dial, which does nothing, is the least. The third tool has no
    coordinate of its own (it takes what is left), yet its share is found."""
    for tool in range(len(TOOLS)):
        found = planner_importances(trials_where_only(tool), lambda t: t.value)
        assert set(found) == {f"{t} share" for t in TOOLS} | {"intensity.x/posts"}
        assert np.isclose(sum(found.values()), 1.0)
        assert max(found, key=found.get) == f"{TOOLS[tool]} share"
        assert min(found, key=found.get) == "intensity.x/posts"
