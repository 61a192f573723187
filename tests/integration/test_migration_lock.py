"""Several ``db upgrade`` at once on one PostgreSQL database: one migrates, the others wait and
find nothing to do (issue #8, item 16: the second exited 1 with a traceback)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import inspect, text

from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import upgrade
from cybermutual.store.tables import metadata

pytestmark = pytest.mark.postgres
UPGRADES = 4


def test_concurrent_upgrades_of_one_database(postgres_server: Any) -> None:
    url = postgres_server.create_database("concurrent_upgrades")
    engines = [make_engine(url, pool_size=2) for _ in range(UPGRADES)]
    start = threading.Barrier(UPGRADES)
    failures: list[BaseException] = []

    def run(n: int) -> None:
        start.wait()
        try:
            upgrade(engines[n])
        except BaseException as exc:  # any failure is the finding
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(UPGRADES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert failures == []
    with engines[0].connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert len(versions) == 1
        assert set(metadata.tables) <= set(inspect(conn).get_table_names())
        # the lock is released: nobody holds it after the upgrades
        held = conn.execute(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
        ).scalar()
        assert held == 0
    for engine in engines:
        engine.dispose()
