"""Accounts and transfers of a mutual-credit ledger, as values and plain functions.

Balances start at 0 and may go negative down to ``-credit_limit``. A transfer moves ``amount``
minor units from a debit account to a credit account. A *pending* transfer reserves the payer's
available balance (escrow for orders and tasks) until it is *posted* or *voided*. Every function
here returns new values; nothing is mutated, so a refused operation changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from cybermutual.domain.errors import (
    AmountOutOfRange,
    CreditLimitExceeded,
    InvalidTransition,
    InvalidValue,
    SelfTransfer,
)
from cybermutual.domain.money import MAX_AMOUNT, check_amount

#: No balance may leave this range; it keeps every sum far inside a signed 64-bit column.
MAX_BALANCE = 10**18


class AccountKind(StrEnum):
    MEMBER = "member"
    COMMONS_FUND = "commons_fund"  # filled by the levy, pays for public services
    ISSUANCE = "issuance"  # source of basic income, when the charter enables it
    CLEARING = "clearing"  # one per federation link
    ENTERPRISE = "enterprise"  # a co-operative's or a firm's own account (owner: its id)


class TransferStatus(StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


class TransferKind(StrEnum):
    PAYMENT = "payment"  # a member pays another (pending: a hold its payer may post or void)
    ESCROW = "escrow"  # backs an order or a task; settled only by that deal's state machine
    LEVY = "levy"
    BASIC_INCOME = "basic_income"
    PUBLIC_SERVICE = "public_service"
    CLEARING = "clearing"
    DEMURRAGE = "demurrage"  # a member's weekly fee on a large balance, to the commons fund
    WRITE_OFF = "write_off"  # the commons fund takes a dormant member's debt
    WAGE = "wage"  # an enterprise pays a contract's approved hours at a period close
    PROFIT_SHARE = "profit_share"  # an enterprise's surplus share or dividend at a period close


#: Kinds that pay a member for something: levied when posted, counted as trade volume and sales.
TRADE_KINDS = frozenset({TransferKind.PAYMENT, TransferKind.ESCROW})

#: Levy rates have at most 6 decimals, so a rate is an exact whole number of millionths, and a
#: payee's levy remainder is kept exactly in millionths of a minor unit.
LEVY_SCALE = 10**6


@dataclass(frozen=True, slots=True)
class Account:
    """An account in a collective's currency; ``credit_limit=None`` means no floor."""

    id: str
    collective_id: str
    kind: AccountKind
    owner_id: str | None
    balance: int = 0
    reserved: int = 0
    credit_limit: int | None = 0
    #: the levy owed on this account's receipts that is still below one minor unit, in
    #: millionths of a minor unit (0 <= levy_carry < LEVY_SCALE); see ``levy_due``
    levy_carry: int = 0
    #: the same for demurrage (``money_rules.demurrage_due``): carried from week to week
    demurrage_carry: int = 0

    @property
    def available(self) -> int:
        """What can still be spent before pending debits settle."""
        return self.balance - self.reserved

    def with_money(self, *, balance: int, reserved: int) -> Account:
        """This account holding other amounts (a fast path: payments do this a lot)."""
        if not -MAX_BALANCE <= balance <= MAX_BALANCE:
            raise AmountOutOfRange("this transfer would take a balance out of range")
        return Account(
            self.id,
            self.collective_id,
            self.kind,
            self.owner_id,
            balance,
            reserved,
            self.credit_limit,
            self.levy_carry,
            self.demurrage_carry,
        )

    @property
    def headroom(self) -> int | None:
        """How much more this account may be debited (None: unlimited)."""
        return None if self.credit_limit is None else self.available + self.credit_limit


@dataclass(frozen=True, slots=True)
class Transfer:
    """One movement of money; ``parent_id`` links a levy to the payment that caused it."""

    id: str
    collective_id: str
    debit_account_id: str
    credit_account_id: str
    amount: int
    kind: TransferKind
    status: TransferStatus
    memo: str
    created_at: datetime
    settled_at: datetime | None = None
    parent_id: str | None = None
    initiated_by: str | None = None
    batch_id: str | None = None  # transfers posted together, all or none
    batch_index: int | None = None


@dataclass(frozen=True, slots=True)
class Movement:
    """The outcome of one ledger operation: the transfer and both accounts as they now stand."""

    transfer: Transfer
    debit: Account
    credit: Account


def check_memo(memo: str) -> str:
    """Memos are short single-paragraph notes."""
    if len(memo) > 500:
        raise InvalidValue("memo must have at most 500 characters", field="memo")
    return memo


def check_credit_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_AMOUNT:
        raise InvalidValue(f"credit limit must be between 0 and {MAX_AMOUNT} minor units")
    return limit


def _moved(account: Account, delta: int) -> Account:
    return account.with_money(balance=account.balance + delta, reserved=account.reserved)


def _check_pair(debit: Account, credit: Account) -> None:
    if debit.id == credit.id:
        raise SelfTransfer("the payer and the payee are the same account")
    if debit.collective_id != credit.collective_id:
        raise InvalidValue("both accounts must belong to the same collective")


