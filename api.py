"""The Python API: the CLI's commands as functions for notebooks and scripts.

Each function takes a plan (a `Plan` from `load`, or a path), runs the same study as its command,
and returns its typed result: a frozen dataclass whose `to_json()` is the command's JSON output,
with pandas views (`to_frame()`, and `by_platform()`, `daily()` where they apply). Like the CLI,
simulations use all cores unless `workers` says otherwise; the same seed gives the same numbers.

    >>> import smmsim
    >>> plan = smmsim.load(smmsim.example("kids-shop"))
    >>> run = smmsim.simulate(plan, reps=200, seed=1)
    >>> sorted(run.by_platform().index)
    ['facebook', 'instagram', 'tiktok']
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smmsim.scenarios.plan_edits import Plan

if TYPE_CHECKING:  # the results' modules import numpy, pandas and the engine: loaded on use
    from smmsim.calibration.document import CalibrationResult
    from smmsim.scenarios.brief.plan import BriefResult
    from smmsim.simulator.studies.comparison import ComparisonResult
    from smmsim.simulator.studies.optimiser.document import OptimisationResult
    from smmsim.simulator.studies.risk import CheckResult
    from smmsim.simulator.studies.run import RunResult
    from smmsim.simulator.studies.sizing.document import SizingResult
    from smmsim.simulator.studies.track.study import TrackResult

PlanLike = Plan | str | Path


def load(path: str | Path) -> Plan:
    """Read and validate a scenario file.

    Args:
        path: a scenario YAML file.

    Returns:
        The validated `Plan`; `plan.scenario` is the frozen model, and
        `plan.replace("campaign.budget", 15000)` a validated copy with one value changed.

    Raises:
        ScenarioError: every problem in the file, each with its key path, rule and bad value.

    Example:
        >>> plan = smmsim.load(smmsim.example("kids-shop"))
        >>> plan.scenario.campaign.budget
        12000.0
    """
    return Plan.read(path)


def example(name: str) -> Path:
    """The path of a bundled example scenario ('kids-shop', 'travel-agency', ...).

    Example:
        >>> smmsim.example("kids-shop").name
        'kids-shop.yaml'
    """
    from smmsim.scenarios.bundled import example_path

    return example_path(name)


def simulate(
    plan: PlanLike,
    *,
    reps: int | None = None,
    seed: int | None = None,
    strategy: str | None = None,
    deterministic: bool = False,
    workers: int | None = None,
) -> RunResult:
    """Simulate a plan, as `smmsim run` does: KPIs with uncertainty, the strategy against the
    oracle, and the plan's risk flags.

    Args:
        plan: a `Plan` from `load`, or a scenario path.
        reps: replications [the scenario's `campaign.replications`]; above 200,000 (up to
            1,000,000) none is kept and the quantiles are streamed, within 0.1%.
        seed: random seed [the scenario's `campaign.seed`].
        strategy: budget strategy [the scenario's `strategy.type`].
        deterministic: priors at their means and no noise (the closed-form arithmetic).
        workers: processes [all cores].

    Returns:
        `RunResult`: fields as in result.json; `to_frame()` every KPI of every scope,
        `by_platform()` mean KPIs per platform, `daily()` the day-by-day table.

    Example:
        >>> run = smmsim.simulate(smmsim.load(smmsim.example("kids-shop")), reps=200, seed=1)
        >>> bool(run.totals["spend"].mean <= run.budget)
        True
    """
    from smmsim.simulator.studies.run import run_plan

    loaded = _plan(plan)
    return run_plan(
        _with_strategy(loaded, strategy),
        source=loaded.source,
        replications=reps,
        seed=seed,
        deterministic=deterministic,
        workers=_workers(workers),
    )


def compare(
    *plans: PlanLike,
    strategies: Sequence[str] | None = None,
    baseline: str | None = None,
    reps: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
) -> ComparisonResult:
    """Run every plan x strategy under common random numbers, as `smmsim compare` does.

    Args:
        plans: one or more plans or scenario paths.
        strategies: strategies to run on every plan [each plan's own].
        baseline: the combination ('stem:strategy') the others are compared with [the first].
        reps, seed: [the first plan's].
        workers: processes [all cores].

    Returns:
        `ComparisonResult`: `to_frame()` KPIs of every combination, `differences_frame()` the
        paired differences against the baseline.

    Example:
        >>> kids = smmsim.example("kids-shop")
        >>> cmp = smmsim.compare(kids, strategies=["spread", "oracle"], reps=100, seed=1)
        >>> cmp.baseline
        'kids-shop:spread'
    """
    from smmsim.scenarios.errors import SmmsimError
    from smmsim.simulator.studies.comparison import (
        chosen_baseline,
        combinations,
        comparison_result,
        run_comparison,
    )

    loaded = [_plan(p) for p in plans]
    if not loaded:
        raise SmmsimError("compare: give at least one plan")
    planned = combinations([(p.source, p.scenario) for p in loaded], list(strategies or []) or None)
    chosen = chosen_baseline(baseline, [label for label, _, _ in planned], "baseline")
    first = loaded[0].scenario.campaign
    found = run_comparison(
        planned,
        replications=reps or first.replications,
        seed=first.seed if seed is None else seed,
        workers=_workers(workers),
    )
    return comparison_result(found, chosen)


def size_test(
    plan: PlanLike,
    *,
    budgets: Sequence[float] | None = None,
    durations: Sequence[int] | None = None,
    reps: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
) -> SizingResult:
    """Size the test of a test-then-scale plan, as `smmsim size-test` does.

    Args:
        plan: a plan or scenario path (its test, decision and scale settings are sized).
        budgets: test budgets to try, in currency [a grid refined around the answers].
        durations: test lengths in days [the plan's `strategy.test.days`].
        reps, seed: [the scenario's]; workers: processes [all cores].

    Returns:
        `SizingResult`: `recommendations`, and `to_frame()` one row per test size.

    Example:
        >>> sizing = smmsim.size_test(smmsim.example("kids-shop"), budgets=[500, 2000], reps=100)
        >>> len(sizing.to_frame())
        2
    """
    from smmsim.simulator.studies.sizing.document import sizing_result
    from smmsim.simulator.studies.sizing.sweep import SweepSettings, run_sweep

    loaded = _plan(plan)
    scenario = _with_strategy(loaded, "test-then-scale")
    c = scenario.campaign
    settings = SweepSettings(
        replications=reps or c.replications,
        seed=c.seed if seed is None else seed,
        workers=_workers(workers),
    )
    days = list(durations) if durations else [scenario.strategy.test.days]
    chosen = [float(b) for b in budgets] if budgets is not None else None
    sweep = run_sweep(scenario, loaded.source, settings, chosen, days)
    return sizing_result(sweep, loaded.source)


def check(
    plan: PlanLike,
    *,
    reps: int | None = None,
    seed: int | None = None,
    static_only: bool = False,
    workers: int | None = None,
) -> CheckResult:
    """Flag tactics likely to backfire, as `smmsim check` does.

    Args:
        plan: a plan or scenario path.
        reps, seed: for the simulated risk [the scenario's].
        static_only: only the static rules; simulate nothing.
        workers: processes [all cores].

    Returns:
        `CheckResult`: `level`, `to_frame()` the static findings, `by_platform()` the simulated
        risk, `fails("high")` as `--fail-on` judges it.

    Example:
        >>> smmsim.check(smmsim.example("reputation-rush"), static_only=True).level
        'high'
    """
    from smmsim.simulator.studies.risk import check_plan

    loaded = _plan(plan)
    return check_plan(
        loaded.scenario,
        source=loaded.source,
        replications=reps,
        seed=seed,
        workers=_workers(workers),
        static_only=static_only,
    )


def calibrate(
    *exports: str | Path,
    fmt: str = "auto",
    mapping: dict[str, str] | None = None,
    group_by: Sequence[str] | None = None,
    platform: str | None = None,
    year: int | None = None,
    seed: int = 0,
    view_through: str = "keep",
    period: str | None = None,
    repair_shifted: bool = False,
) -> CalibrationResult:
    """Fit the model's rates to ad-platform exports, as `smmsim calibrate` does (with its
    default hold-out of the last dates).

    Args:
        exports: CSV exports (Meta, Google, TikTok, LinkedIn, VK or a generic layout).
        fmt: the export layout ['auto': recognised from the columns].
        mapping: column -> canonical field, for columns the layout does not know.
        group_by: columns that define an arm [platform, campaign].
        platform: platform name for files without a platform column.
        year: year for dates written without one.
        seed: random seed of the fit.
        view_through: rows with more conversions than clicks: 'keep' (used and counted) or
            'reject' (as `smmsim calibrate --view-through`).
        period: 'START..END', the days every row covers, for files of totals without dates
            (as `smmsim calibrate --period`).
        repair_shifted: put rows whose values sit k columns off their header back under it
            when one offset fits (as `smmsim calibrate --repair-shifted`); else they are
            rejected as shifted_columns.

    Returns:
        `CalibrationResult`: fields as in calibration.json; `to_frame()` one row per arm.

    Raises:
        SmmsimError: a file that cannot be read, or no usable row in any of them.

    Example:
        >>> ab = ["calibration/examples/ab_test_control_group.csv",
        ...       "calibration/examples/ab_test_test_group.csv"]
        >>> fit = smmsim.calibrate(*ab, platform="facebook", group_by=["campaign"])
        >>> len(fit.to_frame())
        2
    """
    from smmsim.calibration.document import calibration_document, import_document
    from smmsim.calibration.importer import ImportOptions, import_exports
    from smmsim.calibration.period_option import read_period
    from smmsim.calibration.pipeline import DEFAULT_GROUP_BY, CalibrationSettings
    from smmsim.calibration.pipeline import calibrate as run_calibration
    from smmsim.scenarios.errors import SmmsimError

    options = ImportOptions(
        fmt,
        dict(mapping or {}),
        platform,
        year,
        group_by=tuple(group_by or ()),
        view_through=view_through,
        period=read_period(period, year=year) if period else None,
        repair_shifted=repair_shifted,
    )
    paths = [Path(e) for e in exports]
    imported = import_exports(paths, options)
    if import_document(imported).rows_used == 0:
        raise SmmsimError(f"{', '.join(map(str, paths))}: no usable rows")
    settings = CalibrationSettings(tuple(group_by or DEFAULT_GROUP_BY), seed=seed)
    done = run_calibration(imported, settings)
    return calibration_document(done, [str(p) for p in paths])


def optimise(
    plan: PlanLike,
    *,
    trials: int | None = None,
    objective: str | None = None,
    max_risk: float | None = None,
    reps: int | None = None,
    final_reps: int | None = None,
    seed: int | None = None,
    storage: str | None = None,
    study: str | None = None,
    workers: int | None = None,
    search: list[str] | str | None = None,
    parallel_trials: int | None = None,
) -> OptimisationResult:
    """Search what the plan lets change (its split by default), as `smmsim optimise` does.

    Args:
        plan: a plan or scenario path (its `optimise:` block gives the defaults).
        trials: completed trials [optimise.trials]; objective: 'cpa' or 'conversions'.
        max_risk: ceiling on P(at least one backlash event) [optimise.max_risk].
        reps: replications per trial; final_reps: for the best plan and its baselines.
        seed: [the scenario's]; workers: processes [all cores].
        search: what may change, as names or 'shares,tactics,policy' [optimise.search: shares];
            the plan's strategy and everything not searched run as written.
        parallel_trials: trials proposed and simulated side by side [8, as the CLI's]; each
            number gives its own reproducible study, 1 the one-at-a-time study.
        storage: study database URL [SQLite in out/optimise/<plan>/study.db, as the CLI's
            default]; study: its name [the plan's name and the question asked].

    Returns:
        `OptimisationResult`: `best`, `evaluation`, `to_frame()` one row per trial and
        `by_platform()` the best plan per tool.

    Example:
        >>> opt = smmsim.optimise(smmsim.example("kids-shop"), trials=3, reps=20, final_reps=50,
        ...                       storage=f"sqlite:///{tmp}/study.db")
        >>> len(opt.to_frame())
        3
    """
    from smmsim.simulator.studies.optimiser.job import (
        DEFAULT_PARALLEL_TRIALS,
        OptimiseJob,
        default_study_name,
    )
    from smmsim.simulator.studies.optimiser.job import optimise as run_study
    from smmsim.simulator.studies.optimiser.storage import default_url
    from smmsim.simulator.studies.optimiser.study import settings_of

    loaded = _plan(plan).with_search(_search_names(search))
    source = Path(loaded.source)
    settings = settings_of(
        loaded.scenario,
        objective=objective,
        max_risk=max_risk,
        trials=trials,
        replications=reps,
        seed=seed,
    )
    out = Path("out") / "optimise" / source.stem
    job = OptimiseJob(
        source=source,
        scenario=loaded.scenario,
        settings=settings,
        storage_url=storage or default_url(out),
        study_name=study or default_study_name(source, settings, loaded.scenario.optimise.searched),
        out_dir=out,
        final_replications=final_reps or loaded.scenario.campaign.replications,
        workers=_workers(workers),
        parallel_trials=parallel_trials or DEFAULT_PARALLEL_TRIALS,
    )
    if storage is None:
        out.mkdir(parents=True, exist_ok=True)
    return _quietly(run_study, job)


def brief(from_file: str | Path | None = None, **answers: Any) -> BriefResult:
    """The planning brief (`smmsim brief`): the seed's verdict, the platforms, tools and KPI
    targets it proposes, and the starting scenario as YAML text.

    Args:
        from_file: a YAML file with a `brief:` block of answers.
        **answers: answers by their `brief:` keys (sector, budget_per_month, community_people,
            content_per_week, goals, ...); they override the file's.

    Returns:
        A `BriefResult`: `verdict` and `reasons`, `platforms` (ranked, each with its reason),
        `tools`, `kpis` (each with where its number comes from); `scenario_text` is the scenario
        `smmsim brief --out` writes (it is written whatever the verdict: the caller decides).

    Raises:
        ScenarioError: every missing or bad answer, each naming its key and flag.

    Example:
        >>> b = smmsim.brief(sector="children", budget_per_month=4000, community_people=1,
        ...                  content_per_week=4, goals=["new-sales"], start="2027-03-01")
        >>> b.verdict, [p.platform for p in b.platforms if p.proposed]
        ('SMM fits', ['facebook', 'instagram', 'tiktok'])
    """
    from smmsim.scenarios.brief.answers import brief_from_answers, read_brief_file
    from smmsim.scenarios.brief.plan import make_brief

    given = read_brief_file(Path(from_file)) if from_file is not None else {}
    source = str(from_file) if from_file is not None else "the brief"
    return make_brief(brief_from_answers(given | answers, source))


def track(
    plan: PlanLike,
    *actuals: str | Path,
    as_of: str | date,
    arms: Sequence[str] = (),
    fmt: str = "auto",
    mapping: dict[str, str] | None = None,
    platform: str | None = None,
    year: int | None = None,
    view_through: str = "keep",
    reps: int | None = None,
    seed: int | None = None,
    trials: int = 10,
    workers: int | None = None,
) -> TrackResult:
    """Lay actual results over a plan in flight, as `smmsim track` does.

    Args:
        plan: the plan (a `Plan` or a scenario path) the campaign runs.
        actuals: ad-platform exports of its results so far (the calibration's formats).
        as_of: the last day the actuals cover (YYYY-MM-DD); later rows are set aside.
        arms: 'CAMPAIGN=platform/tool' for export campaigns not named after their tool.
        fmt, mapping, platform, year, view_through: read the exports as `calibrate` does.
        reps, seed: [the plan's]; trials: optimiser trials re-splitting the rest [10; 0: none].

    Returns:
        `TrackResult`: the actuals against the plan's bands (`overlay`), the updated beliefs,
        the re-forecast (`forecast`), each target's odds before and after (`targets`), the
        reallocation; `to_frame()` is track.csv.

    Example:
        >>> march = "calibration/examples/kids-shop-march-actuals.csv"
        >>> arms = ["LS Spring - Prospecting=facebook/paid_ads",
        ...         "LS Spring - Prospecting=instagram/paid_ads",
        ...         "LS Spring - TikTok test=tiktok/paid_ads"]
        >>> t = smmsim.track(smmsim.example("kids-shop"), march, as_of="2027-03-31", arms=arms,
        ...                  reps=200, trials=0, workers=1)
        >>> t.days_tracked, [k.status for k in t.overlay if k.scope == "ads" and k.metric == "cpa"]
        (31, ['behind'])
    """
    from smmsim.simulator.studies.track.study import TrackSettings

    loaded = _plan(plan)
    settings = TrackSettings(
        as_of=as_of if isinstance(as_of, date) else _iso_date(str(as_of)),
        seed=seed,
        replications=reps,
        trials=trials,
        workers=_workers(workers),
    )
    result, _ = track_files(
        loaded,
        [Path(a) for a in actuals],
        settings,
        import_options(fmt, mapping, platform, year, view_through),
        list(arms),
    )
    return result


def export_tables(
    tables: dict[str, Any],
    folder: str | Path,
    *,
    csv_locale: str = "en",
    export: Sequence[str] | str = (),
) -> list[str]:
    """Write tables (CSV file name -> DataFrame, e.g. `{"summary.csv": run.to_frame()}`) into
    `folder` as the commands write theirs: rounded CSVs in `csv_locale` (as `--csv-locale`), and
    `export` 'xlsx' and/or 'parquet' (as `--export`); each file atomically. Returns the names.

    Example:
        >>> run = smmsim.simulate(smmsim.example("kids-shop"), reps=50, seed=1, workers=1)
        >>> smmsim.export_tables({"by-platform.csv": run.by_platform().reset_index()}, tmp,
        ...                      csv_locale="de", export="xlsx")
        ['by-platform.csv', 'tables.xlsx']
    """
    from smmsim.scenarios.exports import Exports, export_files, parse_formats, write_tables

    formats = parse_formats(export if isinstance(export, str) else ",".join(export))
    exports = Exports(csv_locale=csv_locale.lower(), formats=formats)
    write_tables(Path(folder), tables, exports)
    extra = [n for n in export_files(tables) if (Path(folder) / n).exists()]
    return [*tables, *extra]


def import_options(fmt, mapping, platform, year, view_through, date_order: str = "auto"):
    """The calibration importer's options, as `calibrate` and `track` take them."""
    from smmsim.calibration.importer import ImportOptions

    return ImportOptions(
        fmt, dict(mapping or {}), platform, year, date_order, view_through=view_through
    )


def track_files(plan: Plan, paths: list[Path], settings, options, arms: list[str]):
    """(TrackResult, the import): the exports read with the calibration's importers, their rows
    matched to the plan's arms, and the track study run. Shared by `track` and the CLI; with no
    row to track it raises `NoActuals` carrying the import, for the rejected rows' file."""
    from collections import Counter

    from smmsim.calibration.import_summary import import_document
    from smmsim.calibration.importer import import_exports
    from smmsim.scenarios.errors import SmmsimError
    from smmsim.simulator.studies.track.actuals import NoActuals, match_actuals, parse_arm_map
    from smmsim.simulator.studies.track.study import ImportAccount, track_plan

    arm_map = parse_arm_map(arms, plan.scenario)
    c = plan.scenario.campaign
    last = c.start + timedelta(days=c.days - 1)
    if settings.as_of < c.start:
        raise SmmsimError(
            f"--as-of {settings.as_of} is before the plan starts ({c.start}): there is nothing "
            "to track yet"
        )
    if settings.as_of >= last:
        raise SmmsimError(
            f"--as-of {settings.as_of} is at or after the plan's last day ({last}): no day is "
            "left to re-forecast or re-split"
        )
    imported = import_exports(paths, options)
    summary = import_document(imported)
    actuals, aside = match_actuals(imported.frame, plan.scenario, settings.as_of, arm_map)
    account = ImportAccount(
        files=[str(p) for p in paths],
        rows_read=summary.rows_read,
        rows_used=actuals.rows_used,
        rows_rejected=summary.rows_rejected,
        rows_set_aside=len(aside),
        rejected_by_reason=dict(imported.summary()["rejected_by_reason"]),
        set_aside_by_reason=dict(Counter(a.reason for a in aside).most_common()),
    )
    if actuals.rows_used == 0:
        raise NoActuals(
            f"{', '.join(map(str, paths))}: no row matches the plan's arms by {settings.as_of} "
            f"({summary.rows_read} read, {summary.rows_rejected} rejected, {len(aside)} set "
            f"aside: {account.set_aside_by_reason}); see --arm",
            imported=imported,
            aside=aside,
        )
    result = track_plan(plan, actuals, aside, account, settings)
    return result, imported


def _iso_date(text: str) -> date:
    from smmsim.scenarios.errors import SmmsimError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SmmsimError(f"--as-of {text!r}: write the date as YYYY-MM-DD") from None


def _quietly(study: Callable[[Any], Any], job: Any) -> Any:
    """Run a study without Optuna's line per trial in the notebook (the result holds every
    trial); the caller's own Optuna log level comes back afterwards."""
    import optuna

    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        return study(job)
    finally:
        optuna.logging.set_verbosity(level)


def _search_names(search: list[str] | str | None) -> list[str] | None:
    """`search` as a list of checked names; a bad name is a `SmmsimError` naming the option."""
    if search is None:
        return None
    from smmsim.scenarios.errors import SmmsimError
    from smmsim.scenarios.optimise_schema import search_names

    text = search if isinstance(search, str) else ",".join(search)
    try:
        return search_names(text)
    except ValueError as exc:
        raise SmmsimError(f"search: {exc}") from None


def _plan(plan: PlanLike) -> Plan:
    return plan if isinstance(plan, Plan) else Plan.read(plan)


def _with_strategy(plan: Plan, strategy: str | None):
    if strategy is None or strategy == plan.scenario.strategy.type:
        return plan.scenario
    from smmsim.simulator.studies.evaluation import with_strategy

    return with_strategy(plan.scenario, strategy, plan.source)


def _workers(workers: int | None) -> int:
    return workers or os.cpu_count() or 1
