"""The `smmsim` command line: each command parses options, calls one library function, prints.

Heavy libraries (pandas, plotly, the engine) are imported inside commands so `smmsim --help`
stays fast.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from scenarios.errors import SmmsimError


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


# Shared options, defined once and stacked on every command that needs them.
seed_option = click.option("--seed", type=click.IntRange(min=0), help="Random seed [scenario's].")
reps_option = click.option(
    "--reps", type=click.IntRange(1, 200_000), help="Replications [the scenario's]."
)
out_option = click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Write outputs to DIR."
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="What to print.",
)


@click.group()
@click.version_option(package_name="smmsim")
def main() -> None:
    """smmsim: simulate social-media marketing budgets and test campaigns."""


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@reps_option
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
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default="all cores",
    help="Processes running chunks in parallel.",
)
@handle_errors
def run(file: Path, reps, seed, out, fmt, deterministic, chunk_size, workers) -> None:
    """Simulate FILE and report KPIs with uncertainty, by platform and month.

    Example: smmsim run scenarios/examples/kids-shop.yaml --reps 5000 --out out/kids
    """
    from scenarios.loader import load_scenario
    from simulator.console import print_tables, progress_bar
    from simulator.engine import simulate
    from simulator.outputs import json_text, write_outputs
    from simulator.summary import result_json

    scenario = load_scenario(file)
    total = 1 if deterministic else (reps or scenario.campaign.replications)
    with progress_bar(total, "simulating") as advance:
        result = simulate(
            scenario,
            replications=reps,
            seed=seed,
            deterministic=deterministic,
            chunk_size=chunk_size,
            workers=workers,
            progress=advance,
        )
    if out:
        try:
            document = write_outputs(result, out, source=str(file))
        except OSError as exc:
            raise SmmsimError(f"{out}: cannot write the outputs: {exc.strerror or exc}") from None
    else:
        document = result_json(result, source=str(file))
    if fmt == "json":
        click.echo(json_text(document), nl=False)
    else:
        print_tables(document)
        if out:
            click.echo(f"wrote {out}/: summary.csv monthly.csv daily.csv result.json report.html")


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@handle_errors
def validate(file: Path) -> None:
    """Check FILE and report every problem (key path, rule, bad value); exit 2 if invalid.

    Example: smmsim validate my-plan.yaml
    """
    from scenarios.loader import load_scenario

    scenario = load_scenario(file)
    arms = sum(len(p.tools) for p in scenario.platforms)
    click.echo(
        f"{file}: valid ({len(scenario.platforms)} platforms, {arms} arms, "
        f"{len(scenario.kpis)} KPI targets)"
    )


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
    from scenarios.bundled import example_names, example_text
    from simulator.outputs import write_atomic

    if list_only:
        click.echo("\n".join(example_names()))
        return
    text = example_text(example)
    if path.exists() and not force:
        raise SmmsimError(f"{path}: already exists; pass --force to overwrite it")
    write_atomic(path, text)
    click.echo(f"wrote {path} (example {example}); next: smmsim run {path}")


if __name__ == "__main__":
    main()
