"""Apply Alembic migrations programmatically (``cybermutual db upgrade``, serve, demo, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).with_name("migrations")
#: The advisory lock every ``upgrade`` of one PostgreSQL database takes (any fixed 64-bit key).
MIGRATION_LOCK = 0x637962_6D75_7475  # "cybmutu"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default).

    On PostgreSQL, one upgrade at a time: several servers starting together (or an operator's
    ``db upgrade`` during a deploy) wait for the first, then find nothing left to do. The lock
    is held by its own session, so it is released even if this process dies. SQLite needs no
    lock: its writers are already one at a time (``BEGIN IMMEDIATE``).
    """
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect() as session:
        session.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        session.commit()
        try:
            command.upgrade(alembic_config(engine), revision)
        finally:
            session.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            session.commit()


def schema_revision(engine: Engine) -> tuple[str | None, str]:
    """The database's current revision (None when it holds no schema) and the newest one."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head or ""
