"""The hash-chained journal: entries, the head, and the sealing of new entries.

Entries are written as drafts at a position and sealed into the chain in position order, either
in the writing transaction (``inline``: SQLite's single writer) or right after it commits
(``deferred``: PostgreSQL, where many processes write at once and none should wait on the one
head row). Three locks, all per collective and held to the end of a transaction:

- the head row (``FOR UPDATE``): whoever chains entries (an inline writer, a sealer);
- the *sealing lock* (PostgreSQL advisory): one sealer at a time;
- the *barrier* (PostgreSQL advisory): deferred writers hold it shared while they write, and an
  operation that must know its exact place in the chain (a levy change, a demurrage run) holds
  it exclusively: no writer is half-way, so it seals everything and then writes inline.

docs/journal.md says why sealing by position order, with gaps and late commits, keeps every
account's entries in the order they happened.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    bindparam,
    case,
    exists,
    func,
    insert,
    select,
    text,
    update,
)

from cybermutual.domain.journal import ChainHead, Draft, EntryEvent, JournalEntry, seal
from cybermutual.store.raw import insert_rows
from cybermutual.store.tables import (
    journal_entries,
    journal_positions,
    ledger_heads,
)

log = logging.getLogger(__name__)

_STREAM = 2_000  # rows fetched at a time when a whole journal is read
_SEAL_BATCH = 5_000  # unsealed entries sealed per statement batch

_HEAD = select(ledger_heads).where(ledger_heads.c.collective_id == bindparam("collective_id"))
_LOCK_HEAD = _HEAD.with_for_update()
# the head, locked, and whether anything waits to be sealed: one round trip for both
_LOCK_HEAD_PENDING = (
    select(
        ledger_heads.c.seq,
        ledger_heads.c.hash,
        exists()
        .where(journal_entries.c.collective_id == ledger_heads.c.collective_id)
        .where(journal_entries.c.seq.is_(None))
        .label("pending"),
    )
    .where(ledger_heads.c.collective_id == bindparam("collective_id"))
    .with_for_update(of=ledger_heads)
)
_LOCK_HEAD_PENDING_DRAW = _LOCK_HEAD_PENDING.add_columns(
    select(func.coalesce(func.max(journal_entries.c.position), 0) + 1)
    .where(journal_entries.c.collective_id == ledger_heads.c.collective_id)
    .scalar_subquery()
    .label("next_position")
)
_MOVE_HEAD = (
    update(ledger_heads)
    .where(ledger_heads.c.collective_id == bindparam("head_of"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
_SEALED = (
    update(ledger_heads)
    .where(ledger_heads.c.collective_id == bindparam("head_of"))
    .values(
        seq=bindparam("new_seq"),
        hash=bindparam("new_hash"),
        sealed_at_us=case(
            (
                ledger_heads.c.sealed_at_us > bindparam("new_sealed_at"),
                ledger_heads.c.sealed_at_us,
            ),
            else_=bindparam("new_sealed_at"),
        ),
    )
)
_SEAL_ENTRY = (
    update(journal_entries)
    .where(
        journal_entries.c.collective_id == bindparam("of"),
        journal_entries.c.position == bindparam("at_position"),
        journal_entries.c.part == bindparam("at_part"),
    )
    .values(seq=bindparam("new_seq"), prev_hash=bindparam("new_prev"), hash=bindparam("new_hash"))
)
_UNSEALED = (
    select(journal_entries)
    .where(journal_entries.c.collective_id == bindparam("collective_id"))
    .where(journal_entries.c.seq.is_(None))
    .order_by(journal_entries.c.position, journal_entries.c.part)
)
_NEXT_POSITION_SQLITE = select(func.coalesce(func.max(journal_entries.c.position), 0) + 1).where(
    journal_entries.c.collective_id == bindparam("collective_id")
)
# advisory lock classes (first key; the second is the collective id's hash)
_SEALING, _BARRIER = 0x4A53, 0x4A42


class Sealing(StrEnum):
    INLINE = "inline"  # chained by the transaction that writes them, waiting for the head
    DEFERRED = "deferred"  # chained after their transaction commits, by a sealer
    #: chained by the writing transaction if no one else is sealing, else deferred
    OPPORTUNISTIC = "opportunistic"


def sealing_for(engine: Engine, configured: str = "auto") -> Sealing:
    """``auto``: opportunistic on PostgreSQL (many writers), inline on SQLite (one writer)."""
    if configured != "auto":
        return Sealing(configured)
    return Sealing.OPPORTUNISTIC if engine.dialect.name == "postgresql" else Sealing.INLINE


def _draft(r: Any) -> Draft:
    return Draft(
        collective_id=r.collective_id,
        transfer_id=r.transfer_id,
        event=EntryEvent(r.event),
        debit_account_id=r.debit_account_id,
        credit_account_id=r.credit_account_id,
        amount=r.amount,
        kind=r.kind,
        at_us=r.at_us,
        was_reserved=bool(r.was_reserved),
    )


class SqlJournal:
    def __init__(self, conn: Connection, *, sealing: Sealing = Sealing.INLINE) -> None:
        self._conn = conn
        self._sealing = sealing
        self._postgres = conn.dialect.name == "postgresql"
        self._inline: dict[str, ChainHead] = {}  # collectives this transaction chains itself
        self._drawn: dict[str, int] = {}  # positions drawn with a lock, not written yet
        #: collectives this transaction left unsealed entries in (sealed after the commit)
        self.unsealed: set[str] = set()

    def _head(self, collective_id: str, *, lock: bool) -> ChainHead:
        query = _LOCK_HEAD if lock else _HEAD
        row = self._conn.execute(query, {"collective_id": collective_id}).first()
        if row is None:
            return ChainHead(collective_id)
        return ChainHead(collective_id, row.seq, row.hash)

    def _advisory(self, function: str, kind: int, collective_id: str) -> bool:
        found = self._conn.execute(
            text(f"SELECT {function}(:kind, hashtext(:collective_id))"),
            {"kind": kind, "collective_id": collective_id},
        ).scalar()
        return found is not False

    def open(self, head: ChainHead) -> None:
        self._conn.execute(
            insert(ledger_heads).values(
                collective_id=head.collective_id, seq=head.seq, hash=head.hash
            )
        )

    def lock_head(self, collective_id: str) -> ChainHead:
        """Stop the collective's journal at an exact place, to the end of this transaction.

        Waits for every writer half-way (the barrier), seals what they wrote, and returns the
        head: nothing else is journaled until this transaction ends, and what it writes is
        chained right after that head.
        """
        if self._postgres:
            self._advisory("pg_advisory_xact_lock", _BARRIER, collective_id)
        head = self._seal_pending(collective_id, wait=True)
        assert head is not None
        self._inline[collective_id] = head
        return head

    def head(self, collective_id: str) -> ChainHead:
        """The last sealed entry (the public head)."""
        return self._head(collective_id, lock=False)

    def levy_carry_from(self, collective_id: str) -> int:
        """The sequence number after which levies carry each payee's remainder."""
        found = self._conn.execute(
            select(ledger_heads.c.levy_carry_from).where(
                ledger_heads.c.collective_id == collective_id
            )
        ).scalar()
        return int(found or 0)

    def enter(self, collective_id: str) -> None:
        """Take this transaction's right to write entries (before checking what they depend
        on, such as the levy rate).

        Inline: the sealing lock and the head, waiting for them. Opportunistic: the sealing
        lock if it is free (then this transaction seals what is pending and its own entries,
        so a lone writer or a big batch pays for no second transaction), else as deferred.
        Deferred: the barrier, shared; the entries are left for a sealer. Only an inline writer
        ever waits here for another writer's commit.
        """
        if collective_id in self._inline:
            return
        if self._sealing is Sealing.INLINE:
            # pending entries of deferred writers first, so nobody is chained out of turn
            head = self._seal_pending(collective_id, wait=True, draw=True)
        else:
            free = self._sealing is Sealing.OPPORTUNISTIC
            head = self._seal_pending(collective_id, wait=False, draw=True) if free else None
            if head is None:
                if self._postgres:  # (SQLite has one writer at a time anyway)
                    self._advisory("pg_advisory_xact_lock_shared", _BARRIER, collective_id)
                return
        assert head is not None
        self._inline[collective_id] = head

    def write(self, collective_id: str, drafts: Sequence[Draft]) -> None:
        """Write a transaction's entries at its position (after ``enter``)."""
        if not drafts:
            return
        self.enter(collective_id)
        position = self._drawn.pop(collective_id, None) or self._next_position(collective_id)
        head = self._inline.get(collective_id)
        if head is None:
            self._insert(
                [(*_row(d, position, part), None, None, None) for part, d in enumerate(drafts)]
            )
            self.unsealed.add(collective_id)
            return
        entries, new_head = seal(head, drafts)
        self._insert(
            [
                (*_row(d, position, part), e.seq, e.prev_hash, e.hash)
                for part, (d, e) in enumerate(zip(drafts, entries, strict=True))
            ]
        )
        self._conn.execute(
            _MOVE_HEAD,
            {"head_of": collective_id, "new_seq": new_head.seq, "new_hash": new_head.hash},
        )
        self._inline[collective_id] = new_head

    def _insert(self, rows: list[tuple[object, ...]]) -> None:
        insert_rows(self._conn, journal_entries, _COLUMNS, rows)  # the hot path: see store.raw

    def _next_position(self, collective_id: str) -> int:
        if self._postgres:
            return int(self._conn.execute(select(journal_positions.next_value())).scalar_one())
        return int(
            self._conn.execute(_NEXT_POSITION_SQLITE, {"collective_id": collective_id}).scalar_one()
        )

    def seal_pending(self, collective_id: str, *, wait: bool = True) -> int | None:
        """Seal every committed entry not sealed yet, in position order; how many were sealed
        (None: another sealer holds the lock and ``wait`` is false)."""
        before = self._head(collective_id, lock=False).seq
        head = self._seal_pending(collective_id, wait=wait)
        return None if head is None else head.seq - before

    def _seal_pending(
        self, collective_id: str, *, wait: bool, draw: bool = False
    ) -> ChainHead | None:
        """Take the sealing lock (or give up, unless ``wait``), seal what is pending; the head.

        ``draw``: draw the writer's position in the same round trip as the lock (the payment
        path counts round trips: each one is a wait on the database).
        """
        if self._postgres:
            function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
            position = ", nextval('journal_positions')" if draw else ""
            found = self._conn.execute(
                text(f"SELECT {function}(:kind, hashtext(:collective_id)){position}"),
                {"kind": _SEALING, "collective_id": collective_id},
            ).one()
            if draw:
                self._drawn[collective_id] = int(found[1])
            if found[0] is False:
                return None
        sqlite_draw = draw and not self._postgres  # SQLite's next position, in the same read
        query = _LOCK_HEAD_PENDING_DRAW if sqlite_draw else _LOCK_HEAD_PENDING
        row = self._conn.execute(query, {"collective_id": collective_id}).first()
        if sqlite_draw and row is not None:
            self._drawn[collective_id] = int(row.next_position)
        if row is None:
            return ChainHead(collective_id)
        head = ChainHead(collective_id, row.seq, row.hash)
        if not row.pending:
            return head
        while True:
            rows = self._conn.execute(
                _UNSEALED.limit(_SEAL_BATCH), {"collective_id": collective_id}
            ).all()
            if not rows:
                return head
            drafts = [_draft(r) for r in rows]
            entries, head = seal(head, drafts)
            self._conn.execute(
                _SEAL_ENTRY,
                [
                    {
                        "of": collective_id,
                        "at_position": r.position,
                        "at_part": r.part,
                        "new_seq": e.seq,
                        "new_prev": e.prev_hash,
                        "new_hash": e.hash,
                    }
                    for r, e in zip(rows, entries, strict=True)
                ],
            )
            self._conn.execute(
                _SEALED,
                {
                    "head_of": collective_id,
                    "new_seq": head.seq,
                    "new_hash": head.hash,
                    "new_sealed_at": max(d.at_us for d in drafts),
                },
            )

    def has_unsealed(self, collective_id: str) -> bool:
        found = self._conn.execute(
            select(journal_entries.c.part)
            .where(journal_entries.c.collective_id == collective_id)
            .where(journal_entries.c.seq.is_(None))
            .limit(1)
        ).first()
        return found is not None

    def unsealed_collectives(self) -> list[str]:
        """The collectives whose journal has entries waiting to be sealed."""
        rows = self._conn.execute(
            select(journal_entries.c.collective_id)
            .where(journal_entries.c.seq.is_(None))
            .distinct()
        )
        return sorted(r.collective_id for r in rows)

    def sealed_at_us(self, collective_id: str) -> int | None:
        """The newest entry a sealer sealed after its commit (None: never)."""
        found = self._conn.execute(
            select(ledger_heads.c.sealed_at_us).where(ledger_heads.c.collective_id == collective_id)
        ).scalar()
        return None if found is None else int(found)

    def entries(self, collective_id: str) -> Iterator[JournalEntry]:
        """The sealed entries, in chain order, streamed (plain tuples: millions are read)."""
        c = journal_entries.c
        rows = self._conn.execution_options(yield_per=_STREAM).execute(
            select(
                c.collective_id,
                c.seq,
                c.transfer_id,
                c.event,
                c.debit_account_id,
                c.credit_account_id,
                c.amount,
                c.kind,
                c.at_us,
                c.prev_hash,
                c.hash,
                c.was_reserved,
            )
            .where(c.collective_id == collective_id)
            .where(c.seq.is_not(None))
            .order_by(c.seq)
        )
        events = {e.value: e for e in EntryEvent}
        for r in rows:
            yield JournalEntry(
                r[0],
                r[1],
                r[2],
                events[r[3]],
                r[4],
                r[5],
                r[6],
                r[7],
                r[8],
                r[9],
                r[10],
                bool(r[11]),
            )

    def last_events(self, collective_id: str) -> Iterator[tuple[str, EntryEvent]]:
        """Each transfer's last journaled event, in transfer id order, streamed (a transfer's
        entries touch the same accounts, so their positions are in the order they happened)."""
        rows = self._conn.execution_options(yield_per=_STREAM).execute(
            select(journal_entries.c.transfer_id, journal_entries.c.event)
            .where(journal_entries.c.collective_id == collective_id)
            .order_by(
                by_code_point(self._conn, journal_entries.c.transfer_id),
                journal_entries.c.position,
                journal_entries.c.part,
            )
        )
        current: tuple[str, EntryEvent] | None = None
        for transfer_id, event in rows:
            if current is not None and current[0] != transfer_id:
                yield current
            current = (transfer_id, EntryEvent(event))
        if current is not None:
            yield current

    def unsealed_entries(self, collective_id: str) -> Iterator[Draft]:
        """The entries not sealed yet, in the order the sealer will seal them."""
        rows = self._conn.execution_options(yield_per=_STREAM).execute(
            _UNSEALED, {"collective_id": collective_id}
        )
        for r in rows:
            yield _draft(r)


