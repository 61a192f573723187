"""What a member reads of their own money: the wallet (account, statement with a running
balance, money held, the balance over time), the statement to export, a payment previewed before
it is confirmed, and their accounts in every collective.

Part of ``LedgerService`` (``WalletReads`` is one of its bases), so the API, the pages and the
CLI read a wallet the same way. Every read is one read-only unit of work: one snapshot, so the
balance, the lines and the holds always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import AccountNotFound, SelfTransfer
from cybermutual.domain.ledger import (
    Account,
    AccountKind,
    Transfer,
    TransferKind,
    open_transfer,
)
from cybermutual.domain.membership import (
    Membership,
    MembershipStatus,
    require_active,
    require_payee,
)
from cybermutual.domain.money import Currency
from cybermutual.domain.statement import (
    BalancePoint,
    Posting,
    Purpose,
    balance_before,
    balance_series,
    purpose_of,
    running_balances,
)
from cybermutual.services.loading import check_limit, load_collective
from cybermutual.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

#: How the system accounts are named to a member.
SYSTEM_NAMES = {
    AccountKind.COMMONS_FUND.value: "Commons fund",
    AccountKind.ISSUANCE.value: "Basic income",
    AccountKind.CLEARING.value: "Clearing account",
}
SYSTEM_KINDS = frozenset(k.value for k in AccountKind if k is not AccountKind.MEMBER)
SERIES_POSTINGS = 500  # the newest postings a balance chart draws
EXPORT_PAGE = 10_000  # postings read at a time for an export


@dataclass(frozen=True, slots=True)
class Counterparty:
    """The other side of a transfer: a member (``member_id`` set) or a system account."""

    name: str
    member_id: str | None = None


@dataclass(frozen=True, slots=True)
class Deal:
    """The order or task a transfer is the escrow of."""

    order_id: str
    listing_id: str
    title: str


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One posting of the statement, with who was on the other side and what it was for."""

    posting: Posting
    purpose: Purpose
    counterparty: Counterparty
    deal: Deal | None = None


@dataclass(frozen=True, slots=True)
class Hold:
    """Money held and not yet moved: the member's own (``outgoing``) or held for them."""

    transfer: Transfer
    outgoing: bool
    counterparty: Counterparty
    deal: Deal | None = None


@dataclass(frozen=True, slots=True)
class Statement:
    lines: list[StatementLine]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Wallet:
    """Everything the wallet shows, read in one snapshot."""

    account: Account
    currency: Currency
    membership: Membership
    statement: Statement
    holds: list[Hold]
    series: list[BalancePoint]


@dataclass(frozen=True, slots=True)
class PaymentPreview:
    """What a payment would do, checked as ``pay`` checks it, without paying."""

    payee: Counterparty
    amount: int
    memo: str
    currency: Currency
    balance_after: int
    available_after: int


@dataclass(frozen=True, slots=True)
class Holding:
    """One of a person's memberships, with their account there (none while pending)."""

    slug: str
    name: str
    currency: Currency
    membership: Membership
    account: Account | None


def _spender(membership: Membership | None) -> Membership:
    """Who has a wallet: active members, and leavers spending down what they hold."""
    if membership is None or membership.status is MembershipStatus.PENDING:
        return require_active(None)
    return membership


def _as_spent(account: Account, membership: Membership) -> Account:
    """A leaver only spends down what they hold; the limit comes back on rejoining."""
    return replace(account, credit_limit=0) if membership.has_departed else account


def _own_account(uow: UnitOfWork, collective: Collective, member_id: str) -> Account:
    account = uow.accounts.of_member(collective.id, member_id)
    if account is None:
        raise AccountNotFound("no account yet", member=member_id)
    return account


