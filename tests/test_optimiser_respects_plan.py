"""The optimiser respects the plan (issue 16, item 5).

Measured on a cosmetics plan before: every candidate ran `fixed` in place of the planned 3-week
test, the tactics' intensities were searched by default (influencers and community posts cut to
0), the written file had `budget_share: 0.4712626863472562` and none of the file's comments, a
tool with no conversions showed a CPA, and 30 trials that had not converged (marginal CPAs 22.7,
38.1 and 30.3) gave no hint of it. Each test below checks one of those against its reason:

- what a trial simulates is the plan's own strategy and tactics, unless `search` names them;
- a strategy that decides the split itself leaves no split to search: one line says so;
- written shares have 4 decimals and add up exactly (in decimal, as the file reads);
- the written file is the original with only the changed values' lines edited;
- a tool without conversions has no CPA in the JSON, CSV, console and page;
- the convergence hint appears for a deliberately short study, not for a converged one.
"""

from __future__ import annotations

import copy
import csv
import difflib
import io
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import optuna
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

import smmsim
import smmsim.simulator.studies.optimiser.objective as objective_module
from smmsim.cli import main
from smmsim.scenarios.errors import ScenarioError, SmmsimError
from smmsim.scenarios.loader import load_scenario, scenario_from_data
from smmsim.scenarios.plan_edits import Plan
from smmsim.scenarios.yaml_edit import Remove, Rename, Set, edited_text
from smmsim.simulator.consoles import optimiser as console_module
from smmsim.simulator.metrics import KpiDraws
from smmsim.simulator.reports.optimiser_files import allocation_csv
from smmsim.simulator.reports.optimiser_page import report_html
from smmsim.simulator.studies.optimiser.candidate import (
    SHARE_DECIMALS,
    Candidate,
    Policy,
    plan_of,
    shares_rounded,
)
from smmsim.simulator.studies.optimiser.convergence import marginal_gap, still_improving
from smmsim.simulator.studies.optimiser.document import OptimisationResult
from smmsim.simulator.studies.optimiser.evaluation import tool_rows
from smmsim.simulator.studies.optimiser.job import (
    OptimiseJob,
    default_study_name,
    finish,
    optimise,
)
from smmsim.simulator.studies.optimiser.storage import default_url
from smmsim.simulator.studies.optimiser.study import open_optimisation, settings_of
from smmsim.simulator.studies.optimiser.write_back import optimised_text
from tests.helpers import kids_shop_fixed
from tests.optimiser_scenarios import CASES, concave_scenario_data

EXAMPLES = Path("scenarios/examples")
KIDS = EXAMPLES / "kids-shop.yaml"
TRAVEL = EXAMPLES / "travel-agency.yaml"
TRAVEL_ADS = ("facebook/packages_catalog", "instagram/paid_ads", "youtube/destination_videos")
HEADER = ["optimised by a test"]

optuna.logging.set_verbosity(optuna.logging.WARNING)


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def simulated_plans(monkeypatch, scenario, *, trials: int, tmp_path: Path, source: str) -> list:
    """The plans a small study's trials simulate, caught at the engine's door."""
    plans = []
    real = objective_module.simulate

    def recording(plan, **kwargs):
        plans.append(plan)
        return real(plan, **kwargs)

    monkeypatch.setattr(objective_module, "simulate", recording)
    settings = settings_of(scenario, trials=trials, replications=10, deterministic=True)
    run = open_optimisation(
        scenario, settings, storage_url=default_url(tmp_path), study_name="s", source=source
    )
    run.run_batches(1)
    return plans


# --- 1. the plan's strategy and tactics run as written unless searched ------------------------


def test_trials_run_the_plans_own_test_and_tactics_when_the_split_is_searched(
    monkeypatch, tmp_path
):
    """travel-agency searched with the default (`shares`): every trial runs its own strategy and
    every tactic's schedule and budget as written; only paid-ads shares differ between trials."""
    s = load_scenario(TRAVEL)
    plans = simulated_plans(monkeypatch, s, trials=5, tmp_path=tmp_path, source=str(TRAVEL))
    assert len(plans) == 5
    for plan in plans:
        assert plan.strategy == s.strategy
        for before, after in zip(s.platforms, plan.platforms, strict=True):
            assert after.tactics() == before.tactics()
    assert (
        len({tuple(t.budget_share for p in plan.platforms for t in p.ad_tools()) for plan in plans})
        > 1
    )


