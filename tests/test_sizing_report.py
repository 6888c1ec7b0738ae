"""sizing.html: an offline page that escapes the scenario's name, marks both recommended test sizes,
draws one curve per test length, lists every sweep point, and still renders when the target is not
reached, no positive test exists or no CPA gap is detectable.

The documents are built here as JSON, small but complete in the shape `sizing_document` writes,
and read into a `SizingResult` as sizing.json would be, so these tests need no simulation and pin
what the page reads."""

from __future__ import annotations

import re

import plotly.graph_objects as go
import pytest

from smmsim.simulator.reports import sizing_page
from smmsim.simulator.reports.sizing_page import percent, sizing_html
from smmsim.simulator.studies.sizing.document import SizingResult
from tests.plotly_form import drawn
from tests.test_comparison_report import TableCells
from tests.test_report import Page, assert_well_formed_offline

ODD_NAME = "Spring <b>& sale"  # must come through escaped
BUDGETS = (0.0, 500.0, 1000.0, 2000.0)
PCS = (0.6, 0.75, 0.85, 0.9)
CONVERSIONS = (400.0, 380.0, 420.0, 410.0)  # the optimum is a positive test: 1000
GAPS = (None, 0.6, 0.35, 0.22)


def estimate(mean: float) -> dict:
    return {
        "mean": mean,
        "ci_low": mean - 5,
        "ci_high": mean + 5,
        "p5": mean - 80,
        "p95": mean + 80,
    }


def proportion(p: float) -> dict:
    return {"probability": p, "p5": max(0.0, p - 0.03), "p95": min(1.0, p + 0.03)}


def sweep_point(budget: float, days: int, pcs: float, conversions: float, gap) -> dict:
    return {
        "test_budget": budget,
        "test_days": days,
        "correct_selection": proportion(pcs),
        "kept_best": proportion(min(1.0, pcs + 0.05)),
        "chosen_within_margin": proportion(min(1.0, pcs + 0.08)),
        "conversions": estimate(conversions),
        "cpa": {"mean": 30.0, "ci_low": 29.0, "ci_high": 31.0},
        "spend": estimate(12000.0),
        "unspent": estimate(0.0),
        "regret": estimate(450 - conversions),
        "cost_of_test": estimate(budget / 100),
        "test_spend": estimate(budget),
        "test_extended": proportion(0.0),
        "refined": budget == 1000.0,
        "reference_test_conversions": budget / 40,
        "detectable_cpa_gap": gap,
    }


def key(p: dict) -> dict:
    return {"test_budget": p["test_budget"], "test_days": p["test_days"]}


def gap_of(best: dict, p: dict) -> dict:
    gap = best["conversions"]["mean"] - p["conversions"]["mean"]
    return {"mean": gap, "ci_low": gap - 3, "ci_high": gap + 3}


def recommendations(points: list[dict], target: float) -> dict:
    """What `simulator.studies.sizing.recommend` reports, read off the points' means."""
    best = max(points, key=lambda p: (p["conversions"]["mean"], -p["test_budget"]))
    tests = [p for p in points if p["test_budget"] > 0]
    top = max(tests, key=lambda p: p["conversions"]["mean"]) if tests else None
    reaching = [p for p in points if p["correct_selection"]["probability"] >= target]
    reaching.sort(key=lambda p: (p["test_budget"], p["test_days"]))
    if reaching:
        first = reaching[0]
        chosen = {
            **key(first),
            "correct_selection": first["correct_selection"],
            "conversions": first["conversions"],
            "conversions_below_best": gap_of(best, first),
        }
    else:
        highest = max(points, key=lambda p: p["correct_selection"]["probability"])
        chosen = {
            "test_budget": None,
            "test_days": None,
            "highest": {**key(highest), "correct_selection": highest["correct_selection"]},
        }
    return {
        "most_conversions": {
            **key(best),
            "conversions": best["conversions"],
            "as_good_within_error": [key(best)],
            "best_test": None
            if top is None
            else {
                **key(top),
                "conversions": top["conversions"],
                "conversions_below_best": gap_of(best, top),
            },
        },
        "target_selection": {"target": target, **chosen},
    }


