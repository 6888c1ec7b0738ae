"""`smmsim calibrate` end to end: the real datasets, the round trip into `smmsim run`, errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from smmsim.cli import main
from smmsim.scenarios.loader import load_scenario
from smmsim.simulator.engine import simulate
from tests.exports import recovery_scenario, simulated_days, truth, write_both

EXAMPLES = Path(__file__).resolve().parents[1] / "calibration" / "examples"
AB_FILES = [EXAMPLES / "ab_test_control_group.csv", EXAMPLES / "ab_test_test_group.csv"]
ONLINE = EXAMPLES / "online_advertising_performance_data.csv"
ONLINE_MAP = [
    "displays=impressions",
    "revenue=spend",  # what the advertiser paid: its spend (the data README)
    "cost=ignore",  # what the network paid publishers
    "post_click_conversions=conversions",
    "post_click_sales_amount=revenue",
    "month=month",
    "day=day",
    "campaign_number=campaign",
]


def calibrate(*args: str):
    return CliRunner().invoke(main, ["calibrate", *args], catch_exceptions=False)


def online_args(out: Path) -> list[str]:
    maps = [x for m in ONLINE_MAP for x in ("--map", m)]
    return [str(ONLINE), *maps, "--year", "2020", "--platform", "adnetwork",
            "--group-by", "campaign,banner", "--view-through", "reject",
            "--out", str(out)]  # fmt: skip


@pytest.fixture(scope="module")
def online(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("online")
    result = calibrate(*online_args(out))
    assert result.exit_code == 0, result.output
    return out


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_ab_files_import_with_the_empty_day_rejected(tmp_path):
    result = calibrate(*map(str, AB_FILES), "--platform", "facebook", "--group-by", "campaign",
                       "--out", str(tmp_path))  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = read_json(tmp_path / "import_summary.json")
    assert (summary["rows_read"], summary["rows_used"], summary["rows_rejected"]) == (60, 59, 1)
    control = summary["per_file"][0]
    assert (control["separator"], control["date_order"], control["format"]) == (
        ";",
        "dmy",
        "generic",
    )
    with open(tmp_path / "rejected.csv", encoding="utf-8") as f:
        rejected = list(csv.DictReader(f))
    # The data README: the control file has one day (5 August) with empty values, on line 6.
    assert [(r["line"], r["reasons"].split(";")[0]) for r in rejected] == [("6", "empty_value")]
    assert "5.08.2019" in rejected[0]["row"]
    document = read_json(tmp_path / "calibration.json")
    assert [a["arm"] for a in document["arms"]] == [
        "facebook/Control Campaign",
        "facebook/Test Campaign",
    ]
    # Purchases over website clicks, straight from the file's sums for the test campaign.
    test_arm = document["arms"][1]
    assert test_arm["cvr"]["observed"] == pytest.approx(15637 / 180970, rel=1e-9)


def test_online_file_accounts_for_every_row(online):
    summary = read_json(online / "import_summary.json")
    assert summary["rows_read"] == 15403  # the data README's count
    assert summary["rows_used"] + summary["rows_rejected"] == summary["rows_read"]
    # Its quirks: rows with clicks but no displays, and more post-click conversions than clicks.
    assert summary["rejected_by_reason"] == {
        "conversions_above_clicks": 328,
        "clicks_above_impressions": 2,
    }
    assert summary["per_file"][0]["missing_labels"] == {"placement": 413}  # '#N/A', kept
    with open(online / "rejected.csv", encoding="utf-8") as f:
        assert sum(1 for _ in csv.DictReader(f)) == summary["rows_rejected"]


def test_online_file_fit_beats_pooled_rates_on_hold_out(online):
    v = read_json(online / "calibration.json")["validation"]
    model, baseline = v["model"], v["baseline"]
    assert model["wape_conversions"] < baseline["wape_conversions"]
    assert model["wape_clicks"] < baseline["wape_clicks"]
    # Honest intervals: the fit's 90% intervals hold about 90% of held-out days (more, not less,
    # since a day's variation beyond the fitted dispersion is rare); pooled rates hold few.
    assert 0.85 <= model["coverage_clicks"] <= 1.0
    assert 0.85 <= model["coverage_conversions"] <= 1.0
    assert baseline["coverage_conversions"] < 0.6


@pytest.mark.parametrize("seed", ["0", "2"])
def test_whole_arms_held_out_are_forecast_like_their_campaigns_arms(tmp_path, seed):
    """Arms the fit never saw (--holdout-by group) come from the fitted arms of their campaign
    (the first --group-by column): in this export clicks per unit of money are a campaign's
    (about 6, 25 and 19 for camps 1-3), which pooled rates mix. So the clicks forecast beats
    pooled rates by far (it once drew from every arm of the platform and lost to them; before
    that it ran 12x high, pricing the new arm at its platform's CPM before auction pressure);
    conversions, noisy day to day, at least tie; and its 90% intervals, wide with the spread
    between arms, hold most held-out days, which pooled rates do not."""
    result = calibrate(*online_args(tmp_path), "--holdout-by", "group", "--seed", seed)
    assert result.exit_code == 0, result.output
    v = read_json(tmp_path / "calibration.json")["validation"]
    model, baseline = v["model"], v["baseline"]
    assert model["wape_clicks"] < 0.5 * baseline["wape_clicks"]
    assert model["wape_conversions"] < 1.1 * baseline["wape_conversions"]
    for measure in ("clicks", "conversions"):
        assert model[f"coverage_{measure}"] >= 0.8 > baseline[f"coverage_{measure}"]


def test_online_totals_match_an_independent_read(online):
    """pandas' own reader, with the two rules applied by hand, gives the same sums."""
    import pandas as pd

    raw = pd.read_csv(ONLINE)
    kept = raw[(raw.clicks <= raw.displays) & (raw.post_click_conversions <= raw.clicks)]
    arms = read_json(online / "calibration.json")["arms"]
    for ours, theirs in (("impressions", "displays"), ("clicks", "clicks"), ("spend", "revenue"),
                         ("conversions", "post_click_conversions")):  # fmt: skip
        assert sum(a["totals"][ours] for a in arms) == pytest.approx(kept[theirs].sum(), rel=1e-12)


def test_outputs_are_written_and_record_the_seed(online):
    for name in ("calibration.json", "import_summary.json", "rejected.csv", "holdout.csv",
                 "fit.html"):  # fmt: skip
        assert (online / name).stat().st_size > 0
    assert read_json(online / "calibration.json")["seed"] == 0


def test_same_seed_same_calibration(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    args = [*map(str, AB_FILES), "--platform", "facebook", "--seed", "3"]
    assert calibrate(*args, "--out", str(first)).exit_code == 0
    assert calibrate(*args, "--out", str(second)).exit_code == 0
    for name in ("calibration.json", "holdout.csv", "rejected.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("round")
    frame = simulated_days(recovery_scenario(), 1, seed=21)[0]
    files = write_both(frame, folder)
    written = folder / "calibrated.yaml"
    result = calibrate(*map(str, files), "--group-by", "platform,campaign",
                       "--out", str(folder / "out"), "--write-scenario", str(written))  # fmt: skip
    assert result.exit_code == 0, result.output
    return folder, written, read_json(folder / "out" / "calibration.json")


def test_written_scenario_runs(round_trip):
    folder, written, _ = round_trip
    result = CliRunner().invoke(main, ["run", str(written), "--reps", "200", "--out",
                                       str(folder / "run")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (folder / "run" / "report.html").exists()


def test_written_scenario_reproduces_the_calibrated_rates(round_trip):
    """Simulated at its priors' means, the plan gives back each arm's calibrated CTR and CVR,
    and the CPM the calibration saw at the plan's daily spend."""
    _, written, document = round_trip
    scenario = load_scenario(written)
    result = simulate(scenario, deterministic=True)
    t = result.totals
    by_arm = {a["arm"]: a for a in document["arms"]}
    for i, name in enumerate(result.lines.names):
        fitted = by_arm[name]
        assert t["clicks"][0, i] / t["impressions"][0, i] == pytest.approx(
            fitted["ctr"]["mean"],
            rel=1e-5,  # the file keeps 6 significant digits
        )
        assert t["direct_conversions"][0, i] / t["clicks"][0, i] == pytest.approx(
            fitted["cvr"]["mean"], rel=1e-5
        )
        daily = t["spend"][0, i] / scenario.campaign.days
        a = fitted["auction"]
        expected_cpm = fitted["cpm_given_curve"]["mean"] * (1 + (daily / a["s_half"]) ** a["k"])
        assert 1000 * t["spend"][0, i] / t["impressions"][0, i] == pytest.approx(
            expected_cpm, rel=0.02
        )


def test_written_scenario_carries_the_truth_within_its_priors(round_trip):
    """The priors written are the posteriors: their 5-95% ranges hold the simulated truth."""
    _, written, _ = round_trip
    scenario = load_scenario(written)
    t = truth()
    for platform in scenario.platforms:
        for tool in platform.tools:
            for rate in ("ctr", "cvr"):
                belief = getattr(tool, rate).distribution()
                lo, hi = belief.quantile([0.0005, 0.9995])
                assert lo <= t[f"{platform.name}/{tool.name}"][rate] <= hi


def test_written_scenario_flags_what_the_data_lack(round_trip):
    _, written, _ = round_trip
    text = written.read_text(encoding="utf-8")
    # Google Ads exports no joins: its arms' join rates are marked, not passed off as fitted.
    assert text.count("NOT CALIBRATED") == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--map", "Spend [USD]=spnd"], "unknown field 'spnd' (did you mean 'spend'?)"),
        (["--map", "Spent=spend"], "no column 'Spent' in the header"),
        (["--group-by", "campain"], "--group-by: no column 'campain' (did you mean 'campaign'?)"),
        (["--holdout", "95%"], "between 0% and 90%"),
        (["--holdout-after", "2019-08-10", "--holdout-by", "group"], "needs --holdout-by time"),
    ],
)
def test_bad_options_give_one_clear_line(tmp_path, args, message):
    result = CliRunner().invoke(
        main, ["calibrate", str(AB_FILES[0]), "--out", str(tmp_path), *args]
    )
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_missing_file_is_named(tmp_path):
    missing = tmp_path / "nope.csv"
    result = CliRunner().invoke(main, ["calibrate", str(missing), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert str(missing) in result.output and "cannot read" in result.output


def test_json_prints_the_document(tmp_path):
    result = calibrate(*map(str, AB_FILES), "--out", str(tmp_path), "--json")
    document = json.loads(result.output)
    assert document == read_json(tmp_path / "calibration.json")


def test_group_hold_out_predicts_unseen_arms_from_their_platform(tmp_path, round_trip):
    folder, _, _ = round_trip
    files = [str(folder / "meta.csv"), str(folder / "google.csv")]
    result = calibrate(*files, "--group-by", "platform,campaign", "--holdout-by", "group",
                       "--holdout", "35%", "--out", str(tmp_path))  # fmt: skip
    assert result.exit_code == 0, result.output
    v = read_json(tmp_path / "calibration.json")["validation"]
    assert v["holdout_by"] == "group" and v["model"]["cells"] == 2 * 60  # 2 of 6 arms, 60 days


def test_a_campaign_named_like_a_total_is_kept_and_the_total_row_is_not(tmp_path):
    path = tmp_path / "export.csv"
    days = [f"2026-10-{d:02d}" for d in range(1, 13)]
    rows = [
        f"{d},Total Recall promo,{50 + i},{10000 + 400 * i},{120 + i}" for i, d in enumerate(days)
    ]
    rows.append("Total,,600,150000,1500")
    path.write_text("date,campaign,spend,impressions,clicks\n" + "\n".join(rows) + "\n")
    result = calibrate(str(path), "--out", str(tmp_path / "out"), "--holdout", "0")
    assert result.exit_code == 0, result.output
    summary = read_json(tmp_path / "out" / "import_summary.json")
    assert (summary["rows_used"], summary["rejected_by_reason"]) == (12, {"total_row": 1})


def test_a_file_with_no_usable_row_says_so_and_keeps_the_rejections(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("date,spend,impressions,clicks\n2026-10-01,-5,100,10\n2026-10-02,5,10,100\n")
    result = CliRunner().invoke(main, ["calibrate", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert f"{path}: no usable rows (2 read, 2 rejected)" in result.output
    with open(tmp_path / "out" / "rejected.csv", encoding="utf-8") as f:
        assert [r["reasons"] for r in csv.DictReader(f)] == ["negative", "clicks_above_impressions"]


SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="no shared/ folder beside this checkout")
@pytest.mark.parametrize("name", [p.name for p in [*AB_FILES, ONLINE]])
def test_bundled_examples_are_the_shared_datasets_unchanged(name):
    """The tests read the bundled copies; they must be the project's shared files, byte for byte."""
    assert (EXAMPLES / name).read_bytes() == (SHARED_DATA / name).read_bytes()


def test_too_few_dates_skip_the_default_hold_out_but_not_an_asked_one(tmp_path):
    path = tmp_path / "one-day.csv"
    path.write_text("date,spend,impressions,clicks\n2026-10-01,5,1000,10\n")
    result = calibrate(str(path), "--out", str(tmp_path / "a"))
    assert result.exit_code == 0, result.output
    v = read_json(tmp_path / "a" / "calibration.json")["validation"]
    assert "model" not in v and "1 date leaves none to fit on" in v["note"]
    asked = CliRunner().invoke(main, ["calibrate", str(path), "--holdout", "20%", "--out",
                                      str(tmp_path / "b")])  # fmt: skip
    assert asked.exit_code == 2 and "--holdout: 1 date leaves none to fit on" in asked.output


def test_an_arm_that_spent_nothing_is_left_out_of_the_written_scenario(tmp_path):
    path = tmp_path / "idle.csv"
    arms = lambda d: (("idle", 0, 0, 0), ("live", 5 + d, 1000 + 50 * d, 10 + d))  # noqa: E731
    rows = [f"2026-10-{d:02d},{c},{s},{i},{k}" for d in range(1, 11) for c, s, i, k in arms(d)]
    path.write_text("date,campaign,spend,impressions,clicks\n" + "\n".join(rows) + "\n")
    written = tmp_path / "plan.yaml"
    args = [
        "--group-by",
        "campaign",
        "--out",
        str(tmp_path / "o"),
        "--write-scenario",
        str(written),
    ]
    result = CliRunner().invoke(main, ["calibrate", str(path), *args])
    assert result.exit_code == 0, result.output
    assert "left out of the scenario, no spend in the data: idle/idle" in result.output
    tools = [t.name for p in load_scenario(written).platforms for t in p.tools]
    assert tools == ["live"]


KIDS_SHOP = Path(__file__).resolve().parents[1] / "scenarios" / "examples" / "kids-shop.yaml"


def test_plan_gets_the_calibrated_beliefs_of_its_arms_and_keeps_the_rest(tmp_path):
    """A Meta export with facebook and instagram rows updates kids-shop's two Meta arms; TikTok,
    the budget split, the KPIs and the strategy stay as planned."""
    from tests.exports import write_meta

    arms = {
        ("facebook", "paid_ads"): (3.0, 0.011, 0.04, 0.015, 0.6, 1e7),
        ("instagram", "paid_ads"): (3.8, 0.008, 0.05, 0.012, 0.4, 1e7),
    }
    frame = simulated_days(recovery_scenario(arms), 1, seed=2)[0]
    export = write_meta(frame, tmp_path / "meta.csv")
    written = tmp_path / "kids-shop-calibrated.yaml"
    result = calibrate(str(export), "--out", str(tmp_path / "o"), "--write-scenario", str(written),
                       "--plan", str(KIDS_SHOP))  # fmt: skip
    assert result.exit_code == 0, result.output
    plan, updated = load_scenario(KIDS_SHOP), load_scenario(written)
    document = read_json(tmp_path / "o" / "calibration.json")
    fitted = {a["arm"]: a for a in document["arms"]}
    for before, after in zip(plan.platforms, updated.platforms, strict=True):
        tool_before, tool_after = before.tools[0], after.tools[0]
        assert tool_after.budget_share == tool_before.budget_share
        assert tool_after.learning == tool_before.learning  # a new campaign learns again
        label = f"{after.name}/{tool_after.name}"
        if label in fitted:
            assert tool_after.ctr.mean == pytest.approx(fitted[label]["ctr"]["mean"], rel=1e-5)
            # The calibrated CTR includes the data's wear-out: none is put on top of it.
            assert tool_after.fatigue.phi == 0 or fitted[label]["fatigue"]["detected"]
            assert tool_after.cvr.mean == pytest.approx(fitted[label]["cvr"]["mean"], rel=1e-5)
        else:
            assert tool_after == tool_before  # tiktok: not in the data
    assert updated.kpis == plan.kpis and updated.strategy == plan.strategy
    assert updated.campaign == plan.campaign
    run = CliRunner().invoke(main, ["run", str(written), "--reps", "100"])
    assert run.exit_code == 0, run.output


def test_plan_without_any_calibrated_arm_is_refused(tmp_path, round_trip):
    folder, _, _ = round_trip
    result = CliRunner().invoke(main, ["calibrate", str(folder / "meta.csv"), "--out",
                                       str(tmp_path), "--write-scenario", str(tmp_path / "x.yaml"),
                                       "--plan", str(KIDS_SHOP)])  # fmt: skip
    assert result.exit_code == 2
    assert "none of its arms (platform/tool) is in the data" in result.output
    assert not (tmp_path / "x.yaml").exists()


def test_fatigue_written_for_a_shared_audience_reproduces_each_arms_ctr(tmp_path):
    """Three arms of one platform reach audiences of 150k, 1M and 3M people; only the smallest
    wears out. The engine has one audience per platform, so fatigue is fitted in that audience:
    replayed, every arm's CTR comes back."""
    import numpy as np

    days, rows = 40, []
    for tool, audience, phi in (("small", 150_000, 0.15), ("mid", 1e6, 0.0), ("big", 3e6, 0.0)):
        impressions = np.full(days, 20_000.0)
        cumulative = np.cumsum(impressions)
        frequency = cumulative / (audience * -np.expm1(-cumulative / audience))
        ctr = 0.01 * np.exp(-phi * np.maximum(0, frequency - 2))
        reach = audience * -np.expm1(-impressions / audience)
        for d in range(days):
            rows.append(f"2026-01-{1 + d % 31:02d}" if d < 31 else f"2026-02-{d - 30:02d}")
            rows[-1] += f",meta,{tool},100,{impressions[d]:.0f},{reach[d]:.0f},"
            rows[-1] += f"{impressions[d] * ctr[d]:.0f},{impressions[d] * ctr[d] * 0.05:.0f}"
    path = tmp_path / "fatigue.csv"
    path.write_text("date,platform,tool,spend,impressions,reach,clicks,conversions\n"
                    + "\n".join(rows) + "\n")  # fmt: skip
    written = tmp_path / "plan.yaml"
    result = calibrate(str(path), "--out", str(tmp_path / "o"), "--write-scenario", str(written))
    assert result.exit_code == 0, result.output
    observed = {a["arm"]: a["totals"]["clicks"] / a["totals"]["impressions"]
                for a in read_json(tmp_path / "o" / "calibration.json")["arms"]}  # fmt: skip
    replay = simulate(load_scenario(written), deterministic=True)
    for i, name in enumerate(replay.lines.names):
        ctr = replay.totals["clicks"][0, i] / replay.totals["impressions"][0, i]
        assert ctr == pytest.approx(observed[name], rel=0.03), name


def test_plan_tactics_keep_their_plan(tmp_path):
    """A tactic is not an auction arm: an exported arm's rates never land on it, even when the
    tactic has no name of its own (a tool without one used to be read as `paid_ads`)."""
    from tests.exports import write_meta

    arms = {("facebook", "paid_ads"): (3.0, 0.011, 0.04, 0.015, 1.0, 1e7)}
    frame = simulated_days(recovery_scenario(arms), 1, seed=2)[0]
    export = write_meta(frame, tmp_path / "meta.csv")
    plan = yaml.safe_load(KIDS_SHOP.read_text())
    contest = {"type": "contest", "prize": 100, "joins": 50, "schedule": {"days": [5]}}
    plan["platforms"][0]["tools"].append(contest)
    plan_path = tmp_path / "plan.yaml"
    plan_path.write_text(yaml.safe_dump(plan, sort_keys=False))
    written = tmp_path / "calibrated.yaml"
    result = calibrate(str(export), "--out", str(tmp_path / "o"), "--write-scenario", str(written),
                       "--plan", str(plan_path))  # fmt: skip
    assert result.exit_code == 0, result.output
    before, after = load_scenario(plan_path), load_scenario(written)
    assert after.platforms[0].tools[1] == before.platforms[0].tools[1]  # the contest
    assert after.platforms[0].tools[0].ctr != before.platforms[0].tools[0].ctr  # the ads


def test_arm_days_of_arms_the_fit_never_saw_are_flagged(tmp_path):
    """With whole arms held out every held-out arm-day is of an arm not fitted on: the scores,
    holdout.csv and the headline say so."""
    result = calibrate(*online_args(tmp_path), "--holdout-by", "group")
    v = read_json(tmp_path / "calibration.json")["validation"]
    assert v["model"]["unseen_cells"] == v["model"]["cells"] == v["baseline"]["unseen_cells"]
    with open(tmp_path / "holdout.csv", encoding="utf-8") as f:
        assert {row["arm_in_training"] for row in csv.DictReader(f)} == {"no"}
    assert "all on arms the fit never saw" in " ".join(result.output.split())


def test_a_time_hold_out_flags_none_where_every_arm_was_fitted_on(online):
    v = read_json(online / "calibration.json")["validation"]
    assert v["model"]["unseen_cells"] == 0
    assert v["model"]["unscored_conversions"] == 0
