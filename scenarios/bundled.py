"""The example scenarios shipped with smmsim (scenarios/examples/*.yaml)."""

from __future__ import annotations

from importlib import resources

from smmsim.scenarios.errors import SmmsimError
from smmsim.scenarios.hints import did_you_mean


def example_names() -> list[str]:
    folder = resources.files("scenarios") / "examples"
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
    return (resources.files("scenarios") / "examples" / f"{name}.yaml").read_text(encoding="utf-8")
