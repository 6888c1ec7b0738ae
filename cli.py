"""The `smmsim` command line: each command parses options, calls one library function, prints.

Heavy libraries (pandas, plotly, the engine) are imported inside commands so `smmsim --help`
stays fast.
"""

from __future__ import annotations

import atexit
import functools
import gc
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import click

from smmsim.calibration.layouts import IMPORT_FORMATS
from smmsim.scenarios.brief.questions import REQUIRED as BRIEF_REQUIRED
from smmsim.scenarios.brief.seed import GOALS as BRIEF_GOALS
from smmsim.scenarios.brief.seed import SECTORS as BRIEF_SECTORS
from smmsim.scenarios.errors import ScenarioError, SmmsimError
from smmsim.scenarios.strategy_names import STRATEGIES


def handle_errors(command):
    """Print input errors as lines on stderr and exit non-zero, without a traceback."""

    @functools.wraps(command)
    def wrapper(*args, debug: bool = False, **kwargs):
        try:
            return command(*args, **kwargs)
        except SmmsimError as exc:
            if debug:
                raise
            for line in exc.lines():
                click.echo(line, err=True)
            sys.exit(exc.exit_code)

    return click.option("--debug", is_flag=True, help="Show tracebacks.")(wrapper)


def export_formats(ctx, param, value: str | None) -> tuple[str, ...]:
    """`--export xlsx,parquet` as names, each checked; a bad one is a usage error."""
    from smmsim.scenarios.exports import FORMATS, parse_formats

    names = parse_formats(value)
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise click.BadParameter(f"unknown format {unknown[0]!r}; one of {', '.join(FORMATS)}")
    return names


def exports_option(command):
    """--csv-locale and --export, given to the command as one `exports` (how its tables are
    written). Below @handle_errors, so the command sees them already checked."""
    from smmsim.scenarios.exports import CSV_LOCALES

    @functools.wraps(command)
    def wrapper(*args, csv_locale: str = "en", export: tuple[str, ...] = (), **kwargs):
        from smmsim.scenarios.exports import Exports

        return command(*args, exports=Exports(csv_locale.lower(), export), **kwargs)

    wrapper = click.option(
        "--export",
        callback=export_formats,
        metavar="xlsx,parquet",
        help="Also write the tables as tables.xlsx (a sheet per CSV, rounded as the CSVs) "
        "and/or one .parquet file per CSV (full precision).",
    )(wrapper)
    return click.option(
        "--csv-locale",
        type=click.Choice(list(CSV_LOCALES), case_sensitive=False),
        default="en",
        show_default=True,
        help="How the CSVs write numbers: en = comma-separated, point decimal; "
        "bg, ru, de, fr, ... = semicolon-separated, comma decimal (what spreadsheets there read).",
    )(wrapper)


