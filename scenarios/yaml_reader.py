"""Reading scenario YAML safely: safe tags only, and a file cannot make the reader do unbounded
work, nor say two things at one key.

PyYAML's SafeLoader still lets a few kilobytes of aliases expand to billions of values (a
"billion laughs"), reads a repeated key silently as its last value, composes nesting by recursion
(thousands of `[` end in RecursionError) and raises a bare ValueError for a date such as
2027-02-30. `ScenarioYamlLoader` refuses the first three with the line and column where the file
says so, and leaves an impossible date as its text for the schema to reject by key path.
"""

from __future__ import annotations

import re

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# A scenario has a few hundred values; the bundled examples are under 1,000 once expanded. The
# limits are far above any plan and far below what would take the reader seconds or gigabytes.
MAX_VALUES = 100_000  # values in the document with every alias expanded
MAX_DEPTH = 64  # nested lists and maps; a scenario nests about 6 deep
MERGE_TAG = "tag:yaml.org,2002:merge"


class ScenarioYamlError(yaml.MarkedYAMLError):
    """A file that is valid YAML but breaks a rule of scenario files (not a syntax error)."""

    def __init__(self, problem: str, mark: yaml.Mark):
        super().__init__(problem=problem, problem_mark=mark)


class ScenarioYamlLoader(yaml.SafeLoader):
    """Safe YAML with bounded aliases and nesting, no duplicate keys, and `1e-2` read as a number
    as YAML 1.2 does (YAML 1.1 wants `1.0e-2`)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._expanded: dict[int, int] = {}  # id(node) -> its values with aliases expanded
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) and event.anchor in self.anchors:
            if id(self.anchors[event.anchor]) not in self._expanded:
                raise ScenarioYamlError(
                    f"alias *{event.anchor} refers to a value that contains it", event.start_mark
                )
            return super().compose_node(parent, index)  # already counted where it was anchored
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ScenarioYamlError(
                f"lists and maps may nest at most {MAX_DEPTH} deep", event.start_mark
            )
        node = super().compose_node(parent, index)
        self._depth -= 1
        self._count(node, event)
        return node

    def _count(self, node: Node, event: yaml.Event) -> None:
        """Record the node's size with its aliases expanded: its children are counted already."""
        if isinstance(node, SequenceNode):
            children = node.value
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = []
        size = 1 + sum(self._expanded[id(child)] for child in children)
        if size > MAX_VALUES:
            raise ScenarioYamlError(
                f"this value holds more than {MAX_VALUES:,} values once its aliases are "
                "expanded, the most a scenario file may hold",
                event.start_mark,
            )
        self._expanded[id(node)] = size

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            self._refuse_duplicate_keys(node)
        return super().construct_mapping(node, deep=deep)

    def _refuse_duplicate_keys(self, node: MappingNode) -> None:
        """A key written twice in one map (merged `<<` keys may be overridden, as YAML says)."""
        first: dict[object, yaml.Mark] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == MERGE_TAG:
                continue
            key = self.construct_object(key_node)
            if key in first:
                raise ScenarioYamlError(
                    f"duplicate key {key!r}: first at line {first[key].line + 1}, again at "
                    f"line {key_node.start_mark.line + 1} (which value is meant?)",
                    key_node.start_mark,
                )
            first[key] = key_node.start_mark

    def construct_checked_timestamp(self, node: ScalarNode):
        """A date that does not exist (2027-02-30) stays text: the schema then names its key."""
        try:
            return SafeConstructor.construct_yaml_timestamp(self, node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


ScenarioYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^[-+]?(?:[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
        r"|[0-9][0-9_]*[eE][-+]?[0-9]+|\.inf|\.Inf|\.INF|\.nan|\.NaN|\.NAN)$"
    ),
    list("-+0123456789."),
)
ScenarioYamlLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", ScenarioYamlLoader.construct_checked_timestamp
)
