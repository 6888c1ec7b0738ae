"""Hold-out validation: fit on part of the data, predict the rest, and score the predictions.

The prediction is the planner's question: given a day's spend on an arm, how many clicks and
conversions? Spend goes through the fitted auction curve to impressions, fatigue and CTR to clicks,
and the conversion rate to conversions. Intervals are Monte Carlo over the posterior of every rate
and the fitted day-to-day dispersion (negative-binomial counts with variance phi x mean), so their
coverage tests the uncertainty as well as the point forecast.

The naive baseline is what a spreadsheet does: pooled average rates over every training row, no
auction curve, no fatigue, plain Poisson-binomial intervals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from smmsim.calibration.fatigue import cumulative_frequency
from smmsim.calibration.fit import ArmDays, ArmFit, Calibration
from smmsim.calibration.reading import ExportFileError
from smmsim.calibration.shrinkage import INTERVAL
from smmsim.simulator.curves import fatigued_ctr

DRAWS = 2000
COUNTED = ("clicks", "conversions")  # what a forecast predicts of each held-out arm-day
DEFAULT_SHARE = 0.2
# An arm the fit never saw is forecast from at least this many fitted arms like it (`_relatives`)
MIN_RELATIVES = 2


@dataclass(frozen=True)
class HoldoutSpec:
    by: str = "time"  # "time" or "group"
    share: float = DEFAULT_SHARE  # of the dates (time) or of the arms (group); 0 = no hold-out
    after: date | None = None  # time: every date after this one is held out
    explicit: bool = False  # asked for: data too small for it is an error, not a skipped check

    def describe(self) -> str:
        if self.share == 0 and self.after is None:
            return "none"
        if self.after is not None:
            return f"dates after {self.after.isoformat()}"
        if self.by == "time":
            return f"last {self.share:.0%} of the dates"
        return f"{self.share:.0%} of the arms"


def parse_share(text: str) -> float:
    """'20%' or '0.2' -> 0.2; a share of the data must be in [0, 0.9]."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*(%?)\s*", text)
    if not match:
        raise ValueError(f"{text!r} is not a share: write 20% or 0.2")
    share = float(match.group(1)) / (100 if match.group(2) else 1)
    if not 0 <= share <= 0.9:
        raise ValueError(f"{text!r}: the hold-out share must be between 0% and 90%")
    return share


def split(frame, spec: HoldoutSpec, arm_of_row, seed: int):
    """(train, test) frames. Time: the last share of distinct dates (or those after a date).
    Group: a seeded draw of whole arms, never every arm of the data."""
    if spec.share == 0 and spec.after is None:
        return frame, frame.iloc[0:0]
    if spec.by == "time":
        _check_days(frame, spec)
        dates = np.sort(frame["date"].unique())
        if spec.after is not None:
            cut = np.datetime64(spec.after)
        else:
            n_test = max(1, round(len(dates) * spec.share))
            if n_test >= len(dates):
                few = "1 date leaves" if len(dates) == 1 else f"{len(dates)} dates leave"
                raise ExportFileError(f"--holdout: {few} none to fit on")
            cut = dates[len(dates) - n_test - 1]
        test = frame["date"] > cut
        if test.all() or not test.any():
            left = "nothing to fit on" if test.all() else "nothing to test"
            raise ExportFileError(f"--holdout-after {spec.after}: leaves {left}")
        return frame[~test], frame[test]
    arms = sorted(set(arm_of_row))
    if len(arms) < 2:
        raise ExportFileError("--holdout-by group needs at least 2 arms (see --group-by)")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 29]))
    n_test = min(len(arms) - 1, max(1, round(len(arms) * spec.share)))
    held = set(rng.choice(arms, size=n_test, replace=False))
    test = np.isin(arm_of_row, list(held))
    return frame[~test], frame[test]


def _check_days(frame, spec: HoldoutSpec) -> None:
    """A time hold-out needs days: rows of a period's totals have no later days to hold out."""
    if "days" not in frame or not (frame["days"] > 1).any():
        return
    option = "--holdout-after" if spec.after is not None else "--holdout-by time"
    longest = int(frame["days"].max())
    raise ExportFileError(
        f"{option}: the rows are totals over periods (up to {longest} days each), not days, so "
        "no later days can be held out; use --holdout-by group to hold out whole arms"
    )


