"""fit.html: one self-contained page that works offline, names every arm (escaped), shows the
hold-out scores of calibration.json, and copes with no hold-out, no conversions and one arm."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import numpy as np
import plotly.graph_objects as go
import pytest

from smmsim.calibration import report
from smmsim.calibration.document import calibration_document, import_document
from smmsim.calibration.holdout import HoldoutSpec
from smmsim.calibration.importer import ImportOptions, import_exports
from smmsim.calibration.pipeline import CalibrationSettings, calibrate
from smmsim.calibration.report import arm_wape, fit_html
from smmsim.calibration.result import CalibrationResult
from tests.plotly_form import drawn
from tests.test_comparison_report import TableCells
from tests.test_report import Page, assert_well_formed_offline

ODD_CAMPAIGN = "<script>alert(1)</script>"  # must come through escaped, never as a tag
CAMPAIGNS = ("alpha", "beta & co", ODD_CAMPAIGN)
DAYS = 30
GROUP_BY = ("platform", "campaign")


def write_export(path, campaigns=CAMPAIGNS, days=DAYS, conversions=True, seed=7, bad_rows=()):
    """Daily rows from known rates: base CPM rising with spend (s_half 800), CTR, CVR and reach
    from an audience of 200,000; then `bad_rows`, as written."""
    rng = np.random.default_rng(seed)
    header = ["date", "platform", "campaign", "spend", "impressions", "clicks"]
    header += ["conversions"] * conversions + ["reach"]
    lines = [",".join(header)]
    for j, campaign in enumerate(campaigns):
        cpm0, ctr, cvr, audience = 5.0 + 2 * j, 0.01 + 0.004 * j, 0.05 + 0.02 * j, 200_000
        for d in range(days):
            spend = rng.uniform(50, 400) * (1 + j)
            impressions = rng.poisson(1000 * spend / (cpm0 * (1 + spend / 800)))
            clicks = rng.binomial(impressions, ctr)
            reach = int(min(impressions, audience * -np.expm1(-impressions / audience)))
            row = [str(date(2024, 3, 1) + timedelta(days=d)), "meta", campaign, f"{spend:.2f}"]
            row += [str(impressions), str(clicks)]
            row += [str(rng.binomial(clicks, cvr))] * conversions + [str(reach)]
            lines.append(",".join(row))
    path.write_text("\n".join([*lines, *bad_rows]) + "\n", encoding="utf-8")
    return path


def render(path, **settings) -> tuple[object, CalibrationResult, str]:
    imported = import_exports([path], ImportOptions(fmt="generic"))
    run = calibrate(imported, CalibrationSettings(group_by=GROUP_BY, **settings))
    result = calibration_document(run, [str(path)])
    return run, result, fit_html(run, result, import_document(imported))


BAD_ROWS = (
    "Total,meta,,9999,1,1,1,1",  # a summary row
    "2024-03-02,meta,alpha,-5,100,1,0,90",  # negative spend
    "2024-03-03,meta,alpha,5,100,200,0,90",  # clicks above impressions
)


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return write_export(tmp_path_factory.mktemp("fit") / "meta.csv", bad_rows=BAD_ROWS)


@pytest.fixture(scope="module")
def fitted(export):
    """Three campaigns (one named like a script tag), 30 days, the default time hold-out."""
    return render(export)


def fit_figures(run, result: CalibrationResult) -> dict[str, list[go.Figure]]:
    """The page's figures (plain specs), held to plotly's form and read through plotly."""
    return drawn(report.fit_figures(run, result))


def plotly_divs(figures: dict) -> int:
    return sum(len(f) for f in figures.values())


def test_page_is_offline_and_well_formed(fitted):
    run, result, page = fitted
    assert page.startswith("<!DOCTYPE html>")
    parsed = assert_well_formed_offline(page)  # plotly.js once, no outside script, link or font
    markup = re.sub(r"(<script[^>]*>).*?</script>", r"\1</script>", page, flags=re.DOTALL)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", markup, re.IGNORECASE)
    assert parsed.plotly_divs == plotly_divs(fit_figures(run, result))
    # hold-out (observed vs forecast, error per arm), CTR and CVR (no joins), CPM0, pressure
    assert parsed.plotly_divs == 6


def test_every_arm_is_named_and_escaped(fitted):
    _, result, page = fitted
    labels = [arm.arm for arm in result.arms]
    assert sorted(labels) == sorted(f"meta/{c}" for c in CAMPAIGNS)
    text = Page(page).text  # the visible text, entities decoded
    for table in ("estimates", "auction", "weekdays", "fatigue"):
        heads = [row[0] for row in TableCells(page, table).rows[1:] if row]
        shown = [h for h in heads if any(h.startswith(a) for a in labels)]
        assert len(shown) == len(labels), table
    for arm in labels:
        assert arm in text
    assert ODD_CAMPAIGN not in page  # neither in the HTML nor in any figure's data
    assert "meta/&lt;script&gt;alert(1)&lt;/script&gt;" in page
    markup = re.sub(r"<script.*?</script>", "", page, flags=re.DOTALL)
    assert "beta & co" not in markup and "beta &amp; co" in markup


def test_import_account(fitted):
    run, _, page = fitted
    summary = run.imported.summary()
    assert (summary["rows_read"], summary["rows_rejected"]) == (3 * DAYS + 3, 3)
    text = Page(page).text
    assert f"{3 * DAYS + 3} read, {3 * DAYS} used, 3 rejected" in text
    files = TableCells(page, "import").rows
    assert files[1][0] == summary["per_file"][0]["file"]
    assert files[1][-3:] == [str(3 * DAYS + 3), str(3 * DAYS), "3"]
    reasons = {row[0]: int(row[1]) for row in TableCells(page, "reasons").rows[1:]}
    assert reasons == summary["rejected_by_reason"]
    assert set(reasons) == {"total_row", "negative", "clicks_above_impressions"}
    assert "rejected.csv" in text


def test_validation_table_shows_the_document_scores(fitted):
    run, result, page = fitted
    v = result.validation
    assert v.model.to_dict() == run.validation.model.metrics()
    rows = TableCells(page, "validation").rows
    assert rows[0][1:5] == [
        "WAPE clicks",
        "WAPE conversions",
        "90% coverage clicks",
        "90% coverage conversions",
    ]
    for row, m in zip(rows[1:], (v.model, v.baseline, v.per_arm), strict=True):
        expected = [
            f"{x:.1%}"
            for x in (m.wape_clicks, m.wape_conversions, m.coverage_clicks, m.coverage_conversions)
        ]
        assert row[1:5] == expected
        assert row[5] == f"{m.cells:,}"
    assert f"last 20% of the dates ({v.train_rows:,} rows to fit on" in Page(page).text


def test_error_per_arm_adds_up_to_the_document_wape(fitted):
    """The residuals grouped by arm, weighted by each arm's observed total, give back the WAPE."""
    run, result, _ = fitted
    for kind in ("model", "baseline"):
        fc, scores = getattr(run.validation, kind), getattr(result.validation, kind)
        for name in ("clicks", "conversions"):
            arms = np.array(fc.arm)
            per_arm = arm_wape(fc, name)
            weights = {a: fc.observed[name][arms == a].sum() for a in per_arm}
            total = sum(per_arm[a] * weights[a] for a in per_arm) / sum(weights.values())
            assert total == pytest.approx(getattr(scores, f"wape_{name}"))


