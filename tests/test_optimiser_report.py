"""optimise.html and the terminal summary of `smmsim optimise`: an offline page with its four
plots, the best share of every tool, the baselines compared, and pages that still render when no
trial has completed, when fANOVA gave no importances, or for older documents without a currency.

One real document is made once, by running the library on the kids-shop example with few trials
and replications (a few seconds), so the page is tested against the shape the optimiser writes
today; the edge cases are small edits of its JSON, read back into the typed document
(`edited`), each saying what it stands for.
"""

from __future__ import annotations

import copy
import re

import optuna
import plotly.graph_objects as go
import pytest

from smmsim.scenarios.loader import load_scenario
from smmsim.simulator.consoles.optimiser import NO_TRIAL, print_optimisation
from smmsim.simulator.reports import optimiser_page
from smmsim.simulator.reports.kit import fmt
from smmsim.simulator.reports.optimiser_page import TITLES, report_html, storage_text
from smmsim.simulator.studies.optimiser.document import OptimisationResult
from smmsim.simulator.studies.optimiser.job import OptimiseJob, default_study_name, optimise
from smmsim.simulator.studies.optimiser.storage import default_url
from smmsim.simulator.studies.optimiser.study import settings_of
from tests.helpers import kids_shop_fixed
from tests.plotly_form import drawn
from tests.test_comparison_report import TableCells
from tests.test_report import Page, assert_well_formed_offline

