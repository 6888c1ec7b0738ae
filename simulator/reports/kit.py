"""The HTML kit every page is built from: the stylesheet, the page shell, sections, fact lists,
number formats, interval cells and the shared plotly figure helpers.

Pages (run, comparison, sizing, optimiser, calibration fit) compose these; the kit knows nothing
of results or studies, so any layer above the engine may use it.
"""

from __future__ import annotations

import functools
import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from smmsim.scenarios.documents import ABSENT

FUNNEL = ("impressions", "clicks", "joins", "conversions")

FAN_RGB = "31, 119, 180"

TARGET_COLOR = "#c0392b"

MARK_COLOR = "#555"

MAX_BINS = 40

PLOT_CONFIG = {"displaylogo": False, "responsive": True}

# plotly.js (4.8 MB) is kept once per output folder under this name, and each page loads it
# by relative path, so a page is small and the folder still opens offline; `--plotlyjs inline`
# puts it inside the page instead, for a report sent as one file.
PLOTLYJS_FILE = "plotly.min.js"

PLOTLYJS_MODES = ("folder", "inline")

# What the first figure of a page carries in front of it (plotly's own MathJax setting, then the
# library by relative path); `with_plotlyjs` swaps the second tag for the library inline.
PLOTLYJS_SRC_TAG = f'<script charset="utf-8" src="{PLOTLYJS_FILE}"></script>'

PLOTLYJS_LOADER = (
    f"<script>window.PlotlyConfig = {{MathJaxConfig: 'local'}};</script>{PLOTLYJS_SRC_TAG}"
)

# The figures' look. The template is not part of LAYOUT: set on a figure, plotly validates and
# deep-copies the whole template (about 18 ms a figure, a fifth of a report); `figure_divs` puts
# the same template, serialised once, into each figure as it is written.
LAYOUT = {"margin": {"l": 60, "r": 30, "t": 60, "b": 40}}

TEMPLATE = "plotly_white"

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #222; margin: 0 auto; max-width: 1300px; padding: 1.5rem 2rem; line-height: 1.4; }
h1 { margin-bottom: 0.2rem; }
.headline { background: #f4f8fb; border-left: 4px solid #1f77b4; padding: 0.4rem 1rem;
            margin: 0.8rem 0 1rem; max-width: 60rem; }
