"""`check` opens with its answer: the verdict, what backlash costs where it is likeliest, and the
first change to make, in the console and under the title of check.html."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest
from click.testing import CliRunner

import smmsim
from smmsim.cli import main
from smmsim.simulator.consoles.risk import money_interval
from smmsim.simulator.reports.check_page import check_html
from smmsim.simulator.reports.headline import check_headline
from smmsim.simulator.summary import Stats

RUSH = "scenarios/examples/reputation-rush.yaml"
KIDS = "scenarios/examples/kids-shop.yaml"
REPS, SEED = 150, 3


@pytest.fixture(scope="module")
def rush():
    return smmsim.check(RUSH, reps=REPS, seed=SEED, workers=1)


def numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*\.?\d*", text)]


def test_the_cost_is_read_off_the_platform_where_backlash_is_likeliest(rush):
    # The sentence's figures are the result's own, of the riskiest platform: nothing recomputed.
    top = max(rush.simulated, key=lambda r: r.probability)
    assert top.platform == "forums"
    _, cost, _ = check_headline(rush, "EUR")
    lost, bill = top.loss.conversions, top.repair_cost
    assert cost.startswith(f"On forums, P(at least one backlash event) is {top.probability:.0%};")
    expected = [lost.mean, lost.p5, lost.p95, bill.mean, bill.p5, bill.p95]
    said = numbers(cost.split(";", 1)[1].replace("90%:", ""))
    assert said == [round(x) for x in expected]


def test_the_verdict_names_what_drives_the_level_and_the_advice_is_the_worst_findings_fix(rush):
    # The static findings come high first, so the first one is the change that matters most.
    verdict, _, advice = check_headline(rush, "EUR")
    assert verdict.startswith(f"Backlash risk: {rush.level}, driven by forums/seeding (")
    for finding in rush.static:
        assert finding.rule.replace("_", " ") in verdict
    first = rush.static[0]
    assert first.level == rush.level == "high"
    assert f"on {first.platform}/{first.tool}: {first.safer}" in advice
    assert f"{len(rush.static) - 1} more finding" in advice


def test_a_risk_no_static_rule_explains_is_put_on_its_platform(rush):
    # Without a finding there is no tactic to name: the platform the simulation flags is.
    simulated_only = dataclasses.replace(rush, static=[])
    verdict, _, advice = check_headline(simulated_only, "EUR")
    assert verdict == "Backlash risk: high, driven by the simulated backlash on forums."
    assert "forums" in advice and "safer" not in advice


def test_with_no_risk_found_it_says_so_and_asks_for_no_change():
    kids = smmsim.check(KIDS, reps=60, seed=SEED, workers=1)
    assert kids.level == "low" and not kids.static
    assert not any(r.events.mean for r in kids.simulated)
    assert check_headline(kids, "EUR") == [
        "Backlash risk: low: no tactic above its safe level, nothing to change.",
        "No backlash event in any of the 60 simulated campaigns: nothing lost.",
    ]


def test_static_only_claims_no_cost_it_did_not_simulate():
    static = smmsim.check(RUSH, static_only=True)
    _, cost, _ = check_headline(static, "EUR")
    assert cost.startswith("Not simulated") and not numbers(cost)


def test_a_plan_with_backlash_switched_off_says_why_nothing_struck():
    plan = smmsim.load(RUSH)
    data = dict(plan.data, backlash={"enabled": False})
    off = type(plan)(plan.scenario, data, plan.source).replace("backlash.enabled", False)
    checked = smmsim.check(off, reps=30, seed=SEED, workers=1)
    # The static rules still judge the plan; the simulation cannot strike.
    assert checked.level == "high"
    assert "switches the backlash model off" in check_headline(checked, "EUR")[1]


def test_the_console_and_the_page_open_with_it(rush, tmp_path):
    args = ["check", RUSH, "--reps", REPS, "--seed", SEED, "--workers", 1, "--out", tmp_path]
    done = CliRunner().invoke(main, [str(a) for a in args])
    assert done.exit_code == 0, done.output
    headline = check_headline(rush, "EUR")
    assert done.output.splitlines()[: len(headline)] == headline
    page = (tmp_path / "check.html").read_text(encoding="utf-8")
    assert page == check_html(
        rush, campaign=smmsim.load(RUSH).scenario.campaign.name, currency="EUR"
    )
    # The first thing under the title is the answer, before the facts and every table.
    after_title = page.split("</h1>", 1)[1].lstrip()
    box = re.match(r'<section class="headline">(.*?)</section>', after_title)
    assert box is not None
    assert re.findall(r"<p>(.*?)</p>", box.group(1)) == [html.escape(line) for line in headline]


def test_money_in_the_risk_table_has_one_precision_per_cell():
    # '2,981 [0.00 - 6,816]' mixed cents into a whole-money cell; a tiny negative read '-0.00'.
    assert money_interval(Stats(2981.2, 0.0, 0.0, 6816.4)) == "2,981 [0 - 6,816]"
    assert money_interval(Stats(45.65, 0.0, 0.0, 0.0)) == "45.65 [0.00 - 0.00]"
    assert money_interval(Stats(-0.001, -0.004, 0.0, 0.0)) == "0.00 [0.00 - 0.00]"
