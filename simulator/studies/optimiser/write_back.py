"""The scenario file written back with the optimised plan, valid for `smmsim run`.

The planner's own file is the starting point, edited in place (`scenarios.yaml_edit`): only the
values the optimiser changed are rewritten, each with a note saying what it was, and every other
line stays byte for byte, comments included. The changes are read off the plan a trial simulates
(`plan_of`), so the file says exactly what was simulated, and the edited text is loaded again and
compared with that plan before it is written: an invalid or different file is never produced. A
file that cannot be edited in place (one with YAML aliases) is written afresh instead, its
comments lost, and its header says so.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from smmsim.scenarios.loader import read_yaml, scenario_from_data
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.yaml_edit import Edit, Remove, Rename, Set, YamlEditError, edited_text
from smmsim.scenarios.yaml_reader import ScenarioYamlLoader
from smmsim.scenarios.yaml_text import render_yaml
from smmsim.simulator.studies.optimiser.candidate import Candidate, plan_of
from smmsim.simulator.studies.optimiser.document import OptimisationResult


def plan_edits(scenario: Scenario, candidate: Candidate) -> list[Edit]:
    """The edits that turn the scenario's file into the candidate's plan: the values `plan_of`
    changed, each with a note."""
    plan = plan_of(scenario, candidate)
    edits: list[Edit] = []
    for i, (before_p, after_p) in enumerate(zip(scenario.platforms, plan.platforms, strict=True)):
        for j, (before, after) in enumerate(zip(before_p.tools, after_p.tools, strict=True)):
            path = ("platforms", i, "tools", j)
            name = f"{before_p.name}/{before.name}"
            edits += _budget_edits(path, before, after)
            edits += _tactic_edits(path, before, after, candidate.intensities.get(name))
    edits += _strategy_edits(scenario, plan)
    return edits


def _budget_edits(path: tuple, before, after) -> list[Edit]:
    share = getattr(after, "budget_share", None)
    if share == getattr(before, "budget_share", None):
        return []
    if getattr(before, "daily_budget", None) is not None:
        note = f"optimised (was daily_budget {before.daily_budget:g})"
        return [Rename((*path, "daily_budget"), "budget_share", share, note)]
    was = "not given" if before.budget_share is None else f"{before.budget_share:g}"
    return [Set((*path, "budget_share"), share, f"optimised (was {was})")]


def _tactic_edits(path: tuple, before, after, factor: float | None) -> list[Edit]:
    edits: list[Edit] = []
    if factor is None:
        return edits
    if after.schedule != before.schedule:
        schedule = [p.model_dump(exclude_none=True, exclude_defaults=True) for p in after.schedule]
        note = f"optimised: x{factor:.3g} the planned intensity"
        edits.append(Set((*path, "schedule"), schedule, note))
    if after.budget != before.budget:
        if after.budget is None:
            edits.append(Remove((*path, "budget"), "optimised: the tactic is off"))
        else:
            note = f"optimised with the schedule (was {before.budget:g})"
            edits.append(Set((*path, "budget"), after.budget, note))
    return edits


def _strategy_edits(scenario: Scenario, plan: Scenario) -> list[Edit]:
    """The policy's settings, when the candidate carries one (else the strategy is as written)."""
    before, after = scenario.strategy, plan.strategy
    if before == after:
        return []
    edits: list[Edit] = []
    if after.type != before.type:
        note = f"optimised test-then-scale policy (was {before.type})"
        edits.append(Set(("strategy", "type"), after.type, note))
    test = ("strategy", "test")
    share = after.test.budget_share
    if before.test.budget is not None:
        note = f"optimised (was budget {before.test.budget:g})"
        edits.append(Rename((*test, "budget"), "budget_share", share, note))
    elif share != before.test.budget_share:
        was = "not given" if before.test.budget_share is None else f"{before.test.budget_share:g}"
        edits.append(Set((*test, "budget_share"), share, f"optimised (was {was})"))
    if after.test.days != before.test.days:
        edits.append(Set((*test, "days"), after.test.days, f"optimised (was {before.test.days})"))
    if after.decision.q != before.decision.q:
        note = f"optimised (was {before.decision.q:g})"
        edits.append(Set(("strategy", "decision", "q"), after.decision.q, note))
    return edits


def optimised_text(
    source: Path, target: Path, scenario: Scenario, candidate: Candidate, header: list[str]
) -> str:
    """The scenario file with the candidate's plan, under `header`: edited in place, or written
    afresh where it cannot be; loaded again and checked to be the simulated plan."""
    edits = plan_edits(scenario, candidate)
    original = _source_text(source)
    try:
        body = edited_text(original, edits)
        kept = True
    except YamlEditError as exc:
        body = render_yaml(*_edited_data(read_yaml(source), edits)) + "\n"
        header = [*header, f"Written afresh ({exc}): the file's comments could not be kept."]
        kept = False
    text = "\n".join(f"# {line}" for line in header) + "\n" + body
    written = scenario_from_data(_reloaded(text), str(target))  # never write a file that fails
    plan = plan_of(scenario, candidate)
    # The optimise block is the file's own: a --search given on the command line is not written.
    if kept and written.model_copy(update={"optimise": plan.optimise}) != plan:
        raise AssertionError(f"{target}: the edited file is not the optimised plan")
    return text


def _source_text(source: Path) -> str:
    return source.read_text(encoding="utf-8-sig")  # as `read_yaml` reads it


def _reloaded(text: str):
    return yaml.load(text, Loader=ScenarioYamlLoader)  # a SafeLoader subclass


def _edited_data(data: dict, edits: list[Edit]) -> tuple[dict, dict[str, str]]:
    """(the file's data with `edits` applied, notes by key path) for a file written afresh."""
    data = copy.deepcopy(data)
    notes = {}
    for edit in edits:
        *parents, last = edit.path
        node = data
        for part in parents:
            node = node.setdefault(part, {}) if isinstance(part, str) else node[part]
        if isinstance(edit, Remove):
            node.pop(last, None)
            continue
        key = edit.key if isinstance(edit, Rename) else last
        if isinstance(edit, Rename):
            node.pop(last, None)
        node[key] = edit.value
        notes[_key_path((*parents, key))] = edit.note
    return data, notes


def _key_path(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


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