class WalletReads:
    """A member's wallet, statement, export, payment preview and holdings (see the module)."""

    _uow: UnitOfWorkFactory
    _clock: Clock

    def wallet(
        self, slug: str, *, member_id: str, limit: int = 25, cursor: str | None = None
    ) -> Wallet:
        """The caller's own wallet: one page of the statement (newest first), what is held,
        and the balance over the newest ``SERIES_POSTINGS`` postings."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            membership = _spender(uow.memberships.get(collective.id, member_id))
            account = _own_account(uow, collective, member_id)
            statement = _statement(uow, account, limit=check_limit(limit), cursor=cursor)
            recent = (
                [line.posting for line in statement.lines]
                if cursor is None and statement.next_cursor is None
                else _postings(uow, account, limit=SERIES_POSTINGS, cursor=None)[0]
            )
            complete = len(recent) < SERIES_POSTINGS
            series = balance_series(
                recent,
                now=self._clock.now(),
                balance_now=account.balance,
                complete=complete,
            )
            return Wallet(
                _as_spent(account, membership),
                collective.currency,
                membership,
                statement,
                _holds(uow, account),
                series,
            )

    def statement(
        self, slug: str, *, member_id: str, limit: int = 50, cursor: str | None = None
    ) -> Statement:
        """One page of the caller's statement, newest posting first, each line with the
        balance it left (leavers keep read access)."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            _spender(uow.memberships.get(collective.id, member_id))
            account = _own_account(uow, collective, member_id)
            return _statement(uow, account, limit=check_limit(limit), cursor=cursor)

    def statement_export(
        self, slug: str, *, member_id: str
    ) -> tuple[Currency, list[StatementLine]]:
        """The caller's whole statement, newest first, for a file."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            _spender(uow.memberships.get(collective.id, member_id))
            account = _own_account(uow, collective, member_id)
            lines: list[StatementLine] = []
            cursor: str | None = None
            after = account.balance
            while True:  # one snapshot: each page starts where the one before ended
                page = _statement(uow, account, limit=EXPORT_PAGE, cursor=cursor, after=after)
                lines.extend(page.lines)
                if page.next_cursor is None:
                    return collective.currency, lines
                cursor = page.next_cursor
                after = balance_before([x.posting for x in page.lines], balance_after_newest=after)

    def preview_payment(
        self, slug: str, *, payer: str, payee: str, amount: int, memo: str = ""
    ) -> PaymentPreview:
        """What paying ``amount`` to ``payee`` would leave, refused exactly as ``pay`` would
        refuse it now (the payment itself checks again: the balance may change meanwhile)."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            membership = _spender(uow.memberships.get(collective.id, payer))
            if payee == payer:
                raise SelfTransfer("you cannot pay yourself")
            standing = uow.memberships.get(collective.id, payee)
            name = uow.people.names([payee]).get(payee)
            require_payee(standing, member_id=payee, display_name=name)
            movement = open_transfer(
                transfer_id="preview",
                debit=_as_spent(_own_account(uow, collective, payer), membership),
                credit=_own_account(uow, collective, payee),
                amount=amount,
                kind=TransferKind.PAYMENT,
                memo=memo,
                now=self._clock.now(),
            )
            return PaymentPreview(
                Counterparty(name or "", payee),
                amount,
                memo,
                collective.currency,
                movement.debit.balance,
                movement.debit.available,
            )

    def holdings(self, member_id: str) -> list[Holding]:
        """The person's memberships in every collective, with their account in each."""
        with self._uow(readonly=True) as uow:
            found = []
            for slug, name, membership in uow.memberships.of_person(member_id):
                collective = load_collective(uow, slug)
                account = (
                    None
                    if membership.status is MembershipStatus.PENDING
                    else uow.accounts.of_member(collective.id, member_id)
                )
                if account is not None:
                    account = _as_spent(account, membership)
                found.append(Holding(slug, name, collective.currency, membership, account))
            return found


def _postings(
    uow: UnitOfWork, account: Account, *, limit: int, cursor: str | None, after: int | None = None
) -> tuple[list[Posting], str | None]:
    """One page of postings with the balance each left, read backwards from the balance after
    the page's newest line: ``after`` when the caller knows it, else today's balance less
    whatever was posted since."""
    page = uow.transfers.postings_of(account.id, limit=limit, cursor=cursor)
    if after is None:
        newer = 0 if cursor is None else uow.transfers.change_before(account.id, cursor)
        after = account.balance - newer
    postings = running_balances(page.items, account.id, balance_after_newest=after)
    return postings, page.next_cursor


def _statement(
    uow: UnitOfWork, account: Account, *, limit: int, cursor: str | None, after: int | None = None
) -> Statement:
    postings, next_cursor = _postings(uow, account, limit=limit, cursor=cursor, after=after)
    transfers = [p.transfer for p in postings]
    others = _counterparties(uow, account, transfers)
    deals = _deals(uow, transfers)
    lines = [
        StatementLine(p, purpose_of(p.transfer), others[p.transfer.id], deals.get(p.transfer.id))
        for p in postings
    ]
    return Statement(lines, next_cursor)


def _holds(uow: UnitOfWork, account: Account) -> list[Hold]:
    pending = uow.transfers.pending_of_account(account.id)
    others = _counterparties(uow, account, pending)
    deals = _deals(uow, pending)
    return [
        Hold(t, t.debit_account_id == account.id, others[t.id], deals.get(t.id)) for t in pending
    ]


def _counterparties(
    uow: UnitOfWork, account: Account, transfers: Sequence[Transfer]
) -> dict[str, Counterparty]:
    """The other side of each transfer, by transfer id (two queries for a whole page)."""
    other = {
        t.id: t.credit_account_id if t.debit_account_id == account.id else t.debit_account_id
        for t in transfers
    }
    if not other:
        return {}
    parties = uow.accounts.parties(list(set(other.values())))  # owner, or a system kind
    names = uow.people.names({p for p in parties.values() if p not in SYSTEM_KINDS})
    enterprises = uow.enterprises.names(p for p in parties.values() if p not in names)
    found = {}
    for transfer_id, account_id in other.items():
        party = parties.get(account_id, "")
        if party in names:
            found[transfer_id] = Counterparty(names[party], party)
        elif party in enterprises:  # a co-operative or a firm: wages, shares, its sales
            found[transfer_id] = Counterparty(enterprises[party])
        else:  # the commons fund, basic income's issuance, a clearing account
            found[transfer_id] = Counterparty(SYSTEM_NAMES.get(party, "System account"))
    return found


def _deals(uow: UnitOfWork, transfers: Sequence[Transfer]) -> dict[str, Deal]:
    """The deal behind each escrow among ``transfers``, by transfer id (one query)."""
    escrows = [t.id for t in transfers if t.kind is TransferKind.ESCROW]
    return {
        transfer_id: Deal(order_id, listing_id, title)
        for transfer_id, (order_id, listing_id, title) in uow.transfers.escrowed_deals(
            escrows
        ).items()
    }
