"""What the allocation service hands the facilitator, and what it gets back.

The service speaks in rounds, bids and usage; the facilitator (``domain.allocation``) speaks in
matrices. ``Facilitator`` is the port between them and ``DomainFacilitator`` its one adapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from cybermutual.domain.commons import Bid, CategoryDemand, UsageStats


@dataclass(frozen=True, slots=True)
class RoundProblem:
    """One facilitator pass: what there is to share, who asks what, and what the data says.

    ``capacities`` are whole units by asset id (for a re-run: the declined units only);
    ``budgets`` are tokens by member id; ``limits`` caps each bid (by bid id) below its
    ``max_units`` (what a member already holds is subtracted on a re-run).
    """

    capacities: Mapping[str, int]
    budgets: Mapping[str, float]
    bids: Sequence[Bid]
    usage: Sequence[UsageStats] = ()
    demand: Sequence[CategoryDemand] = ()
    limits: Mapping[str, int] = field(default_factory=dict)
    warm_prices: Mapping[str, float] | None = None
    pass_no: int = 1


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


# --- interim facilitator -------------------------------------------------------------------------
# Stands in for ``domain.allocation`` (issue 4, written in parallel) so the rounds run end to end:
# the same valuation rule, proportional-response dynamics, rounding by largest remainder under
# every bid's cap, and the explanation fields. Replace the body of ``DomainFacilitator.allocate``
# with a call into ``domain.allocation`` once its API is committed.

#: Units of logged use that weigh as much as the collective's mean (shrinkage for newcomers).
PRIOR_UNITS = 10.0
ENVY_TOLERANCE = 0.005
MAX_ITERATIONS = 2_000


@dataclass(frozen=True, slots=True)
class _Valuation:
    value: float
    productivity: float
    mean: float
    units_logged: int
    sales_logged: int
    shrink: float
    demand_index: float
    open_requests: int
    recent_sales: int


def _valuations(problem: RoundProblem) -> dict[str, _Valuation]:
    """``v[i,a] = productivity[i,a] * demand[output]`` for every bid, by bid id."""
    by_pair = {(u.member_id, u.asset_id): u for u in problem.usage}
    totals: dict[str, tuple[int, int]] = {}
    for u in problem.usage:
        units, sales = totals.get(u.asset_id, (0, 0))
        totals[u.asset_id] = (units + u.units, sales + u.sales_value)
    all_units = sum(u for u, _ in totals.values())
    all_sales = sum(s for _, s in totals.values())
    overall = all_sales / all_units if all_units and all_sales else 1.0
    demand = {d.category: d for d in problem.demand}
    signals = [d.open_requests + d.recent_sales for d in problem.demand]
    typical = 1.0 + (sum(signals) / len(signals) if signals else 0.0)
    found = {}
    for bid in problem.bids:
        units, sales = totals.get(bid.asset_id, (0, 0))
        mean = sales / units if units and sales else overall
        own = by_pair.get((bid.member_id, bid.asset_id))
        own_units = own.units if own else 0
        own_sales = own.sales_value if own else 0
        productivity = (own_sales + PRIOR_UNITS * mean) / (own_units + PRIOR_UNITS)
        productivity = max(productivity, 0.01 * mean)
        d = demand.get(bid.output_category)
        requests = d.open_requests if d else 0
        recent = d.recent_sales if d else 0
        index = (1.0 + requests + recent) / typical
        found[bid.id] = _Valuation(
            value=productivity * index,
            productivity=productivity,
            mean=mean,
            units_logged=own_units,
            sales_logged=own_sales,
            shrink=PRIOR_UNITS / (own_units + PRIOR_UNITS),
            demand_index=index,
            open_requests=requests,
            recent_sales=recent,
        )
    return found


class DomainFacilitator:
    """The facilitator as the allocation service uses it."""

    def allocate(self, problem: RoundProblem) -> PassOutcome:
        bids = [b for b in problem.bids if problem.capacities.get(b.asset_id, 0) > 0]
        values = _valuations(problem)
        members = sorted({b.member_id for b in bids})
        assets = sorted({b.asset_id for b in bids})
        m_index = {m: k for k, m in enumerate(members)}
        a_index = {a: k for k, a in enumerate(assets)}
        rows = np.array([m_index[b.member_id] for b in bids], dtype=np.int64)
        cols = np.array([a_index[b.asset_id] for b in bids], dtype=np.int64)
        v = np.array([values[b.id].value for b in bids], dtype=float)
        cap = np.array([float(problem.capacities[a]) for a in assets])
        limit = np.array([float(problem.limits.get(b.id, b.max_units)) for b in bids], dtype=float)
        budget = np.array([problem.budgets.get(m, 0.0) for m in members])
        iterations = 0
        x = np.zeros(len(bids))
        prices = np.zeros(len(assets))
        envy = 0.0
        if bids:
            # proportional response: spend in proportion to the utility each asset brings
            warm = problem.warm_prices or {}
            start = np.array([max(warm.get(a, 1.0), 1e-9) for a in assets])
            spend = v * start[cols] / np.maximum(np.bincount(cols, v * start[cols])[cols], 1e-300)
            spend = budget[rows] * spend / np.bincount(rows, spend, len(members))[rows]
            for iterations in range(1, MAX_ITERATIONS + 1):  # noqa: B007
                prices = np.bincount(cols, spend, len(assets)).astype(float)
                x = cap[cols] * spend / prices[cols]
                gain = v * x
                utility = np.bincount(rows, gain, len(members))
                spend = budget[rows] * gain / utility[rows]
                bang = v / (prices[cols] / cap[cols])
                best = np.zeros(len(members))
                np.maximum.at(best, rows, bang)
                envy = float(np.max(1.0 - (utility / budget) / best)) if len(members) else 0.0
                if envy <= ENVY_TOLERANCE:
                    break
            prices = np.bincount(cols, spend, len(assets)).astype(float)
            x = cap[cols] * spend / prices[cols]
        x = np.minimum(x, limit)  # the interim dynamics ignore caps; rounding honours them
        units = _round_units(x, cols, cap, limit, v)
        unit_price = prices / np.maximum(cap, 1.0)
        fair = float(np.sum(v * units))
        best_total = _utilitarian(cols, cap, limit, v)
        outcomes = []
        for k, bid in enumerate(bids):
            val = values[bid.id]
            price = float(unit_price[cols[k]])
            outcomes.append(
                BidOutcome(
                    bid_id=bid.id,
                    member_id=bid.member_id,
                    asset_id=bid.asset_id,
                    units=int(units[k]),
                    price_per_unit=price,
                    value_per_unit=val.value,
                    explanation=_explain(bid, val, int(units[k]), float(x[k]), price, limit[k]),
                )
            )
        summary = {
            "pass": problem.pass_no,
            "iterations": iterations,
            "envy": envy,
            "bidders": len(members),
            "welfare": fair,
            "utilitarian_welfare": best_total,
            "price_of_fairness": (1.0 - fair / best_total) if best_total > 0 else 0.0,
            "warm_start": problem.warm_prices is not None,
            "solver": "interim proportional response",
        }
        return PassOutcome(
            outcomes=outcomes,
            prices={a: float(unit_price[a_index[a]]) for a in assets},
            summary=summary,
        )


def _round_units(x: Any, cols: Any, cap: Any, limit: Any, v: Any) -> Any:
    """Whole units: floors, then each asset's remaining units by largest remainder, under caps."""
    x = np.minimum(x, limit)
    units = np.floor(x + 1e-9)
    for a in range(len(cap)):
        idx = np.flatnonzero(cols == a)
        left = int(cap[a] - units[idx].sum())
        order = idx[np.lexsort((-v[idx], -(x[idx] - units[idx])))]
        for k in order:
            if left <= 0:
                break
            if units[k] < limit[k]:
                units[k] += 1
                left -= 1
    return units