class FiniteFloatRange(click.FloatRange):
    """click's FloatRange lets NaN through (every comparison with NaN is false): refuse it, and
    infinities, with the range in the message."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(
                f"{value!r} is not a number in the range {self._describe_range()}.", param, ctx
            )
        return number


# Shared options, defined once and stacked on every command that needs them.
seed_option = click.option("--seed", type=click.IntRange(min=0), help="Random seed [scenario's].")
reps_option = click.option(
    "--reps", type=click.IntRange(1, 200_000), help="Replications [the scenario's]."
)
# `run` streams above 200,000 replications (quantiles within 0.1%), so it may ask for more.
run_reps_option = click.option(
    "--reps",
    type=click.IntRange(1, 1_000_000),
    help="Replications [the scenario's]; above 200,000 summarised as they run.",
)
# What compare, size-test, check and optimise keep in memory: every replication (only run streams).
KEPT_REPLICATIONS = 200_000


def require_kept(file, reps: int | None, replications: int, flag: str = "--reps") -> None:
    """A study that keeps every replication refuses a file asking for more (before any work),
    naming the file and the key; an option given on the command line has its own cap."""
    if reps is None and replications > KEPT_REPLICATIONS:
        from smmsim.scenarios.errors import Issue

        issue = Issue(
            "campaign.replications",
            f"at most {KEPT_REPLICATIONS:,} for this command, which keeps every replication "
            f"(only `smmsim run` streams larger runs); ask for fewer here with {flag}",
            replications,
            True,
        )
        raise ScenarioError(str(file), [issue])


out_option = click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Write outputs to DIR."
)
workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default="all cores",
    help="Processes running chunks in parallel.",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="What to print.",
)

fail_on_option = click.option(
    "--fail-on",
    type=click.Choice(["medium", "high"]),
    help="Exit 4 when the plan has a flag at or above this level (for automatic plan checks).",
)

force_option = click.option(
    "--force", is_flag=True, help="Overwrite the --write-scenario file if it exists."
)

# How exports are read, the same for calibrate and track (track reads with calibrate's importers).
import_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(IMPORT_FORMATS),
    default="auto",
    show_default=True,
    help="Export layout; auto detects it from the header.",
)
map_option = click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Read COLUMN as FIELD (a canonical column, date_end, frequency, currency, year, month, "
    "day, or ignore); repeat for several.",
)
platform_option = click.option(
    "--platform", help="Platform name for files without a platform column."
)
year_option = click.option(
    "--year", type=click.IntRange(1990, 2100), help="Year for dates written without one."
)
date_order_option = click.option(
    "--date-order",
    type=click.Choice(["auto", "dmy", "mdy"]),
    default="auto",
    show_default=True,
    help="How to read a/b/yyyy dates.",
)
view_through_option = click.option(
    "--view-through",
    type=click.Choice(["keep", "reject"]),
    default="keep",
    show_default=True,
    help="Rows with more conversions than clicks (view-through conversions): use and count "
    "them, or reject them as conversions_above_clicks.",
)

plotlyjs_option = click.option(
    "--plotlyjs",
    type=click.Choice(["folder", "inline"]),
    default="folder",
    show_default=True,
    help="Where the reports find plotly.js: one plotly.min.js in the output folder, beside "
    "reports under 1 MB; or inside each report (about 5 MB), to send one file on its own.",
)
strategy_option = click.option(
    "--strategy",
    type=click.Choice(STRATEGIES),
    help="Budget strategy [the scenario's strategy.type, else fixed].",
)


def collect_nothing_at_exit() -> None:
    """The interpreter's last garbage collection walks every object the imports made (pandas,
    plotly, Optuna, SQLAlchemy: hundreds of thousands) to free memory the process is about to
    give back anyway: 0.2-0.3 s of every command on the development machine. Freezing them
    as the last exit handler takes them out of that walk; the other exit handlers (temporary
    folders, worker pools) have run by then, and every file smmsim writes is closed when
    written."""
    atexit.unregister(gc.freeze)  # once, however many commands a process runs (tests run many)
    atexit.register(gc.freeze)


@click.group()
@click.version_option(package_name="smmsim")
def main() -> None:
    """smmsim: simulate social-media marketing budgets and test campaigns."""
    collect_nothing_at_exit()


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@run_reps_option
@seed_option
@out_option
@format_option
@click.option(
    "--deterministic",
    is_flag=True,
    help="Priors at their means, no noise: the model's closed-form arithmetic.",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    help="Replications held in memory at once [reps / workers, at most 10,000].",
)
@workers_option
@strategy_option
@fail_on_option
@plotlyjs_option
@click.option(
    "--summary",
    "client_summary",
    is_flag=True,
    help="Also write summary.html into --out: one printable page for the client (the plan, "
    "headline KPIs with ranges, KPI targets and their odds, the risks).",
)
@handle_errors
@exports_option
def run(
    file: Path,
    reps,
    seed,
    out,
    fmt,
    deterministic,
    chunk_size,
    workers,
    strategy,
    fail_on,
    plotlyjs,
    client_summary,
    exports,
) -> None:
    """Simulate FILE and report KPIs with uncertainty, by platform and month, what its strategy
    achieves against the oracle (regret, cost of testing, decisions), and its flags: tactics
    pushed hard enough to risk backlash.

    Example: smmsim run scenarios/examples/kids-shop.yaml --strategy test-then-scale --out out/kids
    """
    from smmsim.scenarios.loader import load_scenario
    from smmsim.simulator.consoles.risk import print_flags
    from smmsim.simulator.consoles.run import print_tables, progress_bar
    from smmsim.simulator.consoles.terminal import stdout_console
    from smmsim.simulator.reports.run_files import RUN_FILES, write_run
    from smmsim.simulator.studies.evaluation import runs_needed, with_strategy
    from smmsim.simulator.studies.risk import FAIL_EXIT_CODE
    from smmsim.simulator.studies.run import run_plan

    scenario = load_scenario(file)
    if strategy:
        scenario = with_strategy(scenario, strategy, str(file))
    if client_summary and not out:
        raise click.UsageError("--summary writes summary.html into --out: name a folder")
    check_out(out, RUN_FILES, file)
    per_run = 1 if deterministic else (reps or scenario.campaign.replications)
    with progress_bar(per_run * runs_needed(scenario), "simulating") as advance:
        run = run_plan(
            scenario,
            source=str(file),
            replications=reps,
            seed=seed,
            deterministic=deterministic,
            chunk_size=chunk_size,
            workers=workers,
            progress=advance,
        )

    def show() -> None:
        console = stdout_console()
        print_tables(run, console)
        print_flags(run.risk, run.currency, console)

    answered(
        Answer(out, fmt, run, show),
        lambda folder, meanwhile: write_run(
            run, folder, plotlyjs, client_summary, exports, meanwhile
        ),
        RUN_FILES,
        "summary.csv monthly.csv daily.csv reputation.csv strategy.csv result.json report.html"
        f"{shared_plotlyjs(plotlyjs)}{' summary.html' if client_summary else ''}"
        f"{also(exports, RUN_FILES)}",
    )
    if run.risk.fails(fail_on):
        sys.exit(FAIL_EXIT_CODE)


def shared_plotlyjs(mode: str) -> str:
    """The shared plotly.js in a 'wrote' line, where the folder has one."""
    return " plotly.min.js" if mode == "folder" else ""


def present(out: Path, owned: tuple[str, ...]) -> str:
    """The command's files now in `out` (plotly.min.js only where a page loads it from there)."""
    return " ".join(name for name in owned if (out / name).exists())


def also(exports, owned: tuple[str, ...]) -> str:
    """' tables.xlsx summary.parquet ...': what --export added, for the 'wrote' line."""
    return "".join(f" {name}" for name in exports.extra_files(owned))


def write_or_fail(write, out: Path, what: str = "the outputs"):
    try:
        return write()
    except OSError as exc:
        raise SmmsimError(f"{out}: cannot write {what}: {exc.strerror or exc}") from None


def check_out(out: Path | None, owned: tuple[str, ...], *inputs: Path) -> None:
    """Before simulating: the --out folder can be written and replaced, and replacing it would
    not lose an input file."""
    from smmsim.scenarios.exports import export_files
    from smmsim.scenarios.files import check_output_folder

    if out is not None:
        check_output_folder(out, owned=owned + export_files(owned), inputs=inputs)


@dataclass(frozen=True)
class Answer:
    """What a command says: with --format json its document's JSON, else `show()` prints its
    tables; `out` the folder its files go to, if any."""

    out: Path | None
    fmt: str
    document: Any
    show: Callable[[], None]

    def give(self) -> None:
        if self.fmt == "json":
            click.echo(self.document.to_json(), nl=False)
        else:
            self.show()


def answered(answer: Answer, write, owned: tuple[str, ...], files: str) -> None:
    """The command's answer, and with `answer.out` its files, written by `write(folder,
    meanwhile)`: that calls `meanwhile` (here, the answer) as soon as its tables are written,
    while a forked copy still draws the page, so the answer does not wait for the report's
    figures; a table answer then ends with the line naming the `files`. An answer that cannot
    be printed (`| head` closed the pipe) is raised once the files are written: it loses none of
    them."""
    if answer.out is None:
        answer.give()
        return
    failed: list[BaseException] = []

    def meanwhile() -> None:
        try:
            answer.give()
        except (Exception, SystemExit) as error:  # rich exits on a closed pipe
            failed.append(error)

    write_outputs(answer.out, lambda folder: write(folder, meanwhile), owned)
    if failed:
        raise failed[0]
    if answer.fmt != "json":
        click.echo(f"wrote {answer.out}/: {files}")


