"""Rows written in bulk (COPY on PostgreSQL) read back exactly as SQLAlchemy wrote them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from cybermutual.store.bulk import write_rows
from cybermutual.store.tables import people


def test_bulk_rows_read_back_as_written(engine: Engine) -> None:
    awkward = "tab\there, line\nbreak, back\\slash, café \\N"
    on_the_second = datetime(2026, 11, 29, 22, 30, tzinfo=UTC)  # no microseconds
    with engine.begin() as conn:
        write_rows(
            conn,
            "people",
            ("id", "email", "display_name", "password_hash", "created_at"),
            [("a" * 32, "a@example.org", awkward, "h", on_the_second)],
        )
        conn.execute(
            insert(people).values(
                id="b" * 32,
                email="b@example.org",
                display_name=awkward,
                password_hash="h",
                created_at=on_the_second,
            )
        )
    with engine.connect() as conn:
        rows = conn.execute(select(people).order_by(people.c.id)).all()
        later = conn.execute(
            select(people.c.id).where(people.c.created_at >= on_the_second).order_by(people.c.id)
        ).scalars()
        assert list(later) == ["a" * 32, "b" * 32]
    bulk, core = rows
    assert bulk.display_name == core.display_name == awkward
    assert bulk.created_at == core.created_at == on_the_second
