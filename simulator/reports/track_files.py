"""Writing `smmsim track`'s outputs: track.json, track.csv, rejected_rows.csv and track.html, each
atomically."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from smmsim.scenarios.exports import DEFAULT_EXPORTS, Exports, write_tables
from smmsim.scenarios.files import write_atomic
from smmsim.simulator.reports.alongside import pages_alongside
from smmsim.simulator.reports.kit import PLOTLYJS_FILE
from smmsim.simulator.studies.track.study import TrackResult

TRACK_FILES = ("track.json", "track.csv", "rejected_rows.csv", "track.html", PLOTLYJS_FILE)
REJECTED_HEADER = ("file", "line", "reasons", "detail", "row")


def rejected_rows(rejected: Iterable, aside: Iterable) -> list[Sequence]:
    """Rows the importer rejected (its reasons) and rows set aside by the matching (theirs), in
    one table: every row read and not used is in it once."""
    rows = [[r.file, r.line, ";".join(r.reasons), r.detail, r.raw] for r in rejected]
    rows += [[a.file, a.line, a.reason, a.detail, a.row] for a in aside]
    return rows


def rejected_frame(rows: list[Sequence]):
    import pandas as pd

    return pd.DataFrame([list(r) for r in rows], columns=list(REJECTED_HEADER))


def write_rejected(rows: list[Sequence], out_dir: Path, exports: Exports = DEFAULT_EXPORTS) -> None:
    write_tables(out_dir, {"rejected_rows.csv": rejected_frame(rows)}, exports)


def write_track(
    result: TrackResult,
    rejected: list[Sequence],
    out_dir: Path,
    plotlyjs: str = "folder",
    exports: Exports = DEFAULT_EXPORTS,
) -> None:
    """track.json, track.csv, rejected_rows.csv and track.html (with plotly.min.js beside them
    in `plotlyjs` mode 'folder'), and what `exports` adds."""
    from smmsim.simulator.reports.track_page import track_html

    with pages_alongside(out_dir, lambda: {"track.html": track_html(result)}, plotlyjs):
        frame = result.to_frame()
        frame["seed"] = result.seed
        write_atomic(out_dir / "track.json", result.to_json())
        tables = {"track.csv": frame, "rejected_rows.csv": rejected_frame(rejected)}
        write_tables(out_dir, tables, exports)
