"""Random exchange under the real ledger's rules, and with distributed saving propensities.

Dragulescu and Yakovenko (2000, section on debt): when agents may go into debt down to a limit
``L``, random payments between random members leave ``balance + L`` distributed exponentially
with mean ``L`` (mutual-credit balances average 0), so its Gini is 1/2 and a share
``1 - 1/e = 0.632`` of members is in debt. :func:`ledger_exchange` makes every payment through
the domain ledger (:func:`cybermutual.domain.ledger.open_transfer` on real
:class:`~cybermutual.domain.ledger.Account` values), so the limit is the platform's own rule,
refusals included, not a copy of it.

Chatterjee, Chakrabarti and Manna (2004): with saving propensities drawn uniformly on [0, 1) and
fixed per agent, the stationary money distribution has a Pareto tail ``P(m > x) ~ x^-1``.
:func:`distributed_saving_step` is one sweep of that model on int64 minor units (exact
conservation), vectorised like :func:`cybermutual.sim.boltzmann.random_exchange_step`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from cybermutual.domain.errors import CreditLimitExceeded
from cybermutual.domain.ledger import Account, AccountKind, TransferKind, open_transfer

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: The ledger wants a time on every transfer; the model has none, so every payment carries this.
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class LedgerExchange:
    """Balances (minor units) at each snapshot, and how many payments the ledger refused."""

    snapshots: IntArray  # snapshots x members
    credit_limit: int
    payments: int
    refused: int

    def shifted(self) -> FloatArray:
        """``(balance + L) / L`` over every snapshot: exponential with mean 1 in theory."""
        return np.asarray((self.snapshots + self.credit_limit) / self.credit_limit, np.float64)

    def share_in_debt(self) -> float:
        """Share of members with a negative balance, averaged over the snapshots."""
        return float(np.mean(self.snapshots < 0))


def ledger_exchange(
    members: int,
    payments: int,
    rng: np.random.Generator,
    *,
    credit_limit: int,
    mean_payment: int,
    snapshots: int = 1,
    burn_in: int = 0,
) -> LedgerExchange:
    """Random payments between random members through the domain ledger.

    Each payment is from a random member to another random member, of a whole number of minor
    units uniform on ``[1, 2 * mean_payment - 1]``; the ledger refuses those that would take the
    payer below ``-credit_limit`` and they simply do not happen. After ``burn_in`` payments the
    balances are recorded at ``snapshots`` evenly spaced points of the remaining ``payments``.
    """
    if members < 2:
        raise ValueError("random exchange needs at least 2 members")
    if credit_limit <= 0 or mean_payment <= 0 or payments <= 0 or snapshots <= 0:
        raise ValueError("credit_limit, mean_payment, payments and snapshots must be positive")
    accounts = [
        Account(f"m{i}", "sim", AccountKind.MEMBER, f"m{i}", credit_limit=credit_limit)
        for i in range(members)
    ]
    total = burn_in + payments
    payer = rng.integers(0, members, size=total)
    payee = (payer + rng.integers(1, members, size=total)) % members  # never the payer
    amount = rng.integers(1, 2 * mean_payment, size=total)
    every = max(1, payments // snapshots)
    taken: list[list[int]] = []
    refused = 0
    for k in range(total):
        i, j = int(payer[k]), int(payee[k])
        try:
            moved = open_transfer(
                transfer_id=str(k),
                debit=accounts[i],
                credit=accounts[j],
                amount=int(amount[k]),
                kind=TransferKind.PAYMENT,
                memo="",
                now=_EPOCH,
            )
        except CreditLimitExceeded:
            refused += 1
        else:
            accounts[i], accounts[j] = moved.debit, moved.credit
        done = k + 1 - burn_in
        if done > 0 and done % every == 0 and len(taken) < snapshots:
            taken.append([a.balance for a in accounts])
    return LedgerExchange(
        snapshots=np.asarray(taken, dtype=np.int64),
        credit_limit=credit_limit,
        payments=payments,
        refused=refused,
    )


def distributed_saving_step(
    money: IntArray, saving: FloatArray, rng: np.random.Generator
) -> IntArray:
    """One sweep of the Chatterjee-Chakrabarti-Manna model: each agent trades once.

    In a trade each partner keeps its own share ``saving[i]`` of its money and the two pool the
    rest, which is split at a uniform random fraction. Money is int64 and conserved exactly.
    """
    n = money.size
    order = rng.permutation(n)
    half = n // 2
    left, right = order[:half], order[half : 2 * half]
    a, b = money[left], money[right]
    kept_a = np.floor(saving[left] * a).astype(np.int64)
    kept_b = np.floor(saving[right] * b).astype(np.int64)
    pot = (a - kept_a) + (b - kept_b)
    to_a = np.floor(rng.random(half) * pot).astype(np.int64)
    out = money.copy()
    out[left] = kept_a + to_a
    out[right] = kept_b + (pot - to_a)
    return out
