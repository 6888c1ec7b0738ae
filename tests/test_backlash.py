"""Backlash: the hazard's closed form, more intensity bringing more events, and what an event does.

Signal i adds h_i = hazard_at_high x ((x - safe) / (high - safe))^2 above `safe`; a day's hazard is
1 - (1 - base) prod(1 - h_i), at most `max_daily_hazard`. So pushing any of the five signals
harder never lowers the hazard, and more hazard means more events (paired seeds: the same uniform
decides each day's event whatever the hazard). An event puts `negative_results` into each query's
top 20, multiplies the platform's CTR and conversion by 1 - rate_penalty for `penalty_days` days,
and sends a repair bill the budget pays the next morning. The seed's own example closes the file:
70% positive results in one week backfires, over a quarter it does not.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smmsim.scenarios.beliefs import AmountBelief
from smmsim.scenarios.loader import load_scenario
from smmsim.scenarios.reputation_schema import SIGNALS, Backlash
from smmsim.simulator.backlash import BacklashModel, PlatformDay, exposure_below
from smmsim.simulator.engine import simulate
from smmsim.simulator.randomness import BlockDraws, ExpectedDraws, block_seeds
from tests.smm_helpers import (
    CTR,
    CVR,
    ads,
    deterministic,
    quiet_reputation,
    quiet_signals,
    random_run,
    scenario_data,
    seeding,
)

REL = 1e-9

# --- the hazard's closed form ---------------------------------------------------------------------


def model(params: Backlash, n_reps: int = 1, draws=None) -> BacklashModel:
    return BacklashModel(
        params,
        natural_posts=np.array([100.0]),
        seeds=np.array([True]),
        arm_platform=np.array([0]),
        repair=(AmountBelief(mean=250.0, sd=0.0).distribution(),),
        start_positive=np.zeros(n_reps),
        draws=draws or ExpectedDraws(n_reps),
    )


def only(name: str, x: np.ndarray) -> dict[str, np.ndarray]:
    return {s: (x if s == name else np.zeros_like(x)) for s in SIGNALS}


def signal_hazard(signal, x: float) -> float:
    if x <= signal.safe:
        return 0.0
    return min(1.0, signal.hazard_at_high * ((x - signal.safe) / (signal.high - signal.safe)) ** 2)


@pytest.mark.parametrize("name", SIGNALS)
def test_each_signal_adds_the_square_of_its_excess_over_safe(name):
    params = Backlash(max_daily_hazard=1.0)
    signal = params.signals()[name]
    span = signal.high - signal.safe
    x = signal.safe + span * np.array([[-0.5, 0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 30.0]])
    hazard = model(params).hazard(only(name, x))[0]
    expected = [signal_hazard(signal, v) for v in x[0]]
    np.testing.assert_allclose(hazard, expected, rtol=REL, atol=0)
    assert hazard[4] == pytest.approx(signal.hazard_at_high, rel=REL)  # at `high`
    assert np.all(np.diff(hazard) >= 0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0, 60), min_size=5, max_size=5),
    st.floats(0, 0.5),
    st.floats(0.01, 1.0),
)
def test_signals_combine_as_independent_hazards_under_the_cap(values, base, cap):
    params = Backlash(base_hazard=base, max_daily_hazard=cap)
    signals = {name: np.array([[v]]) for name, v in zip(SIGNALS, values, strict=True)}
    hazard = model(params).hazard(signals)[0, 0]
    survive = 1 - base
    for name, v in zip(SIGNALS, values, strict=True):
        survive *= 1 - signal_hazard(params.signals()[name], v)
    assert hazard == pytest.approx(min(1 - survive, cap), rel=1e-12, abs=1e-15)


def test_a_disabled_backlash_has_no_hazard():
    params = Backlash(enabled=False, base_hazard=0.3)
    assert np.all(model(params).hazard(only("seeding_ratio", np.array([[50.0]]))) == 0)


def test_one_event_depresses_the_rates_for_exactly_penalty_days_and_bills_once_next_day():
    # A certain event on day 5 (hazard 1) and another on day 7, none else.
    params = Backlash(penalty_days=4, rate_penalty=0.3, max_daily_hazard=1.0)
    m = model(params, n_reps=3, draws=BlockDraws(block_seeds(1, 3), [3], ["backlash/facebook"]))
    penalty, due = [], []
    for day in range(15):
        penalty.append(m.penalty()[0, 0])
        due.append(m.due_repairs()[0, 0])
        m.strike(day, np.full((3, 1), 1.0 if day in (5, 7) else 0.0))
    expected = [0.7 ** ((5 < d <= 9) + (7 < d <= 11)) for d in range(15)]
    np.testing.assert_allclose(penalty, expected, rtol=REL)
    assert due == pytest.approx([250.0 if d in (6, 8) else 0.0 for d in range(15)], rel=REL)


def test_a_day_no_event_can_strike_uses_up_its_uniforms_as_a_drawn_day_would():
    """A day of zero hazard everywhere skips the sampler but not its uniforms: the events and
    bills of the days after it are those drawn from the stream day by day, zero-hazard days
    included."""
    n_reps, hazards = 400, [0.0, 0.0, 0.3, 0.0, 0.6]
    m = model(Backlash(max_daily_hazard=1.0), n_reps, stream(n_reps))
    drawn = stream(n_reps)
    for day, h in enumerate(hazards):
        hazard = np.full((n_reps, 1), h)
        events, bills = m.strike(day, hazard)
        expected = drawn.binomial(np.ones_like(hazard), hazard)
        np.testing.assert_array_equal(events, expected)
        np.testing.assert_array_equal(bills, expected * drawn.rates(m.repair, where=expected > 0))
    assert 0 < m.penalty_events.total.sum() < 2 * n_reps  # some events, not all


def stream(n_reps: int) -> BlockDraws:
    return BlockDraws(block_seeds(3, n_reps), [n_reps], ["backlash/facebook"])


@pytest.mark.parametrize("spillover", [0.0, 0.5, 1.0])
def test_other_platforms_feel_the_spillover_share_of_an_events_penalty(spillover):
    # Two platforms; a certain event on the first on day 0: from day 1 its own rates are x 0.7,
    # the other's x 0.7 ** spillover.
    params = Backlash(rate_penalty=0.3, spillover=spillover, max_daily_hazard=1.0)
    m = BacklashModel(
        params,
        natural_posts=np.zeros(2),
        seeds=np.zeros(2, dtype=bool),
        arm_platform=np.array([0, 1]),
        repair=(AmountBelief(mean=1.0, sd=0.0).distribution(),) * 2,
        start_positive=np.zeros(1),
        draws=ExpectedDraws(1),
    )
    m.strike(0, np.array([[1.0, 0.0]]))
    np.testing.assert_allclose(m.penalty(), [[0.7, 0.7**spillover]], rtol=REL)


def test_a_first_week_push_reads_at_its_full_speed():
    # 30 points gained in the first 7 days is 30 points a week, not 15 (half of a 14-day window).
    m = model(Backlash(), n_reps=1)
    quiet = np.zeros((1, 1))
    today = PlatformDay(quiet, quiet, quiet, quiet, quiet)
    for day in range(7):
        share = np.array([0.3 * (day + 1) / 7])
        speed = m.signals(day, today, quiet, np.ones((1, 1)), share)["reputation_speed"]
    assert speed[0, 0] == pytest.approx(30.0, rel=REL)
    for day in range(7, 14):  # a flat second week: 30 points over 14 days, 15 a week
        speed = m.signals(day, today, quiet, np.ones((1, 1)), np.array([0.3]))["reputation_speed"]
    assert speed[0, 0] == pytest.approx(15.0, rel=REL)


# --- what an event does in a campaign -------------------------------------------------------------

HAZARD, RATE_PENALTY, PENALTY_DAYS, REPAIR, NEGATIVE_RESULTS = 0.4, 0.3, 5, 50.0, 4.0
DAYS, BUDGET = 15, 3000.0


def constant_hazard(**extra: Any) -> dict[str, Any]:
    """Every day has the base hazard and nothing else: in deterministic mode `HAZARD` events a
    day, each depressing the rates for `PENALTY_DAYS` days and billing `REPAIR`."""
    return quiet_signals(
        base_hazard=HAZARD,
        max_daily_hazard=1.0,
        rate_penalty=RATE_PENALTY,
        penalty_days=PENALTY_DAYS,
        repair_cost=REPAIR,
        negative_results=NEGATIVE_RESULTS,
        **extra,
    )


@pytest.fixture(scope="module")
def constant_run():
    data = scenario_data(
        [ads()], days=DAYS, budget=BUDGET, reputation=quiet_reputation(), backlash=constant_hazard()
    )
    return deterministic(data)


def test_events_depress_ctr_and_conversion_for_penalty_days(constant_run):
    # On day t the events of the last PENALTY_DAYS days (t - 5 .. t - 1) are active: the
    # multiplier is (1 - penalty) ** (HAZARD x min(t, 5)), flat once the first events expire.
    clicks, impressions, conversions = (
        constant_run.daily_sample[m][:, 0, 0] for m in ("clicks", "impressions", "conversions")
    )
    active = HAZARD * np.minimum(np.arange(DAYS), PENALTY_DAYS)
    multiplier = (1 - RATE_PENALTY) ** active
    np.testing.assert_allclose(clicks / impressions, CTR * multiplier, rtol=REL)
    np.testing.assert_allclose(conversions / clicks, CVR * multiplier, rtol=REL)


def test_events_put_negative_results_into_every_querys_top_20(constant_run):
    # From day 2 on, yesterday's HAZARD events bring E = HAZARD x 4 negative results a query,
    # each pushing out a slot at random: negative n -> n (1 - E / 20) + E, positive p -> p (1 - E
    # / 20).
    keep = 1 - HAZARD * NEGATIVE_RESULTS / 20
    t = np.arange(DAYS)
    mean = constant_run.campaign_daily_mean
    np.testing.assert_allclose(mean["negative_share"], 1 - (1 - 0.25) * keep**t, rtol=REL)
    np.testing.assert_allclose(mean["positive_share"], 0.3 * keep**t, rtol=REL)
    np.testing.assert_allclose(constant_run.campaign_daily_mean["backlash_events"], HAZARD)


def test_repair_bills_are_recorded_the_day_of_the_event_and_paid_the_next(constant_run):
    paid = constant_run.campaign_daily_mean["repair_spend"]
    np.testing.assert_allclose(paid, [0.0] + [HAZARD * REPAIR] * (DAYS - 1), rtol=REL)
    totals = constant_run.totals
    assert totals["repair_cost"][0, 0] == pytest.approx(HAZARD * REPAIR * DAYS, rel=REL)
    assert totals["repair_spend"][0, 0] == pytest.approx(HAZARD * REPAIR * (DAYS - 1), rel=REL)
    # Repairs come out of the budget: the ads spend the rest of it.
    kpis = constant_run.kpis()
    ad_spend = constant_run.totals["spend"][0, 0]
    assert kpis["spend"][0] == pytest.approx(BUDGET, rel=1e-6)
    assert ad_spend == pytest.approx(BUDGET - HAZARD * REPAIR * (DAYS - 1), rel=1e-6)


def certain_events(enabled: bool = True) -> dict[str, Any]:
    """Any impression at all puts the ad frequency over `high`, whose hazard is 1."""
    backlash = quiet_signals(
        ad_frequency={"safe": 0.0, "high": 1e-6, "hazard_at_high": 1.0},
        max_daily_hazard=1.0,
        repair_cost=1.0,
        enabled=enabled,
    )
    return scenario_data([ads()], days=DAYS, budget=BUDGET, backlash=backlash)


def test_a_certain_hazard_strikes_every_day_in_every_replication():
    result = random_run(certain_events(), replications=50, daily_sample=0)
    assert np.all(result.totals["backlash_events"] == DAYS)
    assert np.all(result.totals["repair_cost"] > 0)


def test_a_disabled_backlash_never_strikes():
    result = random_run(certain_events(enabled=False), replications=50, daily_sample=0)
    assert np.all(result.totals["backlash_events"] == 0)
    assert np.all(result.totals["repair_cost"] == 0)
    assert np.all(result.totals["repair_spend"] == 0)


# --- more intensity, more events ------------------------------------------------------------------

REPS = 400


def seeding_ratio(per_week: float) -> dict[str, Any]:
    """Seeded items a week over the forums' 100 natural posts: 0.1 to 0.8 (safe 0.15)."""
    tool = seeding(per_week=per_week, natural_posts_per_week=100)
    backlash = quiet_signals(seeding_ratio={"safe": 0.15, "high": 0.5, "hazard_at_high": 0.03})
    return scenario_data(
        [ads()], days=28, forum_tools=[tool], reputation=quiet_reputation(), backlash=backlash
    )


