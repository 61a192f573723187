"""Members may decline all or part of their share; the freed units go round again.

A member who declines anything is a *decliner*: they keep what they accepted
(``received - declined``) and take no part in the second pass. Every other member keeps the
share published to them, and the units left over (the declined ones, plus any the first pass
left unused) are shared among them by a second equilibrium with the same budgets, over caps
reduced by what they already hold. What they hold counts toward their minimums too: a bid's
second-pass minimum is ``max(min_units - kept, 0)``, so a member who already meets their
minimum takes any extra unit. Nobody's published share shrinks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cybermutual.domain.allocation.equilibrium import (
    DEFAULT_MAX_ITERATIONS,
    DEFAULT_TOLERANCE,
    fisher_equilibrium,
)
from cybermutual.domain.allocation.market import Bids, Equilibrium, FloatArray, frozen_floats
from cybermutual.domain.allocation.rounding import round_to_units
from cybermutual.domain.errors import InvalidValue


@dataclass(frozen=True, slots=True, eq=False)
class Reallocation:
    """The final units per bid after a decline, and the second pass that produced them."""

    units: FloatArray
    second_pass: Equilibrium
    second_pass_units: FloatArray
    decliners: NDArray[np.bool_]


def reallocate_declined(
    bids: Bids,
    budgets: FloatArray,
    capacity: FloatArray,
    *,
    received: FloatArray,
    declined: FloatArray,
    whole_units: bool = False,
    rng: np.random.Generator | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> Reallocation:
    """Share the declined units among the members who declined nothing.

    ``received`` is what was published per bid (fractional, or whole units); ``declined`` per
    bid lies between 0 and it. With ``whole_units`` the second pass is rounded too, by the
    lottery drawn with ``rng`` (required then), so the final units stay whole when
    ``received`` and ``declined`` are.
    """
    if whole_units and rng is None:
        raise InvalidValue("rounding the second pass to whole units needs the lottery's rng")
    budgets = frozen_floats(budgets, name="budgets")
    capacity = frozen_floats(capacity, name="capacity")
    received = frozen_floats(received, name="received")
    declined = frozen_floats(declined, name="declined")
    bids.check_fits(budgets.size, capacity.size)
    if received.size != bids.size or declined.size != bids.size:
        raise InvalidValue("received and declined must have one entry per bid")
    if np.any(received < 0) or np.any(received > bids.max_units + 1e-9):
        raise InvalidValue("received must lie between 0 and each bid's max_units")
    if np.any(declined < 0) or np.any(declined > received + 1e-9):
        raise InvalidValue("declined must lie between 0 and what was received")
    if np.any(np.bincount(bids.asset, received, minlength=capacity.size) > capacity + 1e-6):
        raise InvalidValue("received exceeds an asset's capacity")

    decliners = np.zeros(budgets.size, dtype=bool)
    decliners[bids.member[declined > 0]] = True
    kept = np.maximum(received - declined, 0.0)
    residual = np.maximum(capacity - np.bincount(bids.asset, kept, minlength=capacity.size), 0.0)
    if whole_units:
        residual = np.floor(residual + 1e-9)
    room = np.where(decliners[bids.member], 0.0, np.maximum(bids.max_units - kept, 0.0))
    second_bids = bids.after_holding(kept, room)
    second_budgets = np.where(decliners, 0.0, budgets)
    second = fisher_equilibrium(
        second_bids,
        second_budgets,
        residual,
        tolerance=tolerance,
        max_iterations=max_iterations,
    )
    extra = np.asarray(second.units, dtype=np.float64)
    if whole_units:
        assert rng is not None
        whole = round_to_units(second_bids, residual, extra, budgets=second_budgets, rng=rng)
        extra = whole.astype(np.float64)
    final = kept + extra
    final.setflags(write=False)
    extra.setflags(write=False)
    return Reallocation(
        units=final, second_pass=second, second_pass_units=extra, decliners=decliners
    )