def write_outputs(out: Path, write, owned: tuple[str, ...]):
    """The command's whole output set into `out` at once: a killed run leaves the old set or the
    new one, never both mixed. Returns what `write` returns. The files --export may add are
    owned too, so a rerun without it leaves no stale workbook."""
    from smmsim.scenarios.exports import export_files
    from smmsim.scenarios.files import write_output_set

    owned = owned + export_files(owned)
    return write_or_fail(lambda: write_output_set(out, write, owned), out)


def strategy_list(ctx, param, value: str | None) -> list[str] | None:
    """'spread,test-then-scale' -> names, each checked."""
    from smmsim.scenarios.hints import did_you_mean

    if value is None:
        return None
    names = [v.strip() for v in value.split(",") if v.strip()]
    if not names:
        raise click.BadParameter(f"no strategy given; choose from {', '.join(STRATEGIES)}")
    for i, name in enumerate(names):
        if name not in STRATEGIES:
            raise click.BadParameter(
                f"unknown strategy {name!r}{did_you_mean(name, STRATEGIES)}; "
                f"choose from {', '.join(STRATEGIES)}"
            )
        if name in names[:i]:
            raise click.BadParameter(f"strategy {name!r} is listed twice")
    return names


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--strategy",
    "strategies",
    callback=strategy_list,
    help="Comma-separated strategies to run on every scenario [each scenario's own].",
)
@click.option("--baseline", help="Combination the others are compared with [the first].")
@reps_option
@seed_option
@out_option
@format_option
@workers_option
@plotlyjs_option
@handle_errors
@exports_option
def compare(files, strategies, baseline, reps, seed, out, fmt, workers, plotlyjs, exports) -> None:
    """Run every scenario x strategy under common random numbers and compare them, paired
    replication by replication, against a baseline.

    Example: smmsim compare plan.yaml --strategy spread,test-then-scale,oracle --out out/cmp
    """
    from smmsim.simulator.consoles.comparison import print_comparison
    from smmsim.simulator.consoles.run import progress_bar
    from smmsim.simulator.reports.comparison_files import COMPARISON_FILES, write_comparison
    from smmsim.simulator.studies.comparison import (
        chosen_baseline,
        combinations,
        comparison_result,
        run_comparison,
        total_runs,
    )

    loaded = load_every_scenario(files)
    check_out(out, COMPARISON_FILES, *files)
    planned = combinations(loaded, strategies)
    baseline = chosen_baseline(baseline, [label for label, _, _ in planned], "--baseline")
    first = loaded[0][1].campaign
    require_kept(loaded[0][0], reps, first.replications)
    reps = reps or first.replications
    seed = first.seed if seed is None else seed
    with progress_bar(reps * total_runs(planned), "simulating") as advance:
        found = run_comparison(
            planned, replications=reps, seed=seed, workers=workers, progress=advance
        )
    result = comparison_result(found, baseline)
    answered(
        Answer(out, fmt, result, lambda: print_comparison(result)),
        lambda folder, meanwhile: write_comparison(result, folder, plotlyjs, exports, meanwhile),
        COMPARISON_FILES,
        "comparison.csv differences.csv comparison.json comparison.html"
        f"{shared_plotlyjs(plotlyjs)}{also(exports, COMPARISON_FILES)}",
    )


def load_every_scenario(files) -> list:
    """(source, scenario) for each file; every problem of every file at once if some are bad."""
    from smmsim.scenarios.loader import load_scenario

    loaded, errors = [], []
    for f in files:
        try:
            loaded.append((str(f), load_scenario(f)))
        except ScenarioError as exc:
            errors.append(exc)
    if errors:
        raise ScenarioErrors(errors)
    return loaded


class ScenarioErrors(SmmsimError):
    """Several invalid scenario files, each reported with its own lines (exit 2, as for one)."""

    exit_code = ScenarioError.exit_code

    def __init__(self, errors: list[ScenarioError]):
        self.errors = errors
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [line for error in self.errors for line in error.lines()]


def day_list(ctx, param, value: str | None) -> list[int] | None:
    """'14,21,28' -> test lengths in days."""
    from smmsim.simulator.studies.sizing.points import parse_durations

    if value is None:
        return None
    try:
        return parse_durations(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


# The smallest --margin: the classical two-proportion size of a zero CPA gap is infinite, and a
# gap under 1% is past what any campaign-sized test tells apart.
MIN_MARGIN = 0.01


@main.command(name="size-test")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--budgets",
    help="Test budgets to try, comma-separated; '5%' is a share of the campaign budget "
    "[no test, then a log grid refined around the answers].",
)
@click.option(
    "--durations",
    callback=day_list,
    help="Test lengths in days to try, comma-separated [the scenario's test.days].",
)
@click.option(
    "--points",
    type=click.IntRange(3, 200),
    default=20,
    show_default=True,
    help="Points per test length when the sweep picks the budgets.",
)
@click.option(
    "--target-pcs",
    type=FiniteFloatRange(0.5, 1, min_open=True, max_open=True),
    default=0.8,
    show_default=True,
    help="Target probability of correct selection.",
)
@click.option(
    "--margin",
    type=FiniteFloatRange(MIN_MARGIN, 5),
    default=0.2,
    show_default=True,
    help="A chosen arm whose true CPA is within this of the best counts as correct; at least "
    f"{MIN_MARGIN} (the classical A/B size of a zero gap is infinite).",
)
@reps_option
@seed_option
@out_option
@format_option
@workers_option
@plotlyjs_option
@handle_errors
@exports_option
def size_test(
    file,
    budgets,
    durations,
    points,
    target_pcs,
    margin,
    reps,
    seed,
    out,
    fmt,
    workers,
    plotlyjs,
    exports,
):
    """Sweep the test budget (and length) of FILE's test-then-scale strategy: simulate the whole
    campaign at each, and recommend the test that buys the most conversions and the smallest that
    picks the right arm with the target probability.

    Example: smmsim size-test scenarios/examples/kids-shop.yaml --durations 14,28 --out out/size
    """
    from smmsim.scenarios.loader import load_scenario
    from smmsim.simulator.consoles.run import progress_bar
    from smmsim.simulator.consoles.sizing import print_sizing
    from smmsim.simulator.reports.sizing_files import SIZING_FILES, write_sizing
    from smmsim.simulator.studies.evaluation import with_strategy
    from smmsim.simulator.studies.sizing.document import sizing_result
    from smmsim.simulator.studies.sizing.points import parse_budgets
    from smmsim.simulator.studies.sizing.sweep import (
        SweepSettings,
        planned_runs,
        run_sweep,
    )

    scenario = load_scenario(file)
    if scenario.strategy.type != "test-then-scale":
        # The file's test, decision and scale settings (or their defaults) are what is sized.
        click.echo(
            f"{file}: strategy.type is {scenario.strategy.type!r}; sizing its test-then-scale "
            "settings (strategy.test, decision, scale)",
            err=True,
        )
        scenario = with_strategy(scenario, "test-then-scale", str(file))
    c = scenario.campaign
    require_kept(file, reps, c.replications)
    if budgets is not None:
        try:
            budgets = parse_budgets(budgets, c.budget)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--budgets'") from None
    settings = SweepSettings(
        replications=reps or c.replications,
        seed=c.seed if seed is None else seed,
        points=points,
        margin=margin,
        target_pcs=target_pcs,
        workers=workers,
    )
    check_out(out, SIZING_FILES, file)
    runs = planned_runs(settings, budgets, durations or [scenario.strategy.test.days])
    with progress_bar(settings.replications * runs, "sweeping test sizes") as advance:
        sweep = run_sweep(scenario, str(file), settings, budgets, durations, progress=advance)
    result = sizing_result(sweep, str(file))
    answered(
        Answer(out, fmt, result, lambda: print_sizing(result)),
        lambda folder, meanwhile: write_sizing(result, folder, plotlyjs, exports, meanwhile),
        SIZING_FILES,
        f"sizing.csv sizing.json sizing.html{shared_plotlyjs(plotlyjs)}"
        f"{also(exports, SIZING_FILES)}",
    )


