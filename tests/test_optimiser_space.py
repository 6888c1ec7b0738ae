"""The optimiser's search space: the stick-breaking simplex, the projection into spend limits, and
what a trial's parameters propose (`scenarios.optimiser.simplex`, `scenarios.optimiser.space`).

The simplex map is checked by its algebra (sums, inverse) and by its distribution: uniform
coordinates must give a flat Dirichlet, whose marginals are Beta(1, K - 1). The projection is
checked against its definition: the nearest split, in Euclidean distance, inside the limits.
"""

from __future__ import annotations

import copy
import functools
import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optuna.distributions import FloatDistribution, IntDistribution
from optuna.trial import FixedTrial

from smmsim.scenarios.budget import paid_ads_budget
from smmsim.scenarios.loader import read_yaml, scenario_from_data
from smmsim.scenarios.schedule import planned_units
from smmsim.scenarios.schema import Scenario
from smmsim.simulator.engine import simulate
from smmsim.simulator.plan import CampaignPlan
from smmsim.simulator.studies.optimiser.candidate import (
    Candidate,
    plan_of,
    scaled_schedule,
    unit_count,
    whole,
)
from smmsim.simulator.studies.optimiser.document import space_document
from smmsim.simulator.studies.optimiser.evaluation import broken_limits
from smmsim.simulator.studies.optimiser.simplex import (
    coordinates_of,
    project_to_limits,
    shares_from,
)
from smmsim.simulator.studies.optimiser.space import PlatformBudget, SearchSpace, search_space

TOL = 1e-9
BUDGET = 10_000.0
SHARE_STEP = BUDGET * 1e-4  # the money one unit of a share's 4th decimal moves
DAYS = 60

AD = {
    "cpm": {"mean": 6, "sd": 1},
    "ctr": {"mean": 0.01, "sd": 0.003},
    "join_rate": {"mean": 0.04, "sd": 0.01},
    "cvr": {"mean": 0.02, "sd": 0.005},
}
QUERY = {"query": "brand", "positive_own": 3, "positive_third": 5, "neutral": 8, "negative": 4}
# Limits in currency: facebook between 2,000 and 6,000, instagram at least 1,500, tiktok at most
# 2,000 of the 10,000 budget.
LIMITS = {
    "facebook": {"min_spend": 2000, "max_spend": 6000},
    "instagram": {"min_spend": 1500},
    "tiktok": {"max_spend": 2000},
}


def ads(name: str, share: float) -> dict[str, Any]:
    return {"type": "paid_ads", "name": name, "budget_share": share, **copy.deepcopy(AD)}


def every_tool_data(**optimise: Any) -> dict[str, Any]:
    """Three platforms of paid ads (facebook with two tools) and every kind of tactic."""
    return {
        "campaign": {
            "name": "search space",
            "start": date(2027, 3, 1),
            "days": DAYS,
            "budget": BUDGET,
            "seed": 1,
        },
        "platforms": [
            {
                "name": "facebook",
                "audience": 500_000,
                "tools": [
                    ads("prospecting", 0.3),
                    ads("catalogue", 0.2),
                    {
                        "type": "community_content",
                        "cost_per_post": 40,
                        "schedule": {"per_week": 3},
                    },
                    {"type": "creative_refresh", "cost": 300, "schedule": {"days": [30]}},
                ],
            },
            {
                "name": "instagram",
                "audience": 300_000,
                "tools": [
                    ads("paid_ads", 0.3),
                    {
                        "type": "influencer",
                        "fee": 300,
                        "reach": {"mean": 8000, "sd": 3000},
                        "ctr": 0.01,
                        "join_rate": 0.05,
                        "cvr": 0.01,
                        "schedule": {"days": [10, 20, 40]},
                    },
                ],
            },
            {"name": "tiktok", "audience": 200_000, "tools": [ads("paid_ads", 0.2)]},
            {
                "name": "forums",
                "audience": 100_000,
                "tools": [
                    {
                        "type": "seeding",
                        "cost_per_item": 10,
                        "natural_posts_per_week": 300,
                        "schedule": {"per_week": 10},
                    },
                    {
                        "type": "contest",
                        "prize": 200,
                        "joins": {"mean": 300, "sd": 100},
                        "schedule": {"days": [14]},
                    },
                ],
            },
        ],
        "reputation": {"queries": [dict(QUERY)]},
        "strategy": {"decision": {"target_cpa": 40}},
        "optimise": {"platforms": copy.deepcopy(LIMITS), **searched(optimise)},
    }


