"""A worker co-operative's profit, shared among its worker-owners by a merit metric.

``split_profit(profit, merits)`` is the exact rule the platform applies: each worker-owner's quota
is ``profit * merit / sum(merits)`` in exact rational arithmetic; everyone gets the floor of their
quota, and the minor units left over go one each to the largest fractional remainders (Hamilton's
largest-remainder method), so the shares always sum to exactly ``profit``.

Ties for a leftover unit are broken by the larger merit first, then by the earlier position in
``merits``: the order is documented and deterministic, never random.

``merit_shares(profit, merit, enterprise)`` is the float, vectorised version the simulator uses
for many co-operatives at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from cybermutual.domain.errors import InvalidValue

Merit = int | float | Decimal | Fraction


def _exact(merit: Merit) -> Fraction:
    if isinstance(merit, bool):
        raise InvalidValue("a merit weight is a number, not a boolean")
    value = Fraction(merit)
    if value < 0:
        raise InvalidValue("merit weights are never negative", merit=str(merit))
    return value


def split_profit(profit: int, merits: Sequence[Merit]) -> list[int]:
    """Shares of ``profit`` minor units in proportion to ``merits``; they sum exactly to ``profit``.

    Equal shares (up to one minor unit) when every merit is zero. Refuses a negative profit,
    negative or non-finite merits and an empty list of worker-owners.
    """
    if isinstance(profit, bool) or not isinstance(profit, int):
        raise InvalidValue("profit is a whole number of minor units")
    if profit < 0:
        raise InvalidValue("a loss is carried by the co-operative, not split", profit=profit)
    if not merits:
        raise InvalidValue("a profit needs at least one worker-owner to share it")
    try:
        weights = [_exact(m) for m in merits]
    except (ValueError, OverflowError) as exc:
        raise InvalidValue("merit weights must be finite numbers") from exc
    total = sum(weights, Fraction(0))
    if total == 0:
        weights = [Fraction(1)] * len(weights)
        total = Fraction(len(weights))
    quotas = [profit * w / total for w in weights]
    shares = [q.numerator // q.denominator for q in quotas]
    left = profit - sum(shares)
    order = sorted(
        range(len(quotas)),
        key=lambda i: (-(quotas[i] - shares[i]), -weights[i], i),
    )
    for i in order[:left]:
        shares[i] += 1
    return shares


def merit_shares(
    profit: npt.NDArray[np.float64],
    merit: npt.NDArray[np.float64],
    enterprise: npt.NDArray[np.intp],
) -> npt.NDArray[np.float64]:
    """Each worker's float share of their enterprise's ``profit`` by ``merit`` (vectorised).

    ``enterprise[i]`` indexes ``profit``; a worker with ``enterprise[i] < 0`` gets 0. Where an
    enterprise's merits sum to zero its profit is split equally among its workers.
    """
    member = enterprise >= 0
    firm = np.where(member, enterprise, 0)
    weight = np.where(member, np.maximum(merit, 0.0), 0.0)
    n = profit.shape[0]
    total = np.bincount(firm, weights=weight, minlength=n)
    heads = np.bincount(firm, weights=member.astype(np.float64), minlength=n)
    by_merit = total[firm] > 0
    safe_total = np.where(total > 0, total, 1.0)
    safe_heads = np.where(heads > 0, heads, 1.0)
    share = np.where(
        by_merit,
        profit[firm] * weight / safe_total[firm],
        profit[firm] / safe_heads[firm],
    )
    return np.where(member, share, 0.0)
