"""The append-only, hash-chained journal, and the proof that balances follow from it.

Every change to money (a transfer posted, a reservation made, posted or voided) appends one
entry. ``hash = sha256(prev_hash || canonical_json(body))`` chains each entry to the one before,
so rewriting history breaks every later hash; the head hash is public.

A transaction writes *drafts* (``draft``): the entry without its chain number or hashes, at a
*position* the database gives it. Chaining (``seal``) happens in position order, either inside
the writing transaction (SQLite, one writer at a time) or right after it commits, by whoever
holds the collective's short sealing lock (PostgreSQL: writers never wait on one head row).
``verify`` checks the sealed chain and counts the unsealed tail. Why sealing by position order
is safe even though positions have gaps and may commit out of order is written down in
``docs/journal.md``: in short, two transactions touching one account are ordered by that
account's row lock, the later one takes its position after the earlier one committed, so
every account sees its entries sealed in the order they happened.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from itertools import chain

from cybermutual.domain.ledger import (
    TRADE_KINDS,
    Account,
    AccountKind,
    Transfer,
    TransferKind,
    TransferStatus,
    levy_due,
    levy_for,
)
from cybermutual.domain.money_rules import DemurrageRun, demurrage_due

GENESIS_HASH = "0" * 64


class EntryEvent(StrEnum):
    RESERVED = "reserved"  # a pending transfer holds the amount
    POSTED = "posted"  # money moved
    VOIDED = "voided"  # a reservation released without moving money


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The latest entry of a collective's journal."""

    collective_id: str
    seq: int = 0
    hash: str = GENESIS_HASH


@dataclass(frozen=True, slots=True)
class JournalEntry:
    collective_id: str
    seq: int
    transfer_id: str
    event: EntryEvent
    debit_account_id: str
    credit_account_id: str
    amount: int
    kind: str
    at_us: int  # microseconds since the epoch, UTC: exact and database-neutral
    prev_hash: str
    hash: str
    was_reserved: bool = False  # a posting that settles an earlier reservation

    def body(self) -> dict[str, object]:
        """The hashed content of the entry (everything but the hashes)."""
        return {
            "collective": self.collective_id,
            "seq": self.seq,
            "transfer": self.transfer_id,
            "event": self.event.value,
            "debit": self.debit_account_id,
            "credit": self.credit_account_id,
            "amount": self.amount,
            "kind": self.kind,
            "at_us": self.at_us,
            "was_reserved": self.was_reserved,
        }


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(body: Mapping[str, object]) -> bytes:
    """One byte string per value: sorted keys, no spaces, UTF-8."""
    return _CANONICAL.encode(body).encode()


def entry_hash(prev_hash: str, body: Mapping[str, object]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical_json(body)).hexdigest()


def to_microseconds(moment: datetime) -> int:
    """Exact UTC microseconds of an aware datetime."""
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True, slots=True)
class Draft:
    """An entry as its transaction writes it: everything but its place in the chain.

    A payment's transaction writes drafts; the chain's sequence number and hashes are given
    when the draft is *sealed* (``seal``), in the order of the journal's positions.
    """

    collective_id: str
    transfer_id: str
    event: EntryEvent
    debit_account_id: str
    credit_account_id: str
    amount: int
    kind: str
    at_us: int
    was_reserved: bool = False


def draft(transfer: Transfer, *, at: datetime, settles_reservation: bool = False) -> Draft:
    """The entry for a transfer in its new state, not yet chained.

    ``settles_reservation`` marks a posting of a transfer that was pending until now.
    """
    if transfer.status is TransferStatus.PENDING:
        event, was_reserved = EntryEvent.RESERVED, False
    elif transfer.status is TransferStatus.VOIDED:
        event, was_reserved = EntryEvent.VOIDED, True
    else:
        event, was_reserved = EntryEvent.POSTED, settles_reservation
    return Draft(
        transfer.collective_id,
        transfer.id,
        event,
        transfer.debit_account_id,
        transfer.credit_account_id,
        transfer.amount,
        transfer.kind.value,
        to_microseconds(at),
        was_reserved,
    )


def seal(head: ChainHead, drafts: Iterable[Draft]) -> tuple[list[JournalEntry], ChainHead]:
    """Chain ``drafts`` after ``head``, in the order given; the entries and the new head."""
    entries = []
    for d in drafts:
        fields = (
            head.collective_id,
            head.seq + 1,
            d.transfer_id,
            d.event,
            d.debit_account_id,
            d.credit_account_id,
            d.amount,
            d.kind,
            d.at_us,
            head.hash,
        )
        digest = entry_hash(head.hash, JournalEntry(*fields, "", d.was_reserved).body())
        entries.append(JournalEntry(*fields, digest, d.was_reserved))
        head = ChainHead(head.collective_id, head.seq + 1, digest)
    return entries, head


