"""Reports stay light and offline: each output folder keeps one plotly.min.js that its report
loads by relative path, so the page itself is under 1 MB; --plotlyjs inline puts plotly.js in
the page again, for a report sent as one file, and leaves no stale copy beside it."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from smmsim.cli import main
from smmsim.simulator.reports.kit import PLOTLYJS_FILE, plotlyjs, with_plotlyjs
from tests.demo_reports import DEMO_COMMANDS, make_demo_commands
from tests.test_report import PLOTLY_JS_BANNER, Page

MB = 1_000_000
SRC = re.compile(r"<script\b[^>]*\bsrc\s*=", re.IGNORECASE)


def test_the_demo_reports_cover_every_report_writing_command_of_make_demo():
    covered = {args[0] for _, args in DEMO_COMMANDS.values()}
    # brief writes a scenario, no report; every other command make demo runs must be covered
    assert make_demo_commands() - {"brief"} <= covered


@pytest.mark.parametrize("folder", list(DEMO_COMMANDS))
def test_each_report_is_under_1_mb_and_loads_the_shared_plotlyjs_beside_it(demo_reports, folder):
    report = demo_reports[folder]
    page = report.read_text(encoding="utf-8")
    assert report.stat().st_size < MB  # about 5 MB when plotly.js was inside every page
    assert PLOTLY_JS_BANNER.search(page) is None  # plotly.js itself is not in the page
    parsed = Page(page)
    shared = report.parent / PLOTLYJS_FILE
    if parsed.plotly_divs:
        assert parsed.sources == [PLOTLYJS_FILE]  # relative: the folder opens offline
        # the copy beside it is the installed plotly's own, whole
        assert shared.read_text(encoding="utf-8") == plotlyjs()
        assert len(PLOTLY_JS_BANNER.findall(shared.read_text(encoding="utf-8"))) == 1
    else:  # a page that draws nothing (check.html is tables only) loads nothing either
        assert parsed.sources == []
        assert not shared.exists()


def invoke(*args) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def test_inline_mode_is_self_contained_and_leaves_no_stale_copy(tmp_path):
    """The same folder written in folder mode, then inline: the page then holds plotly.js once,
    loads nothing, and the plotly.min.js of the first run is gone (it is an owned output)."""
    _, args = DEMO_COMMANDS["size-test"]
    out = tmp_path / "sizing"
    said = invoke(*args, "--out", out)
    assert (out / PLOTLYJS_FILE).exists()
    assert f"sizing.html {PLOTLYJS_FILE}" in said
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    said = invoke(*args, "--out", out, "--plotlyjs", "inline")
    page = (out / "sizing.html").read_text(encoding="utf-8")
    assert len(PLOTLY_JS_BANNER.findall(page)) == 1
    assert SRC.search(page) is None and Page(page).sources == []
    assert (out / "sizing.html").stat().st_size > 4 * MB  # the price of one file on its own
    assert not (out / PLOTLYJS_FILE).exists() and PLOTLYJS_FILE not in said
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"  # not an output: kept


def test_folder_and_inline_pages_differ_only_in_where_plotlyjs_comes_from(demo_reports):
    page = demo_reports["run"].read_text(encoding="utf-8")
    inline = with_plotlyjs(page, "inline")
    assert with_plotlyjs(page, "folder") == page
    assert inline.replace(plotlyjs(), "") == page.replace(f' src="{PLOTLYJS_FILE}"', "")


def test_a_page_without_figures_is_the_same_in_either_mode():
    page = "<!DOCTYPE html><html><head></head><body><p>no figures</p></body></html>"
    assert with_plotlyjs(page, "inline") == page


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="folder, inline"):
        with_plotlyjs("<p></p>", "cdn")


def test_the_cli_refuses_an_unknown_mode(tmp_path):
    _, args = DEMO_COMMANDS["run"]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "x"), "--plotlyjs", "cdn"])
    assert result.exit_code == 2 and "'cdn' is not one of 'folder', 'inline'" in result.output
    assert not (tmp_path / "x").exists()


def test_a_figure_is_written_as_plotly_would_write_it_and_left_as_it_was():
    """`figure_spec` skips plotly's deep copy: the page must still carry exactly what
    `to_dict` gives (typed arrays included) and the spec must not be changed by writing it."""
    import copy

    import numpy as np
    import plotly.graph_objects as go
    import plotly.io as pio

    from smmsim.simulator.reports.figure_specs import cell_axes, subplot_layout
    from smmsim.simulator.reports.kit import figure_spec
    from tests.plotly_form import as_json

    y = np.linspace(0.0, 1.0, 50)
    error_y = {"type": "data", "array": y / 10, "arrayminus": y / 20}
    spec = {
        "data": [
            {"type": "scatter", "y": y, "error_y": error_y, **cell_axes(0)},
            {"type": "bar", "x": ["a", "b"], "y": np.array([3, 4]), **cell_axes(1)},
        ],
        "layout": {
            **subplot_layout(1, 2),
            "shapes": [{"type": "line", "x0": 0, "x1": 1, "y0": 0.5, "y1": 0.5}],
        },
    }
    before = pio.to_json(spec, validate=False)
    written = as_json(figure_spec(spec))
    assert pio.to_json(spec, validate=False) == before  # not even its keys' order changed
    assert isinstance(spec["data"][0]["error_y"]["array"], np.ndarray)  # not turned to base64
    # plotly reorders the keys of the dicts it is given: a copy, after the checks above
    assert written == as_json(go.Figure(copy.deepcopy(spec)).to_dict())  # the template aside
