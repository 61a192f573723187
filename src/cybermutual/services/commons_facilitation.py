"""What the allocation service hands the facilitator, and what it gets back.

The service speaks in rounds, bids and usage; the facilitator (``domain.allocation``) speaks in
positions and arrays. ``Facilitator`` is the port between them and ``DomainFacilitator`` its one
adapter: it values every bid from the usage log and the market's demand (``value_bids``),
sets each bidder's token budget by the charter's budget rule (``member_budgets``), computes the
capped Fisher-market equilibrium warm-started from the previous round's prices
(``fisher_equilibrium``), rounds it to whole units by a lottery drawn from the round's
published seed (``round_to_units`` with ``lottery_rng``, which also hands out any unit a
minimum left idle), measures the bundle envy, EF1 and welfare given up on what was handed out
(``bundle_envy``, ``welfare_cost``) and explains every share (``explain_round``). It only
composes those calls: every rule of the allocation lives in the domain.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from cybermutual.domain.allocation import (
    DEFAULT_TOLERANCE,
    BidExplanation,
    BidProductivity,
    BidRequest,
    Bids,
    BudgetRule,
    DemandSignal,
    MemberBudget,
    UsageObservation,
    Valuation,
    WarmStart,
    bundle_envy,
    describe_rule,
    explain_round,
    fisher_equilibrium,
    lottery_rng,
    member_budgets,
    relative_productivity,
    round_to_units,
    value_bids,
    welfare_cost,
)
from cybermutual.domain.commons import Bid, CategoryDemand, Share, UsageStats

#: The equilibrium gap at which the equilibrium is accepted (the domain's default, 0.5%).
GAP_TOLERANCE = DEFAULT_TOLERANCE
SOLVER = "capped proportional response (fisher_equilibrium), lottery rounding (round_to_units)"
#: Bundle envy compares every pair of bidders who share an asset (0.44 s for 1,000 bidders x 20
#: bids, 2.1 s for 3,000 and 8.5 s for 10,000, measured on the 2-core machine under load): above
#: this many bidders a round reports it as null rather than hold the request.
ENVY_BIDDER_LIMIT = 2_000
#: How anyone re-runs a pass's lottery from its published seed.
LOTTERY_GENERATOR = (
    "numpy.random.default_rng(numpy.random.SeedSequence([seed, pass])) (PCG64), "
    f"numpy {np.__version__}"
)


@dataclass(frozen=True, slots=True)
class RoundProblem:
    """One facilitator pass: what there is to share, who asks what, and what the data says.

    ``capacities`` are whole units by asset id (for a re-run: the declined units only);
    ``budgets`` are each member's base budget in tokens (the round's, times any weight a
    passed proposal gave them), which ``budget_rule`` and ``productivity_weight`` then weigh by
    measured productivity; ``token_budget`` is the round's budget (for the explanations);
    ``limits`` are the units each bid (by bid id) may still receive, ``max_units`` less what
    its member already holds (a re-run); a bid's minimum is reduced by what is held the same
    way. ``warm_prices`` are the previous round's prices (tokens per unit by asset id);
    ``asset_names`` make the reasons readable. ``lottery_seed`` is the round's published seed;
    pass ``pass_no`` draws from ``lottery_rng(lottery_seed, pass_no)``.
    """

    capacities: Mapping[str, int]
    budgets: Mapping[str, float]
    bids: Sequence[Bid]
    usage: Sequence[UsageStats] = ()
    demand: Sequence[CategoryDemand] = ()
    limits: Mapping[str, int] = field(default_factory=dict)
    warm_prices: Mapping[str, float] | None = None
    pass_no: int = 1
    asset_names: Mapping[str, str] = field(default_factory=dict)
    lottery_seed: int = 0
    budget_rule: BudgetRule = BudgetRule.EQUAL
    productivity_weight: float = 0.0
    token_budget: float = 100.0


@dataclass(frozen=True, slots=True)
class BidOutcome:
    """What one bid received, at what price, and why."""

    bid_id: str
    member_id: str
    asset_id: str
    units: int
    price_per_unit: float
    value_per_unit: float
    explanation: Mapping[str, Any]
    enterprise_id: str | None = None  # the enterprise the bid was for, which holds the share


@dataclass(frozen=True, slots=True)
class PassOutcome:
    """A whole pass: every bid's outcome, the prices, and the figures for the round."""

    outcomes: Sequence[BidOutcome]
    prices: Mapping[str, float]
    summary: Mapping[str, Any]


class Facilitator(Protocol):
    def allocate(self, problem: RoundProblem) -> PassOutcome: ...