def _check_headroom(debit: Account, amount: int) -> None:
    headroom = debit.headroom
    if headroom is not None and amount > headroom:
        raise CreditLimitExceeded(
            f"this needs {amount} but only {max(headroom, 0)} is available within the credit limit",
            available=debit.available,
            credit_limit=debit.credit_limit,
            amount=amount,
        )


def open_transfer(
    *,
    transfer_id: str,
    debit: Account,
    credit: Account,
    amount: int,
    kind: TransferKind,
    memo: str,
    now: datetime,
    pending: bool = False,
    parent_id: str | None = None,
    initiated_by: str | None = None,
    within_limit: bool = True,
    batch: tuple[str, int] | None = None,
) -> Movement:
    """Move money now (posted) or reserve it (pending).

    A debit that would take available below ``-credit_limit`` is refused; a credit never is.
    ``within_limit=False`` is only for debits that are always covered by a credit made in the
    same transaction (the levy on a payment just received).
    """
    check_amount(amount)
    check_memo(memo)
    _check_pair(debit, credit)
    if within_limit:
        _check_headroom(debit, amount)
    transfer = Transfer(
        id=transfer_id,
        collective_id=debit.collective_id,
        debit_account_id=debit.id,
        credit_account_id=credit.id,
        amount=amount,
        kind=kind,
        status=TransferStatus.PENDING if pending else TransferStatus.POSTED,
        memo=memo,
        created_at=now,
        settled_at=None if pending else now,
        parent_id=parent_id,
        initiated_by=initiated_by,
        batch_id=batch[0] if batch else None,
        batch_index=batch[1] if batch else None,
    )
    if pending:
        reserved = debit.with_money(balance=debit.balance, reserved=debit.reserved + amount)
        return Movement(transfer, reserved, credit)
    return Movement(transfer, _moved(debit, -amount), _moved(credit, amount))


def _check_settles(transfer: Transfer, debit: Account, credit: Account) -> None:
    if transfer.status is not TransferStatus.PENDING:
        raise InvalidTransition(
            f"transfer is {transfer.status.value}; only pending transfers can be settled",
            status=transfer.status.value,
        )
    if (debit.id, credit.id) != (transfer.debit_account_id, transfer.credit_account_id):
        raise InvalidValue("accounts do not match the transfer")


def post_pending(transfer: Transfer, debit: Account, credit: Account, *, now: datetime) -> Movement:
    """Release a reservation to the payee."""
    _check_settles(transfer, debit, credit)
    released = debit.with_money(balance=debit.balance, reserved=debit.reserved - transfer.amount)
    return Movement(
        replace(transfer, status=TransferStatus.POSTED, settled_at=now),
        _moved(released, -transfer.amount),
        _moved(credit, transfer.amount),
    )


def void_pending(transfer: Transfer, debit: Account, credit: Account, *, now: datetime) -> Movement:
    """Cancel a reservation; the payer's available balance is restored."""
    _check_settles(transfer, debit, credit)
    return Movement(
        replace(transfer, status=TransferStatus.VOIDED, settled_at=now),
        debit.with_money(balance=debit.balance, reserved=debit.reserved - transfer.amount),
        credit,
    )


def levy_for(amount: int, rate: Decimal) -> int:
    """The levy on one payment alone: ``floor(amount * rate)`` minor units."""
    return int((Decimal(amount) * rate).to_integral_value(ROUND_FLOOR))


def rate_millionths(rate: Decimal) -> int:
    """A levy rate (at most 6 decimals, checked by the charter) in exact millionths."""
    scaled = rate * LEVY_SCALE
    if scaled != scaled.to_integral_value():
        raise InvalidValue("levy_rate has at most 6 decimals", field="levy_rate")
    return int(scaled)


def levy_due(amount: int, rate: Decimal, carry: int) -> tuple[int, int]:
    """The levy on a receipt of ``amount`` and the payee's new remainder.

    The remainder (``carry``, millionths of a minor unit) is what the levy left below one minor
    unit on the payee's earlier receipts; it is added before rounding down. So the levies on any
    sequence of receipts sum to ``floor(carry0 / 10**6 + rate * total)`` whatever the split:
    splitting a payment (a batch of 1,000 x 49 instead of one of 49,000) never saves anything,
    and from a zero remainder the sum is exactly ``floor(rate * total)``.
    """
    if not 0 <= carry < LEVY_SCALE:
        raise InvalidValue("a levy remainder is below one minor unit")
    owed = carry + amount * rate_millionths(rate)
    return owed // LEVY_SCALE, owed % LEVY_SCALE


def set_credit_limit(account: Account, limit: int) -> Account:
    """A new limit. Lowering it below a current debt is allowed: credits still arrive."""
    if account.kind not in (AccountKind.MEMBER, AccountKind.ENTERPRISE):
        raise InvalidValue("only member and enterprise accounts have a credit limit to change")
    return replace(account, credit_limit=check_credit_limit(limit))