def test_figures_carry_the_estimates_and_the_fitted_curve(fitted):
    run, result, _ = fitted
    figures = fit_figures(run, result)
    ctr = next(f for f in figures["estimates"] if f.layout.title.text.startswith("CTR0"))
    mean, observed, prior = ctr.data[0], ctr.data[1], ctr.data[-1]
    arms = result.arms
    assert list(mean.x) == [a.ctr.mean for a in arms]
    assert list(mean.error_x.arrayminus) == pytest.approx([a.ctr.mean - a.ctr.p5 for a in arms])
    assert list(observed.x) == [a.ctr.observed for a in arms]
    assert list(prior.x) == [a.ctr.prior_mean for a in arms]
    pressure = figures["pressure"][0]
    for arm, fit in zip(arms, run.calibration.arms, strict=True):
        markers, curve = [t for t in pressure.data if t.legendgroup == html.escape(arm.arm)]
        days = fit.days.values
        assert list(markers.y) == pytest.approx(list(1000 * days["spend"] / days["impressions"]))
        assert arm.auction.detected  # spend from 50 to 1,200 against s_half 800
        expected = arm.cpm.mean * fit.pressure.factor(np.asarray(curve.x))
        assert list(curve.y) == pytest.approx(list(expected))


def test_no_holdout_says_so_and_draws_no_validation(export):
    run, result, page = render(export, holdout=HoldoutSpec(share=0))
    assert run.validation.model is None
    assert not result.validation.scored
    parsed = assert_well_formed_offline(page)  # plotly.js now rides with the estimates
    assert "There was no hold-out" in parsed.text
    assert "validation" not in fit_figures(run, result)
    assert parsed.plotly_divs == 4
    assert 'class="validation"' not in page
    assert "Held-out arm-days" not in page


def test_one_arm_without_conversions(tmp_path):
    path = write_export(tmp_path / "one.csv", campaigns=("solo",), conversions=False)
    run, result, page = render(path)
    assert result.arms[0].cvr is None
    parsed = assert_well_formed_offline(page)
    assert "meta/solo" in parsed.text
    estimates = TableCells(page, "estimates").rows
    cvr = next(row for row in estimates if row and row[0] == "CVR")
    assert cvr[1] == "not in the data"
    model = TableCells(page, "validation").rows[1]
    assert model[2] == "n/a" and model[4] == "n/a"  # no conversions to score
    observed_vs_forecast = fit_figures(run, result)["validation"][0]
    assert [a.text for a in observed_vs_forecast.layout.annotations] == ["clicks"]
    assert parsed.plotly_divs == 5  # no CVR figure


def test_group_holdout_renders(export):
    _, result, page = render(export, holdout=HoldoutSpec(by="group", share=0.34))
    assert result.validation.model.cells == DAYS  # one whole arm held out
    parsed = assert_well_formed_offline(page)
    assert "the held-out arms were not seen by the fit" in parsed.text
