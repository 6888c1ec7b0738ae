"""Writing `smmsim track`'s outputs: track.json, track.csv, rejected_rows.csv and track.html, each
atomically."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from smmsim.scenarios.files import csv_table, frame_csv, write_atomic
from smmsim.simulator.reports.kit import PLOTLYJS_FILE, write_pages
from smmsim.simulator.studies.track.study import TrackResult

TRACK_FILES = ("track.json", "track.csv", "rejected_rows.csv", "track.html", PLOTLYJS_FILE)
REJECTED_HEADER = ("file", "line", "reasons", "detail", "row")


def rejected_rows(rejected: Iterable, aside: Iterable) -> list[Sequence]:
    """Rows the importer rejected (its reasons) and rows set aside by the matching (theirs), in
    one table: every row read and not used is in it once."""
    rows = [[r.file, r.line, ";".join(r.reasons), r.detail, r.raw] for r in rejected]
    rows += [[a.file, a.line, a.reason, a.detail, a.row] for a in aside]
    return rows


def write_rejected(rows: list[Sequence], out_dir: Path) -> None:
    write_atomic(out_dir / "rejected_rows.csv", csv_table(list(REJECTED_HEADER), rows))


def write_track(
    result: TrackResult, rejected: list[Sequence], out_dir: Path, plotlyjs: str = "folder"
) -> None:
    """track.json, track.csv, rejected_rows.csv and track.html (with plotly.min.js beside them
    in `plotlyjs` mode 'folder')."""
    from smmsim.simulator.reports.track_page import track_html

    frame = result.to_frame()
    frame["seed"] = result.seed
    write_atomic(out_dir / "track.json", result.to_json())
    write_atomic(out_dir / "track.csv", frame_csv(frame))
    write_rejected(rejected, out_dir)
    write_pages(out_dir, {"track.html": track_html(result)}, plotlyjs)