def sponsored_share(promotional: float) -> dict[str, Any]:
    tool = {
        "type": "community_content",
        "cost_per_post": 10,
        "promotional_share": promotional,
        "schedule": {"per_week": 7},
    }
    backlash = quiet_signals(sponsored_share={"safe": 0.3, "high": 0.6, "hazard_at_high": 0.05})
    return scenario_data([ads(), tool], days=28, backlash=backlash)


def ad_frequency(frequency_cap: float) -> dict[str, Any]:
    """The ads buy their cap in 10,000 people every day: 7 x cap impressions a person a week."""
    backlash = quiet_signals(ad_frequency={"safe": 7.0, "high": 14.0, "hazard_at_high": 0.1})
    data = scenario_data(
        [ads(frequency_cap=frequency_cap)], days=28, budget=28 * 300, backlash=backlash
    )
    data["platforms"][0]["audience"] = 10_000
    return data


def contest_share(joins: float) -> dict[str, Any]:
    """A weekly contest of `joins` next to the ads' 12.5 joins a day: 19% to 82% of the joins."""
    tool = {
        "type": "contest",
        "prize": 100,
        "joins": joins,
        "duration_days": 7,
        "schedule": {"per_week": 1},
    }
    backlash = quiet_signals(contest_share={"safe": 0.3, "high": 0.6, "hazard_at_high": 0.05})
    return scenario_data([ads(), tool], days=28, budget=28 * 100 + 400, backlash=backlash)


