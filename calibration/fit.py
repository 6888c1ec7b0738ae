"""Fit every arm's costs and rates to imported daily data, shrunk towards its platform.

An arm is a group of rows (platform x tool by default, or the analyst's `--group-by`); its days
are the sums of its rows per date. Per arm the fit estimates, in this order because each step
conditions on the one before it:
1. auction pressure: how the CPM rises with the day's spend (`pressure.py`);
2. weekday price multipliers on what the curve leaves (`weekdays.py`), then the curve again;
3. the base CPM, Gamma-Poisson on pressure- and weekday-adjusted spend;
4. fatigue, where reach exists (`fatigue.py`), and the base CTR on fatigue-adjusted impressions;
5. join rate and conversion rate per click, Beta-Binomial.
Shrinkage (`shrinkage.py`) pools the arms of one platform; a platform with too few arms to
estimate their spread borrows the prior fitted to every arm of every platform.

Two kinds of data carry less than that, and the fit says which parts it could not measure
(`ArmFit.unmeasured`, by the scenario key that part is written to):
- period rows (each row an ad's totals over several days): the rates and the base CPM use the
  totals, auction pressure the spend per day (spend / the row's days, as if spent evenly), and
  weekday prices, daily noise and fatigue over time are not fitted;
- no spend column: the rates are fitted, and no price (CPM, auction pressure, weekday prices,
  daily price noise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from smmsim.calibration.fatigue import (
    Fatigue,
    audience_from_reach,
    daily_audiences,
    fit_fatigue,
    no_fatigue,
)
from smmsim.calibration.pressure import Pressure, fit_pressure, not_priced
from smmsim.calibration.reading import ExportFileError
from smmsim.calibration.shrinkage import (
    MIN_GROUPS_FOR_PRIOR,
    WEAK_PRICE_SHAPE,
    BetaEstimate,
    PriceEstimate,
    binomial_dispersion,
    poisson_dispersion,
    pooled_dispersion,
    shrink_prices,
    shrink_rates,
)
from smmsim.calibration.weekdays import Weekdays, fit_weekdays, flat
from smmsim.scenarios.hints import did_you_mean

DAILY_SUMS = ("spend", "impressions", "reach", "clicks", "joins", "conversions", "revenue")
# Below this many days a group's own day-to-day scatter says little; it takes its platform's.
MIN_DAYS_OWN_DISPERSION = 5


@dataclass(frozen=True)
class ArmDays:
    """One arm's consecutive observed days, each a sum over the arm's rows."""

    key: tuple[str, ...]
    platform: str
    dates: np.ndarray  # datetime64[D]
    values: dict[str, np.ndarray]  # DAILY_SUMS -> (days,), NaN where not measured
    # days each cell covers (from its `dates` on), where a row is a period's totals; None: 1 each
    span: np.ndarray | None = None

    @property
    def label(self) -> str:
        return "/".join(self.key)

    @property
    def periods(self) -> np.ndarray:
        """The days each cell covers (1 for a day's cell)."""
        return np.ones(len(self.dates)) if self.span is None else self.span

    @property
    def is_period(self) -> bool:
        """Whether some cell is a period's totals rather than one day."""
        return self.span is not None and bool((self.span > 1).any())

    def daily_spend(self) -> np.ndarray:
        """Each cell's spend per day: a period's spend spread evenly over its days."""
        return np.nan_to_num(self.values["spend"]) / self.periods

    @property
    def last_day(self) -> np.datetime64:
        return (self.dates + (self.periods - 1).astype("timedelta64[D]")).max()

    def days_covered(self) -> int:
        """Calendar days with data (a period's days counted once however many cells cover it)."""
        if not self.is_period:
            return len(self.dates)
        starts = self.dates.astype(np.int64)
        days = [np.arange(a, a + int(n)) for a, n in zip(starts, self.periods, strict=True)]
        return len(np.unique(np.concatenate(days)))

    def total(self, name: str) -> float:
        return float(np.nansum(self.values[name]))

    def has(self, name: str) -> bool:
        return not np.all(np.isnan(self.values[name]))


@dataclass(frozen=True)
class ArmFit:
    days: ArmDays
    pressure: Pressure
    weekdays: Weekdays  # day-of-week CPM multipliers (flat unless the data show a pattern)
    # base CPM cpm0, before auction pressure, the curve's uncertainty included (None: no spend)
    cpm: PriceEstimate | None
    # cpm0 with the auction curve taken as fitted: the price level at the observed spend, and what
    # a scenario that fixes s_half and k at their estimates must draw from
    cpm_given_curve: PriceEstimate | None
    fatigue: Fatigue
    ctr: BetaEstimate  # base CTR ctr0, before fatigue
    join_rate: BetaEstimate | None
    cvr: BetaEstimate | None
    ctr_noise: float  # daily lognormal sd of CTR beyond binomial noise
    prior_source: dict[str, str]  # rate -> "platform" / "all arms" / "weak": what it borrowed from
    # model parts the data could not measure for this arm, by scenario key -> why
    unmeasured: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Calibration:
    arms: tuple[ArmFit, ...]
    group_by: tuple[str, ...]
    seed: int
    first_date: str
    last_date: str
    currency: str
    average_order_value: tuple[float, float, float] | None  # mean, p5, p95

    def arm(self, label: str) -> ArmFit:
        return next(a for a in self.arms if a.days.label == label)

    def not_fitted(self) -> dict[str, tuple[str, list[str]]]:
        """Each model part some arm could not measure: (why, those arms), first reason given."""
        out: dict[str, tuple[str, list[str]]] = {}
        for arm in self.arms:
            for part, why in arm.unmeasured.items():
                out.setdefault(part, (why, []))[1].append(arm.days.label)
        return out


def group_days(frame, group_by: tuple[str, ...]) -> list[ArmDays]:
    """Daily sums per group; a column that is all NaN stays NaN (not measured), not 0."""
    missing = [g for g in group_by if g not in frame.columns]
    if missing:
        not_keys = {*DAILY_SUMS, "frequency", "source", "line", "date", "days"}
        usable = [c for c in frame.columns if c not in not_keys]
        raise ExportFileError(
            f"--group-by: no column {missing[0]!r}{did_you_mean(missing[0], usable)}; "
            f"the data has {', '.join(usable)}"
        )
    keys = list(dict.fromkeys(("platform", *group_by)))
    measured = {c: frame[c].notna().any() for c in DAILY_SUMS}
    # period rows: a cell is a first day and a length (rows of other lengths are other cells)
    periodic = "days" in frame and bool((frame["days"] > 1).any())
    cell = [*keys, "date", "days"] if periodic else [*keys, "date"]
    daily = frame.groupby(cell, sort=True, dropna=False)[list(DAILY_SUMS)].sum(min_count=1)
    arms = []
    for key, part in daily.groupby(level=list(range(len(keys))), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        values = {
            c: part[c].to_numpy(dtype=float) if measured[c] else np.full(len(part), np.nan)
            for c in DAILY_SUMS
        }
        dates = part.index.get_level_values("date").to_numpy().astype("datetime64[D]")
        span = part.index.get_level_values("days").to_numpy(float) if periodic else None
        arms.append(ArmDays(tuple(str(k) for k in key), str(key[0]), dates, values, span))
    return arms


def fit_arms(arms: list[ArmDays], group_by: tuple[str, ...], seed: int, frame) -> Calibration:
    if not arms:
        raise ExportFileError("no usable rows to calibrate on (every row was rejected)")
    # a funnel without spend has rates and no price (an arm of a file without spend, beside
    # files with it, too)
    priced = np.array([a.has("spend") for a in arms], dtype=bool)
    if priced.any() and not any(a.total("spend") > 0 and a.total("impressions") > 0 for a in arms):
        raise ExportFileError(
            "no day with both spend and impressions: there is no price to calibrate"
        )
    platform_of = np.array([a.platform for a in arms])
    shapes = [_price_shape(a) if p else _no_price(a) for a, p in zip(arms, priced, strict=True)]
    pressures = [p for p, _ in shapes]
    weekdays = [w for _, w in shapes]
    cpms, cpms_given_curve, cpm_source = _prices_of_priced(arms, shapes, platform_of, priced)
    ctr_dispersion = _dispersions(arms, "clicks", "impressions", platform_of)
    audiences = _platform_audiences(arms)
    fatigues = [
        _period_fatigue(a)
        if a.is_period
        else fit_fatigue(
            a.values["impressions"],
            a.values["reach"],
            a.values["clicks"],
            phi,
            audiences.get(a.platform),
        )
        for a, phi in zip(arms, ctr_dispersion, strict=True)
    ]
    exposed = [
        np.nansum(a.values["impressions"] * f.factor_by_day)
        for a, f in zip(arms, fatigues, strict=True)
    ]
    clicks = np.array([a.total("clicks") for a in arms])
    ctrs, ctr_source = _pooled_within_platforms(
        shrink_rates, (clicks, np.array(exposed), ctr_dispersion), platform_of
    )
    joins, join_source = _rate_per_click(arms, "joins", platform_of)
    cvrs, cvr_source = _rate_per_click(arms, "conversions", platform_of)
    fits = []
    for i, arm in enumerate(arms):
        sources = {
            "cpm": cpm_source[i],
            "ctr": ctr_source[i],
            "join_rate": join_source[i],
            "cvr": cvr_source[i],
        }
        fits.append(
            ArmFit(
                days=arm,
                pressure=pressures[i],
                weekdays=weekdays[i],
                cpm=cpms[i],
                cpm_given_curve=cpms_given_curve[i],
                fatigue=fatigues[i],
                ctr=ctrs[i],
                join_rate=joins[i],
                cvr=cvrs[i],
                ctr_noise=0.0 if arm.is_period else _ctr_noise(arm, ctr_dispersion[i]),
                prior_source=sources,
                unmeasured=_unmeasured(arm, bool(priced[i])),
            )
        )
    return Calibration(
        arms=tuple(fits),
        group_by=tuple(group_by),
        seed=seed,
        first_date=str(min(a.dates.min() for a in arms)),
        last_date=str(max(a.last_day for a in arms)),
        currency=_currency(frame),
        average_order_value=_order_value(arms, seed),
    )


def _platform_audiences(arms: list[ArmDays]) -> dict[str, float]:
    """Each platform's audience: the median of the daily audiences its arms' reach implies
    (the engine has one audience per platform, shared by its arms)."""
    sizes: dict[str, list[float]] = {}
    for arm in arms:
        if arm.has("reach"):
            found = daily_audiences(arm.values["impressions"], arm.values["reach"])
            sizes.setdefault(arm.platform, []).extend(found)
    return {p: float(np.median(s)) for p, s in sizes.items() if s}


PERIOD_ROWS = "the rows are totals over periods of several days, not days"
NO_SPEND = "the data have no spend column"


def _unmeasured(arm: ArmDays, priced: bool) -> dict[str, str]:
    """The model parts (scenario keys) this arm's data cannot measure, and why."""
    out = {}
    if not priced:
        out.update(dict.fromkeys(("cpm", "auction", "day_of_week", "noise"), NO_SPEND))
    if arm.is_period:
        for part in ("day_of_week", "noise", "fatigue"):
            out.setdefault(part, PERIOD_ROWS)
    return out


def _no_price(arm: ArmDays) -> tuple[Pressure, Weekdays]:
    return not_priced(len(arm.dates), NO_SPEND), flat(f"not fitted: {NO_SPEND}")


def _period_fatigue(arm: ArmDays) -> Fatigue:
    """Wear-out over time needs the days in order; a period's reach still gives the audience
    (the same saturation model holds over any window: r = N (1 - exp(-i / N)))."""
    audience = None
    if arm.has("reach"):
        audience = audience_from_reach(
            arm.values["impressions"], np.nan_to_num(arm.values["reach"])
        )
    return no_fatigue(len(arm.dates), f"not fitted: {PERIOD_ROWS}", audience)


def _price_shape(arm: ArmDays) -> tuple[Pressure, Weekdays]:
    """The auction curve, then weekday multipliers on its residuals, then the curve again on
    weekday-adjusted prices (so neither soaks up the other and the noise left is the engine's).

    Period rows: the curve by spend per day (the price of a period is that of its daily spend,
    if spent evenly), and no weekdays; the residual sd is then the scatter of period averages,
    not a day's price noise, so it is not kept."""
    s = arm.daily_spend()
    i = np.nan_to_num(arm.values["impressions"]) / arm.periods
    first = fit_pressure(s, i)
    if arm.is_period:
        measured = first.note.replace(" days ", " periods ").replace(" 1 periods ", " 1 period ")
        note = f"{measured}, by spend per day (a period's spend / its days)"
        return replace(first, log_cpm_sd=0.0, note=note), flat(f"not fitted: {PERIOD_ROWS}")
    weekdays = fit_weekdays(arm.dates, first.log_residuals(s, i))
    if not weekdays.detected:
        return first, weekdays
    per_click = fit_weekdays(arm.dates, first.log_residuals(s, i) - _log_ctr_residuals(arm))
    if not per_click.detected:
        # The engine's weekdays move the price, and with it impressions and clicks alike (its CTR
        # has no weekday). A price week that the cost per click does not show (CTR moving with
        # the price: a network that sells clicks) would distort clicks per money, so it stays
        # flat.
        p = "n/a" if per_click.p_value is None else f"{per_click.p_value:.2g}"
        return first, flat(
            f"not written: the price has a week (F-test p = {weekdays.p_value:.2g}) but the "
            f"cost per click does not (p = {p}); the engine's weekdays move the price only"
        )
    return fit_pressure(s, i * weekdays.on(arm.dates)), weekdays


def _log_ctr_residuals(arm: ArmDays) -> np.ndarray:
    """Each day's log CTR less its mean (NaN on days without clicks)."""
    clicks = np.nan_to_num(arm.values["clicks"])
    impressions = np.nan_to_num(arm.values["impressions"])
    clicked = (clicks > 0) & (impressions > 0)
    out = np.full(len(clicks), np.nan)
    out[clicked] = np.log(clicks[clicked] / impressions[clicked])
    return out - np.nanmean(out) if clicked.any() else out


def _fit_prices(arms, shapes, platform_of) -> tuple[list, list, list[str]]:
    """Base CPM per arm. Exposure is spend / pressure factor, so theta = 1000 / cpm0; the
    engine's daily price noise is mean-one on the CPM, which makes total impressions per unit
    spend exp(sigma^2) times 1 / cpm0, so the posterior is scaled back by that factor."""
    counts, exposure, parts = [], [], []
    for arm, (pressure, weekdays) in zip(arms, shapes, strict=True):
        s, i = np.nan_to_num(arm.values["spend"]), np.nan_to_num(arm.values["impressions"])
        i = np.where(np.isnan(arm.values["spend"]), 0.0, i)  # a day without spend has no price
        # An undetected curve is written with headroom (at most 1% here) but not fitted through:
        # cpm0 is then the observed price level itself. The curve is read at each cell's spend
        # per day (a day's spend for daily rows).
        factor = pressure.factor(arm.daily_spend()) if pressure.detected else 1.0
        x = s / factor / weekdays.on(arm.dates)
        counts.append(i.sum())
        exposure.append(x.sum())
        parts.append(poisson_dispersion(i, x))
    dispersion = _per_arm_dispersion(parts, platform_of)
    found, sources = _pooled_within_platforms(
        shrink_prices, (np.array(counts), np.array(exposure), dispersion), platform_of
    )
    given_curve, marginal = [], []
    for e, (pressure, _) in zip(found, shapes, strict=True):
        correction = math.exp(pressure.noise**2)
        given_curve.append(
            PriceEstimate(
                e.alpha, e.beta * correction, e.prior_alpha, e.prior_beta * correction, e.dispersion
            )
        )
        # Not knowing the curve makes cpm0 less certain too (cpm0 and s_half trade off): widen
        # log theta's variance, about 1 / alpha for a Gamma, by what the curve adds, keeping the
        # CPM's mean 1000 beta / (alpha - 1).
        alpha = max(1 / (1 / e.alpha + pressure.curve_log_cpm0_var), WEAK_PRICE_SHAPE)
        c = given_curve[-1]
        beta = c.beta * (alpha - 1) / (c.alpha - 1)
        marginal.append(PriceEstimate(alpha, beta, c.prior_alpha, c.prior_beta, c.dispersion))
    return marginal, given_curve, sources


def _prices_of_priced(arms, shapes, platform_of, priced) -> tuple[list, list, list[str]]:
    """`_fit_prices` over the arms with spend; None (and why) for the others."""
    n = len(arms)
    cpms, given_curve, sources = [None] * n, [None] * n, ["no spend in the data"] * n
    at = np.flatnonzero(priced)
    if len(at):
        found = _fit_prices([arms[i] for i in at], [shapes[i] for i in at], platform_of[at])
        for j, i in enumerate(at):
            cpms[i], given_curve[i], sources[i] = found[0][j], found[1][j], found[2][j]
    return cpms, given_curve, sources


def _pooled_within_platforms(shrink, columns: tuple, platform_of) -> tuple[list, list[str]]:
    """`shrink` per platform with enough arms to fit a prior; the arms of platforms with too few
    are shrunk towards the prior fitted to every arm (or a weak one if there are too few)."""
    out, source, few = {}, {}, []
    for p in dict.fromkeys(platform_of):
        members = np.flatnonzero(platform_of == p)
        if len(members) < MIN_GROUPS_FOR_PRIOR:
            few.extend(members)
            continue
        for i, e in zip(members, shrink(*(c[members] for c in columns)), strict=True):
            out[i], source[i] = e, f"platform {p}"
    if few:
        everyone = shrink(*columns)
        label = "all arms" if len(platform_of) >= MIN_GROUPS_FOR_PRIOR else "weak prior"
        for i in few:
            out[i], source[i] = everyone[i], label
    return [out[i] for i in range(len(platform_of))], [source[i] for i in range(len(platform_of))]


def _dispersions(arms, successes: str, trials: str, platform_of) -> np.ndarray:
    parts = [
        binomial_dispersion(np.nan_to_num(a.values[successes]), np.nan_to_num(a.values[trials]))
        for a in arms
    ]
    return _per_arm_dispersion(parts, platform_of)


def _per_arm_dispersion(parts: list[tuple[float, int]], platform_of: np.ndarray) -> np.ndarray:
    """An arm's own Pearson phi when it has enough days, else its platform's pooled phi."""
    out = np.ones(len(parts))
    for p in dict.fromkeys(platform_of):
        members = np.flatnonzero(platform_of == p)
        pooled = pooled_dispersion([parts[i] for i in members])
        for i in members:
            _, dof = parts[i]
            out[i] = pooled_dispersion([parts[i]]) if dof + 1 >= MIN_DAYS_OWN_DISPERSION else pooled
    return out


def _capped_at_clicks(arm: ArmDays, name: str) -> ArmDays:
    """The arm with each day's `name` at most its clicks, for a per-click rate: view-through
    conversions (kept by --view-through keep) can exceed a day's clicks, which no per-click
    probability can give; the day then counts as every click converting, for the fitted CVR
    only: the import summary, the observed CVR (the data's conversions over clicks) and the
    hold-out's actual conversions keep the conversions as the data have them."""
    values = arm.values[name]
    capped = np.fmin(values, np.nan_to_num(arm.values["clicks"]))
    if np.array_equal(capped, values, equal_nan=True):
        return arm
    return replace(arm, values={**arm.values, name: capped})


def _rate_per_click(arms, name: str, platform_of) -> tuple[list, list[str]]:
    """A per-click rate (joins, conversions) for the arms whose data measure it, else None: an
    arm without the column, or without a single click to measure it on."""
    measured = np.flatnonzero([a.has(name) and a.total("clicks") > 0 for a in arms])
    estimates: list = [None] * len(arms)
    sources = ["no clicks to measure it on" if a.has(name) else "not in the data" for a in arms]
    if not len(measured):
        return estimates, sources
    subset = [_capped_at_clicks(arms[i], name) for i in measured]
    dispersion = _dispersions(subset, name, "clicks", platform_of[measured])
    k = np.array([a.total(name) for a in subset])
    n = np.array([a.total("clicks") for a in subset])
    found, why = _pooled_within_platforms(shrink_rates, (k, n, dispersion), platform_of[measured])
    for i, e, w in zip(measured, found, why, strict=True):
        estimates[i], sources[i] = e, w
    return estimates, sources


def _ctr_noise(arm: ArmDays, dispersion: float) -> float:
    """sigma of a mean-one lognormal CTR multiplier: clicks' variance n p (1 - p) + (n p sigma)^2
    per day, so sigma^2 = (phi - 1) (1 - p) / (mean daily n p)."""
    clicks, impressions = arm.total("clicks"), arm.total("impressions")
    days = max(len(arm.dates), 1)
    if clicks <= 0 or impressions <= 0:
        return 0.0
    p = clicks / impressions
    return math.sqrt(max(dispersion - 1, 0.0) * (1 - p) / (clicks / days))


def _currency(frame) -> str:
    """The commonest three-letter currency code (upper-cased; the first in order on a tie),
    counted over the distinct cells rather than cell by cell."""
    counts = frame["currency"].dropna().astype(str).value_counts()
    codes = counts[counts.index.str.fullmatch(r"[A-Za-z]{3}")]
    if not len(codes):
        return ""
    by_code = codes.groupby(codes.index.str.upper()).sum()
    return str(min(by_code.index[by_code == by_code.max()]))


def _order_value(arms: list[ArmDays], seed: int) -> tuple[float, float, float] | None:
    """Revenue per conversion with a 90% interval from a bootstrap over days (seeded)."""
    # Only days that measure both: an export without revenue says nothing about order value.
    revenue = np.concatenate([a.values["revenue"] for a in arms])
    conversions = np.concatenate([a.values["conversions"] for a in arms])
    both = ~np.isnan(revenue) & ~np.isnan(conversions)
    revenue, conversions = revenue[both], conversions[both]
    if conversions.sum() <= 0 or revenue.sum() <= 0:
        return None
    rng = np.random.default_rng(np.random.SeedSequence([seed, 17]))
    picks = rng.integers(0, len(revenue), size=(500, len(revenue)))
    ratio = revenue[picks].sum(axis=1) / np.maximum(conversions[picks].sum(axis=1), 1e-12)
    lo, hi = np.quantile(ratio, [0.05, 0.95])
    return float(revenue.sum() / conversions.sum()), float(lo), float(hi)