def holdout_share(ctx, param, value: str | None) -> float | None:
    """'20%' or '0.2' -> 0.2."""
    from smmsim.calibration.holdout import parse_share

    if value is None:
        return None
    try:
        return parse_share(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def column_list(ctx, param, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    if not names:
        raise click.BadParameter("name at least one column, e.g. platform,campaign")
    return names


@main.command()
@click.argument("data", nargs=-1, required=True, type=click.Path(path_type=Path))
@import_format_option
@map_option
@click.option(
    "--group-by",
    metavar="COLS",
    callback=column_list,
    help="Columns that define an arm, always within platform [platform,tool].",
)
@click.option(
    "--holdout",
    metavar="SHARE",
    callback=holdout_share,
    help="Share held out for validation: the last dates, or arms with --holdout-by group [20%].",
)
@click.option(
    "--holdout-after",
    metavar="DATE",
    help="Hold out dates after DATE, written as the data writes its dates or as YYYY-MM-DD.",
)
@click.option(
    "--holdout-by",
    type=click.Choice(["time", "group"]),
    default="time",
    show_default=True,
    help="Hold out the last dates, or whole arms (predicted from the fitted arms most like them).",
)
@platform_option
@year_option
@date_order_option
@click.option(
    "--period",
    metavar="START..END",
    help="The days every row covers, for a file of totals without dates (one row per ad or "
    "campaign), e.g. 2024-03-01..2024-03-31.",
)
@view_through_option
@click.option(
    "--repair-shifted",
    is_flag=True,
    help="Rows whose values sit 1-3 columns off their header (missing or extra cells): put "
    "them back under the header and use them when exactly one offset fits; otherwise (and "
    "without this flag) they are rejected as shifted_columns.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 3) if any row is rejected.")
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed."
)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Output DIR."
)
@click.option(
    "--write-scenario",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a scenario whose priors are the calibrated posteriors.",
)
@click.option(
    "--plan",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --write-scenario: write this plan with the calibrated beliefs of its arms that "
    "are in the data (platform/tool), instead of a new scenario.",
)
@force_option
@click.option("--json", "as_json", is_flag=True, help="Print calibration.json instead of tables.")
@plotlyjs_option
@handle_errors
@exports_option
def calibrate(
    data,
    fmt,
    mapping,
    group_by,
    holdout,
    holdout_after,
    holdout_by,
    platform,
    year,
    date_order,
    period,
    view_through,
    repair_shifted,
    strict,
    seed,
    out,
    write_scenario,
    plan,
    force,
    as_json,
    plotlyjs,
    exports,
) -> None:
    """Calibrate the model against ad-platform exports (Meta, Google, TikTok, LinkedIn, VK or a
    generic long format): report unusable rows, fit every arm's CPM, auction pressure, CTR,
    fatigue, join and conversion rates with intervals, validate on a hold-out against a naive
    baseline, and optionally write the posteriors back as a scenario.

    Example: smmsim calibrate export.csv --group-by platform,campaign --out out/cal
    --write-scenario calibrated.yaml
    """
    from smmsim.calibration.columns import parse_mapping
    from smmsim.calibration.console import print_calibration
    from smmsim.calibration.document import (
        CALIBRATION_FILES,
        calibration_document,
        import_document,
        write_calibration,
    )
    from smmsim.calibration.holdout import DEFAULT_SHARE, HoldoutSpec
    from smmsim.calibration.holdout_date import read_holdout_date
    from smmsim.calibration.importer import ImportOptions, import_exports
    from smmsim.calibration.period_option import read_period
    from smmsim.calibration.pipeline import DEFAULT_GROUP_BY, CalibrationSettings
    from smmsim.calibration.pipeline import calibrate as run_calibration
    from smmsim.scenarios.files import write_atomic
    from smmsim.scenarios.loader import load_scenario
    from smmsim.simulator.consoles.terminal import stdout_console

    if plan is not None and write_scenario is None:
        raise click.BadParameter("--plan needs --write-scenario PATH to write the result to")
    if plan is not None:
        load_scenario(plan)  # a plan with problems is reported as any scenario file is
    if holdout_after is not None and holdout_by == "group":
        raise click.BadParameter("--holdout-after holds out dates; it needs --holdout-by time")
    inputs = [("the data file", d) for d in data] + ([("the plan", plan)] if plan else [])
    check_out(out, CALIBRATION_FILES, *(path for _, path in inputs))
    if write_scenario:
        check_scenario_target(write_scenario, inputs, force)
    options = ImportOptions(
        fmt,
        parse_mapping(mapping),
        platform,
        year,
        date_order,
        group_by=tuple(group_by or ()),
        view_through=view_through,
        period=read_period(period, date_order, year) if period else None,
        repair_shifted=repair_shifted,
    )
    sources = [str(d) for d in data]
    imported = import_exports(list(data), options)
    stop_before_fitting(imported, out, strict, sources, exports)
    # read after the import: the cut-off is written in the data's own date style
    after = read_holdout_date(holdout_after, imported.files, year) if holdout_after else None
    spec = HoldoutSpec(
        holdout_by,
        DEFAULT_SHARE if holdout is None else holdout,
        after,
        explicit=holdout is not None or holdout_after is not None,
    )
    settings = CalibrationSettings(group_by or DEFAULT_GROUP_BY, spec, seed)
    done = run_calibration(imported, settings)
    result = calibration_document(done, sources)
    # The scenario is made (and checked) before the outputs, so that fit.html's headline can
    # name it; one that cannot be made still leaves the fit's outputs behind, then stops.
    scenario_text, warnings, failed = None, [], None
    if write_scenario:
        try:
            scenario_text, warnings = calibrated_scenario(done, sources, write_scenario, plan)
        except SmmsimError as exc:
            failed = exc
    named = {
        "scenario": None if scenario_text is None else str(write_scenario),
        "plan": None if plan is None else str(plan),
    }
    page = {**named, "plotlyjs": plotlyjs}
    written = write_outputs(
        out,
        lambda folder: write_calibration(done, result, folder, **page, exports=exports),
        CALIBRATION_FILES,
    )
    if failed is not None:
        raise failed
    if scenario_text is not None:
        write_or_fail(
            lambda: write_atomic(write_scenario, scenario_text), write_scenario, "the scenario"
        )
    if as_json:
        click.echo(result.to_json(), nl=False)
    else:
        rejected = str(out / "rejected.csv")
        print_calibration(
            result, import_document(done.imported), stdout_console(), rejected=rejected, **named
        )
        click.echo(f"wrote {out}/: {' '.join(written)}")
        if write_scenario:
            click.echo(f"wrote {write_scenario}")
    if imported.overlapping_rows:
        warnings.insert(
            0,
            f"{imported.overlapping_rows} rows share their arm and date with a row of another "
            "file but not its numbers (overlapping exports?); both are counted",
        )
    for line in warnings:
        click.echo(f"warning: {line}", err=True)


