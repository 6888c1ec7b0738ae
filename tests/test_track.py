"""`smmsim track`: actuals matched to the plan's arms with every row accounted for, the KPIs to
date flagged against the plan's band, each arm's beliefs updated toward the truth, and a
re-forecast of the rest whose intervals hold the true remaining totals at their stated rate."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest
from click.testing import CliRunner

from smmsim import api
from smmsim.cli import main
from smmsim.scenarios.loader import load_scenario
from smmsim.simulator.reports.track_page import FAN, track_figures
from smmsim.simulator.studies.track.overlay import Band, status
from smmsim.simulator.studies.track.study import TrackResult
from tests.plotly_form import drawn
from tests.track_helpers import AS_OF, TRUTH, truth_campaigns, write_export, write_plan

DAYS_TRACKED = 30
CAMPAIGNS = 40  # simulated real campaigns for the coverage check


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("track")


@pytest.fixture(scope="module")
def plan(folder):
    return write_plan(folder)


@pytest.fixture(scope="module")
def truth(plan):
    return truth_campaigns(plan, CAMPAIGNS, seed=11)


@pytest.fixture(scope="module")
def tracked(plan, truth, folder):
    """Every simulated campaign's first 30 days fed to `track` as a CSV export."""
    results = []
    for rep in range(CAMPAIGNS):
        export = write_export(truth, rep, folder / f"actuals-{rep}.csv")
        track = api.track(plan, export, as_of=AS_OF.isoformat(), reps=300, trials=0, workers=1)
        results.append(track)
    return results


def true_rest(truth, rep: int, measure: str) -> float:
    return float(truth.daily_sample[measure][DAYS_TRACKED:, rep, :].sum())


def test_the_updated_beliefs_move_toward_the_truth(tracked):
    # The plan believes CTR 1% and CVR 2% on both arms; the truth differs in both directions.
    for rate in ("ctr", "cvr", "cpm"):
        for arm, true in TRUTH.items():
            closer = [
                abs(getattr(u, rate).mean - true[rate])
                < abs(getattr(u, rate).prior_mean - true[rate])
                for r in tracked
                for u in r.updates
                if u.arm == arm
            ]
            # 30 days hold thousands of clicks: a posterior on the wrong side of the prior
            # would be a rare accident, not one campaign in ten.
            assert np.mean(closer) >= 0.9, (arm, rate)


def test_the_reforecast_moves_toward_the_true_remaining_totals(tracked, truth):
    for measure in ("clicks", "direct_conversions"):
        truth_mean = np.mean([true_rest(truth, rep, measure) for rep in range(CAMPAIGNS)])
        plan_mean = tracked[0].plan_result.daily_mean[measure][DAYS_TRACKED:].sum()
        rest_means = [r.rest_result.kpis()[measure].mean() for r in tracked]
        assert abs(np.mean(rest_means) - truth_mean) < 0.5 * abs(plan_mean - truth_mean)


def test_the_reforecast_intervals_cover_the_true_remaining_totals_at_their_rate(tracked, truth):
    # 90% intervals over 40 independent campaigns: the coverage is binomial with sd
    # sqrt(0.9 * 0.1 / 40) = 0.047, so anything below 0.9 - 3 sd (0.76) says the intervals are
    # too narrow. And they must be sharper than the plan's on the same days, or full coverage
    # could come from intervals too wide to be of use.
    for measure in ("clicks", "direct_conversions"):
        held = []
        for rep, r in enumerate(tracked):
            lo, hi = np.percentile(r.rest_result.kpis()[measure], [5, 95])
            held.append(lo <= true_rest(truth, rep, measure) <= hi)
        assert np.mean(held) >= 0.76, measure
        plan_rest = tracked[0].plan_result.daily_sample[measure][DAYS_TRACKED:].sum(axis=(0, 2))
        rest = tracked[0].rest_result.kpis()[measure]
        assert np.ptp(np.percentile(rest, [5, 95])) < np.ptp(np.percentile(plan_rest, [5, 95]))


