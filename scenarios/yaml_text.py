"""Scenario data as readable YAML: block style, small maps on one line, notes as comments.

Written by hand rather than by yaml.dump so that beliefs read as `{mean: 0.01, sd: 0.003}`, dates
as dates, and each changed value can carry an end-of-line note saying where it came from.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date

FLOW_ITEMS = 3  # maps this small (a belief, the auction curve) read best on one line
# A word YAML reads back as this same string, so it needs no quotes (`test-then-scale`).
PLAIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_./-]*")
YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def render_yaml(data, notes: dict[str, str], path: str = "", indent: int = 0) -> str:
    """Block YAML with beliefs and small maps in flow style and notes as end-of-line comments."""
    pad = " " * indent
    lines = []
    for key, value in data.items():
        here = f"{path}.{key}" if path else key
        comment = f"  # {notes[here]}" if here in notes else ""
        leaf = isinstance(value, dict) and all(
            not isinstance(v, dict | list) for v in value.values()
        )
        if leaf and len(value) <= FLOW_ITEMS:
            flow = ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items())
            lines.append(f"{pad}{key}: {{{flow}}}{comment}")
        elif isinstance(value, dict):
            lines.append(f"{pad}{key}:{comment}")
            lines.append(render_yaml(value, notes, here, indent + 2))
        elif isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
            flow = ", ".join(_scalar(v) for v in value)
            lines.append(f"{pad}{key}: [{flow}]{comment}")
        elif isinstance(value, list):
            lines.append(f"{pad}{key}:{comment}")
            for i, item in enumerate(value):
                body = render_yaml(item, notes, f"{here}[{i}]", indent + 4)
                lines.append(f"{pad}  - {body.lstrip()}")
        else:
            lines.append(f"{pad}{key}: {_scalar(value)}{comment}")
    return "\n".join(lines)


def _scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if not math.isfinite(value):
            return ".inf"
        short = f"{value:.6g}"
        # Six digits read best, but a value given more precisely is written as it is.
        return short if float(short) == value else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def scalar_text(value) -> str:
    """A scalar as a planner writes it: a plain word unquoted (`type: fixed`), a number short
    when that is exact; anything else as `render_yaml` writes it."""
    if isinstance(value, str) and PLAIN_WORD.fullmatch(value) and value.lower() not in YAML_WORDS:
        return value
    return _scalar(value)
