"""Every tool is visible in what a planner reads: result.json, the report and the tables."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from smmsim.cli import main
from smmsim.scenarios.loader import load_scenario
from smmsim.scenarios.schedule import affordable_units

TRAVEL = "scenarios/examples/travel-agency.yaml"  # every tool but seeding


@pytest.fixture(scope="module")
def travel(tmp_path_factory):
    out = tmp_path_factory.mktemp("travel")
    result = CliRunner().invoke(main, ["run", TRAVEL, "--deterministic", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return load_scenario(TRAVEL), result.output, out


def test_every_tool_is_an_arm_of_result_json_with_its_type(travel):
    scenario, _, out = travel
    arms = json.loads((out / "result.json").read_text())["arms"]
    expected = {f"{p.name}/{t.name}": t.type for p in scenario.platforms for t in p.tools}
    assert {name: arm["type"] for name, arm in arms.items()} == expected


def test_a_tactics_units_are_its_schedule_when_the_budget_allows(travel):
    # Deterministic, and the budget never binds here: the expected repair bills (travel-agency's
    # small backlash risk) do not take the schedules' money.
    scenario, _, out = travel
    arms = json.loads((out / "result.json").read_text())["arms"]
    for platform in scenario.platforms:
        for tactic in platform.tactics():
            planned = affordable_units(tactic, scenario.campaign.days).sum()
            units = arms[f"{platform.name}/{tactic.name}"]["metrics"]["units"]["mean"]
            assert units == pytest.approx(planned), tactic.name
            spend = arms[f"{platform.name}/{tactic.name}"]["metrics"]["spend"]["mean"]
            assert spend == pytest.approx(planned * tactic.unit_cost()), tactic.name


def test_the_report_has_a_row_per_tool(travel):
    scenario, _, out = travel
    page = (out / "report.html").read_text()
    table = page[page.index('<table class="tools">') :]
    table = table[: table.index("</table>")]
    for platform in scenario.platforms:
        for tool in platform.tools:
            assert f'<th scope="row">{platform.name}/{tool.name}<small>{tool.type}' in table
    assert table.count('<th scope="row">') == sum(len(p.tools) for p in scenario.platforms)


def test_the_console_lists_every_tool(travel):
    scenario, output, _ = travel
    tools_table = output[
        output.index("By tool (expected values)") : output.index("By calendar month")
    ]
    for platform in scenario.platforms:
        for tool in platform.tools:
            assert f"{platform.name}/{tool.name}"[:20] in tools_table