@dataclass(frozen=True, slots=True)
class _Market:
    """A pass in the domain's terms: positions for ids, one array entry per bid."""

    bids: Sequence[Bid]
    member_ids: Sequence[str]
    asset_ids: Sequence[str]
    matrix: Bids
    budgets: NDArray[np.float64]
    capacity: NDArray[np.float64]
    valuations: Sequence[Valuation]
    member_budgets: Mapping[str, MemberBudget]


def _market(problem: RoundProblem) -> _Market:
    # in bid-id order, so the lottery's input is the same however the bids were loaded
    bids = sorted(
        (b for b in problem.bids if problem.capacities.get(b.asset_id, 0) > 0), key=lambda b: b.id
    )
    member_ids = sorted({b.member_id for b in bids})
    asset_ids = sorted({b.asset_id for b in bids})
    member_at = {m: k for k, m in enumerate(member_ids)}
    asset_at = {a: k for k, a in enumerate(asset_ids)}
    caps = [problem.limits.get(b.id, b.max_units) for b in bids]
    requests = [
        BidRequest(
            member=b.member_id,
            asset=b.asset_id,
            output=b.output_category,
            max_units=float(cap),
            # what a member already holds counts toward their minimum
            min_units=float(max(0, b.min_units - (b.max_units - cap))),
        )
        for b, cap in zip(bids, caps, strict=True)
    ]
    usage = [
        UsageObservation(u.member_id, u.asset_id, u.units, u.sales_value) for u in problem.usage
    ]
    # A bid for an enterprise is valued by the enterprise's productivity (its use and its
    # account's sales, which ``UsageStats`` keep under its id); the bid stays its member's in
    # the market, spending the member's own budget.
    valued = value_bids(
        [replace(r, member=_producer(b)) for b, r in zip(bids, requests, strict=True)],
        usage,
        [DemandSignal(d.category, d.open_requests, d.recent_sales) for d in problem.demand],
    )
    valuations = [replace(v, request=r) for v, r in zip(valued, requests, strict=True)]
    measured = relative_productivity(
        [
            BidProductivity(
                member=v.request.member,
                units_asked=v.request.max_units,
                rate=v.productivity.rate,
                collective_rate=v.productivity.collective_rate,
            )
            for v in valuations
        ]
    )
    budgets = member_budgets(
        {m: float(problem.budgets.get(m, 0.0)) for m in member_ids},
        measured,
        weight=problem.productivity_weight,
    )
    return _Market(
        bids=bids,
        member_ids=member_ids,
        asset_ids=asset_ids,
        matrix=Bids.of(
            [member_at[b.member_id] for b in bids],
            [asset_at[b.asset_id] for b in bids],
            [v.value_per_unit for v in valuations],
            [r.max_units for r in requests],
            [r.min_units for r in requests],
        ),
        budgets=np.array([budgets[m].tokens for m in member_ids], dtype=np.float64),
        capacity=np.array([float(problem.capacities[a]) for a in asset_ids], dtype=np.float64),
        valuations=valuations,
        member_budgets=budgets,
    )


def _producer(bid: Bid) -> str:
    """Whose productivity values the bid: the enterprise it is for, or its member."""
    return bid.enterprise_id or bid.member_id


