"""Typed result documents: each command's answer as frozen dataclasses with one `to_json()`.

A document's fields are its JSON keys, in the order they are written; nested sections are
documents too, so consoles, pages and CSV writers read attributes, never string keys. A field left
at `ABSENT` is a key the answer does not have (a run that was not risk-assessed has no `risk`), so
the JSON keeps the schema it had. Fields marked `in_memory()` ride along for notebooks (the
simulated `Result`, say) and are never written.

`from_dict` reads a JSON document back into its types (a saved result.json in a notebook, or a
round-trip test), following the fields' annotations.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, ClassVar

from smmsim.scenarios.files import json_text


class _Absent:
    """The value of a document key this answer does not have (distinct from JSON null)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


def in_memory(**kwargs: Any) -> Any:
    """A field that is kept in memory but never written to the JSON document."""
    return dataclasses.field(metadata={"document": False}, repr=False, compare=False, **kwargs)


@dataclasses.dataclass(frozen=True)
class Document:
    """Base of every typed result and of its sections: `to_dict()` is the JSON document."""

    # field name -> JSON key, where the key is not a Python name (`import` is a keyword)
    json_keys: ClassVar[dict[str, str]] = {}

    @classmethod
    def document_fields(cls) -> dict[str, str]:
        """JSON key -> field name of every written field, in the document's order."""
        return {
            cls.json_keys.get(f.name, f.name): f.name
            for f in dataclasses.fields(cls)
            if f.metadata.get("document", True)
        }

    @classmethod
    def from_dict(cls, document: dict, **in_memory_fields: Any) -> Any:
        """The typed document of a JSON-shaped dict. A key with no field is an error, so a key
        added to an answer but not to its type is caught by the tests, not silently lost."""
        fields = cls.document_fields()
        unknown = [k for k in document if k not in fields]
        if unknown:
            raise KeyError(f"{cls.__name__} has no field for {unknown}")
        hints = _hints(cls)
        values = {
            name: _typed(hints[name], document[key]) if key in document else ABSENT
            for key, name in fields.items()
        }
        return cls(**values, **in_memory_fields)

    def to_dict(self) -> dict:
        """The JSON-shaped dict: sections as dicts, in the fields' order, absent keys left out."""
        return {
            key: plain(getattr(self, name))
            for key, name in self.document_fields().items()
            if getattr(self, name) is not ABSENT
        }

    def to_json(self) -> str:
        """The document as written to disk and printed by `--format json` (NaN as null)."""
        return json_text(self.to_dict())


def plain(value: Any) -> Any:
    """A value with every document inside it turned into a dict (for JSON and CSV rows)."""
    if isinstance(value, Document):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _typed(hint: Any, value: Any) -> Any:
    """`value` (JSON-shaped) as the annotation `hint` says: documents, lists and dicts of them."""
    if value is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        documents = [a for a in args if isinstance(a, type) and issubclass(a, Document)]
        if documents and isinstance(value, dict):
            return documents[0].from_dict(value)
        containers = [a for a in args if typing.get_origin(a) in (list, dict)]
        return _typed(containers[0], value) if containers else value
    if isinstance(hint, type) and issubclass(hint, Document):
        return hint.from_dict(value)
    if origin is list:
        return [_typed(args[0], v) for v in value] if args else list(value)
    if origin is dict:
        return {k: _typed(args[1], v) for k, v in value.items()} if args else dict(value)
    return value