def test_the_campaign_end_adds_the_actuals_to_the_rest(tracked):
    r = tracked[0]
    end = {f.metric: f for f in r.forecast}
    actual_clicks = sum(a.totals["clicks"] for a in r.arms)
    assert end["clicks"].campaign.mean == pytest.approx(end["clicks"].rest.mean + actual_clicks)
    assert end["spend"].campaign.mean == pytest.approx(r.budget, rel=0.01)  # all of it spent


def test_target_odds_before_and_after(tracked, truth):
    # The plan expects ~10,800 clicks with a wide spread (P(clicks >= 9000) about 63%); the truth
    # buys ~10,900 with little spread, so once half the campaign is seen the target is near
    # certain.
    for r in tracked:
        clicks = next(t for t in r.targets if t.metric == "clicks")
        assert 0.5 < clicks.plan_probability < 0.75
        assert clicks.probability >= 0.95
    # Conversions fall short of the plan (truth ~172 against ~219), so P(cpa <= 30) drops from
    # about 60%; the odds after the actuals, averaged over the campaigns, match the share of
    # true campaigns that meet the target within 3 binomial sd (sqrt(0.2 x 0.8 / 40) = 0.063).
    after = np.mean([next(t for t in r.targets if t.metric == "cpa").probability for r in tracked])
    before = next(t for t in tracked[0].targets if t.metric == "cpa").plan_probability
    met = (truth.kpis()["cpa"] <= 30).mean()
    assert after < before - 0.2
    assert abs(after - met) < 3 * 0.063


@pytest.mark.parametrize(
    ("actual", "lower_is_better", "expected"),
    [
        (5.0, False, "behind"),  # a volume below the plan's p10
        (50.0, False, "on track"),
        (95.0, False, "ahead"),
        (95.0, True, "behind"),  # a cost above the plan's p90
        (5.0, True, "ahead"),
        (None, True, "no data"),  # a CPA without conversions
    ],
)
def test_status_against_the_band(actual, lower_is_better, expected):
    assert status(actual, Band(10.0, 50.0, 90.0), lower_is_better) == expected


