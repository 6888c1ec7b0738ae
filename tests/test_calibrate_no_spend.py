"""A funnel without spend (impressions, clicks, sign-ups, payments): the rates it has are fitted,
no price is made up, and a written scenario takes its prices from the plan."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

import smmsim
from smmsim.cli import main

# tool: (ctr, sign-up rate per click, payment rate per click)
TRUE = {"search": (0.04, 0.10, 0.02), "display": (0.008, 0.05, 0.01)}
EXAMPLES = Path(__file__).resolve().parents[1] / "calibration" / "examples"
PLANNED = {"cpm": {"mean": 20.0, "sd": 5.0}, "auction": {"s_half": 5000, "k": 0.8},
           "noise": 0.25, "day_of_week": [1.1, 1.0, 1.0, 1.0, 1.0, 0.95, 0.95]}  # fmt: skip


def calibrate(*args: str):
    return CliRunner().invoke(main, ["calibrate", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def funnel(tmp_path_factory) -> Path:
    """45 days of each tool's funnel, binomial at every step from the true rates."""
    rng = np.random.default_rng(7)
    path = tmp_path_factory.mktemp("funnel") / "funnel.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Date", "Tool", "Page views", "Clicks", "Sign-ups", "Payments"])
        for day in range(45):
            for tool, (ctr, join, cvr) in TRUE.items():
                views = int(rng.integers(20_000, 60_000))
                clicks = rng.binomial(views, ctr)
                when = date(2024, 1, 1) + timedelta(days=day)
                writer.writerow([when, tool, views, clicks, rng.binomial(clicks, join),
                                 rng.binomial(clicks, cvr)])  # fmt: skip
    return path


MAP = ["--map", "Page views=impressions", "--map", "Sign-ups=joins",
       "--map", "Payments=conversions", "--platform", "web"]  # fmt: skip


@pytest.fixture(scope="module")
def fitted(funnel):
    mapping = {"Page views": "impressions", "Sign-ups": "joins", "Payments": "conversions"}
    return smmsim.calibrate(funnel, mapping=mapping, platform="web")


def test_no_spend_funnel_recovers_its_rates(fitted):
    """CTR, join rate and CVR within a few percent and 3 posterior sd of the truth."""
    for arm in fitted.arms:
        truths = TRUE[arm.key[1]]
        for estimate, truth in zip((arm.ctr, arm.join_rate, arm.cvr), truths, strict=True):
            assert estimate.mean == pytest.approx(truth, rel=0.1)
            assert abs(estimate.mean - truth) < 3 * estimate.sd


def test_no_spend_means_no_price_and_says_so(fitted):
    """No CPM or auction curve is invented; the parts that need a price are listed as not
    fitted, and the default hold-out (a forecast from spend) is skipped with its reason."""
    for arm in fitted.arms:
        assert arm.cpm is None and arm.cpm_given_curve is None
        assert not arm.auction.detected and "no spend" in arm.auction.note
        assert arm.totals["spend"] is None
    parts = {item.part: item for item in fitted.not_fitted}
    assert set(parts) == {"cpm", "auction", "day_of_week", "noise"}
    assert "no scenario is written" in parts["cpm"].scenario
    assert not fitted.validation.scored and "the data have no spend" in fitted.validation.note


