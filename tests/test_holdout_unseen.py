"""Arms the fit never saw (`--holdout-by group`): forecast from the fitted arms most like them,
each at the price its money actually paid. Synthetic campaigns with known rates and a known
auction curve, so the right total of every held-out arm is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smmsim.calibration.fit import fit_arms, group_days
from smmsim.calibration.holdout import baseline_forecast, forecast

GROUP_BY = ("campaign", "banner")
DAYS = 40
# campaign -> (typical daily spend, CTR, conversion rate): A's clicks cost a quarter of B's
CAMPAIGNS = {"A": (100.0, 0.04, 0.30), "B": (300.0, 0.01, 0.02)}
CPM0 = 2.0


def export(campaigns: dict, seed: int = 5) -> pd.DataFrame:
    """Four banners per campaign, 40 days each. The CPM follows the engine's auction curve
    cpm0 (1 + s / s_half) with s_half at the campaign's typical spend, and daily spend scatters
    widely around it, so a banner's money mostly goes on its dear, high-spend days. The banners
    of a campaign share its daily budgets (so a held-out banner spends like its relatives), each
    with its own price noise and clicks."""
    rng = np.random.default_rng(seed)
    rows = []
    for campaign, (level, ctr, cvr) in campaigns.items():
        spend = level * rng.lognormal(0.0, 0.6, DAYS)
        for banner in ("b1", "b2", "b3", "b4"):
            cpm = CPM0 * (1 + spend / level) * rng.lognormal(0.0, 0.05, DAYS)
            impressions = np.round(1000 * spend / cpm)
            clicks = rng.binomial(impressions.astype(np.int64), ctr)
            conversions = rng.binomial(clicks, cvr)
            for d in range(DAYS):
                rows.append({"platform": "adnetwork", "campaign": campaign, "banner": banner,
                             "date": np.datetime64("2024-03-01") + d, "spend": spend[d],
                             "impressions": impressions[d], "clicks": clicks[d],
                             "conversions": conversions[d]})  # fmt: skip
    frame = pd.DataFrame(rows)
    for column in ("reach", "joins", "revenue"):
        frame[column] = np.nan
    frame["currency"] = "EUR"
    return frame


def held_out(frame: pd.DataFrame, banner: str = "b4"):
    """Fit without `banner` of every campaign; forecast its arms by the model and pooled rates."""
    test_rows = frame["banner"] == banner
    train, test = frame[~test_rows], frame[test_rows]
    train_arms = group_days(train, GROUP_BY)
    fit = fit_arms(train_arms, GROUP_BY, 0, train)
    test_arms = group_days(test, GROUP_BY)
    model = forecast(fit, test_arms, {}, seed=0)
    pooled = baseline_forecast(train, test_arms, 0, {a.key for a in train_arms})
    return model, pooled


def totals(fc, measure: str) -> dict[str, tuple[float, float]]:
    """Per arm: (forecast total, observed total)."""
    arms = np.array(fc.arm)
    return {
        a: (fc.mean[measure][arms == a].sum(), fc.observed[measure][arms == a].sum())
        for a in dict.fromkeys(fc.arm)
    }


def test_an_unseen_arm_is_forecast_from_the_arms_of_its_own_campaign():
    """Clicks cost 4 times more in campaign B, which spends 3 times more: pooled rates put a new
    banner of A at about a third of its clicks and one of B at twice its clicks (the old
    platform-wide mixture did the same). Drawn from its own campaign's banners, each new
    banner's totals come out right, and its 90% intervals still hold most of its days."""
    model, pooled = held_out(export(CAMPAIGNS))
    for measure in ("clicks", "conversions"):
        for arm, (forecast_total, observed) in totals(model, measure).items():
            assert forecast_total == pytest.approx(observed, rel=0.12), (measure, arm)
    ratio = {a: f / o for a, (f, o) in totals(pooled, "clicks").items()}
    assert ratio["adnetwork/A/b4"] < 0.5 and ratio["adnetwork/B/b4"] > 1.5
    for measure in ("clicks", "conversions"):
        obs = model.observed[measure]
        inside = (obs >= model.low[measure]) & (obs <= model.high[measure])
        assert inside.mean() >= 0.8


def test_an_unseen_arm_pays_the_price_its_relatives_money_paid_not_their_median_days():
    """One campaign, so the relatives are the platform's arms. Under a rising auction curve a
    banner's money goes mostly on its dear days: pricing the new banner at its relatives'
    median-day CPM (as the forecast once did) buys 13% more clicks than the money bought here;
    at the money-weighted price the total is right."""
    model, _ = held_out(export({"A": CAMPAIGNS["A"]}))
    ((forecast_total, observed),) = totals(model, "clicks").values()
    assert forecast_total == pytest.approx(observed, rel=0.06)


def test_an_arm_with_one_relative_is_forecast_from_its_platform():
    """Campaign A keeps one fitted banner: one arm cannot show how A's banners differ, so the
    held-out banners of A are forecast from every arm of the platform, mostly B's money, whose
    clicks cost 4 times more: well under A's clicks (its relatives would have been right)."""
    frame = export(CAMPAIGNS)
    alone = (frame["campaign"] == "A") & (frame["banner"] != "b1")
    train, test = frame[~alone], frame[alone]
    fit = fit_arms(group_days(train, GROUP_BY), GROUP_BY, 0, train)
    model = forecast(fit, group_days(test, GROUP_BY), {}, seed=0)
    for arm, (forecast_total, observed) in totals(model, "clicks").items():
        assert forecast_total < 0.6 * observed, arm
