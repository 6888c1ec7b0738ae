"""The scenario file written back with the optimised plan, valid for `smmsim run`.

The planner's own file is the starting point: every setting the optimiser did not touch stays as
written (in its own form: a belief given as p5/p95 stays so), and each changed value carries a
note with what it was. The text is loaded again before it is written, so an invalid file is
never produced.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from smmsim.scenarios.budget import retargeting_share
from smmsim.scenarios.loader import read_yaml, scenario_from_data
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.yaml_reader import ScenarioYamlLoader
from smmsim.scenarios.yaml_text import render_yaml
from smmsim.simulator.studies.optimiser.candidate import (
    Candidate,
    scaled_budget,
    scaled_schedule,
)
from smmsim.simulator.studies.optimiser.document import OptimisationResult


def optimised_data(
    data: dict, scenario: Scenario, candidate: Candidate
) -> tuple[dict, dict[str, str]]:
    """(the file's data with the candidate applied, notes by key path)."""
    data = copy.deepcopy(data)
    notes: dict[str, str] = {}
    left = 1.0 - retargeting_share(scenario)
    # Written exactly as simulated: a rounded rate can move a post to another day.
    shares = {k: v * left for k, v in candidate.shares.items()}
    for p_index, (raw, platform) in enumerate(
        zip(data["platforms"], scenario.platforms, strict=True)
    ):
        for t_index, (tool, model) in enumerate(zip(raw["tools"], platform.tools, strict=True)):
            name = f"{platform.name}/{model.name}"
            path = f"platforms[{p_index}].tools[{t_index}]"
            if name in shares:
                was = _was(tool, ("budget_share", "daily_budget"))
                tool.pop("daily_budget", None)
                tool["budget_share"] = shares[name]
                notes[f"{path}.budget_share"] = f"optimised (was {was})"
            elif name in candidate.intensities:
                factor = candidate.intensities[name]
                _apply_intensity(tool, model, factor, scenario.campaign.days)
                notes[f"{path}.schedule"] = f"optimised: {factor:.3g} x the planned intensity"
    data["strategy"] = _strategy_data(data.get("strategy") or {}, candidate, notes)
    return data, notes


def _was(tool: dict, keys: tuple[str, ...]) -> str:
    given = [f"{k} {tool[k]}" for k in keys if k in tool]
    return ", ".join(given) or "not given"


def _apply_intensity(tool: dict, model, factor: float, days: int) -> None:
    phases = scaled_schedule(model, factor, days)
    tool["schedule"] = [p.model_dump(exclude_none=True, exclude_defaults=True) for p in phases]
    budget = scaled_budget(model, factor)
    if budget is None:
        tool.pop("budget", None)
    else:
        tool["budget"] = budget


def _strategy_data(strategy: dict, candidate: Candidate, notes: dict[str, str]) -> dict:
    strategy = dict(strategy)
    if candidate.policy is None:
        strategy["type"] = "fixed"
        notes["strategy.type"] = "the optimised split, as written above"
        return strategy
    p = candidate.policy
    strategy["type"] = "test-then-scale"
    test = dict(strategy.get("test") or {})
    test.pop("budget", None)
    test.update(budget_share=p.test_share, days=p.test_days)
    decision = dict(strategy.get("decision") or {})
    decision["q"] = p.keep_q
    strategy.update(test=test, decision=decision)
    notes["strategy.type"] = "optimised test-then-scale policy"
    return strategy


def optimised_text(
    source: Path, target: Path, scenario: Scenario, candidate: Candidate, header: list[str]
) -> str:
    data, notes = optimised_data(read_yaml(source), scenario, candidate)
    text = "\n".join(f"# {line}" for line in header) + "\n" + render_yaml(data, notes) + "\n"
    scenario_from_data(_reloaded(text), str(target))  # never write a file that does not load
    return text


def _reloaded(text: str):
    return yaml.load(text, Loader=ScenarioYamlLoader)  # a SafeLoader subclass


def best_plan_text(
    source: Path, target: Path, scenario: Scenario, document: OptimisationResult
) -> str:
    """FILE with the best plan of an optimisation document, under a header naming the study."""
    best = document.best
    header = [
        f"{source}, optimised by `smmsim optimise` (study {document.study!r}: trial "
        f"{best.number}, the best of {document.trials.completed}; seed {document.seed},",
        f"{document.replications_per_trial} replications per trial, objective "
        f"{document.objective}). Changed values carry a note; the rest is as planned.",
    ]
    if not best.feasible:
        header.append(
            f"No trial met the risk limit ({document.max_risk:.1%}): this is the least risky."
        )
    return optimised_text(source, target, scenario, best.candidate.candidate(), header)
