"""What a round actually handed out, judged by the members' own valuations.

The equilibrium's *equilibrium gap* (:mod:`.envy`) measures how far the solver is from the
market's optimum; it is not envy. This module measures envy on the units actually handed out:

- **bundle envy** of ``i`` toward ``j``: ``v_i(x_j) - v_i(x_i)``, where member ``i`` values a
  bundle as ``sum_a v[i,a] * min(x[a], m[i,a])`` (linear up to the units ``i`` asked for, nothing
  for an asset ``i`` did not bid on). A round's bundle envy is the largest over all pairs, never
  below 0; ``relative`` divides it by ``v_i(x_i)`` (infinite when a member who holds nothing of
  value envies someone);
- **EF1** (envy-free up to one good, Lipton et al. 2004; Budish 2011): for every pair, removing
  one unit of some asset from ``j``'s bundle leaves ``i`` without envy. Whole units only: a
  fractional bundle has no single good to remove;
- **welfare given up for fairness**: ``sum v x`` of the utilitarian optimum (the largest total
  value any allocation within the capacities and caps reaches) less that of the chosen
  allocation, and that difference as a share of the optimum.

With equal budgets and no binding caps the fractional equilibrium is envy-free; rounding it, or
caps that bind, or budgets weighted by productivity, can leave envy, which is why it is
reported on what was handed out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cybermutual.domain.allocation.explanation import utilitarian_allocation
from cybermutual.domain.allocation.market import Bids, FloatArray, frozen_floats
from cybermutual.domain.errors import InvalidValue

_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class BundleEnvy:
    """Envy between the bundles handed out (module docstring), positions as in the bids."""

    max_envy: float  # in the members' value units; 0 when nobody envies anybody
    max_relative_envy: float  # envy over the envier's own value; inf if they value theirs at 0
    envious_pairs: int
    worst_pair: tuple[int, int] | None  # (envier, envied)
    ef1: bool | None  # None for fractional bundles
    ef1_violations: int


@dataclass(frozen=True, slots=True)
class WelfareCost:
    """The utilitarian welfare given up for fairness by one allocation."""

    utilitarian: float
    chosen: float
    given_up: float
    share: float  # given_up / utilitarian, 0 when nothing can be of value


def bundle_values(bids: Bids, units: FloatArray) -> FloatArray:
    """Each bid's member's value of what that bid received (capped by what they asked)."""
    return bids.value_per_unit * np.minimum(units, bids.max_units)


def bundle_envy(
    bids: Bids, units: FloatArray, *, n_members: int | None = None, whole: bool = True
) -> BundleEnvy:
    """Bundle envy and EF1 of ``units`` (per bid); ``whole`` says the units are whole units.

    Member by member: ``i`` only values bundles holding assets ``i`` bid on, so each row of the
    envy matrix is a sum over ``i``'s bids of that asset's holders. The work is the number of
    (bidder, holder) pairs sharing an asset, and memory one row at a time.
    """
    units = frozen_floats(units, name="units")
    if units.size != bids.size:
        raise InvalidValue("units must have one entry per bid", field="units")
    n = int(bids.member.max(initial=-1)) + 1 if n_members is None else n_members
    bids.check_fits(max(n, 0), int(bids.asset.max(initial=-1)) + 1)
    value, cap, member, asset = bids.value_per_unit, bids.max_units, bids.member, bids.asset
    own = np.bincount(member, bundle_values(bids, units), minlength=n)
    held_at = np.flatnonzero(units > _EPS)
    held_at = held_at[np.argsort(asset[held_at], kind="stable")]
    bounds = np.searchsorted(asset[held_at], np.arange(int(asset.max(initial=-1)) + 2))
    holders = [member[held_at[bounds[a] : bounds[a + 1]]] for a in range(bounds.size - 1)]
    holdings = [units[held_at[bounds[a] : bounds[a + 1]]] for a in range(bounds.size - 1)]
    wanting = np.flatnonzero(value > 0)
    wanting = wanting[np.argsort(member[wanting], kind="stable")]
    firsts = np.searchsorted(member[wanting], np.arange(n + 1))
    worst_envy, worst_relative = 0.0, 0.0
    worst_pair: tuple[int, int] | None = None
    pairs = violations = 0
    for i in range(n):
        mine = wanting[firsts[i] : firsts[i + 1]]
        shared = [int(k) for k in mine if holders[int(asset[k])].size]
        if not shared:
            continue
        others = np.concatenate([holders[int(asset[k])] for k in shared])
        held = np.concatenate([holdings[int(asset[k])] for k in shared])
        v = np.repeat(value[shared], [holders[int(asset[k])].size for k in shared])
        limit = np.repeat(cap[shared], [holders[int(asset[k])].size for k in shared])
        worth = np.bincount(others, v * np.minimum(held, limit), minlength=n)
        envy = worth - own[i]
        envy[i] = 0.0
        slack = _EPS * max(1.0, abs(float(own[i])))
        envious = envy > slack
        count = int(envious.sum())
        if not count:
            continue
        pairs += count
        j = int(np.argmax(envy))
        if envy[j] > worst_envy:
            worst_envy, worst_pair = float(envy[j]), (i, j)
        worst_relative = max(
            worst_relative, float(envy[j]) / float(own[i]) if own[i] > 0 else math.inf
        )
        if whole:
            one_less = v * (np.minimum(held, limit) - np.minimum(np.maximum(held - 1, 0), limit))
            order = np.argsort(one_less, kind="stable")
            drop = np.zeros(n)
            drop[others[order]] = one_less[order]  # repeated holders: the last, largest, stays
            violations += int((envy - drop > slack).sum())
    return BundleEnvy(
        max_envy=worst_envy,
        max_relative_envy=worst_relative,
        envious_pairs=pairs,
        worst_pair=worst_pair,
        ef1=(violations == 0) if whole else None,
        ef1_violations=violations if whole else 0,
    )


def welfare_cost(
    bids: Bids, capacity: FloatArray, units: FloatArray, *, whole: bool = False
) -> WelfareCost:
    """Welfare given up by ``units`` against the utilitarian optimum (whole units if ``whole``:
    then the optimum too is taken in whole units, within whole caps and capacities)."""
    capacity = frozen_floats(capacity, name="capacity")
    units = frozen_floats(units, name="units")
    if whole:
        bids = bids.with_max_units(np.floor(bids.max_units + _EPS))
        capacity = np.floor(capacity + _EPS)
    best = float(np.dot(bids.value_per_unit, utilitarian_allocation(bids, capacity)))
    chosen = float(np.dot(bids.value_per_unit, np.minimum(units, bids.max_units)))
    given_up = max(0.0, best - chosen)
    return WelfareCost(
        utilitarian=best,
        chosen=chosen,
        given_up=given_up,
        share=given_up / best if best > 0 else 0.0,
    )
