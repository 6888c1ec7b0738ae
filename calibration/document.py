"""The calibration's outputs: calibration.json, import_summary.json, rejected.csv, holdout.csv and
fit.html, each written atomically; the JSON document is also what `--json` prints.

The numbers are gathered here as JSON-shaped dicts and typed once (`calibration_document`,
`import_document`); everything that writes or shows them reads the types."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from smmsim.calibration.fit import ArmFit
from smmsim.calibration.import_summary import SCHEMA_VERSION, import_document
from smmsim.calibration.importer import Imported
from smmsim.calibration.pipeline import CalibrationRun
from smmsim.calibration.result import CalibrationResult
from smmsim.calibration.shrinkage import INTERVAL
from smmsim.scenarios.exports import DEFAULT_EXPORTS, Exports, export_files, write_tables
from smmsim.simulator.reports.kit import PLOTLYJS_FILE, write_pages


def _estimate(mean: float, interval: tuple[float, float], **extra) -> dict:
    return {"mean": mean, "p5": interval[0], "p95": interval[1], **extra}


def arm_document(arm: ArmFit) -> dict:
    d, p, f = arm.days, arm.pressure, arm.fatigue
    rates = {}
    for name in ("ctr", "join_rate", "cvr"):
        e = getattr(arm, name)
        rates[name] = (
            None
            if e is None
            else _estimate(
                e.mean,
                e.interval(),
                sd=e.sd,
                observed=_observed(d, name),
                prior_mean=e.prior_a / (e.prior_a + e.prior_b),
                shrunk_towards=arm.prior_source[name],
                dispersion=e.dispersion,
            )
        )
    return {
        "arm": d.label,
        "platform": d.platform,
        "key": list(d.key),
        "days": d.days_covered(),
        "first_date": str(d.dates.min()),
        "last_date": str(d.last_day),
        "totals": {name: d.total(name) if d.has(name) else None for name in d.values},
        **_prices(arm),
        "auction": {
            "detected": p.detected,
            "s_half": p.s_half,
            "s_half_interval": _pair(p.s_half_interval),
            "k": p.k,
            "k_interval": _pair(p.k_interval),
            "p_value": p.p_value,
            "daily_spend_range": list(p.spend_range),
            "note": p.note,
        },
        "day_of_week": {
            "detected": arm.weekdays.detected,
            "multipliers": list(arm.weekdays.multipliers),
            "intervals": [list(i) for i in arm.weekdays.intervals]
            if arm.weekdays.intervals
            else None,
            "p_value": arm.weekdays.p_value,
            "note": arm.weekdays.note,
        },
        **rates,
        "fatigue": {
            "identified": f.identified,
            "detected": f.detected,
            "phi": f.phi,
            "phi_interval": _pair(f.phi_interval),
            "f0": f.f0,
            "audience": f.audience,
            "frequency_range": _pair(f.frequency_range),
            "note": f.note,
        },
        "noise": _noise(arm),
    }


def _prices(arm: ArmFit) -> dict:
    """The base CPM, with and without the curve's uncertainty; None without spend."""
    if arm.cpm is None:
        return {"cpm": None, "cpm_given_curve": None}
    d = arm.days
    return {
        "cpm": _estimate(
            arm.cpm.cpm_mean,
            arm.cpm.interval(),
            sd=arm.cpm.cpm_sd,
            observed=1000 * d.total("spend") / max(d.total("impressions"), 1e-12),
            observed_without_pressure=_observed_base_cpm(arm),
            prior_mean=1000 * arm.cpm.prior_beta / (arm.cpm.prior_alpha - 1),
            shrunk_towards=arm.prior_source["cpm"],
            dispersion=arm.cpm.dispersion,
            meaning="base CPM cpm0, before auction pressure; its interval includes the "
            "uncertainty of the auction curve",
        ),
        "cpm_given_curve": _estimate(
            arm.cpm_given_curve.cpm_mean,
            arm.cpm_given_curve.interval(),
            sd=arm.cpm_given_curve.cpm_sd,
            meaning="cpm0 with s_half and k as fitted (what --write-scenario writes)",
        ),
    }


def _pair(interval: tuple[float, float] | None) -> list[float] | None:
    return list(interval) if interval else None


def _noise(arm: ArmFit) -> dict:
    """The daily noise of the CPM and CTR; None where the data have no days to show it."""
    if "noise" in arm.unmeasured:
        return {"log_cpm_sd": None, "log_cpm_sd_interval": None, "ctr_sd": None}
    p = arm.pressure
    return {
        "log_cpm_sd": p.log_cpm_sd,
        "log_cpm_sd_interval": _pair(p.log_cpm_sd_interval()),
        "ctr_sd": arm.ctr_noise,
    }


def _observed_base_cpm(arm: ArmFit) -> float:
    """Spend over impressions with each day's pressure taken out: what cpm0 is shrunk from."""
    d = arm.days
    spend = np.nan_to_num(d.values["spend"])
    factor = arm.pressure.factor(d.daily_spend()) if arm.pressure.detected else 1.0
    base_spend = spend / factor
    base_spend = base_spend / arm.weekdays.on(d.dates)
    return 1000 * float(base_spend.sum()) / max(d.total("impressions"), 1e-12)


