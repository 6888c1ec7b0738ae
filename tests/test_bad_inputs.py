"""A corpus of hostile or mistyped scenario files fed to every command that reads one.

Each file is the bundled travel-agency plan (tactics, retargeting, reputation, KPI targets: every
cross-section rule runs on it) with one thing broken. Every command must refuse it the same way:
a non-zero exit, one line naming the file and the place (key path, or line and column for what
the YAML reader refuses), the rule and the bad value, and no traceback. Each command runs in its
own process under a time limit and an address-space limit, so a file that made the reader expand
aliases or recurse without bound fails the test instead of stalling or swamping the machine.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from smmsim.scenarios.checks import scenario_issues
from smmsim.scenarios.errors import Issue
from smmsim.scenarios.loader import load_scenario, scenario_from_data
from smmsim.scenarios.priors import beta_from_mean_sd
from smmsim.scenarios.schema import Scenario
from smmsim.scenarios.yaml_reader import MAX_DEPTH, ScenarioYamlLoader
from tests.helpers import minimal_scenario_data
from tests.validation_cases import FILE, line, lines_of

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "scenarios" / "examples" / "travel-agency.yaml"
EXPORTS = ROOT / "calibration" / "examples"
TIMEOUT_S = 120  # each command refuses these files in about a second; a stall would take minutes
MEMORY_BYTES = 2 * 2**30  # the commands run in ~200 MB; an expanded alias bomb needs gigabytes


def lol_anchors(levels: int = 10) -> str:
    """A "billion laughs": levels of 9 aliases each, 9**10 strings once expanded in ~700 bytes.
    The anchors sit under an unknown key: the reader meets them before any schema does."""
    lines = ["lols:", '  l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def edited(old: str, new: str, prefix: str = "") -> str:
    text = PLAN.read_text(encoding="utf-8")
    assert old in text, f"the example no longer has {old!r}"
    return prefix + text.replace(old, new, 1)


NAME = "  name: Horizont - early booking summer 2027"
START = "  start: 2027-01-11"
DAYS = "  days: 150 "
BUDGET = "  budget: 30000 "
CPM = "cpm: {mean: 3.8, sd: 1.0}"
TARGET = "  - target: cpa <= 190 "
NESTED = 5000  # far past Python's recursion limit, were the reader to recurse per level

# (id, file text, the one line expected after "<file>: ")
CASES = [
    (
        "day-30-of-february",
        edited(START, "  start: 2027-02-30"),
        r"campaign\.start: Input should be a valid date or datetime, day value is outside "
        r"expected range \(got '2027-02-30'\)",
    ),
    (
        "month-13",
        edited(START, "  start: 2027-13-01"),
        r"campaign\.start: Input should be a valid date or datetime, month value is outside "
        r"expected range of 1-12 \(got '2027-13-01'\)",
    ),
    (
        "april-31",
        edited(START, "  start: 2027-04-31"),
        r"campaign\.start: .*day value is outside expected range \(got '2027-04-31'\)",
    ),
    (
        "calendar-past-year-9999",
        edited(START, "  start: 9999-12-01"),
        r"campaign\.days: a campaign starting 9999-12-01 can last at most 30 days: its calendar "
        r"must end before 9999-12-31, the last date there is \(got 150\)",
    ),
    (
        "negative-budget",
        edited(BUDGET, "  budget: -5 #"),
        r"campaign\.budget: Input should be greater than 0 \(got -5\)",
    ),
    (
        "zero-days",
        edited(DAYS, "  days: 0 #"),
        r"campaign\.days: Input should be greater than 0 \(got 0\)",
    ),
    (
        "alias-bomb-in-name",
        edited(NAME, "  name: *l9", prefix=lol_anchors()),
        # l5 is the first level past the limit (9**6 strings): refused where it is written
        r"line 7, column 7: this value holds more than 100,000 values once its aliases are "
        r"expanded, the most a scenario file may hold",
    ),
    (
        "aliases-past-the-limit-in-budget",
        # five levels (9**5 strings) are within the limit; the budget's two uses of them are not
        edited(BUDGET, "  budget: [*l4, *l4] #", prefix=lol_anchors(levels=5)),
        r"line 21, column 11: this value holds more than 100,000 values once its aliases are "
        r"expanded, the most a scenario file may hold",
    ),
    (
        "recursive-alias",
        edited(NAME, "  name: &self [*self]"),
        r"line 11, column 16: alias \*self refers to a value that contains it",
    ),
    (
        "duplicate-key",
        edited(BUDGET, "  budget: 30000\n  budget: 20000 #"),
        r"line 16, column 3: duplicate key 'budget': first at line 15, again at line 16 "
        r"\(which value is meant\?\)",
    ),
    (
        "boolean-budget",
        edited(BUDGET, "  budget: true #"),
        r"campaign\.budget: true/false is not a number \(got True\)",
    ),
    (
        "nan-budget",
        edited(BUDGET, "  budget: .nan #"),
        r"campaign\.budget: Input should be a finite number \(got nan\)",
    ),
    (
        "infinite-kpi-target",
        edited(TARGET, "  - target: cpa <= 1e999 "),
        r"kpis\[0\]\.target: the target 1e999 is not a finite number \(got 'cpa <= 1e999'\)",
    ),
    (
        "undrawable-price-prior",
        edited(CPM, "cpm: {mean: 2.8, sd: 1e200}"),
        r"platforms\[0\]\.tools\[0\]\.cpm: a price with these numbers has no prior a simulation "
        r"can draw from: .* \(got \{'mean': 2\.8, 'sd': 1e\+200\}\)",
    ),
    (
        "deeply-nested-lists",
        edited(NAME, "  name: " + "[" * NESTED + "]" * NESTED),
        r"line 11, column \d+: lists and maps may nest at most 64 deep",
    ),
    (
        "deeply-nested-maps",
        edited(NAME, "  name: " + "{a: " * NESTED + "1" + "}" * NESTED),
        r"line 11, column \d+: lists and maps may nest at most 64 deep",
    ),
]

COMMANDS = {
    "validate": ["validate"],
    "run": ["run", "--reps", "20"],
    "size-test": ["size-test", "--reps", "20", "--points", "3"],
    "optimise": ["optimise", "--trials", "2", "--reps", "10", "--final-reps", "10"],
    "calibrate": [
        "calibrate",
        str(EXPORTS / "ab_test_control_group.csv"),
        str(EXPORTS / "ab_test_test_group.csv"),
        "--platform",
        "facebook",
        "--group-by",
        "campaign",
        "--plan",
    ],
}


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def smmsim(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """The CLI in its own process, bounded in time (TimeoutExpired fails the test) and memory."""
    return subprocess.run(
        [sys.executable, "-m", "smmsim.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        preexec_fn=_limit_memory,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},  # no thread pool to reserve memory for
    )


def command_line(command: str, plan: Path, out: Path) -> list[str]:
    args = [*COMMANDS[command], str(plan)]
    if command != "validate":  # the one command that writes nothing
        args += ["--out", str(out)]
    if command == "calibrate":
        args += ["--write-scenario", str(out / "calibrated.yaml")]
    return args


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_file_is_refused_in_one_line(command, text, expected, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    done = smmsim(command_line(command, plan, out), tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert re.fullmatch(re.escape(f"{plan}: ") + expected, lines[0]), lines[0]
    assert not out.exists()  # refused before anything was written


def test_the_unbroken_plan_validates(tmp_path):
    """Negative control: the corpus's base file is sound, so each case fails for its one edit."""
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN.read_text(encoding="utf-8"), encoding="utf-8")
    done = smmsim(["validate", str(plan)], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


# The rules behind the corpus, in process: what they still allow, and their edges.


def read(text: str):
    return yaml.load(text, Loader=ScenarioYamlLoader)


def test_aliases_within_the_limit_are_read():
    """Aliases are for sharing a belief between tools; only their expansion is bounded."""
    lols = read(lol_anchors(levels=5))["lols"]  # ~66,000 values expanded: under MAX_VALUES
    assert len(lols["l4"]) == 9 and lols["l4"][8][8][8][8][8] == "lol"


def test_merge_keys_may_override_what_they_merge():
    """`<<` then an explicit key is YAML's way to override a shared map: not a duplicate."""
    text = "base: &b {mean: 3.8, sd: 1.0}\ncpm: {<<: *b, sd: 2.0}\n"
    assert read(text)["cpm"] == {"mean": 3.8, "sd": 2.0}


def test_a_key_repeated_in_another_map_is_no_duplicate():
    assert read("a: {budget: 1}\nb: {budget: 2}\n") == {"a": {"budget": 1}, "b": {"budget": 2}}


def test_nesting_up_to_the_limit_is_read():
    text = "x: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    assert read(text)["x"] is not None
    with pytest.raises(yaml.YAMLError, match=f"nest at most {MAX_DEPTH} deep"):
        read("x: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n")


def test_an_impossible_date_stays_text_for_the_schema():
    assert read("start: 2027-02-30\nend: 2027-02-28\n") == {
        "start": "2027-02-30",
        "end": date(2027, 2, 28),
    }


@pytest.mark.parametrize(
    ("where", "value"),
    [(("optimise", "policy"), True), (("backlash", "enabled"), False)],
)
def test_booleans_still_set_switches(where, value):
    """Only numbers refuse true/false: a key that is a switch takes it as before."""
    data = minimal_scenario_data()
    data.setdefault(where[0], {})[where[1]] = value
    data["kpis"] = [{"target": "cpa <= 25"}]  # optimise.policy reads a target CPA
    scenario = scenario_from_data(data, FILE)
    assert getattr(getattr(scenario, where[0]), where[1]) is value


def test_booleans_are_not_numbers_inside_maps_either():
    data = minimal_scenario_data()
    data["campaign"]["monthly_caps"] = {1: True}
    assert lines_of(data) == [line("campaign.monthly_caps.1", "true/false is not a number", True)]


def test_a_campaign_may_end_the_day_before_the_last_date():
    """The reports draw the day after the campaign, so 9999-12-30 is the latest last day."""
    data = minimal_scenario_data()
    data["campaign"].update(start=date(9999, 12, 1), days=30)
    assert scenario_from_data(data, FILE).campaign.days == 30


def test_a_rate_known_to_within_a_hair_is_known_exactly():
    """An sd so small that the Beta's shapes overflow is a point mass, as an sd of 0 is."""
    assert beta_from_mean_sd(0.01, 1e-160).point == 0.01


@pytest.mark.parametrize(
    "belief",
    [{"mean": 2.8, "sd": 1e200}, {"mean": 1e-300, "sd": 1}, {"p5": 1e-30, "p95": 1e30}],
    ids=["sd-overflows", "mean-underflows", "interval-too-wide"],
)
def test_a_price_prior_that_cannot_be_drawn_is_refused(belief):
    data = minimal_scenario_data()
    data["platforms"][0]["tools"][0]["cpm"] = belief
    assert lines_of(data) == [
        line(
            "platforms[0].tools[0].cpm",
            "a price with these numbers has no prior a simulation can draw from: its draws "
            "would overflow, vanish or be undefined",
            belief,
        )
    ]


def test_a_rate_interval_too_narrow_to_fit_is_refused():
    data = minimal_scenario_data()
    data["platforms"][0]["tools"][0]["ctr"] = {"p5": 0.01, "p95": 0.0100000001}
    assert lines_of(data)[0].startswith(
        "s.yaml: platforms[0].tools[0].ctr: a rate with these numbers has no prior"
    )


@pytest.mark.parametrize("example", sorted(p.name for p in PLAN.parent.glob("*.yaml")))
def test_cross_section_rules_read_only_the_sections_they_name(example):
    """A section that fails validation is absent from the partial scenario the rules see: a rule
    that reads a section it does not name would then raise instead of reporting."""
    scenario = load_scenario(PLAN.parent / example)
    for section in Scenario.model_fields:
        partial = scenario.model_copy()
        del partial.__dict__[section]
        scenario_issues(partial)  # raises AttributeError if a rule reads the missing section


def test_a_long_bad_value_is_cut_to_its_start():
    """One problem stays one readable line, however much the file wrote at that key."""
    rendered = Issue("campaign.name", "Input should be a valid string", ["lol"] * 10_000, True)
    text = rendered.render(FILE)
    assert text.startswith("s.yaml: campaign.name: Input should be a valid string (got ['lol', ")
    assert text.endswith("... (70,000 characters))")
    assert len(text) < 300
