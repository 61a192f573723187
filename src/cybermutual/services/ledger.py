"""Paying, reserving, settling, listing one's own entries and verifying a collective's ledger."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from cybermutual.domain import journal
from cybermutual.domain.audit import check_obligations
from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import (
    AccountNotFound,
    DomainError,
    IdempotencyKeyReused,
    InvalidValue,
    NotAllowed,
    TransferNotFound,
    TransferSettledByOwner,
)
from cybermutual.domain.idempotency import IdempotencyRecord, replayed
from cybermutual.domain.ledger import (
    Account,
    AccountKind,
    Transfer,
    TransferKind,
    TransferStatus,
    set_credit_limit,
)
from cybermutual.domain.market.events import MarketEvent
from cybermutual.domain.membership import (
    Membership,
    MembershipStatus,
    require_active,
    require_payee,
)
from cybermutual.domain.money import Currency
from cybermutual.services.bookkeeping import Books
from cybermutual.services.group_commit import GroupCommit, Ticket
from cybermutual.services.idempotency import IdempotentRequest
from cybermutual.services.ids import new_id
from cybermutual.services.inbox import notify, payment_received
from cybermutual.services.loading import check_limit, load_collective
from cybermutual.services.ports import Clock, Page, UnitOfWork, UnitOfWorkFactory
from cybermutual.services.verified_heads import VerifiedHeads
from cybermutual.services.wallet import WalletReads

MAX_BATCH = 10_000
#: an entry still unsealed this long (in journal time) after a later one was sealed was left
#: behind by the sealer, which ``verify`` reports; younger ones may just be committing
SEAL_GRACE_US = 60_000_000


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    """One payment of a batch."""

    payer: str
    payee: str
    amount: int
    memo: str = ""


@dataclass(frozen=True, slots=True)
class _Payment:
    payer: str
    payee: str
    amount: int
    memo: str
    key: str
    pending: bool
    request: str  # the fingerprint of what was asked


@dataclass(frozen=True, slots=True)
class TransferView:
    """A transfer as a member sees it: parties by member id (or system account name)."""

    transfer: Transfer
    payer: str
    payee: str
    levy: int = 0


@dataclass(frozen=True, slots=True)
class AccountView:
    account: Account
    currency: Currency
    membership: MembershipStatus


def _received(collective: Collective, view: TransferView, *, released: bool = False) -> MarketEvent:
    t = view.transfer
    return payment_received(
        collective,
        transfer_id=t.id,
        payer=view.payer,
        payee=view.payee,
        amount=t.amount,
        memo=t.memo,
        pending=t.status is TransferStatus.PENDING,
        released=released,
    )


def _active(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active


def _in_batch(refusal: DomainError, index: int) -> DomainError:
    """The same refusal, saying which payment of the batch (0-based ``index``) caused it."""
    refusal.detail = f"payment {index} of the batch: {refusal.detail}; nothing was paid"
    refusal.args = (refusal.detail,)
    refusal.context = {**refusal.context, "index": index}
    return refusal


def _spender(membership: Membership | None) -> Membership:
    """Who may pay: active members, and leavers spending what they still hold."""
    if membership is None or membership.status is MembershipStatus.PENDING:
        return require_active(None)
    return membership


class LedgerService(WalletReads):
    """Payments, holds, batches, one's own entries, verification; a member's wallet
    (``WalletReads``)."""

    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        self._payments: GroupCommit[_Payment, TransferView] = GroupCommit(self._pay_together)
        self._verified = VerifiedHeads(clock=clock)

    def account(self, slug: str, *, member_id: str) -> AccountView:
        """The caller's own account (leavers keep read access)."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            membership = _spender(uow.memberships.get(collective.id, member_id))
            account = uow.accounts.of_member(collective.id, member_id)
            if account is None:
                raise AccountNotFound("no account yet", member=member_id)
            if membership.has_departed:
                # a leaver only spends down what they hold; the limit comes back on rejoining
                account = replace(account, credit_limit=0)
            return AccountView(account, collective.currency, membership.status)

    def pay(
        self,
        slug: str,
        *,
        payer: str,
        payee: str,
        amount: int,
        memo: str = "",
        idempotency_key: str,
        pending: bool = False,
    ) -> TransferView:
        """Pay another member now, or reserve the amount (``pending``) until released.

        A retry with the same ``idempotency_key`` and body returns the original transfer,
        whatever happened since; the same key with another body is refused. Concurrent payments
        in a collective share one transaction (group commit), each answered on its own.
        """
        idem = IdempotentRequest.of(
            payer,
            idempotency_key,
            "pay",
            {"to": payee, "amount": amount, "memo": memo, "pending": pending},
        )
        order = _Payment(payer, payee, amount, memo, idempotency_key, pending, idem.request)
        return self._payments.submit(slug, order)

    def _pay_together(self, tickets: Sequence[Ticket[_Payment, TransferView]]) -> None:
        """Answer every ticket, committing the successful payments in one transaction."""
        slug = str(tickets[0].key)
        outcome: dict[int, TransferView | DomainError] = {}
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            people = {m for t in tickets for m in (t.request.payer, t.request.payee)}
            books = Books(uow, collective, now=self._clock.now())
            books.lock_members(sorted(people))
            # retries are answered from their records, before any other check, and under the
            # locks, so a concurrent duplicate that committed while we waited is seen too
            fresh = self._answer_replays(uow, collective.id, tickets, range(len(tickets)), outcome)
            if fresh:
                done: dict[tuple[str, str], tuple[str, TransferView]] = {}
                for n in fresh:
                    outcome[n] = self._pay_one(books, tickets[n].request, done)
                books.close()
                uow.idempotency.add_many(
                    [
                        IdempotencyRecord(collective.id, payer, key, request, view.transfer.id)
                        for (payer, key), (request, view) in done.items()
                    ],
                    now=books.now,
                )
                notify(
                    uow,
                    collective,
                    [_received(collective, v) for _, v in done.values()],
                    now=books.now,
                )
                uow.commit()
        for n, ticket in enumerate(tickets):
            answer = outcome[n]
            if isinstance(answer, DomainError):
                ticket.refuse(answer)
            else:
                ticket.resolve(answer)

    def _answer_replays(
        self,
        uow: UnitOfWork,
        collective_id: str,
        tickets: Sequence[Ticket[_Payment, TransferView]],
        which: Iterable[int],
        outcome: dict[int, TransferView | DomainError],
    ) -> list[int]:
        """Answer the retries among ``which`` from their records; the rest are new."""
        which = list(which)
        records = uow.idempotency.get_many(
            collective_id, [(tickets[n].request.payer, tickets[n].request.key) for n in which]
        )
        fresh = []
        for n in which:
            p = tickets[n].request
            try:
                replay = replayed(records.get((p.payer, p.key)), p.request)
                if replay is None:
                    fresh.append(n)
                else:
                    outcome[n] = self._views(uow, [self._transfer(uow, replay)])[0]
            except DomainError as refusal:
                outcome[n] = refusal
        return fresh

    @staticmethod
    def _pay_one(
        books: Books,
        p: _Payment,
        done: dict[tuple[str, str], tuple[str, TransferView]],
    ) -> TransferView | DomainError:
        """One payment of a group, under the group's locks; a refusal changes nothing."""
        try:
            if earlier := done.get((p.payer, p.key)):  # the same key twice in one group
                if earlier[0] != p.request:
                    raise IdempotencyKeyReused(
                        "this Idempotency-Key was just used for another request"
                    )
                return earlier[1]
            payer_membership = _spender(books.membership(p.payer))
            if p.pending and payer_membership.has_departed:
                raise NotAllowed(
                    "a member who left may spend what they hold, but not hold money for later"
                )
            if p.payee != p.payer:
                books.require_payee(p.payee)
            books.spending_limit(p.payer, payer_membership)
            transfer = books.move(
                books.account_of(p.payer),
                books.account_of(p.payee),
                p.amount,
                kind=TransferKind.PAYMENT,
                memo=p.memo,
                pending=p.pending,
                initiated_by=p.payer,
            )
        except DomainError as refusal:
            return refusal
        view = TransferView(transfer, p.payer, p.payee, books.levies.get(transfer.id, 0))
        done[(p.payer, p.key)] = (p.request, view)
        return view

    def pay_batch(
        self,
        slug: str,
        *,
        payer: str,
        payments: Sequence[PaymentOrder],
        idempotency_key: str,
    ) -> list[TransferView]:
        """Several payments from one member, posted all together or not at all."""
        idem = IdempotentRequest.of(
            payer,
            idempotency_key,
            "pay_batch",
            {"payments": [[p.payee, p.amount, p.memo] for p in payments]},
        )
        if any(p.payer != payer for p in payments):
            raise NotAllowed("a batch pays only from your own account")
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            if replay := idem.earlier(uow, collective.id):
                return self._views(uow, uow.transfers.of_batch(replay))
            books = self._lock_batch(uow, collective, payments)
            if replay := idem.earlier(uow, collective.id):
                return self._views(uow, uow.transfers.of_batch(replay))
            batch_id, transfers = self._move_batch(books, payments, initiated_by=payer)
            idem.record(uow, collective.id, batch_id, now=books.now)
            notify(
                uow,
                collective,
                [
                    _received(collective, TransferView(t, p.payer, p.payee))
                    for t, p in zip(transfers, payments, strict=True)
                ],
                now=books.now,
            )
            uow.commit()
        return [
            TransferView(t, p.payer, p.payee, books.levies.get(t.id, 0))
            for t, p in zip(transfers, payments, strict=True)
        ]

    def post_many(self, slug: str, payments: Sequence[PaymentOrder]) -> list[Transfer]:
        """Post many payments between any members atomically (imports, seeding, operators)."""
        with self._uow() as uow:
            books = self._lock_batch(uow, load_collective(uow, slug), payments)
            _, transfers = self._move_batch(books, payments, initiated_by=None)
            uow.commit()
        return transfers

    def _lock_batch(
        self, uow: UnitOfWork, collective: Collective, payments: Sequence[PaymentOrder]
    ) -> Books:
        if not 1 <= len(payments) <= MAX_BATCH:
            raise InvalidValue(f"a batch holds 1..{MAX_BATCH} payments", field="payments")
        payers = {p.payer for p in payments}
        payees = {p.payee for p in payments}
        status = uow.memberships.get_many(collective.id, payers | payees)
        strangers = [p.payee for p in payments if not _active(status.get(p.payee))]
        if strangers:
            names = uow.people.names(strangers)
            for index, p in enumerate(payments):
                require_payee(
                    status.get(p.payee),
                    member_id=p.payee,
                    display_name=names.get(p.payee),
                    index=index,
                )
        books = Books(uow, collective, now=self._clock.now())
        books.lock_members(sorted(payers | payees))
        # standing read again under the lock that leaving takes too: nobody leaves mid-batch
        for index, p in enumerate(payments):
            books.require_payee(p.payee, index=index)
        for member_id in sorted(payers):
            books.spending_limit(member_id, _spender(books.membership(member_id)))
        return books

    @staticmethod
    def _move_batch(
        books: Books, payments: Sequence[PaymentOrder], *, initiated_by: str | None
    ) -> tuple[str, list[Transfer]]:
        batch_id = new_id()
        transfers = []
        for index, p in enumerate(payments):
            try:
                transfers.append(
                    books.move(
                        books.account_of(p.payer),
                        books.account_of(p.payee),
                        p.amount,
                        kind=TransferKind.PAYMENT,
                        memo=p.memo,
                        initiated_by=initiated_by or p.payer,
                        batch=(batch_id, index),
                    )
                )
            except DomainError as refusal:
                raise _in_batch(refusal, index) from None
        books.close()
        return batch_id, transfers

    def settle(
        self, slug: str, *, actor: str, transfer_id: str, post: bool, idempotency_key: str
    ) -> TransferView:
        """Release (payer only) or cancel (payer or payee) a pending payment; retries replay."""
        idem = IdempotentRequest.of(
            actor, idempotency_key, "post" if post else "void", {"transfer": transfer_id}
        )
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            if replay := idem.earlier(uow, collective.id):
                return self._views(uow, [self._transfer(uow, replay)])[0]
            transfer = self._transfer(uow, transfer_id)
            if transfer.collective_id != collective.id:
                raise TransferNotFound("no such payment in this collective")
            owners = uow.accounts.owners([transfer.debit_account_id, transfer.credit_account_id])
            payer = owners.get(transfer.debit_account_id)
            payee = owners.get(transfer.credit_account_id)
            if actor not in (payer, payee):
                raise TransferNotFound("no such payment in your account")
            self._refuse_obligations(uow, transfer)
            if post and actor != payer:
                raise NotAllowed("only the payer can release a pending payment")
            books = Books(uow, collective, now=self._clock.now())
            books.lock_members([m for m in (payer, payee) if m is not None])
            if replay := idem.earlier(uow, collective.id):
                return self._views(uow, [self._transfer(uow, replay)])[0]
            current = self._transfer(uow, transfer_id)  # re-read under the lock
            settled = books.settle(current, post=post)
            books.close()
            if post and payee is not None:
                notify(
                    uow,
                    collective,
                    [_received(collective, TransferView(settled, actor, payee), released=True)],
                    now=books.now,
                )
            idem.record(uow, collective.id, settled.id, now=books.now)
            view = self._views(uow, [settled])[0]
            uow.commit()
        return view

    @staticmethod
    def _refuse_obligations(uow: UnitOfWork, transfer: Transfer) -> None:
        """Only a member's own pending payment is settled here; escrow only by its deal.

        The order is looked up as well as the kind, so an escrow written before escrow had a
        kind of its own is refused too.
        """
        deal = uow.market.orders.by_escrow(transfer.id)
        if deal is not None or transfer.kind is TransferKind.ESCROW:
            what = f"{deal.kind.value} {deal.id}" if deal is not None else "an obligation"
            raise TransferSettledByOwner(
                f"this transfer is the escrow of {what}: it is settled by that deal's own "
                "steps (confirm, cancel, decline, dispute), not through the ledger",
                transfer=transfer.id,
                **({"order": deal.id, "deal_kind": deal.kind.value} if deal is not None else {}),
            )
        if transfer.kind is not TransferKind.PAYMENT:
            raise TransferNotFound("no such payment in this collective")

    def transfers(
        self, slug: str, *, member_id: str, limit: int = 50, cursor: str | None = None
    ) -> Page[TransferView]:
        """The caller's own entries, newest first."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            _spender(uow.memberships.get(collective.id, member_id))
            account = uow.accounts.of_member(collective.id, member_id)
            if account is None:
                return Page([], None)
            page = uow.transfers.of_account(account.id, limit=check_limit(limit), cursor=cursor)
            return Page(self._views(uow, page.items), page.next_cursor)

    def transfer(self, slug: str, *, member_id: str, transfer_id: str) -> TransferView:
        """One transfer, for its payer or payee (leavers too); to anyone else it does not exist."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            _spender(uow.memberships.get(collective.id, member_id))
            transfer = uow.transfers.get(transfer_id)
            if transfer is None or transfer.collective_id != collective.id:
                raise TransferNotFound("no such transfer in this collective", transfer=transfer_id)
            owners = uow.accounts.owners([transfer.debit_account_id, transfer.credit_account_id])
            if member_id not in owners.values():
                raise TransferNotFound("no such transfer in your account", transfer=transfer_id)
            return self._views(uow, [transfer])[0]

    def verify(self, slug: str) -> journal.Verification:
        """Recompute every balance, reservation and levy from the journal, check the chain and
        the zero sum, then check what the ledger backs: every open order's escrow held between
        its parties, every reservation owned by a live obligation, no leaver in debt or holding.

        The answer for a journal head is kept for a while (``VerifiedHeads``): asking again
        before the next entry costs one read.
        """
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            before = uow.journal.head(collective.id)
            tail = uow.journal.has_unsealed(collective.id)
            known = None if tail else self._verified.get(before)
            if known is not None:
                return known
            sealed_at = uow.journal.sealed_at_us(collective.id)
            accounts = uow.accounts.all_of(collective.id)
            rule = None
            changes = tuple(uow.governance.levy_changes(collective.id))
            if collective.charter.levy_rate or changes:
                rule = journal.LevyRule(
                    collective.charter.levy_rate,
                    uow.accounts.system(collective.id, AccountKind.COMMONS_FUND).id,
                    uow.journal.levy_carry_from(collective.id),
                    changes,
                )
            fund = uow.accounts.system(collective.id, AccountKind.COMMONS_FUND)
            books = journal.verify(
                uow.journal.entries(collective.id),
                accounts,
                statuses=uow.transfers.statuses_of(collective.id),
                head=before,
                levy=rule,
                demurrage=journal.DemurrageRule(
                    tuple(uow.money_rules.demurrage_runs(collective.id)), fund.id
                ),
                tail=uow.journal.unsealed_entries(collective.id) if tail else (),
                last_events=uow.journal.last_events(collective.id),
                stale_before_us=None if sealed_at is None else sealed_at - SEAL_GRACE_US,
            )
            open_orders = uow.market.orders.open_of(collective.id)
            pending = uow.transfers.pending_of(collective.id)
            escrows = {t.id: t for t in pending}
            for order in open_orders:
                if order.escrow_id not in escrows and (t := uow.transfers.get(order.escrow_id)):
                    escrows[t.id] = t
            owners = [a.owner_id for a in accounts if a.kind is AccountKind.MEMBER and a.owner_id]
            backed = check_obligations(
                open_orders=open_orders,
                escrows=escrows,
                pending=pending,
                accounts=accounts,
                memberships=uow.memberships.get_many(collective.id, owners),
                set_aside=uow.market.orders.set_aside_of(collective.id),
                cross_holds=uow.federation.open_holds(collective.id),
            )
            problems = (*books.problems, *backed)
            result = replace(books, ok=not problems, problems=problems)
            # a read-only unit of work reads one snapshot, so this is the answer for ``before``
            if not tail:
                self._verified.put(before, result)
            return result

    def seal(self) -> int:
        """Seal every committed journal entry still unsealed, in every collective (after a
        crash between a commit and its sealing, or when sealing is left to the background).
        How many entries were sealed; collectives another sealer is working on are skipped."""
        with self._uow(readonly=True) as uow:
            waiting = uow.journal.unsealed_collectives()
        sealed = 0
        for collective_id in waiting:
            with self._uow() as uow:
                sealed += uow.journal.seal_pending(collective_id, wait=False) or 0
                uow.commit()
        return sealed

    def head(self, slug: str) -> journal.ChainHead:
        """The public head of the collective's journal."""
        with self._uow(readonly=True) as uow:
            return uow.journal.head(load_collective(uow, slug).id)

    def set_credit_limit(self, slug: str, *, member_id: str, credit_limit: int) -> Account:
        """Change one member's credit limit (operators; later, passed proposals)."""
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            account = uow.accounts.of_member(collective.id, member_id)
            if account is None:
                raise AccountNotFound("this member has no account", member=member_id)
            changed = set_credit_limit(account, credit_limit)
            uow.accounts.set_credit_limit(account.id, changed.credit_limit)
            uow.commit()
        return changed

    @staticmethod
    def _transfer(uow: UnitOfWork, transfer_id: str) -> Transfer:
        transfer = uow.transfers.get(transfer_id)
        if transfer is None:
            raise TransferNotFound("no such transfer", transfer=transfer_id)
        return transfer

    @staticmethod
    def _views(uow: UnitOfWork, transfers: Sequence[Transfer]) -> list[TransferView]:
        if not transfers:
            return []
        parties = uow.accounts.parties(
            [a for t in transfers for a in (t.debit_account_id, t.credit_account_id)]
        )
        levies = uow.transfers.levies_of(
            [t.id for t in transfers if t.status is TransferStatus.POSTED]
        )

        def party(account_id: str) -> str:
            return parties.get(account_id, account_id)

        return [
            TransferView(
                t, party(t.debit_account_id), party(t.credit_account_id), levies.get(t.id, 0)
            )
            for t in transfers
        ]
