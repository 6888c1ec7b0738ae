"""Parameter recovery: smmsim simulates days with known parameters, they are exported as Meta and
Google Ads files, and the calibration must find the parameters again.

Tolerances are named and come from the data's own precision: 60 days of about 30k impressions a
day with 10% daily noise pin a CTR to about 1.5% and a CPM to about 1.3%; a conversion rate rests
on 600-2,000 conversions, about 3-5%.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from smmsim.calibration.fit import Calibration, fit_arms, group_days
from smmsim.calibration.importer import ImportOptions, import_exports
from smmsim.calibration.pipeline import CalibrationSettings, calibrate
from tests.exports import (
    TRUE_ARMS,
    recovery_scenario,
    simulated_days,
    truth,
    write_both,
    write_meta,
)

GROUP = ("platform", "campaign")
RATE_TOLERANCE = {"ctr": 0.06, "join_rate": 0.20, "cvr": 0.20}  # about 4 sd of each estimate
CPM_TOLERANCE = 0.06  # undetected-pressure arms: cpm0 is the observed price level
PRESSURE_ARMS = {"meta/prospecting", "google/display"}  # s_half near their daily spend
COVERAGE_DATASETS = 40


def calibrate_files(paths: list[Path]) -> Calibration:
    imported = import_exports(paths, ImportOptions())
    assert imported.totals["rows_read"] == imported.totals["rows_used"] + 1  # Google's total row
    return fit_arms(group_days(imported.frame, GROUP), GROUP, 0, imported.frame)


@pytest.fixture(scope="module")
def datasets() -> list:
    return simulated_days(recovery_scenario(), COVERAGE_DATASETS, seed=5)


@pytest.fixture(scope="module")
def one_fit(datasets, tmp_path_factory) -> Calibration:
    return calibrate_files(write_both(datasets[0], tmp_path_factory.mktemp("exports")))


def test_both_layouts_are_read_as_their_platforms(datasets, tmp_path):
    imported = import_exports(write_both(datasets[0], tmp_path), ImportOptions())
    formats = [f["format"] for f in imported.files]
    assert formats == ["meta", "google"]
    assert imported.files[1]["encoding"] == "utf-16-le" and imported.files[1]["separator"] == "tab"
    assert imported.files[1]["rejected_by_reason"] == {"total_row": 1}
    # Every simulated arm-day arrives, with its spend to the cent.
    assert len(imported.frame) == len(datasets[0])
    assert imported.frame["spend"].sum() == pytest.approx(datasets[0]["spend"].sum(), abs=1.0)


@pytest.mark.parametrize("rate", ["ctr", "join_rate", "cvr"])
def test_rates_are_recovered(one_fit, rate):
    for arm in one_fit.arms:
        estimate = getattr(arm, rate)
        if rate == "join_rate" and arm.days.platform == "google":
            assert estimate is None  # Google Ads exports no joins: not estimated, not invented
            continue
        expected = truth()[arm.days.label][rate]
        assert estimate.mean == pytest.approx(expected, rel=RATE_TOLERANCE[rate]), arm.days.label


def test_flat_price_arms_recover_their_cpm(one_fit):
    for arm in one_fit.arms:
        if arm.days.label not in PRESSURE_ARMS:
            expected = truth()[arm.days.label]["cpm"]
            assert arm.cpm.cpm_mean == pytest.approx(expected, rel=CPM_TOLERANCE), arm.days.label


def test_auction_pressure_is_found_where_it_exists_and_only_there(one_fit):
    """The negative control: arms whose s_half is 10 million never show pressure."""
    for arm in one_fit.arms:
        p = arm.pressure
        if arm.days.label in PRESSURE_ARMS:
            assert p.detected, arm.days.label
            lo, hi = p.s_half_interval
            assert lo <= truth()[arm.days.label]["s_half"] <= hi
        else:
            assert not p.detected, (arm.days.label, p.note)


def test_the_price_curve_matches_the_truth_over_the_observed_spend(one_fit):
    """cpm0 and s_half trade off, but their curve is pinned where the data were seen."""
    for arm in one_fit.arms:
        if arm.days.label not in PRESSURE_ARMS:
            continue
        t = truth()[arm.days.label]
        spend = np.linspace(*arm.pressure.spend_range, 5)
        true_cpm = t["cpm"] * (1 + spend / t["s_half"])
        fitted = arm.cpm_given_curve.cpm_mean * arm.pressure.factor(spend)
        np.testing.assert_allclose(fitted, true_cpm, rtol=0.08)


def test_daily_price_noise_is_recovered(datasets, tmp_path):
    """The engine's daily CPM noise is lognormal with sd 0.1 on log scale (`noise: 0.1`): over
    10 campaigns x 6 arms the residual sd averages 0.1 and its 90% intervals hold it."""
    estimates, hits = [], []
    for i, frame in enumerate(datasets[:10]):
        for arm in calibrate_files(write_both(frame, tmp_path, tag=f"n{i}")).arms:
            lo, hi = arm.pressure.log_cpm_sd_interval()
            estimates.append(arm.pressure.log_cpm_sd)
            hits.append(lo <= 0.1 <= hi)
    assert np.mean(estimates) == pytest.approx(0.1, rel=0.05)
    assert 0.78 <= np.mean(hits) <= 0.98  # 60 intervals: 0.9 +- 3 sd


@pytest.mark.slow
def test_ninety_percent_intervals_cover_the_truth_about_ninety_percent_of_the_time(
    datasets, tmp_path
):
    """Over 40 simulated campaigns, every arm's CPM, CTR, join and conversion rate interval."""
    hits = []
    for i, frame in enumerate(datasets):
        fit = calibrate_files(write_both(frame, tmp_path, tag=str(i)))
        for arm in fit.arms:
            t = truth()[arm.days.label]
            for name in ("cpm", "ctr", "join_rate", "cvr"):
                estimate = getattr(arm, name)
                if estimate is not None:
                    lo, hi = estimate.interval()
                    hits.append(lo <= t[name] <= hi)
    coverage = np.mean(hits)
    # 840 intervals; even with arms of one dataset sharing their noise the coverage's sd is
    # about 0.02, so 0.84-0.96 is +-3 sd around 0.90.
    assert 0.84 <= coverage <= 0.96, coverage