def reputation_speed(per_week: float) -> dict[str, Any]:
    """Seeding that lifts the positive share faster the more it places (its ratio is quiet)."""
    tool = seeding(per_week=per_week, natural_posts_per_week=100, rank_probability=0.1)
    backlash = quiet_signals(reputation_speed={"safe": 8.0, "high": 20.0, "hazard_at_high": 0.05})
    return scenario_data(
        [ads()], days=28, forum_tools=[tool], reputation=quiet_reputation(), backlash=backlash
    )


INTENSITIES = {
    "seeding_ratio": (seeding_ratio, [10, 30, 50, 80]),
    "sponsored_share": (sponsored_share, [0.2, 0.4, 0.6, 0.9]),
    "ad_frequency": (ad_frequency, [0.5, 1.2, 1.6, 2.0]),
    "contest_share": (contest_share, [20, 60, 150, 400]),
    "reputation_speed": (reputation_speed, [10, 30, 60, 150]),
}


@pytest.mark.parametrize("signal", SIGNALS)
def test_more_intensity_never_brings_fewer_events(signal):
    build, levels = INTENSITIES[signal]
    events = [
        random_run(build(level), REPS, seed=8, daily_sample=0).totals["backlash_events"].sum(axis=1)
        for level in levels
    ]
    means = [e.mean() for e in events]
    assert np.all(np.diff(means) >= 0), means
    assert means[-1] > means[0] + 0.5, means
    assert means[0] < 0.05  # the gentlest level stays (nearly) below `safe`