def searched(optimise: dict[str, Any]) -> dict[str, Any]:
    """The block with the split and the tactics searched, unless it names what to search in
    one of its older forms (`policy`, `tactics`) or in `search` itself."""
    if {"search", "policy", "tactics"} & set(optimise):
        return optimise
    return {"search": ["shares", "tactics"], **optimise}


def every_tool(**optimise: Any) -> Scenario:
    return scenario_from_data(every_tool_data(**optimise), "s.yaml")


@functools.cache
def limited_space() -> SearchSpace:
    return search_space(every_tool())


def fixed_params(space: SearchSpace, coordinates: list[float], **dials: float) -> dict[str, Any]:
    """Trial parameters proposing the split at `coordinates` (cycled over the share
    parameters) and every tactic as planned, but for the `dials` given by parameter name."""
    names = [f"share.{p.platform}" for p in space.platforms[:-1]]
    names += [f"share.{t}" for p in space.platforms for t in p.tools[:-1]]
    params: dict[str, Any] = {n: coordinates[i % len(coordinates)] for i, n in enumerate(names)}
    for dial in space.dials:
        params[dial.parameter] = round(dial.planned) if dial.by_placement else 1.0
    return params | dials


def fixed_trial(space: SearchSpace, coordinates: list[float]) -> FixedTrial:
    return FixedTrial(fixed_params(space, coordinates))


coordinate = st.floats(0, 1, allow_nan=False)


# --- the simplex ---------------------------------------------------------------------------------


@given(st.lists(coordinate, min_size=1, max_size=7))
def test_shares_from_coordinates_are_a_split(coordinates):
    shares = shares_from(np.array(coordinates))
    assert shares.shape == (len(coordinates) + 1,)
    assert (shares >= 0).all()
    assert shares.sum() == pytest.approx(1.0, abs=1e-12)


@given(st.lists(st.floats(0, 0.999), min_size=1, max_size=7))
def test_coordinates_of_inverts_shares_from(coordinates):
    """One-to-one inside the open cube: every split has exactly one set of coordinates (at a
    coordinate of 1 nothing is left, and the later ones are not read)."""
    u = np.array(coordinates)
    assert coordinates_of(shares_from(u)) == pytest.approx(u, abs=1e-7)


@given(st.lists(st.floats(0, 1), min_size=2, max_size=8).filter(lambda w: sum(w) > 0.01))
def test_shares_from_inverts_coordinates_of(weights):
    """Any split, zeros included, comes back from its coordinates (unnormalised weights are
    read as the split they are proportional to), to the resolution of a float coordinate: u =
    1 - r^(K - 1) for a remainder r, and the largest u below 1 is 1 - eps/2, so a remainder
    under about eps^(1 / (K - 1)) after the first part cannot be told from none."""
    w = np.array(weights)
    resolution = 2 * np.finfo(float).eps ** (1 / (w.size - 1))
    assert shares_from(coordinates_of(w)) == pytest.approx(w / w.sum(), abs=resolution)


@given(st.lists(st.floats(0.01, 1), min_size=2, max_size=8))
def test_shares_from_inverts_coordinates_of_exactly_away_from_the_corners(weights):
    w = np.array(weights)
    assert shares_from(coordinates_of(w)) == pytest.approx(w / w.sum(), abs=1e-9)


