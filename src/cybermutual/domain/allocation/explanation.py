"""Why each member got what they got, and what fairness cost the round as a whole.

The price of fairness compares the fair allocation's total value ``sum v x`` with the
utilitarian maximum of ``sum v x`` under the same capacities and caps. That maximum separates
by asset, and within an asset it is a fractional knapsack with unit weights, so filling the
highest values first is exact. ``price_of_fairness = 1 - fair / utilitarian`` (0 when nobody
can use anything).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cybermutual.domain.allocation.market import Bids, Equilibrium, FloatArray, frozen_floats
from cybermutual.domain.allocation.valuation import Valuation
from cybermutual.domain.errors import InvalidValue


@dataclass(frozen=True, slots=True)
class BidExplanation:
    """One bid's outcome as data, with a one-sentence reason."""

    member: str
    asset: str
    units_asked: float
    min_units: float
    units_fractional: float
    units_whole: int | None
    price_per_unit: float
    value_per_unit: float
    productivity: float | None
    own_weight: float | None
    demand: float | None
    output: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class RoundExplanation:
    """Every bid's explanation plus the round's welfare figures."""

    bids: tuple[BidExplanation, ...]
    fair_welfare: float
    utilitarian_welfare: float
    price_of_fairness: float
    nash_welfare: float
    equilibrium_gap: float


def utilitarian_allocation(bids: Bids, capacity: FloatArray) -> FloatArray:
    """The allocation maximising ``sum v x`` under capacities and caps (greedy per asset)."""
    capacity = frozen_floats(capacity, name="capacity")
    bids.check_fits(int(bids.member.max(initial=-1)) + 1, capacity.size)
    units = np.zeros(bids.size)
    useful = np.flatnonzero(bids.value_per_unit > 0)
    order = useful[np.lexsort((-bids.value_per_unit[useful], bids.asset[useful]))]
    if order.size == 0:
        return units
    asset = bids.asset[order]
    cap = bids.max_units[order]
    cumulative = np.cumsum(cap)
    first = np.concatenate(([True], asset[1:] != asset[:-1]))
    group_start = np.maximum.accumulate(np.where(first, np.arange(order.size), 0))
    before = cumulative - cap - (cumulative[group_start] - cap[group_start])
    units[order] = np.clip(capacity[asset] - before, 0.0, cap)
    return units


def explain_round(
    bids: Bids,
    capacity: FloatArray,
    equilibrium: Equilibrium,
    *,
    member_ids: Sequence[str],
    asset_ids: Sequence[str],
    whole_units: NDArray[np.int64] | None = None,
    valuations: Sequence[Valuation] | None = None,
) -> RoundExplanation:
    """Explain every bid of a computed round; ``valuations`` (in bid order) add the why."""
    capacity = frozen_floats(capacity, name="capacity")
    if valuations is not None and len(valuations) != bids.size:
        raise InvalidValue("valuations must have one entry per bid")
    if whole_units is not None and whole_units.size != bids.size:
        raise InvalidValue("whole_units must have one entry per bid")
    bidders = np.bincount(bids.asset[bids.value_per_unit > 0], minlength=capacity.size)
    explanations = []
    for k in range(bids.size):
        valuation = valuations[k] if valuations is not None else None
        asset = int(bids.asset[k])
        whole = None if whole_units is None else int(whole_units[k])
        explanations.append(
            BidExplanation(
                member=member_ids[int(bids.member[k])],
                asset=asset_ids[asset],
                units_asked=float(bids.max_units[k]),
                min_units=float(bids.min_units[k]),
                units_fractional=float(equilibrium.units[k]),
                units_whole=whole,
                price_per_unit=float(equilibrium.prices[asset]),
                value_per_unit=float(bids.value_per_unit[k]),
                productivity=None if valuation is None else valuation.productivity.rate,
                own_weight=None if valuation is None else valuation.productivity.own_weight,
                demand=None if valuation is None else valuation.demand.index,
                output=None if valuation is None else valuation.request.output,
                reason=_reason(
                    asset_ids[asset],
                    float(bids.max_units[k]),
                    float(bids.min_units[k]),
                    float(equilibrium.units[k]),
                    whole,
                    float(equilibrium.prices[asset]),
                    float(bids.value_per_unit[k]),
                    int(bidders[asset]),
                    valuation,
                ),
            )
        )
    fair = float(np.dot(bids.value_per_unit, equilibrium.units))
    best = float(np.dot(bids.value_per_unit, utilitarian_allocation(bids, capacity)))
    return RoundExplanation(
        bids=tuple(explanations),
        fair_welfare=fair,
        utilitarian_welfare=best,
        price_of_fairness=max(0.0, 1.0 - fair / best) if best > 0 else 0.0,
        nash_welfare=equilibrium.nash_welfare,
        equilibrium_gap=equilibrium.equilibrium_gap,
    )


def _rounding(whole: int, fractional: float, minimum: float) -> str:
    """Why a whole share is a unit or more away from the fractional one, if it is."""
    if whole == 0 and 0 < fractional < minimum - 1e-9:
        return (
            f"; your minimum of {minimum:g} did not fit, or was not drawn in the lottery "
            f"(a {fractional / minimum:.0%} chance)"
        )
    if fractional < minimum - 1e-9 <= whole:
        return f"; rounded up to your minimum of {minimum:g} by the lottery"
    if whole >= fractional + 1 - 1e-9:
        return "; with units another bid's minimum left idle"
    return ""


_MEANS = {
    "pooled": (
        "the collective's mean over all assets, as no use of this one has led to a sale yet"
    ),
    "default": "a neutral 1 per unit, as no use of any asset has led to a sale yet",
}


def _reason(
    asset: str,
    asked: float,
    minimum: float,
    fractional: float,
    whole: int | None,
    price: float,
    value: float,
    bidders: int,
    valuation: Valuation | None,
) -> str:
    received = f"{fractional:.2f}"
    if whole is not None:
        received = (
            f"{whole} ({fractional:.2f} before rounding{_rounding(whole, fractional, minimum)})"
        )
    if value <= 0:
        why = "the facilitator saw no value in your use of it, so it went to others"
    elif price <= 0:
        why = f"the {bidders} bid(s) asked for no more than it has, so it was free"
    elif fractional >= asked - 1e-9:
        why = (
            f"you got all you asked, as at its price of {price:.3f} tokens per unit each "
            f"token spent on it returned {value / price:.2f} of value (your value of "
            f"{value:.2f} per unit divided by the price), no less than your other bids "
            "returned, and your token budget covered it"
        )
    else:
        why = (
            f"{bidders} members bid for it, which set its price at {price:.3f} tokens per unit; "
            f"each token spent on it returned {value / price:.2f} of value (your value of "
            f"{value:.2f} per unit divided by the price), and your token budget, spent where "
            "tokens returned the most, ran out at this share"
        )
    basis = ""
    if valuation is not None:
        rate = valuation.productivity
        mean = _MEANS.get(rate.collective_basis, "the collective mean")
        basis = (
            f" (productivity {rate.rate:.2f} per unit from {rate.units_logged:g} logged units, "
            f"{rate.own_weight:.0%} your own record and the rest {mean}, "
            f"times demand {valuation.demand.index:.2f} for {valuation.request.output})"
        )
    return f"Asked {asked:g} of {asset}, received {received}: {why}{basis}."
