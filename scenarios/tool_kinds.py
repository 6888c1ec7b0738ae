"""Every kind of tool a platform can have, declared once, with the facts the rest of smmsim reads.

A tool kind is its schema class (`tools_schema.py`, whose `type` literal is the kind's name) plus
what other modules would otherwise list by hand: how its money is found, whether its clicks fill
the retargeting pools, whether its units are posts in the own feed, and which dial the optimiser
turns. The scenario union, the checks, the engine's masks and the optimiser's space all read these
facts from `TOOL_KINDS`, so adding a tool means one schema class and one entry here (plus its
delivery code and its tests): see the README's "Adding a tool".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import Field

from smmsim.scenarios.schema_base import StrictModel
from smmsim.scenarios.tools_schema import (
    AdArm,
    CommunityContent,
    Contest,
    CreativeRefresh,
    Influencer,
    PaidAds,
    Retargeting,
    Seeding,
    Tactic,
)

# How a tool's money is found:
# - "paced_ads": bought in the ad auction from the paced budget; strategies and the optimiser split
#   the budget over these.
# - "retargeting": bought in the auction but shown only to the platform's recent visitors, so it is
#   funded as planned under every strategy (a split cannot buy visitors).
# - "tactic": whole units bought on the days its schedule names, at a known unit cost.
Role = Literal["paced_ads", "retargeting", "tactic"]
# The optimiser's dial on a tactic, named as its parameter prefix: "intensity" multiplies the
# schedule's rates; "placements" books a whole number of units over the planned span.
Dial = Literal["intensity", "placements"]
AD_ROLES = ("paced_ads", "retargeting")


@dataclass(frozen=True)
class ToolKind:
    model: type[StrictModel]  # the schema class; its `type` literal is the kind's name
    role: Role
    brings_clicks: bool = False  # its clicks join its platform's retargeting pools
    posts_in_feed: bool = False  # its units are posts in the own feed: they crowd one another
    dial: Dial | None = None  # searched by `smmsim optimise` by default, and allowed in `tactics:`
    unit: str | None = None  # what one scheduled unit is, for people reading counts of units

    def __post_init__(self) -> None:
        # The role decides which base the schema class needs: the engine builds its arm table
        # from AdArm fields and its tactic table from Tactic fields.
        base = AdArm if self.role in AD_ROLES else Tactic
        if not issubclass(self.model, base):
            raise TypeError(f"{self.model.__name__}: a {self.role} tool must be a {base.__name__}")
        if (self.role == "tactic") != (self.unit is not None):
            raise TypeError(f"{self.model.__name__}: a unit name goes with a scheduled tactic")
        if self.dial is not None and self.role != "tactic":
            raise TypeError(f"{self.model.__name__}: only a scheduled tactic has a dial")

    @property
    def name(self) -> str:
        return self.model.model_fields["type"].annotation.__args__[0]


TOOL_KINDS: tuple[ToolKind, ...] = (
    ToolKind(PaidAds, "paced_ads", brings_clicks=True),
    ToolKind(Retargeting, "retargeting"),
    ToolKind(Influencer, "tactic", brings_clicks=True, dial="placements", unit="placement"),
    ToolKind(
        CommunityContent,
        "tactic",
        brings_clicks=True,
        posts_in_feed=True,
        dial="intensity",
        unit="post",
    ),
    ToolKind(Contest, "tactic", posts_in_feed=True, unit="contest"),
    ToolKind(Seeding, "tactic", dial="intensity", unit="seeded item"),
    ToolKind(CreativeRefresh, "tactic", unit="refresh"),
)
KINDS: dict[str, ToolKind] = {kind.name: kind for kind in TOOL_KINDS}


def kinds_where(fact: Callable[[ToolKind], bool]) -> tuple[str, ...]:
    """Names of the kinds with a fact, in declaration order."""
    return tuple(kind.name for kind in TOOL_KINDS if fact(kind))


def kind_of(tool: Any) -> ToolKind:
    """The registry entry of a scenario's tool."""
    return KINDS[tool.type]


def check_kinds(*names: str) -> tuple[str, ...]:
    """`names`, each a registered kind: a kind string that drifted from the registry fails here
    instead of silently matching no tool."""
    unknown = [name for name in names if name not in KINDS]
    if unknown:
        raise KeyError(f"not a tool kind: {', '.join(unknown)}")
    return names


TOOL_TYPES: dict[str, type[StrictModel]] = {kind.name: kind.model for kind in TOOL_KINDS}
AD_TOOLS = tuple(kind.model for kind in TOOL_KINDS if kind.role in AD_ROLES)
AD_TOOL_TYPES = kinds_where(lambda kind: kind.role in AD_ROLES)
PACED_ADS = kinds_where(lambda kind: kind.role == "paced_ads")
RETARGETING = kinds_where(lambda kind: kind.role == "retargeting")
CLICK_SOURCES = kinds_where(lambda kind: kind.brings_clicks)
FEED_POSTERS = kinds_where(lambda kind: kind.posts_in_feed)
FEED_TOOLS = tuple(TOOL_TYPES[name] for name in FEED_POSTERS)
SEARCHED_TACTICS = kinds_where(lambda kind: kind.dial is not None)

# The tool a scenario file names, picked by its `type`.
Tool = Annotated[Union[tuple(TOOL_TYPES.values())], Field(discriminator="type")]  # noqa: UP007


def either(names: tuple[str, ...], word: str = "or") -> str:
    """'a', 'a or b', 'a, b or c': kinds named in a message."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {word} {names[-1]}"