def uniform_splits(k: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(20270301)
    return np.array([shares_from(rng.uniform(size=k - 1)) for _ in range(n)])


@pytest.mark.parametrize("k", [2, 3, 5])
def test_uniform_coordinates_give_each_part_a_mean_share_of_one_over_k(k):
    """A flat Dirichlet(1, ..., 1) share has mean 1/K and variance (K - 1) / (K^2 (K + 1)); the
    mean of n draws is within 5 standard errors of 1/K."""
    n = 20_000
    shares = uniform_splits(k, n)
    variance = (k - 1) / (k**2 * (k + 1))
    tolerance = 5 * math.sqrt(variance / n)
    assert shares.mean(axis=0) == pytest.approx(np.full(k, 1 / k), abs=tolerance)


@pytest.mark.parametrize("k", [3, 5])
def test_uniform_coordinates_give_beta_marginals(k):
    """Each share of a flat Dirichlet is Beta(1, K - 1): P(share <= x) = 1 - (1 - x)^(K - 1).
    A map with the right means but the wrong spread (the even split, say) fails this."""
    n = 20_000
    shares = uniform_splits(k, n)
    for x in (0.05, 0.2, 0.5):
        expected = 1 - (1 - x) ** (k - 1)
        tolerance = 5 * math.sqrt(expected * (1 - expected) / n)
        assert (shares <= x).mean(axis=0) == pytest.approx(np.full(k, expected), abs=tolerance)


# --- the projection into the limits --------------------------------------------------------------


@st.composite
def feasible_limits(draw) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a split, low, high) with sum(low) <= 1 <= sum(high), the split anywhere on the simplex."""
    k = draw(st.integers(2, 6))
    floats = st.lists(st.floats(0, 1), min_size=k, max_size=k)
    lo_weights = np.array(draw(floats))
    floor = draw(st.floats(0, 1))
    lo = lo_weights / lo_weights.sum() * floor if lo_weights.sum() > 0 else np.zeros(k)
    widths = np.array(draw(floats.filter(lambda w: sum(w) > 0.01)))
    hi = lo + widths * max(1.0, (1 - lo.sum()) / widths.sum())
    shares = shares_from(np.array(draw(st.lists(coordinate, min_size=k - 1, max_size=k - 1))))
    return shares, lo, hi


def random_feasible(lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random split inside [lo, hi]: a point of the box moved towards lo (or hi) until it sums
    to 1, which keeps it in the box."""
    y = lo + rng.uniform(size=lo.size) * (hi - lo)
    total = y.sum()
    if total > 1:
        return lo + (y - lo) * (1 - lo.sum()) / (total - lo.sum())
    if total < 1:
        return hi - (hi - y) * (hi.sum() - 1) / (hi.sum() - total)
    return y


@given(feasible_limits())
def test_projection_is_a_split_inside_the_limits(case):
    shares, lo, hi = case
    projected = project_to_limits(shares, lo, hi)
    assert projected.sum() == pytest.approx(1.0, abs=TOL)
    assert (projected >= lo - TOL).all() and (projected <= hi + TOL).all()


@given(feasible_limits(), st.floats(0, 1), st.floats(0, 1))
def test_projection_leaves_a_split_inside_the_limits_unchanged(case, a, b):
    shares, _, _ = case
    lo, hi = shares * a, shares + (1 - shares) * b  # limits around the split
    assert np.array_equal(project_to_limits(shares, lo, hi), shares)


@settings(max_examples=50)
@given(feasible_limits(), st.integers(0, 2**32 - 1))
def test_projection_is_the_nearest_split_inside_the_limits(case, seed):
    shares, lo, hi = case
    projected = project_to_limits(shares, lo, hi)
    distance = np.linalg.norm(projected - shares)
    rng = np.random.default_rng(seed)
    for _ in range(200):
        other = random_feasible(lo, hi, rng)
        assert distance <= np.linalg.norm(other - shares) + TOL