def test_trials_of_a_searched_policy_change_the_test_alone(monkeypatch, tmp_path):
    """kids-shop searches its test-then-scale policy: every trial keeps the plan's type, test
    split, evidence rules, decision rule, target and scale-up; the shares stay as written."""
    s = load_scenario(KIDS)
    assert s.optimise.searched == ("policy",)
    plans = simulated_plans(monkeypatch, s, trials=4, tmp_path=tmp_path, source=str(KIDS))
    kept_test = ("split", "arms", "min_conversions", "if_insufficient", "extend_days")
    for plan in plans:
        assert plan.strategy.type == "test-then-scale"
        for key in kept_test:
            assert getattr(plan.strategy.test, key) == getattr(s.strategy.test, key), key
        assert plan.strategy.decision.rule == s.strategy.decision.rule
        assert plan.strategy.decision.target_cpa == s.strategy.decision.target_cpa
        assert plan.strategy.scale == s.strategy.scale
        assert plan.platforms == s.platforms


def test_the_baselines_run_the_plans_strategy(tmp_path):
    """With the policy searched there is no other split to compare (the test picks the tools):
    the one baseline is the plan as written, under its own test."""
    scenario = load_scenario(KIDS)
    settings = settings_of(scenario, trials=2, replications=10)
    job = OptimiseJob(
        source=KIDS,
        scenario=scenario,
        settings=settings,
        storage_url=default_url(tmp_path),
        study_name="kids",
        out_dir=None,
        final_replications=20,
    )
    document = optimise(job)
    assert list(document.evaluation.against) == ["as written"]
    assert document.search_space.searched == ["policy"]
    assert document.evaluation.marginal_cpa == []  # no campaign-long split to probe


# --- 2. a split the strategy does not read is not searched ------------------------------------


def test_the_split_of_a_plan_whose_test_picks_the_tools_is_refused_in_one_line(tmp_path):
    """kids-shop's test splits evenly and the scale-up by evidence: searching the shares would
    spend every trial on a dial with no effect, so the study refuses and names what could be
    searched instead."""
    result = invoke(
        "optimise", KIDS, "--search", "shares", "--trials", 2, "--out", tmp_path / "out"
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{KIDS}: optimise.search: there is no split to search: the plan's test-then-scale test "
        "splits its budget evenly (test.split: even) and the scale-up splits by the test's "
        "evidence; name what may change instead, e.g. 'policy' (the test's budget, days and keep "
        "threshold), or set test.split: planned to search the test's split (`search:` in the "
        "optimise block or --search) (got ['shares'])"
    ]
    assert not (tmp_path / "out" / "study.db").exists()


def test_an_unknown_search_name_gets_a_did_you_mean(tmp_path):
    result = invoke("optimise", KIDS, "--search", "shares,tactic", "--out", tmp_path)
    assert result.exit_code == 2
    assert (
        "Invalid value for '--search': 'tactic': the optimiser can search shares, tactics or "
        "policy (did you mean 'tactics'?)" in result.stderr
    )
    assert "Traceback" not in result.output


def test_the_api_takes_the_same_names():
    with pytest.raises(SmmsimError, match=r"^search: 'polcy': .* \(did you mean 'policy'\?\)$"):
        smmsim.optimise(smmsim.example("kids-shop"), search="polcy")


def test_tactics_named_where_none_has_a_dial_are_refused(tmp_path):
    """kids-shop has paid ads only: `--search tactics` would search nothing."""
    fixed = kids_shop_fixed(tmp_path)
    with pytest.raises(ScenarioError, match="there are no tactics to search"):
        scenario = Plan.read(fixed).with_search(["shares", "tactics"]).scenario
        open_optimisation(
            scenario,
            settings_of(scenario, trials=1),
            storage_url=default_url(tmp_path),
            study_name="s",
            source=str(fixed),
        )


def test_the_command_line_search_replaces_the_older_policy_key(tmp_path):
    """`--search` overrides the block: a file's `policy: true` (its older form) goes with it."""
    data = yaml.safe_load(KIDS.read_text(encoding="utf-8"))
    data["optimise"].pop("search")
    data["optimise"]["policy"] = True
    data["strategy"]["type"] = "fixed"
    path = tmp_path / "legacy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert load_scenario(path).optimise.searched == ("policy",)
    assert Plan.read(path).with_search(["shares"]).scenario.optimise.searched == ("shares",)


