"""Streamed runs (above 200,000 replications, or `stream=True`): each chunk is summarised as it
ends. Its document must equal the exact one (counts exactly, sums to float rounding, quantiles
within the sketch's stated bound), must not depend on chunking or workers, and every output must
still be written, saying that its quantiles are estimates."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from rich.console import Console

from smmsim.cli import main
from smmsim.scenarios.documents import ABSENT
from smmsim.scenarios.loader import load_scenario
from smmsim.simulator.consoles.run import print_tables
from smmsim.simulator.engine import TooManyReplications, simulate
from smmsim.simulator.reports.run_files import RUN_FILES, write_run
from smmsim.simulator.sketch import RELATIVE_ERROR, QuantileSketch
from smmsim.simulator.studies.risk import without_backlash_on
from smmsim.simulator.studies.run import RunResult, run_plan

KIDS = "scenarios/examples/kids-shop.yaml"
RUSH = "scenarios/examples/reputation-rush.yaml"
QUANTILE_KEYS = ("p5", "p50", "p95")


def exact_order_statistic_bound(values: np.ndarray, q: float) -> float:
    """The sketch's stated bound for quantile q: a times the larger neighbouring order
    statistic (in magnitude) around q (n - 1)."""
    ordered = np.sort(values)
    position = q * (ordered.size - 1)
    k = math.floor(position)
    return RELATIVE_ERROR * max(abs(ordered[k]), abs(ordered[min(k + 1, ordered.size - 1)]))


@pytest.mark.parametrize("seed", [1, 2])
def test_sketch_quantiles_lie_within_the_stated_bound_of_numpys(seed):
    # The bound the README and every streamed output state, on spread, signed data with
    # zeros, ties and NaN (which both leave out).
    rng = np.random.default_rng(seed)
    values = np.concatenate(
        [
            rng.lognormal(3, 2, 30_000),
            -rng.lognormal(0, 1, 5_000),
            np.zeros(2_000),
            np.round(rng.normal(50, 5, 10_000)),
            [np.nan] * 50,
        ]
    )
    finite = values[~np.isnan(values)]
    qs = [0.0, 0.05, 0.1, 0.25, 0.5, 0.9, 0.95, 0.999, 1.0]
    estimates = QuantileSketch.of(values).quantiles(qs)
    for q, estimate in zip(qs, estimates, strict=True):
        exact = float(np.percentile(finite, 100 * q))
        assert abs(estimate - exact) <= exact_order_statistic_bound(finite, q) * (1 + 1e-9)


def test_sketches_merge_to_the_sketch_of_the_whole_whatever_the_split():
    # Integer counts on a fixed grid: the merged sketch cannot depend on chunking or order.
    values = np.random.default_rng(3).normal(10, 20, 9_000)
    whole = QuantileSketch.of(values)
    parts = [QuantileSketch.of(part) for part in np.array_split(values, [100, 4_000, 4_001])]
    merged = parts[3].merge(parts[0]).merge(parts[2].merge(parts[1]))
    for a, b in zip(whole.values_and_counts(), merged.values_and_counts(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert merged.count == values.size


def compare(exact, streamed, path=""):
    """Every number of the streamed document against the exact one."""
    if isinstance(exact, dict):
        assert set(exact) == set(streamed), path
        for key in exact:
            compare(exact[key], streamed[key], f"{path}/{key}")
    elif isinstance(exact, list):
        assert len(exact) == len(streamed), path
        for i, (a, b) in enumerate(zip(exact, streamed, strict=True)):
            compare(a, b, f"{path}[{i}]")
    elif isinstance(exact, float) and isinstance(streamed, float):
        if path.rsplit("/", 1)[-1] in QUANTILE_KEYS:
            # a quantile (or a Wilson bound, exact): within the sketch's relative error
            assert abs(streamed - exact) <= RELATIVE_ERROR * abs(exact) + 1e-9, path
        else:
            assert streamed == pytest.approx(exact, rel=1e-9, abs=1e-9), path
    else:
        assert streamed == exact, path


@pytest.fixture(scope="module")
def kids_runs():
    scenario = load_scenario(KIDS)
    options = {"replications": 3_000, "seed": 11, "chunk_size": 1_000, "workers": 1}
    return run_plan(scenario, **options), run_plan(scenario, stream=True, **options)


def test_a_streamed_run_gives_the_exact_runs_document(kids_runs):
    # Means, intervals and P(KPI met) are the same numbers (counts exactly, moments to float
    # rounding); quantiles within 0.1%. Only the `quantiles` section is new.
    exact, streamed = kids_runs
    a, b = exact.to_dict(), streamed.to_dict()
    assert b.pop("quantiles") == {"method": "streamed", "relative_error": RELATIVE_ERROR}
    assert exact.quantiles is ABSENT
    compare(a, b)
    # the probabilities are counted, not estimated: bit-identical
    assert [t.probability for t in exact.kpi_targets] == [
        t.probability for t in streamed.kpi_targets
    ]
    assert exact.strategy.kept_best == streamed.strategy.kept_best


def test_a_streamed_risk_section_with_what_ifs_matches_the_exact_one():
    # The rush has backlash on its forums, so its chunks run the paired what-if.
    scenario = load_scenario(RUSH)
    options = {"replications": 2_000, "seed": 4, "chunk_size": 1_000, "workers": 1}
    exact = run_plan(scenario, **options).to_dict()["risk"]
    streamed = run_plan(scenario, stream=True, **options).to_dict()["risk"]
    assert any(row["loss"]["conversions"] for row in exact["simulated"])
    compare(exact, streamed)


def test_streamed_what_ifs_of_the_struck_replications_are_the_whole_ones(monkeypatch):
    # The steady plan's backlash strikes in a few replications: each chunk's what-if simulates
    # those alone. Its risk section is the exact run's, and that of chunks' whole what-ifs.
    from smmsim.simulator.studies import streamed

    scenario = load_scenario("scenarios/examples/reputation-steady.yaml")
    options = {"replications": 3_000, "seed": 4, "chunk_size": 1_000, "workers": 1}
    subset = run_plan(scenario, stream=True, **options).to_dict()["risk"]
    assert any(row["loss"]["conversions"] for row in subset["simulated"])
    compare(run_plan(scenario, **options).to_dict()["risk"], subset)
    monkeypatch.setattr(streamed, "resimulate_struck_only", lambda *args: False)
    assert run_plan(scenario, stream=True, **options).to_dict()["risk"] == subset


def test_a_what_if_changes_no_replication_without_an_event():
    # Why a streamed chunk without an event on a platform may skip that platform's what-if:
    # its replications are the same, bit for bit, with that platform's backlash switched off.
    scenario = load_scenario(RUSH)
    actual = simulate(scenario, replications=1_500, seed=4)
    forums = actual.lines.platforms.index("forums")
    calm = actual.totals["backlash_events"][:, forums] == 0
    assert 0 < calm.sum() < calm.size
    what_if = simulate(without_backlash_on(scenario, ["forums"]), replications=1_500, seed=4)
    for name, values in actual.totals.items():
        np.testing.assert_array_equal(values[calm], what_if.totals[name][calm], err_msg=name)


def test_streamed_numbers_do_not_depend_on_chunk_size_or_workers():
    scenario = load_scenario(KIDS)
    runs = [
        run_plan(
            scenario, replications=4_000, seed=3, chunk_size=size, workers=workers, stream=True
        )
        for size, workers in [(1_000, 1), (3_000, 2), (4_000, 1)]
    ]
    assert runs[0].to_json() == runs[1].to_json() == runs[2].to_json()
    assert runs[0].daily().equals(runs[1].daily()) and runs[0].daily().equals(runs[2].daily())


def test_a_streamed_run_writes_every_output_and_says_its_quantiles_are_estimates(
    kids_runs, tmp_path
):
    _, streamed = kids_runs
    write_run(streamed, tmp_path, summary=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(RUN_FILES)
    text = (tmp_path / "result.json").read_text(encoding="utf-8")
    written = json.loads(text)
    assert RunResult.from_dict(written).to_json() == text  # read back, typed, the same
    assert written["replications"] == 3_000
    assert written["quantiles"]["relative_error"] == RELATIVE_ERROR
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "streamed estimates" in page
    assert "streamed estimates" in (tmp_path / "summary.html").read_text(encoding="utf-8")
    assert "Regret per replication" in page  # drawn from the regret's sketch
    console = Console(record=True, width=200)
    print_tables(streamed, console)
    assert "streamed estimates" in console.export_text()


def test_the_daily_views_of_a_streamed_run_are_the_exact_ones(kids_runs):
    # Daily means add per-block sums in block order and the sample is the first 1,000
    # replications, streamed or not.
    exact, streamed = kids_runs
    assert exact.daily().equals(streamed.daily())


def test_run_accepts_a_million_replications_and_no_more():
    result = CliRunner().invoke(main, ["run", KIDS, "--reps", "1000001"])
    assert result.exit_code == 2
    assert "1000001" in result.output


def test_studies_that_keep_every_replication_refuse_more_than_they_can_hold():
    with pytest.raises(TooManyReplications, match="only `smmsim run` streams"):
        simulate(load_scenario(KIDS), replications=200_001)


@pytest.mark.parametrize(
    "command",
    [
        ["compare"],
        ["size-test"],
        ["check"],
        ["optimise", "--trials", "1"],
        ["track", "calibration/examples/kids-shop-march-actuals.csv", "--as-of", "2027-03-31"],
    ],
)
def test_a_file_asking_a_keeping_study_for_too_many_replications_is_its_error(command, tmp_path):
    """Only `run` streams: the other commands refuse a scenario asking for more than they keep
    before any work, naming the file, the key and the value (exit 2, no outputs)."""
    text = Path(KIDS).read_text(encoding="utf-8")
    big = tmp_path / "big.yaml"
    big.write_text(text.replace("replications: 2000\n", "replications: 300000\n", 1))
    assert load_scenario(big).campaign.replications == 300_000
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [command[0], str(big), *command[1:], "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert f"{big}: campaign.replications: at most 200,000" in result.output
    assert "(got 300000)" in result.output
    assert not out.exists()
