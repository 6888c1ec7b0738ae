"""The answer first: `run`'s headline sentences, in the console and at the top of the report."""

from __future__ import annotations

import dataclasses
import re

import pytest
from click.testing import CliRunner

import smmsim
from smmsim.cli import main
from smmsim.simulator.reports.headline import (
    comparison_headline,
    optimisation_headline,
    run_headline,
    sizing_headline,
)
from smmsim.simulator.reports.run_page import report_html
from smmsim.simulator.summary import Stats

KIDS = "scenarios/examples/kids-shop.yaml"


@pytest.fixture(scope="module")
def run():
    return smmsim.simulate(KIDS, reps=200, seed=5, workers=1)


def numbers(text: str) -> list[float]:
    text = text.replace("90% of campaigns:", "").replace("90% CI", "")
    return [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*\.?\d*", text)]


def test_the_first_sentence_multiplies_out(run):
    # conversions x cost each = spend: the headline's CPA is the ratio of its own two figures.
    conversions, low, high, spend, each, each_low, each_high = numbers(run_headline(run)[0])
    assert conversions * each == pytest.approx(spend, rel=0.002)
    assert low <= conversions <= high
    assert conversions == round(run.totals["conversions"].mean)
    # The CPA is the table's, one definition, with the 90% CI of that expected value.
    assert each == round(run.totals["cpa"].mean, 2)
    assert each_low <= each <= each_high


def test_every_target_at_once_is_no_likelier_than_the_least_likely_one(run):
    # A joint event cannot be more probable than any of its parts.
    joint = run.all_targets_met.probability
    assert 0 <= joint <= min(t.probability for t in run.kpi_targets)
    assert f"{joint:.0%}" in run_headline(run)[1]


def test_one_target_reads_as_that_targets_p_met():
    plan = smmsim.load(KIDS)
    data = dict(plan.data, kpis=[plan.data["kpis"][0]])
    one = smmsim.simulate(
        type(plan)(plan.scenario, data, plan.source).replace("kpis", data["kpis"]),
        reps=100,
        workers=1,
    )
    assert one.all_targets_met.probability == pytest.approx(one.kpi_targets[0].probability)


def test_money_left_unspent_gets_its_own_line(run):
    # Half the budget unspent on average must be said, not left for the planner to compute.
    half = Stats(run.budget / 2, run.budget / 2, run.budget / 2, run.budget / 2)
    lines = run_headline(dataclasses.replace(run, totals={**run.totals, "spend": half}))
    assert any("left unspent" in line and "(50%)" in line for line in lines)
    assert not any("unspent" in line for line in run_headline(run))  # kids-shop spends it all


def test_the_console_and_the_report_open_with_it(run, tmp_path):
    out = CliRunner().invoke(main, ["run", KIDS, "--reps", "200", "--seed", "5", "--workers", "1"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[: len(run_headline(run))] == run_headline(run)
    page = report_html(run)
    assert page.index(run_headline(run)[0].split(":")[0]) < page.index("<table")


def test_no_target_says_so():
    plan = smmsim.load(KIDS).replace("kpis", [])
    run = smmsim.simulate(plan, reps=50, workers=1)
    assert run.all_targets_met is None
    assert "The plan sets no KPI targets." in run_headline(run)


@pytest.fixture(scope="module")
def comparison():
    return smmsim.compare(
        KIDS, strategies=["spread", "test-then-scale", "oracle"], reps=150, seed=5, workers=1
    )


def test_compare_names_the_runnable_combination_with_most_conversions(comparison):
    # The oracle knows the true rates: it is the yardstick, never the advice.
    runnable = [c for c in comparison.combinations if c.strategy != "oracle"]
    best = max(runnable, key=lambda c: c.kpis["conversions"].mean)
    first, second = comparison_headline(comparison)
    assert first.startswith(f"Most expected conversions: {best.label}, ")
    assert "oracle" not in first
    gain = next(
        d for d in comparison.differences if d.label == best.label and d.metric == "conversions"
    )
    assert f"{round(gain.mean):+,}" in second and comparison.baseline in second


def test_compare_and_size_test_consoles_open_with_their_answer(comparison, tmp_path):
    args = ["compare", KIDS, "--strategy", "spread,test-then-scale,oracle", "--reps", "150"]
    out = CliRunner().invoke(main, [*args, "--seed", "5", "--workers", "1"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[:2] == comparison_headline(comparison)
    sizing = smmsim.size_test(KIDS, budgets=[0, 1000], reps=100, seed=5, workers=1)
    args = ["size-test", KIDS, "--budgets", "0,1000", "--reps", "100", "--seed", "5"]
    out = CliRunner().invoke(main, [*args, "--workers", "1"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0] == sizing_headline(sizing)[0]


def test_size_test_says_which_test_and_what_it_buys():
    sizing = smmsim.size_test(KIDS, budgets=[0, 1000], reps=100, seed=5, workers=1)
    best = sizing.recommendations.most_conversions
    (line,) = sizing_headline(sizing)
    said = "No test" if best.test_budget == 0 else f"{best.test_budget:,.2f} EUR over"
    assert said in line
    assert f"{round(best.conversions.mean):,} conversions" in line


def test_optimise_opens_with_the_gain_over_the_plan_as_written(tmp_path):
    # The question a planner asks first: how much better than what I wrote, and is it done?
    opt = smmsim.optimise(
        KIDS, trials=3, reps=20, final_reps=60, storage=f"sqlite:///{tmp_path}/s.db", workers=1
    )
    first, second = optimisation_headline(opt)
    plans = opt.evaluation.plans
    assert f"{plans['optimised'].objective_cpa():,.2f} EUR per conversion" in first
    assert f"against {plans['as written'].objective_cpa():,.2f} as written" in first
    assert ("More trials would likely help" in second) == opt.convergence.more_trials_likely_help
