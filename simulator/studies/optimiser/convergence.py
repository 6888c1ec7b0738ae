"""Whether more trials would likely help: two signs that the study has not converged.

1. The marginal CPAs of the best plan's funded paid-ads tools differ by more than their 90%
   intervals allow, and by more than MARGINAL_TOLERANCE: at the optimum of a split they are
   equal (moving money from the dearer tool to the cheaper one would lower the CPA), so a gap
   the noise does not explain is money the search has not moved yet. A tool left unfunded may
   cost more at the margin, never clearly less; a tool whose platform sits at a spend limit is
   held apart by the limit and is left out.
2. The best value still improved by more than IMPROVING_TOLERANCE over the last quarter of the
   trials (at least LAST_TRIALS_MIN of them): the search was still finding better plans when it
   stopped.

The suggestion is to double the trials: a rule of thumb, since a sampler's progress slows as the
trials grow, and it is plain to act on (`--trials`).
"""

from __future__ import annotations

from dataclasses import dataclass

MARGINAL_TOLERANCE = 0.05  # the 2% probe's own finite-difference error is below 2% (tests)
IMPROVING_TOLERANCE = 0.01  # relative improvement of the best value that counts as progress
LAST_TRIALS_SHARE = 0.25
LAST_TRIALS_MIN = 5


@dataclass(frozen=True)
class Verdict:
    reasons: list[str]
    trials: int  # completed trials

    def as_dict(self) -> dict:
        more = bool(self.reasons)
        return {
            "more_trials_likely_help": more,
            "reasons": self.reasons,
            "suggested_trials": 2 * max(self.trials, 1) if more else None,
        }


def convergence(history: list[dict], marginal: list[dict], objective: str, currency: str) -> dict:
    """The verdict on a study from its history rows and the best plan's marginal CPA rows."""
    completed = [r for r in history if r["state"] == "COMPLETE"]
    reasons = [
        reason
        for reason in (marginal_gap(marginal, currency), still_improving(completed, objective))
        if reason
    ]
    return Verdict(reasons, len(completed)).as_dict()


def marginal_gap(rows: list[dict], currency: str) -> str | None:
    """A line when the funded tools' marginal CPAs differ beyond their intervals (or an
    unfunded tool's is clearly below theirs); None when they agree or cannot be read."""
    usable = [r for r in rows if r["marginal_cpa"] is not None and not r.get("at_limit")]
    funded = [r for r in usable if r["share"] > 0]
    if not funded:
        return None
    cheap = min(funded, key=lambda r: r["marginal_cpa"])
    dear = max(funded, key=lambda r: r["marginal_cpa"])
    if dear is not cheap and apart(cheap, dear):
        return (
            f"the funded tools' marginal CPAs differ ({money(cheap, currency)} for "
            f"{cheap['tool']} against {money(dear, currency)} for {dear['tool']}) by more than "
            "their 90% intervals allow; at the optimum they are equal"
        )
    for row in usable:
        if row["share"] <= 0 and apart(row, cheap):
            return (
                f"{row['tool']} is left unfunded, yet its marginal CPA ({money(row, currency)}) "
                f"is below the funded tools' ({money(cheap, currency)} for {cheap['tool']})"
            )
    return None


def apart(cheap: dict, dear: dict) -> bool:
    """`cheap`'s marginal CPA is clearly below `dear`'s: their 90% intervals do not overlap and
    the gap is more than MARGINAL_TOLERANCE of the lower one."""
    low, high = cheap["marginal_cpa"], dear["marginal_cpa"]
    if high <= low * (1 + MARGINAL_TOLERANCE):
        return False
    upper, lower = cheap.get("ci_high"), dear.get("ci_low")
    return upper is None or lower is None or upper < lower


def money(row: dict, currency: str) -> str:
    return f"{row['marginal_cpa']:,.2f} {currency}".rstrip()


def still_improving(completed: list[dict], objective: str) -> str | None:
    """A line when the best feasible value improved by more than IMPROVING_TOLERANCE over the
    last quarter of the trials."""
    best = [r["best_so_far"] for r in completed if r.get("best_so_far") is not None]
    window = max(LAST_TRIALS_MIN, round(LAST_TRIALS_SHARE * len(completed)))
    if len(best) <= window:
        return None  # too few trials to have a 'before' to compare with
    before, after = best[-window - 1], best[-1]
    gain = (before - after) if objective == "cpa" else (after - before)
    if gain <= IMPROVING_TOLERANCE * abs(before):
        return None
    return f"the best plan still improved by {gain / abs(before):.1%} over the last {window} trials"