def record(
    head: ChainHead, transfer: Transfer, *, at: datetime, settles_reservation: bool = False
) -> tuple[JournalEntry, ChainHead]:
    """The entry for a transfer in its new state, chained after ``head``."""
    entries, head = seal(head, [draft(transfer, at=at, settles_reservation=settles_reservation)])
    return entries[0], head


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing ``verify`` found wrong: a stable ``kind``, what it concerns, and a sentence."""

    kind: str
    message: str
    ids: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Verification:
    """What ``ledger verify`` reports: ``ok`` only if every check passed."""

    ok: bool
    entries: int  # every entry, sealed or not
    head: str  # the hash of the last sealed entry
    problems: tuple[Problem, ...] = field(default=())
    #: entries committed but not chained yet (the tail the sealer has still to seal)
    unsealed: int = 0


@dataclass(frozen=True, slots=True)
class LevyRule:
    """How the levy was charged, so ``verify`` can recompute every levy from the journal.

    Entries up to ``carry_from`` were levied payment by payment (``floor(amount * rate)``);
    later ones carry each payee's remainder (``levy_due``), which must end as the account's
    ``levy_carry``. A levy is journaled right after the payment it is charged on.
    """

    rate: Decimal
    commons_fund_id: str
    carry_from: int = 0
    #: rates voted since the collective began: (after entry, previous rate, new rate), in order;
    #: an entry is levied at the rate in force when it was journaled
    changes: tuple[tuple[int, Decimal, Decimal], ...] = ()

    def rate_at(self, seq: int) -> Decimal:
        if not self.changes:
            return self.rate
        rate = self.changes[0][1]
        for after, _, new in self.changes:
            if seq > after:
                rate = new
        return rate

    @property
    def ever_charged(self) -> bool:
        return bool(self.rate) or any(new or old for _, old, new in self.changes)


class _Levies:
    """Replays the levy over the journal, entry by entry."""

    def __init__(self, rule: LevyRule, problems: list[Problem]) -> None:
        self.rule = rule
        self.carry: dict[str, int] = defaultdict(int)
        self._problems = problems
        self._owed: tuple[JournalEntry, int] | None = None  # a payment and the levy it owes

    def see(self, entry: JournalEntry) -> None:
        owed, self._owed = self._owed, None
        is_levy = entry.kind == TransferKind.LEVY.value and entry.event is EntryEvent.POSTED
        if owed is not None:
            payment, amount = owed
            paid = (entry.debit_account_id, entry.credit_account_id, entry.amount)
            if is_levy and paid == (payment.credit_account_id, self.rule.commons_fund_id, amount):
                return
            self._problems.append(
                Problem(
                    "levy_wrong",
                    f"entry {payment.seq}: the payment owes a levy of {amount}, "
                    "not journaled right after it",
                    {"transfer": payment.transfer_id},
                )
            )
        if is_levy:
            self._problems.append(
                Problem(
                    "levy_wrong",
                    f"entry {entry.seq}: a levy of {entry.amount} that no payment owes",
                    {"transfer": entry.transfer_id},
                )
            )
            return
        if entry.event is not EntryEvent.POSTED or entry.kind not in _TRADE:
            return
        payee = entry.credit_account_id
        rate = self.rule.rate_at(entry.seq)
        if entry.seq <= self.rule.carry_from:  # levied one payment at a time, before 0004
            amount = levy_for(entry.amount, rate)
        else:
            amount, self.carry[payee] = levy_due(entry.amount, rate, self.carry[payee])
        if amount > 0:
            self._owed = (entry, amount)

    def finish(self) -> None:
        self.see(_END)


@dataclass(frozen=True, slots=True)
class DemurrageRule:
    """The weekly demurrage runs, so ``verify`` can recompute every charge from the journal."""

    runs: tuple[DemurrageRun, ...]
    commons_fund_id: str


class _Demurrage:
    """Replays each weekly run at its place in the journal, from the balances replayed so far.

    A run charged every member account, in the order of their ids, right after its
    ``after_seq``: the charges owed (``demurrage_due``) must follow there, each exactly once,
    and every account's remainder must end as its ``demurrage_carry``.
    """

    def __init__(
        self,
        rule: DemurrageRule,
        members: list[str],
        balance: Mapping[str, int],
        reserved: Mapping[str, int],
        problems: list[Problem],
    ) -> None:
        self.rule = rule
        self._runs = deque(sorted(rule.runs, key=lambda r: r.after_seq))
        self._members = sorted(members)
        self._balance, self._reserved = balance, reserved
        self._problems = problems
        self._owed: deque[tuple[str, int, DemurrageRun]] = deque()
        self.carry: dict[str, int] = defaultdict(int)

    def before(self, seq: int) -> None:
        """Start every run that was taken before entry ``seq``."""
        while self._runs and self._runs[0].after_seq < seq:
            run = self._runs.popleft()
            self._missing()
            for account in self._members:
                amount, self.carry[account] = demurrage_due(
                    self._balance.get(account, 0),
                    self._reserved.get(account, 0),
                    run.demurrage,
                    self.carry[account],
                )
                if amount > 0:
                    self._owed.append((account, amount, run))

    def see(self, entry: JournalEntry) -> None:
        charged = entry.kind == TransferKind.DEMURRAGE.value and entry.event is EntryEvent.POSTED
        if self._owed:
            account, amount, _ = self._owed[0]
            if charged and (entry.debit_account_id, entry.credit_account_id, entry.amount) == (
                account,
                self.rule.commons_fund_id,
                amount,
            ):
                self._owed.popleft()
                return
            self._missing(at=entry.seq)
        if charged:
            self._problems.append(
                Problem(
                    "demurrage_wrong",
                    f"entry {entry.seq}: a demurrage of {entry.amount} that no weekly run owes",
                    {"transfer": entry.transfer_id},
                )
            )

    def _missing(self, *, at: int | None = None) -> None:
        for account, amount, run in self._owed:
            where = f" (entry {at} is something else)" if at is not None else ""
            self._problems.append(
                Problem(
                    "demurrage_wrong",
                    f"week {run.period_key}: account {account} owes a demurrage of {amount}, "
                    f"not journaled after entry {run.after_seq}{where}",
                    {"account": account},
                )
            )
        self._owed.clear()

    def finish(self, count: int) -> None:
        self.before(count + 1)
        self._missing()


def _check_write_off(
    entry: JournalEntry, balance: Mapping[str, int], problems: list[Problem]
) -> None:
    """A write-off takes a debt, never more: the member must owe at least its amount."""
    if entry.kind != TransferKind.WRITE_OFF.value or entry.event is not EntryEvent.POSTED:
        return
    if balance.get(entry.credit_account_id, 0) + entry.amount > 0:
        problems.append(
            Problem(
                "write_off_wrong",
                f"entry {entry.seq}: a write-off of {entry.amount} is more than the debt of "
                f"account {entry.credit_account_id}",
                {"transfer": entry.transfer_id},
            )
        )


def _merged(
    last_events: Iterable[tuple[str, EntryEvent]], statuses: Iterable[tuple[str, TransferStatus]]
) -> Iterator[tuple[str, TransferStatus, EntryEvent | None]]:
    """Each transfer's status with its last journaled event: two streams in id order, merged."""
    events = iter(last_events)
    pending = next(events, None)
    for transfer_id, status in statuses:
        while pending is not None and pending[0] < transfer_id:
            pending = next(events, None)
        if pending is not None and pending[0] == transfer_id:
            yield transfer_id, status, pending[1]
        else:
            yield transfer_id, status, None


