"""Idempotency keys: what each (member, key) asked for, and what it was answered."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select

from cybermutual.domain.idempotency import IdempotencyRecord
from cybermutual.store.raw import insert_rows
from cybermutual.store.tables import idempotency_keys

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
        insert_rows(  # the hot path (a group of payments): see store.raw
            self._conn,
            idempotency_keys,
            ("collective_id", "member_id", "key", "fingerprint", "result_ref", "created_at"),
            [
                (r.collective_id, r.member_id, r.key, r.fingerprint, r.result_ref, now)
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
