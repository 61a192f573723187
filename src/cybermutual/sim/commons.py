"""The facilitator's share-out of the commons in the simulator.

Every member has the same budget of allocation tokens. Members are pooled into groups of nearly
identical members (collective, sector, skill band): with linear utilities a group of identical
buyers behaves in a Fisher market exactly like one buyer holding their pooled budget, so the
equilibrium on groups is the equilibrium on members up to the spread inside a band. The value of a
unit of asset ``a`` to a group is its members' productivity times the demand (price) for what they
make, as the facilitator values it (docs/allocation.md). The equilibrium is found by
proportional-response dynamics (Wu and Zhang 2007; Birnbaum, Devanur and Xiao 2011), warm-started
from the last step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cybermutual.domain.allocation.equilibrium import fisher_equilibrium
from cybermutual.domain.allocation.market import Bids, WarmStart

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class FisherEquilibrium:
    """Prices (tokens spent per asset), the allocation in units, and the spending per bid."""

    prices: FloatArray
    allocation: FloatArray
    bids: FloatArray
    iterations: int

    def utilities(self, values: FloatArray) -> FloatArray:
        """Each buyer's utility ``sum_a values[i, a] * allocation[i, a]``."""
        return np.asarray((values * self.allocation).sum(axis=1), dtype=np.float64)


def proportional_response(
    values: FloatArray,
    budgets: FloatArray,
    capacity: FloatArray,
    *,
    bids: FloatArray | None = None,
    tolerance: float = 1e-6,
    max_iterations: int = 500,
) -> FisherEquilibrium:
    """Linear Fisher-market equilibrium of a dense market, by the facilitator's own solver.

    ``values`` is buyers x assets, ``budgets`` per buyer, ``capacity`` per asset; ``bids`` (the
    previous result's spending) warm-starts the dynamics. This is the platform's solver
    (:func:`cybermutual.domain.allocation.equilibrium.fisher_equilibrium`) with every bid capped
    at the asset's capacity, which never binds, so the simulator and the real facilitator share
    one implementation. ``tolerance`` is the equilibrium's relative envy.
    """
    member, asset = np.nonzero((values > 0) & (capacity[None, :] > 0) & (budgets[:, None] > 0))
    market_bids = Bids.of(member, asset, values[member, asset], capacity[asset])
    warm = None
    if bids is not None and bids.shape == values.shape:
        warm = WarmStart(spending=np.asarray(bids[member, asset], dtype=np.float64))
    eq = fisher_equilibrium(
        market_bids,
        budgets,
        capacity,
        tolerance=tolerance,
        max_iterations=max_iterations,
        warm_start=warm,
    )
    allocation = np.zeros_like(values, dtype=np.float64)
    allocation[member, asset] = eq.units
    spending = np.zeros_like(values, dtype=np.float64)
    spending[member, asset] = eq.spending
    return FisherEquilibrium(
        prices=np.asarray(spending.sum(axis=0), dtype=np.float64),
        allocation=allocation,
        bids=spending,
        iterations=eq.iterations,
    )


def group_members(
    collective: npt.NDArray[np.intp],
    sector: npt.NDArray[np.intp],
    efficiency: FloatArray,
    *,
    sectors: int,
    bands: int,
    spread: float,
) -> npt.NDArray[np.intp]:
    """Group index of every member: (collective, sector, band of log-skill)."""
    width = max(4.0 * spread, 1e-9) / bands
    band = np.clip(
        ((np.log(np.maximum(efficiency, 1e-12)) + 2.0 * spread) / width).astype(np.intp),
        0,
        bands - 1,
    )
    return np.asarray((collective * sectors + sector) * bands + band, dtype=np.intp)


#: Skill bands per (collective, sector) in the aggregated market.
SKILL_BANDS = 8


@dataclass(frozen=True, slots=True)
class CommonsMarket:
    """The aggregated Fisher market of every collective's commons for one step.

    Buyers are groups (collective, sector, skill band) with a budget of one token per member;
    assets are, per collective, one pool per sector and one general pool, laid out
    ``collective * (sectors + 1) + sector`` with the general pool last.
    """

    group: npt.NDArray[np.intp]  # each member's group
    budgets: FloatArray  # members per group
    values: FloatArray  # groups x assets
    capacity: FloatArray
    group_collective: npt.NDArray[np.intp]
    group_sector: npt.NDArray[np.intp]


def commons_market(
    collective: npt.NDArray[np.intp],
    sector: npt.NDArray[np.intp],
    efficiency: FloatArray,
    *,
    revenue_per_unit: FloatArray,
    general_use: FloatArray,
    capital: FloatArray,
    general_capital: FloatArray,
    spread: float,
    bands: int = SKILL_BANDS,
) -> CommonsMarket:
    """Pool members into groups and value each asset at productivity times demand."""
    c_count, s_count = capital.shape
    group = group_members(
        collective, sector, efficiency, sectors=s_count, bands=bands, spread=spread
    )
    g_count = c_count * s_count * bands
    heads = np.bincount(group, minlength=g_count).astype(np.float64)
    units = np.asarray(np.bincount(group, weights=efficiency, minlength=g_count), np.float64)
    mean_units = np.divide(units, heads, out=np.zeros(g_count), where=heads > 0)
    g = np.arange(g_count)
    g_c, g_s = g // (s_count * bands), (g // bands) % s_count
    worth = revenue_per_unit[g_s] * mean_units
    values = np.zeros((g_count, c_count * (s_count + 1)))
    values[g, g_c * (s_count + 1) + g_s] = worth
    values[g, g_c * (s_count + 1) + s_count] = worth * general_use[g_s]
    capacity = np.concatenate([capital, general_capital[:, None]], axis=1).ravel()
    return CommonsMarket(
        group=group,
        budgets=heads,
        values=values,
        capacity=capacity,
        group_collective=g_c.astype(np.intp),
        group_sector=g_s.astype(np.intp),
    )
