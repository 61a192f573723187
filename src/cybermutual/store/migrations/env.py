"""Alembic environment: runs on the engine handed over by ``cybermutual.store.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from cybermutual.store.tables import metadata

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through cybermutual.store.migrate (cybermutual db upgrade)")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