class DomainFacilitator:
    """The facilitator as the allocation service uses it: ``domain.allocation`` end to end."""

    def __init__(self, *, tolerance: float = GAP_TOLERANCE) -> None:
        self._tolerance = tolerance

    def allocate(self, problem: RoundProblem) -> PassOutcome:
        market = _market(problem)
        warm = None
        if problem.warm_prices is not None:
            warm = WarmStart(
                prices=np.array(
                    [float(problem.warm_prices.get(a, 0.0)) for a in market.asset_ids],
                    dtype=np.float64,
                )
            )
        equilibrium = fisher_equilibrium(
            market.matrix,
            market.budgets,
            market.capacity,
            tolerance=self._tolerance,
            warm_start=warm,
        )
        units = round_to_units(
            market.matrix,
            market.capacity,
            equilibrium.units,
            budgets=market.budgets,
            rng=lottery_rng(problem.lottery_seed, problem.pass_no),
        )
        names = [problem.asset_names.get(a, a) for a in market.asset_ids]
        explained = explain_round(
            market.matrix,
            market.capacity,
            equilibrium,
            member_ids=market.member_ids,
            asset_ids=names,
            whole_units=units,
            valuations=market.valuations,
        )
        held = units.astype(np.float64)
        envy = None
        if len(market.member_ids) <= ENVY_BIDDER_LIMIT:
            envy = bundle_envy(market.matrix, held, n_members=len(market.member_ids))
        cost = welfare_cost(market.matrix, market.capacity, held, whole=True)
        rule = describe_rule(problem.budget_rule, problem.productivity_weight, problem.token_budget)
        lottery = {
            "seed": str(problem.lottery_seed),
            "pass": problem.pass_no,
            "generator": LOTTERY_GENERATOR,
            "capacities": {
                a: int(c) for a, c in zip(market.asset_ids, market.capacity, strict=True)
            },
        }
        logged = {(u.member_id, u.asset_id): u for u in problem.usage}
        outcomes = []
        for k, bid in enumerate(market.bids):
            why = explained.bids[k]
            budget = market.member_budgets[bid.member_id]
            outcomes.append(
                BidOutcome(
                    bid_id=bid.id,
                    member_id=bid.member_id,
                    asset_id=bid.asset_id,
                    units=int(units[k]),
                    price_per_unit=why.price_per_unit,
                    value_per_unit=why.value_per_unit,
                    enterprise_id=bid.enterprise_id,
                    explanation=_explanation(
                        bid,
                        why,
                        market.valuations[k],
                        logged.get((_producer(bid), bid.asset_id)),
                        price_of_fairness=explained.price_of_fairness,
                        pass_no=problem.pass_no,
                        seed=problem.lottery_seed,
                        budget=budget,
                        rule=problem.budget_rule,
                        rule_text=rule,
                        min_units=float(market.matrix.min_units[k]),
                    ),
                )
            )
        worst = None if envy is None else envy.worst_pair
        summary = {
            "pass": problem.pass_no,
            "solver": SOLVER,
            "iterations": equilibrium.iterations,
            "converged": equilibrium.converged,
            "equilibrium_gap": _finite(equilibrium.equilibrium_gap),
            "equilibrium_gap_tolerance": equilibrium.tolerance,
            "nash_welfare": _finite(equilibrium.nash_welfare),
            "bidders": len(market.member_ids),
            "welfare": explained.fair_welfare,
            "welfare_whole_units": cost.chosen,
            "utilitarian_welfare": explained.utilitarian_welfare,
            "price_of_fairness": explained.price_of_fairness,
            "utilitarian_welfare_whole_units": cost.utilitarian,
            "welfare_given_up": cost.given_up,
            "welfare_given_up_share": cost.share,
            "bundle_envy": None if envy is None else envy.max_envy,
            "bundle_envy_relative": None if envy is None else _finite(envy.max_relative_envy),
            "envious_pairs": None if envy is None else envy.envious_pairs,
            "most_envious": None
            if worst is None
            else {
                "member": market.member_ids[worst[0]],
                "envies": market.member_ids[worst[1]],
            },
            "ef1": None if envy is None else envy.ef1,
            "ef1_violations": None if envy is None else envy.ef1_violations,
            "lottery": lottery,
            "budgets": {
                "rule": problem.budget_rule.value,
                "productivity_weight": problem.productivity_weight,
                "token_budget": problem.token_budget,
                "description": rule,
                "min_tokens": min((b.tokens for b in market.member_budgets.values()), default=0.0),
                "max_tokens": max((b.tokens for b in market.member_budgets.values()), default=0.0),
            },
            "warm_start": problem.warm_prices is not None,
        }
        return PassOutcome(
            outcomes=outcomes,
            prices={a: float(equilibrium.prices[k]) for k, a in enumerate(market.asset_ids)},
            summary=summary,
        )


def _finite(value: float) -> float | None:
    """JSON has no infinity: an unbounded figure is reported as null."""
    return float(value) if math.isfinite(value) else None


