"""Writing files safely: atomically (temp file, then rename), a command's output folder as a
whole, CSV cells a spreadsheet cannot run, and JSON without NaN.

Every output of every command, and every scenario file smmsim writes, goes through here, so a
crash never leaves half a file, nor a folder of old and new files mixed.
"""

from __future__ import annotations

import csv
import ctypes
import functools
import io
import json
import math
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from smmsim.scenarios.errors import SmmsimError

T = TypeVar("T")


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside `path`, then rename: a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def json_text(document: dict) -> str:
    """JSON with undefined numbers (NaN) as null, as JSON has no NaN."""
    return json.dumps(_nan_to_none(document), indent=2, ensure_ascii=False) + "\n"


def _nan_to_none(value):
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nan_to_none(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --- a command's output folder, replaced as a whole ------------------------------------------


def write_output_set(folder: Path, write: Callable[[Path], T], owned: Iterable[str] = ()) -> T:
    """Run `write(staging)` to write a command's outputs into a new folder beside `folder`, then
    put that folder in `folder`'s place, so a crash or a kill leaves the old set or the new one,
    never new files beside old ones that each look complete.

    Entries already in `folder` that are not outputs (neither written now nor named in `owned`,
    the names this command may write) are carried into the new folder as hard links (copies
    where the file system has none), so a user's notes, a scenario or a study database stay.
    On Linux the two folders trade places in one step (renameat2 RENAME_EXCHANGE); elsewhere by
    two renames, between which `folder` is briefly absent. Returns what `write` returns."""
    target = Path(os.path.realpath(folder))  # a symlinked folder: replace where it points
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))
    try:
        result = write(staging)
        if target.exists():
            os.chmod(staging, stat.S_IMODE(target.stat().st_mode))
            _carry_over(target, staging, skip={p.name for p in staging.iterdir()} | set(owned))
            _swap_into_place(staging, target)
        else:
            os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes 0700; give what mkdir would
            os.rename(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # the old set after a swap; else what's left
    return result


def check_output_folder(
    folder: Path, *, owned: Iterable[str] = (), inputs: Iterable[Path] = ()
) -> None:
    """Before any work: `folder` can be replaced as a whole (it is not the current folder, one
    above it or a mount point), its parent and itself take files, and no input file sits there
    under an output's name. Raises SmmsimError naming the folder and the rule."""
    target = Path(os.path.realpath(folder))
    here = Path.cwd().resolve()
    if target == here or target in here.parents or os.path.ismount(target):
        raise SmmsimError(
            f"{folder}: the output folder is replaced as a whole, so it cannot be the current "
            "folder, one above it or a mount point; name a folder for the outputs, e.g. out/run"
        )
    if target.exists() and not target.is_dir():
        raise SmmsimError(f"{folder}: the output folder is a file; name a folder")
    owned = set(owned)
    for path in inputs:
        real = Path(os.path.realpath(path))
        if real.parent == target and real.name in owned:
            raise SmmsimError(
                f"{folder}: writing the outputs would replace the input file {path}; "
                "write them to another folder"
            )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.probe-"))
        if target.exists():
            os.close(_probe_file(target))
    except OSError as exc:
        raise SmmsimError(f"{folder}: cannot write the outputs: {exc.strerror or exc}") from None


def check_new_file(
    path: Path, option: str, inputs: Iterable[tuple[str, Path]], force: bool
) -> None:
    """Before any work, for an option that writes a file (`--write-scenario`): never an input
    file (`inputs`: what each is, and its path), an existing file only with --force, and its
    folder takes files. Raises SmmsimError naming the path and the rule."""
    target = Path(os.path.realpath(path))
    for role, source in inputs:
        if Path(os.path.realpath(source)) == target:
            raise SmmsimError(
                f"{path}: {option} would overwrite {role} {source}, an input of this command; "
                "write to another file"
            )
    if target.exists() and not force:
        raise SmmsimError(f"{path}: already exists; pass --force to overwrite it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.close(_probe_file(target.parent))
    except OSError as exc:
        raise SmmsimError(f"{path}: cannot write {option}: {exc.strerror or exc}") from None


def _probe_file(folder: Path) -> int:
    """Create and remove a file in `folder` (raises OSError when it takes none); its closed fd."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=".probe-")
    os.unlink(name)
    return fd


def _carry_over(old: Path, new: Path, skip: set[str]) -> None:
    """Hard-link (or copy) every entry of `old` not in `skip` into `new`: until the swap `old`
    keeps everything, so a kill here loses nothing."""
    for entry in old.iterdir():
        if entry.name in skip:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, new / entry.name, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, new / entry.name)


def _link_or_copy(source, destination) -> None:
    if os.path.islink(source):
        os.symlink(os.readlink(source), destination)
        return
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _swap_into_place(staging: Path, target: Path) -> None:
    """Put `staging` at `target`, leaving the old folder at `staging` for the caller to remove."""
    if _exchange(staging, target):
        return
    old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
    os.rename(target, old / "set")
    os.rename(staging, target)
    os.rename(old, staging)  # the caller removes the old set with the staging folder


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return done == 0


@functools.cache
def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


# --- CSV cells a spreadsheet would run -------------------------------------------------------

# A spreadsheet reads a cell starting with one of these as a formula (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """Text a spreadsheet would run as a formula (`=HYPERLINK(...)`, `@SUM(...)`, `-2+3`), with a
    leading apostrophe so it reads as text; numbers, and text that is a plain number such as
    `-5`, stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_table(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A CSV table (header, then rows) with every cell passed through `csv_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([csv_cell(name) for name in header])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return out.getvalue()


def frame_csv(frame, *, sep: str = ",", decimal: str = ".") -> str:
    """A pandas DataFrame as CSV without its index, its text cells and column names passed
    through `csv_cell` (numeric columns are left alone); `sep` and `decimal` for a locale that
    writes `1,5` (scenarios.exports chooses them and rounds the numbers first)."""
    safe = frame.rename(columns=csv_cell)
    for column in safe.select_dtypes(include=["object", "string"]).columns:
        safe[column] = safe[column].map(csv_cell)
    return safe.to_csv(index=False, sep=sep, decimal=decimal)
