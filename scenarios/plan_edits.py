"""A loaded plan that a notebook can change safely: every change is validated as a file would be.

`Plan.replace("platforms.facebook.tools.paid_ads.budget_share", 0.3)` returns a new plan; a bad
path or value raises the same `ScenarioError` (file, key path, rule, bad value) as
`smmsim validate`. List items are picked by index or by their name (platforms) or type (tools).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smmsim.scenarios.errors import Issue, ScenarioError
from smmsim.scenarios.loader import read_yaml, scenario_from_data
from smmsim.scenarios.schema import Scenario

# What names a list item in a path: a platform by its name, a tool by its type.
ITEM_KEYS = ("name", "type")


@dataclass(frozen=True)
class Plan:
    """A validated scenario together with the data it was read from and where from."""

    scenario: Scenario
    data: dict
    source: str

    @classmethod
    def read(cls, path: str | Path) -> Plan:
        """Read and validate a scenario file; raise `ScenarioError` listing every problem."""
        data = read_yaml(Path(path))
        return cls(scenario_from_data(data, str(path)), data, str(path))

    def replace(self, path: str, value: Any) -> Plan:
        """A copy with the value at the dotted key `path` set to `value`, validated whole.

        Example:
            >>> plan = Plan.read("scenarios/examples/kids-shop.yaml")
            >>> plan.replace("campaign.budget", 15000).scenario.campaign.budget
            15000.0
        """
        data = copy.deepcopy(self.data)
        parent, key = _container(data, path.split("."), path, self.source)
        parent[key] = value
        return Plan(scenario_from_data(data, self.source), data, self.source)

    def with_search(self, names: list[str] | tuple[str, ...] | None) -> Plan:
        """A copy whose `optimise.search` is `names` (the command line's `--search`), validated
        whole; None keeps the file's. It replaces the block's older keys too: `policy: true`
        goes, and a `tactics` list stays only where tactics are searched."""
        if names is None:
            return self
        data = copy.deepcopy(self.data)
        block = data.get("optimise")
        block = dict(block) if isinstance(block, dict) else {}
        block.pop("policy", None)
        if "tactics" not in names:
            block.pop("tactics", None)
        block["search"] = list(names)
        data["optimise"] = block
        return Plan(scenario_from_data(data, self.source), data, self.source)


def _container(data: Any, parts: list[str], path: str, source: str) -> tuple[Any, Any]:
    """The dict or list holding the last part of the path, and the key or index in it."""
    node = data
    for i, part in enumerate(parts[:-1]):
        node = _step(node, part, ".".join(parts[: i + 1]), source)
    last = parts[-1]
    if isinstance(node, list):
        return node, _index(node, last, path, source)
    if not isinstance(node, dict):
        raise ScenarioError(source, [Issue(path, "no such key: its parent is a value", node, True)])
    return node, last


def _step(node: Any, part: str, where: str, source: str) -> Any:
    if isinstance(node, list):
        return node[_index(node, part, where, source)]
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, dict):
        # A section not written yet (community:, reputation:) starts empty.
        return node.setdefault(part, {})
    raise ScenarioError(source, [Issue(where, "no such key: its parent is a value", node, True)])


def _index(items: list, part: str, where: str, source: str) -> int:
    """An item of a list by position, or by the name or type it declares."""
    if part.isdigit() and int(part) < len(items):
        return int(part)
    for i, item in enumerate(items):
        if isinstance(item, dict) and any(item.get(k) == part for k in ITEM_KEYS):
            return i
    names = [str(item.get("name", item.get("type"))) for item in items if isinstance(item, dict)]
    message = f"no item {part!r} here; the items are {', '.join(names) or 'none'}"
    raise ScenarioError(source, [Issue(where, message)])