def sizing_document(
    lengths: tuple[int, ...] = (28,),
    budgets: tuple[float, ...] = BUDGETS,
    conversions: tuple[float, ...] = CONVERSIONS,
    gaps: tuple = GAPS,
    target: float = 0.8,
) -> dict:
    """A complete document: the same curve for every test length, a little fewer conversions for
    each longer one, so every length is a distinct trace."""
    points = [
        sweep_point(budget, days, pcs, conv - i, gap)
        for i, days in enumerate(lengths)
        for budget, pcs, conv, gap in zip(budgets, PCS, conversions, gaps, strict=False)
    ]
    return {
        "source": "plans/spring.yaml",
        "scenario": ODD_NAME,
        "seed": 7,
        "replications": 500,
        "currency": "EUR",
        "campaign_budget": 20000.0,
        "margin": 0.2,
        "target_pcs": target,
        "decision": {
            "rule": "probability",
            "target_cpa": 45.0,
            "q": 0.6,
            "k": 1,
            "if_none_kept": "best",
        },
        "points": points,
        "oracle": {str(days): estimate(450.0) for days in lengths},
        "recommendations": recommendations(points, target),
        "planned_test": {
            "test_budget": 1500.0,
            "test_days": lengths[0],
            "detectable_cpa_gap": 0.3 if any(g is not None for g in gaps) else None,
        },
        "reference_arm": {
            "arm": "facebook/paid_ads",
            "conversions_per_money": 0.05,
            "cvr": 0.012,
            "cost_per_click": 0.25,
            "tested": 3,
        },
        "classical": {
            "base_rate": 0.012,
            "other_rate": 0.01,
            "relative_gap": 0.2,
            "alpha": 0.05,
            "power": 0.8,
            "clicks_per_arm": 42607,
            "budget": 31955.25,
            "share_of_campaign": 1.5977625,
        },
    }


def sizing_result(**options) -> SizingResult:
    """`sizing_document(**options)` as the typed result the page takes."""
    return SizingResult.from_dict(sizing_document(**options))


def sizing_figures(result: SizingResult) -> dict[str, list[go.Figure]]:
    """The page's figures (plain specs), held to plotly's form and read through plotly."""
    return drawn(sizing_page.sizing_figures(result))


def vline_xs(figure) -> list[float]:
    """x of the dashed vertical marks (`x_mark` spans the plot's height: yref 'paper')."""
    return [s.x0 for s in figure.layout.shapes if s.yref == "paper"]


def hline_ys(figure) -> list[float]:
    return [s.y0 for s in figure.layout.shapes if s.xref == "paper"]


def mean_traces(figure) -> list:
    """The curves themselves, not their interval bands (whose edges draw no markers)."""
    return [t for t in figure.data if t.mode == "lines+markers"]


def without_scripts(page: str) -> str:
    return re.sub(r"<script\b.*?</script>", "", page, flags=re.DOTALL)


@pytest.fixture(scope="module")
def document() -> SizingResult:
    return sizing_result()


@pytest.fixture(scope="module")
def page(document) -> str:
    return sizing_html(document)


def test_page_is_offline_and_well_formed(document, page):
    # The page is mailed around and opened without a network: one plotly.js, inline, and no
    # outside script, stylesheet or image; tags must nest or browsers repair them differently.
    assert page.startswith("<!DOCTYPE html>")
    parsed = assert_well_formed_offline(page)
    made = sum(len(figures) for figures in sizing_figures(document).values())
    assert parsed.plotly_divs == made == 5  # conversions, P(correct), regret, cost, CPA gap


def test_scenario_name_is_escaped(page):
    # A scenario's name is free text from the planner's file; as markup it would break the page.
    assert ODD_NAME not in without_scripts(page)
    assert "Spring &lt;b&gt;&amp; sale" in page
    assert ODD_NAME in Page(page).text  # and still reads as written


def test_both_recommendations_are_marked_in_both_figures(document):
    # The planner reads the answers off the curves: each must be marked where its budget is.
    recs = document.recommendations
    best = recs.most_conversions.test_budget
    chosen = recs.target_selection.test_budget
    assert (best, chosen) == (1000.0, 1000.0)  # 0.85 is the first P(correct) at or above 0.8
    figures = sizing_figures(document)
    for figure in (figures["conversions"][0], figures["pcs"][0]):
        assert sorted(vline_xs(figure)) == [best, chosen]
    labels = [a.text for a in figures["pcs"][0].layout.annotations]
    assert "most conversions" in labels
    assert "P(correct) ≥ 80%" in labels


def test_distinct_recommendations_mark_distinct_budgets():
    # With the optimum at no test, the two marks sit apart: 0 must be on the axis and marked.
    document = sizing_result(conversions=(430.0, 380.0, 420.0, 410.0))
    figure = sizing_figures(document)["conversions"][0]
    assert sorted(vline_xs(figure)) == [0.0, 1000.0]
    assert figure.layout.xaxis.rangemode == "tozero"


def test_target_and_oracle_are_horizontal_lines(document):
    # The target is what the P(correct) curve is read against, the oracle the ceiling of the
    # conversions curve.
    figures = sizing_figures(document)
    assert hline_ys(figures["pcs"][0]) == [document.target_pcs]
    assert hline_ys(figures["conversions"][0]) == [document.oracle["28"].mean]


def test_target_not_reached_renders_and_says_so():
    # No size reaching the target is an answer too: the page must say so and give the best seen,
    # and mark only the answer that exists.
    document = sizing_result(target=0.95)
    assert not document.recommendations.target_selection.reached
    page = sizing_html(document)
    assert_well_formed_offline(page)
    text = Page(page).text
    assert "none of the sizes tried reaches it" in text
    assert "90.0%" in text  # the highest P(correct), at 2000
    figures = sizing_figures(document)
    assert vline_xs(figures["pcs"][0]) == [1000.0]  # most conversions only


