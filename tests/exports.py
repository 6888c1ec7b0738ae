"""Simulated campaign days written as real ad-platform exports, for the calibration tests.

The days come from smmsim itself (`simulate` with the daily sample of every replication), so the
parameters behind them are known exactly; the writers lay them out as Meta Ads Manager and Google
Ads write their CSV downloads (Google's "CSV for Excel": UTF-16 with tabs, a title block, thousands
separators and a total row).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from smmsim.scenarios.loader import scenario_from_data
from smmsim.simulator.engine import simulate

TRUE_ARMS = {
    # (platform, tool): cpm, ctr, join_rate, cvr, share, s_half
    ("meta", "prospecting"): (4.0, 0.012, 0.05, 0.020, 0.25, 200.0),
    ("meta", "lookalike"): (5.0, 0.009, 0.03, 0.030, 0.15, 1e7),
    ("meta", "interests"): (3.5, 0.015, 0.04, 0.015, 0.10, 1e7),
    ("google", "search_brand"): (6.0, 0.020, 0.02, 0.040, 0.20, 1e7),
    ("google", "display"): (2.5, 0.008, 0.02, 0.010, 0.15, 300.0),
    ("google", "discovery"): (3.0, 0.010, 0.02, 0.020, 0.15, 1e7),
}
DAYS = 60
START = date(2027, 3, 1)


def recovery_scenario(
    arms: dict | None = None,
    noise: float = 0.1,
    phi: float = 0.0,
    f0: float = 3.0,
    day_of_week: tuple[float, ...] = (1.0,) * 7,
) -> dict:
    """Exact priors (the truth is known), front-loaded pacing (daily spend from 1.5x to 0.5x its
    mean, so auction pressure shows), no learning phase and no community conversions, so that a
    day's conversions are the platform-reported direct ones."""
    arms = arms or TRUE_ARMS
    platforms: dict[str, list] = {}
    for (platform, tool), (cpm, ctr, join, cvr, share, s_half) in arms.items():
        platforms.setdefault(platform, []).append(
            {
                "type": "paid_ads",
                "name": tool,
                "budget_share": share,
                "cpm": cpm,
                "ctr": ctr,
                "join_rate": join,
                "cvr": cvr,
                "auction": {"s_half": s_half, "k": 1.0},
                "fatigue": {"f0": f0, "phi": phi},
                "learning": {"conversions": 0},
                "noise": noise,
                "day_of_week": list(day_of_week),
            }
        )
    return {
        "campaign": {
            "name": "recovery",
            "start": START,
            "days": DAYS,
            "budget": 60_000,
            "pacing": "front-loaded",
            "seed": 11,
        },
        "platforms": [
            {"name": name, "audience": 3_000_000, "tools": tools}
            for name, tools in platforms.items()
        ],
        "community": {"member_conversion_per_month": 0, "recommendations_per_member_per_month": 0},
    }


def simulated_days(data: dict, replications: int, seed: int) -> list[pd.DataFrame]:
    """One canonical daily frame per replication: date, platform, tool, spend, ... per arm."""
    scenario = scenario_from_data(data, "recovery")
    result = simulate(scenario, replications=replications, seed=seed, daily_sample=replications)
    arms, s = result.lines, result.daily_sample
    frames = []
    for rep in range(replications):
        rows = []
        for a, name in enumerate(arms.names):
            platform, tool = name.split("/")
            for day, when in enumerate(result.dates):
                rows.append(
                    {
                        "date": when,
                        "platform": platform,
                        "tool": tool,
                        **{m: float(s[m][day, rep, a]) for m in s},
                    }
                )
        frames.append(pd.DataFrame(rows))
    return frames


def write_meta(frame: pd.DataFrame, path: Path) -> Path:
    """Meta Ads Manager, daily breakdown by campaign and platform: UTF-8 with BOM, commas."""
    out = pd.DataFrame(
        {
            "Reporting starts": frame["date"].map(date.isoformat),
            "Reporting ends": frame["date"].map(date.isoformat),
            "Campaign name": frame["tool"],
            "Platform": frame["platform"],
            "Amount spent (EUR)": frame["spend"].round(2),
            "Impressions": frame["impressions"].round().astype(int),
            "Reach": frame["reach"].round().astype(int),
            "Link clicks": frame["clicks"].round().astype(int),
            "Page likes": frame["joins"].round().astype(int),
            "Purchases": frame["conversions"].round().astype(int),
        }
    )
    path.write_text(out.to_csv(index=False), encoding="utf-8-sig")
    return path