@pytest.mark.parametrize(
    ("lo", "hi", "sums"),
    [
        ([0.6, 0.5], [1.0, 1.0], "low sums to 1.1, high to 2.0"),
        ([0.0, 0.0], [0.3, 0.4], "low sums to 0.0, high to 0.7"),
    ],
)
def test_projection_into_limits_no_split_fits_is_an_error(lo, hi, sums):
    with pytest.raises(ValueError, match=f"no split fits the limits: {sums}"):
        project_to_limits(np.array([0.5, 0.5]), np.array(lo), np.array(hi))


# --- the split a trial proposes ------------------------------------------------------------------


def test_search_space_keeps_the_limits_in_currency():
    space = limited_space()
    assert [p.platform for p in space.platforms] == ["facebook", "instagram", "tiktok"]
    assert space.paid_ads == (
        "facebook/prospecting",
        "facebook/catalogue",
        "instagram/paid_ads",
        "tiktok/paid_ads",
    )
    assert [(p.min_spend, p.max_spend) for p in space.platforms] == [
        (2000, 6000),
        (1500, None),
        (0, 2000),
    ]


def test_the_tactics_as_planned_leave_the_paid_ads_6700():
    """Posts 26 x 40, the refresh 300, placements 3 x 300, seeding 86 x 10 and the contest 200:
    3,300 of the 10,000 go to the tactics' schedules; the paid ads split the rest."""
    s = every_tool()
    space = limited_space()
    assert paid_ads_budget(s) == pytest.approx(6700)
    assert CampaignPlan.from_scenario(s).tactics.planned_cost == pytest.approx(3300)
    assert space.ads_budget({}) == pytest.approx(6700)
    assert space.ads_budget({d.tool: 1.0 for d in space.dials}) == pytest.approx(6700)
    # every dial doubled: 51 posts (6 a week), 6 placements, 171 seeded items (20 a week)
    assert space.ads_budget({d.tool: 2.0 for d in space.dials}) == pytest.approx(3950)
    assert space.ads_budget({d.tool: 0.0 for d in space.dials}) == pytest.approx(9500)


def test_limits_are_shares_of_the_paid_ads_budget():
    low, high = limited_space().limits(6700)
    assert low == pytest.approx([2000 / 6700, 1500 / 6700, 0.0])
    assert high == pytest.approx([6000 / 6700, 1.0, 2000 / 6700])


def test_minimums_the_paid_ads_budget_cannot_meet_are_relaxed_in_proportion():
    """3,000 left for the paid ads cannot meet minimums of 3,500: they shrink to 4 : 3."""
    low, high = limited_space().limits(3000)
    assert low == pytest.approx([2000 / 3500, 1500 / 3500, 0.0])
    assert high == pytest.approx([1.0, 1.0, 2000 / 3000])
    assert (low <= high).all()


def test_ceilings_the_paid_ads_budget_overflows_are_relaxed_in_proportion():
    """Two platforms capped at 1,000 and 3,000 with 8,000 to split: 1 : 3 of it."""
    s = every_tool()
    space = SearchSpace(
        scenario=s,
        platforms=(
            PlatformBudget("facebook", ("facebook/prospecting",), max_spend=1000),
            PlatformBudget("tiktok", ("tiktok/paid_ads",), max_spend=3000),
        ),
        dials=(),
        intensity=(0.0, 2.0),
        policy=None,
    )
    low, high = space.limits(8000)
    assert low == pytest.approx([0.0, 0.0])
    assert high == pytest.approx([0.25, 0.75])


def test_the_search_space_document_reports_the_limits_in_currency():
    """As the file gives them: not as shares of a budget that the tactics' intensities move."""
    document = space_document(limited_space())
    assert document["platform_limits"] == {
        "facebook": {"min_spend": 2000, "max_spend": 6000},
        "instagram": {"min_spend": 1500, "max_spend": None},
        "tiktok": {"min_spend": 0, "max_spend": 2000},
    }
    assert document["paid_ads"] == list(limited_space().paid_ads)