# --- 3. rounding ------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 1), min_size=1, max_size=8).filter(lambda w: sum(w) > 0),
    st.sampled_from([1.0, 0.95, 0.8, 0.6543]),
)
def test_rounded_shares_have_4_decimals_and_add_up_exactly(weights, total):
    """Every share as the file writes it has at most 4 decimals, and their decimal sum is the
    total the paid ads must have (1 less the retargeting shares, themselves 4-decimal)."""
    shares = {f"t{i}": w / sum(weights) for i, w in enumerate(weights)}
    rounded = shares_rounded(shares, total)
    texts = [repr(v) for v in rounded.values()]
    assert all(-Decimal(t).as_tuple().exponent <= SHARE_DECIMALS for t in texts), texts
    assert sum(Decimal(t) for t in texts) == Decimal(repr(total))
    assert all(v >= 0 for v in rounded.values())
    for name, share in shares.items():
        assert rounded[name] == pytest.approx(share * total, abs=len(shares) * 1e-4)


def test_the_written_shares_add_up_to_one_in_the_file(tmp_path):
    """Fixed: 0.4712626863472562 was written. travel-agency's paid ads at an awkward split
    are written to 4 decimals, and with retargeting's 0.05 they sum to exactly 1."""
    source = TRAVEL
    s = load_scenario(source)
    candidate = Candidate(
        dict(zip(TRAVEL_ADS, (0.4712626863472562, 0.31, 0.2187373136527438), strict=True))
    )
    text = optimised_text(source, tmp_path / "o.yaml", s, candidate, HEADER)
    values = [
        line.split("budget_share:")[1].split("#")[0].strip()
        for line in text.splitlines()
        if line.strip().startswith("budget_share:")
    ]
    assert values == ["0.4477", "0.05", "0.2945", "0.2078"]
    assert sum(Decimal(v) for v in values) == 1


def test_policy_and_tactic_values_are_written_to_a_planners_precision():
    scenario = Plan.read(TRAVEL).with_search(["shares", "tactics"]).scenario
    candidate = Candidate(
        dict(zip(TRAVEL_ADS, (0.5, 0.3, 0.2), strict=True)),
        {"facebook/community_content": 0.7777777},
        Policy(test_share=0.123456789, test_days=20, keep_q=0.61234),
    )
    plan = plan_of(scenario, candidate)
    community = next(t for t in plan.platforms[0].tools if t.name == "community_content")
    assert community.schedule[0].per_week == 3.11  # 4 a week x 0.7777777
    assert plan.strategy.test.budget_share == 0.1235
    assert plan.strategy.decision.q == 0.61


# --- 4. the original text, edited in place ----------------------------------------------------


def changed_lines(original: str, written: str) -> tuple[list[str], list[str]]:
    """(lines the edit replaced, lines it added) between the two texts; fails on any deletion."""
    replaced, added = [], []
    a, b = original.splitlines(), written.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        assert tag != "delete", a[i1:i2]
        if tag == "replace":
            assert i2 - i1 == j2 - j1, (a[i1:i2], b[j1:j2])
            replaced += b[j1:j2]
        elif tag == "insert":
            added += b[j1:j2]
    return replaced, added


def test_every_unchanged_line_is_kept_byte_for_byte(tmp_path):
    """Fixed: the file was rendered afresh, every comment lost. Now only the three changed
    shares' lines differ, each with its note first and the planner's comment after it, at its
    own column; the rest of the file, comments included, is the original's."""
    source = kids_shop_fixed(tmp_path)
    s = load_scenario(source)
    candidate = Candidate(
        {"facebook/paid_ads": 0.6, "instagram/paid_ads": 0.25, "tiktok/paid_ads": 0.15}
    )
    original = source.read_text(encoding="utf-8")
    written = optimised_text(source, tmp_path / "o.yaml", s, candidate, HEADER)
    assert written.startswith("# optimised by a test\n")
    body = written.removeprefix("# optimised by a test\n")
    replaced, added = changed_lines(original, body)
    assert added == []
    assert replaced == [
        "        budget_share: 0.6     # optimised (was 0.45). Planned: largest share: parents "
        "30+ are most present on Facebook in BG,",
        "        budget_share: 0.25    # optimised (was 0.35). Planned: the product is visual "
        "(outfits, nurseries): Reels and carousels",
        "        budget_share: 0.15    # optimised (was 0.2). Planned: a deliberate test: young "
        "mothers are moving to TikTok, but the",
    ]


