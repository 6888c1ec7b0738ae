"""Plain helpers shared by tests (import them; they are not fixtures)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any


def minimal_scenario_data() -> dict[str, Any]:
    """A fresh dict of the smallest valid scenario: one platform with one paid-ads tool."""
    return {
        "campaign": {
            "name": "test campaign",
            "start": date(2027, 3, 1),
            "days": 60,
            "budget": 10000,
            "seed": 1,
        },
        "platforms": [
            {
                "name": "facebook",
                "audience": 500000,
                "tools": [
                    {
                        "type": "paid_ads",
                        "budget_share": 1.0,
                        "cpm": {"mean": 6, "sd": 1},
                        "ctr": {"mean": 0.01, "sd": 0.003},
                        "join_rate": {"mean": 0.04, "sd": 0.01},
                        "cvr": {"mean": 0.02, "sd": 0.005},
                    }
                ],
            }
        ],
    }


def kids_shop_fixed(folder: Path) -> Path:
    """kids-shop as a `fixed` plan whose split the optimiser searches, written into `folder`,
    every comment kept. The bundled file runs a test-then-scale test whose even split picks the
    tools, so the optimiser searches its policy instead: the split's tests need this copy."""
    source = Path(__file__).resolve().parents[1] / "scenarios" / "examples" / "kids-shop.yaml"
    text = source.read_text(encoding="utf-8")
    for old, new in (("type: test-then-scale", "type: fixed"), ("[policy]", "[shares]")):
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "kids-shop-fixed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def interrupting(monkeypatch, call: int) -> None:
    """The `call`-th batch's simulation in an optimisation raises KeyboardInterrupt, as Ctrl-C
    there would."""
    import smmsim.simulator.studies.optimiser.study as study_module

    real = study_module.evaluate_candidates
    calls = []

    def simulate(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(study_module, "evaluate_candidates", simulate)
