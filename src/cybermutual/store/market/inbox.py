"""The inbox: one row per event and recipient."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from cybermutual.services.inbox import InboxItem
from cybermutual.services.ports import Page
from cybermutual.store.pagination import newest_after, newest_cursor
from cybermutual.store.tables import collectives, inbox_items


def _item(row: Any) -> InboxItem:
    return InboxItem(
        id=row.id,
        collective_id=row.collective_id,
        member_id=row.member_id,
        event=row.event,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        message=row.message,
        created_at=row.created_at,
        read_at=row.read_at,
        actor_id=row.actor_id,
    )


class SqlInbox:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, items: Sequence[InboxItem]) -> None:
        if items:
            self._conn.execute(
                insert(inbox_items),
                [
                    {
                        "id": i.id,
                        "collective_id": i.collective_id,
                        "member_id": i.member_id,
                        "event": i.event,
                        "subject_type": i.subject_type,
                        "subject_id": i.subject_id,
                        "message": i.message,
                        "created_at": i.created_at,
                        "read_at": i.read_at,
                        "actor_id": i.actor_id,
                    }
                    for i in items
                ],
            )

    def of_member(
        self,
        collective_id: str,
        member_id: str,
        *,
        unread_only: bool,
        limit: int,
        cursor: str | None,
    ) -> Page[InboxItem]:
        where = [inbox_items.c.collective_id == collective_id, inbox_items.c.member_id == member_id]
        if unread_only:
            where.append(inbox_items.c.read_at.is_(None))
        where += newest_after(inbox_items.c.created_at, inbox_items.c.id, cursor)
        rows = self._conn.execute(
            select(inbox_items)
            .where(*where)
            .order_by(inbox_items.c.created_at.desc(), inbox_items.c.id.desc())
            .limit(limit + 1)
        ).all()
        items, next_cursor = newest_cursor([_item(r) for r in rows], limit, "created_at")
        return Page(items, next_cursor)

    def unread(self, collective_id: str, member_id: str) -> int:
        return int(
            self._conn.execute(
                select(func.count()).where(
                    inbox_items.c.collective_id == collective_id,
                    inbox_items.c.member_id == member_id,
                    inbox_items.c.read_at.is_(None),
                )
            ).scalar_one()
        )

    def mark_read(
        self, collective_id: str, member_id: str, *, ids: Sequence[str] | None, now: datetime
    ) -> int:
        where = [
            inbox_items.c.collective_id == collective_id,
            inbox_items.c.member_id == member_id,
            inbox_items.c.read_at.is_(None),
        ]
        if ids is not None:
            where.append(inbox_items.c.id.in_(set(ids)))
        return int(
            self._conn.execute(update(inbox_items).where(*where).values(read_at=now)).rowcount
        )

    def of_person(
        self, member_id: str, *, unread_only: bool, limit: int, cursor: str | None
    ) -> Page[tuple[InboxItem, str, str]]:
        """Every collective's items of one person, newest first, each with the collective's
        slug and name (``ix_inbox_person``)."""
        where = [inbox_items.c.member_id == member_id]
        if unread_only:
            where.append(inbox_items.c.read_at.is_(None))
        where += newest_after(inbox_items.c.created_at, inbox_items.c.id, cursor)
        rows = self._conn.execute(
            select(inbox_items, collectives.c.slug, collectives.c.name.label("collective_name"))
            .join(collectives, collectives.c.id == inbox_items.c.collective_id)
            .where(*where)
            .order_by(inbox_items.c.created_at.desc(), inbox_items.c.id.desc())
            .limit(limit + 1)
        ).all()
        items, next_cursor = newest_cursor([_item(r) for r in rows], limit, "created_at")
        return Page(
            [(item, r.slug, r.collective_name) for item, r in zip(items, rows, strict=False)],
            next_cursor,
        )

    def unread_of_person(self, member_id: str) -> int:
        """One count over the person's unread items in every collective (``ix_inbox_unread``
        holds only unread items, so the count never reads what was read)."""
        return int(
            self._conn.execute(
                select(func.count()).where(
                    inbox_items.c.member_id == member_id, inbox_items.c.read_at.is_(None)
                )
            ).scalar_one()
        )

    def mark_read_of_person(
        self, member_id: str, *, ids: Sequence[str] | None, now: datetime
    ) -> int:
        where = [inbox_items.c.member_id == member_id, inbox_items.c.read_at.is_(None)]
        if ids is not None:
            where.append(inbox_items.c.id.in_(set(ids)))
        return int(
            self._conn.execute(update(inbox_items).where(*where).values(read_at=now)).rowcount
        )
