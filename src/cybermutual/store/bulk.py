"""Many rows into one table at once: ``COPY`` on PostgreSQL, ``executemany`` on SQLite.

For the few paths that write rows by the hundred thousand (a round's published shares, the
scale bench's seeding), where building a statement's parameters row by row through SQLAlchemy
costs more than the database's own work. Values are plain Python values: ``str``, ``int``,
``float``, ``bool``, aware ``datetime`` (stored as UTC, as ``UtcDateTime`` does) or ``None``;
text must not hold tabs, newlines or backslashes unless escaped by :func:`copy_text`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection


def copy_text(value: object) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return (
                value.replace("\\", "\\\\")
                .replace("\t", "\\t")
                .replace("\n", "\\n")
                .replace("\r", "\\r")
            )
        return value
    return str(value)


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):  # as UtcDateTime stores it: naive UTC, microseconds always
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def write_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    """Add ``rows`` (values in the order of ``columns``) to ``table``, in ``conn``'s
    transaction."""
    if conn.dialect.name == "postgresql":
        write_copy_text(
            conn, table, columns, "".join("\t".join(map(copy_text, row)) + "\n" for row in rows)
        )
        return
    batch = [tuple(_sqlite_value(v) for v in row) for row in rows]
    if batch:
        marks = ", ".join("?" for _ in columns)
        conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)


def write_copy_text(conn: Connection, table: str, columns: Sequence[str], text: str) -> None:
    """COPY rows already in PostgreSQL's text format (one line each) into ``table``."""
    driver = conn.connection.driver_connection
    assert driver is not None
    names = ", ".join(columns)
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        copy.write(text)
