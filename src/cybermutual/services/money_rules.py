"""The money rules' weekly work (issue 13): review credit limits, charge demurrage, and give
notice of and write off dormant debts, each as the charter in force says (``domain/money_rules``).

Each runs inside one transaction under the locks of the accounts it reads, after the accounts
are locked in the ledger's one order (then the journal's head, like any payment). Reviews and
demurrage happen once per collective and ISO week: a row per (what, week) in
``money_rule_runs`` says it was done, and its primary key refuses a second one even if two
schedulers ever overlapped. A week the scheduler missed is not made up later: the rules act on
the balances and sales as they are now. Dormant debts are looked at once a day (a row per day,
taken under the fund's lock), and each member's step is idempotent by their record's stage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from cybermutual.domain.collective import Collective
from cybermutual.domain.governance.kinds import Period
from cybermutual.domain.governance.periods import window_of
from cybermutual.domain.ledger import Account, AccountKind, TransferKind
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.domain.membership import Membership
from cybermutual.domain.money_rules import (
    DormantDebt,
    DormantStage,
    DormantStep,
    demurrage_due,
    dormant_step,
    lapsed,
    notice,
    owed,
    reviewed_limit,
    write_off_amount,
    written_off,
)
from cybermutual.services.bookkeeping import Books
from cybermutual.services.inbox import notify
from cybermutual.services.ports import UnitOfWork

CREDIT_LIMITS = "credit_limits"
DEMURRAGE = "demurrage"
DORMANT_DEBTS = "dormant_debts"  # once a day: it reads every account's last trade


@dataclass(frozen=True, slots=True)
class DormantRun:
    noticed: int = 0
    written_off: int = 0  # members whose debt (or part of it) was written off
    amount: int = 0  # minor units written off in all


def _member_accounts(uow: UnitOfWork, collective: Collective) -> list[Account]:
    """Every member account, ordered by id (the order the ledger locks and ``verify`` replays)."""
    return [
        a
        for a in uow.accounts.all_of(collective.id)
        if a.kind is AccountKind.MEMBER and a.owner_id is not None
    ]


def _owners(accounts: list[Account]) -> list[str]:
    return sorted(a.owner_id for a in accounts if a.owner_id is not None)


def review_credit_limits(
    uow: UnitOfWork, collective: Collective, *, now: datetime, again: bool = False
) -> int:
    """Under the turnover rule, set each active member's limit from their trailing sales; the
    number of limits changed. Once a week, unless ``again`` (a vote just changed the rule).

    A member whose debt was written off keeps the limit the write-off left (what they still
    owe, 0 once all of it is written off) or the one the members voted them since: a review
    never reopens a closed credit line.
    """
    charter = collective.charter
    if not charter.follows_turnover:
        return 0
    week = window_of(now, Period.WEEK).key
    runs = uow.money_rules
    if not again and runs.has_run(collective.id, CREDIT_LIMITS, week):
        return 0
    accounts = _member_accounts(uow, collective)
    books = Books(uow, collective, now=now)
    books.lock_members(_owners(accounts))  # balances cannot move while the limits are set
    if again:
        runs.forget_run(collective.id, what=CREDIT_LIMITS, period_key=week)
    elif runs.has_run(collective.id, CREDIT_LIMITS, week):
        return 0
    rule = charter.turnover_limits
    sales = runs.sales_since(collective.id, rule.window_start(now))
    closed = {m for m, d in runs.dormant(collective.id).items() if d.written_off > 0}
    changed: list[tuple[str, int, int]] = []
    total = 0
    for account in accounts:
        owner = account.owner_id
        assert owner is not None
        membership = books.membership(owner)
        if membership is None or not membership.is_active or owner in closed:
            continue
        locked = books.account_of(owner)
        earned = sales.get(locked.id, 0)
        limit = reviewed_limit(
            locked.credit_limit,
            rule.limit_for(earned),
            balance=locked.balance,
            reserved=locked.reserved,
        )
        total += limit
        if limit != locked.credit_limit:
            uow.accounts.set_credit_limit(locked.id, limit)
            changed.append((owner, limit, earned))
    runs.add_run(
        collective.id,
        what=CREDIT_LIMITS,
        period_key=week,
        total=total,
        accounts=len(changed),
        at=now,
    )
    money = collective.currency.format
    notify(
        uow,
        collective,
        [
            MarketEvent(
                EventKind.CREDIT_LIMIT_CHANGED,
                (owner,),
                "member",
                owner,
                f"Your credit limit is now {money(limit)}: {rule.multiple} x your sales of "
                f"{money(earned)} over the last {rule.weeks} weeks, within "
                f"{money(rule.floor)} to {money(rule.cap)}, and never below what you owe.",
            )
            for owner, limit, earned in changed
        ],
        now=now,
    )
    return len(changed)


def charge_demurrage(uow: UnitOfWork, collective: Collective, *, now: datetime) -> int:
    """This week's demurrage into ``commons_fund``, once a week; the minor units charged.

    The run is recorded with the journal entry it follows and its rate and threshold, so
    ``ledger verify`` recomputes every charge and remainder from the journal.
    """
    demurrage = collective.charter.demurrage
    if not demurrage.active:
        return 0
    week = window_of(now, Period.WEEK)
    runs = uow.money_rules
    if runs.has_run(collective.id, DEMURRAGE, week.key):
        return 0
    accounts = _member_accounts(uow, collective)
    books = Books(uow, collective, now=now)
    books.lock_members(_owners(accounts), system=[AccountKind.COMMONS_FUND])
    if runs.has_run(collective.id, DEMURRAGE, week.key):
        return 0
    head = uow.journal.lock_head(collective.id)  # the charges follow this entry, unbroken
    fund = books.system_account(AccountKind.COMMONS_FUND)
    charged = paying = 0
    for account in sorted(accounts, key=lambda a: a.id):
        assert account.owner_id is not None
        locked = books.account_of(account.owner_id)
        amount, carry = demurrage_due(
            locked.balance, locked.reserved, demurrage, locked.demurrage_carry
        )
        if carry != locked.demurrage_carry:
            books.set_demurrage_carry(locked, carry)
        if amount > 0:
            books.move(
                locked,
                fund,
                amount,
                kind=TransferKind.DEMURRAGE,
                memo=f"demurrage {demurrage.rate} above {demurrage.threshold}, week {week.key}",
            )
            charged += amount
            paying += 1
    books.close()
    runs.add_run(
        collective.id,
        what=DEMURRAGE,
        period_key=week.key,
        total=charged,
        accounts=paying,
        at=now,
        after_seq=head.seq,
        rate=demurrage.rate,
        threshold=demurrage.threshold,
    )
    return charged


def settle_dormant_debts(uow: UnitOfWork, collective: Collective, *, now: datetime) -> DormantRun:
    """Give notice of dormant debts, let notices lapse, and write off what is due."""
    rule = collective.charter.dormant_debt
    if not rule.active:
        return DormantRun()
    runs = uow.money_rules
    day = f"{now:%Y-%m-%d}"
    if runs.has_run(collective.id, DORMANT_DEBTS, day):
        return DormantRun()
    accounts = {a.owner_id: a for a in _member_accounts(uow, collective) if a.owner_id}
    records = runs.dormant(collective.id)
    last = runs.last_trades(collective.id)
    standing = uow.memberships.get_many(collective.id, list(accounts))

    def step(owner: str, account: Account, membership: Membership | None) -> DormantStep | None:
        since = last.get(account.id)
        joined = membership.joined_at if membership is not None else None
        moments = [m for m in (since, joined) if m is not None]
        return dormant_step(
            records.get(owner),
            debt=max(0, -account.balance),
            last_trade=max(moments) if moments else now,
            now=now,
            rule=rule,
        )

    due = sorted(
        owner
        for owner, account in accounts.items()
        if step(owner, account, standing.get(owner)) is not None
    )
    books = Books(uow, collective, now=now)
    books.lock_members(due, system=[AccountKind.COMMONS_FUND])  # the fund: one run at a time
    if runs.has_run(collective.id, DORMANT_DEBTS, day):
        return DormantRun()
    money = collective.currency.format
    events: list[MarketEvent] = []
    noticed = written = amount_total = 0
    for owner in due:
        account = books.account_of(owner)
        what = step(owner, account, books.membership(owner))  # again, under the lock
        record = records.get(owner)
        debt = max(0, -account.balance)
        if what is DormantStep.NOTICE:
            fresh = notice(owner, now=now, rule=rule)
            if record is not None:  # a second dormancy after a write-off: keep the total
                fresh = replace(fresh, written_off=record.written_off)
            runs.save_dormant(collective.id, fresh)
            noticed += 1
            events.append(
                MarketEvent(
                    EventKind.DEBT_DORMANT,
                    (owner,),
                    "member",
                    owner,
                    f"You owe {money(debt)} and have not traded for {rule.weeks} weeks. Unless "
                    f"you trade by {fresh.due_at:%Y-%m-%d}, the collective will write the debt "
                    "off against its commons fund and close your credit line.",
                )
            )
        elif what is DormantStep.LAPSE and record is not None:
            _keep(uow, collective, owner, lapsed(record))
        elif what is DormantStep.WRITE_OFF and record is not None:
            fund = books.system_account(AccountKind.COMMONS_FUND)
            amount = write_off_amount(debt, fund.headroom)
            if amount > 0:
                books.move(
                    fund,
                    account,
                    amount,
                    kind=TransferKind.WRITE_OFF,
                    memo=f"dormant debt written off (noticed {record.noticed_at:%Y-%m-%d})",
                )
                written += 1
                amount_total += amount
            # the credit line closes: nothing more can be borrowed, and the limit never drops
            # below what is still owed (0 once the whole debt is written off)
            after = books.account_of(owner)
            uow.accounts.set_credit_limit(account.id, owed(after.balance, after.reserved))
            runs.save_dormant(collective.id, written_off(record, amount, debt=debt, now=now))
            if amount > 0:
                rest = debt - amount
                tail = f"; {money(rest)} more as the fund allows" if rest else ""
                events.append(
                    MarketEvent(
                        EventKind.DEBT_WRITTEN_OFF,
                        (owner,),
                        "member",
                        owner,
                        f"The collective wrote off {money(amount)} of your debt against its "
                        f"commons fund{tail}. Your credit line is closed until the members "
                        "vote you a new limit.",
                    )
                )
    books.close()
    runs.add_run(
        collective.id,
        what=DORMANT_DEBTS,
        period_key=day,
        total=amount_total,
        accounts=noticed + written,
        at=now,
    )
    notify(uow, collective, events, now=now)
    return DormantRun(noticed, written, amount_total)


def _keep(uow: UnitOfWork, collective: Collective, member: str, record: DormantDebt | None) -> None:
    if record is None:
        uow.money_rules.forget_dormant(collective.id, member)
    else:
        uow.money_rules.save_dormant(collective.id, record)


def end_dormant_notices(uow: UnitOfWork, collective: Collective) -> int:
    """The rule was switched off: pending notices lapse (write-offs already made stand)."""
    noticed = [
        (member, record)
        for member, record in uow.money_rules.dormant(collective.id).items()
        if record.stage is DormantStage.NOTICED
    ]
    for member, record in noticed:
        _keep(uow, collective, member, lapsed(record))
    return len(noticed)
