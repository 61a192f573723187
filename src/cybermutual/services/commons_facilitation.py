"""What the allocation service hands the facilitator, and what it gets back.

The service speaks in rounds, bids and usage; the facilitator (``domain.allocation``) speaks in
positions and arrays. ``Facilitator`` is the port between them and ``DomainFacilitator`` its one
adapter: it values every bid from the usage log and the market's demand (``value_bids``),
computes the capped Fisher-market equilibrium warm-started from the previous round's prices
(``fisher_equilibrium``), rounds it to whole units by min-cost flow (``round_to_units``, which
also hands out any unit a minimum left idle) and explains every share and the price of fairness
(``explain_round``). It only composes those calls: every rule of the allocation lives in the
domain.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from cybermutual.domain.allocation import (
    DEFAULT_TOLERANCE,
    BidExplanation,
    BidRequest,
    Bids,
    DemandSignal,
    UsageObservation,
    Valuation,
    WarmStart,
    explain_round,
    fisher_equilibrium,
    round_to_units,
    value_bids,
)
from cybermutual.domain.commons import Bid, CategoryDemand, UsageStats

#: The relative envy at which the equilibrium is accepted (the domain's default, 0.5%).
ENVY_TOLERANCE = DEFAULT_TOLERANCE
SOLVER = "capped proportional response (fisher_equilibrium), min-cost-flow rounding"


@dataclass(frozen=True, slots=True)
class RoundProblem:
    """One facilitator pass: what there is to share, who asks what, and what the data says.

    ``capacities`` are whole units by asset id (for a re-run: the declined units only);
    ``budgets`` are tokens by member id; ``limits`` are the units each bid (by bid id) may still
    receive, ``max_units`` less what its member already holds (a re-run); a bid's minimum is
    reduced by what is held the same way. ``warm_prices`` are the previous round's prices
    (tokens per unit by asset id); ``asset_names`` make the reasons readable.
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


def _market(problem: RoundProblem) -> _Market:
    bids = [b for b in problem.bids if problem.capacities.get(b.asset_id, 0) > 0]
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
    valuations = value_bids(
        requests,
        usage,
        [DemandSignal(d.category, d.open_requests, d.recent_sales) for d in problem.demand],
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
        budgets=np.array([problem.budgets.get(m, 0.0) for m in member_ids], dtype=np.float64),
        capacity=np.array([float(problem.capacities[a]) for a in asset_ids], dtype=np.float64),
        valuations=valuations,
    )


class DomainFacilitator:
    """The facilitator as the allocation service uses it: ``domain.allocation`` end to end."""

    def __init__(self, *, tolerance: float = ENVY_TOLERANCE) -> None:
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
            market.matrix, market.capacity, equilibrium.units, budgets=market.budgets
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
        logged = {(u.member_id, u.asset_id): u for u in problem.usage}
        outcomes = []
        for k, bid in enumerate(market.bids):
            why = explained.bids[k]
            outcomes.append(
                BidOutcome(
                    bid_id=bid.id,
                    member_id=bid.member_id,
                    asset_id=bid.asset_id,
                    units=int(units[k]),
                    price_per_unit=why.price_per_unit,
                    value_per_unit=why.value_per_unit,
                    explanation=_explanation(
                        bid,
                        why,
                        market.valuations[k],
                        logged.get((bid.member_id, bid.asset_id)),
                        price_of_fairness=explained.price_of_fairness,
                        pass_no=problem.pass_no,
                    ),
                )
            )
        whole_welfare = float(np.dot(market.matrix.value_per_unit, units))
        summary = {
            "pass": problem.pass_no,
            "solver": SOLVER,
            "iterations": equilibrium.iterations,
            "converged": equilibrium.converged,
            "envy": _finite(equilibrium.max_envy),
            "envy_tolerance": equilibrium.tolerance,
            "nash_welfare": _finite(equilibrium.nash_welfare),
            "bidders": len(market.member_ids),
            "welfare": explained.fair_welfare,
            "welfare_whole_units": whole_welfare,
            "utilitarian_welfare": explained.utilitarian_welfare,
            "price_of_fairness": explained.price_of_fairness,
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
) -> dict[str, Any]:
    rate = valuation.productivity
    demand = valuation.demand
    reason = why.reason
    if pass_no > 1:
        reason = (
            f"Pass {pass_no} shared out units others declined, among bids that could still "
            f"take more (you could take {why.units_asked:g}). " + reason
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
        "reason": reason,
    }