def test_optimum_without_test_names_the_best_test():
    # When not testing wins, "if we test, how much?" still needs an answer and its price.
    document = sizing_result(conversions=(430.0, 380.0, 420.0, 410.0))
    text = Page(sizing_html(document)).text
    assert "no test (decide on the priors): 430" in text
    assert "1,000.00 EUR over 28 days: 420 (415–425) conversions, 10 (7–13) fewer" in text


def test_several_lengths_give_one_curve_per_length():
    # Test lengths are compared on one axis: each gets its own curve (and band), not a zigzag.
    document = sizing_result(lengths=(14, 28))
    figures = sizing_figures(document)
    for name in ("conversions", "pcs"):
        names = [t.name for t in mean_traces(figures[name][0])]
        assert len(names) == 2
        assert [n.split(":")[0] for n in names] == ["14-day test", "28-day test"]
    for figure in figures["costs"]:
        assert len(mean_traces(figure)) == 2
    kept = [t for t in figures["pcs"][0].data if "kept best" in t.name]
    assert len(kept) == 2
    assert_well_formed_offline(sizing_html(document))


def test_oracle_is_drawn_once_unless_lengths_differ():
    # The oracle never tests, so on common random numbers every length has the same one: a line
    # per length would stack identical lines and hide each other's labels.
    document = sizing_document(lengths=(14, 28))
    assert hline_ys(sizing_figures(SizingResult.from_dict(document))["conversions"][0]) == [450.0]
    document["oracle"]["14"] = estimate(455.0)
    figure = sizing_figures(SizingResult.from_dict(document))["conversions"][0]
    assert sorted(hline_ys(figure)) == [450.0, 455.0]
    labels = {a.text for a in figure.layout.annotations}
    assert {"oracle 455 (14 days)", "oracle 450 (28 days)"} <= labels


def test_each_curve_has_its_interval_band(document):
    # Without the band a planner cannot tell a real bump from Monte Carlo noise.
    figure = sizing_figures(document)["conversions"][0]
    filled = [t for t in figure.data if t.fill == "tonexty"]
    assert len(filled) == 1
    assert list(filled[0].y) == [p.conversions.ci_low for p in document.points]


def test_table_has_one_row_per_point(document, page):
    # The table is the record behind the curves: every point, refined ones and answers tagged.
    rows = TableCells(page, "sweep").rows
    assert len(rows) == 1 + len(document.points)
    body = rows[1:]
    assert [r[0] for r in body] == [
        "no test",
        "500.00",
        "1,000.00refinedmost conversionssmallest reaching 80%",
        "2,000.00",
    ]
    assert [r[-1] for r in body] == ["none", "60.0%", "35.0%", "22.0%"]
    assert body[2][2] == "85.0% (82.0%–88.0%)"


def test_undetectable_gaps_read_none_and_drop_the_gap_figure():
    # A test too small to tell any gap apart has no gap to draw; the page says so in words.
    document = sizing_result(gaps=(None,) * 4)
    page = sizing_html(document)
    assert_well_formed_offline(page)
    assert len(sizing_figures(document)["costs"]) == 2
    assert [r[-1] for r in TableCells(page, "sweep").rows[1:]] == ["none"] * 4
    assert "too small to tell any CPA gap apart" in Page(page).text


def test_single_point_renders():
    # A sweep of one size (no test at all) has no best positive test and nothing to compare.
    document = sizing_result(budgets=(0.0,), gaps=(None,))
    assert document.recommendations.most_conversions.best_test is None
    page = sizing_html(document)
    assert_well_formed_offline(page)
    assert len(TableCells(page, "sweep").rows) == 2
    assert "no other size" in Page(page).text


def test_no_test_counts_once_across_lengths():
    # Budget 0 appears once per test length but is one campaign (no test): listing it twice
    # would read as two equally good sizes, and "0 fewer than the optimum" as a finding.
    document = sizing_document(lengths=(14, 28), conversions=(430.0, 380.0, 420.0, 410.0))
    document["recommendations"]["most_conversions"]["as_good_within_error"] = [
        {"test_budget": 0.0, "test_days": 14},
        {"test_budget": 0.0, "test_days": 28},
    ]
    document["recommendations"]["target_selection"] = {
        "target": 0.8,
        "test_budget": 0.0,
        "test_days": 28,
        "correct_selection": proportion(0.81),
        "conversions": estimate(429.0),
        "conversions_below_best": {"mean": 0.0, "ci_low": 0.0, "ci_high": 0.0},
    }
    text = Page(sizing_html(SizingResult.from_dict(document))).text
    assert "no other size" in text
    assert "the most-conversions size itself" in text


@pytest.mark.parametrize(
    "share, text",
    [(0.12, "12%"), (0.01, "1%"), (0.0044, "0.4%"), (0.00044, "0.04%"), (0.0, "0%")],
)
def test_a_small_share_of_the_classical_budget_is_never_zero(share, text):
    # 133 EUR against a classical 29,907 EUR read "0% of the classical budget".
    assert percent(share) == text
