"""Basic income: each period, every active member receives the amount from ``issuance``.

At most once per member and period whatever the scheduler does: the payments due are the
active members without a payment recorded for this period's key, and the store refuses a
second row for the same (member, key).
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass

from cybermutual.domain.governance.kinds import Period
from cybermutual.domain.governance.periods import Window


@dataclass(frozen=True, slots=True)
class BasicIncomePolicy:
    amount: int  # minor units per member and period; 0: none
    period: Period


def due(active: Iterable[str], *, paid: Set[str], policy: BasicIncomePolicy | None) -> list[str]:
    """Who is still owed this period's basic income, in a stable order."""
    if policy is None or policy.amount <= 0:
        return []
    return sorted(set(active) - paid)


def memo(policy: BasicIncomePolicy, window: Window) -> str:
    return f"basic income {window.key}"