# --- the seed's example: 70% positive in one week backfires -------------------------------------

EXAMPLE_REPS = 1000


@pytest.fixture(scope="module")
def examples():
    runs = {}
    for name in ("reputation-steady", "reputation-rush"):
        scenario = load_scenario(f"scenarios/examples/{name}.yaml")
        runs[name] = simulate(scenario, replications=EXAMPLE_REPS, seed=7, workers=2)
    return runs["reputation-steady"], runs["reputation-rush"]


def any_event(result) -> float:
    return float((result.totals["backlash_events"].sum(axis=1) > 0).mean())


def test_the_rush_is_likely_to_backfire_and_the_steady_plan_is_not(examples):
    steady, rush = examples
    assert any_event(rush) >= 0.5
    assert any_event(steady) < 0.05


def test_the_rush_ends_worse_than_the_steady_plan(examples):
    steady, rush = (r.kpis() for r in examples)
    assert rush["conversions"].mean() < steady["conversions"].mean()
    assert rush["positive_share"].mean() < steady["positive_share"].mean()
    assert rush["repair_cost"].mean() > 10 * steady["repair_cost"].mean()


def test_the_steady_plan_reaches_the_seeds_70_percent_by_the_end(examples):
    steady, _ = examples
    assert steady.kpis()["positive_share"].mean() >= 0.68


def test_the_rush_moves_the_first_week_far_faster(examples):
    steady, rush = (r.campaign_daily_mean["positive_share"] for r in examples)
    start = 0.3  # 24 of the 80 results of the four queries
    assert rush[6] - start > 3 * (steady[6] - start)
    assert rush[6] >= 0.6


