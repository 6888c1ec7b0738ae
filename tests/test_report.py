"""The HTML report: one well-formed page that works offline and names every platform and target,
and the strategy section: outcome, timeline of phases, decision log and regret."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import numpy as np
import pytest

from smmsim.scenarios.loader import scenario_from_data
from smmsim.simulator.engine import simulate
from smmsim.simulator.reports.kit import PLOTLYJS_FILE, fmt, with_plotlyjs
from smmsim.simulator.reports.run_page import (
    FAN_MEASURES,
    report_figures,
    report_html,
)
from smmsim.simulator.result import Result
from smmsim.simulator.studies.evaluation import evaluate, with_strategy
from smmsim.simulator.studies.run import RunResult, run_document
from smmsim.simulator.summary import result_json
from tests.helpers import minimal_scenario_data

REPS = 200
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
PLOTLY_JS_BANNER = re.compile(r"\* plotly\.js v\d")
ODD_PLATFORM = "tiktok & <reels>"  # must come through escaped


class Page(HTMLParser):
    """Parses a page: external sources, plotly divs, visible text, and whether tags nest."""

    def __init__(self, text: str):
        super().__init__()
        self.stack: list[str] = []
        self.mismatches: list[str] = []
        self.sources: list[str] = []
        self.plotly_divs = 0
        self.text_parts: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag in ("script", "img", "iframe", "source") and "src" in attr:
            self.sources.append(attr["src"])
        if tag == "link":
            self.sources.append(attr.get("href", ""))
        if "plotly-graph-div" in attr.get("class", "").split():
            self.plotly_divs += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.mismatches.append(f"</{tag}> closes {self.stack[-1:]}")

    def handle_data(self, data: str) -> None:
        if not self.stack or self.stack[-1] not in ("script", "style"):
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(self.text_parts)


def typed(result: Result, document: dict, oracle: Result | None = None) -> RunResult:
    """The typed run the page reads, from a document with or without a strategy section."""
    return RunResult.from_dict(document, simulation=result, oracle=oracle)


def run(data: dict, **kwargs) -> tuple[Result, dict, str]:
    result = simulate(scenario_from_data(data, "test.yaml"), **kwargs)
    document = result_json(result)
    return result, document, report_html(typed(result, document))


@pytest.fixture(scope="module")
def full_run() -> tuple[Result, dict, str]:
    """Two platforms (one with an odd name), revenue and targets of every kind."""
    data = minimal_scenario_data()
    data["campaign"]["average_order_value"] = 40
    first = data["platforms"][0]
    first["tools"][0]["budget_share"] = 0.6
    second = {**first, "name": ODD_PLATFORM, "audience": 300000}
    second["tools"] = [{**first["tools"][0], "budget_share": 0.4}]
    data["platforms"].append(second)
    data["kpis"] = [
        {"target": "cpa <= 30"},
        {"target": "joins >= 100", "month": 1},
        {"target": "joins >= 150", "month": 2},
        {"target": "ctr >= 1%", "platform": ODD_PLATFORM},
        {"target": "roas >= 1.2"},
    ]
    return run(data, replications=REPS)


def assert_well_formed_offline(page: str) -> Page:
    """A page as built loads plotly.js once, from the file beside it, and nothing else; written
    inline it holds plotly.js once and loads nothing at all."""
    parsed = Page(page)
    assert parsed.mismatches == []
    assert parsed.stack == []
    assert parsed.sources == [PLOTLYJS_FILE]  # by relative path, so the folder opens offline
    assert page.count("window.PlotlyConfig") == 1
    inline = with_plotlyjs(page, "inline")
    assert len(PLOTLY_JS_BANNER.findall(inline)) == 1  # plotly.js embedded exactly once
    assert Page(inline).sources == []
    assert inline.count("window.PlotlyConfig") == 1
    return parsed


def test_page_is_offline_and_well_formed(full_run):
    _, _, page = full_run
    assert page.startswith("<!DOCTYPE html>")
    assert_well_formed_offline(page)


def test_every_platform_and_target_label_is_shown(full_run):
    result, document, page = full_run
    text = Page(page).text
    for platform in result.lines.platforms:
        assert platform in text
    assert "<reels>" not in page.split("<script")[0]  # escaped where it is HTML
    labels = [t["target"] for t in document["kpi_targets"]]
    assert labels == [t.label for t in result.scenario.kpis]
    for label in labels:
        assert label in text


def test_one_plotly_div_per_figure(full_run):
    result, document, page = full_run
    figures = report_figures(typed(result, document))
    made = sum(len(f) for f in figures.values())
    # funnel, daily totals, daily conversions per platform, and one chart for each
    # (metric, platform, whole campaign or single month) group of targets: cpa, joins, ctr, roas
    assert made == 3 + 4
    assert Page(page).plotly_divs == made


def test_target_odds_show_each_month_of_whole_campaign_targets(full_run):
    _, document, page = full_run
    targets = document["kpi_targets"]
    whole_campaign = [t for t in targets if t["month"] is None]
    cells = len(targets) + len(whole_campaign) * len(document["months"])
    assert page.count('class="odds"') == cells


def test_daily_fan_quantiles_are_of_the_total_over_arms(full_run):
    result, document, _ = full_run
    fan = report_figures(typed(result, document))["daily"][0]
    for i, measure in enumerate(FAN_MEASURES):
        p95, p5, p50, mean = fan["data"][4 * i : 4 * i + 4]
        total = result.daily_sample[measure].sum(axis=2)
        np.testing.assert_allclose(p5["y"], np.percentile(total, 5, axis=1))
        np.testing.assert_allclose(p50["y"], np.percentile(total, 50, axis=1))
        np.testing.assert_allclose(p95["y"], np.percentile(total, 95, axis=1))
        np.testing.assert_allclose(mean["y"], result.daily_mean[measure].sum(axis=1))


def test_deterministic_run_has_no_intervals():
    result, _, page = run(minimal_scenario_data(), deterministic=True)
    assert result.replications == 1
    parsed = assert_well_formed_offline(page)
    assert "priors at their means" in parsed.text
    assert 'class="ci"' not in page  # single-point intervals are not printed
    assert parsed.plotly_divs == 3  # no targets: funnel and the two daily figures


def test_scenario_without_targets_or_order_value():
    _, document, page = run(minimal_scenario_data(), replications=REPS)
    assert document["kpi_targets"] == []
    assert "revenue" not in document["totals"]
    parsed = assert_well_formed_offline(page)
    assert "facebook" in parsed.text
    assert "sets no KPI targets" in parsed.text
    assert "revenue" not in parsed.text and "roas" not in parsed.text
    assert parsed.plotly_divs == 3


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (12000, "currency", "12,000.00"),
        (0.0123, "share", "1.23%"),
        (0.5, "share", "50.0%"),
        (1234567.4, "count", "1,234,567"),
        (34.0, "count", "34"),
        (3.44, "count", "3.4"),
        (float("nan"), "currency", "n/a"),
        (None, "count", "n/a"),
    ],
)
def test_number_formats(value, unit, text):
    assert fmt(value, unit) == text


# --- the strategy section ---


def three_arm_data() -> dict:
    """Three platforms, one paid-ads arm each; a test-then-scale strategy that tests two of them,
    extends the test where evidence is short and has a stop-loss."""
    data = minimal_scenario_data()
    first = data["platforms"][0]
    first["tools"][0]["budget_share"] = 0.4
    for name, ctr in (("instagram", 0.012), ("tiktok", 0.008)):
        tool = {**first["tools"][0], "budget_share": 0.3, "ctr": {"mean": ctr, "sd": 0.003}}
        data["platforms"].append({**first, "name": name, "tools": [tool]})
    data["strategy"] = {
        "type": "test-then-scale",
        "test": {"days": 10, "arms": ["facebook", "instagram"], "if_insufficient": "extend"},
        "decision": {"target_cpa": 40},
        "scale": {"stop_loss": {"margin": 0.3}},
    }
    return data


def strategy_run(data: dict, strategy: str | None = None) -> tuple[Result, Result, dict]:
    scenario = scenario_from_data(data, "test.yaml")
    if strategy:
        scenario = with_strategy(scenario, strategy, "test.yaml")
    done = evaluate(scenario, replications=REPS)
    return done.result, done.oracle, run_document(done.result, done.oracle)


@pytest.fixture(scope="module")
def test_then_scale() -> tuple[Result, Result, dict]:
    return strategy_run(three_arm_data())


def strategy_figure(result: Result, document: dict, oracle: Result | None, title: str):
    """The strategy figure whose title starts with `title`."""
    figures = report_figures(typed(result, document, oracle))["strategy"]
    return next(f for f in figures if f["layout"]["title"]["text"].startswith(title))


def test_strategy_section_is_shown_for_a_test_then_scale_run(test_then_scale):
    result, oracle, document = test_then_scale
    page = report_html(typed(result, document, oracle))
    parsed = assert_well_formed_offline(page)
    assert "Strategy: test-then-scale" in parsed.text
    assert "<script src=" not in page and "<link" not in page  # nothing loaded from outside
    # funnel, two daily figures (no targets), then timeline, decision log and regret histogram
    assert parsed.plotly_divs == 3 + 3
    for measure in ("regret", "cost of testing", "kept arms include the truly best"):
        assert measure in parsed.text


def test_strategy_settings_read_as_words_never_a_python_repr(test_then_scale):
    # The settings hold a list (the tested arms) and a block with an unset value (stop_loss's
    # min_spend): a planner reads '(margin 0.3, min spend none)', not "{'margin': 0.3, ...}".
    result, oracle, document = test_then_scale
    text = Page(report_html(typed(result, document, oracle))).text
    assert "arms (facebook, instagram)" in text
    assert "stop loss (margin 0.3, min spend none)" in text
    for repr_mark in ("{'", "['", "None", "True", "False"):
        assert repr_mark not in text


def test_timeline_has_the_documents_phases_and_decision_days(test_then_scale):
    result, oracle, document = test_then_scale
    outcome = document["strategy"]
    timeline = strategy_figure(result, document, oracle, "Timeline")
    bars = timeline["data"][0]
    phases = outcome["phases"]
    assert list(bars["y"]) == [p["phase"] for p in phases]
    assert len(phases) == 3  # test, its extension and scale (which overlaps the extension)
    assert list(bars["base"]) == [p["start"] for p in phases]
    # each bar spans its phase's days, the end day exclusive, in plotly's milliseconds
    day_ms = 86_400_000
    assert list(bars["x"]) == [(p["end_day"] - p["start_day"]) * day_ms for p in phases]
    start = result.dates[0]
    marked = [shape["x0"] for shape in timeline["layout"]["shapes"]]
    assert marked == [(start + timedelta(days=d)).isoformat() for d in outcome["decision_days"]]
    assert outcome["decision_days"] == [10, 17]  # end of the test, end of the extension


def test_decision_log_has_every_arm_and_one_truly_best_arm(test_then_scale):
    result, oracle, document = test_then_scale
    figure = strategy_figure(result, document, oracle, "Decision log")
    for trace in figure["data"]:
        assert list(trace["x"]) == list(result.lines.names)
    by_name = {trace["name"]: trace for trace in figure["data"]}
    # exactly one arm is truly best in each replication, so the shares add up to 1
    assert sum(by_name["truly best"]["y"]) == pytest.approx(1.0)
    # only tested arms can be kept or dropped after the test: the untested arm gets neither
    untested = list(result.lines.names).index("tiktok/paid_ads")
    assert by_name["kept"]["y"][untested] == 0 and by_name["dropped"]["y"][untested] == 0
    assert "(not tested)" in figure["layout"]["xaxis"]["ticktext"][untested]


def test_regret_histogram_is_of_the_paired_regret_and_needs_the_oracle(test_then_scale):
    result, oracle, document = test_then_scale
    without = report_figures(typed(result, document))["strategy"]
    assert [f["layout"]["title"]["text"].split(" ")[0] for f in without] == ["Timeline", "Decision"]
    page = report_html(typed(result, document))
    assert "Regret per replication" not in page
    assert Page(page).plotly_divs == 3 + 2
    histogram = strategy_figure(result, document, oracle, "Regret per replication")["data"][0]
    regret = oracle.kpis()["conversions"] - result.kpis()["conversions"]
    assert sum(histogram["y"]) == pytest.approx(1.0)  # every replication falls in one bin
    # bins weighted by their centres give back the document's mean regret within half a bin
    centre_mean = float(np.dot(histogram["x"], histogram["y"]))
    half_bin = max(histogram["width"]) / 2
    assert abs(centre_mean - document["strategy"]["regret"]["conversions"]["mean"]) <= half_bin
    assert document["strategy"]["regret"]["conversions"]["mean"] == pytest.approx(regret.mean())


def test_a_static_strategy_has_one_phase_and_no_decision_day():
    result, oracle, document = strategy_run(three_arm_data(), "spread")
    timeline = strategy_figure(result, document, oracle, "Timeline")
    assert list(timeline["data"][0]["y"]) == ["campaign"]
    assert "shapes" not in timeline["layout"]  # spread never changes its split
    page = report_html(typed(result, document, oracle))
    assert "Strategy: spread" in assert_well_formed_offline(page).text
    assert document["strategy"]["cost_of_testing"] is None
    assert '<th scope="row">cost of testing' not in page  # no test, so no row costing it
    assert '<th scope="row">regret' in page  # regret against the oracle applies to any strategy


def test_a_document_without_strategy_has_no_strategy_section(full_run):
    result, document, page = full_run
    assert "strategy" not in document
    assert "strategy" not in report_figures(typed(result, document))
    assert "Strategy" not in Page(page).text
