"""comparison.html: written by `smmsim compare --out`, offline, naming every combination, with
paired differences that leave the baseline out and read zero for a scenario against itself."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import numpy as np
import plotly.graph_objects as go
import pytest
import yaml
from click.testing import CliRunner

from smmsim.cli import main
from smmsim.scenarios.loader import load_scenario
from smmsim.simulator.reports import comparison_page
from smmsim.simulator.studies.comparison import combinations, comparison_result, run_comparison
from tests.plotly_form import drawn
from tests.test_report import Page, assert_well_formed_offline, three_arm_data

REPS = 200
STRATEGIES = ("spread", "test-then-scale", "oracle")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def write_plan(folder, data: dict):
    data["campaign"]["start"] = data["campaign"]["start"].isoformat()
    path = folder / "plan.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


class TableCells(HTMLParser):
    """The text of every body cell of one table (by class), row by row."""

    def __init__(self, page: str, table_class: str):
        super().__init__()
        self.table_class, self.inside, self.rows = table_class, False, []
        self.in_cell = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.inside = dict(attrs).get("class") == self.table_class
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self.in_cell = False
        elif tag == "table":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside and self.in_cell:
            self.rows[-1][-1] += data


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    return write_plan(tmp_path_factory.mktemp("plan"), three_arm_data())


@pytest.fixture(scope="module")
def written(plan):
    """comparison.html and comparison.json of three strategies on one plan, via the CLI."""
    out = plan.parent / "out"
    result = invoke(
        "compare", plan, "--strategy", ",".join(STRATEGIES), "--reps", REPS, "--out", out
    )
    assert result.exit_code == 0, result.output
    page = (out / "comparison.html").read_text(encoding="utf-8")
    return page, json.loads((out / "comparison.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compared(plan):
    """The same comparison through the library, for its figures."""
    planned = combinations([(str(plan), load_scenario(plan))], list(STRATEGIES))
    found = run_comparison(planned, replications=REPS, seed=1)
    return comparison_result(found, planned[0][0])


def test_comparison_page_is_self_contained_and_offline(written):
    page, document = written
    assert page.startswith("<!DOCTYPE html>")
    assert_well_formed_offline(page)  # plotly.js once, no outside script, link or font
    assert "<link" not in page
    text = Page(page).text
    assert f"{document['seed']}" in text and f"{REPS} per combination" in text
    assert "common random numbers" in text


def test_every_combination_label_appears(written):
    page, document = written
    labels = [c["label"] for c in document["combinations"]]
    assert labels == [f"plan:{s}" for s in STRATEGIES]
    kpi_rows = TableCells(page, "combinations").rows
    assert kpi_rows[0][2:] == labels  # one column per combination, after KPI and unit
    shown = {row[0] for row in TableCells(page, "differences").rows[1:]}
    assert shown == set(labels[1:])  # every combination but the baseline is differenced


def comparison_figures(result) -> dict[str, list[go.Figure]]:
    """The page's figures (plain specs), held to plotly's form and read through plotly."""
    return drawn(comparison_page.comparison_figures(result))


def dots_and_bars(figure) -> dict[str, dict[str, dict]]:
    """Per panel (its x axis) and combination: the mean dot and the CI and p5-p95 segments."""
    panels: dict[str, dict[str, dict]] = {}
    for trace in figure.data:
        rows = panels.setdefault(trace.xaxis, {})
        if trace.mode == "markers":
            for label, x in zip(trace.y, trace.x, strict=True):
                rows.setdefault(label, {})["mean"] = x
        else:  # segments: low, high, gap per combination
            kind = "ci" if trace.line.width > 2 else "spread"
            for i in range(0, len(trace.x), 3):
                rows.setdefault(trace.y[i], {})[kind] = (trace.x[i], trace.x[i + 1])
    return panels


def test_difference_dots_and_intervals_are_the_paired_differences(compared):
    """One panel per KPI on its own axis, one row per combination but the baseline: the dot at
    the mean paired difference, the thick bar its 90% CI and the thin line p5-p95."""
    (figure,) = comparison_figures(compared)["differences"]
    others = {c.label for c in compared.found if c.label != compared.baseline}
    panels = dots_and_bars(figure)
    metrics = {d.metric for d in compared.differences}
    assert len(panels) == len(metrics) >= 4  # conversions, cpa, spend, joins at least
    by_panel = list(panels.values())
    for metric, rows in zip(
        dict.fromkeys(d.metric for d in compared.differences), by_panel, strict=True
    ):
        assert set(rows) == others  # the baseline is left out of every panel
        for d in (d for d in compared.differences if d.metric == metric):
            row = rows[d.label]
            assert row["mean"] == pytest.approx(d.mean)
            assert row["ci"] == pytest.approx((d.ci_low, d.ci_high))
            assert row["spread"] == pytest.approx((d.p5, d.p95))
            assert d.ci_low <= row["mean"] <= d.ci_high


def test_funnel_panels_have_every_combination_on_their_own_scale(compared):
    """One bar trace per stage (its own x axis, so conversions are not flattened under
    impressions on a log scale), each with every combination at its mean."""
    figures = comparison_figures(compared)
    (funnel,) = figures["funnel"]
    labels = [c.label for c in compared.combinations]
    assert [trace.name for trace in funnel.data] == [
        "impressions",
        "clicks",
        "joins",
        "conversions",
    ]
    assert len({trace.xaxis for trace in funnel.data}) == 4
    for trace in funnel.data:
        assert list(trace.y) == labels
        means = [c.kpis[trace.name].mean for c in compared.combinations]
        assert list(trace.x) == pytest.approx(means)
    assert all(axis.type != "log" for axis in (funnel.layout.xaxis, funnel.layout.xaxis4))


def test_cpa_boxes_have_every_combination(compared):
    found = compared.found
    figures = comparison_figures(compared)
    labels = [c.label for c in found]
    boxes = figures["cpa"][0].data
    assert [box.name for box in boxes] == labels
    for box, combination in zip(boxes, found, strict=True):
        cpa = combination.run.result.kpis()["cpa"]
        median = np.percentile(cpa[np.isfinite(cpa)], 50)
        assert box.median[0] == pytest.approx(median)  # the box is of the per-replication CPA
        assert box.lowerfence[0] <= box.q1[0] <= box.median[0] <= box.q3[0] <= box.upperfence[0]


def test_verdict_and_plots_come_before_the_long_differences_table(written):
    """The page reads from the answer down: the verdict first, every plot, then the long table
    of paired differences; the short KPI table may come before the plots."""
    page, _ = written
    table = page.index('<table class="differences">')
    assert page.index('class="headline"') < page.index('class="plotly-graph-div"')
    assert page.rindex('class="plotly-graph-div"') < table
    assert page.index('<table class="combinations">') < page.index('class="plotly-graph-div"')


def test_a_scenario_compared_with_itself_differs_by_zero(plan):
    """Common random numbers: the same scenario twice draws the same numbers in every
    replication, so every paired difference is exactly zero and never 'better'."""
    out = plan.parent / "self"
    result = invoke("compare", plan, plan, "--reps", REPS, "--out", out)
    assert result.exit_code == 0, result.output
    page = (out / "comparison.html").read_text(encoding="utf-8")
    assert_well_formed_offline(page)
    rows = TableCells(page, "differences").rows[1:]
    assert rows and {row[0] for row in rows} == {"plan#2:test-then-scale"}
    for _, metric, _, mean, p5, p50, p95, better, used in rows:
        assert {mean, p5, p50, p95} <= {"0", "0.00"}, metric
        assert better == ("—" if metric == "spend" else "0%")  # spend is not scored
        assert used == f"{REPS:,}" or metric == "cpa"  # a CPA may be undefined in a replication


def test_self_comparison_draws_every_dot_and_interval_at_zero(plan):
    scenario = load_scenario(plan)
    planned = combinations([(f"a/{plan.name}", scenario), (f"b/{plan.name}", scenario)], None)
    found = run_comparison(planned, replications=REPS, seed=3)
    (figure,) = comparison_figures(comparison_result(found, planned[0][0]))["differences"]
    for rows in dots_and_bars(figure).values():
        (row,) = rows.values()  # the one combination that is not the baseline
        assert row["mean"] == 0 and row["ci"] == (0, 0) and row["spread"] == (0, 0)


def test_a_lone_baseline_says_there_is_nothing_to_compare(plan):
    out = plan.parent / "lone"
    result = invoke("compare", plan, "--strategy", "spread", "--reps", 50, "--out", out)
    assert result.exit_code == 0, result.output
    parsed = assert_well_formed_offline((out / "comparison.html").read_text(encoding="utf-8"))
    assert "Only the baseline was run" in parsed.text
    assert parsed.plotly_divs == 2  # the funnel and the CPA boxes; no difference to draw
