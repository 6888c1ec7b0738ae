"""Plotly figures written as plain data: the `{"data": [...], "layout": {...}}` that plotly.js
draws, built without plotly's graph objects.

Why: a graph object validates, copies and re-nests every property as it is set, and
`make_subplots` builds its grid through the same machinery. For the run report that was 0.45-0.65 s
of its 0.5-0.7 s, the last thing `run --out` waited for, and most of every other page's time. Every
page builds its figures from these instead. The specs are in the form plotly itself writes
(`go.Figure(spec).to_dict()` gives them back unchanged; each page's tests read its figures through
`tests/plotly_form.py`, which holds them to that), so a page is the one the graph objects made.

Subplot grids follow `plotly.subplots.make_subplots`, float for float: its default spacings, its
row-major axis numbering from the top-left cell, shared x axes matched to the bottom row's, and its
titles as annotations above each cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Spec = dict[str, Any]

SUBPLOT_TITLE_FONT = {"size": 16}  # make_subplots' own size for cell titles

SECONDARY_Y_WIDTH = 0.94  # make_subplots leaves the rest for the right-hand axis's title


def figure(data: list[Spec], layout: Spec) -> Spec:
    """A figure as plotly writes it."""
    return {"data": data, "layout": layout}


def titled(text: str) -> Spec:
    """A title (of a figure or an axis) in plotly's form: plotly.js 3 draws no bare string."""
    return {"text": text}


def cell_axes(index: int) -> Spec:
    """The axes of the `index`-th cell of a grid (row-major, from 0) that a trace refers to."""
    suffix = "" if index == 0 else str(index + 1)
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


def axis_key(axis: str, index: int) -> str:
    """The layout key of cell `index`'s 'x' or 'y' axis: 'xaxis', 'xaxis2', ..."""
    return f"{axis}axis" if index == 0 else f"{axis}axis{index + 1}"


def subplot_layout(
    rows: int,
    cols: int,
    titles: Sequence[str] = (),
    shared_xaxes: bool | str = False,
    vertical_spacing: float | None = None,
    shared_yaxes: bool | str = False,
    horizontal_spacing: float | None = None,
) -> Spec:
    """The axes and cell titles of a `rows` x `cols` grid, as `make_subplots` lays them out:
    shared x axes follow their column's bottom cell, shared y axes their row's first cell, and
    either shared "all" follows the bottom-left cell's, so every panel has the same scale; an
    axis that follows another shows no tick labels, but for the bottom row's x axes and the first
    column's y axes."""
    horizontal = 0.2 / cols if horizontal_spacing is None else horizontal_spacing
    if vertical_spacing is None:
        vertical_spacing = 0.5 / rows if titles else 0.3 / rows
    width = (1.0 - horizontal * (cols - 1)) / cols
    height = (1.0 - vertical_spacing * (rows - 1)) / rows
    layout: Spec = {}
    annotations = []
    for index in range(rows * cols):
        row, col = divmod(index, cols)
        x_start = sum([width] * col) + col * horizontal
        # make_subplots stacks rows from the bottom of the paper and fills them from the top
        y_start = sum([height] * (rows - 1 - row)) + (rows - 1 - row) * vertical_spacing
        x_domain = [x_start, x_start + width]
        y_domain = [_on_paper(y_start), _on_paper(y_start + height)]
        bottom_left = (rows - 1) * cols
        x_axis: Spec = {"anchor": cell_axes(index)["yaxis"], "domain": x_domain}
        x_leader = bottom_left if shared_xaxes == "all" else (rows - 1) * cols + col
        if shared_xaxes and index != x_leader:
            x_axis["matches"] = cell_axes(x_leader)["xaxis"]
            if row < rows - 1:
                x_axis["showticklabels"] = False
        y_axis: Spec = {"anchor": cell_axes(index)["xaxis"], "domain": y_domain}
        y_leader = bottom_left if shared_yaxes == "all" else row * cols
        if shared_yaxes and index != y_leader:
            y_axis["matches"] = cell_axes(y_leader)["yaxis"]
            if col > 0:
                y_axis["showticklabels"] = False
        layout[axis_key("x", index)] = x_axis
        layout[axis_key("y", index)] = y_axis
        if index < len(titles) and titles[index]:
            annotations.append(_cell_title(titles[index], x_domain, y_domain))
    if annotations:
        layout["annotations"] = annotations
    return layout


def _on_paper(y: float) -> float:
    """make_subplots' rounding of a domain end that float error put just outside [0, 1]."""
    return min(max(y, 0.0), 1.0)


def _cell_title(text: str, x_domain: list[float], y_domain: list[float]) -> Spec:
    return {
        "font": dict(SUBPLOT_TITLE_FONT),
        "showarrow": False,
        "text": text,
        "x": sum(x_domain) / 2.0,
        "xanchor": "center",
        "xref": "paper",
        "y": y_domain[1],
        "yanchor": "bottom",
        "yref": "paper",
    }


# What a trace on the one plot of `secondary_y_layout` refers to: the left axis or the right one.
LEFT_AXIS = {"xaxis": "x", "yaxis": "y"}
RIGHT_AXIS = {"xaxis": "x", "yaxis": "y2"}


def secondary_y_layout() -> Spec:
    """One plot with a second y axis on the right (`make_subplots(specs=[[{"secondary_y":
    True}]])`): its traces refer to `LEFT_AXIS` or `RIGHT_AXIS`."""
    return {
        "xaxis": {"anchor": "y", "domain": [0.0, SECONDARY_Y_WIDTH]},
        "yaxis": {"anchor": "x", "domain": [0.0, 1.0]},
        "yaxis2": {"anchor": "x", "overlaying": "y", "side": "right"},
    }


def every_axis(layout: Spec, axis: str, **settings: Any) -> None:
    """Settings given to every `axis` ('x' or 'y') axis of a layout, as `update_xaxes` or
    `update_yaxes` without a row or column gives them; a layout without a grid gets its one."""
    keys = [key for key in layout if key.startswith(f"{axis}axis")] or [axis_key(axis, 0)]
    for key in keys:
        layout.setdefault(key, {}).update(settings)


def vertical_line(index: int, x: float, line: Spec) -> Spec:
    """A line up the whole height of cell `index` at `x` (plotly's `add_vline`)."""
    axes = cell_axes(index)
    return {
        "line": line,
        "type": "line",
        "x0": x,
        "x1": x,
        "xref": axes["xaxis"],
        "y0": 0,
        "y1": 1,
        "yref": f"{axes['yaxis']} domain",
    }


def horizontal_line(index: int, y: float, line: Spec) -> Spec:
    """A line across the whole width of cell `index` at height `y` (plotly's `add_hline`)."""
    axes = cell_axes(index)
    return {
        "line": line,
        "type": "line",
        "x0": 0,
        "x1": 1,
        "xref": f"{axes['xaxis']} domain",
        "y0": y,
        "y1": y,
        "yref": axes["yaxis"],
    }
