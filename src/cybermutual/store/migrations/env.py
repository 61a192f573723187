"""Alembic environment: runs on the engine handed over by ``cybermutual.store.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from cybermutual.store.tables import metadata

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through cybermutual.store.migrate (cybermutual db upgrade)")


def _sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    """Batch mode rebuilds a SQLite table (copy, drop, rename); with foreign keys enforced,
    dropping a table other rows refer to fails. The pragma only works outside a transaction."""
    connection.connection.driver_connection.execute(  # type: ignore[union-attr]
        f"PRAGMA foreign_keys={'ON' if on else 'OFF'}"
    )


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)