@dataclass(frozen=True)
class Forecast:
    """Predicted clicks and conversions of every held-out arm-day, with 90% intervals."""

    arm: list[str]
    date: list[str]
    observed: dict[str, np.ndarray]  # clicks, conversions
    mean: dict[str, np.ndarray]
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    seen: np.ndarray  # per arm-day: was its arm in the training data?

    def metrics(self) -> dict:
        """Scores over the arm-days with an observation and a forecast; `unseen_cells` counts
        the arm-days of arms the fit never saw, `unscored_conversions` those with no conversion
        forecast (an arm with no fitted conversion rate), which no WAPE can include."""
        out = {"cells": len(self.arm), "unseen_cells": int((~self.seen).sum())}
        for name in COUNTED:
            obs, pred = self.observed[name], self.mean[name]
            ok = ~np.isnan(obs) & ~np.isnan(pred)
            if name == "conversions":
                out["unscored_conversions"] = int((~np.isnan(obs) & np.isnan(pred)).sum())
            total = obs[ok].sum()
            out[f"wape_{name}"] = (
                float(np.abs(obs[ok] - pred[ok]).sum() / total) if total > 0 else None
            )
            inside = (obs[ok] >= self.low[name][ok]) & (obs[ok] <= self.high[name][ok])
            out[f"coverage_{name}"] = float(inside.mean()) if ok.any() else None
        return out


def counts(rng, mean: np.ndarray, dispersion: np.ndarray | float) -> np.ndarray:
    """Negative-binomial draws with variance dispersion x mean (Poisson where dispersion <= 1)."""
    mean = np.maximum(mean, 0.0)
    extra = np.broadcast_to(np.asarray(dispersion, dtype=float) - 1.0, mean.shape)
    lam = mean.copy()
    over = extra > 1e-9
    lam[over] = rng.gamma(mean[over] / extra[over], extra[over])
    return rng.poisson(lam).astype(float)