def test_a_campaign_far_below_plan_is_flagged_behind(plan, truth, folder):
    # The same export with every count cut to a tenth: conversions, clicks and impressions fall
    # far below the plan's p10 to date, and the cost per click rises above its p90.
    export = write_export(truth, 0, folder / "weak.csv")
    lines = export.read_text().splitlines()
    rows = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        cells[4:] = [str(int(c) // 10) for c in cells[4:]]
        rows.append(",".join(cells))
    export.write_text("\n".join(rows) + "\n")
    r = api.track(plan, export, as_of=AS_OF.isoformat(), reps=200, trials=0, workers=1)
    flags = {k.metric: k.status for k in r.overlay if k.scope == "ads"}
    assert flags["impressions"] == flags["clicks"] == "behind"
    assert flags["cpm"] == flags["cpc"] == "behind"
    assert flags["spend"] == "on track"


def messy_export(truth, folder):
    """A real-looking export: campaigns named by the marketer, a row after the as-of date, one
    before the start, one of a platform the plan lacks, one of an unknown campaign, and one the
    importer rejects (negative spend)."""
    names = {"facebook/paid_ads": "Spring FB", "tiktok/paid_ads": "Spring TT"}
    export = write_export(truth, 1, folder / "messy.csv", names)
    extra = [
        "2027-04-02,facebook,Spring FB,50.00,9000,8000,100,2,1",  # after --as-of
        "2027-02-27,facebook,Spring FB,50.00,9000,8000,100,2,1",  # before the plan
        "2027-03-05,vk,Spring VK,20.00,5000,4000,40,1,0",  # no such platform
        "2027-03-05,facebook,Brand search,20.00,5000,4000,40,1,0",  # no such campaign
        "2027-03-06,facebook,Spring FB,-3.00,5000,4000,40,1,0",  # rejected: negative
    ]
    export.write_text(export.read_text() + "\n".join(extra) + "\n")
    return export


ARM_OPTIONS = ["Spring FB=facebook/paid_ads", "Spring TT=tiktok/paid_ads"]


def test_every_row_is_used_rejected_or_set_aside_with_its_reason(plan, truth, folder):
    export = messy_export(truth, folder)
    out = folder / "out-messy"
    args = ["track", str(plan), str(export), "--as-of", AS_OF.isoformat(), "--reps", "200"]
    args += [a for arm in ARM_OPTIONS for a in ("--arm", arm)]
    result = CliRunner().invoke(main, [*args, "--trials", "0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads((out / "track.json").read_text())
    account = document["import"]
    assert account["rows_read"] == (
        account["rows_used"] + account["rows_rejected"] + account["rows_set_aside"]
    )
    assert account["rows_rejected"] == 1
    assert account["set_aside_by_reason"] == {
        "after_as_of": 1,
        "before_start": 1,
        "platform_not_in_plan": 1,
        "no_matching_arm": 1,
    }
    rejected = (out / "rejected_rows.csv").read_text()
    for reason in ("negative", "after_as_of", "before_start", "no_matching_arm", "Brand search"):
        assert reason in rejected
    assert account["rows_used"] == 2 * DAYS_TRACKED
    arms = {a["arm"]: a for a in document["arms"]}
    assert arms["facebook/paid_ads"]["campaigns"] == ["Spring FB"]


def test_without_arm_options_the_campaigns_match_nothing_and_say_how(plan, truth, folder):
    export = messy_export(truth, folder)
    out = folder / "out-unmatched"
    args = ["track", str(plan), str(export), "--as-of", AS_OF.isoformat(), "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "no row matches" in result.output and "--arm" in result.output
    assert "Traceback" not in result.output
    rejected = (out / "rejected_rows.csv").read_text()
    assert '--arm ""Spring FB=facebook/paid_ads""' in rejected  # the hint, CSV-quoted


def test_campaigns_named_like_the_tools_match_without_options(plan, truth, folder):
    export = write_export(truth, 2, folder / "named.csv")  # campaign = the tool's name
    r = api.track(plan, export, as_of=AS_OF.isoformat(), reps=100, trials=0, workers=1)
    assert r.imports.rows_used == 2 * DAYS_TRACKED and r.imports.rows_set_aside == 0


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--as-of", "2027-02-01"], "before the plan starts"),
        (["--as-of", "2027-04-29"], "no day is left"),
        (["--as-of", "31/03/2027"], "YYYY-MM-DD"),
        (["--as-of", AS_OF.isoformat(), "--arm", "Spring FB=vk/paid_ads"], "no ad arm"),
        (["--as-of", AS_OF.isoformat(), "--arm", "no equals sign"], "CAMPAIGN=platform/tool"),
    ],
)
def test_bad_options_are_errors_without_a_traceback(plan, truth, folder, option, message):
    export = write_export(truth, 3, folder / "bad-options.csv")
    args = ["track", str(plan), str(export), *option, "--out", str(folder / "out-bad")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_outputs_and_the_scenario_for_the_rest(plan, truth, folder):
    export = write_export(truth, 4, folder / "outputs.csv")
    out, rest = folder / "out-files", folder / "rest.yaml"
    args = ["track", str(plan), str(export), "--as-of", AS_OF.isoformat(), "--reps", "200"]
    args += ["--trials", "0", "--out", str(out), "--write-scenario", str(rest), "--seed", "5"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "plotly.min.js",
        "rejected_rows.csv",
        "track.csv",
        "track.html",
        "track.json",
    ]
    text = (out / "track.json").read_text()
    document = json.loads(text)
    assert TrackResult.from_dict(document).to_json() == text  # typed, and read back whole
    assert document["seed"] == 5 and document["as_of"] == AS_OF.isoformat()
    csv = (out / "track.csv").read_text().splitlines()
    assert csv[0].startswith("kind,scope,kpi,actual,plan_p10,plan_p50,plan_p90,status")
    assert len(csv) == 1 + len(document["overlay"]) + len(document["targets"])
    # P(clicks >= 9000) goes from about 63% to near certain: far beyond Monte Carlo noise
    assert any(row.startswith("target,campaign,clicks >= 9000,") for row in csv)
    assert "odds up" in next(row for row in csv if ",clicks >= 9000," in row)
    page = (out / "track.html").read_text()
    assert '<script charset="utf-8" src="plotly.min.js">' in page  # offline: plotly beside it
    assert (out / "plotly.min.js").stat().st_size > 1_000_000
    assert page.index("Tracked 30 days") < page.index("Cumulative to date")  # headline first
    scenario = load_scenario(rest)
    spent = sum(a["totals"]["spend"] for a in document["arms"])
    assert scenario.campaign.start == date(2027, 3, 31)
    assert scenario.campaign.days == 30
    assert scenario.campaign.budget == pytest.approx(6000 - spent, abs=0.01)
    facebook = scenario.platforms[0].tools[0]
    update = next(u for u in document["updates"] if u["arm"] == "facebook/paid_ads")
    assert facebook.ctr.mean == pytest.approx(update["ctr"]["mean"], rel=1e-5)
    assert "Tracked 30 days" in result.output  # the console opens with the headline
    # piped (CliRunner is no terminal), every cell of the tables prints whole
    for cell in ("facebook/paid_ads", "cost_per_join", "direct_conversions", "cpa <= 30"):
        assert cell in result.output


def test_the_reallocation_moves_money_to_the_arm_that_sells_cheaper(plan, truth, folder):
    # True conversions per unit of money: Facebook 1000 / 4 x 1.4% x 1.2% = 0.042, TikTok
    # 1000 / 7 x 0.7% x 3% = 0.030. The updated beliefs see it, so the best split found
    # favours Facebook and beats the plan's even split on common random numbers.
    export = write_export(truth, 5, folder / "realloc.csv")
    r = api.track(plan, export, as_of=AS_OF.isoformat(), reps=300, trials=6, workers=1)
    re = r.reallocation
    assert re is not None
    assert sum(re.shares.values()) == pytest.approx(1.0)
    assert re.shares["facebook/paid_ads"] > 0.5
    assert re.conversions_gain.mean > 0


def test_the_api_answers_as_the_command_does(plan, truth, folder):
    export = write_export(truth, 6, folder / "api.csv")
    out = folder / "out-api"
    args = ["track", str(plan), str(export), "--as-of", AS_OF.isoformat(), "--reps", "100"]
    args += ["--seed", "2", "--trials", "0", "--workers", "1", "--out", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    r = api.track(plan, export, as_of=AS_OF, reps=100, seed=2, trials=0, workers=1)
    assert r.to_json() == (out / "track.json").read_text(encoding="utf-8")


def test_a_plan_with_tactics_and_retargeting_is_tracked_on_its_own_calendar(folder):
    # reputation-rush seeds the forums in week one only: by day 10 that tactic is over, so the
    # rest of the plan drops it; the weekly group posts go on, counted from the rest's day 1.
    from smmsim.scenarios.plan_edits import Plan
    from smmsim.simulator.studies.track.synthetic import export_csv, export_rows, simulate_truth

    plan = Plan.read("scenarios/examples/reputation-rush.yaml")
    truth = simulate_truth(plan.data, replications=1, seed=4)
    export = folder / "rush.csv"
    export.write_text(export_csv(export_rows(truth, 0, date(2027, 3, 10), {})), encoding="utf-8")
    rest = folder / "rush-rest.yaml"
    args = ["track", plan.source, str(export), "--as-of", "2027-03-10", "--reps", "100"]
    args += ["--trials", "0", "--out", str(folder / "out-rush"), "--write-scenario", str(rest)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    scenario = load_scenario(rest)
    tools = {(p.name, t.type) for p in scenario.platforms for t in p.tools}
    assert ("facebook", "retargeting") in tools and ("facebook", "community_content") in tools
    assert ("forums", "seeding") not in tools
    assert scenario.campaign.days == 91 - 10
    document = json.loads((folder / "out-rush" / "track.json").read_text())
    assert {a["arm"] for a in document["arms"]} == {"facebook/paid_ads", "facebook/retargeting"}


def test_monthly_bands_split_the_actuals_by_calendar_month(tracked):
    r = tracked[0]
    for metric in ("spend", "clicks", "conversions"):
        rows = [m for m in r.monthly if m.metric == metric]
        assert [m.month for m in rows] == ["2027-03", "2027-04"]
        total = sum(a.totals[metric] for a in r.arms)
        assert sum(m.actual for m in rows) == pytest.approx(total)
        march, april = rows
        # March has one day left after the as-of date: its band sits just above the actuals;
        # April has no actuals, so its band is the re-forecast's alone.
        assert march.actual <= march.now.p10 <= march.now.p90
        assert april.actual == 0 and april.now.p50 > 0


def test_one_day_updates_are_the_closed_form_conjugate_posteriors(plan):
    # One day: no dispersion can be measured (it stays 1), so the update is exactly
    # Beta(a + k, b + n - k) for the rates and Gamma(alpha + impressions, beta + exposure) for
    # 1000 / CPM, with the exposure the spend freed of learning, pressure and price noise.
    import math

    from smmsim.simulator.arms import build_arm_table
    from smmsim.simulator.studies.track.actuals import Actuals
    from smmsim.simulator.studies.track.update import update_arms

    scenario = load_scenario(plan)
    table = build_arm_table(scenario)
    values = {
        "spend": np.array([[50.0, 0.0]]),
        "impressions": np.array([[10_000.0, 0.0]]),
        "clicks": np.array([[150.0, 0.0]]),
        "joins": np.array([[6.0, 0.0]]),
        "conversions": np.array([[3.0, 0.0]]),
    }
    actuals = Actuals(table.names, (date(2027, 3, 1),), values, 1, {}, {})
    facebook, tiktok = update_arms(actuals, table, np.array([0]))
    prior = table.priors["ctr"][0]
    assert facebook.ctr.mean == pytest.approx((prior.a + 150) / (prior.a + prior.b + 10_000))
    cvr = table.priors["cvr"][0]
    assert facebook.cvr.mean == pytest.approx((cvr.a + 3) / (cvr.a + cvr.b + 150))
    cpm = table.priors["cpm"][0]
    alpha = 1 / math.expm1(cpm.sigma**2)
    beta = alpha / (1000 * math.exp(-cpm.mu + cpm.sigma**2 / 2))
    pressure = 1 + 50 / table.s_half[0]  # k = 1
    exposure = 50 * table.learn_efficiency[0] * math.exp(table.noise[0] ** 2) / pressure
    assert facebook.cpm.mean == pytest.approx(1000 * (beta + exposure) / (alpha + 10_000 - 1))
    # An arm without actuals keeps the plan's beliefs.
    assert not tiktok.ctr.updated and tiktok.ctr.mean == pytest.approx(table.priors["ctr"][1].mean)


def test_the_page_draws_the_actuals_to_date_as_the_tables_count_them(tracked):
    """The cumulative chart's actual line ends at each KPI's total to date over the arms, and
    every figure of the page is in plotly's own form (`drawn`)."""
    r = tracked[0]
    figures = drawn(track_figures(r))
    assert [len(figures[k]) for k in ("cumulative", "monthly")] == [1, 1]
    (cumulative,) = figures["cumulative"]
    actual_lines = [t for t in cumulative.data if t.name == "actual"]
    assert len(actual_lines) == len(FAN)
    for measure, line in zip(FAN, actual_lines, strict=True):
        assert line.y[-1] == pytest.approx(sum(a.totals[measure] for a in r.arms))