@pytest.mark.slow
def test_negative_control_intervals_miss_a_truth_that_is_not_the_data(tmp_path):
    """Data made with every CTR 30% higher: the intervals must not cover the original CTRs,
    or the coverage test above could pass for intervals that cover anything."""
    shifted = {key: (v[0], v[1] * 1.3, *v[2:]) for key, v in TRUE_ARMS.items()}
    frames = simulated_days(recovery_scenario(shifted), 10, seed=8)
    hits = []
    for i, frame in enumerate(frames):
        fit = calibrate_files(write_both(frame, tmp_path, tag=str(i)))
        for arm in fit.arms:
            lo, hi = arm.ctr.interval()
            hits.append(lo <= truth()[arm.days.label]["ctr"] <= hi)
    assert np.mean(hits) < 0.05


FATIGUE_ARMS = {
    ("meta", "prospecting"): (4.0, 0.012, 0.05, 0.02, 0.6, 1e7),
    ("meta", "lookalike"): (5.0, 0.009, 0.03, 0.03, 0.4, 1e7),
}


def fatigue_fits(phi: float, tmp_path: Path, n: int) -> list:
    """n datasets of a small audience (300k people, frequency climbs to about 9)."""
    data = recovery_scenario(FATIGUE_ARMS, phi=phi, f0=2.0)
    data["platforms"][0]["audience"] = 300_000
    fits = []
    for i, frame in enumerate(simulated_days(data, n, seed=3)):
        imported = import_exports([write_meta(frame, tmp_path / f"f{i}.csv")], ImportOptions())
        fits.extend(fit_arms(group_days(imported.frame, GROUP), GROUP, 0, imported.frame).arms)
    return fits


def test_fatigue_is_recovered_from_reach(tmp_path):
    arms = fatigue_fits(0.15, tmp_path, 5)
    for arm in arms:
        f = arm.fatigue
        assert f.detected
        assert f.audience == pytest.approx(300_000, rel=0.01)  # from daily reach alone
        assert f.phi_interval[0] <= 0.15 <= f.phi_interval[1]
        assert f.phi == pytest.approx(0.15, rel=0.15)


def test_negative_control_no_fatigue_is_seldom_detected(tmp_path):
    """With phi = 0, wear-out is detected on 2-3% of arms (a 2.576-sd test at the best of the
    f0 grid): of these 20 arms, at most one."""
    arms = fatigue_fits(0.0, tmp_path, 10)
    assert sum(a.fatigue.detected for a in arms) <= 1
    assert all(a.fatigue.phi == 0 for a in arms if not a.fatigue.detected)