def test_a_searched_policy_edits_the_test_lines_alone(tmp_path):
    s = load_scenario(KIDS)
    candidate = Candidate(policy=Policy(test_share=0.15, test_days=21, keep_q=0.7))
    written = optimised_text(KIDS, tmp_path / "o.yaml", s, candidate, HEADER)
    replaced, added = changed_lines(KIDS.read_text(encoding="utf-8"), written)
    assert added == ["# optimised by a test"]
    assert replaced == [
        "    days: 21                 # optimised (was 28). Planned: four full weeks, so every "
        "weekday is seen four times",
        "    budget_share: 0.15       # optimised (was budget 2400). Planned: 20% of the quarter, "
        "under March's 3,000 cap",
        "    q: 0.7  # optimised (was 0.6)",
    ]


def test_a_tactic_at_zero_and_a_new_key_are_edits_too(tmp_path):
    """travel-agency with its tactics searched: the influencer off, community posts halved;
    their lines change and every other line stays."""
    scenario = Plan.read(TRAVEL).with_search(["shares", "tactics"]).scenario
    candidate = Candidate(
        dict(zip(TRAVEL_ADS, (0.5, 0.3, 0.2), strict=True)),
        {"facebook/community_content": 0.5, "instagram/influencer": 0.0},
    )
    written = optimised_text(TRAVEL, tmp_path / "o.yaml", scenario, candidate, HEADER)
    replaced, _ = changed_lines(TRAVEL.read_text(encoding="utf-8"), written)
    assert "        schedule: [{per_week: 2}]  # optimised: x0.5 the planned intensity" in replaced
    assert any(line.lstrip().startswith("schedule: [{per_week: 0}]") for line in replaced)
    assert len(replaced) == 5  # three shares and two schedules


def test_edits_of_yaml_text_keep_the_rest():
    text = (
        "a:  # the a block\n"
        "  b: 2400             # twenty\n"
        "  c: {x: 1, y: 2}  # flow\n"
        "  d:\n"
        "    - 1\n"
        "    - 2   # last\n"
        "  # trailing comment\n"
        "e: 5\n"
    )
    edits = [
        Rename(("a", "b"), "bb", 0.1345, "was 2400"),
        Set(("a", "c", "y"), 3, "new y"),
        Set(("a", "d"), [{"p": 1}], "new d"),
        Set(("a", "z"), 1, "added"),
        Set(("f", "g"), 2, "added with its parent"),
        Remove(("e",), "gone"),
    ]
    assert edited_text(text, edits) == (
        "a:  # the a block\n"
        "  bb: 0.1345          # was 2400. Planned: twenty\n"
        "  c: {x: 1, y: 3}  # new y. Planned: flow\n"
        "  d: [{p: 1}]  # new d. Planned: last\n"
        "  z: 1  # added\n"
        "  # trailing comment\n"
        "# e: 5  (gone)\n"
        "f: {g: 2}  # added with its parent\n"
    )
    assert yaml.safe_load(edited_text(text, edits)) == {
        "a": {"bb": 0.1345, "c": {"x": 1, "y": 3}, "d": [{"p": 1}], "z": 1},
        "f": {"g": 2},
    }


def test_a_file_with_aliases_is_written_afresh_and_says_so(tmp_path):
    """Editing an anchor would change every alias of it: such a file is rendered anew, and its
    header says that the comments could not be kept."""
    text = (
        KIDS.read_text(encoding="utf-8")
        .replace("        cpm: {mean: 2.8, sd: 0.8}", "        cpm: &price {mean: 2.8, sd: 0.8}")
        .replace("        cpm: {mean: 3.6, sd: 1.0}", "        cpm: *price")
    )
    text = text.replace("type: test-then-scale", "type: fixed").replace("[policy]", "[shares]")
    source = tmp_path / "aliased.yaml"
    source.write_text(text, encoding="utf-8")
    s = load_scenario(source)
    candidate = Candidate(
        {"facebook/paid_ads": 0.6, "instagram/paid_ads": 0.25, "tiktok/paid_ads": 0.15}
    )
    written = optimised_text(source, tmp_path / "o.yaml", s, candidate, HEADER)
    assert (
        "# Written afresh (the file uses YAML aliases): the file's comments could not be kept."
        in written
    )
    shares = [
        t.budget_share
        for p in scenario_from_data(yaml.safe_load(written), "o").platforms
        for t in p.tools
    ]
    assert shares == [0.6, 0.25, 0.15]


# --- 5. no CPA without conversions ------------------------------------------------------------