def forecast(fit: Calibration, test_arms: list[ArmDays], full_arms: dict, seed: int) -> Forecast:
    """The model's forecast of every test arm-day from its spend: a fitted arm from its own
    posteriors; an arm the fit never saw from the fitted arms most like it (see `_relatives`,
    `_unseen_draws`)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 31]))
    fitted = {a.days.key: a for a in fit.arms}
    rows = _Rows()
    for arm in test_arms:
        own = fitted.get(arm.key)
        siblings = _relatives(fit, arm)
        unpriced = own.cpm_given_curve is None if own is not None else not siblings
        if unpriced:
            # no price to turn its spend into impressions (its data had no spend): not forecast,
            # so not scored (each WAPE counts the arm-days with a forecast)
            rows.add(arm, _no_forecast(arm), seen=own is not None)
        elif own is not None:
            wear = _fatigue_on(arm, own, full_arms.get(arm.key))
            rows.add(arm, _arm_draws(own, arm, wear, DRAWS, rng), seen=True)
        else:
            rows.add(arm, _unseen_draws(siblings, arm, rng), seen=False)
    return rows.forecast()


def _no_forecast(arm: ArmDays) -> dict[str, np.ndarray]:
    return {name: np.full((DRAWS, len(arm.dates)), np.nan) for name in COUNTED}


def _arm_draws(
    source: ArmFit, arm: ArmDays, wear, n: int, rng, pressure_factor: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """(n, days) clicks and conversions of `arm`'s spend through `source`'s fitted price curve
    (auction pressure at that spend, or the given (n, days) `pressure_factor`; weekdays), CTR
    and conversion rate."""
    spend = np.nan_to_num(arm.values["spend"])
    cpm0 = source.cpm_given_curve.sample(rng, n)[:, None]
    # the curve at a cell's spend per day (a period's spend spread over its days)
    pressure = (
        source.pressure.factor(arm.daily_spend()) if pressure_factor is None else pressure_factor
    )
    factor = pressure * source.weekdays.on(arm.dates)
    # cpm0 is the mean-one-noise price; impressions average E[1 / noise] = exp(sigma^2) more.
    per_spend = np.exp(source.pressure.noise**2) * 1000 / (cpm0 * factor)
    impressions = counts(rng, spend * per_spend, source.cpm.dispersion)
    ctr = source.ctr.sample(rng, n)[:, None]
    clicks = counts(rng, impressions * ctr * wear, source.ctr.dispersion)
    if source.cvr is None:
        return {"clicks": clicks, "conversions": np.full_like(clicks, np.nan)}
    cvr = source.cvr.sample(rng, n)[:, None]
    return {"clicks": clicks, "conversions": counts(rng, clicks * cvr, source.cvr.dispersion)}


def _unseen_draws(siblings: list[ArmFit], arm: ArmDays, rng) -> dict[str, np.ndarray]:
    """An arm the fit never saw is one more arm like `siblings` (its relatives, `_relatives`):
    each draw takes one of them, at random in proportion to its training spend, and spends the
    day's money at the prices that arm's money paid (`_money_weighted_factors`: a curve is
    known only over the spends its arm had) and at its rates. Weighted by spend, the mixture's
    mean rate per unit of money is the relatives' pooled one; the spread between them enters
    the interval, so it is honest and wide. (The platform's prior of the base CPM alone ignores
    auction pressure, the price at no spend, and forecast 12 times the clicks a day's money
    bought on the bundled export.)"""
    spend = np.array([np.nansum(s.days.values["spend"]) for s in siblings])
    weights = spend / spend.sum() if spend.sum() > 0 else np.full(len(siblings), 1 / len(siblings))
    picks = np.bincount(rng.choice(len(siblings), size=DRAWS, p=weights), minlength=len(siblings))
    wear = np.ones(len(arm.dates))  # a new arm's creative is fresh
    parts = [
        _arm_draws(s, arm, wear, n, rng, _money_weighted_factors(s, (n, len(arm.dates)), rng))
        for s, n in zip(siblings, picks, strict=True)
        if n
    ]
    return {name: np.concatenate([p[name] for p in parts]) for name in COUNTED}


def _money_weighted_factors(source: ArmFit, shape: tuple[int, int], rng) -> np.ndarray:
    """Auction factors for an unseen arm's draws and days, each the curve's factor on one of
    `source`'s own days, picked in proportion to that day's spend. A unit of money then buys on
    average what a unit of `source`'s money bought (1 / factor, averaged over its money: most of
    it went on the dearer days of high spend), and the spread of its prices over its days enters
    the interval. (The factor at its median day's spend, used before, was cheaper than what its
    money paid: on the bundled export it forecast 7% more clicks than the arms' totals bought,
    and its intervals left out how the price moves with the day's spend.)"""
    spend = source.days.daily_spend()
    spend = spend[spend > 0]
    if not len(spend):
        return np.ones(shape)
    days = rng.choice(len(spend), size=shape, p=spend / spend.sum())
    return source.pressure.factor(spend)[days]


def _relatives(fit: Calibration, arm: ArmDays) -> list[ArmFit]:
    """The priced fitted arms an unseen arm is most like: those that share the longest leading
    part of its key, the `--group-by` columns in their order, coarse to fine (a new banner of
    campaign 1 is one more arm of campaign 1, whose arms share its prices and conversion rate,
    not one more arm of the platform), if at least MIN_RELATIVES do (one arm cannot show how
    such arms differ); else its platform's arms."""
    priced = _siblings(fit, arm.platform)
    for shared in range(len(arm.key) - 1, 1, -1):  # key[0] is the platform
        near = [a for a in priced if a.days.key[:shared] == arm.key[:shared]]
        if len(near) >= MIN_RELATIVES:
            return near
    return priced


def _siblings(fit: Calibration, platform: str) -> list[ArmFit]:
    """The fitted arms of `platform` with a price, or every priced arm where it has none."""
    priced = [a for a in fit.arms if a.cpm_given_curve is not None]
    same = [a for a in priced if a.days.platform == platform]
    return same or priced


def baseline_forecast(train, test_arms: list[ArmDays], seed: int, trained: set) -> Forecast:
    """Pooled average rates of the training rows, plain Poisson-binomial intervals; `trained`
    holds the keys of the arms in the training rows (to flag the others' arm-days)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 37]))
    spend, impressions = train["spend"].sum(), train["impressions"].sum()
    clicks_total, conversions_total = train["clicks"].sum(), train["conversions"].sum()
    cpm = 1000 * spend / impressions
    ctr = clicks_total / impressions
    measured = train["conversions"].notna().any()
    cvr = conversions_total / clicks_total if clicks_total > 0 and measured else np.nan
    rows = _Rows()
    for arm in test_arms:
        s = np.nan_to_num(arm.values["spend"])
        imps = rng.poisson(np.broadcast_to(1000 * s / cpm, (DRAWS, len(s)))).astype(float)
        clicks = rng.binomial(imps.astype(np.int64), ctr).astype(float)
        conv = (
            rng.binomial(clicks.astype(np.int64), cvr).astype(float)
            if np.isfinite(cvr)
            else np.full_like(clicks, np.nan)
        )
        rows.add(arm, {"clicks": clicks, "conversions": conv}, seen=arm.key in trained)
    return rows.forecast()


def per_arm_forecast(train_arms: list[ArmDays], test_arms: list[ArmDays], seed: int) -> Forecast:
    """An analyst's spreadsheet: each arm's own clicks and conversions per unit of money in the
    training rows, times the day's spend, with plain Poisson intervals. An arm with no training
    rows takes the pooled rates of all of them (the spreadsheet has nothing else)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 41]))
    own = {a.key: _per_spend(a.values) for a in train_arms}
    pooled = _per_spend(
        {m: np.concatenate([a.values[m] for a in train_arms]) for m in ("spend", *COUNTED)}
    )
    rows = _Rows()
    for arm in test_arms:
        spend = np.nan_to_num(arm.values["spend"])
        rates = own.get(arm.key, pooled)
        draws = {
            m: rng.poisson(np.broadcast_to(spend * rates[m], (DRAWS, len(spend)))).astype(float)
            if np.isfinite(rates[m])
            else np.full((DRAWS, len(spend)), np.nan)
            for m in COUNTED
        }
        rows.add(arm, draws, seen=arm.key in own)
    return rows.forecast()