def test_small_arms_borrow_from_their_platform(tmp_path, datasets):
    """An arm with 3 days of data is pulled towards its platform's other arms; the same arm
    with 60 days keeps its own rate."""
    frame = datasets[1].copy()
    few = (frame["tool"] == "lookalike") & (
        frame["date"] > frame["date"].min() + np.timedelta64(2, "D")
    )
    small = calibrate_files(write_both(frame[~few], tmp_path, tag="small"))
    large = calibrate_files(write_both(frame, tmp_path, tag="large"))
    arm_small, arm_large = small.arm("meta/lookalike"), large.arm("meta/lookalike")
    raw = arm_small.days.total("conversions") / arm_small.days.total("clicks")
    prior = arm_small.cvr.prior_a / (arm_small.cvr.prior_a + arm_small.cvr.prior_b)
    # The small arm's estimate lies between its raw rate and the prior, closer than the large's.
    assert min(raw, prior) <= arm_small.cvr.mean <= max(raw, prior)
    share_small = abs(arm_small.cvr.mean - raw) / abs(prior - raw)
    raw_large = arm_large.days.total("conversions") / arm_large.days.total("clicks")
    prior_large = arm_large.cvr.prior_a / (arm_large.cvr.prior_a + arm_large.cvr.prior_b)
    share_large = abs(arm_large.cvr.mean - raw_large) / abs(prior_large - raw_large)
    assert share_small > 2 * share_large
    assert arm_small.cvr.interval()[1] - arm_small.cvr.interval()[0] > (
        arm_large.cvr.interval()[1] - arm_large.cvr.interval()[0]
    )


def test_the_same_seed_gives_the_same_calibration(datasets, tmp_path):
    paths = write_both(datasets[2], tmp_path)
    imported = import_exports(paths, ImportOptions())
    settings = CalibrationSettings(group_by=GROUP, seed=4)
    first, second = calibrate(imported, settings), calibrate(imported, settings)
    assert first.validation.metrics() == second.validation.metrics()
    assert [a.cvr.mean for a in first.calibration.arms] == [
        a.cvr.mean for a in second.calibration.arms
    ]


WEEK = (0.9, 0.9, 0.95, 1.0, 1.05, 1.1, 1.1)  # mean 1: weekend auctions cost more


def test_weekday_prices_are_recovered(tmp_path):
    """A +-10% week under 10% daily noise on price and CTR: found on (nearly) every arm, with
    the multipliers where the scenario put them."""
    frame = simulated_days(recovery_scenario(day_of_week=WEEK), 1, seed=13)[0]
    arms = calibrate_files(write_both(frame, tmp_path)).arms
    assert sum(a.weekdays.detected for a in arms) >= 5  # of 6: the test's power is about 0.95
    for arm in arms:
        w = arm.weekdays
        if not w.detected:
            continue
        # Each weekday's mean rests on 8-9 days of 10% noise: sd 0.034, so 0.12 is 3.5 sd.
        np.testing.assert_allclose(w.multipliers, WEEK, atol=0.12)
        assert np.mean(np.abs(np.subtract(w.multipliers, WEEK))) < 0.05
        inside = [lo <= m <= hi for m, (lo, hi) in zip(WEEK, w.intervals, strict=True)]
        assert sum(inside) >= 5  # of 7 weekdays at 90%
        if arm.days.label not in PRESSURE_ARMS:  # the weekly pattern does not pass for pressure
            assert not arm.pressure.detected, arm.days.label


def test_negative_control_a_flat_week_is_seldom_read_as_a_pattern(one_fit):
    assert sum(a.weekdays.detected for a in one_fit.arms) <= 1
    assert all(
        a.weekdays.multipliers == (1.0,) * 7 for a in one_fit.arms if not a.weekdays.detected
    )


def test_a_week_that_moves_ctr_with_the_price_is_not_written(datasets, tmp_path):
    """A network that sells clicks: CPM and CTR follow the same weekly pattern, so the cost per
    click is flat. The engine's weekdays move only the price, so the week stays flat."""
    frame = datasets[3].copy()
    weekday = np.array([d.weekday() for d in frame["date"]])
    pattern = np.asarray(WEEK)[weekday]
    # Same spend and clicks, fewer impressions on dear days: CPM x pattern, CTR x pattern.
    frame["impressions"] = np.round(frame["impressions"] / pattern)
    frame["reach"] = np.minimum(frame["reach"], frame["impressions"])
    arms = calibrate_files(write_both(frame, tmp_path)).arms
    # Every price shows the week; the cost per click only by a 5% false alarm.
    assert sum(a.weekdays.detected for a in arms) <= 1
    for arm in arms:
        if not arm.weekdays.detected:
            assert "but the cost per click does not" in arm.weekdays.note, arm.days.label