def _explanation(
    bid: Bid,
    why: BidExplanation,
    valuation: Valuation,
    logged: UsageStats | None,
    *,
    price_of_fairness: float,
    pass_no: int,
    seed: int,
    budget: MemberBudget,
    rule: BudgetRule,
    rule_text: str,
    min_units: float,
) -> dict[str, Any]:
    rate = valuation.productivity
    demand = valuation.demand
    reason = why.reason
    if pass_no > 1:
        reason = (
            f"Pass {pass_no} shared out units others declined, among bids that could still "
            f"take more (you could take {why.units_asked:g}). " + reason
        )
    reason += (
        f" Whole units were drawn by the round's lottery, seed {seed}, pass {pass_no}: "
        f"{_chance(why.units_fractional, min_units)} Anyone can re-run it with that seed. "
        f"The round used {rule_text}; your budget was {budget.tokens:.4g} tokens"
        + (
            f" (your measured productivity {budget.relative_productivity:.2f} times the average)."
            if rule is not BudgetRule.EQUAL
            else "."
        )
    )
    if bid.enterprise_id is not None:
        reason += (
            " You bid for an enterprise: its own logged use and sales valued the bid, the tokens"
            " were your own, and the enterprise holds the share."
        )
    return {
        "asked": {"max_units": bid.max_units, "min_units": bid.min_units, "cap": why.units_asked},
        "received": int(why.units_whole or 0),
        "fractional_share": why.units_fractional,
        "price_per_unit": why.price_per_unit,
        "value_per_unit": why.value_per_unit,
        "productivity": {
            "value_per_unit": rate.rate,
            "collective_mean": rate.collective_rate,
            "collective_basis": rate.collective_basis,
            "relative_to_mean": (
                rate.rate / rate.collective_rate if rate.collective_rate > 0 else 1.0
            ),
            "units_logged": 0 if logged is None else logged.units,
            "sales_logged": 0 if logged is None else logged.sales_value,
            "own_weight": rate.own_weight,
            "shrinkage": 1.0 - rate.own_weight,
        },
        "demand": {
            "category": demand.category,
            "index": demand.index,
            "open_requests": int(demand.open_requests),
            "recent_sales": int(demand.recent_sales),
        },
        "price_of_fairness": price_of_fairness,
        "lottery": {
            "seed": str(seed),
            "pass": pass_no,
            "share": why.units_fractional,
            "cap": why.units_asked,
            "min_units": min_units,
        },
        "budget": {
            "rule": rule.value,
            "tokens": budget.tokens,
            "base_tokens": budget.base,
            "relative_productivity": budget.relative_productivity,
            "weight": budget.weight,
        },
        "reason": reason,
        **({} if bid.enterprise_id is None else {"enterprise": bid.enterprise_id}),
    }


def _chance(share: float, minimum: float) -> str:
    """A bid's odds in the lottery, in words."""
    if share <= 1e-9:
        return "your share was 0, so you had no chance of a unit."
    if share < minimum - 1e-9:
        return (
            f"your share of {share:.2f} was below your minimum of {minimum:g}, so you had a "
            f"{share / minimum:.0%} chance of your minimum (it also needed room left beside "
            "the others' whole units) and otherwise nothing."
        )
    whole = math.floor(share + 1e-9)
    part = share - whole
    if part <= 1e-9:
        return f"your share was {_units(whole)}, whole, so no lottery was needed."
    return (
        f"your share of {share:.2f} gave you {_units(whole + 1)} with a {part:.0%} chance "
        f"and {_units(whole)} otherwise."
    )


def _units(count: int) -> str:
    return f"{count} unit" if count == 1 else f"{count} units"


def redraw(summary: Mapping[str, Any], shares: Sequence[Share]) -> dict[str, int] | None:
    """The whole units a pass's published lottery gives, re-drawn from what the pass stored.

    ``summary`` is the pass's (its ``lottery``: seed, pass and capacities) and ``shares`` its
    shares (each explanation's ``lottery``: fractional share, cap, minimum; its value per unit;
    its member's budget). They are laid out exactly as ``DomainFacilitator.allocate`` laid out
    the pass (bids in bid-id order, members and assets sorted), so the same seed draws the same
    units. None for a pass stored without its lottery (computed before migration 0010).
    """
    lottery = summary.get("lottery")
    if not isinstance(lottery, Mapping) or not shares:
        return None
    ordered = sorted(shares, key=lambda s: s.bid_id or s.id)
    capacities: Mapping[str, int] = lottery["capacities"]
    member_ids = sorted({s.member_id for s in ordered})
    asset_ids = sorted(capacities)
    member_at = {m: k for k, m in enumerate(member_ids)}
    asset_at = {a: k for k, a in enumerate(asset_ids)}
    drawn = [s.explanation["lottery"] for s in ordered]
    tokens = {s.member_id: float(s.explanation["budget"]["tokens"]) for s in ordered}
    bids = Bids.of(
        [member_at[s.member_id] for s in ordered],
        [asset_at[s.asset_id] for s in ordered],
        [s.value_per_unit for s in ordered],
        [float(d["cap"]) for d in drawn],
        [float(d["min_units"]) for d in drawn],
    )
    units = round_to_units(
        bids,
        np.array([float(capacities[a]) for a in asset_ids]),
        np.array([float(d["share"]) for d in drawn]),
        budgets=np.array([tokens[m] for m in member_ids]),
        rng=lottery_rng(int(lottery["seed"]), int(lottery["pass"])),
    )
    return {s.id: int(u) for s, u in zip(ordered, units, strict=True)}
