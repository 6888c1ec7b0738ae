"""The console every command prints its tables to, made one way so that no figure is ever cut.

In a terminal, tables fit its width as rich lays them out, but a cell too long for its column
folds onto the next line instead of ending in '…' (rich's default), so a narrow window still
shows every digit and every letter. Piped or redirected (a CI log, `| less`, a file), there is no
width to fit: tables take the full width their content needs and prose lines are not wrapped,
where rich would otherwise squeeze everything into 80 columns and cut numbers ('7,4…') and names.

The CLI makes the console and hands it to each printer, so the calibration console, which may
not import this package, prints the same way.
"""

from __future__ import annotations

from rich.console import Console, ConsoleRenderable, RenderHook
from rich.table import Table

# Wider than any table: a table takes only the width it needs, and rich pads nothing to the
# console's width, so this bound is never seen in the output.
PIPED_WIDTH = 100_000


def bracket(low: str, high: str) -> str:
    """An interval's two printed bounds, '[5 - 90]'; '[-23 to 91.9]' where a bound is negative,
    which a dash between them would read as a subtraction."""
    if low.startswith("-") or high.startswith("-"):
        return f"[{low} to {high}]"
    return f"[{low} - {high}]"


class FoldCells(RenderHook):
    """Folds a cell's overlong word onto the next line rather than cutting it with '…'."""

    def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
        for renderable in renderables:
            if isinstance(renderable, Table):
                for column in renderable.columns:
                    column.overflow = "fold"
        return renderables


def stdout_console() -> Console:
    """The console on standard output: the terminal's width there, the content's width piped."""
    console = Console()
    if not console.is_terminal:
        console.width = PIPED_WIDTH
    console.push_render_hook(FoldCells())
    return console
