"""The hash-chained journal (entries and the head) and idempotency keys."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select, update

from cybermutual.domain.idempotency import IdempotencyRecord
from cybermutual.domain.journal import ChainHead, EntryEvent, JournalEntry
from cybermutual.store.tables import idempotency_keys, journal_entries, ledger_heads

_STREAM = 2_000  # rows fetched at a time when a whole journal is read

_HEAD = select(ledger_heads).where(ledger_heads.c.collective_id == bindparam("collective_id"))
_LOCK_HEAD = _HEAD.with_for_update()
_MOVE_HEAD = (
    update(ledger_heads)
    .where(ledger_heads.c.collective_id == bindparam("head_of"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


class SqlJournal:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _head(self, collective_id: str, *, lock: bool) -> ChainHead:
        query = _LOCK_HEAD if lock else _HEAD
        row = self._conn.execute(query, {"collective_id": collective_id}).first()
        if row is None:
            return ChainHead(collective_id)
        return ChainHead(collective_id, row.seq, row.hash)

    def open(self, head: ChainHead) -> None:
        self._conn.execute(
            insert(ledger_heads).values(
                collective_id=head.collective_id, seq=head.seq, hash=head.hash
            )
        )

    def lock_head(self, collective_id: str) -> ChainHead:
        return self._head(collective_id, lock=True)

    def head(self, collective_id: str) -> ChainHead:
        return self._head(collective_id, lock=False)

    def levy_carry_from(self, collective_id: str) -> int:
        """The sequence number after which levies carry each payee's remainder."""
        found = self._conn.execute(
            select(ledger_heads.c.levy_carry_from).where(
                ledger_heads.c.collective_id == collective_id
            )
        ).scalar()
        return int(found or 0)

    def append(self, entries: Sequence[JournalEntry], head: ChainHead) -> None:
        if not entries:
            return
        self._conn.execute(
            insert(journal_entries),
            [
                {
                    "collective_id": e.collective_id,
                    "seq": e.seq,
                    "transfer_id": e.transfer_id,
                    "event": e.event.value,
                    "debit_account_id": e.debit_account_id,
                    "credit_account_id": e.credit_account_id,
                    "amount": e.amount,
                    "kind": e.kind,
                    "at_us": e.at_us,
                    "was_reserved": e.was_reserved,
                    "prev_hash": e.prev_hash,
                    "hash": e.hash,
                }
                for e in entries
            ],
        )
        self._conn.execute(
            _MOVE_HEAD,
            {"head_of": head.collective_id, "new_seq": head.seq, "new_hash": head.hash},
        )

    def entries(self, collective_id: str) -> Iterator[JournalEntry]:
        rows = self._conn.execution_options(yield_per=_STREAM).execute(
            select(journal_entries)
            .where(journal_entries.c.collective_id == collective_id)
            .order_by(journal_entries.c.seq)
        )
        for r in rows:
            yield JournalEntry(
                collective_id=r.collective_id,
                seq=r.seq,
                transfer_id=r.transfer_id,
                event=EntryEvent(r.event),
                debit_account_id=r.debit_account_id,
                credit_account_id=r.credit_account_id,
                amount=r.amount,
                kind=r.kind,
                at_us=r.at_us,
                prev_hash=r.prev_hash,
                hash=r.hash,
                was_reserved=bool(r.was_reserved),
            )


_IDEMPOTENCY_KEY = select(idempotency_keys).where(
    idempotency_keys.c.collective_id == bindparam("collective_id"),
    idempotency_keys.c.member_id == bindparam("member_id"),
    idempotency_keys.c.key == bindparam("key"),
)


_IDEMPOTENCY_KEYS = select(idempotency_keys).where(
    idempotency_keys.c.collective_id == bindparam("collective_id"),
    idempotency_keys.c.key.in_(bindparam("keys", expanding=True)),
)


class SqlIdempotency:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, collective_id: str, member_id: str, key: str) -> IdempotencyRecord | None:
        row = self._conn.execute(
            _IDEMPOTENCY_KEY, {"collective_id": collective_id, "member_id": member_id, "key": key}
        ).first()
        if row is None:
            return None
        return IdempotencyRecord(
            row.collective_id, row.member_id, row.key, row.fingerprint, row.result_ref
        )

    def get_many(
        self, collective_id: str, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], IdempotencyRecord]:
        wanted = set(keys)
        if not wanted:
            return {}
        rows = self._conn.execute(
            _IDEMPOTENCY_KEYS,
            {"collective_id": collective_id, "keys": sorted(k for _, k in wanted)},
        )
        found = {
            (row.member_id, row.key): IdempotencyRecord(
                row.collective_id, row.member_id, row.key, row.fingerprint, row.result_ref
            )
            for row in rows
        }
        return {pair: record for pair, record in found.items() if pair in wanted}

    def add_many(self, records: Sequence[IdempotencyRecord], *, now: datetime) -> None:
        if records:
            self._conn.execute(
                insert(idempotency_keys),
                [
                    {
                        "collective_id": r.collective_id,
                        "member_id": r.member_id,
                        "key": r.key,
                        "fingerprint": r.fingerprint,
                        "result_ref": r.result_ref,
                        "created_at": now,
                    }
                    for r in records
                ],
            )

    def add(self, record: IdempotencyRecord, *, now: datetime) -> None:
        self._conn.execute(
            insert(idempotency_keys).values(
                collective_id=record.collective_id,
                member_id=record.member_id,
                key=record.key,
                fingerprint=record.fingerprint,
                result_ref=record.result_ref,
                created_at=now,
            )
        )
