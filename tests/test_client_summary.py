"""`smmsim run --summary`: the one-page client summary (summary.html).

Its numbers are read back off the page and set against result.json written by the same run
(each within half a unit of the printed rounding); it fetches nothing and carries no script; it
is written only when asked, and a later run without --summary leaves no stale copy; and printed
by headless Chromium it takes one A4 and one Letter sheet, for the largest bundled plan too."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from smmsim.cli import main
from smmsim.simulator.reports.summary_page import MAX_TARGETS, MAX_TOOLS
from tests.browser import chromium, render
from tests.helpers import minimal_scenario_data

EXAMPLES = Path(__file__).resolve().parents[1] / "scenarios" / "examples"
KIDS = EXAMPLES / "kids-shop.yaml"
TRAVEL = EXAMPLES / "travel-agency.yaml"  # the most tools and targets of the bundled plans

NUMBER = re.compile(r"-?[\d,]+(?:\.\d+)?%?")


def run_with_summary(scenario: Path, out: Path, *extra: str) -> Path:
    done = CliRunner().invoke(
        main, ["run", str(scenario), "--reps", "60", "--out", str(out), "--summary", *extra]
    )
    assert done.exit_code == 0, done.output
    return out / "summary.html"


@pytest.fixture(scope="module")
def kids(tmp_path_factory) -> Path:
    return run_with_summary(KIDS, tmp_path_factory.mktemp("kids") / "out")


@pytest.fixture(scope="module")
def travel(tmp_path_factory) -> Path:
    return run_with_summary(TRAVEL, tmp_path_factory.mktemp("travel") / "out")


class Cells(HTMLParser):
    """The text of each element carrying a data-kpi, data-arm, data-target or data-platform
    attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.kpi: dict[str, str] = {}
        self.arm: dict[str, str] = {}
        self.target: dict[str, str] = {}
        self.platform: dict[str, str] = {}
        self._open: list[tuple[str, dict[str, str], str]] = []  # (tag, its dict, key)

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        if tag == "td" and "data-kpi" in attr:
            self._open.append((tag, self.kpi, attr["data-kpi"]))
        elif tag == "tr" and "data-arm" in attr:
            self._open.append((tag, self.arm, attr["data-arm"]))
        elif tag == "tr" and "data-target" in attr:
            self._open.append((tag, self.target, attr["data-target"]))
        elif tag == "span" and "data-platform" in attr:
            self._open.append((tag, self.platform, attr["data-platform"]))

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data):
        for _, into, key in self._open:
            into[key] = into.get(key, "") + data + " "


def cells(page: Path) -> Cells:
    parser = Cells()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def numbers(text: str) -> list[float]:
    """The numbers of a cell as floats: '1,234 (1,000–1,500)' -> [1234, 1000, 1500]; a
    percentage as a fraction."""
    out = []
    for token in NUMBER.findall(text):
        value = float(token.rstrip("%").replace(",", ""))
        out.append(value / 100 if token.endswith("%") else value)
    return out


def decimals(text: str) -> int:
    """Digits after the point of a printed number ('25.57' -> 2, '73.0%' -> 3 as a fraction)."""
    token = NUMBER.findall(text)[0]
    places = len(token.split(".")[1].rstrip("%")) if "." in token else 0
    return places + 2 * token.endswith("%")


def close(printed: str, value: float) -> bool:
    """The printed number is `value` rounded: within half a unit of its last printed digit."""
    return abs(numbers(printed)[0] - value) <= 0.5 * 10 ** -decimals(printed) + 1e-12


def test_headline_kpis_equal_the_run_document(kids):
    document = json.loads((kids.parent / "result.json").read_text())
    shown = cells(kids).kpi
    assert {"conversions", "cpa", "reach", "clicks", "spend"} <= set(shown)
    for metric, text in shown.items():
        stats = document["totals"][metric]
        printed = text.replace("(", " ").split()  # mean, then 'low–high' where there is a range
        assert close(printed[0], stats["mean"]), (metric, text, stats)
        if stats["p5"] != stats["p95"] and len(printed) > 1:
            low, high = printed[1].rstrip(")").split("–")
            assert close(low, stats["p5"]) and close(high, stats["p95"]), (metric, text)


