"""What a strategy loads before the workers fork: scipy.special only for a posterior's tail.

Why it matters: importing scipy.special takes 0.2-0.3 s in each process. A plan whose strategy
keeps arms by P(CPA <= target) needs it, and loading it once before a pool forks spares every
worker its own import; a plan whose strategy never asks must not pay it at all.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import smmsim
from smmsim.simulator.strategies import POLICIES

KIDS_SHOP = smmsim.load(smmsim.example("kids-shop"))  # test-then-scale, the probability rule


@pytest.mark.parametrize(
    ("edits", "reads"),
    [
        ({}, True),
        ({"strategy.decision.rule": "top_k"}, False),  # ranks the posterior means instead
        ({"strategy.type": "best-guess"}, False),  # no test, nothing to judge
        ({"strategy.type": "fixed"}, False),
        ({"strategy.type": "spread"}, False),
        ({"strategy.type": "adaptive"}, False),  # draws posteriors, reads no tail
        ({"strategy.type": "oracle"}, False),
    ],
)
def test_only_the_probability_rule_of_a_test_reads_a_posterior_tail(edits, reads):
    plan = KIDS_SHOP
    for path, value in edits.items():
        plan = plan.replace(path, value)
    scenario = plan.scenario
    assert POLICIES[scenario.strategy.type].reads_posterior_tail(scenario) is reads


def test_scipy_special_is_loaded_for_a_plan_that_needs_it_and_only_then():
    code = (
        "import sys\n"
        "import smmsim\n"
        "from smmsim.simulator.strategies import load_for\n"
        "load = lambda name: smmsim.load(smmsim.example(name)).scenario\n"
        "load_for([load('sports-nutrition'), load('travel-agency')])\n"
        "print('scipy.special' in sys.modules)\n"
        "load_for([load('sports-nutrition'), load('kids-shop')])\n"
        "print('scipy.special' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True"]