def stop_before_fitting(imported, out: Path, strict: bool, sources: list[str], exports) -> None:
    """No usable row, or --strict and a rejected one: write what the import found, then stop."""
    from smmsim.calibration.document import CALIBRATION_FILES, import_document, write_import

    summary = import_document(imported)
    rejected, read = summary.rows_rejected, summary.rows_read
    see = f"see {out / 'rejected.csv'} and {out / 'import_summary.json'}"
    if summary.rows_used == 0:
        write_outputs(
            out, lambda folder: write_import(imported, folder, exports), CALIBRATION_FILES
        )
        # every row failed on its date: the mapping that would read them
        hints = "".join(
            f"; {f['file']}: {f['date_hint']}" for f in imported.files if f.get("date_hint")
        )
        raise NoUsableRows(
            f"{', '.join(sources)}: no usable rows ({read} read, {rejected} rejected){hints}; {see}"
        )
    if strict and rejected:
        write_outputs(
            out, lambda folder: write_import(imported, folder, exports), CALIBRATION_FILES
        )
        raise RejectedRows(f"--strict: {rejected} of {read} rows rejected; {see}")


def check_scenario_target(path: Path, inputs: list[tuple[str, Path]], force: bool) -> None:
    """Before any work: --write-scenario never replaces an input, nor an existing file unless
    --force, and its folder takes files."""
    from smmsim.scenarios.files import check_new_file

    check_new_file(path, "--write-scenario", inputs, force)


class NoUsableRows(SmmsimError):
    """Every row was rejected (or the files hold none): nothing to fit."""

    exit_code = 2


class RejectedRows(SmmsimError):
    """--strict and some rows could not be used."""

    exit_code = 3


def calibrated_scenario(
    done, sources: list[str], path: Path, plan: Path | None
) -> tuple[str, list[str]]:
    """(the scenario's YAML text, validated, and its warnings) for --write-scenario PATH."""
    from smmsim.calibration.to_scenario import merge_into_plan, to_scenario
    from smmsim.scenarios.loader import read_yaml

    if plan is None:
        text, _, warnings = to_scenario(done.calibration, sources, str(path))
    else:
        text, _, warnings = merge_into_plan(done.calibration, read_yaml(plan), str(plan), str(path))
    return text, warnings


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@reps_option
@seed_option
@out_option
@format_option
@workers_option
@fail_on_option
@click.option("--static-only", is_flag=True, help="Only the static rules; simulate nothing.")
@plotlyjs_option
@handle_errors
def check(file: Path, reps, seed, out, fmt, workers, fail_on, static_only, plotlyjs) -> None:
    """Flag tactics in FILE so aggressive they are likely to backfire: static rules (each with
    the plan's value, the threshold, why it matters and a safer alternative) and the simulated
    risk per platform (chance of backlash, repair cost, KPI loss). Exit 4 with --fail-on when a
    flag reaches that level.

    Example: smmsim check scenarios/examples/reputation-rush.yaml --fail-on high
    """
    from smmsim.scenarios.loader import load_scenario
    from smmsim.simulator.consoles.risk import print_check
    from smmsim.simulator.consoles.run import progress_bar
    from smmsim.simulator.reports.check_files import CHECK_FILES, write_check
    from smmsim.simulator.studies.risk import FAIL_EXIT_CODE, check_plan

    scenario = load_scenario(file)
    require_kept(file, reps, scenario.campaign.replications)
    check_out(out, CHECK_FILES, file)
    per_run = reps or scenario.campaign.replications
    with progress_bar(per_run, "simulating") as advance:
        checked = check_plan(
            scenario,
            source=str(file),
            replications=reps,
            seed=seed,
            workers=workers,
            static_only=static_only,
            progress=advance,
        )
    currency = scenario.campaign.currency
    if out:
        write_outputs(
            out,
            lambda folder: write_check(
                checked,
                folder,
                campaign=scenario.campaign.name,
                currency=currency,
                plotlyjs=plotlyjs,
            ),
            CHECK_FILES,
        )
    if fmt == "json":
        click.echo(checked.to_json(), nl=False)
    else:
        print_check(checked, currency)
        if out:
            click.echo(f"wrote {out}/: {present(out, CHECK_FILES)}")
    if checked.fails(fail_on):
        sys.exit(FAIL_EXIT_CODE)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@handle_errors