def test_plan_spend_and_shares_equal_the_run_document(kids):
    document = json.loads((kids.parent / "result.json").read_text())
    shown = cells(kids).arm
    assert set(shown) == set(document["arms"])  # every tool of the plan, no other
    total = document["totals"]["spend"]["mean"]
    shares = []
    for arm, text in shown.items():
        spend = document["arms"][arm]["metrics"]["spend"]["mean"]
        share = numbers(text)[-1]
        assert abs(numbers(text)[0] - spend) <= 0.005 + 1e-9, (arm, text)
        assert abs(share - spend / total) <= 0.0005 + 1e-9, (arm, text)
        shares.append(share)
    assert sum(shares) == pytest.approx(1.0, abs=0.002)  # the tools split the whole spend
    platforms = cells(kids).platform
    assert set(platforms) == {a["platform"] for a in document["arms"].values()}
    for platform, text in platforms.items():
        tools = [a for a in document["arms"].values() if a["platform"] == platform]
        spend = sum(a["metrics"]["spend"]["mean"] for a in tools)
        assert abs(numbers(text)[0] - spend / total) <= 0.0005 + 1e-9, (platform, text)


def test_targets_and_all_met_equal_the_run_document(kids):
    document = json.loads((kids.parent / "result.json").read_text())
    shown = cells(kids).target
    targets = {t["target"]: t for t in document["kpi_targets"]}
    assert set(shown) == set(targets)
    for name, text in shown.items():
        assert f"{targets[name]['probability']:.0%}" == text.split()[-1], (name, text)
    every = document["all_targets_met"]
    page = kids.read_text(encoding="utf-8")
    said = f"P(all {len(targets)} targets met in one campaign): {every['probability']:.0%}"
    assert said in page


def test_the_summary_is_light_and_fetches_nothing(kids, travel):
    for page in (kids, travel):
        text = page.read_text(encoding="utf-8")
        assert len(text.encode()) < 100_000
        # no script, stylesheet, image or font from anywhere: the page is one file
        assert "<script" not in text and "plotly" not in text.lower()
        assert not re.search(r"""(src|href)\s*=|url\(|@import|https?://""", text)


def test_written_only_with_summary_and_never_left_stale(tmp_path):
    out = tmp_path / "out"
    run_with_summary(KIDS, out, "--deterministic")
    assert (out / "summary.html").is_file()
    again = CliRunner().invoke(main, ["run", str(KIDS), "--deterministic", "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert (out / "report.html").is_file() and not (out / "summary.html").exists()
    assert "summary.html" not in again.output


def test_summary_needs_an_output_folder():
    done = CliRunner().invoke(main, ["run", str(KIDS), "--deterministic", "--summary"])
    assert done.exit_code != 0
    assert "--out" in done.output and "Traceback" not in done.output


def test_deterministic_summary_has_no_intervals(tmp_path):
    """One replication with no noise: single values, so no range is printed anywhere."""
    page = run_with_summary(KIDS, tmp_path / "out", "--deterministic")
    text = page.read_text(encoding="utf-8")
    assert 'class="ci"' not in text and "90% CI" not in text
    assert "a deterministic run" in text


def printed_pages(page: Path, paper: str, into: Path) -> int:
    """The page printed by headless Chromium on `paper` (its @page size swapped in): the
    number of sheets in the PDF."""
    text = page.read_text(encoding="utf-8")
    assert "size: A4;" in text
    copy = page.with_name(f".print-{paper}-{page.name}")
    copy.write_text(text.replace("size: A4;", f"size: {paper};"), encoding="utf-8")
    pdf = into / f"{paper}-{page.stem}.pdf"
    try:
        done = chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", copy.as_uri())
    finally:
        copy.unlink()
    assert done.returncode == 0 and pdf.is_file(), done.stderr[-600:]
    # Chromium writes each page object plainly; /Type /Pages (the tree) is not counted
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes()))