_TRADE = frozenset(k.value for k in TRADE_KINDS)
_END = JournalEntry("", 0, "", EntryEvent.VOIDED, "", "", 0, "", 0, "", "")


def verify(
    entries: Iterable[JournalEntry],
    accounts: Iterable[Account],
    *,
    transfers: Iterable[Transfer] = (),
    head: ChainHead | None = None,
    levy: LevyRule | None = None,
    demurrage: DemurrageRule | None = None,
    tail: Iterable[Draft] = (),
    stale_before_us: int | None = None,
    last_events: Iterable[tuple[str, EntryEvent]] | None = None,
    statuses: Iterable[tuple[str, TransferStatus]] = (),
) -> Verification:
    """Recompute the chain, every balance, reservation, levy and demurrage, and the zero sum.

    ``entries`` are the sealed entries in chain order; ``tail`` the entries committed since,
    not sealed yet, in the order the sealer will seal them. The tail's money counts like any
    entry's (the balances already hold it) and its length is reported as ``unsealed``; it is a
    problem only if part of it was written before ``stale_before_us`` (a sealer ran since and
    left it behind).

    ``last_events``: each transfer's last journaled event, in transfer id order; given it, the
    ``transfers`` (or just their ``statuses``, as (id, status) pairs) come in id order too and
    are merged with it, so memory does not grow with the journal (else the last events are
    collected while the entries are replayed).
    """
    problems: list[Problem] = []
    balance: dict[str, int] = defaultdict(int)
    reserved: dict[str, int] = defaultdict(int)
    last_event: dict[str, EntryEvent] = {}
    levies = _Levies(levy, problems) if levy is not None and levy.ever_charged else None
    accounts = list(accounts)
    members = [a.id for a in accounts if a.kind is AccountKind.MEMBER]
    fees = (
        _Demurrage(demurrage, members, balance, reserved, problems)
        if demurrage is not None
        else None
    )
    prev, count = GENESIS_HASH, 0
    sealed_end: list[tuple[int, str]] = []
    unsealed = stale = 0

    def provisional() -> Iterator[JournalEntry]:
        """The tail, chained as the sealer would chain it now (after the sealed entries)."""
        nonlocal unsealed, stale
        sealed_end.append((count, prev))
        drafts = list(tail)
        unsealed = len(drafts)
        if stale_before_us is not None:
            stale = sum(1 for d in drafts if d.at_us < stale_before_us)
        collective = drafts[0].collective_id if drafts else ""
        yield from seal(ChainHead(collective, count, prev), drafts)[0]

    for entry in chain(entries, provisional()):
        count += 1
        if fees is not None:
            fees.before(entry.seq)
            fees.see(entry)
        _check_write_off(entry, balance, problems)
        if entry.seq != count:
            problems.append(
                Problem("sequence_gap", f"entry {entry.seq}: expected sequence number {count}")
            )
        if entry.prev_hash != prev or entry_hash(prev, entry.body()) != entry.hash:
            problems.append(Problem("chain_broken", f"entry {entry.seq}: hash chain broken"))
        prev = entry.hash
        if entry.event is EntryEvent.RESERVED:
            reserved[entry.debit_account_id] += entry.amount
        else:
            if entry.was_reserved:
                reserved[entry.debit_account_id] -= entry.amount
            if entry.event is EntryEvent.POSTED:
                balance[entry.debit_account_id] -= entry.amount
                balance[entry.credit_account_id] += entry.amount
        if last_events is None:
            last_event[entry.transfer_id] = entry.event
        if levies is not None:
            levies.see(entry)
    if levies is not None:
        levies.finish()
    if fees is not None:
        fees.finish(count)
    end_seq, end_hash = sealed_end[0]
    if stale:
        problems.append(
            Problem(
                "unsealed_stale",
                f"{stale} of the {unsealed} unsealed entries were written before the sealer's "
                "last run and are still not sealed",
            )
        )
    if head is not None and (head.seq, head.hash) != (end_seq, end_hash):
        problems.append(
            Problem(
                "head_mismatch",
                f"published head {head.seq}/{head.hash[:12]} is not the journal's end",
            )
        )
    total = 0
    for account in accounts:
        total += account.balance
        ids = {"account": account.id}
        if account.balance != balance.pop(account.id, 0):
            problems.append(
                Problem(
                    "balance_mismatch",
                    f"account {account.id}: cached balance differs from the journal",
                    ids,
                )
            )
        if account.reserved != reserved.pop(account.id, 0):
            problems.append(
                Problem(
                    "reserved_mismatch",
                    f"account {account.id}: reserved amount differs from the journal",
                    ids,
                )
            )
        if levies is not None and account.levy_carry != levies.carry.pop(account.id, 0):
            problems.append(
                Problem(
                    "levy_carry_mismatch",
                    f"account {account.id}: levy remainder differs from the journal",
                    ids,
                )
            )
        if fees is not None and account.demurrage_carry != fees.carry.pop(account.id, 0):
            problems.append(
                Problem(
                    "demurrage_carry_mismatch",
                    f"account {account.id}: demurrage remainder differs from the journal",
                    ids,
                )
            )
    if total != 0:
        problems.append(Problem("sum_not_zero", f"balances sum to {total}, not zero"))
    for account_id in sorted(k for k, v in {**balance, **reserved}.items() if v):
        problems.append(
            Problem(
                "unknown_account",
                f"journal moves money of an unknown account {account_id}",
                {"account": account_id},
            )
        )
    expected = {
        EntryEvent.RESERVED: TransferStatus.PENDING,
        EntryEvent.POSTED: TransferStatus.POSTED,
        EntryEvent.VOIDED: TransferStatus.VOIDED,
    }
    pairs = chain(((t.id, t.status) for t in transfers), statuses)
    events = (
        _merged(last_events, pairs)
        if last_events is not None
        else ((i, s, last_event.get(i)) for i, s in pairs)
    )
    for transfer_id, status, event in events:
        if event is None or expected[event] is not status:
            problems.append(
                Problem(
                    "status_not_journaled",
                    f"transfer {transfer_id}: status {status.value} not journaled",
                    {"transfer": transfer_id},
                )
            )
    return Verification(not problems, count, end_hash, tuple(problems), unsealed)