class OneToolResult:
    """A stand-in `Result` of one paid-ads tool over 200 campaigns of 20 EUR each."""

    def __init__(self, conversions: np.ndarray, spend: float = 20.0):
        self._conversions = conversions
        self._spend = spend
        self.lines = type("Lines", (), {"names": ["tiktok/paid_ads"], "kinds": ["paid_ads"]})()

    def arm_mask(self, i):
        return np.array([True])

    def kpis(self, mask=None, tools_only=False):
        spend = np.full(self._conversions.shape, self._spend)
        with np.errstate(divide="ignore", invalid="ignore"):
            cpa = np.where(self._conversions > 0, spend / self._conversions, np.nan)
        values = {"spend": spend, "conversions": self._conversions, "cpa": cpa}
        return KpiDraws(values, {"cpa": (spend, self._conversions, 1.0)})


def test_a_tool_that_brought_no_conversions_has_no_cpa():
    scenario = load_scenario(KIDS)
    (row,) = tool_rows(OneToolResult(np.zeros(200)), Candidate(), scenario)
    assert row["conversions"]["mean"] == 0.0
    assert row["cpa"] is None


def test_a_tool_that_rarely_converts_shows_its_expected_price():
    """One conversion in 200 campaigns of 20 EUR: the expected CPA is 4,000 EUR (all the money
    over all the conversions), not the 20 EUR of the one campaign that converted."""
    scenario = load_scenario(KIDS)
    once = np.zeros(200)
    once[17] = 1.0
    (row,) = tool_rows(OneToolResult(once), Candidate(), scenario)
    assert row["cpa"]["mean"] == pytest.approx(4000.0)
    assert row["cpa"]["p50"] == 20.0  # the one campaign that converted: its own CPA
    (row,) = tool_rows(OneToolResult(np.full(200, 2.0)), Candidate(), scenario)
    assert row["cpa"]["mean"] == pytest.approx(10.0)  # a tool that converts keeps its CPA


def without_conversions(document: OptimisationResult) -> OptimisationResult:
    """The document with its first tool bringing no conversion, as the evaluation writes it."""
    data = copy.deepcopy(document.to_dict())
    tool = data["evaluation"]["tools"][0]
    tool["conversions"] = {"mean": 0.0, "p5": 0.0, "p50": 0.0, "p95": 0.0}
    tool["cpa"] = None
    return OptimisationResult.from_dict(data)


@pytest.fixture(scope="module")
def short_study(tmp_path_factory) -> OptimisationResult:
    """A deliberately short study: 3 trials of the sampler alone (no warm start) on the
    closed-form interior case, whose optimum funds all three arms."""
    return closed_form_study(tmp_path_factory.mktemp("short"), trials=3, warm_start=False)


def closed_form_study(folder: Path, *, trials: int, warm_start: bool) -> OptimisationResult:
    arms, budget, days = CASES["interior"]
    source = folder / "interior.yaml"
    source.write_text(
        yaml.safe_dump(concave_scenario_data(arms, budget, days, 11)), encoding="utf-8"
    )
    scenario = load_scenario(source)
    settings = settings_of(scenario, trials=trials, replications=1, deterministic=True)
    run = open_optimisation(
        scenario,
        settings,
        storage_url=default_url(folder),
        study_name="interior",
        source=str(source),
        warm_start=warm_start,
    )
    run.run_batches(1)
    job = OptimiseJob(
        source=source,
        scenario=scenario,
        settings=settings,
        storage_url=default_url(folder),
        study_name="interior",
        out_dir=None,
        final_replications=1,
    )
    return finish(job, run, trials)


def test_no_cpa_reads_as_a_dash_or_empty_everywhere(short_study):
    document = without_conversions(short_study)
    assert json.loads(document.to_json())["evaluation"]["tools"][0]["cpa"] is None
    (row, *_) = csv.DictReader(io.StringIO(allocation_csv(document)))
    assert (row["cpa_mean"], row["cpa_p5"], row["cpa_p95"]) == ("", "", "")
    table = console_module.allocation_table(document)
    console = Console(file=io.StringIO(), width=200)
    console.print(table)
    first = next(line for line in console.file.getvalue().splitlines() if "alpha/paid_ads" in line)
    assert first.rstrip(" │").endswith(console_module.NO_CPA)
    page = report_html(document)
    cell = page.split("alpha/paid_ads", 1)[1].split("</tr>", 1)[0]
    assert cell.endswith(f"<td>{console_module.NO_CPA}</td>")


# --- 6. whether more trials would help --------------------------------------------------------