.headline p { font-size: 1.1rem; margin: 0.3rem 0; }
h2 { margin-top: 2.2rem; border-bottom: 2px solid #ddd; padding-bottom: 0.2rem; }
p.note { color: #555; max-width: 60rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.3rem 0.7rem; text-align: right;
         white-space: nowrap; }
th { background: #f4f6f8; }
th[scope=row], th[scope=col], th.text, td.text { text-align: left; }
td .ci { display: block; color: #777; font-size: 0.8rem; }
.scroll { overflow-x: auto; max-width: 100%; }
th[scope=row] { white-space: normal; overflow-wrap: anywhere; min-width: 8rem; max-width: 24rem; }
th[scope=row] small { display: block; font-weight: normal; color: #777; white-space: normal;
                      min-width: 9rem; max-width: 16rem; }
tr.sub th[scope=row] { padding-left: 1.8rem; font-weight: normal; }
td.unit { color: #666; text-align: left; }
td.na { color: #999; text-align: center; font-style: italic; }
td.odds { font-weight: 600; text-align: center; }
td.wrap { white-space: normal; text-align: left; min-width: 12rem; max-width: 20rem; }
.level-high { color: #b03a2e; font-weight: 700; }
.level-medium { color: #b9770e; font-weight: 700; }
.level-low { color: #1e8449; }
.charts { display: grid; gap: 1rem; }
.charts.grid { grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); }
.chart { border: 1px solid #eee; border-radius: 4px; padding: 0.3rem; min-width: 0; }
th.baseline, td.baseline { background: #eef4fb; }
"""


def page_html(title: str, body: str) -> str:
    """A complete page: the stylesheet inline; nothing loaded but plotly.js, from beside the page
    (`with_plotlyjs` puts it inline)."""
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def figure_divs(
    figures: dict[str, list[dict]], grid: tuple[str, ...] = ("targets",)
) -> dict[str, str]:
    """Each section's figures as HTML, side by side for the sections in `grid`; plotly.js is
    loaded once, before the very first figure, so `figures` must be in page order."""
    out, first = {}, True
    for key, section_figures in figures.items():
        parts = []
        for fig in section_figures:
            loader = PLOTLYJS_LOADER if first else ""
            parts.append(f'<div class="chart">{loader}{figure_html(fig)}</div>')
            first = False
        css = "charts grid" if key in grid else "charts"
        out[key] = f'<div class="{css}">{"".join(parts)}</div>' if parts else ""
    return out


def figure_html(fig: dict) -> str:
    """One figure, a plain spec in plotly's form (`figure_specs`), as a div in the report's
    template, without plotly.js (`figure_divs` loads it once a page). The tests hold every page's
    figures to plotly's validation and form (`tests/plotly_form.py`), so it is written as it
    stands: validating it here would cost what building graph objects did."""
    import plotly.io as pio

    spec = figure_spec(fig)
    spec["layout"]["template"] = template_spec()
    return pio.to_html(
        spec, full_html=False, include_plotlyjs=False, config=PLOT_CONFIG, validate=False
    )


def figure_spec(fig: dict) -> dict:
    """The spec as plotly writes a figure (`go.Figure(fig).to_dict()`: its arrays as typed-array
    specs where plotly writes them so), without a deep copy of every value. Only the dicts are
    copied, because those are what the conversion of arrays rewrites; the values in them are
    shared with `fig`, which is left as it was."""
    spec = {"data": _dicts_copied(fig["data"]), "layout": _dicts_copied(fig["layout"])}
    try:
        from _plotly_utils.utils import convert_to_base64  # plotly 6 and later
    except ImportError:
        return spec
    convert_to_base64(spec)
    return spec


def _dicts_copied(value):
    if isinstance(value, dict):
        return {key: _dicts_copied(item) for key, item in value.items()}
    if isinstance(value, list | tuple) and any(isinstance(v, dict | list | tuple) for v in value):
        return [_dicts_copied(item) for item in value]
    return value


def write_pages(out_dir: Path, pages: dict[str, str], plotlyjs_mode: str = "folder") -> list[str]:
    """Each page into `out_dir` (atomically) in `plotlyjs_mode`; in 'folder' mode one copy of
    plotly.js beside them if any page draws. Returns the names written, pages first."""
    from smmsim.scenarios.files import write_atomic

    written = []
    for name, page in pages.items():
        write_atomic(out_dir / name, with_plotlyjs(page, plotlyjs_mode))
        written.append(name)
    if plotlyjs_mode == "folder" and any(uses_plotlyjs(p) for p in pages.values()):
        write_atomic(out_dir / PLOTLYJS_FILE, plotlyjs())
        written.append(PLOTLYJS_FILE)
    return written


def uses_plotlyjs(page: str) -> bool:
    """Whether a page built by the kit loads plotly.js from beside it (it draws a figure)."""
    return PLOTLYJS_SRC_TAG in page


def with_plotlyjs(page: str, mode: str) -> str:
    """The page as written in `mode`: 'folder' as built (plotly.js from the file beside it),
    'inline' with plotly.js inside the page, which then opens on its own, offline."""
    if mode not in PLOTLYJS_MODES:
        raise ValueError(f"plotly.js mode {mode!r}: choose from {', '.join(PLOTLYJS_MODES)}")
    if mode == "folder" or not uses_plotlyjs(page):
        return page
    return page.replace(PLOTLYJS_SRC_TAG, f'<script charset="utf-8">{plotlyjs()}</script>', 1)


@functools.cache
def plotlyjs() -> str:
    """The minified plotly.js of the installed plotly package, read once per process."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@functools.cache
def template_spec() -> dict:
    """The report template as plain JSON-ready data, read once per process from the file plotly
    itself loads it from: `plotly.io.templates` would build it as a graph object first, 50 ms of
    validation for the same dict."""
    from importlib import resources

    folder = resources.files("plotly") / "package_data" / "templates"
    return json.loads((folder / f"{TEMPLATE}.json").read_text(encoding="utf-8"))


def section(title: str, note: str, content: str) -> str:
    return f"<section>\n<h2>{html.escape(title)}</h2>\n{note}\n{content}\n</section>"


def headline_html(lines: list[str]) -> str:
    """A page's answer in plain sentences, right under its title."""
    items = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return f'<section class="headline">{items}</section>'


def facts_html(facts: list[tuple[str, str]]) -> str:
    """A definition list of (name, value) lines, both escaped."""
    items = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts)
    return f'<dl class="facts">{items}</dl>'


def setting_text(value: Any) -> str:
    """A setting as a planner reads it, never a Python repr: 'none' for an unset value, 'yes' or
    'no', a block of settings or a list in parentheses ('(margin 0.5, min spend none)')."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return f"({settings_text(value, keep_unset=True)})"
    if isinstance(value, list | tuple):
        return f"({', '.join(setting_text(v) for v in value)})"
    return str(value)


def settings_text(values: dict[str, Any], keep_unset: bool = False) -> str:
    """'ramp limit 0.2, stop loss (margin 0.5, min spend none)': each setting by its name in
    words; unset ones left out unless `keep_unset` (inside a block, where 'none' says more)."""
    return ", ".join(
        f"{name.replace('_', ' ')} {setting_text(value)}"
        for name, value in values.items()
        if keep_unset or value is not None
    )


def unit_label(unit: str, currency: str) -> str:
    return {"currency": currency, "share": "%", "count": ""}.get(unit, unit)


def fmt(value: float | None, unit: str) -> str:
    """A number as a planner reads it: money with 2 decimals, shares in %, counts with commas."""
    if value is None or not math.isfinite(value):
        return "n/a"
    text = _fmt_number(value, unit)
    rounds_to_zero = text.startswith("-") and not any(d in text for d in "123456789")
    return text[1:] if rounds_to_zero else text  # '0.00', not '-0.00'


def mean_money(value) -> str:
    """An expected amount of money, whole; 'n/a' in a sizing.json written before it was kept."""
    return "n/a" if value is ABSENT or value.mean is None else f"{value.mean:,.0f}"


def _fmt_number(value: float, unit: str) -> str:
    if unit == "currency":
        return f"{value:,.2f}"
    if unit == "share":
        return f"{value:.2%}" if abs(value) < 0.1 else f"{value:.1%}"
    if unit in ("ratio", "per person"):
        return f"{value:,.2f}"
    whole = abs(value) >= 100 or value == round(value)
    return f"{value:,.0f}" if whole else f"{value:,.1f}"


def stat_html(stats: Any, unit: str) -> str:
    """'mean (p5–p95)' of a typed summary with `mean`, `p5` and `p95` (`Stats`, a `Probability`,
    a calibrated estimate); 'n/a' for none."""
    return "n/a" if stats is None else interval_html(stats.mean, stats.p5, stats.p95, unit)


def interval_html(mean: float | None, low: float | None, high: float | None, unit: str) -> str:
    """'mean (low–high)', the interval on a line of its own; the mean alone where the interval is
    a single point (a deterministic run)."""
    if mean is None:
        return "n/a"
    mean_text, low_text, high_text = (html.escape(fmt(v, unit)) for v in (mean, low, high))
    dash = " – " if low_text.startswith("-") or high_text.startswith("-") else "–"  # '-15 – 95'
    if low_text == high_text:
        return mean_text
    return f'{mean_text} <span class="ci">({low_text}{dash}{high_text})</span>'


def odds_cell(probability: float) -> str:
    """A probability as a table cell shaded from red (0) through yellow to green (1)."""
    hue = round(120 * probability)
    return f'<td class="odds" style="background: hsl({hue}, 70%, 82%)">{probability:.0%}</td>'


def error_bars(stats: list[Any]) -> tuple[list, list, list]:
    """Means and the distances down to p5 and up to p95 (0 where undefined or crossed) of typed
    summaries with `mean`, `p5` and `p95`."""
    mean = [s.mean for s in stats]
    minus = [max(0.0, s.mean - s.p5) if s.mean is not None else 0.0 for s in stats]
    plus = [max(0.0, s.p95 - s.mean) if s.mean is not None else 0.0 for s in stats]
    return mean, minus, plus


def needs_log(values: list[float | None]) -> bool:
    positive = [v for v in values if v is not None and v > 0]
    return bool(positive) and max(positive) / min(positive) > 50


def x_mark(
    x, text: str, color: str = MARK_COLOR, xanchor: str = "center", yshift: int = 0
) -> tuple[dict, dict]:
    """A dashed vertical line across the plot at `x` and its label above it, as a plain shape
    and annotation (`xanchor` and `yshift` keep labels of close lines apart)."""
    line = {
        "line": {"color": color, "width": 1.5, "dash": "dash"},
        "type": "line",
        "x0": x,
        "x1": x,
        "xref": "x",
        "y0": 0,
        "y1": 1,
        "yref": "paper",
    }
    label = {
        "font": {"color": color, "size": 11},
        "showarrow": False,
        "text": text,
        "x": x,
        "xanchor": xanchor,
        "xref": "x",
        "y": 1,
        "yanchor": "bottom",
        "yref": "paper",
        "yshift": yshift,
    }
    return line, label


def y_mark(y: float, text: str, color: str, dash: str, log_y: bool = False) -> tuple[dict, dict]:
    """A horizontal line across the plot at `y` and its label at the line's right end, as a plain
    shape and annotation (`x_mark`'s counterpart). On a log axis a shape takes data values but an
    annotation the value's log10, hence `log_y`."""
    line = {
        "type": "line",
        "xref": "paper",
        "yref": "y",
        "x0": 0,
        "x1": 1,
        "y0": y,
        "y1": y,
        "line": {"color": color, "width": 1.5, "dash": dash},
    }
    label = {
        "x": 1,
        "y": math.log10(y) if log_y else y,
        "xref": "paper",
        "yref": "y",
        "xanchor": "right",
        "yanchor": "bottom",
        "text": text,
        "showarrow": False,
        "font": {"color": color, "size": 11},
        "bgcolor": "rgba(255, 255, 255, 0.8)",
    }
    return line, label


def add_marks(layout: dict, marks: list[tuple[dict, dict]]) -> None:
    """Each mark's line to the layout's shapes and its label to its annotations, in the order
    given: plotly draws later shapes over earlier ones. A layout without marks gets neither key,
    as a figure never given a shape has none."""
    for line, label in marks:
        layout.setdefault("shapes", []).append(line)
        layout.setdefault("annotations", []).append(label)


def histogram_edges(samples: list[np.ndarray], max_bins: int = MAX_BINS) -> np.ndarray:
    """Common bin edges for samples laid on one axis. Whole numbers (conversions) get bins of a
    whole width centred between integers, so no bin holds more integers than another; one bin
    centred on the value when every finite value is the same."""
    values = np.concatenate([s[np.isfinite(s)] for s in samples]) if samples else np.array([])
    if values.size == 0:
        return np.array([-0.5, 0.5])
    low, high = float(values.min()), float(values.max())
    bins = bin_count(values, max_bins)
    if np.all(values == np.round(values)):
        width = max(1, math.ceil((high - low + 1) / bins))
        return low - 0.5 + width * np.arange(math.ceil((high - low + 1) / width) + 1)
    if low == high:
        return np.array([low - 0.5, high + 0.5])
    return np.linspace(low, high, bins + 1)


def bin_count(values: np.ndarray, max_bins: int) -> int:
    """numpy's 'auto' rule (the larger of Sturges and Freedman-Diaconis), at most `max_bins`;
    computed here because numpy's can ask for millions of bins when the IQR is tiny."""
    n, low, high = values.size, float(values.min()), float(values.max())
    sturges = math.ceil(math.log2(n)) + 1
    iqr = float(np.subtract(*np.percentile(values, [75, 25])))
    fd = math.ceil((high - low) / (2 * iqr * n ** (-1 / 3))) if iqr > 0 else max_bins
    return max(1, min(max_bins, max(sturges, fd)))


def histogram_bar(
    values: np.ndarray, edges: np.ndarray, name: str, weights: np.ndarray | None = None
) -> dict:
    """A histogram binned here (the page carries bins, not every replication), as a plain bar
    trace: each bar is the share of the finite values falling in its bin (`weights`: how many
    each value stands for)."""
    finite = np.isfinite(values)
    weights = np.ones(values.shape) if weights is None else np.asarray(weights, dtype=float)
    counts, _ = np.histogram(values[finite], bins=edges, weights=weights[finite])
    total = weights[finite].sum()
    share = counts / total if total else counts.astype(float)
    return {
        "type": "bar",
        "name": name,
        "x": (edges[:-1] + edges[1:]) / 2,
        "y": share,
        "width": np.diff(edges),
        "customdata": np.column_stack([edges[:-1], edges[1:]]),
        "hovertemplate": f"{html.escape(name)}: %{{y:.1%}} of replications in "
        "%{customdata[0]:,.4~g} to %{customdata[1]:,.4~g}<extra></extra>",
    }
