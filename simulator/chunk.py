"""One chunk's campaign: the state of its replications and the day step that moves all of them.

A day runs in the order money and people move:
1. yesterday's backlash bills are paid from what the budget has left;
2. the tactics buy the units their schedules ordered for today (each schedule is a SimPy
   process; a unit is bought only if it fits what is left);
3. the strategy splits the paced budget over the ad arms; money the schedules will still need is
   reserved, so ads never spend it;
4. ads and tactics deliver, their rates moved by the reputation and by recent backlash;
5. visitors enter the retargeting pools, joins enter the community;
6. the reputation takes in placed items, reviews, public recommendations and outrage;
7. the backlash signals are read, and events strike (their effects start tomorrow).
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import simpy

from smmsim.scenarios.tool_kinds import FEED_POSTERS
from smmsim.simulator.backlash import BacklashModel, PlatformDay
from smmsim.simulator.community import CommunityStock
from smmsim.simulator.curves import unique_reach
from smmsim.simulator.delivery import AdsDelivery, TrueRates
from smmsim.simulator.metrics import CAMPAIGN_STOCKS
from smmsim.simulator.plan import CampaignPlan
from smmsim.simulator.randomness import Draws
from smmsim.simulator.recorder import Recorder
from smmsim.simulator.reputation import ReputationDraws, ReputationModel
from smmsim.simulator.row_settings import RowSettings
from smmsim.simulator.rows import beside, row_sum
from smmsim.simulator.strategies import StrategyContext, make_policy
from smmsim.simulator.tactics import TacticDay, TacticDelivery, TacticRates
from smmsim.simulator.visitors import VisitorPool


class ChunkCampaign:
    def __init__(
        self,
        plan: CampaignPlan,
        draws: Draws,
        n_sampled: int,
        per_row: RowSettings | None = None,
    ):
        """`per_row`: each replication's own settings, for plans simulated side by side
        (`simulator/stacked.py`); None: the scenario's."""
        n = draws.n_reps
        s, lines, tactics = plan.scenario, plan.lines, plan.tactics
        self.plan = plan
        self.n_reps = n
        rates = TrueRates.draw(plan.arms, draws)
        self.ads = AdsDelivery(plan.arms, rates, draws)
        context = StrategyContext(s, plan.arms, rates, draws, per_row or RowSettings())
        self.policy = make_policy(context)
        line_draws = draws.view([f"community/{name}" for name in lines.names])
        self.tactics = None
        if tactics.n:
            tactic_draws = draws.view(tactics.names)
            self.tactics = TacticDelivery(
                tactics, TacticRates.draw(tactics, tactic_draws), tactic_draws, n
            )
        self.community = CommunityStock(
            s.community,
            n,
            lines.n,
            line_draws,
            churn_multiplier=self._per_line(tactics.churn_multiplier),
            conversion_multiplier=self._per_line(tactics.conversion_multiplier),
        )
        self.pool = VisitorPool(plan.arms, lines, n)
        self.reputation = None
        if s.reputation is not None:
            self.reputation = ReputationModel(
                s.reputation,
                s.backlash.negative_results,
                n,
                ReputationDraws(
                    queries=draws.view(
                        [f"reputation/query/{q.query}" for q in s.reputation.queries]
                    ),
                    portals=draws.view(["reputation/portals"]),
                    campaign=draws.view(["reputation/mentions"]),
                ),
            )
        self.backlash = self._backlash_model(draws)
        self.outrage = np.zeros(n)  # yesterday's events, entering the reputation today
        self.recorder = Recorder(
            plan.days,
            plan.n_months,
            lines.n,
            draws.sizes,
            n_sampled,
            plan.checkpoint_days,
            n_platforms=len(lines.platforms),
        )
        self.spent_total = np.zeros(n)
        self.spent_month = np.zeros((n, plan.n_months))
        self.by_platform = np.eye(len(lines.platforms))[lines.platform_of]  # (lines, P)

    def _per_line(self, tactic_values: np.ndarray) -> np.ndarray:
        """(lines,) a tactic parameter, 1 on the ad arms."""
        return np.concatenate([np.ones(self.plan.arms.n), tactic_values])

    def _backlash_model(self, draws: Draws) -> BacklashModel:
        s, tactics = self.plan.scenario, self.plan.tactics
        n_platforms = len(s.platforms)
        natural = np.zeros(n_platforms)
        seeds = np.zeros(n_platforms, dtype=bool)
        for i in np.flatnonzero(tactics.of_kind("seeding")):
            # The platform's seeding tools post into the same forums: one natural rate.
            p = tactics.platform_of[i]
            natural[p] = max(natural[p], tactics.natural_posts[i])
            seeds[p] = True
        daily_budget = s.campaign.budget / s.campaign.days
        return BacklashModel(
            s.backlash,
            natural_posts=natural,
            seeds=seeds,
            arm_platform=self.plan.arms.platform_of,
            repair=(s.backlash.repair_distribution(daily_budget),) * n_platforms,
            start_positive=self._positive_share(),
            draws=draws.view([f"backlash/{p.name}" for p in s.platforms]),
            can_signal=self._signals_raised(),
            exposed=np.array(
                [
                    s.backlash.platforms is None or p.name in s.backlash.platforms
                    for p in s.platforms
                ]
            ),
        )

    def _signals_raised(self) -> frozenset[str]:
        """The backlash signals this plan's tools can raise: ads always reach people; seeding,
        feed posts and contests only where the plan has such a tool."""
        tactics = self.plan.tactics
        seeding = tactics.of_kind("seeding").any()
        raised = {
            "ad_frequency": True,
            "seeding_ratio": seeding,
            "reputation_speed": seeding,
            "sponsored_share": tactics.of_kind(*FEED_POSTERS).any(),
            "contest_share": tactics.of_kind("contest").any(),
        }
        return frozenset(name for name, can in raised.items() if can)

    def _positive_share(self) -> np.ndarray:
        if self.reputation is None:
            return np.zeros(self.n_reps)
        return self.reputation.positive_share()

    # --- the day ---------------------------------------------------------------------------------

    def day(self, day: int) -> None:
        month = self.plan.month_of_day[day]
        bills_paid = self.backlash.repairs_due
        repair_paid = self._pay_repairs(month)
        units = self._buy_tactics(month)
        ads, tday, audience = self._deliver(day, month, units)
        clicks, joins, direct = (
            lines_of(getattr(ads, m), getattr(tday, m))
            for m in ("clicks", "joins", "direct_conversions")
        )
        self.pool.admit(clicks)
        members = self.community.step(day, joins)
        conversions = direct + members.member_conversions + members.referral_conversions
        forum = self._reputation_day(day, units, conversions, members.recommendations)
        events, bills = self._backlash_day(day, units, tday, joins, ads.impressions, audience)
        zeros = np.zeros((self.n_reps, self.plan.tactics.n))
        flows = {
            "spend": lines_of(ads.spend, tday.spend),
            "impressions": lines_of(ads.impressions, tday.impressions),
            "clicks": clicks,
            "joins": joins,
            "direct_conversions": direct,
            "member_conversions": members.member_conversions,
            "referral_conversions": members.referral_conversions,
            "recommendations": members.recommendations,
            "learning_days": lines_of(ads.learning, zeros),
            "learning_entries": lines_of(ads.entered_learning, zeros),
            "units": lines_of(np.zeros_like(ads.spend), units),
            "backlash_events": events,
            "repair_cost": bills,
            "repair_spend": repair_paid,
            "forum_positive": forum[0][:, None],
            "forum_negative": forum[1][:, None],
        }
        nothing = self._nothing_today(bills_paid)
        self.recorder.add_flows(month, {m: v for m, v in flows.items() if m not in nothing})
        self._record_day(day, flows, conversions, audience)

    def _nothing_today(self, bills_paid: bool) -> set[str]:
        """The flows that are 0 today by the plan's make-up or the day's events: no tactic
        units without tactics, no repair paid without a bill, no event or bill where the hazard
        was 0 everywhere, no forum mentions without a reputation. The recorder's months start
        at 0, so these are left out: adding zeros is a pass over memory for nothing (a third of
        the recorder's monthly sums in a plan of ads alone)."""
        nothing = set()
        if self.tactics is None:
            nothing.add("units")
        if not bills_paid:
            nothing.add("repair_spend")
        if not self.backlash.could_strike:
            nothing.update(("backlash_events", "repair_cost"))
        if self.reputation is None:
            nothing.update(("forum_positive", "forum_negative"))
        return nothing

    def _deliver(self, day: int, month: int, units: np.ndarray):
        """Pay today's tactic units, renew refreshed creatives, and deliver the ads (on the
        paced budget) and the tactics, both at today's reputation and backlash multipliers."""
        plan, n_arms = self.plan, self.plan.arms.n
        self._charge(row_sum(units * plan.tactics.unit_cost), month)
        budget = self._ads_budget(day)
        if self.tactics is not None:
            self.ads.refresh((units > 0).astype(float) @ plan.tactics.refreshes > 0)
        ctr_mult, cvr_mult = self._rate_multipliers()
        audience = self.pool.audience()
        ads = self.ads.step(
            budget, plan.weekday[day], audience, ctr_mult[:, :n_arms], cvr_mult[:, :n_arms]
        )
        self.policy.observe(day, budget, ads)
        self._charge(row_sum(ads.spend), month)
        tday = self._deliver_tactics(day, units, ctr_mult[:, n_arms:], cvr_mult[:, n_arms:])
        return ads, tday, audience

    def _record_day(self, day: int, flows: dict, conversions, audience) -> None:
        """The day's line measures (reach in each line's audience: a retargeting arm's pool,
        else the platform's) and the campaign's reputation and backlash."""
        lines, n_arms = self.plan.lines, self.plan.arms.n
        shape = flows["spend"].shape
        audiences = np.hstack(
            [
                np.broadcast_to(audience, (shape[0], n_arms)),
                np.broadcast_to(lines.audience[n_arms:], (shape[0], shape[1] - n_arms)),
            ]
        )
        campaign = {name: value[:, 0] for name, value in self._reputation_stocks().items()}
        self.recorder.add_day(
            day,
            {
                **flows,
                "reach": unique_reach(flows["impressions"], audiences),
                "conversions": conversions,
                **campaign,
                "backlash_events": row_sum(flows["backlash_events"]),
                "repair_spend": row_sum(flows["repair_spend"]),
            },
        )

    def _hard_left(self, month: int) -> np.ndarray:
        """(reps,) what the campaign and the month's cap still allow today."""
        c, pacer = self.plan.scenario.campaign, self.plan.pacer
        left_total = c.budget - self.spent_total
        left_month = pacer.monthly_caps[month] - self.spent_month[:, month]
        return np.maximum(np.minimum(left_total, left_month), 0.0)

    def _charge(self, spend: np.ndarray, month: int) -> None:
        self.spent_total += spend
        self.spent_month[:, month] += spend

    def _pay_repairs(self, month: int) -> np.ndarray:
        """(reps, P) the repair bills paid today: in full where the budget allows, else what is
        left of it (the bill's full amount is recorded as `repair_cost` the day it was sent)."""
        if not self.backlash.repairs_due:  # no bill since the last were paid: most days
            return np.zeros(self.backlash.shape)
        due = self.backlash.due_repairs()
        total = row_sum(due)
        left = self._hard_left(month)
        scale = np.divide(left, total, out=np.ones_like(total), where=total > left)
        paid = due * scale[:, None]
        self._charge(row_sum(paid), month)
        return paid

    def _buy_tactics(self, month: int) -> np.ndarray:
        if self.tactics is None:
            return np.zeros((self.n_reps, 0))
        return self.tactics.buy(self._hard_left(month))

    def processes(self, env: simpy.Environment) -> list[Generator]:
        """The campaign's own processes beside the daily delivery: the tactics' schedules."""
        return [] if self.tactics is None else self.tactics.schedules(env)

    def _ads_budget(self, day: int) -> np.ndarray:
        """Today's ad budgets: the strategy's split of the paced budget, with the money the
        tactics' schedules still need counted as already spent."""
        plan = self.plan
        shares, fixed = self._split(self.policy.plan(day))
        month = plan.month_of_day[day]
        budget = plan.pacer.plan(
            day,
            self.spent_total + plan.reserved_total[day],
            self.spent_month + plan.reserved_month[day],
            shares,
            fixed,
            reserved_later=float(plan.reserved_month[day, month + 1 :].sum()),
        )
        # What the ads may still spend from today on: the pot the pacer paces.
        left = plan.scenario.campaign.budget - self.spent_total - plan.reserved_total[day]
        return self.policy.limit(budget, day, np.maximum(left, 0.0))

    def _split(self, split) -> tuple[np.ndarray, np.ndarray]:
        """The strategy's shares and fixed budgets, with retargeting funded as planned (a fixed
        daily amount first) under every strategy but `fixed`, which reads its share as written:
        a retargeting arm's audience is the visitors the others bring, not something to buy."""
        rt = self.plan.arms.retargeting
        if not rt.any() or self.plan.scenario.strategy.type == "fixed":
            return split.shares, split.fixed
        shape = (self.n_reps, self.plan.arms.n)
        shares = np.where(rt, 0.0, np.broadcast_to(split.shares, shape))
        fixed = np.where(rt, self.plan.retargeting_daily, np.broadcast_to(split.fixed, shape))
        return shares, fixed

    def _rate_multipliers(self) -> tuple[np.ndarray, np.ndarray]:
        """(reps, lines) CTR and conversion multipliers: reputation times backlash penalty."""
        penalty = self.backlash.penalty()[:, self.plan.lines.platform_of]
        if self.reputation is None:
            return penalty, penalty
        ctr, cvr = self.reputation.rate_multipliers()
        return ctr[:, None] * penalty, cvr[:, None] * penalty

    def _deliver_tactics(self, day, units, ctr_mult, cvr_mult) -> TacticDay:
        if self.tactics is None:
            return TacticDay.empty(self.n_reps)
        members = (self.community.members @ self.by_platform)[:, self.plan.tactics.platform_of]
        return self.tactics.deliver(day, units, members, ctr_mult, cvr_mult)

    def _reputation_day(self, day, units, conversions, recommendations):
        """(positive, negative) forum mentions today, (reps,) each."""
        outrage, self.outrage = self.outrage, np.zeros(self.n_reps)
        if self.reputation is None:
            return np.zeros(self.n_reps), np.zeros(self.n_reps)
        t = self.plan.tactics
        placed = np.where(t.of_kind("seeding"), units, 0.0)
        seeded = row_sum(placed)
        rank = self.tactics.rates.rank_probability if self.tactics else np.zeros_like(placed)
        rank = mean_over(placed, rank, seeded)
        link_probability = mean_over(placed, t.link_probability, seeded)
        outrage_mentions = outrage * self.plan.scenario.backlash.negative_mentions
        found = self.reputation.step(
            day,
            seeded,
            rank,
            link_probability,
            row_sum(conversions),
            row_sum(recommendations),
            outrage,
            outrage_mentions,
        )
        return found.forum_positive, found.forum_negative

    def _backlash_day(self, day, units, tday, joins, arm_impressions, audience):
        """Read the signals after today's delivery; draw today's events and their bills."""
        backlash = self.backlash
        today = self._platform_day(units, tday, joins) if backlash.reads_platform_day else None
        signals = backlash.signals(
            day,
            today,
            arm_impressions,
            np.broadcast_to(audience, arm_impressions.shape),
            self._positive_share(),
        )
        events, bills = backlash.strike(day, backlash.hazard(signals))
        self.outrage = row_sum(events)
        return events, bills

    def _platform_day(self, units, tday, joins) -> PlatformDay:
        """(reps, P) what each platform's tools did today, as the backlash signals read it."""
        t, to_platform = self.plan.tactics, self.by_platform
        tactic_to_platform = to_platform[self.plan.arms.n :]
        contest_joins = np.where(t.of_kind("contest"), tday.joins, 0.0)
        return PlatformDay(
            seeded=np.where(t.of_kind("seeding"), units, 0.0) @ tactic_to_platform,
            posts=tday.posts @ tactic_to_platform,
            promotional_posts=tday.promotional_posts @ tactic_to_platform,
            joins=joins @ to_platform,
            contest_joins=contest_joins @ tactic_to_platform,
        )

    def _reputation_stocks(self) -> dict[str, np.ndarray]:
        """(reps, 1) each campaign stock, read from the reputation model's method of that name
        (zeros without a reputation)."""
        if self.reputation is None:
            return dict.fromkeys(CAMPAIGN_STOCKS, np.zeros((self.n_reps, 1)))
        return {name: getattr(self.reputation, name)()[:, None] for name in CAMPAIGN_STOCKS}

    def month_end(self, month: int) -> None:
        self.recorder.set_stock("members", month, self.community.members)
        for name, value in self._reputation_stocks().items():
            self.recorder.set_stock(name, month, value)


def lines_of(arms: np.ndarray, tactics: np.ndarray) -> np.ndarray:
    """(reps, lines) the arms' columns then the tactics'. Without tactics, the arms' array
    itself, not a copy: a day's flows are only read and added up, never written to."""
    return arms if tactics.shape[1] == 0 else beside(arms, tactics)


def mean_over(items: np.ndarray, values: np.ndarray, total: np.ndarray) -> np.ndarray:
    """(reps,) the mean of `values` (per tactic) over today's `items` (reps, T); 0 without any."""
    return np.divide(row_sum(items * values), total, out=np.zeros_like(total), where=total > 0)
