"""The HTML report: one well-formed page that works offline and names every platform and target."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pytest

from scenarios.loader import scenario_from_data
from simulator.engine import simulate
from simulator.report import FAN_MEASURES, fmt, report_figures, report_html
from simulator.result import Result
from simulator.summary import result_json
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


def run(data: dict, **kwargs) -> tuple[Result, dict, str]:
    result = simulate(scenario_from_data(data, "test.yaml"), **kwargs)
    document = result_json(result)
    return result, document, report_html(result, document)


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
    parsed = Page(page)
    assert parsed.mismatches == []
    assert parsed.stack == []
    assert len(PLOTLY_JS_BANNER.findall(page)) == 1  # plotly.js embedded exactly once
    assert page.count("window.PlotlyConfig") == 1
    external = [s for s in parsed.sources if re.match(r"\s*(https?:)?//", s, re.IGNORECASE)]
    assert external == []
    return parsed


def test_page_is_offline_and_well_formed(full_run):
    _, _, page = full_run
    assert page.startswith("<!DOCTYPE html>")
    assert_well_formed_offline(page)


def test_every_platform_and_target_label_is_shown(full_run):
    result, document, page = full_run
    text = Page(page).text
    for platform in result.arms.platforms:
        assert platform in text
    assert "<reels>" not in page.split("<script")[0]  # escaped where it is HTML
    labels = [t["target"] for t in document["kpi_targets"]]
    assert labels == [t.label for t in result.scenario.kpis]
    for label in labels:
        assert label in text


def test_one_plotly_div_per_figure(full_run):
    result, document, page = full_run
    figures = report_figures(result, document)
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
    fan = report_figures(result, document)["daily"][0]
    for i, measure in enumerate(FAN_MEASURES):
        p95, p5, p50, mean = fan.data[4 * i : 4 * i + 4]
        total = result.daily_sample[measure].sum(axis=2)
        np.testing.assert_allclose(p5.y, np.percentile(total, 5, axis=1))
        np.testing.assert_allclose(p50.y, np.percentile(total, 50, axis=1))
        np.testing.assert_allclose(p95.y, np.percentile(total, 95, axis=1))
        np.testing.assert_allclose(mean.y, result.daily_mean[measure].sum(axis=1))


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
