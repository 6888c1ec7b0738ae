"""Figures written as plain specs are the figures plotly's graph objects would have made.

Why it matters: the pages build their figures as plain data (`simulator/reports/figure_specs.py`)
to skip plotly's validation, so nothing but tests stands between a misspelt property and a chart
that silently loses it. Each spec must pass plotly's validation and come back from it unchanged
(`tests/plotly_form.py`; every page's own tests read its figures through `drawn`, which checks
both), and each grid must be the one `make_subplots` lays out.
"""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

import smmsim
from smmsim.simulator.reports.figure_specs import (
    every_axis,
    horizontal_line,
    secondary_y_layout,
    subplot_layout,
    vertical_line,
)
from smmsim.simulator.reports.kit import TEMPLATE, template_spec
from smmsim.simulator.reports.run_page import report_figures
from tests.plotly_form import assert_in_plotlys_form, without_template

REPS = 40


SHARED_X = {"shared_xaxes": True}


@pytest.mark.parametrize(
    ("rows", "cols", "titles", "options"),
    [
        (2, 2, ["spend (EUR)", "impressions", "clicks", "conversions"],
         {**SHARED_X, "vertical_spacing": 0.1}),
        (2, 2, ["a", "b", "c", "d"], SHARED_X),
        (1, 1, ["only"], SHARED_X),
        (1, 2, ["a", "b"], SHARED_X),
        (1, 3, ["a", "b", "c"], SHARED_X),
        (2, 3, ["a", "b", "c", "d", "e"], SHARED_X),  # an empty last cell, as for 5 platforms
        (3, 3, list("abcdefgh"), SHARED_X),
        (2, 2, [], {}),
        # shared y axes: the comparison's funnels, and its paired differences with an empty cell
        (1, 4, ["impressions", "clicks", "joins", "conversions"],
         {"shared_yaxes": True, "horizontal_spacing": 0.03}),
        (2, 3, ["a", "b", "c", "d"],
         {"shared_yaxes": True, "horizontal_spacing": 0.04, "vertical_spacing": 0.15}),
        (1, 3, [], {"shared_yaxes": True}),
        # every axis shared: the calibration's pressure panels, on one scale
        (2, 3, ["a", "b", "c", "d", "e"],
         {"shared_xaxes": "all", "shared_yaxes": "all", "horizontal_spacing": 0.06,
          "vertical_spacing": 0.12}),
        (1, 2, ["a", "b"], {"shared_xaxes": "all", "shared_yaxes": "all"}),
        (3, 3, list("abcdefg"), {"shared_xaxes": "all", "shared_yaxes": "all"}),
    ],
)  # fmt: skip
def test_a_grid_is_laid_out_as_make_subplots_lays_it_out(rows, cols, titles, options):
    made = make_subplots(rows=rows, cols=cols, subplot_titles=titles or None, **options)
    expected = without_template(made.to_dict())["layout"]
    assert subplot_layout(rows, cols, titles, **options) == expected


def test_every_axis_and_a_cell_vline_are_plotlys():
    grid = make_subplots(rows=2, cols=2)
    for row, col in ((1, 1), (2, 2)):
        grid.add_trace(go.Scatter(x=[1], y=[2]), row=row, col=col)
    line = {"color": "grey", "dash": "dash", "width": 1}
    grid.add_vline(x=0, line=line, row=2, col=2)
    grid.update_yaxes(autorange="reversed", automargin=True)
    expected = without_template(grid.to_dict())["layout"]
    layout = subplot_layout(2, 2)
    every_axis(layout, "y", autorange="reversed", automargin=True)
    layout["shapes"] = [vertical_line(3, 0, line)]
    assert layout == expected
    lone = go.Figure().update_xaxes(title="spend")  # no grid: the figure's one axis
    plain: dict = {}
    every_axis(plain, "x", title={"text": "spend"})
    assert plain == without_template(lone.to_dict())["layout"]


def test_the_second_y_axis_and_a_cell_line_are_plotlys():
    made = make_subplots(specs=[[{"secondary_y": True}]])
    assert secondary_y_layout() == without_template(made.to_dict())["layout"]
    grid = make_subplots(rows=2, cols=2, shared_xaxes=True)
    grid.add_trace(go.Scatter(x=[1], y=[2]), row=2, col=1)
    line = {"color": "red", "dash": "dash"}
    grid.add_hline(y=0.3, line=line, row=2, col=1)
    assert grid.to_dict()["layout"]["shapes"] == [horizontal_line(2, 0.3, line)]


def plain_figures(example: str, **kwargs) -> list[dict]:
    run = smmsim.simulate(smmsim.load(smmsim.example(example)), seed=3, workers=1, **kwargs)
    return [f for section in report_figures(run).values() for f in section]


@pytest.mark.parametrize(
    ("example", "kwargs", "at_least"),
    [
        # funnel, two daily fans, targets and test-then-scale's timeline, decision log and regret;
        # reputation and backlash; 8 platforms on a 3 x 3 grid
        ("kids-shop", {"reps": REPS}, 6),
        ("kids-shop", {"deterministic": True}, 3),  # one replication: no band, mean lines only
        ("reputation-rush", {"reps": REPS}, 5),
        ("travel-agency", {"reps": REPS}, 4),
    ],
)
def test_every_figure_is_valid_and_in_plotlys_own_form(example, kwargs, at_least):
    figures = plain_figures(example, **kwargs)
    assert len(figures) >= at_least
    for spec in figures:
        assert_in_plotlys_form(spec)


def test_the_risk_figures_are_drawn_where_the_plan_models_them():
    # reputation-rush models a reputation and pushes tactics into backlash: both risk charts
    titles = [f["layout"]["title"]["text"] for f in plain_figures("reputation-rush", reps=REPS)]
    assert "Reputation, day by day" in titles
    assert any(t.startswith("Backlash") for t in titles)


def test_the_template_read_from_its_file_is_plotlys_own():
    """The page reads plotly's template file directly; plotly's registry must give the same."""
    import plotly.io as pio

    assert template_spec() == pio.templates[TEMPLATE].to_plotly_json()