def test_a_short_study_says_more_trials_would_likely_help(short_study):
    """Three random splits: the funded arms' marginal CPAs are far apart (the optimum equalises
    them), and the console and the page say so, with how many trials to run."""
    verdict = short_study.convergence
    assert verdict.more_trials_likely_help
    assert verdict.suggested_trials == 6
    assert "marginal CPAs differ" in verdict.reasons[0]
    line = console_module.convergence_line(short_study)
    assert line.startswith("More trials would likely help: the funded tools' marginal CPAs")
    assert line.endswith("Run about 3 more (--trials 6); the study resumes where it stopped.")
    assert line in report_html(short_study).replace("&#x27;", "'")


def test_a_converged_closed_form_study_gives_no_hint(tmp_path):
    """Warm-started on the interior case, the first trial is the closed-form optimum: its
    funded arms' marginal CPAs agree within the probe's own 2% error and later trials find
    nothing better, so no hint is given."""
    document = closed_form_study(tmp_path, trials=12, warm_start=True)
    assert document.convergence.more_trials_likely_help is False
    assert document.convergence.reasons == []
    assert console_module.convergence_line(document) is None
    cpas = [r.marginal_cpa for r in document.evaluation.marginal_cpa]
    assert max(cpas) / min(cpas) - 1 < 0.02


def marginal_row(tool: str, share: float, cpa: float, low: float, high: float) -> dict:
    return {"tool": tool, "share": share, "marginal_cpa": cpa, "ci_low": low, "ci_high": high}


def test_marginal_cpas_within_their_intervals_are_no_sign():
    """The issue's 22.7, 38.1 and 30.3 are a sign when their intervals are narrow, not when the
    noise could explain them."""
    narrow = [
        marginal_row("a", 0.4, 22.7, 21.0, 24.5),
        marginal_row("b", 0.3, 38.1, 35.0, 41.0),
        marginal_row("c", 0.3, 30.3, 28.0, 32.0),
    ]
    assert "22.70 EUR for a against 38.10 EUR for b" in marginal_gap(narrow, "EUR")
    wide = [marginal_row(r["tool"], r["share"], r["marginal_cpa"], 10.0, 60.0) for r in narrow]
    assert marginal_gap(wide, "EUR") is None
    at_limit = [*narrow[:1], {**narrow[1], "at_limit": True}, {**narrow[2], "at_limit": True}]
    assert marginal_gap(at_limit, "EUR") is None  # a binding spend limit holds them apart


def test_an_unfunded_tool_may_cost_more_at_the_margin_never_clearly_less():
    funded = marginal_row("a", 1.0, 30.0, 29.0, 31.0)
    dearer = marginal_row("b", 0.0, 45.0, 44.0, 46.0)
    cheaper = marginal_row("c", 0.0, 20.0, 19.0, 21.0)
    assert marginal_gap([funded, dearer], "EUR") is None
    assert marginal_gap([funded, cheaper], "EUR").startswith("c is left unfunded")


def test_a_best_value_still_improving_in_the_last_quarter_is_a_sign():
    def rows(best):
        return [{"best_so_far": b} for b in best]

    flat = [30.0] * 10 + [25.0] * 10
    assert still_improving(rows(flat), "cpa") is None
    late = [30.0] * 15 + [29.0, 28.0, 27.0, 26.0, 25.0]
    assert still_improving(rows(late), "cpa") == (
        "the best plan still improved by 16.7% over the last 5 trials"
    )
    assert still_improving(rows([100.0] * 15 + [101.0] * 5), "conversions") is None  # < 1%


def test_another_search_is_another_study():
    """What may change is part of the question: rerunning with another --search starts a fresh
    study instead of being refused by the one that searched something else."""
    settings = settings_of(load_scenario(TRAVEL))
    assert default_study_name(TRAVEL, settings) == "travel-agency-cpa"
    searched = ("shares", "tactics")
    assert default_study_name(TRAVEL, settings, searched) == "travel-agency-cpa-shares+tactics"


def test_two_values_changed_on_one_flow_line_share_its_comment():
    text = "test: {days: 28, budget: 2400}  # the test\n"
    edits = [
        Rename(("test", "budget"), "budget_share", 0.15, "optimised (was budget 2400)"),
        Set(("test", "days"), 21, "optimised (was 28)"),
    ]
    assert edited_text(text, edits) == (
        "test: {days: 21, budget_share: 0.15}  # optimised (was 28); optimised (was budget "
        "2400). Planned: the test\n"
    )
