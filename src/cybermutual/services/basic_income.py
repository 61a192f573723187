"""Basic income: each period, every active member receives the charter's amount from
``issuance``, at most once per member and period whatever the scheduler does.

The run locks the members and the issuance account first, then reads who is already paid for
this period under that lock; the register's primary key (collective, what, member, period)
refuses a second payment even if two runs ever overlapped, rolling the whole run back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cybermutual.domain.collective import Collective
from cybermutual.domain.governance import basic_income as rules
from cybermutual.domain.governance.kinds import Period
from cybermutual.domain.governance.periods import window_of
from cybermutual.domain.ledger import AccountKind, TransferKind
from cybermutual.domain.membership import MembershipStatus
from cybermutual.services.bookkeeping import Books
from cybermutual.services.ports import UnitOfWork

WHAT = "basic_income"


@dataclass(frozen=True, slots=True)
class BasicIncomeRun:
    period_key: str | None
    paid: int
    amount: int


def pay_basic_income(uow: UnitOfWork, collective: Collective, *, now: datetime) -> BasicIncomeRun:
    charter = collective.charter
    if charter.basic_income <= 0:
        return BasicIncomeRun(None, 0, 0)
    policy = rules.BasicIncomePolicy(charter.basic_income, Period(charter.basic_income_period))
    window = window_of(now, policy.period)
    active: list[str] = []
    cursor: str | None = None
    while True:
        page = uow.memberships.list(
            collective.id, status=MembershipStatus.ACTIVE, limit=200, cursor=cursor
        )
        active.extend(m.member_id for m, _ in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    if not active:
        return BasicIncomeRun(window.key, 0, policy.amount)
    # cheap check first: nothing to lock when this period is already paid
    paid = uow.public_services.paid_members(collective.id, what=WHAT, period_key=window.key)
    if not rules.due(active, paid=paid, policy=policy):
        return BasicIncomeRun(window.key, 0, policy.amount)
    books = Books(uow, collective, now=now)
    books.lock_members(sorted(active), system=[AccountKind.ISSUANCE])
    paid = uow.public_services.paid_members(collective.id, what=WHAT, period_key=window.key)
    due = [m for m in rules.due(active, paid=paid, policy=policy) if _active(books, m)]
    issuance = books.system_account(AccountKind.ISSUANCE)
    rows = []
    for member in due:
        transfer = books.move(
            issuance,
            books.account_of(member),
            policy.amount,
            kind=TransferKind.BASIC_INCOME,
            memo=rules.memo(policy, window),
        )
        rows.append((member, policy.amount, transfer.id))
    books.close()
    uow.public_services.add_periodic(
        collective.id, what=WHAT, period_key=window.key, payments=rows, at=now
    )
    return BasicIncomeRun(window.key, len(rows), policy.amount)


def _active(books: Books, member: str) -> bool:
    """Still active under the lock (someone may have left since the list was read)."""
    membership = books.membership(member)
    return membership is not None and membership.is_active