def write_google(frame: pd.DataFrame, path: Path) -> Path:
    """Google Ads "CSV for Excel": UTF-16 with BOM, tabs, a title block above the header,
    thousands separators, and a total row at the bottom."""
    first, last = frame["date"].min(), frame["date"].max()
    lines = [
        "Campaign report",
        f"{first:%-d %B %Y} - {last:%-d %B %Y}",
        "\t".join(["Day", "Campaign", "Currency code", "Cost", "Impr.", "Clicks", "Conversions"]),
    ]
    for r in frame.itertuples():
        lines.append(
            "\t".join(
                [
                    r.date.isoformat(),
                    r.tool,
                    "EUR",
                    f"{r.spend:,.2f}",
                    f"{round(r.impressions):,}",
                    f"{round(r.clicks):,}",
                    f"{r.conversions:.2f}",
                ]
            )
        )
    lines.append(
        "\t".join(
            [
                "Total: Account",
                "--",
                "EUR",
                f"{frame['spend'].sum():,.2f}",
                f"{round(frame['impressions'].sum()):,}",
                f"{round(frame['clicks'].sum()):,}",
                f"{frame['conversions'].sum():.2f}",
            ]
        )
    )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-16"))
    return path


def write_both(frame: pd.DataFrame, folder: Path, tag: str = "") -> list[Path]:
    """The meta arms as a Meta export, the google arms as a Google Ads export."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_meta(frame[frame["platform"] == "meta"], folder / f"meta{tag}.csv"),
        write_google(frame[frame["platform"] == "google"], folder / f"google{tag}.csv"),
    ]


def truth(arms: dict | None = None) -> dict[str, dict[str, float]]:
    """The true parameters by arm label ('meta/prospecting')."""
    out = {}
    for (platform, tool), (cpm, ctr, join, cvr, _, s_half) in (arms or TRUE_ARMS).items():
        out[f"{platform}/{tool}"] = {
            "cpm": cpm,
            "ctr": ctr,
            "join_rate": join,
            "cvr": cvr,
            "s_half": s_half,
        }
    return out


FACEBOOK_HEADER = [
    "ad_id",
    "reporting_start",
    "reporting_end",
    "campaign_id",
    "fb_campaign_id",
    "age",
    "gender",
    "interest1",
    "interest2",
    "interest3",
    "impressions",
    "clicks",
    "spent",
    "total_conversion",
    "approved_conversion",
]
FACEBOOK_MAP = {"reporting_start": "date", "spent": "spend", "total_conversion": "conversions"}


def facebook_ads_rows(count: int, seed: int = 3) -> list[list[str]]:
    """Rows as a Facebook ad export (one ad's day each) writes them: IDs of three scales,
    age bands and gender as text, interest codes, counts as whole numbers, spend with decimals."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = []
    for n in range(count):
        campaign = int(rng.choice([916, 936, 1178]))
        impressions = int(rng.lognormal(9.5, 1.2)) + 100
        clicks = int(rng.binomial(impressions, 0.0002)) + 1
        spent = round(clicks * float(rng.uniform(1.1, 1.7)), 2) + 0.01
        conversions = int(rng.integers(1, 6))
        day = f"{17 + n % 14}/08/2017"
        rows.append(
            [
                str(708_746 + 37 * n),
                day,
                day,
                str(campaign),
                str(103_000 + campaign * 7 + n % 40),
                str(rng.choice(["30-34", "35-39", "40-44", "45-49"])),
                str(rng.choice(["M", "F"])),
                *(str(int(rng.integers(2, 115))) for _ in range(3)),
                str(impressions),
                str(clicks),
                f"{spent:.2f}",
                str(conversions),
                str(int(rng.integers(0, conversions + 1))),
            ]
        )
    return rows


def write_facebook_ads(
    path: Path,
    count: int = 300,
    shifted: dict[int, tuple[int, ...]] | None = None,
    trailing: bool = True,
) -> Path:
    """A Facebook ad export whose rows `shifted` (row number -> columns whose cells are
    missing) lack those cells, so every later value sits that many columns left; `trailing`:
    the writer still ends each short row with empty cells up to the header's width (as the
    public export does), else the row is short."""
    lines = [",".join(FACEBOOK_HEADER)]
    for n, cells in enumerate(facebook_ads_rows(count)):
        missing = (shifted or {}).get(n, ())
        kept = [c for i, c in enumerate(cells) if i not in missing]
        if trailing:
            kept += [""] * len(missing)
        lines.append(",".join(kept))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