def _per_spend(values: dict[str, np.ndarray]) -> dict[str, float]:
    """Clicks and conversions per unit of money over the days that have both (nan: unmeasured)."""
    out = {}
    for measure in COUNTED:
        both = ~np.isnan(values[measure]) & ~np.isnan(values["spend"])
        money = values["spend"][both].sum()
        out[measure] = values[measure][both].sum() / money if both.any() and money > 0 else np.nan
    return out


class _Rows:
    """Collects arm by arm the forecast draws' mean and 90% interval beside what was observed."""

    KINDS = ("obs", "mean", "low", "high")

    def __init__(self) -> None:
        self.arm, self.date, self.seen = [], [], []
        self.names = COUNTED
        self.values: dict[tuple[str, str], list] = {
            (k, n): [] for k in self.KINDS for n in self.names
        }

    def add(self, arm: ArmDays, draws: dict[str, np.ndarray], seen: bool) -> None:
        tail = (1 - INTERVAL) / 2
        self.arm += [arm.label] * len(arm.dates)
        self.seen += [seen] * len(arm.dates)
        self.date += [str(d) for d in arm.dates]
        for name in self.names:
            d = draws[name]
            self.values["obs", name].append(arm.values[name])
            self.values["mean", name].append(d.mean(axis=0))
            lo, hi = np.quantile(d, [tail, 1 - tail], axis=0)
            self.values["low", name].append(lo)
            self.values["high", name].append(hi)

    def forecast(self) -> Forecast:
        def joined(kind: str) -> dict[str, np.ndarray]:
            return {
                n: np.concatenate(self.values[kind, n]) if self.values[kind, n] else np.array([])
                for n in self.names
            }

        return Forecast(
            self.arm,
            self.date,
            joined("obs"),
            joined("mean"),
            joined("low"),
            joined("high"),
            np.array(self.seen, dtype=bool),
        )


def _fatigue_on(arm: ArmDays, own: ArmFit | None, full: ArmDays | None) -> np.ndarray:
    if own is None or not own.fatigue.detected or full is None:
        return np.ones(len(arm.dates))
    f = own.fatigue
    freq = cumulative_frequency(np.nan_to_num(full.values["impressions"]), f.audience)
    on_test = np.isin(full.dates, arm.dates)
    return fatigued_ctr(1.0, freq[on_test], f.f0, f.phi)