def _observed(days, name: str) -> float | None:
    base = {"ctr": "impressions", "join_rate": "clicks", "cvr": "clicks"}[name]
    top = "clicks" if name == "ctr" else ("joins" if name == "join_rate" else "conversions")
    denominator = days.total(base)
    return days.total(top) / denominator if denominator > 0 and days.has(top) else None


def calibration_document(run: CalibrationRun, sources: list[str]) -> CalibrationResult:
    """calibration.json, typed."""
    cal, v, s = run.calibration, run.validation, run.settings
    aov = cal.average_order_value
    document = {
        "schema_version": SCHEMA_VERSION,
        "sources": sources,
        "seed": cal.seed,
        "interval": INTERVAL,
        "group_by": list(cal.group_by),
        "period": {"first_date": cal.first_date, "last_date": cal.last_date},
        "currency": cal.currency or None,
        "import": run.imported.totals,
        "average_order_value": ({"mean": aov[0], "p5": aov[1], "p95": aov[2]} if aov else None),
        "arms": [arm_document(a) for a in cal.arms],
        "not_fitted": not_fitted_document(cal),
        "validation": {
            "holdout": s.holdout.describe(),
            "holdout_by": s.holdout.by,
            "train_rows": v.train_rows,
            "test_rows": v.test_rows,
            **({"note": v.note} if v.note else {}),
            **v.metrics(),
        },
    }
    return CalibrationResult.from_dict(document)


# What a written scenario holds for a part the data could not fit.
KEPT = "kept from the plan (--plan); without one, the scenario's default"
KEPT_PRICE = "kept from the plan (--plan); without one, no scenario is written"


def not_fitted_document(cal) -> list[dict]:
    """Each model part some arm's data could not measure: why, which arms, and what a written
    scenario holds for it instead."""
    return [
        {
            "part": part,
            "reason": why,
            "arms": arms,
            "scenario": KEPT_PRICE if part in ("cpm", "auction") else KEPT,
        }
        for part, (why, arms) in cal.not_fitted().items()
    ]


def rejected_frame(imported: Imported):
    """One row per rejected line; the line's own text as read (neutralised where a spreadsheet
    would run it, when written: an export's cells are the data most likely to carry a formula)."""
    import pandas as pd

    rows = [[r.file, r.line, ";".join(r.reasons), r.detail, r.raw] for r in imported.rejected]
    return pd.DataFrame(rows, columns=["file", "line", "reasons", "detail", "row"])


def holdout_frame(run: CalibrationRun):
    """Each held-out day's observed clicks and conversions beside the forecast's mean and 90%
    interval, per model and arm."""
    import pandas as pd

    header = ["model", "arm", "date", "arm_in_training", "measure", "observed", "mean", "p5", "p95"]
    return pd.DataFrame(list(holdout_rows(run)), columns=header)


def holdout_rows(run: CalibrationRun) -> Iterator[list]:
    v = run.validation
    for label, fc in v.forecasts().items():
        for name in ("clicks", "conversions"):
            for i in range(len(fc.arm)):
                seen = "yes" if fc.seen[i] else "no"
                yield [label, fc.arm[i], fc.date[i], seen, name] + [
                    float(x[name][i]) for x in (fc.observed, fc.mean, fc.low, fc.high)
                ]


# Every file calibrate may write into its --out folder (write_import writes the first two).
CALIBRATION_FILES = (
    "import_summary.json",
    "rejected.csv",
    "calibration.json",
    "holdout.csv",
    "fit.html",
    PLOTLYJS_FILE,
)


def write_calibration(
    run: CalibrationRun,
    result: CalibrationResult,
    out: Path,
    *,
    scenario: str | None = None,
    plan: str | None = None,
    plotlyjs: str = "folder",
    exports: Exports = DEFAULT_EXPORTS,
) -> list[str]:
    """Every output into `out`; returns the file names written. `scenario` (merged into `plan`)
    is the calibrated scenario written beside them, which fit.html's headline names; plotly.js
    is kept beside fit.html or inside it (`plotlyjs` 'folder' or 'inline')."""
    from smmsim.calibration.report import fit_html
    from smmsim.scenarios.files import write_atomic

    summary = import_document(run.imported)
    files = {
        "calibration.json": result.to_json(),
        "import_summary.json": summary.to_json(),
    }
    for name, text in files.items():
        write_atomic(out / name, text)
    tables = {"rejected.csv": rejected_frame(run.imported), "holdout.csv": holdout_frame(run)}
    write_tables(out, tables, exports)
    extra = [name for name in export_files(tables) if (out / name).exists()]
    page = fit_html(run, result, summary, scenario=scenario, plan=plan)
    pages = write_pages(out, {"fit.html": page}, plotlyjs)
    return ["calibration.json", "import_summary.json", *tables, *pages, *extra]


def write_import(imported: Imported, out: Path, exports: Exports = DEFAULT_EXPORTS) -> None:
    """Only what the import found: for --strict, which stops before fitting."""
    from smmsim.scenarios.files import write_atomic

    write_atomic(out / "import_summary.json", import_document(imported).to_json())
    write_tables(out, {"rejected.csv": rejected_frame(imported)}, exports)