def platform_spends(space: SearchSpace, candidate: Candidate) -> dict[str, float]:
    """Each platform's paid-ads budget as the candidate plans it: its shares of what the
    tactics, at the candidate's intensities, leave."""
    budget = space.ads_budget(candidate.intensities)
    return {p.platform: sum(candidate.shares[t] for t in p.tools) * budget for p in space.platforms}


@given(st.lists(coordinate, min_size=1, max_size=5))
def test_suggested_split_respects_every_platform_limit(coordinates):
    space = limited_space()
    candidate = space.suggest(fixed_trial(space, coordinates))
    assert set(candidate.shares) == set(space.paid_ads)
    assert min(candidate.shares.values()) >= 0
    assert sum(candidate.shares.values()) == pytest.approx(1.0, abs=TOL)
    spend = platform_spends(space, candidate)
    for name, limits in LIMITS.items():
        assert spend[name] >= limits.get("min_spend", 0) - 1e-6, name
        assert spend[name] <= limits.get("max_spend", BUDGET) + 1e-6, name


def planned_ads_by_platform(plan: Scenario) -> dict[str, float]:
    """Each platform's paid-ads budget in a plan, read as the engine reads it: the tools'
    budget shares of what the tactics' schedules (their cost as the engine plans it) leave."""
    media = plan.campaign.budget - CampaignPlan.from_scenario(plan).tactics.planned_cost
    return {
        p.name: sum(t.budget_share for t in p.ad_tools() if t.type == "paid_ads") * media
        for p in plan.platforms
        if any(t.type == "paid_ads" for t in p.tools)
    }


@settings(max_examples=40, deadline=None)
@given(
    st.lists(coordinate, min_size=1, max_size=5),
    st.floats(0, 2),
    st.floats(0, 2),
    st.integers(0, 6),
)
def test_limits_hold_in_currency_whatever_the_tactics_take(coordinates, posts, seeding, placed):
    """The tactics' intensities move what is left for the paid ads (3,950 to 9,500 here), and
    the limits are currency: every platform's planned paid-ads budget stays within its
    [min_spend, max_spend] at every intensity and split, to the precision of the shares the
    plan writes (4 decimals: 1 of the 10,000 budget)."""
    space = limited_space()
    dials = {
        "intensity.facebook/community_content": posts,
        "intensity.forums/seeding": seeding,
        "placements.instagram/influencer": placed,
    }
    candidate = space.suggest(FixedTrial(fixed_params(space, coordinates, **dials)))
    planned = planned_ads_by_platform(plan_of(every_tool(), candidate))
    assert sum(planned.values()) == pytest.approx(space.ads_budget(candidate.intensities))
    for name, limits in LIMITS.items():
        assert planned[name] >= limits.get("min_spend", 0) - SHARE_STEP, (name, planned)
        assert planned[name] <= limits.get("max_spend", BUDGET) + SHARE_STEP, (name, planned)


def test_a_platform_at_its_minimum_spends_its_min_spend():
    """Fixed: limits were read as shares of the campaign budget, but the shares split what the
    tactics (and retargeting) leave, so a platform at its min_spend planned less than it.

    facebook pushed to its floor of 2,000: the tactics' 3,300 come off the budget first, so
    its paid ads are paced 2,000 / 6,700 of 6,700 (a deterministic run without backlash
    repairs, the audiences far from saturation)."""
    data = every_tool_data()
    data["backlash"] = {"enabled": False}
    s = scenario_from_data(data, "s.yaml")
    space = search_space(s)
    candidate = space.suggest(fixed_trial(space, [0.0, 1.0, 0.5]))  # all on instagram, but
    assert platform_spends(space, candidate)["facebook"] == pytest.approx(2000)
    result = simulate(plan_of(s, candidate), deterministic=True)
    mask = result.platform_mask("facebook") & result.lines.kind_mask("paid_ads")
    spent = float(result.kpis(mask, tools_only=True)["spend"].mean())
    assert spent == pytest.approx(2000, rel=0.01)