BASELINES = ("as written", "spread", "best-guess")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> OptimisationResult:
    """A real optimisation document: 3 paid-ads tools split under `fixed` (kids-shop's own plan
    tests its tools instead), no tactics, no risk limit."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    out = tmp_path_factory.mktemp("optimise")
    source = kids_shop_fixed(out)
    scenario = load_scenario(source)
    settings = settings_of(scenario, trials=6, replications=20)
    job = OptimiseJob(
        source=source,
        scenario=scenario,
        settings=settings,
        storage_url=default_url(out),
        study_name=default_study_name(source, settings),
        out_dir=out,
        final_replications=50,
    )
    return optimise(job)


@pytest.fixture(scope="module")
def page(document) -> str:
    return report_html(document)


def edited(document: OptimisationResult, edit) -> OptimisationResult:
    """The document with `edit` applied to a copy of its JSON, read back as a typed one."""
    data = copy.deepcopy(document.to_dict())
    edit(data)
    return OptimisationResult.from_dict(data)


def no_trial_yet(document: OptimisationResult) -> OptimisationResult:
    """What a study interrupted before its first trial completed writes."""

    def empty(data: dict) -> None:
        data.update(best=None, evaluation=None, history=[], pareto_front=[], importances={})
        data["trials"] = {**data["trials"], "completed": 0}

    return edited(document, empty)


def with_risk_limit(document: OptimisationResult) -> OptimisationResult:
    """A study under a risk limit that half its trials broke, whose best has tactics."""
    return edited(document, risk_limited)


def risk_limited(limited: dict) -> None:
    limited["max_risk"] = 0.2
    for i, row in enumerate(limited["history"]):
        row.update(risk=0.5 if i % 2 else 0.1, feasible=not i % 2)
    limited["best"]["tactics"] = [
        {
            "tool": "forums/seeding",
            "type": "seeding",
            "intensity": 0.5,
            "planned_units": 340.0,
            "units": 170.0,
            "per_week": 13.1,
        }
    ]


def report_figures(document: OptimisationResult) -> dict[str, list[go.Figure]]:
    """The page's figures (plain specs), held to plotly's form and read through plotly."""
    return drawn(optimiser_page.report_figures(document))


def ids_blanked(page: str) -> str:
    return UUID.sub("<id>", page)


def outside_scripts(page: str) -> str:
    """The page without its scripts: plotly.js names its own web site in string literals."""
    return SCRIPT.sub("", page)


# --- the page ---


def test_page_is_offline_and_well_formed(page):
    # A planner opens it on a laptop on a train: nothing may load from the network.
    assert page.startswith("<!DOCTYPE html>")
    assert_well_formed_offline(page)  # plotly.js once, no outside script, link or font
    rest = outside_scripts(page)
    assert 'src="http' not in rest
    assert 'href="http' not in rest


def test_page_has_the_four_plot_sections(document):
    # History, importances, risk and marginal CPA each get their section and one figure when
    # trials carried a backlash risk.
    text = Page(report_html(with_risk_limit(document))).text
    for title in TITLES.values():
        assert title in text
    assert Page(report_html(with_risk_limit(document))).plotly_divs == 4


def test_riskless_study_says_so_instead_of_a_pareto_plot(document, page):
    # kids-shop split under `fixed` has no tactic, so no trial carries any backlash risk: the
    # Pareto plot would be a row of dots on zero; a line says so instead.
    assert all(r.risk == 0 for r in document.history)
    assert report_figures(document)["pareto"] == []
    text = Page(page).text
    assert TITLES["pareto"] not in text
    assert "No backlash risk in any of the" in text
    assert Page(page).plotly_divs == 3


def test_importances_are_keyed_by_budget_shares(document, page):
    # The split is searched in stick-breaking coordinates (share.<tool> is a fraction of what is
    # left); the planner reads importances of each tool's budget share instead.
    tools = set(document.best.candidate.shares)
    assert document.importances and set(document.importances) == {f"{t} share" for t in tools}
    assert sum(document.importances.values()) == pytest.approx(1.0)
    assert any(name.startswith("share.") for r in document.history for name in r.params)
    (figure,) = report_figures(document)["importances"]
    assert set(figure.data[0].y) == set(document.importances)


def test_older_importances_by_coordinate_are_flagged(document, page):
    # optimise.json written before carries `share.<platform>` coordinates: the page warns that
    # they are not budget shares; today's document has no such warning.
    assert "written before importances were computed" not in page

    def older(data: dict) -> None:
        data["importances"] = {"share.facebook": 0.7, "share.instagram": 0.3}

    assert "written before importances were computed" in report_html(edited(document, older))


def test_storage_path_is_not_on_the_page(document, page):
    # The study's SQLite path names the user's folders and is no business of a client; the page
    # says what kind of storage it is, optimise.json keeps the URL to resume.
    assert document.storage.startswith("sqlite:///")
    database = document.storage.removeprefix("sqlite:///")
    assert database not in page and document.storage not in page
    assert "a SQLite file" in Page(page).text


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("postgresql://bob:***@db.example:5432/smm", "a PostgreSQL server"),
        ("postgresql+psycopg2://bob@db.example/smm?password=***", "a PostgreSQL server"),
        ("sqlite:///home/bob/plans/study.db", "a SQLite file"),
        ("sqlite://", "memory"),
    ],
)
def test_storage_is_described_without_its_address(url, kind):
    text = storage_text(url)
    assert text.startswith(kind)
    assert not any(part in text for part in ("bob", "db.example", "/home", "smm", "***"))


def test_marginal_cpa_bars_carry_their_intervals(document):
    # Each bar's whiskers reach the 90% interval the final evaluation's replications gave it.
    (figure,) = report_figures(document)["marginal"]
    bars = figure.data[0]
    rows = document.evaluation.marginal_cpa
    with_interval = [r for r in rows if r.marginal_cpa is not None and r.ci_low is not None]
    assert with_interval
    for i, r in enumerate(rows):
        if r in with_interval:
            assert bars.error_y.array[i] == pytest.approx(r.ci_high - r.marginal_cpa)
            assert bars.error_y.arrayminus[i] == pytest.approx(r.marginal_cpa - r.ci_low)
            tick = figure.layout.xaxis.ticktext[i]  # the numbers under the tool, in words
            assert tick.startswith(r.tool) and f"({fmt(r.ci_low, 'currency')}–" in tick


def test_best_share_of_each_tool_appears(document, page):
    # The allocation is the answer the planner came for: every paid-ads tool and its share.
    rows = {r[0]: r for r in TableCells(page, "allocation").rows[1:]}
    shares = document.best.candidate.shares
    assert len(shares) == 3
    for tool, share in shares.items():
        name = next(n for n in rows if n.startswith(tool))
        assert rows[name][1] == fmt(share, "share")


def test_every_baseline_is_compared(document, page):
    # Each baseline has its row with expected CPA, conversions, backlash and the paired deltas.
    rows = TableCells(page, "comparison").rows[1:]
    assert [r[0] for r in rows] == ["optimised", *BASELINES]
    spread = document.evaluation.plans["spread"]
    spend, conversions = spread.spend.mean, spread.conversions.mean
    assert rows[2][1] == fmt(spend / conversions, "currency")


def test_identical_baseline_reads_as_a_tie(document):
    # best-guess is often the optimum itself: all-zero differences with P(better) 0 are a tie,
    # and must not read as 'the optimum is never better'.
    zero = dict.fromkeys(("mean", "p5", "p50", "p95", "ci_low", "ci_high"), 0.0)

    def identical(data: dict) -> None:
        data["evaluation"]["against"]["best-guess"] = {
            k: {**zero, "probability_better": 0.0, "replications_used": 50}
            for k in ("conversions", "cpa")
        }

    tied = edited(document, identical)
    rows = {r[0]: r for r in TableCells(report_html(tied), "comparison").rows[1:]}
    assert "same outcome in every campaign" in rows["best-guess"]


def test_renders_without_a_completed_trial(document):
    # An interrupted study still writes optimise.html: it says why there is nothing to show.
    page = report_html(no_trial_yet(document))
    parsed = Page(page)
    assert parsed.mismatches == [] and parsed.stack == []
    assert parsed.plotly_divs == 0
    assert NO_TRIAL in parsed.text
    for title in TITLES.values():
        assert title in parsed.text


def test_empty_importances_are_explained(document):
    # fANOVA needs a spread of trials; without importances the section says why, and plotly.js
    # still rides with the first figure drawn.
    few = edited(document, lambda data: data.update(importances={}))
    page = report_html(few)
    parsed = assert_well_formed_offline(page)
    assert parsed.plotly_divs == 2  # history and marginal CPA; no risk, so no Pareto plot
    assert "No importances to show" in parsed.text


def test_risk_limit_marks_trials_and_draws_the_limit(document):
    # Under a limit, trials over it are marked apart and the limit is a dashed line on the front.
    limited = with_risk_limit(document)
    figures = report_figures(limited)
    names = {t.name for t in figures["history"][0].data}
    assert {"within the risk limit", "over the risk limit"} <= names
    shapes = figures["pareto"][0].layout.shapes
    assert [s.x0 for s in shapes if s.line.dash == "dash"] == [0.2]
    rows = TableCells(report_html(limited), "tactics").rows[1:]
    assert rows[0][0].startswith("forums/seeding")
    assert rows[0][1:] == ["×0.50", "170", "340", "13.1"]


def test_tool_without_extra_conversions_is_labelled(document):
    # A marginal CPA is undefined when the extra budget bought nothing: say so, do not draw 0.
    def nothing_more(data: dict) -> None:
        data["evaluation"]["marginal_cpa"][-1]["marginal_cpa"] = None

    flat = edited(document, nothing_more)
    bars = report_figures(flat)["marginal"][0].data[0]
    assert bars.text[-1] == "no extra conversions"


def test_older_document_without_currency_renders(document):
    # Documents written before `currency` and `expected_cpa` were added still make a page.
    def older(data: dict) -> None:
        del data["currency"]
        for plan in data["evaluation"]["plans"].values():
            del plan["expected_cpa"]

    old = edited(document, older)
    rows = TableCells(report_html(old), "comparison").rows[1:]
    optimised = old.evaluation.plans["optimised"]
    cpa = optimised.spend.mean / optimised.conversions.mean
    assert rows[0][1] == fmt(cpa, "currency")


def test_console_shows_each_tool_and_baseline(document, capsys):
    print_optimisation(document)
    out = capsys.readouterr().out
    for tool in document.best.candidate.shares:
        assert tool in out
    for baseline in BASELINES:
        assert baseline in out
    assert document.study in out


def test_console_shows_tactics_at_the_optimum(document, capsys):
    print_optimisation(with_risk_limit(document))
    out = capsys.readouterr().out
    assert "Tactics at the optimum" in out
    assert "forums/seeding" in out


def test_console_without_a_completed_trial(document, capsys):
    print_optimisation(no_trial_yet(document))
    out = capsys.readouterr().out
    assert "0 of" in out
    assert NO_TRIAL.split(":")[0] in out
