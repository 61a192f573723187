"""The values a Fisher market over the commons is made of: bids, warm starts, equilibria.

Everything here is a frozen value holding read-only numpy arrays, indexed by position:
member ``i`` is ``budgets[i]``, asset ``a`` is ``capacity[a]``, bid ``k`` is position ``k`` of
every array in :class:`Bids`. Ids (strings, database keys) live one layer up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cybermutual.domain.errors import InvalidValue

_T = TypeVar("_T", bound=np.generic)

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.intp]


def frozen_floats(values: ArrayLike, *, name: str) -> FloatArray:
    """A read-only 1-D float64 copy of ``values`` whose entries are all finite."""
    try:
        array = np.array(values, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise InvalidValue(f"{name} must be numbers", field=name) from exc
    if array.ndim != 1:
        raise InvalidValue(f"{name} must be one-dimensional", field=name)
    if not np.all(np.isfinite(array)):
        raise InvalidValue(f"{name} must be finite numbers", field=name)
    array.setflags(write=False)
    return array


def frozen_indices(values: ArrayLike, *, name: str) -> IndexArray:
    """A read-only 1-D array of non-negative integer positions."""
    try:
        raw = np.asarray(values)
        if raw.size and not np.issubdtype(raw.dtype, np.integer):
            raise InvalidValue(f"{name} must be integer positions", field=name)
        array = np.array(raw, dtype=np.intp, copy=True)
    except (TypeError, ValueError) as exc:
        raise InvalidValue(f"{name} must be integer positions", field=name) from exc
    if array.ndim != 1:
        raise InvalidValue(f"{name} must be one-dimensional", field=name)
    if array.size and array.min() < 0:
        raise InvalidValue(f"{name} must not be negative", field=name)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, slots=True, eq=False)
class Bids:
    """Parallel arrays, one entry per bid: who asks, for what, how much they value and want.

    ``value_per_unit`` is ``v[i,a] >= 0``; ``max_units`` caps the units the bid may receive;
    ``min_units`` (whole units, default 0) only matters when rounding: a rounded bid gets either
    at least ``min_units`` or nothing. A member bids at most once per asset.
    """

    member: IndexArray
    asset: IndexArray
    value_per_unit: FloatArray
    max_units: FloatArray
    min_units: FloatArray

    @classmethod
    def of(
        cls,
        member: ArrayLike,
        asset: ArrayLike,
        value_per_unit: ArrayLike,
        max_units: ArrayLike,
        min_units: ArrayLike | None = None,
    ) -> Bids:
        """Validate and freeze the arrays (copies; the caller's arrays are not kept)."""
        members = frozen_indices(member, name="member")
        assets = frozen_indices(asset, name="asset")
        values = frozen_floats(value_per_unit, name="value_per_unit")
        maxima = frozen_floats(max_units, name="max_units")
        minima = frozen_floats(
            np.zeros(members.size) if min_units is None else min_units, name="min_units"
        )
        size = members.size
        if not all(a.size == size for a in (assets, values, maxima, minima)):
            raise InvalidValue("bid arrays must all have the same length")
        if np.any(values < 0):
            raise InvalidValue("value_per_unit must not be negative", field="value_per_unit")
        if np.any(maxima < 0):
            raise InvalidValue("max_units must not be negative", field="max_units")
        if np.any(minima < 0) or np.any(minima > maxima):
            raise InvalidValue("min_units must lie between 0 and max_units", field="min_units")
        if size:
            pairs = members.astype(np.int64) * (int(assets.max()) + 1) + assets
            if np.unique(pairs).size != size:
                raise InvalidValue("a member may bid only once per asset")
        return cls(members, assets, values, maxima, minima)

    @property
    def size(self) -> int:
        """Number of bids."""
        return int(self.member.size)

    def check_fits(self, n_members: int, n_assets: int) -> None:
        """Refuse bids naming a member or asset position outside the market."""
        if self.size and int(self.member.max()) >= n_members:
            raise InvalidValue("a bid names a member beyond the budgets given", field="member")
        if self.size and int(self.asset.max()) >= n_assets:
            raise InvalidValue("a bid names an asset beyond the capacities given", field="asset")

    def subset(self, keep: NDArray[np.bool_]) -> Bids:
        """The bids where ``keep`` is true, in the same order."""
        return Bids(
            _frozen(self.member[keep]),
            _frozen(self.asset[keep]),
            _frozen(self.value_per_unit[keep]),
            _frozen(self.max_units[keep]),
            _frozen(self.min_units[keep]),
        )

    def with_max_units(self, max_units: FloatArray) -> Bids:
        """The same bids with other caps (minimums clipped to stay below them)."""
        maxima = frozen_floats(np.maximum(max_units, 0.0), name="max_units")
        minima = _frozen(np.minimum(self.min_units, maxima))
        return Bids(self.member, self.asset, self.value_per_unit, maxima, minima)

    def after_holding(self, held: FloatArray, room: FloatArray) -> Bids:
        """The same bids for a further pass: caps ``room``, minimums less what is ``held``.

        A bid whose member already holds ``held`` units of the asset needs only
        ``max(min_units - held, 0)`` more to meet its minimum (never more than ``room``).
        """
        maxima = frozen_floats(np.maximum(room, 0.0), name="max_units")
        minima = _frozen(np.minimum(np.maximum(self.min_units - held, 0.0), maxima))
        return Bids(self.member, self.asset, self.value_per_unit, maxima, minima)


def _frozen(array: NDArray[_T]) -> NDArray[_T]:
    copy = np.array(array, copy=True)
    copy.setflags(write=False)
    return copy


@dataclass(frozen=True, slots=True, eq=False)
class WarmStart:
    """Where to start the dynamics: last round's prices, or the spending per bid.

    ``spending`` (tokens per bid, same bids in the same order) resumes a run exactly and is
    used when its length matches: right for an unchanged or barely changed market. After bids
    or values changed, pass only ``prices`` (tokens per unit, per asset): they lean each
    member's first spending toward the assets that gave the most value per token.
    """

    prices: FloatArray | None = None
    spending: FloatArray | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Equilibrium:
    """A (tolerance-approximate) Eisenberg-Gale equilibrium of the capped Fisher market.

    - ``units``: fractional units per bid; ``prices``: tokens per unit per asset (0 where
      the asset was not oversubscribed);
    - ``spending``: tokens each bid holds in the dynamics (price paid plus the rent of a
      binding cap); pass the equilibrium back as ``warm_start`` to resume from it;
    - ``utilities``: value per member, ``sum_a v[i,a] * units``;
    - ``member_gap`` and ``equilibrium_gap``: each member's regret at the prices, as in
      :mod:`cybermutual.domain.allocation.gap`;
    - ``nash_welfare``: the budget-weighted geometric mean of the utilities of members who
      can get any value at all (``exp(sum B_i log u_i / sum B_i)``).
    """

    units: FloatArray
    prices: FloatArray
    spending: FloatArray
    utilities: FloatArray
    member_gap: FloatArray
    equilibrium_gap: float
    iterations: int
    converged: bool
    nash_welfare: float
    tolerance: float

    def as_warm_start(self) -> WarmStart:
        """This equilibrium as the starting point of the next computation."""
        return WarmStart(prices=self.prices, spending=self.spending)
