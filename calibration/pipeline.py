"""`smmsim calibrate` as one library call: import, validate on a hold-out, fit on everything.

The hold-out fit only scores the method; the estimates reported and written back come from a
second fit on all usable rows, as they would in any forecasting workflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from smmsim.calibration.fit import Calibration, fit_arms, group_days
from smmsim.calibration.holdout import (
    Forecast,
    HoldoutSpec,
    baseline_forecast,
    forecast,
    per_arm_forecast,
    split,
)
from smmsim.calibration.importer import Imported
from smmsim.calibration.reading import ExportFileError

DEFAULT_GROUP_BY = ("platform", "tool")


@dataclass(frozen=True)
class CalibrationSettings:
    group_by: tuple[str, ...] = DEFAULT_GROUP_BY
    holdout: HoldoutSpec = field(default_factory=HoldoutSpec)
    seed: int = 0


@dataclass(frozen=True)
class Validation:
    spec: HoldoutSpec
    train_rows: int
    test_rows: int
    model: Forecast | None
    baseline: Forecast | None  # pooled rates
    note: str = ""  # why there is no validation, when the default hold-out did not fit the data
    per_arm: Forecast | None = None  # each arm's own rates per unit of money

    def forecasts(self) -> dict[str, Forecast]:
        """The scored forecasts by their name in calibration.json and holdout.csv."""
        if self.model is None:
            return {}
        return {"model": self.model, "baseline": self.baseline, "per_arm": self.per_arm}

    def metrics(self) -> dict:
        return {name: fc.metrics() for name, fc in self.forecasts().items()}


@dataclass(frozen=True)
class CalibrationRun:
    imported: Imported
    calibration: Calibration
    validation: Validation
    settings: CalibrationSettings


def calibrate(imported: Imported, settings: CalibrationSettings) -> CalibrationRun:
    """Fit and validate on imported data (`import_exports`)."""
    frame = imported.frame
    arms = group_days(frame, settings.group_by)
    try:
        calibration = fit_arms(arms, settings.group_by, settings.seed, frame)
    except ExportFileError as exc:  # the data as a whole cannot be fitted: say which data
        files = ", ".join(f["file"] for f in imported.files)
        raise ExportFileError(f"{files}: {exc}") from None
    validation = validate(frame, settings, {a.key: a for a in arms})
    return CalibrationRun(imported, calibration, validation, settings)


def _check_spend(frame, spec: HoldoutSpec) -> None:
    """Every forecast scored is a day's clicks and conversions from its spend."""
    asked = spec.share > 0 or spec.after is not None
    if asked and not frame["spend"].notna().any():
        option = "--holdout-after" if spec.after is not None else "--holdout"
        raise ExportFileError(
            f"{option}: the data have no spend, and the hold-out forecasts clicks and "
            "conversions from the money spent; leave it out (--holdout 0)"
        )


def arm_labels(frame, keys: list[str]) -> np.ndarray:
    """Each row's arm as 'platform/campaign/...', joined once per distinct arm, not per row."""
    codes, arms = pd.factorize(pd.MultiIndex.from_frame(frame[keys].astype(str)))
    labels = np.array(["/".join(arm) for arm in arms], dtype=object)
    return labels[codes] if len(codes) else np.array([], dtype=object)


def validate(frame, settings: CalibrationSettings, full_arms: dict) -> Validation:
    arm_of_row = arm_labels(frame, list(dict.fromkeys(("platform", *settings.group_by))))
    try:
        _check_spend(frame, settings.holdout)
        train, test = split(frame, settings.holdout, arm_of_row, settings.seed)
    except ExportFileError as exc:
        if settings.holdout.explicit:
            raise
        return Validation(settings.holdout, len(frame), 0, None, None, f"not validated: {exc}")
    if len(test) == 0:
        return Validation(settings.holdout, len(train), 0, None, None)
    train_arms = group_days(train, settings.group_by)
    fitted = fit_arms(train_arms, settings.group_by, settings.seed, train)
    test_arms = group_days(test, settings.group_by)
    return Validation(
        settings.holdout,
        len(train),
        len(test),
        forecast(fitted, test_arms, full_arms, settings.seed),
        baseline_forecast(train, test_arms, settings.seed, {a.key for a in train_arms}),
        per_arm=per_arm_forecast(train_arms, test_arms, settings.seed),
    )