def test_the_feed_is_judged_from_three_posts_a_week():
    # One promotional post alone reads 0; three promotional posts in the week read 1.
    m = model(Backlash(), n_reps=1)
    quiet, one = np.zeros((1, 1)), np.ones((1, 1))
    lone = PlatformDay(quiet, one, one, quiet, quiet)
    signals = m.signals(0, lone, quiet, one, np.zeros(1))
    assert signals["sponsored_share"][0, 0] == 0.0
    for day in (1, 2):
        signals = m.signals(day, lone, quiet, one, np.zeros(1))
    assert signals["sponsored_share"][0, 0] == 1.0


def ads_alone() -> BacklashModel:
    return BacklashModel(
        Backlash(),
        natural_posts=np.zeros(1),
        seeds=np.zeros(1, dtype=bool),
        arm_platform=np.array([0, 0]),
        repair=(AmountBelief(mean=1.0, sd=0.0).distribution(),),
        start_positive=np.zeros(2),
        draws=ExpectedDraws(2),
        can_signal=frozenset({"ad_frequency"}),
    )


def test_ads_alone_read_their_frequency_without_what_the_platforms_did():
    """Ads alone raise one signal, their frequency, read from their own impressions: the day's
    seeded items, posts and joins are not needed (and not built); any other tool needs them.
    The frequency of C impressions among N people is x / (1 - e^-x), x = C / N, the worst arm
    of the platform's; below its safe level (7 a week) it is not computed: it adds no hazard."""
    m = ads_alone()
    assert not m.reads_platform_day
    audience = np.full((2, 2), 1000.0)
    week = np.array([[10_000.0, 3000.0], [2000.0, 1000.0]])  # x = 10 and 3; 2 and 1
    signals = m.signals(0, None, week, audience, np.zeros(2))
    assert set(signals) == {"ad_frequency"}
    expected = [10 / -np.expm1(-10), 2 / -np.expm1(-2)]
    np.testing.assert_allclose(signals["ad_frequency"][:, 0], expected, rtol=REL)
    hazard = m.hazard(signals)[:, 0]
    assert hazard[0] > 0 and hazard[1] == 0  # 10.0 a person is above 7, 2.3 is not
    quiet = m.signals(1, None, np.zeros((2, 2)), audience, np.zeros(2))  # the week's same total
    assert "ad_frequency" in quiet
    assert model(Backlash()).reads_platform_day  # every signal, seeding among them


def test_a_week_no_arm_can_pass_its_safe_frequency_adds_no_hazard_and_is_not_computed():
    m = ads_alone()
    audience = np.full((2, 2), 1000.0)
    below = m.quiet_exposure * 1000.0 * (1 - 1e-9)  # just under the bound, among 1,000 people
    signals = m.signals(0, None, np.full((2, 2), below), audience, np.zeros(2))
    assert signals == {}
    np.testing.assert_array_equal(m.hazard(signals), 0.0)


@pytest.mark.parametrize("safe", [1.5, 7.0, 30.0])
def test_the_quiet_exposure_is_the_largest_whose_frequency_stays_under_safe(safe):
    def frequency(x: float) -> float:
        return x / -np.expm1(-x)

    x = exposure_below(safe)
    assert frequency(x) < safe < frequency(x * (1 + 1e-5))


def test_no_exposure_is_quiet_where_safe_is_one_impression_a_person_or_less():
    # A first impression already makes a frequency of 1: every exposure is then computed.
    assert exposure_below(1.0) == exposure_below(0.5) == 0.0


@pytest.mark.parametrize(("base", "cap"), [(0.0, 0.5), (0.02, 0.5), (0.3, 0.1)])
def test_with_no_signal_above_safe_the_hazard_is_the_base_under_the_cap(base, cap):
    m = model(Backlash(base_hazard=base, max_daily_hazard=cap), n_reps=3)
    np.testing.assert_allclose(m.hazard({}), np.full((3, 1), min(base, cap)), rtol=REL)
    disabled = model(Backlash(enabled=False, base_hazard=base), n_reps=3)
    np.testing.assert_array_equal(disabled.hazard({}), 0.0)


def test_repairs_are_due_from_the_day_after_a_bill_until_they_are_paid():
    m = model(Backlash(max_daily_hazard=1.0), n_reps=2, draws=stream(2))
    assert not m.repairs_due
    m.strike(0, np.zeros((2, 1)))
    assert not m.repairs_due  # no event, no bill
    m.strike(1, np.ones((2, 1)))
    assert m.repairs_due
    np.testing.assert_allclose(m.due_repairs(), 250.0, rtol=REL)
    assert not m.repairs_due
