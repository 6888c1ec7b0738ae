"""One plan, one seed, one answer: every command that simulates the plan as written reports the
same expected conversions, spend and CPA.

`optimise` evaluates the plan as written on its own stream of the study's seed (recorded as
`evaluation.seed`); `run`, `compare` (the plan's own strategy), `size-test` (at the plan's own test
budget and length) and `check` then run on that seed and those replications. They share the
engine's common random numbers, so the figures must agree to rounding, not just statistically:
a command that defined the CPA its own way (a mean of per-campaign ratios, say) would differ.
"""

from __future__ import annotations

import optuna
import pytest

import smmsim

optuna.logging.set_verbosity(optuna.logging.WARNING)

REPS = 240


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    plan = smmsim.load(smmsim.example("kids-shop"))
    test = plan.scenario.strategy.test
    storage = f"sqlite:///{tmp_path_factory.mktemp('study')}/study.db"
    optimised = smmsim.optimise(
        plan, trials=2, reps=40, final_reps=REPS, seed=3, workers=1, storage=storage
    )
    seed = optimised.evaluation.seed
    common = {"reps": REPS, "seed": seed, "workers": 1}
    ran = smmsim.simulate(plan, **common)
    compared = smmsim.compare(plan, **common).combinations[0]
    sized = smmsim.size_test(
        plan,
        budgets=[test.budget_of(plan.scenario.campaign.budget)],
        durations=[test.days],
        **common,
    )
    checked = smmsim.check(plan, **common)
    written = optimised.evaluation.plans["as written"]
    (point,) = sized.points
    return {
        "run": (ran.totals["conversions"].mean, ran.totals["spend"].mean, ran.totals["cpa"].mean),
        "compare": tuple(compared.kpis[k].mean for k in ("conversions", "spend", "cpa")),
        "size-test": (point.conversions.mean, point.spend.mean, point.cpa.mean),
        "check": tuple(checked.plan[k].mean for k in ("conversions", "spend", "cpa")),
        "optimise (as written)": (
            written.conversions.mean,
            written.spend.mean,
            written.objective_cpa(),
        ),
    }


@pytest.mark.parametrize("command", ["compare", "size-test", "check", "optimise (as written)"])
def test_every_command_agrees_with_run(answers, command):
    conversions, spend, cpa = answers[command]
    expected = answers["run"]
    assert conversions == pytest.approx(expected[0], rel=1e-9)
    assert spend == pytest.approx(expected[1], rel=1e-9)
    assert cpa == pytest.approx(expected[2], rel=1e-9)


def test_the_cpa_is_expected_spend_over_expected_conversions(answers):
    conversions, spend, cpa = answers["run"]
    assert cpa == pytest.approx(spend / conversions, rel=1e-12)
