"""Figures written as plain specs are the figures plotly's graph objects would have made.

Why it matters: the run page builds its figures as plain data
(`simulator/reports/figure_specs.py`) to skip plotly's validation, so nothing but these tests
stands between a misspelt property and a chart that silently loses it. Each spec must pass
plotly's validation (a wrong name raises) and come back from it unchanged (so plotly.js reads it
as plotly's own output), and each grid must be the one `make_subplots` lays out.
"""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots
from plotly.utils import PlotlyJSONEncoder

import smmsim
from smmsim.simulator.reports.figure_specs import (
    horizontal_line,
    secondary_y_layout,
    subplot_layout,
)
from smmsim.simulator.reports.kit import figure_spec
from smmsim.simulator.reports.run_page import report_figures

REPS = 40


def without_template(spec: dict) -> dict:
    layout = {k: v for k, v in spec["layout"].items() if k != "template"}
    return {**spec, "layout": layout}


def as_json(spec: dict) -> str:
    """The spec as plotly's encoder writes it, keys sorted: plotly.js reads a dict in any order."""
    return json.dumps(without_template(spec), cls=PlotlyJSONEncoder, sort_keys=True)


@pytest.mark.parametrize(
    ("rows", "cols", "titles", "shared", "spacing"),
    [
        (2, 2, ["spend (EUR)", "impressions", "clicks", "conversions"], True, 0.1),
        (2, 2, ["a", "b", "c", "d"], True, None),
        (1, 1, ["only"], True, None),
        (1, 2, ["a", "b"], True, None),
        (1, 3, ["a", "b", "c"], True, None),
        (2, 3, ["a", "b", "c", "d", "e"], True, None),  # an empty last cell, as for 5 platforms
        (3, 3, list("abcdefgh"), True, None),
        (2, 2, [], False, None),
    ],
)
def test_a_grid_is_laid_out_as_make_subplots_lays_it_out(rows, cols, titles, shared, spacing):
    made = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles or None,
        shared_xaxes=shared,
        vertical_spacing=spacing,
    )
    expected = without_template(made.to_dict())["layout"]
    assert subplot_layout(rows, cols, titles, shared, spacing) == expected


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
        assert isinstance(spec, dict)  # no graph object: the page never loads them
        validated = go.Figure(spec).to_dict()  # raises on any property plotly does not know
        # the page writes a spec's arrays as plotly's to_dict does: typed arrays (`figure_spec`)
        written = figure_spec(spec)
        assert as_json(validated) == as_json(written), spec["layout"]["title"]["text"]


def test_the_risk_figures_are_drawn_where_the_plan_models_them():
    # reputation-rush models a reputation and pushes tactics into backlash: both risk charts
    titles = [f["layout"]["title"]["text"] for f in plain_figures("reputation-rush", reps=REPS)]
    assert "Reputation, day by day" in titles
    assert any(t.startswith("Backlash") for t in titles)
