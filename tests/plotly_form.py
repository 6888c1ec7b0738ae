"""Holding a figure built as a plain spec to plotly's own validation and form.

The pages build their figures as plain data (`simulator/reports/figure_specs.py`), skipping
plotly's validation, so nothing but these checks stands between a misspelt property and a chart
that silently loses it: a spec must pass plotly's validation (a wrong name raises) and come back
from it unchanged, so plotly.js reads it as plotly's own output (plotly.js 3 draws no title
given as a bare string, which validation alone would quietly accept).
"""

from __future__ import annotations

import copy
import json

import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

from smmsim.simulator.reports.kit import figure_spec


def without_template(spec: dict) -> dict:
    layout = {k: v for k, v in spec["layout"].items() if k != "template"}
    return {**spec, "layout": layout}


def as_json(spec: dict) -> str:
    """The spec as plotly's encoder writes it, keys sorted: plotly.js reads a dict in any order.
    The page writes a spec's arrays as plotly's to_dict does: typed arrays (`figure_spec`)."""
    return json.dumps(without_template(spec), cls=PlotlyJSONEncoder, sort_keys=True)


def assert_in_plotlys_form(spec: dict) -> None:
    """The spec passes plotly's validation and comes back from it as the page writes it."""
    assert isinstance(spec, dict)  # no graph object: the pages never load them
    # raises on any property plotly does not know; a copy, as plotly reorders the dicts it is given
    validated = go.Figure(copy.deepcopy(spec)).to_dict()
    assert as_json(validated) == as_json(figure_spec(spec)), spec["layout"].get("title")


def drawn(specs: dict[str, list[dict]]) -> dict[str, list[go.Figure]]:
    """A page's figures by section, each held to plotly's form and read back through plotly
    (so a test may read `figure.layout.xaxis.title.text`)."""
    for figures in specs.values():
        for spec in figures:
            assert_in_plotlys_form(spec)
    return {section: [go.Figure(spec) for spec in figures] for section, figures in specs.items()}
