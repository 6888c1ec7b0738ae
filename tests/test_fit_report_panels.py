"""fit.html's auction pressure as small multiples (one plot per platform, at most six arms a plot,
shared axes), and a page for data without spend: no price chart, a section that says so."""

from __future__ import annotations

import html
from types import SimpleNamespace

from smmsim.calibration.document import calibration_document, import_document
from smmsim.calibration.holdout import HoldoutSpec
from smmsim.calibration.importer import ImportOptions, import_exports
from smmsim.calibration.pipeline import CalibrationSettings, calibrate
from smmsim.calibration.report import ARMS_PER_PANEL, fit_html, pressure_panels
from tests.test_fit_report import fit_figures, write_export
from tests.test_report import assert_well_formed_offline


def arms(platform: str, n: int) -> list:
    return [(SimpleNamespace(platform=platform, arm=f"{platform}/{i}"), None) for i in range(n)]


def test_one_panel_per_platform_and_no_more_than_six_arms_a_panel():
    panels = pressure_panels(arms("meta", 3) + arms("google", 8))
    assert [title for title, _ in panels] == [
        "meta (3 arms)", "google (arms 1-6 of 8)", "google (arms 7-8 of 8)"
    ]  # fmt: skip
    assert [len(members) for _, members in panels] == [3, ARMS_PER_PANEL, 2]
    every = [arm.arm for _, members in panels for arm, _ in members]
    assert every == [f"meta/{i}" for i in range(3)] + [f"google/{i}" for i in range(8)]


def two_platforms(tmp_path):
    """The fit report's export twice, as platforms meta (3 campaigns) and google (2)."""
    meta = write_export(tmp_path / "meta.csv")
    google = write_export(tmp_path / "google.csv", campaigns=("one", "two"), seed=3)
    google.write_text(google.read_text().replace(",meta,", ",google,"))
    return [meta, google]


def render(paths, **options):
    imported = import_exports(paths, ImportOptions(fmt="generic", **options))
    settings = CalibrationSettings(("platform", "campaign"), HoldoutSpec(share=0))
    run = calibrate(imported, settings)
    result = calibration_document(run, [str(p) for p in paths])
    return run, result, fit_html(run, result, import_document(imported))


def test_each_arm_is_drawn_in_its_platforms_panel_on_shared_axes(tmp_path):
    run, result, _ = render(two_platforms(tmp_path))
    (figure,) = fit_figures(run, result)["pressure"]
    titles = [a.text for a in figure.layout.annotations]
    assert titles == ["google (2 arms)", "meta (3 arms)"]  # the arms' order: sorted
    axis_of = {"google": "x", "meta": "x2"}
    for arm in result.arms:
        traces = [t for t in figure.data if t.legendgroup == html.escape(arm.arm)]
        assert len(traces) == 2  # the days and the fitted curve
        assert {t.xaxis for t in traces} == {axis_of[arm.platform]}
    assert figure.layout.xaxis2.matches == "x" and figure.layout.yaxis2.matches == "y"


def test_no_spend_page_has_no_price_chart_and_says_what_was_not_fitted(tmp_path):
    path = write_export(tmp_path / "meta.csv")
    lines = path.read_text().splitlines()
    spend = lines[0].split(",").index("spend")
    path.write_text(
        "\n".join(",".join(c for i, c in enumerate(r.split(",")) if i != spend) for r in lines)
    )
    run, result, page = render([path])
    assert "pressure" not in fit_figures(run, result) or not fit_figures(run, result)["pressure"]
    assert_well_formed_offline(page)
    assert "Not fitted from these data" in page
    for part in ("cpm", "auction", "day_of_week", "noise"):
        assert f'<th scope="row">{part}</th>' in page
    assert all(arm.cpm is None for arm in result.arms)
    table = page.split('class="not-fitted"')[1].split("</table>")[0]
    assert table.count('<td class="wrap">') == 4 * 3  # reason, arms, scenario of each part


def test_long_text_cells_wrap(tmp_path):
    """The column lists (one long line per file) wrap inside their box instead of running past
    the page's right edge; so do the notes of the auction, weekday and fatigue tables."""
    _, _, page = render([write_export(tmp_path / "meta.csv")])
    for css in ("columns", "auction", "weekdays", "fatigue"):
        table = page.split(f'class="{css}"')[1].split("</table>")[0]
        assert '<td class="wrap">' in table, css