def validate(file: Path) -> None:
    """Check FILE and report every problem (key path, rule, bad value); exit 2 if invalid.

    Example: smmsim validate my-plan.yaml
    """
    from smmsim.scenarios.loader import load_scenario

    scenario = load_scenario(file)
    arms = sum(len(p.tools) for p in scenario.platforms)
    click.echo(
        f"{file}: valid ({len(scenario.platforms)} platforms, {arms} arms, "
        f"{len(scenario.kpis)} KPI targets)"
    )


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--trials", type=click.IntRange(1, 100_000), help="Completed trials [optimise.trials]."
)
@click.option(
    "--objective",
    type=click.Choice(["cpa", "conversions"]),
    help="Minimise expected CPA or maximise expected conversions [optimise.objective].",
)
@click.option(
    "--max-risk",
    type=FiniteFloatRange(0, 1, min_open=True, max_open=True),
    help="Ceiling on P(at least one backlash event) [optimise.max_risk].",
)
@click.option("--pareto", is_flag=True, help="Search CPA against backlash risk (two objectives).")
@click.option(
    "--search",
    callback=lambda ctx, param, value: search_option(value),
    help="What may change, comma-separated: shares (the paid-ads split), tactics (their "
    "intensities), policy (the test-then-scale test); the rest runs as planned "
    "[optimise.search: shares].",
)
@click.option(
    "--storage",
    envvar="SMMSIM_STORAGE",
    help="Study database URL, e.g. postgresql://user@host/db (password from PGPASSWORD or the "
    "URL; env SMMSIM_STORAGE) [a SQLite file in the output folder].",
)
@click.option("--study", "study_name", help="Study name [FILE's name and the question asked].")
@click.option(
    "--write-scenario",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write FILE with the optimised plan to PATH.",
)
@click.option(
    "--reps",
    type=click.IntRange(10, 100_000),
    help="Replications per trial [optimise.replications].",
)
@click.option(
    "--final-reps",
    type=click.IntRange(1, 200_000),
    help="Replications for the best plan and its baselines [campaign.replications].",
)
@force_option
@click.option("--deterministic", is_flag=True, help="Trials on the model's expected values.")
@click.option(
    "--heartbeat",
    type=click.IntRange(1, 3600),
    help="Seconds between a worker's heartbeats; a trial silent for two is retried [30].",
)
@click.option(
    "--parallel-trials",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Trials proposed and simulated side by side; each number gives its own reproducible "
    "study, 1 the one-at-a-time study.",
)
@seed_option
@out_option
@format_option
@workers_option
@plotlyjs_option
@handle_errors
@exports_option
def optimise(
    file: Path,
    trials,
    objective,
    max_risk,
    pareto,
    search,
    storage,
    study_name,
    write_scenario,
    force,
    reps,
    final_reps,
    deterministic,
    heartbeat,
    seed,
    out,
    fmt,
    workers,
    parallel_trials,
    plotlyjs,
    exports,
) -> None:
    """Search the split of FILE's budget over platforms and tools (and, with --search, its tactic
    intensities or test-then-scale policy) for the lowest expected CPA (or most conversions)
    within a backlash-risk limit; the plan's strategy and everything not searched run as written.
    The study is stored, so the same command resumes it after Ctrl-C; workers on several
    machines share one with --storage postgresql://...

    Example: smmsim optimise scenarios/examples/kids-shop.yaml --trials 60 --out out/opt
    """
    from smmsim.scenarios.files import write_atomic
    from smmsim.scenarios.plan_edits import Plan
    from smmsim.simulator.consoles.optimiser import print_optimisation
    from smmsim.simulator.reports.optimiser_files import OPTIMISE_FILES
    from smmsim.simulator.studies.optimiser.job import OptimiseJob, default_study_name
    from smmsim.simulator.studies.optimiser.storage import default_url
    from smmsim.simulator.studies.optimiser.study import settings_of
    from smmsim.simulator.studies.optimiser.write_back import best_plan_text

    quiet_optuna()
    scenario = Plan.read(file).with_search(search).scenario
    settings = settings_of(
        scenario,
        objective=objective,
        max_risk=max_risk,
        pareto=pareto or None,
        trials=trials,
        replications=reps,
        seed=seed,
        deterministic=deterministic or None,
    )
    require_kept(file, final_reps, scenario.campaign.replications, "--final-reps")
    out = out or Path("out") / "optimise" / file.stem
    job = OptimiseJob(
        source=file,
        scenario=scenario,
        settings=settings,
        storage_url=storage or default_url(out),
        study_name=study_name or default_study_name(file, settings, scenario.optimise.searched),
        out_dir=out,
        final_replications=final_reps or scenario.campaign.replications,
        workers=workers,
        heartbeat_seconds=heartbeat,
        parallel_trials=parallel_trials,
    )
    # Before any trial: the outputs can be written, and would replace no input.
    check_out(out, OPTIMISE_FILES, file)
    if write_scenario:
        # Overwriting FILE would also stop its study from resuming (its fingerprint changes).
        check_scenario_target(write_scenario, [("the scenario being optimised", file)], force)
    document = run_optimisation(job, plotlyjs, exports)
    if write_scenario and document.best is not None:
        text = best_plan_text(file, write_scenario, scenario, document)
        write_or_fail(lambda: write_atomic(write_scenario, text), write_scenario, "the scenario")
    if fmt == "json":
        click.echo(document.to_json(), nl=False)
    else:
        print_optimisation(document)
        click.echo(
            f"wrote {out}/: optimise.json trials.csv best-allocation.csv optimise.html"
            f"{shared_plotlyjs(plotlyjs)}{also(exports, OPTIMISE_FILES)}"
        )
        if write_scenario and document.best is not None:
            click.echo(f"wrote {write_scenario}; next: smmsim run {write_scenario}")