def _utilitarian(cols: Any, cap: Any, limit: Any, v: Any) -> float:
    """The most total value whole units could make, ignoring fairness (per asset, best first)."""
    total = 0.0
    for a in range(len(cap)):
        idx = np.flatnonzero(cols == a)
        left = float(cap[a])
        for k in idx[np.argsort(-v[idx])]:
            take = min(left, float(limit[k]))
            total += take * float(v[k])
            left -= take
    return total


def _explain(
    bid: Bid, val: _Valuation, units: int, share: float, price: float, limit: float
) -> dict[str, Any]:
    relative = val.productivity / val.mean if val.mean else 1.0
    reason = (
        f"You asked for up to {bid.max_units} units and received {units} "
        f"({share:.2f} before rounding to whole units) at {price:.2f} tokens per unit. "
        f"The facilitator valued a unit at {val.value:.2f}: your productivity on this asset is "
        f"{relative:.2f}x the collective's mean ({val.units_logged} units logged, "
        f"{val.sales_logged} in sales, shrunk {val.shrink:.0%} toward the mean), and demand "
        f"for '{bid.output_category}' is {val.demand_index:.2f}x typical "
        f"({val.open_requests} open requests, {val.recent_sales} recent sales)."
    )
    return {
        "asked": {"max_units": bid.max_units, "min_units": bid.min_units, "cap": limit},
        "received": units,
        "fractional_share": share,
        "price_per_unit": price,
        "value_per_unit": val.value,
        "productivity": {
            "value_per_unit": val.productivity,
            "collective_mean": val.mean,
            "relative_to_mean": relative,
            "units_logged": val.units_logged,
            "sales_logged": val.sales_logged,
            "shrinkage": val.shrink,
        },
        "demand": {
            "category": bid.output_category,
            "index": val.demand_index,
            "open_requests": val.open_requests,
            "recent_sales": val.recent_sales,
        },
        "reason": reason,
    }
