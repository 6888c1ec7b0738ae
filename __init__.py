"""smmsim: simulate social-media marketing budgets and test campaigns.

The Python API (see `smmsim.api`): `load`, `example`, `simulate`, `compare`, `size_test`,
`check`, `calibrate`, `optimise`, `brief`, `track`. Each returns a typed result with `to_json()`
(and pandas views where it has tables); `export_tables` writes such tables as the commands do
(CSV in a locale, a workbook, Parquet). They are loaded on first use, so `import smmsim` (and
the `smmsim` command) stays fast.
"""

from __future__ import annotations

from typing import Any

API = (
    "load",
    "example",
    "simulate",
    "compare",
    "size_test",
    "check",
    "calibrate",
    "optimise",
    "brief",
    "track",
    "export_tables",
)

__all__ = list(API)


def __getattr__(name: str) -> Any:
    if name in API:
        from smmsim import api

        return getattr(api, name)
    raise AttributeError(f"module 'smmsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *API])