def search_option(value: str | None) -> list[str] | None:
    """`--search shares,tactics` as a list of names, each checked; a bad one is a usage error."""
    if value is None:
        return None
    from smmsim.scenarios.optimise_schema import search_names

    try:
        return search_names(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def run_optimisation(job, plotlyjs: str, exports):
    """Open or resume the study, run its trials with a progress bar, evaluate the best plan, and
    return it as the typed `OptimisationResult` (its outputs written as one set). Ctrl-C at any
    point exits 130 with the stored trials kept; a failing database is one line."""
    from dataclasses import replace

    from smmsim.simulator.consoles.run import progress_bar
    from smmsim.simulator.reports.optimiser_files import OPTIMISE_FILES, write_documents
    from smmsim.simulator.studies.optimiser.job import finish, open_job
    from smmsim.simulator.studies.optimiser.storage import database_errors, shown

    run = None
    try:
        with database_errors(job.storage_url):
            run = open_job(job)
            completed = len(run.completed())
            verb = "created" if run.created else "resumed"
            click.echo(
                f"study {job.study_name!r} {verb} in {shown(job.storage_url)}: "
                f"{completed} of {job.settings.trials} trials completed",
                err=True,
            )
            with progress_bar(max(job.settings.trials - completed, 0), "optimising") as advance:
                done = run.run_batches(
                    job.parallel_trials, lambda trial: advance(1), workers=job.workers
                )
            document = finish(replace(job, out_dir=None), run, done)
            write_outputs(
                job.out_dir,
                lambda folder: write_documents(document, folder, plotlyjs, exports),
                OPTIMISE_FILES,
            )
            return document
    except KeyboardInterrupt:
        stored = "the" if run is None else f"{len(run.completed())}"
        click.echo(
            f"interrupted: {stored} completed trials are stored in {shown(job.storage_url)}; "
            "run the same command to resume",
            err=True,
        )
        sys.exit(130)


def quiet_optuna() -> None:
    """Optuna logs every trial at INFO and an interrupted one with its traceback at WARNING; the
    progress bar, the summary and our own messages say what matters."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)


@main.command()
@click.argument("plan", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("actuals", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--as-of",
    required=True,
    metavar="DATE",
    help="The last day the actuals cover (YYYY-MM-DD); later rows are set aside.",
)
@click.option(
    "--arm",
    "arms",
    multiple=True,
    metavar="CAMPAIGN=platform/tool",
    help="Read the export's CAMPAIGN on that platform as this arm of the plan (rows match an "
    "arm by platform and a campaign named like the tool otherwise); repeat for several.",
)
@import_format_option
@map_option
@platform_option
@year_option
@date_order_option
@view_through_option
@click.option(
    "--trials",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Optimiser trials re-splitting the remaining budget; 0 skips the reallocation.",
)
@reps_option
@seed_option
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Output DIR."
)
@click.option(
    "--write-scenario",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the plan for the remaining days (updated beliefs, remaining budget and dates).",
)
@force_option
@workers_option
@click.option("--json", "as_json", is_flag=True, help="Print track.json instead of tables.")
@plotlyjs_option
@handle_errors
@exports_option
def track(
    plan, actuals, as_of, arms, fmt, mapping, platform, year, date_order, view_through, trials,
    reps, seed, out, write_scenario, force, workers, as_json, plotlyjs, exports,
) -> None:  # fmt: skip
    """Track a campaign in flight: lay the ACTUALS (ad-platform exports, as calibrate reads them)
    over PLAN's bands to --as-of, flag each KPI on track, behind or ahead, update each arm's
    beliefs, re-forecast the rest with each target's odds before and after, and propose a split
    of the remaining budget.

    Example: smmsim track plan.yaml march.csv --as-of 2027-03-31 --out out/track
    """
    from smmsim.api import _iso_date, import_options, track_files
    from smmsim.calibration.columns import parse_mapping
    from smmsim.scenarios.files import write_atomic
    from smmsim.scenarios.plan_edits import Plan
    from smmsim.simulator.consoles.terminal import stdout_console
    from smmsim.simulator.consoles.track import print_track
    from smmsim.simulator.reports.track_files import (
        TRACK_FILES,
        rejected_rows,
        write_rejected,
        write_track,
    )
    from smmsim.simulator.studies.track.actuals import NoActuals
    from smmsim.simulator.studies.track.study import TrackSettings

    loaded = Plan.read(plan)
    require_kept(plan, reps, loaded.scenario.campaign.replications)
    inputs = [("the plan", plan)] + [("the data file", a) for a in actuals]
    check_out(out, TRACK_FILES, plan, *actuals)
    if write_scenario:
        check_scenario_target(write_scenario, inputs, force)
    settings = TrackSettings(
        as_of=_iso_date(as_of), seed=seed, replications=reps, trials=trials, workers=workers
    )
    options = import_options(fmt, parse_mapping(mapping), platform, year, view_through, date_order)
    try:
        result, imported = track_files(loaded, list(actuals), settings, options, list(arms))
    except NoActuals as exc:
        rows = rejected_rows(exc.imported.rejected, exc.aside)
        write_outputs(out, lambda folder: write_rejected(rows, folder, exports), TRACK_FILES)
        raise
    rows = rejected_rows(imported.rejected, result.aside)
    written = write_outputs(
        out, lambda folder: write_track(result, rows, folder, plotlyjs, exports), TRACK_FILES
    )
    del written
    if write_scenario:
        write_or_fail(
            lambda: write_atomic(write_scenario, result.rest_yaml), write_scenario, "the scenario"
        )
    if as_json:
        click.echo(result.to_json(), nl=False)
        return
    print_track(result, stdout_console(), str(out / "rejected_rows.csv"))
    click.echo(f"wrote {out}/: {present(out, TRACK_FILES)}{also(exports, TRACK_FILES)}")
    if write_scenario:
        click.echo(f"wrote {write_scenario}; next: smmsim run {write_scenario}")


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="scenario.yaml")
@click.option("--example", default="kids-shop", show_default=True, help="Bundled example.")
@click.option("--list", "list_only", is_flag=True, help="List the bundled examples.")
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@handle_errors
def init(path: Path, example: str, list_only: bool, force: bool) -> None:
    """Write a bundled example scenario to PATH to start a plan from.

    Example: smmsim init --example travel-agency my-plan.yaml
    """
    from smmsim.scenarios.bundled import example_names, example_text
    from smmsim.scenarios.files import write_atomic

    if list_only:
        click.echo("\n".join(example_names()))
        return
    text = example_text(example)
    if path.exists() and not force:
        raise SmmsimError(f"{path}: already exists; pass --force to overwrite it")
    write_or_fail(lambda: write_atomic(path, text), path, "the scenario")
    click.echo(f"wrote {path} (example {example}); next: smmsim run {path}")


# The exit status of a brief whose verdict is not "SMM fits" and that wrote nothing.
NOT_FIT_EXIT_CODE = 5


@main.command()
@click.option(
    "--from",
    "from_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the answers from a YAML file's brief: block; flags override it.",
)
@click.option("--name", help="Business name, also its key search query [My business].")
@click.option("--sector", type=click.Choice(list(BRIEF_SECTORS)), help="The business's sector.")
@click.option(
    "--budget-per-month", type=FiniteFloatRange(min=0, min_open=True), help="Budget per month."
)
@click.option("--months", type=click.IntRange(1, 24), help="Campaign length in months [3].")
@click.option("--currency", help="Three-letter currency [EUR].")
@click.option(
    "--per-eur",
    type=FiniteFloatRange(min=0, min_open=True),
    help="Units of --currency per euro (the bundled priors are in euros).",
)
@click.option(
    "--start", help="First day, the 1st of a month: YYYY-MM-01 [the first of next month]."
)
@click.option(
    "--community-people",
    type=FiniteFloatRange(min=0),
    help="People for community work (0.5 is half-time; 0: none).",
)
@click.option(
    "--content-per-week",
    type=FiniteFloatRange(min=0),
    help="Posts a week the business can produce for its community.",
)
@click.option(
    "--goal",
    "goals",
    multiple=True,
    type=click.Choice(list(BRIEF_GOALS)),
    help="A goal of the client (repeat the option for several).",
)
@click.option(
    "--order-value", type=FiniteFloatRange(min=0, min_open=True), help="Average order value."
)
@click.option(
    "--top20",
    help="The brand query's top 20 results today: own,third,neutral,negative "
    "(needed for the reputation and recommendation goals).",
)
@click.option(
    "--interactive/--no-interactive",
    default=None,
    help="Ask for missing answers [when stdin is a terminal and an answer is missing].",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the scenario to FILE."
)
@click.option("--json", "as_json", is_flag=True, help="Print the brief as JSON.")
@click.option("--force", is_flag=True, help="Overwrite the --out file if it exists.")
@click.option(
    "--write-anyway",
    is_flag=True,
    help="Write the scenario (and exit 0) even when the verdict is not 'SMM fits'.",
)
@handle_errors
def brief(from_file, interactive, out, as_json, force, write_anyway, **flags) -> None:
    """Plan from the seed's steps 1-4: is SMM a fit, do the conditions exist, which platforms,
    tools and KPI targets. Writes a starting scenario for smmsim run; exits 5 without writing it
    when the verdict is not 'SMM fits' (unless --write-anyway).

    \b
    Example:
      smmsim brief --sector children --budget-per-month 4000 --community-people 1
        --content-per-week 4 --goal new-sales --goal repeat-sales --out plan.yaml
    """
    from smmsim.scenarios.brief.answers import brief_from_answers, read_brief_file
    from smmsim.scenarios.brief.plan import make_brief
    from smmsim.scenarios.files import check_new_file, write_atomic
    from smmsim.simulator.consoles.brief import brief_lines

    answers = read_brief_file(from_file) if from_file else {}
    answers |= {k: v for k, v in flags.items() if v is not None and v != ()}
    if interactive is None:
        interactive = sys.stdin.isatty() and not all(k in answers for k in BRIEF_REQUIRED)
    if interactive:
        ask_missing(answers)
    plan = brief_from_answers(answers, str(from_file) if from_file else "the brief")
    if out is not None:
        inputs = [("the brief", from_file)] if from_file else []
        check_new_file(out, "--out", inputs, force)
    result = make_brief(plan)
    if out is not None and (result.fits or write_anyway):
        write_or_fail(lambda: write_atomic(out, result.scenario_text), out, "the scenario")
        result = result.written_to(str(out))
    if as_json:
        click.echo(result.to_json(), nl=False)
    else:
        click.echo("\n".join(brief_lines(result)))
        if result.scenario_file:
            click.echo(f"\nwrote {out}; next: smmsim validate {out}, then smmsim run {out}")
        elif not result.fits:
            click.echo(
                "\nwrote no scenario: the verdict is not 'SMM fits' (--write-anyway writes it)"
            )
        else:
            click.echo("\npass --out FILE.yaml to write the scenario")
    if not result.fits and not write_anyway:
        sys.exit(NOT_FIT_EXIT_CODE)


def ask_missing(answers: dict) -> None:
    """Ask in the terminal for every answer not yet given, with choices and defaults; a bad
    answer is explained and asked again."""
    from smmsim.scenarios.brief.answers import PARSERS, first_of_next_month
    from smmsim.scenarios.brief.questions import QUESTIONS
    from smmsim.scenarios.brief.seed import REPUTATION_GOALS

    defaults = {
        "name": "My business",
        "months": 3,
        "currency": "EUR",
        "start": first_of_next_month(date.today()).isoformat(),
        "order_value": "",
    }
    for key, (flag, question) in QUESTIONS.items():
        if key in answers:
            continue
        if key == "per_eur" and answers.get("currency", "EUR") == "EUR":
            continue
        if key == "top20" and not set(answers.get("goals", ())) & set(REPUTATION_GOALS):
            continue
        if key == "sector":
            answers[key] = click.prompt(question, type=click.Choice(list(BRIEF_SECTORS)))
            continue
        if key == "goals":
            question = f"{question} (comma-separated: {', '.join(BRIEF_GOALS)})"
        value = click.prompt(
            question,
            default=defaults.get(key),
            show_default=defaults.get(key) != "",
            value_proc=_checked(PARSERS[key], flag),
        )
        if value != "":
            answers[key] = value


def _checked(parse, flag: str):
    """A prompt's check: the answer parsed as the flag would be, or the reason to ask again."""

    def check(text: str):
        if text == "":
            return ""
        try:
            return parse(text)
        except ValueError as exc:
            raise click.UsageError(f"{flag}: {exc}") from None

    return check


if __name__ == "__main__":
    main()
