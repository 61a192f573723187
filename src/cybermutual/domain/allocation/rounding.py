"""Whole units from a fractional equilibrium, by a min-cost flow (OR-Tools).

Each bid starts from the whole part of its fractional share, ``floor(x)`` (never above the
whole part of its cap). That never exceeds an asset's whole capacity, since the fractional
shares fit. The units left over on each asset are handed out one per bid, by a min-cost flow
over ``source -> asset -> member -> sink``:

- an asset offers its leftover whole units (``floor(capacity) - sum floor(x)``);
- a bid may take one more unit (arc asset -> member, capacity 1) unless that would pass its
  cap; its cost rewards using the unit (``-W``) and prefers the largest fractional parts
  (``-K * frac``), which minimises ``sum |rounded - x|``;
- a member takes up to ``ceil`` of their summed fractional parts at no cost, beyond it at a
  penalty ``W/2``: nobody is rounded up well past their share while a unit is still better
  used than left idle;
- a bypass source -> sink lets units stay unused when no bid can take them.

So every rounded bid differs from its fractional share by less than one unit. Minimums: a bid
whose share is below its ``min_units`` gets either that minimum or nothing (never a share in
between): the minimum when its share is at least half of it and the asset still has room,
decided before the flow in order of ``share / minimum``, largest first.

Idle units. A minimum that is not met leaves that bid's fractional share on its asset, and the
flow only rounds bids up by one unit where they have a fractional part. So a last, greedy step
hands out every unit still idle, one at a time, while some bid of positive value could take it:
a bid below its whole cap that already meets its minimum takes one unit; a bid holding nothing
takes its whole minimum at once if that many units are idle. Each step goes to the bid whose
member gains most per token, the Eisenberg-Gale marginal ``B_i * v[i,a] / u_i`` (``u_i`` the
member's value of the whole units they hold so far; for a minimum of ``n`` units, the average
``B_i log(1 + n v / u_i) / n``; a member holding nothing comes first, the highest ``B_i v``
among them): the greedy step of the same Nash welfare the equilibrium maximises, so the units
spread toward whoever holds least value for their budget rather than to the highest value.
Bids of value 0 take no idle units. ``budgets`` default to equal ones.

Guarantees: never above an asset's whole capacity or a bid's whole cap; the minimum or nothing;
no unit idle while a bid of positive value could take it (it or its minimum). For an
equilibrium's shares, a bid that meets its minimum is also within one unit of its share, except
that it may be rounded up further on an asset where a minimum was not met (by the units that
minimum left idle: a priced asset is used up by the shares, a free one gives every bid its cap,
so no other units are idle). A bid below its minimum is the other exception.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from cybermutual.domain.allocation.market import Bids, FloatArray, frozen_floats
from cybermutual.domain.errors import InvalidValue

_EPS = 1e-9
_USE_REWARD = 2_000_000
_FRACTION_SCALE = 1_000_000
_OVERFLOW_PENALTY = _USE_REWARD // 2

IntArray = NDArray[np.int64]


def round_to_units(
    bids: Bids, capacity: FloatArray, units: FloatArray, *, budgets: FloatArray | None = None
) -> IntArray:
    """Whole units per bid, close to ``units`` (see the module docstring).

    ``budgets`` (tokens per member, as given to the equilibrium) weigh who gains most from a
    unit left idle by a minimum; without them every member counts the same.
    """
    capacity = frozen_floats(capacity, name="capacity")
    units = frozen_floats(units, name="units")
    if units.size != bids.size:
        raise InvalidValue("units must have one entry per bid", field="units")
    if np.any(capacity < 0):
        raise InvalidValue("capacity must not be negative", field="capacity")
    if budgets is None:
        weights = np.ones(int(bids.member.max(initial=-1)) + 1)
    else:
        weights = frozen_floats(budgets, name="budgets")
        if np.any(weights < 0):
            raise InvalidValue("budgets must not be negative", field="budgets")
    bids.check_fits(weights.size, capacity.size)
    if bids.size == 0:
        return np.zeros(0, dtype=np.int64)

    whole_cap = np.floor(bids.max_units + _EPS).astype(np.int64)
    minimum = np.ceil(bids.min_units - _EPS).astype(np.int64)
    share = np.clip(units, 0.0, bids.max_units)
    base = np.minimum(np.floor(share + _EPS).astype(np.int64), whole_cap)
    short = base < minimum  # below the minimum: the minimum or nothing
    base[short] = 0
    whole_capacity = np.floor(capacity + _EPS).astype(np.int64)
    spare = whole_capacity - np.bincount(bids.asset, base, minlength=capacity.size)

    all_or_nothing = np.flatnonzero(short & (minimum <= whole_cap) & (2 * share >= minimum))
    order = all_or_nothing[np.argsort(-share[all_or_nothing] / minimum[all_or_nothing])]
    for k in order.tolist():
        asset = int(bids.asset[k])
        if spare[asset] >= minimum[k]:
            base[k] = minimum[k]
            spare[asset] -= minimum[k]

    fraction = share - base
    eligible = ~short & (fraction > _EPS) & (base + 1 <= whole_cap)
    rounded = base + _round_up_by_flow(bids, eligible, fraction, spare)
    idle = whole_capacity - np.bincount(bids.asset, rounded, minlength=capacity.size)
    return _fill_idle(bids, rounded, idle, whole_cap, minimum, weights)


def _fill_idle(
    bids: Bids,
    rounded: IntArray,
    idle: IntArray,
    whole_cap: IntArray,
    minimum: IntArray,
    budgets: FloatArray,
) -> IntArray:
    """Hand out idle units greedily by Eisenberg-Gale marginal gain (module docstring)."""
    value = bids.value_per_unit
    need = np.where(rounded >= minimum, 1, minimum - rounded)
    open_ = (
        (value > 0)
        & (budgets[bids.member] > 0)
        & (rounded + need <= whole_cap)
        & (need <= idle[bids.asset])
    )
    if not open_.any():
        return rounded
    rounded = rounded.copy()
    idle = idle.copy()
    utility = np.bincount(bids.member, value * rounded, minlength=budgets.size)
    version = np.zeros(budgets.size, dtype=np.int64)

    def entry(k: int) -> tuple[int, float, int, int]:
        member = int(bids.member[k])
        units = max(1, int(minimum[k] - rounded[k]))
        weight = float(budgets[member])
        held = float(utility[member])
        if held <= 0:  # nothing held yet: first, the largest B_i * v first
            return (0, -weight * float(value[k]), k, int(version[member]))
        gain = weight * math.log1p(units * float(value[k]) / held) / units
        return (1, -gain, k, int(version[member]))

    heap = [entry(int(k)) for k in np.flatnonzero(open_)]
    heapq.heapify(heap)
    while heap:
        _, _, k, seen = heapq.heappop(heap)
        member, asset = int(bids.member[k]), int(bids.asset[k])
        units = max(1, int(minimum[k] - rounded[k]))
        if units > idle[asset] or rounded[k] + units > whole_cap[k]:
            continue  # idle units only ever decrease: this bid can take none any more
        if seen != version[member]:  # the member gained since: re-rank with what they hold
            heapq.heappush(heap, entry(k))
            continue
        rounded[k] += units
        idle[asset] -= units
        utility[member] += units * value[k]
        version[member] += 1
        if rounded[k] < whole_cap[k] and idle[asset] > 0:
            heapq.heappush(heap, entry(k))
    return rounded


def _round_up_by_flow(
    bids: Bids, eligible: NDArray[np.bool_], fraction: FloatArray, spare: IntArray
) -> IntArray:
    extra = np.zeros(bids.size, dtype=np.int64)
    candidates = np.flatnonzero(eligible & (spare[bids.asset] > 0))
    if candidates.size == 0:
        return extra
    assets, asset_node = np.unique(bids.asset[candidates], return_inverse=True)
    members, member_node = np.unique(bids.member[candidates], return_inverse=True)
    offered = np.minimum(spare[assets], np.bincount(asset_node, minlength=assets.size))
    supply = int(offered.sum())
    source, sink = 0, 1
    first_asset = 2
    first_member = first_asset + assets.size
    share_sum = np.bincount(member_node, fraction[candidates], minlength=members.size)
    fair = np.ceil(share_sum - _EPS).astype(np.int64)

    starts = np.concatenate(
        (
            np.full(assets.size, source),
            first_asset + asset_node,
            first_member + np.arange(members.size),
            first_member + np.arange(members.size),
            [source],
        )
    ).astype(np.int64)
    ends = np.concatenate(
        (
            first_asset + np.arange(assets.size),
            first_member + member_node,
            np.full(members.size, sink),
            np.full(members.size, sink),
            [sink],
        )
    ).astype(np.int64)
    capacities = np.concatenate(
        (
            offered,
            np.ones(candidates.size, dtype=np.int64),
            fair,
            np.full(members.size, supply),
            [supply],
        )
    ).astype(np.int64)
    bid_costs = -(_USE_REWARD + np.round(_FRACTION_SCALE * fraction[candidates]))
    costs = np.concatenate(
        (
            np.zeros(assets.size),
            bid_costs,
            np.zeros(members.size),
            np.full(members.size, _OVERFLOW_PENALTY),
            [0],
        )
    ).astype(np.int64)

    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(starts, ends, capacities, costs)
    flow.set_nodes_supplies(
        np.array([source, sink], dtype=np.int64), np.array([supply, -supply], dtype=np.int64)
    )
    status = flow.solve()
    if status != flow.OPTIMAL:  # pragma: no cover - the network always has a feasible flow
        raise RuntimeError(f"min-cost flow failed with status {status}")
    bid_arcs = arcs[assets.size : assets.size + candidates.size]
    extra[candidates] = np.asarray(flow.flows(bid_arcs), dtype=np.int64)
    return extra
