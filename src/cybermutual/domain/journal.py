"""The append-only, hash-chained journal, and the proof that balances follow from it.

Every change to money (a transfer posted, a reservation made, posted or voided) appends one
entry. ``hash = sha256(prev_hash || canonical_json(body))`` chains each entry to the one before,
so rewriting history breaks every later hash; the head hash is public.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from cybermutual.domain.ledger import Account, Transfer, TransferStatus

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


def record(
    head: ChainHead, transfer: Transfer, *, at: datetime, settles_reservation: bool = False
) -> tuple[JournalEntry, ChainHead]:
    """The entry for a transfer in its new state, chained after ``head``.

    ``settles_reservation`` marks a posting of a transfer that was pending until now.
    """
    if transfer.status is TransferStatus.PENDING:
        event, was_reserved = EntryEvent.RESERVED, False
    elif transfer.status is TransferStatus.VOIDED:
        event, was_reserved = EntryEvent.VOIDED, True
    else:
        event, was_reserved = EntryEvent.POSTED, settles_reservation
    fields = (
        head.collective_id,
        head.seq + 1,
        transfer.id,
        event,
        transfer.debit_account_id,
        transfer.credit_account_id,
        transfer.amount,
        transfer.kind.value,
        to_microseconds(at),
        head.hash,
    )
    digest = entry_hash(head.hash, JournalEntry(*fields, "", was_reserved).body())
    entry = JournalEntry(*fields, digest, was_reserved)
    return entry, ChainHead(head.collective_id, entry.seq, digest)


@dataclass(frozen=True, slots=True)
class Verification:
    """What ``ledger verify`` reports: ``ok`` only if every check passed."""

    ok: bool
    entries: int
    head: str
    problems: tuple[str, ...] = field(default=())


def verify(
    entries: Iterable[JournalEntry],
    accounts: Iterable[Account],
    *,
    transfers: Iterable[Transfer] = (),
    head: ChainHead | None = None,
) -> Verification:
    """Recompute the chain, every balance and reservation, and the zero sum, from the journal."""
    problems: list[str] = []
    balance: dict[str, int] = defaultdict(int)
    reserved: dict[str, int] = defaultdict(int)
    last_event: dict[str, EntryEvent] = {}
    prev, count = GENESIS_HASH, 0
    for entry in entries:
        count += 1
        if entry.seq != count:
            problems.append(f"entry {entry.seq}: expected sequence number {count}")
        if entry.prev_hash != prev or entry_hash(prev, entry.body()) != entry.hash:
            problems.append(f"entry {entry.seq}: hash chain broken")
        prev = entry.hash
        if entry.event is EntryEvent.RESERVED:
            reserved[entry.debit_account_id] += entry.amount
        else:
            if entry.was_reserved:
                reserved[entry.debit_account_id] -= entry.amount
            if entry.event is EntryEvent.POSTED:
                balance[entry.debit_account_id] -= entry.amount
                balance[entry.credit_account_id] += entry.amount
        last_event[entry.transfer_id] = entry.event
    if head is not None and (head.seq, head.hash) != (count, prev):
        problems.append(f"published head {head.seq}/{head.hash[:12]} is not the journal's end")
    total = 0
    for account in accounts:
        total += account.balance
        if account.balance != balance.pop(account.id, 0):
            problems.append(f"account {account.id}: cached balance differs from the journal")
        if account.reserved != reserved.pop(account.id, 0):
            problems.append(f"account {account.id}: reserved amount differs from the journal")
    if total != 0:
        problems.append(f"balances sum to {total}, not zero")
    for account_id in sorted(k for k, v in {**balance, **reserved}.items() if v):
        problems.append(f"journal moves money of an unknown account {account_id}")
    expected = {
        EntryEvent.RESERVED: TransferStatus.PENDING,
        EntryEvent.POSTED: TransferStatus.POSTED,
        EntryEvent.VOIDED: TransferStatus.VOIDED,
    }
    for transfer in transfers:
        event = last_event.get(transfer.id)
        if event is None or expected[event] is not transfer.status:
            problems.append(f"transfer {transfer.id}: status {transfer.status.value} not journaled")
    return Verification(not problems, count, prev, tuple(problems))
