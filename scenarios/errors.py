"""Errors a user can act on: the file, the place in it, the rule broken and the bad value."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem in an input file. `path` is a key path such as `platforms[2].ctr.mean`."""

    path: str
    message: str
    value: object = None
    has_value: bool = False

    def render(self, file: str) -> str:
        where = f"{file}: {self.path}" if self.path else file
        got = f" (got {_shortened(repr(self.value))})" if self.has_value else ""
        return f"{where}: {self.message}{got}"


MAX_VALUE_CHARS = 200  # a bad value is shown, not dumped: a list of thousands reads as its start


def _shortened(text: str) -> str:
    if len(text) <= MAX_VALUE_CHARS:
        return text
    return f"{text[:MAX_VALUE_CHARS]}... ({len(text):,} characters)"


class SmmsimError(Exception):
    """Any error caused by the user's input; the CLI prints it without a traceback."""

    exit_code = 1

    def lines(self) -> list[str]:
        return [str(self)]


class ScenarioError(SmmsimError):
    """A scenario file that cannot be used, with every problem found in it."""

    exit_code = 2

    def __init__(self, file: str, issues: list[Issue]):
        self.file = file
        self.issues = issues
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [issue.render(self.file) for issue in self.issues]