def test_split_of_projects_into_the_limits_of_the_budget_given():
    """All on instagram at the coordinates: facebook gets its floor of whichever budget the
    tactics leave, 2,000 of 6,700 or of 4,000."""
    space = limited_space()
    inner = [[0.5], [], []]
    for budget in (6700, 4000):
        shares = space.split_of([0.0, 1.0], inner, budget)
        facebook = shares["facebook/prospecting"] + shares["facebook/catalogue"]
        assert facebook * budget == pytest.approx(2000)
        assert sum(shares.values()) == pytest.approx(1.0)


TRAVEL = Path("scenarios/examples/travel-agency.yaml")


def travel_with_retargeting(retargeting: str, limit: dict[str, float]) -> Scenario:
    """travel-agency (6,700 of its 30,000 planned for the tactics) with facebook limited, its
    retargeting at the planned 5% share or at a fixed 10 a day, and no backlash."""
    data = read_yaml(TRAVEL)
    data["backlash"] = {"enabled": False}
    data["optimise"] = {"platforms": {"facebook": limit}}
    if retargeting == "daily_budget":
        facebook = data["platforms"][0]["tools"]
        assert facebook[1]["type"] == "retargeting"
        del facebook[1]["budget_share"]
        facebook[1]["daily_budget"] = 10.0
        facebook[0]["budget_share"] += 0.05
    return scenario_from_data(data, str(TRAVEL))


# Fixed: paid_ads_budget takes the tactics' cost whole off the paid ads' part,  B (1 - r) - T, but
# the engine gives retargeting its share r of what the tactics leave,  so the paid ads get (1 -
# r)(B - T), 1.5% more here; and it ignores a retargeting  daily_budget, which the engine funds
# first (1,500 less here). A platform at a limit  then spends past it by more than the
# evaluation's 1% tolerance
@pytest.mark.parametrize(
    ("retargeting", "limit", "facebook_coordinate"),
    [
        ("budget_share", {"max_spend": 8000}, 1.0),  # pushed to its ceiling: spends 8,128
        ("daily_budget", {"min_spend": 8000}, 0.0),  # pushed to its floor: spends 7,513
    ],
)
def test_a_platform_at_its_limit_spends_it_beside_retargeting(
    retargeting, limit, facebook_coordinate
):
    """Retargeting beside tactics: the plan pushed to facebook's limit spends that limit."""
    s = travel_with_retargeting(retargeting, limit)
    space = search_space(s)
    params = fixed_params(space, [facebook_coordinate, 0.5])
    result = simulate(plan_of(s, space.suggest(FixedTrial(params))), deterministic=True)
    assert broken_limits(s, result) == []


@given(st.lists(coordinate, min_size=1, max_size=5))
def test_parameters_of_a_suggested_candidate_suggest_it_again(coordinates):
    space = limited_space()
    candidate = space.suggest(fixed_trial(space, coordinates))
    again = space.suggest(FixedTrial(space.parameters_of(candidate)))
    assert again.shares == pytest.approx(candidate.shares, abs=1e-9)
    assert again.intensities == candidate.intensities
    assert again.policy is None


def test_parameters_of_a_split_inside_the_limits_suggest_it_exactly():
    """A known split (the plan as written, the water-filling start) is handed to the sampler
    through its coordinates, and comes back as itself."""
    space = limited_space()
    shares = {
        "facebook/prospecting": 0.3,
        "facebook/catalogue": 0.1,
        "instagram/paid_ads": 0.45,
        "tiktok/paid_ads": 0.15,
    }
    planned = {d.tool: 1.0 for d in space.dials}
    candidate = space.suggest(FixedTrial(space.parameters_of(Candidate(shares, planned))))
    assert candidate.shares == pytest.approx(shares, abs=1e-12)
    assert candidate.intensities == pytest.approx(planned)


def test_parameters_of_a_split_outside_the_limits_suggest_the_nearest_inside():
    space = limited_space()
    everything_on_tiktok = {t: 0.0 for t in space.paid_ads} | {"tiktok/paid_ads": 1.0}
    candidate = space.suggest(FixedTrial(space.parameters_of(Candidate(everything_on_tiktok))))
    spend = platform_spends(space, candidate)
    assert spend["tiktok"] == pytest.approx(2000)  # its ceiling
    assert spend["facebook"] >= 2000 - 1e-6 and spend["instagram"] >= 1500 - 1e-6


