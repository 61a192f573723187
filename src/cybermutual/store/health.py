"""Can the database take a write right now? (For ``/health``: a load balancer stops sending
requests to a server that cannot write, instead of finding out through 503s.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from cybermutual.domain.errors import StorageUnavailable
from cybermutual.store.faults import RETRY_AFTER, translate

#: How long the probe waits for SQLite's write lock (requests themselves wait 30 s).
PROBE_WAIT_MS = 1000


class WriteProbe:
    """A write that changes nothing (the migration marker set to itself), rolled back."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __call__(self) -> None:
        """Return if a write would succeed now; ``StorageUnavailable`` otherwise."""
        sqlite = self._engine.dialect.name == "sqlite"
        try:
            with self._engine.connect() as conn:
                raw: Any = conn.connection.driver_connection  # no SQLAlchemy transaction yet
                if sqlite:
                    raw.execute(f"PRAGMA busy_timeout={PROBE_WAIT_MS}")
                try:
                    probe = conn.begin()
                    try:
                        conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
                    finally:
                        probe.rollback()
                finally:
                    if sqlite:
                        raw.execute("PRAGMA busy_timeout=30000")
        except SQLAlchemyError as exc:
            named = translate(exc)
            if isinstance(named, StorageUnavailable):
                raise named from exc
            raise StorageUnavailable(
                f"the database cannot take writes: {str(getattr(exc, 'orig', exc)).strip()}",
                retry_after_seconds=RETRY_AFTER,
            ) from exc
