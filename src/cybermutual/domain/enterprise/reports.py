"""The measures the essay cares about, over what enterprises paid in a window.

Every measure is exact (``Fraction``) and shown as a decimal rounded to 4 places
(``as_decimal``); a measure that has no meaning for the data (a pay ratio without anyone paid a
wage) is ``None``, never a made-up 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction


def as_decimal(value: Fraction | None, places: int = 4) -> Decimal | None:
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        quantum, rounding=ROUND_HALF_EVEN
    )


def gini(incomes: Iterable[int]) -> Fraction | None:
    """The Gini coefficient of non-negative incomes (0: equal; (n-1)/n: one has all).

    ``None`` for nobody, 0 when every income is 0.
    """
    xs = sorted(incomes)
    n = len(xs)
    if n == 0:
        return None
    if any(x < 0 for x in xs):
        raise ValueError("incomes are never negative")
    total = sum(xs)
    if total == 0:
        return Fraction(0)
    ranked = sum((i + 1) * x for i, x in enumerate(xs))
    return Fraction(2 * ranked, n * total) - Fraction(n + 1, n)


@dataclass(frozen=True, slots=True)
class WorkRecord:
    """What one worker earned in wages over the window, and for how many minutes."""

    member_id: str
    wages: int
    minutes: int


def pay_ratio(work: Sequence[WorkRecord]) -> Fraction | None:
    """Highest to lowest hourly earnings among those paid for some time (None: nobody, or the
    lowest earned nothing per hour)."""
    rates = [Fraction(w.wages, w.minutes) for w in work if w.minutes > 0]
    if not rates or min(rates) == 0:
        return None
    return max(rates) / min(rates)


@dataclass(frozen=True, slots=True)
class CollectiveMeasures:
    wages: int
    profit_shares: int
    wage_share: Fraction | None  # wages / (wages + profit shares)
    profit_share: Fraction | None
    pay_ratio: Fraction | None
    income_gini: Fraction | None
    workers: int
    owner_workers: int
    owner_worker_share: Fraction | None
    automation_capital: int
    automation_capital_per_worker: Fraction | None


def measures(
    *,
    work: Sequence[WorkRecord],
    profit_shares: Mapping[str, int],
    members: Iterable[str],
    owners: Iterable[str],
    automation_capital: int,
) -> CollectiveMeasures:
    """The collective's measures. ``members``: whose income the Gini is over (every member of
    the collective, so those earning nothing from enterprises count); ``owners``: the members
    holding a share of an enterprise (worker-owners, vested shareholders)."""
    wages = sum(w.wages for w in work)
    profits = sum(profit_shares.values())
    paid = wages + profits
    income: dict[str, int] = dict.fromkeys(members, 0)
    for w in work:
        income[w.member_id] = income.get(w.member_id, 0) + w.wages
    for member, amount in profit_shares.items():
        income[member] = income.get(member, 0) + amount
    workers = {w.member_id for w in work if w.minutes > 0}
    owner_workers = workers & set(owners)
    return CollectiveMeasures(
        wages=wages,
        profit_shares=profits,
        wage_share=Fraction(wages, paid) if paid else None,
        profit_share=Fraction(profits, paid) if paid else None,
        pay_ratio=pay_ratio(work),
        income_gini=gini(income.values()),
        workers=len(workers),
        owner_workers=len(owner_workers),
        owner_worker_share=Fraction(len(owner_workers), len(workers)) if workers else None,
        automation_capital=automation_capital,
        automation_capital_per_worker=(
            Fraction(automation_capital, len(workers)) if workers else None
        ),
    )
