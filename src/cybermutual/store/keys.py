"""Collectives' signing keys and the verified histories of their newcomers."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from cybermutual.domain.history_export import Summary, VerifiedHistory
from cybermutual.domain.signing import PublicKey, canonical_json
from cybermutual.services.key_ports import StoredKey
from cybermutual.store.tables import collective_keys, verified_histories


def _public(row: Any) -> PublicKey:
    return PublicKey(
        key_id=row.id,
        collective_id=row.collective_id,
        public_key=row.public_key,
        created_at=row.created_at,
        retired_at=row.retired_at,
        algorithm=row.algorithm,
    )


class SqlKeys:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, key: StoredKey) -> None:
        k = key.public
        self._conn.execute(
            insert(collective_keys).values(
                id=k.key_id,
                collective_id=k.collective_id,
                algorithm=k.algorithm,
                public_key=k.public_key,
                private_key=key.sealed_private_key,
                created_at=k.created_at,
                retired_at=k.retired_at,
            )
        )

    def current(self, collective_id: str) -> StoredKey | None:
        row = self._conn.execute(
            select(collective_keys)
            .where(
                collective_keys.c.collective_id == collective_id,
                collective_keys.c.retired_at.is_(None),
            )
            .order_by(collective_keys.c.created_at.desc())
            .limit(1)
        ).first()
        return None if row is None else StoredKey(_public(row), row.private_key)

    def of_collective(self, collective_id: str) -> list[PublicKey]:
        rows = self._conn.execute(
            select(
                collective_keys.c.id,
                collective_keys.c.collective_id,
                collective_keys.c.algorithm,
                collective_keys.c.public_key,
                collective_keys.c.created_at,
                collective_keys.c.retired_at,
            )
            .where(collective_keys.c.collective_id == collective_id)
            .order_by(collective_keys.c.created_at.desc(), collective_keys.c.id)
        )
        found = [_public(r) for r in rows]
        return [k for k in found if k.is_current] + [k for k in found if not k.is_current]

    def retire_current(self, collective_id: str, *, at: datetime) -> None:
        self._conn.execute(
            update(collective_keys)
            .where(
                collective_keys.c.collective_id == collective_id,
                collective_keys.c.retired_at.is_(None),
            )
            .values(retired_at=at)
        )


def _history(row: Any) -> VerifiedHistory:
    return VerifiedHistory(
        issuer_slug=row.issuer_slug,
        issuer_base_url=row.issuer_base_url,
        issuer_name=row.issuer_name,
        key_id=row.key_id,
        issued_at=row.issued_at,
        verified_at=row.verified_at,
        digest=row.digest,
        summary=Summary.from_json(json.loads(row.summary)),
    )


class SqlVerifiedHistories:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def save(self, collective_id: str, member_id: str, history: VerifiedHistory) -> None:
        where = (
            (verified_histories.c.collective_id == collective_id)
            & (verified_histories.c.member_id == member_id)
            & (verified_histories.c.issuer_base_url == history.issuer_base_url)
            & (verified_histories.c.issuer_slug == history.issuer_slug)
        )
        self._conn.execute(delete(verified_histories).where(where))
        self._conn.execute(
            insert(verified_histories).values(
                collective_id=collective_id,
                member_id=member_id,
                issuer_base_url=history.issuer_base_url,
                issuer_slug=history.issuer_slug,
                issuer_name=history.issuer_name[:120],
                key_id=history.key_id,
                issued_at=history.issued_at,
                verified_at=history.verified_at,
                digest=history.digest,
                summary=canonical_json(history.summary.as_json()).decode("utf-8"),
            )
        )

    def of_member(self, collective_id: str, member_id: str) -> list[VerifiedHistory]:
        return self.of_members(collective_id, [member_id]).get(member_id, [])

    def of_members(
        self, collective_id: str, member_ids: list[str]
    ) -> dict[str, list[VerifiedHistory]]:
        if not member_ids:
            return {}
        rows = self._conn.execute(
            select(verified_histories)
            .where(
                verified_histories.c.collective_id == collective_id,
                verified_histories.c.member_id.in_(member_ids),
            )
            .order_by(verified_histories.c.verified_at.desc())
        )
        found: dict[str, list[VerifiedHistory]] = {}
        for row in rows:
            found.setdefault(row.member_id, []).append(_history(row))
        return found
