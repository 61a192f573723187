"""Fixtures shared by every kind of test.

Storage, service and API tests take ``database_url``, which runs them on SQLite and on a real
PostgreSQL server that this suite starts from the machine's binaries (one per xdist worker).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine

from cybermutual.bootstrap import build_services
from cybermutual.services.container import Services
from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import upgrade
from cybermutual.tooling.postgres import EphemeralPostgres, find_bindir
from tests.helpers import FAST_PASSWORDS, FakeClock, truncate_all

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60
)
settings.register_profile(  # make test-fast: fewer examples, the same properties
    "fast", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=15
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

NO_POSTGRES = "no PostgreSQL binaries (initdb) on this machine: install the 'postgresql' package"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[EphemeralPostgres]:
    if find_bindir() is None:
        pytest.skip(NO_POSTGRES)
    server = EphemeralPostgres.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_engine(postgres_server: EphemeralPostgres) -> Iterator[Engine]:
    engine = make_engine(postgres_server.create_database("cybermutual_test"), pool_size=20)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file, made once per worker: copying it costs far less than
    running every migration again for each test."""
    path = tmp_path_factory.mktemp("template") / "cybermutual.db"
    template = make_engine(f"sqlite:///{path}")
    upgrade(template)
    template.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "cybermutual.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        sqlite = make_engine(f"sqlite:///{path}")
        yield sqlite
        sqlite.dispose()
    else:
        pg: Engine = request.getfixturevalue("postgres_engine")
        truncate_all(pg)
        yield pg


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def services(engine: Engine, clock: FakeClock) -> Services:
    return build_services(engine, clock=clock, passwords=FAST_PASSWORDS)


@pytest.fixture
def sqlite_services(clock: FakeClock) -> Iterator[Services]:
    """Services on an in-memory SQLite: for tests about rules, not storage."""
    memory = make_engine("sqlite://")
    upgrade(memory)
    yield build_services(memory, clock=clock, passwords=FAST_PASSWORDS)
    memory.dispose()
