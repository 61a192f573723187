"""A member's statement: the postings that changed one account, each with the balance it left.

Money moves when a transfer is *posted* (at once, or when a hold is released), so a statement is
ordered by posting time; a reservation (pending) or a voided one never changed the balance and is
not a line of it. The running balance is read backwards from a balance known after the newest
line: the account's balance now, less whatever was posted since (``change_of`` summed), so a page
in the middle of a long history costs one sum, never a replay from the first entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cybermutual.domain.ledger import Transfer, TransferKind, TransferStatus


class Purpose(StrEnum):
    """What a line of the statement was for, as a member reads it."""

    PAYMENT = "payment"  # a member paid another
    RELEASED_HOLD = "released_hold"  # a payment held first, then released
    ORDER = "order"  # an order's or a task's escrow, paid out when the deal ended
    LEVY = "levy"  # the levy on a payment received, to the commons fund
    BASIC_INCOME = "basic_income"
    PUBLIC_SERVICE = "public_service"  # a claim paid from the commons fund for a service
    CLEARING = "clearing"  # a payment across a federation link
    WAGE = "wage"  # an enterprise paid approved hours at a period close
    PROFIT_SHARE = "profit_share"  # an enterprise's surplus share or dividend


_PURPOSE = {
    TransferKind.PAYMENT: Purpose.PAYMENT,
    TransferKind.ESCROW: Purpose.ORDER,
    TransferKind.LEVY: Purpose.LEVY,
    TransferKind.BASIC_INCOME: Purpose.BASIC_INCOME,
    TransferKind.PUBLIC_SERVICE: Purpose.PUBLIC_SERVICE,
    TransferKind.CLEARING: Purpose.CLEARING,
    TransferKind.WAGE: Purpose.WAGE,
    TransferKind.PROFIT_SHARE: Purpose.PROFIT_SHARE,
}


def spreadsheet_text(text: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula (``=``, ``+``, ``-``, ``@``):
    every CSV export (the wallet's, the enterprise reports) writes its text cells through this."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def purpose_of(transfer: Transfer) -> Purpose:
    """A payment posted later than it was made was held first (``RELEASED_HOLD``)."""
    if (
        transfer.kind is TransferKind.PAYMENT
        and transfer.settled_at is not None
        and transfer.settled_at != transfer.created_at
    ):
        return Purpose.RELEASED_HOLD
    return _PURPOSE[transfer.kind]


def change_of(transfer: Transfer, account_id: str) -> int:
    """How ``transfer`` changed the balance of ``account_id``: + received, - paid, 0 if it did
    not (still pending, voided, or another account's)."""
    if transfer.status is not TransferStatus.POSTED:
        return 0
    if transfer.credit_account_id == account_id:
        return transfer.amount
    if transfer.debit_account_id == account_id:
        return -transfer.amount
    return 0


@dataclass(frozen=True, slots=True)
class Posting:
    """One line of a statement: the transfer, what it did to the balance, and the balance after."""

    transfer: Transfer
    change: int
    balance_after: int

    @property
    def posted_at(self) -> datetime:
        return self.transfer.settled_at or self.transfer.created_at


def running_balances(
    newest_first: Sequence[Transfer], account_id: str, *, balance_after_newest: int
) -> list[Posting]:
    """The lines, newest first, each with the balance it left: walking back from the balance
    after the newest one (``balance_after_newest``)."""
    lines = []
    balance = balance_after_newest
    for transfer in newest_first:
        change = change_of(transfer, account_id)
        lines.append(Posting(transfer, change, balance))
        balance -= change
    return lines


def balance_before(lines: Sequence[Posting], *, balance_after_newest: int) -> int:
    """The balance before the oldest of ``lines`` (newest first)."""
    return lines[-1].balance_after - lines[-1].change if lines else balance_after_newest


@dataclass(frozen=True, slots=True)
class BalancePoint:
    at: datetime
    balance: int


def balance_series(
    lines: Iterable[Posting], *, now: datetime, balance_now: int, complete: bool
) -> list[BalancePoint]:
    """The balance over time, oldest first, for a chart: a step after each posting, and the
    balance now at ``now``. ``complete`` (the lines reach back to the account's first posting)
    starts the series at 0 just before the first posting."""
    ordered = sorted(lines, key=lambda p: (p.posted_at, p.transfer.id))
    points = []
    if ordered and complete:
        points.append(
            BalancePoint(ordered[0].posted_at, ordered[0].balance_after - ordered[0].change)
        )
    points.extend(BalancePoint(p.posted_at, p.balance_after) for p in ordered)
    if not points or points[-1].at < now:
        points.append(BalancePoint(now, balance_now))
    return points
