"""Import ad-platform exports into the canonical daily frame, keeping every row accounted for.

Each file is read by `file_reader.py` (every row used or rejected, with its reasons); here the
files are put together, and a row repeated exactly from an earlier file is rejected too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from smmsim.calibration.columns import NUMERIC_FIELDS
from smmsim.calibration.file_reader import (
    MISSING_LABEL,
    FileImport,
    ImportOptions,
    Rejection,
    import_file,
)

__all__ = ["FileImport", "ImportOptions", "Imported", "Rejection", "import_exports", "import_file"]


@dataclass(frozen=True)
class Imported:
    """Every file's used rows as one canonical frame, with what was rejected and why."""

    frame: object  # pandas.DataFrame: source, line, canonical columns, frequency, dimensions
    rejected: list[Rejection]
    files: list[dict]  # one import summary per file
    # rows whose arm and date another file has too, with other numbers: kept, but worth a look
    overlapping_rows: int = 0

    @property
    def totals(self) -> dict:
        return {
            "files": len(self.files),
            "rows_read": sum(f["rows_read"] for f in self.files),
            "rows_used": sum(f["rows_used"] for f in self.files),
            "rows_rejected": sum(f["rows_rejected"] for f in self.files),
            "view_through_kept": sum(f.get("view_through_kept", 0) for f in self.files),
            "bad_encoding_lines": sum(f.get("bad_encoding_lines", 0) for f in self.files),
            "repaired_shifted": sum(f.get("repaired_shifted", 0) for f in self.files),
        }

    def summary(self) -> dict:
        reasons: Counter[str] = Counter()
        for f in self.files:
            reasons.update(f["rejected_by_reason"])
        return {
            **self.totals,
            "rejected_by_reason": dict(reasons.most_common()),
            "overlapping_rows": self.overlapping_rows,
            "per_file": self.files,
        }


def import_exports(paths: list[Path], options: ImportOptions) -> Imported:
    """Import every file; a file that cannot be read at all stops the import with its reason."""
    parts, rejected, files = [], [], []
    for path in paths:
        done = import_file(path, options, keep_raw=len(paths) > 1)
        parts.append(done.frame)
        rejected.extend(done.rejected)
        files.append(done.summary)
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else next(iter(parts), None)
    frame = pd.DataFrame() if frame is None else frame
    frame, overlapping = _drop_repeats_across_files(frame, rejected, files)
    frame = frame.drop(columns=["raw"], errors="ignore")
    if not len(frame):  # no row used: no dimension either
        frame = pd.DataFrame(columns=CANONICAL_FRAME)
    for column in CANONICAL_FRAME:
        if column not in frame:
            frame[column] = np.nan
    dimension_columns = [c for c in frame.columns if c not in CANONICAL_FRAME]
    # A grouping column one file has and another lacks: the other file's rows are unlabelled.
    frame[dimension_columns] = frame[dimension_columns].fillna(MISSING_LABEL)
    return Imported(frame[[*CANONICAL_FRAME, *dimension_columns]], rejected, files, overlapping)


def _drop_repeats_across_files(frame, rejected: list, files: list[dict]):
    """Two exports that cover the same days: a row repeated exactly from an earlier file is
    rejected as a duplicate (counting it twice would double its spend); one whose arm and date
    recur with other numbers is kept and counted as overlapping, for the analyst to resolve.

    The first row with given values (or a given arm and date) is never itself a repeat, so each
    row is compared with the first row that has its values."""
    if len(files) < 2 or not len(frame):
        return frame, 0
    values = [c for c in frame.columns if c not in ("source", "line", "raw")]
    identity = [c for c in values if c not in NUMERIC_FIELDS]
    first = frame.groupby(values, sort=False, dropna=False)[["source", "line"]].transform("first")
    repeated = (first["source"] != frame["source"]).to_numpy()
    by_file = {f["file"]: f for f in files}
    for row in np.flatnonzero(repeated):
        source = frame["source"].iat[row]
        words = f"repeats {first['source'].iat[row]} line {first['line'].iat[row]} exactly"
        raw = frame["raw"].iat[row]
        rejected.append(Rejection(source, int(frame["line"].iat[row]), ("duplicate",), words, raw))
        summary = by_file[source]
        summary["rows_used"] -= 1
        summary["rows_rejected"] += 1
        reasons = summary["rejected_by_reason"]
        reasons["duplicate"] = reasons.get("duplicate", 0) + 1
    kept = frame[~repeated].reset_index(drop=True)
    owner = kept.groupby(identity, sort=False, dropna=False)["source"].transform("first")
    return kept, int((owner != kept["source"]).sum())


CANONICAL_FRAME = (
    "source",
    "line",
    "date",
    "days",  # how many days the row covers: 1, or a period's length
    "platform",
    "tool",
    "campaign",
    *NUMERIC_FIELDS,
    "currency",
)
