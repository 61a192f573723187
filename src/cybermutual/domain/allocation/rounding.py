"""Whole units from a fractional equilibrium, by a lottery whose seed is published.

A van on a Tuesday cannot be split, and ten members with equal shares of it cannot all be
rounded up. Breaking that tie by anything fixed (input order, member id) hands the van to the
same member every round, so the tie is broken by a lottery over the fractional shares instead
(:mod:`.lottery`): each bid keeps the whole part of its share and wins one more unit with
probability equal to its fractional part, exactly, by dependent rounding over the
member-asset graph. The lottery's generator is passed in (``rng``); the services build it from a
seed published with the round, so anyone can re-run it and get the same units.

Steps, for shares ``x`` (clipped to each bid's whole cap; an asset given more than its whole
capacity, which only a fractional capacity or cap allows, is first scaled down to it):

1. **Minimums** (``min_units``: the minimum or nothing). A bid whose share is below its minimum
   ``n`` wins ``n`` units with probability ``x / n`` (so its expected units are still ``x``),
   drawn per asset by systematic sampling in a random order (at most one more winner than the
   shares add up to); a winner takes its minimum only if the asset still has room beside the
   whole parts of the other bids, otherwise nothing.
2. **Every other bid** keeps ``floor(x)`` and rounds its fractional part by the lottery: each
   asset hands out the floor or the ceiling of its total share (exactly its total when that is
   whole, as it is on every asset the equilibrium priced), and each member ends within one unit
   of their total share. Where a minimum won in step 1 took more than its share, the units it
   took are taken back from bids that the lottery rounded up on that asset (chosen at random);
   nobody falls below the whole part of their share.
3. **Idle units** (only a minimum that lost, or shares that did not use an asset up, leave any)
   are handed out one at a time, while some bid of positive value could take one: a bid below
   its whole cap that meets its minimum takes one unit; a bid holding nothing takes its whole
   minimum at once if that many units are idle. Each goes to the bid whose member gains most per
   token, the Eisenberg-Gale marginal ``B_i * v[i,a] / u_i`` (``u_i`` the value of the whole
   units they hold; for a minimum of ``n`` units the average ``B_i log(1 + n v / u_i) / n``; a
   member holding nothing first, the highest ``B_i v`` among them), ties broken by the lottery.

Guarantees, for every seed: never above an asset's whole capacity or a bid's whole cap; the
minimum or nothing; no unit idle while a bid of positive value could take it (it or its
minimum); a bid that meets its minimum never gets less than the whole part of its share.
Without minimums, on shares that use every asset up to a whole number of units (an
equilibrium's, on whole capacities), every bid gets the floor or the ceiling of its share and
its **expected units equal its share exactly**, so identical bidders have identical chances.
Minimums are the one exception: a minimum that wins but does not fit, or crowds others back to
their whole parts, moves expected units by less than the minimum.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
from numpy.typing import NDArray

from cybermutual.domain.allocation.lottery import WHOLE_EPS, dependent_rounding
from cybermutual.domain.allocation.market import Bids, FloatArray, frozen_floats
from cybermutual.domain.errors import InvalidValue

_EPS = WHOLE_EPS

IntArray = NDArray[np.int64]


def round_to_units(
    bids: Bids,
    capacity: FloatArray,
    units: FloatArray,
    *,
    rng: np.random.Generator,
    budgets: FloatArray | None = None,
) -> IntArray:
    """Whole units per bid, a lottery over ``units`` drawn with ``rng`` (module docstring).

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
    whole_capacity = np.floor(capacity + _EPS).astype(np.int64)
    share = np.clip(units, 0.0, whole_cap.astype(np.float64))
    load = np.bincount(bids.asset, share, minlength=capacity.size)
    over = load > whole_capacity + _EPS
    if over.any():
        scale = np.where(over, whole_capacity / np.where(over, load, 1.0), 1.0)
        share = share * scale[bids.asset]

    short = share < minimum - _EPS  # below the minimum: the minimum or nothing
    base = np.where(short, 0, np.floor(share + _EPS)).astype(np.int64)
    fraction = np.where(short, 0.0, np.clip(share - base, 0.0, 1.0))
    room = whole_capacity - np.bincount(bids.asset, base, minlength=capacity.size)
    base, room = _draw_minimums(bids, share, minimum, short, base, room, rng)

    up = dependent_rounding(
        bids.member, bids.asset, fraction, n_members=weights.size, rng=rng
    ).astype(np.int64)
    up = _within_room(bids, up, room, rng)
    rounded = base + up
    idle = whole_capacity - np.bincount(bids.asset, rounded, minlength=capacity.size)
    tiebreak = rng.permutation(bids.size)
    return _fill_idle(bids, rounded, idle, whole_cap, minimum, weights, tiebreak)


def _draw_minimums(
    bids: Bids,
    share: FloatArray,
    minimum: IntArray,
    short: NDArray[np.bool_],
    base: IntArray,
    room: IntArray,
    rng: np.random.Generator,
) -> tuple[IntArray, IntArray]:
    """Step 1: each short bid wins its minimum with probability ``share / minimum``."""
    whole_cap = np.floor(bids.max_units + _EPS).astype(np.int64)
    candidates = np.flatnonzero(short & (share > _EPS) & (minimum <= whole_cap))
    if candidates.size == 0:
        return base, room
    base, room = base.copy(), room.copy()
    chance = share[candidates] / minimum[candidates]
    for asset in np.unique(bids.asset[candidates]).tolist():
        on_asset = np.flatnonzero(bids.asset[candidates] == asset)
        order = on_asset[rng.permutation(on_asset.size)]
        # systematic sampling: one uniform, a winner wherever u + j falls in a bid's interval
        upper = np.cumsum(chance[order])
        lower = upper - chance[order]
        offset = rng.random()
        won = np.floor(upper - offset) > np.floor(lower - offset)
        for k in candidates[order[won]].tolist():
            if minimum[k] <= room[asset]:
                base[k] = minimum[k]
                room[asset] -= minimum[k]
    return base, room


def _within_room(bids: Bids, up: IntArray, room: IntArray, rng: np.random.Generator) -> IntArray:
    """Step 2's take-back: on an asset where the rounded-up units exceed the room a won minimum
    left, drop that many of them, at random."""
    taken = np.bincount(bids.asset, up, minlength=room.size)
    excess = taken - np.maximum(room, 0)
    if not np.any(excess > 0):
        return up
    up = up.copy()
    for asset in np.flatnonzero(excess > 0).tolist():
        holders = np.flatnonzero((bids.asset == asset) & (up > 0))
        up[rng.choice(holders, size=int(excess[asset]), replace=False)] = 0
    return up


def _fill_idle(
    bids: Bids,
    rounded: IntArray,
    idle: IntArray,
    whole_cap: IntArray,
    minimum: IntArray,
    budgets: FloatArray,
    tiebreak: IntArray,
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

    def entry(k: int) -> tuple[int, float, int, int, int]:
        member = int(bids.member[k])
        units = max(1, int(minimum[k] - rounded[k]))
        weight = float(budgets[member])
        held = float(utility[member])
        order = int(tiebreak[k])
        if held <= 0:  # nothing held yet: first, the largest B_i * v first
            return (0, -weight * float(value[k]), order, k, int(version[member]))
        gain = weight * math.log1p(units * float(value[k]) / held) / units
        return (1, -gain, order, k, int(version[member]))

    heap = [entry(int(k)) for k in np.flatnonzero(open_)]
    heapq.heapify(heap)
    while heap:
        _, _, _, k, seen = heapq.heappop(heap)
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
