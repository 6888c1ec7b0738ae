"""The answer first: `run`'s headline sentences, in the console and at the top of the report."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from click.testing import CliRunner

import smmsim
from smmsim.cli import main
from smmsim.simulator.reports.headline import run_headline
from smmsim.simulator.reports.run_page import report_html
from smmsim.simulator.summary import Stats

KIDS = "scenarios/examples/kids-shop.yaml"


@pytest.fixture(scope="module")
def run():
    return smmsim.simulate(KIDS, reps=200, seed=5, workers=1)


def numbers(text: str) -> list[float]:
    text = text.replace("90%:", "")
    return [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*\.?\d*", text)]


def test_the_first_sentence_multiplies_out(run):
    # conversions x cost each = spend: the headline's CPA is the ratio of its own two figures.
    conversions, low, high, spend, each = numbers(run_headline(run)[0])
    assert conversions * each == pytest.approx(spend, rel=0.002)
    assert low <= conversions <= high
    assert conversions == round(run.totals["conversions"].mean)


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
    assert np.isfinite(run.totals["conversions"].mean)