@pytest.mark.parametrize("paper", ["A4", "letter"])
def test_prints_on_one_sheet(browser, kids, travel, paper, tmp_path):
    for page in (kids, travel):
        assert printed_pages(page, paper, tmp_path) == 1, (page, paper)


def test_the_page_count_can_fail(browser, travel, tmp_path):
    """The count sees a second sheet: the same page with its targets listed five times over."""
    text = travel.read_text(encoding="utf-8")
    start = text.index("<tbody>", text.index("KPI targets")) + len("<tbody>")
    rows = text[start : text.index("</tbody>", start)]
    longer = tmp_path / "out" / "summary.html"
    longer.parent.mkdir()
    longer.write_text(text.replace(rows, rows * 5, 1), encoding="utf-8")
    assert printed_pages(longer, "A4", tmp_path) > 1


def test_opens_in_a_browser_without_errors_or_fetches(browser, kids):
    rendered = render(kids)
    assert rendered.errors == []
    assert all(url.startswith(("file:", "data:")) for url in rendered.resources)


def many_tools_plan(folder: Path) -> Path:
    """Ten platforms of one paid-ads tool each, a target on each platform's CPA and two on the
    whole campaign, tested then scaled: more than one sheet holds in full."""
    data = minimal_scenario_data()
    tool = data["platforms"][0]["tools"][0]
    names = [f"platform{i}" for i in range(10)]
    data["platforms"] = [
        {"name": n, "audience": 300_000, "tools": [{**tool, "budget_share": 0.1}]} for n in names
    ]
    data["kpis"] = [
        {"target": "cpa <= 40"},
        {"target": "conversions >= 200"},
        *({"target": "cpa <= 45", "platform": n} for n in names),
    ]
    data["strategy"] = {
        "type": "test-then-scale",
        "test": {"days": 14, "budget": 2000, "split": "even"},
        "decision": {"rule": "probability", "target_cpa": 40, "q": 0.6},
    }
    path = folder / "many-tools.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("many")
    return run_with_summary(many_tools_plan(folder), folder / "out")


def test_a_long_plan_is_cut_to_the_page_and_says_so(many):
    document = json.loads((many.parent / "result.json").read_text())
    shown = cells(many)
    hidden = set(document["arms"]) - set(shown.arm)
    assert len(shown.arm) == MAX_TOOLS and len(hidden) == len(document["arms"]) - MAX_TOOLS + 1
    # the tools left out are the smallest, and their row adds up their spend and share
    smallest = min(
        document["arms"][a]["metrics"]["spend"]["mean"] for a in shown.arm if a != "more"
    )
    spends = {a: document["arms"][a]["metrics"]["spend"]["mean"] for a in hidden}
    assert all(s <= smallest for s in spends.values())
    total = document["totals"]["spend"]["mean"]
    more = numbers(shown.arm["more"])  # count, spend, share
    assert more[0] == len(hidden)
    assert abs(more[1] - sum(spends.values())) <= 0.005 + 1e-6
    assert abs(more[2] - sum(spends.values()) / total) <= 0.0005 + 1e-9
    assert len(shown.target) == MAX_TARGETS - 1
    text = many.read_text(encoding="utf-8")
    assert f"{len(document['kpi_targets']) - MAX_TARGETS + 1} more targets" in text
    assert f"P(all {len(document['kpi_targets'])} targets met" in text


@pytest.mark.parametrize("paper", ["A4", "letter"])
def test_a_long_plan_still_prints_on_one_sheet(browser, many, paper, tmp_path):
    assert printed_pages(many, paper, tmp_path) == 1
