"""Edits of a YAML file's own text: only the values that change are rewritten, in place.

A planner's scenario file is mostly comments: why a share is 0.45, where a price comes from. An
edited copy keeps every line whose value is unchanged byte for byte, comments included; a changed
value is rewritten where it stands, with a note in its end-of-line comment (the comment the line
had follows the note). The places come from PyYAML's node marks (`yaml.compose`): the text
between a key and the end of its value is what an edit replaces.

Three edits: `Set` a value (adding the key, and any missing parent, when the file does not give
it), `Rename` a key with its value (`daily_budget: 40` -> `budget_share: 0.2`), and `Remove` a
key (its line is kept as a comment, so the planner sees what went). A value is written in flow
style (`[{per_week: 3.5}]`), which needs no indentation of its own. A file whose edited values
sit under an anchor or alias is refused with `YamlEditError`: editing the anchor would change
every alias too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from smmsim.scenarios.yaml_text import scalar_text

Path = tuple[str | int, ...]


class YamlEditError(Exception):
    """The text cannot be edited in place; the caller writes the data afresh instead."""


@dataclass(frozen=True)
class Set:
    path: Path
    value: Any
    note: str


@dataclass(frozen=True)
class Rename:
    path: Path  # the key as the file has it
    key: str  # the key it becomes
    value: Any
    note: str


@dataclass(frozen=True)
class Remove:
    path: Path
    note: str


Edit = Set | Rename | Remove


def edited_text(text: str, edits: list[Edit]) -> str:
    """`text` with `edits` applied, every other character as it was."""
    ours = tuple(edit.note for edit in edits if edit.note)
    for edit in edits:  # one at a time: each edit moves the marks of what follows it
        text = _apply(text, edit, ours)
    return text


def flow_text(value: Any) -> str:
    """A value as one line of flow YAML: `{mean: 0.01, sd: 0.003}`, `[{per_week: 3}]`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow_text(v) for v in value) + "]"
    return scalar_text(value)


# --- finding the nodes ------------------------------------------------------------------------


def _root(text: str) -> yaml.MappingNode:
    if any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=yaml.SafeLoader)):
        raise YamlEditError("the file uses YAML aliases")
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.MappingNode):
        raise YamlEditError("the document is not a mapping")
    return node


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node | None]:
    """(key node, value node) of `part` in a mapping, (None, item) in a sequence; (None, None)
    where the mapping does not have the key."""
    if isinstance(part, int):
        if not isinstance(node, yaml.SequenceNode) or part >= len(node.value):
            raise YamlEditError(f"no item {part}")
        return None, node.value[part]
    if not isinstance(node, yaml.MappingNode):
        raise YamlEditError(f"{part!r} is not under a mapping")
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == part:
            return key, value
    return None, None


def _walk(root: yaml.Node, path: Path) -> tuple[yaml.Node, Path]:
    """The deepest node on `path` that exists, and the part of `path` below it."""
    node = root
    for i, part in enumerate(path):
        _, found = _child(node, part)
        if found is None:
            return node, path[i:]
        node = found
    return node, ()


def _content_end(node: yaml.Node) -> int:
    """Where a value's own text ends: a block collection's end mark lies past the comments and
    blank lines that follow it, so it ends with its last item's content instead."""
    if isinstance(node, yaml.ScalarNode) or node.flow_style or not node.value:
        return node.end_mark.index
    last = node.value[-1]
    return _content_end(last[1] if isinstance(last, tuple) else last)


# --- the edits -------------------------------------------------------------------------------


def _apply(text: str, edit: Edit, ours: tuple[str, ...]) -> str:
    root = _root(text)
    parent, missing = _walk(root, edit.path[:-1])
    if missing:
        if isinstance(edit, Remove):
            return text  # nothing there to remove
        nested: Any = edit.value
        for part in reversed((*missing[1:], edit.path[-1])):
            nested = {part: nested}
        return _insert(text, parent, str(missing[0]), nested, edit.note, ours)
    key, value = _child(parent, edit.path[-1])
    if key is None:
        if isinstance(edit, Set):
            return _insert(text, parent, str(edit.path[-1]), edit.value, edit.note, ours)
        return text
    if isinstance(edit, Set):
        new = f": {flow_text(edit.value)}"
        return _replace(text, parent, key.end_mark.index, value, new, edit.note, ours)
    if isinstance(edit, Rename):
        new = f"{edit.key}: {flow_text(edit.value)}"
        return _replace(text, parent, key.start_mark.index, value, new, edit.note, ours)
    return _remove(text, parent, key, value, edit.note)