def test_a_single_paid_ads_tool_has_no_share_parameter():
    """One tool takes the whole paid-ads budget: nothing to search."""
    data = every_tool_data()
    data["platforms"] = [p for p in data["platforms"] if p["name"] in ("instagram", "forums")]
    data["platforms"][0]["tools"][0]["budget_share"] = 1.0
    data["optimise"]["platforms"] = {}
    space = search_space(scenario_from_data(data, "s.yaml"))
    params = space.parameters_of(Candidate({"instagram/paid_ads": 1.0}))
    assert not any(name.startswith("share.") for name in params)
    assert space.suggest(FixedTrial(params)).shares == {"instagram/paid_ads": 1.0}


# --- tactic dials --------------------------------------------------------------------------------


def test_default_dials_are_posting_seeding_and_influencers():
    """Contests and creative refreshes keep their schedules."""
    dials = {d.tool: d for d in limited_space().dials}
    assert {tool: d.kind for tool, d in dials.items()} == {
        "facebook/community_content": "community_content",
        "instagram/influencer": "influencer",
        "forums/seeding": "seeding",
    }
    assert dials["facebook/community_content"].parameter == "intensity.facebook/community_content"
    assert dials["forums/seeding"].parameter == "intensity.forums/seeding"
    assert dials["instagram/influencer"].parameter == "placements.instagram/influencer"


def test_a_dial_counts_the_units_the_plan_asks_for():
    dials = {d.tool: d.planned for d in limited_space().dials}
    # 3 a week over 60 days by cumulative rounding: round(3 x 60 / 7) = 26; 10 a week: 86.
    assert dials == {
        "facebook/community_content": 26,
        "instagram/influencer": 3,
        "forums/seeding": 86,
    }


def test_optimise_tactics_picks_the_dials():
    space = search_space(every_tool(tactics=["instagram/influencer"]))
    assert [d.tool for d in space.dials] == ["instagram/influencer"]


def test_an_empty_tactics_list_searches_the_split_alone():
    assert search_space(every_tool(tactics=[])).dials == ()


def trials_of(space: SearchSpace, n: int = 30) -> tuple[list[optuna.trial.FrozenTrial], list]:
    """n random trials of a real in-memory study, and the candidate each proposed."""
    candidates = []

    def objective(trial: optuna.Trial) -> float:
        candidates.append(space.suggest(trial))
        return 0.0

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study.optimize(objective, n_trials=n)
    return study.trials, candidates


def test_influencer_dial_is_a_whole_number_of_placements():
    space = limited_space()
    trials, candidates = trials_of(space)
    name = "placements.instagram/influencer"
    # intensity 0..2 x the 3 planned placements
    assert all(t.distributions[name] == IntDistribution(0, 6) for t in trials)
    for trial, candidate in zip(trials, candidates, strict=True):
        assert isinstance(trial.params[name], int)
        assert candidate.intensities["instagram/influencer"] * 3 == pytest.approx(
            trial.params[name]
        )


def test_rate_dials_are_multiples_in_the_intensity_range():
    space = search_space(every_tool(intensity={"low": 0.5, "high": 1.5}))
    trials, _ = trials_of(space)
    for name in ("intensity.facebook/community_content", "intensity.forums/seeding"):
        assert all(t.distributions[name] == FloatDistribution(0.5, 1.5) for t in trials)


def test_listed_day_placements_book_the_number_of_placements_searched():
    """Listed placement days give exactly the searched count: round(factor x 3) = count."""
    s = every_tool()
    tool = s.platforms[1].tools[1]
    for count in range(7):
        assert unit_count(tool, count / 3, DAYS) == count


