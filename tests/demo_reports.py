"""Every HTML report `make demo` writes (and compare's), written by the real commands with few
replications and trials so a test can open them all in seconds."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from smmsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scenarios" / "examples"
DATA = ROOT / "calibration" / "examples"

# The Makefile's ONLINE_MAP: the bundled real export, read as `make demo` reads it.
ONLINE_MAP = [
    *("--map", "displays=impressions", "--map", "revenue=spend", "--map", "cost=ignore"),
    *("--map", "post_click_conversions=conversions"),
    *("--map", "post_click_sales_amount=revenue", "--map", "month=month", "--map", "day=day"),
    *("--map", "campaign_number=campaign", "--year", "2020", "--platform", "adnetwork"),
    *("--group-by", "campaign,banner", "--view-through", "reject"),
]
KIDS_ARMS = [
    *("--arm", "LS Spring - Prospecting=facebook/paid_ads"),
    *("--arm", "LS Spring - Prospecting=instagram/paid_ads"),
    *("--arm", "LS Spring - TikTok test=tiktok/paid_ads"),
]
KIDS = str(EXAMPLES / "kids-shop.yaml")

# folder -> (the report in it, the command line that writes it without --out)
DEMO_COMMANDS: dict[str, tuple[str, list[str]]] = {
    "run": ("report.html", ["run", KIDS, "--reps", "40", "--summary"]),  # as make demo
    "size-test": ("sizing.html", ["size-test", KIDS, "--reps", "20", "--points", "3"]),
    "calibration": (
        "fit.html",
        ["calibrate", str(DATA / "online_advertising_performance_data.csv"), *ONLINE_MAP],
    ),
    "reputation": (
        "report.html",
        ["run", str(EXAMPLES / "reputation-steady.yaml"), "--reps", "40"],
    ),
    "check": ("check.html", ["check", str(EXAMPLES / "reputation-rush.yaml"), "--reps", "40"]),
    "optimise": (
        "optimise.html",
        ["optimise", KIDS, "--trials", "4", "--reps", "10", "--final-reps", "40"],
    ),
    "track": (
        "track.html",
        [
            *("track", KIDS, str(DATA / "kids-shop-march-actuals.csv"), "--as-of", "2027-03-31"),
            *KIDS_ARMS,
            *("--trials", "2", "--reps", "40"),
        ],
    ),
    "compare": (
        "comparison.html",
        ["compare", KIDS, "--strategy", "fixed,test-then-scale", "--reps", "40"],
    ),
}


def write_demo_reports(root: Path, plotlyjs: str = "folder") -> dict[str, Path]:
    """Each demo command's outputs in root/<folder>; returns folder -> the report's path."""
    reports = {}
    for folder, (report, args) in DEMO_COMMANDS.items():
        out = root / folder
        result = CliRunner().invoke(main, [*args, "--out", str(out), "--plotlyjs", plotlyjs])
        assert result.exit_code == 0, f"smmsim {' '.join(args)}: {result.output}"
        reports[folder] = out / report
    return reports


def make_demo_commands() -> set[str]:
    """The smmsim commands the Makefile's demo target runs."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = text.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"\$\(BIN\)/smmsim ([a-z-]+)", recipe))