def _replace(
    text: str,
    parent: yaml.Node,
    start: int,
    value: yaml.Node,
    new: str,
    note: str,
    ours: tuple[str, ...],
) -> str:
    end = _content_end(value)
    flow = bool(parent.flow_style)
    column = _comment_column(text, end, flow)  # where the line's comment starts, as written
    edited = text[:start] + new + text[end:]
    return _noted(edited, start + len(new), note, ours, flow=flow, column=column)


def _insert(
    text: str, parent: yaml.Node, key: str, value: Any, note: str, ours: tuple[str, ...]
) -> str:
    entry = f"{key}: {flow_text(value)}"
    if not isinstance(parent, yaml.MappingNode):
        raise YamlEditError(f"cannot add {key!r} under a sequence")
    if parent.flow_style:
        close = parent.end_mark.index - 1  # the closing brace
        if text[close] != "}":
            raise YamlEditError("a flow mapping without its closing brace")
        gap = ", " if parent.value else ""
        edited = text[:close] + gap + entry + text[close:]
        return _noted(edited, close + len(gap) + len(entry), note, ours, flow=True)
    first_key = parent.value[0][0]
    at = _line_end(text, _content_end(parent.value[-1][1]))
    line = "\n" + " " * first_key.start_mark.column + entry
    edited = text[:at] + line + text[at:]
    return _noted(edited, at + len(line), note, ours, flow=False)


def _remove(text: str, parent: yaml.Node, key: yaml.Node, value: yaml.Node, note: str) -> str:
    if parent.flow_style:
        pairs = parent.value
        index = next(i for i, (k, _) in enumerate(pairs) if k is key)
        if index + 1 < len(pairs):
            start, end = key.start_mark.index, pairs[index + 1][0].start_mark.index
        elif index > 0:
            start, end = _content_end(pairs[index - 1][1]), _content_end(value)
        else:
            start, end = key.start_mark.index, _content_end(value)
        return text[:start] + text[end:]
    start = key.start_mark.index
    end = _content_end(value)
    if "\n" in text[start:end]:
        raise YamlEditError(f"{key.value!r} spans several lines")
    commented = f"# {text[start:end]}  ({note})"
    line_end = _line_end(text, end)
    return text[:start] + commented + text[line_end:]


# --- notes -----------------------------------------------------------------------------------


def _line_end(text: str, at: int) -> int:
    found = text.find("\n", at)
    return len(text) if found < 0 else found


def _comment_column(text: str, at: int, flow: bool) -> int | None:
    """The column of the comment on the line holding `at`, past `at`; None without one."""
    rest = text[at : _line_end(text, at)]
    hash_at = _comment_start(rest, flow)
    return None if hash_at is None else at - (text.rfind("\n", 0, at) + 1) + hash_at


def _noted(
    text: str,
    at: int,
    note: str,
    ours: tuple[str, ...] = (),
    *,
    flow: bool,
    column: int | None = None,
) -> str:
    """The line holding position `at` with `note` first in its end-of-line comment. A comment
    the line already had follows the note, at the column it started in the original text
    (`column`, so that the comment lines aligned under it still line up); a note of this same
    edit there (`ours`: two values changed on one flow line) is joined with a ';'."""
    if not note:
        return text
    end = _line_end(text, at)
    line_start = text.rfind("\n", 0, at) + 1
    rest = text[at:end]
    hash_at = _comment_start(rest, flow)
    if hash_at is None:
        return text[:end] + f"  # {note}" + text[end:]
    if column is None:
        column = at - line_start + hash_at
    code = text[line_start:at] + rest[:hash_at].rstrip()
    old = rest[hash_at:].lstrip("#").strip()
    if not old:
        comment = f"# {note}"
    elif old.startswith(ours):
        comment = f"# {note}; {old}"
    else:
        comment = f"# {note}. Planned: {old}"
    line = code + " " * max(column - len(code), 2) + comment
    return text[:line_start] + line + text[end:]


def _comment_start(rest: str, flow: bool) -> int | None:
    """Where the comment starts in what follows a value on its line: '#' after a blank. Past a
    value, a block line holds only blanks before it; a flow line may hold the rest of its
    collection (quoted text with ' #' in it is not expected there)."""
    for i, char in enumerate(rest):
        if char == "#" and (i == 0 or rest[i - 1] in " \t"):
            return i
        if not flow and char not in " \t":
            return None
    return None