def test_explicit_holdout_without_spend_is_an_error(funnel, tmp_path):
    result = calibrate(str(funnel), *MAP, "--holdout", "20%", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "--holdout: the data have no spend" in result.output


def test_scenario_without_a_plan_asks_for_the_price(funnel, tmp_path):
    """No spend: no CPM and no budget to write. The error names the arms and the option that
    supplies their price; the fit's own outputs are still written."""
    out, target = tmp_path / "out", tmp_path / "s.yaml"
    result = calibrate(str(funnel), *MAP, "--out", str(out), "--write-scenario", str(target))
    assert result.exit_code == 2
    assert "no price (cpm, auction)" in result.output and "--plan PLAN.yaml" in result.output
    assert "web/display" in result.output and "web/search" in result.output
    assert not target.exists() and (out / "calibration.json").exists()


def write_plan(path: Path, tools: list[str], platform: str) -> Path:
    entries = [
        {"type": "paid_ads", "name": t, "budget_share": 1 / len(tools), **PLANNED,
         "ctr": {"mean": 0.01, "sd": 0.003}, "join_rate": {"mean": 0.5, "sd": 0.1},
         "cvr": {"mean": 0.2, "sd": 0.05}}
        for t in tools
    ]  # fmt: skip
    path.write_text(yaml.safe_dump({
        "campaign": {"name": "plan", "start": "2024-03-01", "days": 30, "budget": 9000},
        "platforms": [{"name": platform, "audience": 2_000_000, "tools": entries}],
    }))  # fmt: skip
    return path


def test_plan_keeps_its_price_and_takes_the_rates(funnel, tmp_path):
    plan = write_plan(tmp_path / "plan.yaml", list(TRUE), "web")
    target = tmp_path / "s.yaml"
    result = calibrate(str(funnel), *MAP, "--out", str(tmp_path / "out"),
                       "--write-scenario", str(target), "--plan", str(plan))  # fmt: skip
    assert result.exit_code == 0, result.output
    for tool in yaml.safe_load(target.read_text())["platforms"][0]["tools"]:
        for key, planned in PLANNED.items():
            assert tool[key] == planned
        ctr, join, cvr = TRUE[tool["name"]]
        assert tool["ctr"]["mean"] == pytest.approx(ctr, rel=0.1)
        assert tool["join_rate"]["mean"] == pytest.approx(join, rel=0.1)
        assert tool["cvr"]["mean"] == pytest.approx(cvr, rel=0.15)
    assert "the plan's cpm, auction, day_of_week, noise kept" in result.output


def test_bundled_ab_test_without_its_spend_column(tmp_path):
    """The real A/B export with 'Spend [USD]' dropped: each campaign's observed CTR and CVR are
    its clicks over impressions and purchases over clicks, as read from the file independently."""
    files, sums = [], {}
    for name in ("control", "test"):
        with (EXAMPLES / f"ab_test_{name}_group.csv").open(encoding="utf-8") as f:
            rows = list(csv.reader(f, delimiter=";"))
        spend = rows[0].index("Spend [USD]")
        path = tmp_path / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f, delimiter=";").writerows(r[:spend] + r[spend + 1 :] for r in rows)
        files.append(str(path))
        full = [r for r in rows[1:] if all(c.strip() for c in r)]  # the empty day is rejected
        column = {h: i for i, h in enumerate(rows[0])}
        sums[full[0][0]] = [
            sum(float(r[column[h]]) for r in full)
            for h in ("# of Impressions", "# of Website Clicks", "# of Purchase")
        ]
    out = tmp_path / "out"
    result = calibrate(*files, "--platform", "facebook", "--group-by", "campaign",
                       "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    arms = json.loads((out / "calibration.json").read_text())["arms"]
    for arm in arms:
        impressions, clicks, purchases = sums[arm["key"][1]]
        assert arm["ctr"]["observed"] == pytest.approx(clicks / impressions)
        assert arm["cvr"]["observed"] == pytest.approx(purchases / clicks)
        assert arm["cpm"] is None
    assert "Not fitted from these data" in result.output


def test_a_file_without_spend_beside_one_with_it(funnel, tmp_path):
    """Search bought with money in one export, display measured without it in another: search
    gets its price, display none (and only display is listed as unpriced), and neither's CTR
    moves."""
    rows = list(csv.reader(funnel.open()))
    priced = tmp_path / "priced.csv"
    with priced.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Spend", *rows[0]])
        writer.writerows([f"{int(r[2]) * 0.005:.2f}", *r] for r in rows[1:] if r[1] == "search")
    unpriced = tmp_path / "unpriced.csv"
    with unpriced.open("w", newline="") as f:
        csv.writer(f).writerows([rows[0], *(r for r in rows[1:] if r[1] == "display")])
    mapping = {"Page views": "impressions", "Sign-ups": "joins", "Payments": "conversions"}
    result = smmsim.calibrate(priced, unpriced, mapping=mapping, platform="web")
    arms = {arm.key[1]: arm for arm in result.arms}
    assert arms["search"].cpm.mean == pytest.approx(5.0, rel=0.01)  # 0.005 a view, exactly
    assert arms["display"].cpm is None
    parts = {item.part: item.arms for item in result.not_fitted}
    assert parts["cpm"] == ["web/display"]
    for tool, arm in arms.items():
        assert arm.ctr.mean == pytest.approx(TRUE[tool][0], rel=0.1)
