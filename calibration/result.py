"""calibration.json as types: `CalibrationResult` and its sections, each field a JSON key in the
order it is written (schema in the README). The console and fit.html read these attributes; the
numbers are computed in `calibration/document.py` and typed once, by `calibration_document`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from smmsim.scenarios.documents import ABSENT, Document


@dataclass(frozen=True)
class Estimate(Document):
    """A posterior mean with its 90% interval (the average order value is just this)."""

    mean: float
    p5: float
    p95: float


@dataclass(frozen=True)
class Posterior(Estimate):
    """An estimate with its posterior standard deviation."""

    sd: float


@dataclass(frozen=True)
class CpmGivenCurve(Posterior):
    """The base CPM with the auction curve's s_half and k as fitted (what is written back)."""

    meaning: str


@dataclass(frozen=True)
class CpmEstimate(Posterior):
    """The base CPM cpm0 before auction pressure, beside what it was estimated from."""

    observed: float
    observed_without_pressure: float
    prior_mean: float
    shrunk_towards: str
    dispersion: float
    meaning: str


@dataclass(frozen=True)
class RateEstimate(Posterior):
    """A CTR, join rate or CVR, beside the raw rate and the prior it was shrunk towards."""

    observed: float | None
    prior_mean: float
    shrunk_towards: str
    dispersion: float


@dataclass(frozen=True)
class AuctionPressure(Document):
    """CPM rising with daily spend: cpm0 x (1 + (spend / s_half)^k), where detected."""

    detected: bool
    s_half: float
    s_half_interval: list[float] | None
    k: float
    k_interval: list[float] | None
    p_value: float | None
    daily_spend_range: list[float]
    note: str


@dataclass(frozen=True)
class WeekdayPrices(Document):
    """CPM multipliers Monday to Sunday, flat unless the weekdays differ."""

    detected: bool
    multipliers: list[float]
    intervals: list[list[float]] | None
    p_value: float | None
    note: str


@dataclass(frozen=True)
class FatigueFit(Document):
    """CTR wear-out with cumulative frequency, where the data have reach to show it."""

    identified: bool
    detected: bool
    phi: float
    phi_interval: list[float] | None
    f0: float
    audience: float | None
    frequency_range: list[float] | None
    note: str


@dataclass(frozen=True)
class Noise(Document):
    """Day-to-day variation of the CPM (log scale) and of the CTR."""

    log_cpm_sd: float | None  # None: rows of a period's totals, or no spend, show no days
    log_cpm_sd_interval: list[float] | None
    ctr_sd: float | None


@dataclass(frozen=True)
class ArmCalibration(Document):
    """One arm's fit: its data's extent and totals, and every estimate."""

    arm: str
    platform: str
    key: list[str]
    days: int
    first_date: str
    last_date: str
    totals: dict[str, float | None]  # canonical measure -> total, None where not in the data
    cpm: CpmEstimate | None  # None: the data have no spend
    cpm_given_curve: CpmGivenCurve | None
    auction: AuctionPressure
    day_of_week: WeekdayPrices
    ctr: RateEstimate | None
    join_rate: RateEstimate | None
    cvr: RateEstimate | None
    fatigue: FatigueFit
    noise: Noise


@dataclass(frozen=True)
class ForecastScores(Document):
    """How well one forecast (the fit or the naive baseline) did on the held-out arm-days."""

    cells: int
    wape_clicks: float | None
    coverage_clicks: float | None
    wape_conversions: float | None
    coverage_conversions: float | None
    # Of the cells: arm-days of arms the fit never saw (forecast from the arms most like them),
    # and arm-days with conversions observed but no conversion forecast (left out of its scores).
    unseen_cells: int = 0
    unscored_conversions: int = 0


@dataclass(frozen=True)
class Validation(Document):
    """The hold-out: what was held out and, where there was one, both forecasts' scores."""

    holdout: str
    holdout_by: str
    train_rows: int
    test_rows: int
    note: str = ABSENT  # why there is no hold-out, when the default one did not fit the data
    model: ForecastScores = ABSENT  # absent with no hold-out, as are the baselines
    baseline: ForecastScores = ABSENT  # pooled rates of every training row
    per_arm: ForecastScores = ABSENT  # each arm's own rates per unit of money (a spreadsheet)

    @property
    def scored(self) -> bool:
        return self.model is not ABSENT

    @property
    def why_none(self) -> str:
        return "" if self.note is ABSENT else self.note


@dataclass(frozen=True)
class NotFitted(Document):
    """A model part the data could not measure (period rows have no days, a funnel without
    spend no price): why, for which arms, and what a written scenario holds instead."""

    part: str  # the scenario key: cpm, auction, day_of_week, noise or fatigue
    reason: str
    arms: list[str]
    scenario: str


@dataclass(frozen=True)
class Period(Document):
    first_date: str
    last_date: str


@dataclass(frozen=True)
class ImportTotals(Document):
    files: int
    rows_read: int
    rows_used: int
    rows_rejected: int
    view_through_kept: int = 0  # rows used with more conversions than clicks
    bad_encoding_lines: int = 0  # lines not in their file's encoding, rejected
    repaired_shifted: int = 0  # shifted rows put back under their header and read


@dataclass(frozen=True)
class CalibrationResult(Document):
    """What the exports say about each arm: the fitted rates with intervals, the import's
    totals and the hold-out validation (calibration.json)."""

    json_keys: ClassVar[dict[str, str]] = {"import_": "import"}

    schema_version: int
    sources: list[str]
    seed: int
    interval: float
    group_by: list[str]
    period: Period
    currency: str | None
    import_: ImportTotals
    average_order_value: Estimate | None
    arms: list[ArmCalibration]
    validation: Validation
    not_fitted: list[NotFitted] = ABSENT  # empty when the data measured every part

    def to_frame(self) -> pd.DataFrame:
        """One row per arm, its estimates flattened (`ctr.mean`, `ctr.p5`, ...)."""
        return pd.json_normalize([arm.to_dict() for arm in self.arms])