def by_code_point(conn: Connection, column: ColumnElement[str]) -> ColumnElement[str]:
    """``column`` ordered as Python orders strings (PostgreSQL's collation may not), so two
    streams sorted by the database can be merged in Python."""
    return column.collate("C") if conn.dialect.name == "postgresql" else column


_COLUMNS = (
    *("collective_id", "position", "part", "transfer_id", "event", "debit_account_id"),
    *("credit_account_id", "amount", "kind", "at_us", "was_reserved", "seq", "prev_hash", "hash"),
)


def _row(d: Draft, position: int, part: int) -> tuple[object, ...]:
    """The first columns of ``_COLUMNS`` (the chain's three follow)."""
    return (
        d.collective_id,
        position,
        part,
        d.transfer_id,
        d.event.value,
        d.debit_account_id,
        d.credit_account_id,
        d.amount,
        d.kind,
        d.at_us,
        d.was_reserved,
    )


def seal_after_commit(conn: Connection, collective_ids: Iterable[str]) -> None:
    """Seal what a committed transaction left unsealed, in a short transaction of its own.

    Skipped if another sealer is at work: it, the next writer or the background sealer (every
    tick of ``serve``) seals these entries; nobody waits for a sealer. A failure is logged,
    never raised: the payment is committed, and the next sealer seals it.
    """
    for collective_id in sorted(collective_ids):
        try:
            with conn.begin():  # the committed transaction's connection, in a new transaction
                journal = SqlJournal(conn, sealing=Sealing.DEFERRED)
                if journal.has_unsealed(collective_id):  # else another sealer took them
                    journal.seal_pending(collective_id, wait=False)
        except Exception:
            log.exception("sealing the journal of %s failed; the next sealer will", collective_id)
