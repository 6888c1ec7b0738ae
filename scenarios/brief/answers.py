"""The planner's answers to the brief: read from a `brief:` block, flags or prompts, checked.

Every answer has a key (the `brief:` block's name for it) and a flag (the command line's); an
error names both, so the planner can fix whichever they wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from smmsim.scenarios.brief.questions import QUESTIONS, REQUIRED
from smmsim.scenarios.brief.seed import GOALS, REPUTATION_GOALS, SECTORS
from smmsim.scenarios.errors import Issue, ScenarioError, SmmsimError
from smmsim.scenarios.hints import did_you_mean
from smmsim.scenarios.reputation_schema import TOP_RESULTS

TOP20_KEYS = ("positive_own", "positive_third", "neutral", "negative")


@dataclass(frozen=True)
class Brief:
    """What the seed's steps 1, 2 and the goals ask: the business, its conditions, its goals."""

    sector: str
    budget_per_month: float
    community_people: float  # people (part-time counts as a fraction) for community work
    content_per_week: float  # posts a week the business can produce for its community
    goals: tuple[str, ...]
    name: str = "My business"
    months: int = 3
    currency: str = "EUR"
    per_eur: float = 1.0  # the currency's units per euro: the bundled priors are in euros
    start: date = field(default_factory=lambda: first_of_next_month(date.today()))
    order_value: float | None = None
    top20: tuple[int, int, int, int] | None = None  # the brand query's top 20 today


def first_of_next_month(today: date) -> date:
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def brief_from_answers(answers: dict[str, Any], source: str = "the brief") -> Brief:
    """A checked `Brief` from raw answers (a `brief:` block merged with flags); every problem
    at once, each naming the key, its flag, the rule and the bad value."""
    issues: list[Issue] = []
    unknown = [k for k in answers if k not in QUESTIONS]
    for key in unknown:
        issues.append(Issue(key, f"unknown answer{did_you_mean(key, QUESTIONS)}", None))
    values: dict[str, Any] = {}
    for key, parse in PARSERS.items():
        raw = answers.get(key)
        if raw is None:
            if key in REQUIRED:
                flag = QUESTIONS[key][0]
                issues.append(Issue(key, f"missing: answer {flag} ({QUESTIONS[key][1]})"))
            continue
        try:
            values[key] = parse(raw)
        except ValueError as exc:
            issues.append(Issue(key, f"{QUESTIONS[key][0]}: {exc}", raw, True))
    issues += _cross_checks(values, answers)
    if issues:
        raise ScenarioError(source, issues)
    return Brief(**values)


def _cross_checks(values: dict[str, Any], answers: dict[str, Any]) -> list[Issue]:
    """Answers another answer needs; one given but bad is reported once, by its own check."""
    issues = []
    if values.get("currency", "EUR") != "EUR" and answers.get("per_eur") is None:
        issues.append(
            Issue(
                "per_eur",
                "missing: the bundled priors are in euros; answer --per-eur "
                f"(units of {values['currency']} per euro) to convert their prices",
            )
        )
    goals = values.get("goals", ())
    if any(g in REPUTATION_GOALS for g in goals) and answers.get("top20") is None:
        issues.append(
            Issue(
                "top20",
                "missing: reputation and recommendation goals start from today's "
                "top 20 results of the brand query; answer --top20 own,third,neutral,negative",
            )
        )
    return issues


def _positive(raw: Any) -> float:
    number = _number(raw)
    if not number > 0:
        raise ValueError("must be greater than 0")
    return number


def _non_negative(raw: Any) -> float:
    number = _number(raw)
    if not number >= 0:
        raise ValueError("must be 0 or more")
    return number


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError("must be a number")
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise ValueError("must be a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("must be a finite number")
    return number


def _months(raw: Any) -> int:
    number = _number(raw)
    if number != int(number) or not 1 <= number <= 24:
        raise ValueError("must be a whole number of months from 1 to 24")
    return int(number)


def _sector(raw: Any) -> str:
    if raw not in SECTORS:
        hint = did_you_mean(str(raw), SECTORS)
        raise ValueError(f"unknown sector{hint}; choose one of {', '.join(SECTORS)}")
    return raw


def _goals(raw: Any) -> tuple[str, ...]:
    items = [g.strip() for g in raw.split(",")] if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not items:
        raise ValueError(f"give at least one of {', '.join(GOALS)}")
    for goal in items:
        if goal not in GOALS:
            hint = did_you_mean(str(goal), GOALS)
            raise ValueError(f"unknown goal {goal!r}{hint}; choose from {', '.join(GOALS)}")
    if len(set(items)) != len(items):
        raise ValueError("a goal is listed twice")
    return tuple(items)


def _currency(raw: Any) -> str:
    if not isinstance(raw, str) or not re.fullmatch(r"[A-Z]{3}", raw):
        raise ValueError("must be three capital letters, e.g. EUR")
    return raw


def _start(raw: Any) -> date:
    if isinstance(raw, date):
        day = raw
    else:
        try:
            day = date.fromisoformat(str(raw))
        except ValueError:
            raise ValueError("must be a date YYYY-MM-DD") from None
    # KPI months are calendar months and month 1 is the test: a start mid-month would leave
    # the test a stub of a month.
    if day.day != 1:
        raise ValueError("a brief starts on the first of a month (month 1 is the test month)")
    return day


def _top20(raw: Any) -> tuple[int, int, int, int]:
    if isinstance(raw, dict):
        raw = [raw.get(k) for k in TOP20_KEYS]
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or len(items) != 4:
        raise ValueError("four counts: own,third,neutral,negative (e.g. 3,3,8,6)")
    counts = []
    for item in items:
        number = _non_negative(item)
        if number != int(number):
            raise ValueError("the counts are whole numbers of results")
        counts.append(int(number))
    if sum(counts) != TOP_RESULTS:
        raise ValueError(
            f"the four counts must add up to {TOP_RESULTS} (they add to {sum(counts)})"
        )
    return tuple(counts)


def _name(raw: Any) -> str:
    text = str(raw).strip()
    if not text:
        raise ValueError("must not be empty")
    if any(not ch.isprintable() for ch in text):  # it is written into comments, one line each
        raise ValueError("must be one line of printable text")
    return text


PARSERS = {
    "name": _name,
    "sector": _sector,
    "budget_per_month": _positive,
    "months": _months,
    "currency": _currency,
    "per_eur": _positive,
    "start": _start,
    "community_people": _non_negative,
    "content_per_week": _non_negative,
    "goals": _goals,
    "order_value": _positive,
    "top20": _top20,
}


def read_brief_file(path: Path) -> dict[str, Any]:
    """The raw answers of a YAML file's `brief:` block (or of the whole file, when it is only
    the block's contents)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise SmmsimError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SmmsimError(f"{path}: cannot read the file: {exc}") from None
    except yaml.YAMLError as exc:
        raise SmmsimError(f"{path}: YAML syntax error: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("brief"), dict):
        return data["brief"]
    if isinstance(data, dict) and "brief" not in data:
        return data
    raise SmmsimError(f"{path}: brief: must be a mapping of answers (sector, goals, ...)")
