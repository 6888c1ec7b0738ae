"""Reputation: the top 20 of each key query, the portals, and their feedback into the funnel.

The top 20 is four counts that always add up to 20, so every share lies in [0, 1], whatever comes
in; the portals count those discussed, and a linked portal is one of them. Seeding raises the
positive and third-party share, more of it raises them more; left alone, turnover draws the top
20 to the background mix at turnover_per_week / 20 a week; a better net share multiplies CTR and
conversion by exp(elasticity x its change).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smmsim.scenarios.reputation_schema import TOP_RESULTS, Reputation
from smmsim.simulator.compiled import mention_portals
from smmsim.simulator.randomness import RNG_BLOCK, BlockDraws, ExpectedDraws, block_seeds
from smmsim.simulator.reputation import ReputationDraws, ReputationModel
from tests.smm_helpers import (
    CTR,
    CVR,
    ads,
    deterministic,
    quiet_reputation,
    random_run,
    scenario_data,
    seeding,
)

REL = 1e-9
EPS = 1e-9  # floating-point slack on counts that add up to 20

# --- the top 20 stays a partition of 20 -----------------------------------------------------------


@st.composite
def reputation_params(draw) -> Reputation:
    n_queries = draw(st.integers(1, 3))
    queries = []
    for q in range(n_queries):
        cuts = sorted(draw(st.lists(st.integers(0, TOP_RESULTS), min_size=3, max_size=3)))
        counts = [cuts[0], cuts[1] - cuts[0], cuts[2] - cuts[1], TOP_RESULTS - cuts[2]]
        queries.append(
            dict(
                zip(("positive_own", "positive_third", "neutral", "negative"), counts, strict=True),
                query=f"q{q}",
            )
        )
    data: dict[str, Any] = {
        "queries": queries,
        "turnover_per_week": draw(st.floats(0, 30)),
        "reviews_per_conversion": draw(st.floats(0, 1)),
        "unhappy_share": draw(st.floats(0, 1)),
        "mentions_per_recommendation": draw(st.floats(0, 1)),
        "mention_rank_probability": draw(st.floats(0, 1)),
        "mention_link_probability": draw(st.floats(0, 1)),
        "portals": draw(st.integers(1, 40)),
        "discussion_days": draw(st.integers(1, 40)),
    }
    if draw(st.booleans()):
        positive = draw(st.floats(0, 1))
        negative = draw(st.floats(0, 1 - positive))
        data["background"] = {
            "positive": positive,
            "negative": negative,
            "neutral": 1 - positive - negative,
        }
    return Reputation.model_validate(data)


def make_model(params: Reputation, n_reps: int, seed: int, expected: bool) -> ReputationModel:
    if expected:
        draws = ExpectedDraws(n_reps)
    else:
        draws = BlockDraws(block_seeds(seed, n_reps), [n_reps], ["reputation"])

    def view(names):
        return draws.view(names)

    return ReputationModel(
        params,
        outrage_results=4.0,
        n_reps=n_reps,
        draws=ReputationDraws(
            queries=view([f"q/{q.query}" for q in params.queries]),
            portals=view(["portals"]),
            campaign=view(["mentions"]),
        ),
    )


def assert_partition(model: ReputationModel) -> None:
    slots = model.slots
    assert np.all(slots >= -EPS) and np.all(slots <= TOP_RESULTS + EPS)
    np.testing.assert_allclose(slots.sum(axis=-1), TOP_RESULTS, atol=EPS)
    for share in (model.positive_share(), model.third_party_share(), model.negative_share()):
        assert np.all((share >= -EPS) & (share <= 1 + EPS))
    assert np.all(model.third_party_share() <= model.positive_share() + EPS)
    discussing = model.portals_discussing()
    assert np.all((discussing >= 0) & (discussing <= model.params.portals + EPS))
    assert np.all(model.portals_with_link() <= discussing + EPS)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reputation_params(), st.integers(0, 2**32), st.booleans())
def test_every_querys_top_20_stays_twenty_slots_whatever_enters(params, seed, expected):
    # Daily inputs from floods (hundreds of seeded items, several outrages: more than 20 items
    # entering at once) to nothing at all.
    n_reps = 16
    model = make_model(params, n_reps, seed, expected)
    rng = np.random.default_rng(seed)
    for day in range(45):
        scale = rng.choice([0.0, 1.0, 30.0, 500.0])
        seeded = np.floor(rng.random(n_reps) * scale)
        outrage = np.floor(rng.random(n_reps) * rng.choice([0.0, 1.5, 6.0]))
        model.step(
            day,
            seeded=seeded,
            seeded_rank=rng.random(n_reps),
            seeded_link_probability=rng.random(n_reps),
            conversions=np.floor(rng.random(n_reps) * scale * 3),
            recommendations=np.floor(rng.random(n_reps) * scale),
            outrage=outrage,
            outrage_mentions=20 * outrage,
        )
        assert_partition(model)


def aggressive_data() -> dict[str, Any]:
    """Seeding well past the safe ratio, reviews and recommendations on: backlash strikes."""
    reputation = quiet_reputation(
        turnover_per_week=3.0,
        reviews_per_conversion=0.2,
        mentions_per_recommendation=0.3,
        mention_rank_probability=0.05,
    )
    community = {"recommendations_per_member_per_month": 1.0, "conversion_lag_days": 3}
    noisy = ads(ctr={"mean": 0.02, "sd": 0.008}, noise=0.3)
    return scenario_data(
        [noisy],
        days=35,
        budget=20_000,
        forum_tools=[seeding(per_week=300, rank_probability={"mean": 0.1, "sd": 0.05})],
        reputation=reputation,
        community=community,
        backlash={},
    )


def test_simulated_shares_stay_in_bounds_in_every_replication():
    result = random_run(aggressive_data(), replications=200, daily_sample=200)
    sample = result.campaign_daily_sample
    positive, third, negative = (
        sample[m] for m in ("positive_share", "third_party_share", "negative_share")
    )
    for share in (positive, third, negative):
        assert np.all((share >= -EPS) & (share <= 1 + EPS))
    assert np.all(third <= positive + EPS)
    assert np.all(positive + negative <= 1 + EPS)
    portals = result.scenario.reputation.portals
    assert np.all((sample["portals_discussing"] >= 0) & (sample["portals_discussing"] <= portals))
    assert np.all(result.totals["portals_with_link"] <= result.totals["portals_discussing"] + EPS)
    assert result.totals["backlash_events"].sum() > 0  # outrage entered the top 20 too


# --- seeding --------------------------------------------------------------------------------------


def seeded_data(per_week: float, link_probability: float = 0.5) -> dict[str, Any]:
    tool = seeding(per_week=per_week, link_probability=link_probability)
    return scenario_data(
        [ads()], days=42, budget=20_000, forum_tools=[tool], reputation=quiet_reputation()
    )


RATES = [0, 10, 20, 40, 80]


def end_shares(result) -> tuple[np.ndarray, np.ndarray]:
    kpis = result.kpis()
    return kpis["positive_share"], kpis["third_party_share"]


def test_more_seeding_raises_positive_and_third_party_share_in_expectation():
    positive, third = zip(*(end_shares(deterministic(seeded_data(r))) for r in RATES), strict=True)
    positive, third = np.ravel(positive), np.ravel(third)
    assert positive[0] == pytest.approx(0.3)  # nothing moves an unattended, unturned top 20
    assert np.all(np.diff(positive) > 0)
    assert np.all(np.diff(third) > 0)


def test_more_seeding_raises_the_mean_shares_with_paired_seeds():
    means = [
        [s.mean() for s in end_shares(random_run(seeded_data(r), 200, seed=4, daily_sample=0))]
        for r in RATES
    ]
    positive, third = np.array(means).T
    assert np.all(np.diff(positive) > 0)
    assert np.all(np.diff(third) > 0)


# --- drift toward the background mix --------------------------------------------------------------

TURNOVER = 2.0
BACKGROUND = {"positive": 0.6, "neutral": 0.3, "negative": 0.1}
START_POSITIVE, START_NEGATIVE = 0.3, 0.25  # quiet_reputation's queries


def drift_data() -> dict[str, Any]:
    reputation = quiet_reputation(turnover_per_week=TURNOVER, background=BACKGROUND)
    return scenario_data([ads()], days=70, budget=5000, reputation=reputation)


def hand_drift(start: float, background: float, days: int) -> np.ndarray:
    """Each day turnover / 7 new results in the background mix push out as many slots, drawn in
    proportion to what the top 20 holds: a share s moves to s (1 - e / 20) + b e / 20, so after
    t days it is b + (s0 - b) (1 - e / 20) ** t with e = turnover / 7."""
    keep = 1 - TURNOVER / 7 / TOP_RESULTS
    return np.array([background + (start - background) * keep ** (t + 1) for t in range(days)])


def test_unattended_top_20_drifts_to_the_background_mix_by_the_turnover_closed_form():
    result = deterministic(drift_data())
    daily = result.campaign_daily_mean
    np.testing.assert_allclose(
        daily["positive_share"], hand_drift(START_POSITIVE, BACKGROUND["positive"], 70), rtol=REL
    )
    np.testing.assert_allclose(
        daily["negative_share"], hand_drift(START_NEGATIVE, BACKGROUND["negative"], 70), rtol=REL
    )
    # The gap closes at a rate of turnover / 20 a week: ten weeks close about 1 - exp(-1) of it.
    gap = BACKGROUND["positive"] - START_POSITIVE
    closed = (daily["positive_share"][-1] - START_POSITIVE) / gap
    assert closed == pytest.approx(1 - np.exp(-TURNOVER / TOP_RESULTS * 10), rel=0.01)


def test_simulated_drift_heads_for_the_background_at_the_closed_form_pace():
    result = random_run(drift_data(), replications=300, seed=2, daily_sample=0)
    mean = result.campaign_daily_mean["positive_share"]
    hand = hand_drift(START_POSITIVE, BACKGROUND["positive"], 70)
    assert mean[-1] > mean[20] > START_POSITIVE
    assert mean[-1] == pytest.approx(hand[-1], abs=0.02)


# --- portals --------------------------------------------------------------------------------------


def portal_data(per_week: float, link_probability: float) -> dict[str, Any]:
    data = seeded_data(per_week, link_probability)
    data["campaign"]["days"] = 28
    return data


def portals(per_week: float, link_probability: float) -> tuple[np.ndarray, np.ndarray]:
    result = random_run(portal_data(per_week, link_probability), 200, seed=6, daily_sample=0)
    return result.totals["portals_discussing"][:, 0], result.totals["portals_with_link"][:, 0]


def test_linked_portals_are_discussed_and_discussed_ones_are_tracked():
    discussing, with_link = portals(3, 0.5)
    assert np.all((discussing >= 0) & (discussing <= 20))
    assert np.all(with_link <= discussing)
    assert 0 < with_link.mean() < discussing.mean()


def test_seeding_with_more_links_or_more_items_reaches_more_linked_portals():
    by_links = [portals(3, p)[1].mean() for p in (0.0, 0.3, 1.0)]
    assert by_links[0] == 0  # placed items without links link no portal
    assert by_links[0] < by_links[1] < by_links[2]
    by_items = [portals(r, 0.5)[1].mean() for r in (1, 3, 10)]
    assert by_items[0] < by_items[1] < by_items[2]


# --- feedback into the funnel ---------------------------------------------------------------------

CTR_ELASTICITY, CVR_ELASTICITY = 0.5, 1.0


def test_a_better_net_share_multiplies_ctr_and_conversion_by_the_exponential_of_its_change():
    # The ads' CTR on day t is ctr0 x exp(e x (net after day t - 1 - net at the start)), net the
    # positive minus the negative share; the same for conversion with its own elasticity. No
    # member conversions: the ads' conversions are their direct ones.
    reputation = quiet_reputation(ctr_elasticity=CTR_ELASTICITY, cvr_elasticity=CVR_ELASTICITY)
    data = scenario_data(
        [ads()],
        days=30,
        budget=5000,
        forum_tools=[seeding(per_week=100, rank_probability=0.1)],
        reputation=reputation,
    )
    result = deterministic(data)
    mean = result.campaign_daily_mean
    net = mean["positive_share"] - mean["negative_share"]
    change = np.concatenate([[0.0], net[:-1] - (START_POSITIVE - START_NEGATIVE)])
    assert change[-1] > 0.2  # the seeding moved the net share a lot
    clicks, impressions, conversions = (
        result.daily_sample[m][:, 0, 0] for m in ("clicks", "impressions", "conversions")
    )
    np.testing.assert_allclose(
        clicks / impressions, CTR * np.exp(CTR_ELASTICITY * change), rtol=REL
    )
    np.testing.assert_allclose(
        conversions / clicks, CVR * np.exp(CVR_ELASTICITY * change), rtol=REL
    )


def test_a_link_reaches_only_a_portal_that_is_mentioned():
    """Portals: a link comes with a mention (one uniform a portal decides both), so a portal
    reached by a link today is also mentioned today, each with its own probability; the
    trailing window counts a portal as discussing while a mention is in it."""
    reps, k, window = 2 * RNG_BLOCK, 20, 3
    draws = BlockDraws(block_seeds(4, reps), [RNG_BLOCK] * 2, ["reputation/portals"])
    ring, recent = np.zeros((window, reps, k)), np.zeros((reps, k))
    linked, counts = np.zeros((reps, k)), np.zeros((reps, 2))
    mention, link = np.full(reps, 0.3), np.full(reps, 0.1)
    mention_portals(draws.uniforms(k), False, mention, link, ring, 0, recent, linked, counts)
    assert ((linked <= recent) & np.isin(recent, (0.0, 1.0))).all()
    assert recent.mean() == pytest.approx(0.3, abs=0.01)
    assert linked.mean() == pytest.approx(0.1, abs=0.01)
    assert np.array_equal(counts, np.column_stack([recent.sum(1), (recent * linked).sum(1)]))
    nothing = np.zeros(reps)
    for day in range(1, window + 1):  # no mentions for a whole window: nothing is discussed
        u = draws.uniforms(k)
        mention_portals(u, False, nothing, nothing, ring, day % window, recent, linked, counts)
    assert (counts[:, 0] == 0).all() and (linked.sum(1) > 0).any()


def test_slots_held_by_category_add_up_as_numpy_sums_them():
    """The engine adds each category's slots query by query (numpy's sum over the middle axis
    was slow); it must give numpy's numbers bit for bit, or every run's reputation would move."""
    from smmsim.simulator.reputation import held_by_category

    rng = np.random.default_rng(1)
    for _ in range(100):
        slots = rng.random((int(rng.integers(1, 50)), int(rng.integers(1, 7)), 4)) * 20
        assert np.array_equal(held_by_category(slots), slots.sum(axis=1))