def test_weekly_placements_book_the_number_of_placements_searched():
    """Fixed: a weekly influencer rate times count / planned rounded to other counts
    (`placements.X` = 7 of 4 planned, 1 a week over 30 days, booked round(1.75 x 30 / 7) = 8)."""
    data = every_tool_data()
    data["campaign"]["days"] = 30
    data["platforms"][1]["tools"][1]["schedule"] = {"per_week": 1}
    s = scenario_from_data(data, "s.yaml")
    tool = s.platforms[1].tools[1]
    planned = unit_count(tool, 1.0, 30)
    assert [unit_count(tool, count / planned, 30) for count in range(9)] == list(range(9))


PLACEMENT_SCHEDULES = {
    "listed days": {"days": [10, 20, 40]},
    "one listed day": {"days": [25]},
    "weekly": {"per_week": 1},
    "half weekly in a window": {"per_week": 0.5, "start_day": 5, "end_day": 50},
    "uneven weekly": {"per_week": 0.7},
    "a day and a rate": [{"days": [3]}, {"per_week": 2, "start_day": 30, "end_day": 44}],
}


@pytest.mark.parametrize("schedule", PLACEMENT_SCHEDULES.values(), ids=PLACEMENT_SCHEDULES)
def test_every_placement_count_in_range_is_booked_exactly(schedule):
    """Whatever the influencer's schedule, `placements.X` = n books exactly n placements, for
    every n the dial offers (0 to whole(2 x planned)), on days inside the span the plan books
    them in (to the campaign's end when it books a single day)."""
    data = every_tool_data(tactics=["instagram/influencer"])
    data["platforms"][1]["tools"][1]["schedule"] = schedule
    s = scenario_from_data(data, "s.yaml")
    tool = s.platforms[1].tools[1]
    booked = np.flatnonzero(planned_units(tool, DAYS)) + 1
    first, last = booked.min(), booked.max() if booked.size > 1 else DAYS
    space = search_space(s)
    (dial,) = space.dials
    assert dial.planned == planned_units(tool, DAYS).sum()
    trials, _ = trials_of(space, n=1)
    distribution = trials[0].distributions[dial.parameter]
    assert distribution == IntDistribution(0, max(whole(2 * dial.planned), 1))
    for count in range(distribution.low, distribution.high + 1):
        candidate = space.suggest(FixedTrial(fixed_params(space, [0.5], **{dial.parameter: count})))
        scaled = tool.model_copy(
            update={"schedule": scaled_schedule(tool, candidate.intensities[dial.tool], DAYS)}
        )
        units = planned_units(scaled, DAYS)
        assert units.sum() == count, count
        days = np.flatnonzero(units) + 1
        assert days.size == 0 or (first <= days.min() and days.max() <= last), (count, days)
        plan = plan_of(s, candidate)
        assert planned_units(plan.platforms[1].tools[1], DAYS).sum() == count, count


@pytest.mark.parametrize(("x", "n"), [(0.49, 0), (0.5, 1), (1.5, 2), (2.5, 3), (3.5, 4)])
def test_whole_rounds_half_up(x, n):
    """A planner books 2.5 placements as 3 (Python's round would book 2)."""
    assert whole(x) == n


# --- the test-then-scale policy ------------------------------------------------------------------


def test_policy_mode_searches_the_policy_and_not_the_split():
    ranges = {"test_share": [0.1, 0.2], "test_days": [10, 20], "keep_q": [0.4, 0.8]}
    space = search_space(every_tool(policy=True, policy_ranges=ranges, tactics=[]))
    trials, candidates = trials_of(space)
    for trial, candidate in zip(trials, candidates, strict=True):
        assert set(trial.params) == {"test_share", "test_days", "keep_q"}
        assert candidate.shares == {}
        p = candidate.policy
        assert 0.1 <= p.test_share <= 0.2 and 0.4 <= p.keep_q <= 0.8
        assert isinstance(p.test_days, int) and 10 <= p.test_days <= 20
    assert trials[0].distributions["test_days"] == IntDistribution(10, 20)
