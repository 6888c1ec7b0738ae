"""The example scenarios shipped with smmsim (scenarios/examples/*.yaml)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from smmsim.scenarios.errors import SmmsimError
from smmsim.scenarios.hints import did_you_mean


def example_names() -> list[str]:
    folder = _examples()
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def example_text(name: str) -> str:
    names = example_names()
    if name not in names:
        raise SmmsimError(
            f"--example: no bundled example {name!r}{did_you_mean(name, names)}; "
            f"choose one of {', '.join(names)}"
        )
    return (_examples() / f"{name}.yaml").read_text(encoding="utf-8")


def example_path(name: str) -> Path:
    """The bundled example's file, where the installed package keeps it."""
    example_text(name)  # an unknown name is the same clear error as `smmsim init --example`
    return Path(str(_examples() / f"{name}.yaml"))


def _examples():
    """The examples folder inside the installed package (found by name, not by a path)."""
    return resources.files("smmsim.scenarios") / "examples"
