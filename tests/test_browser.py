"""Every report `make demo` writes, opened in headless Chromium with no network: each plot
container rendered an SVG with data drawn in its traces, the page raised no JavaScript error and
loaded nothing but local files. CI installs Chromium and sets SMMSIM_REQUIRE_BROWSER=1, so there
these tests fail, never skip, if it cannot start; locally without Chromium they skip.

On failure a screenshot of each failing page is kept in the folder the message names."""

from __future__ import annotations

import pytest

from tests.browser import Rendered, render, screenshot
from tests.demo_reports import DEMO_COMMANDS

LOCAL = ("file:", "data:", "blob:")


def problems(rendered: Rendered) -> list[str]:
    """What is wrong with a rendered page, in words; empty when it is right."""
    found = []
    if rendered.errors is None:
        return ["the probe never reported: the page's scripts did not run to their end"]
    found += [f"JavaScript error: {e}" for e in rendered.errors]
    found += [f"fetched {url}" for url in rendered.resources if not url.startswith(LOCAL)]
    found += [f"too wide: {w}" for w in rendered.wide or []]
    for i, plot in enumerate(rendered.plots):
        if not plot.svgs:
            found.append(f"plot {i + 1}: no SVG (plotly did not draw it)")
        elif not plot.traces or not plot.marks:
            found.append(f"plot {i + 1}: an SVG with no data drawn ({plot.traces} traces)")
    return found


@pytest.mark.parametrize("folder", list(DEMO_COMMANDS))
def test_report_renders_every_plot_offline_without_errors(browser, demo_reports, folder, tmp_path):
    report = demo_reports[folder]
    expected = report.read_text(encoding="utf-8").count('class="plotly-graph-div"')
    rendered = render(report)
    found = problems(rendered)
    if len(rendered.plots) != expected:
        found.append(f"{len(rendered.plots)} plot containers rendered of {expected} in the page")
    if found:
        shot = tmp_path / "screenshots" / f"{folder}-{report.stem}.png"
        screenshot(report, shot)
        pytest.fail(f"{report.name} ({folder}): {'; '.join(found)}; screenshot: {shot}")


def test_a_broken_plot_is_caught(browser, demo_reports, tmp_path):
    """The check can fail: the same report with its plotly.js missing renders no SVG and
    raises errors (Plotly is not defined), a figure pointing at the network is seen, and so is
    a table wider than the window outside any scroll box."""
    report = demo_reports["size-test"]
    broken = tmp_path / report.name
    page = report.read_text(encoding="utf-8")
    wide = '<table class="bare"><tr><th style="min-width: 3000px">wide</th></tr></table>'
    broken.write_text(page.replace("</body>", f'<img src="http://example.com/x.png">{wide}</body>'))
    found = problems(render(broken))  # no plotly.min.js beside this copy
    assert any("no SVG" in f for f in found)
    assert any(f.startswith("JavaScript error") and "Plotly is not defined" in f for f in found)
    assert any(f.startswith("fetched http://example.com/") for f in found)
    assert any(f.startswith("too wide: table.bare 'wide'") for f in found)
