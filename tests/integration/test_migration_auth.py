"""Migration 0004_auth keeps what was there, on both databases: approval-only collectives get a
members-only market, open ones a public one; old disputes keep their seed and say how it drew."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, text

from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import alembic_config, upgrade

_names = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def at_0003(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('mig')}/m.db")
    else:
        server = request.getfixturevalue("postgres_server")
        engine = make_engine(server.create_database(f"migration_auth_{next(_names)}"))
    upgrade(engine, "0003")
    yield engine
    engine.dispose()


def test_existing_rows_survive_and_read_as_before(at_0003: Engine) -> None:
    no_checks = (
        "PRAGMA foreign_keys=OFF"
        if at_0003.dialect.name == "sqlite"
        else "SET session_replication_role = replica"
    )
    rows = [
        f"INSERT INTO collectives (id, slug, name, currency_code, currency_name, "
        f"currency_decimals, default_credit_limit, admission, levy_rate, capital_mode, "
        f"created_at) VALUES ('{slug}', '{slug}', 'C', 'C', 'C', 2, 0, '{admission}', '0', "
        f"'commons', '2026-01-01 00:00:00')"
        for slug, admission in (("open-one", "open"), ("closed-one", "approval"))
    ] + [
        "INSERT INTO disputes (id, collective_id, order_id, opened_by, reason, status, seed, "
        "created_at) VALUES ('d1', 'open-one', 'o1', 'p1', 'r', 'open', 1234567890123, "
        "'2026-01-01 00:00:00')",
        "INSERT INTO dispute_jurors (dispute_id, juror_id, position) VALUES ('d1', 'j1', 0)",
    ]
    raw = at_0003.raw_connection()  # outside a transaction: SQLite ignores the pragma inside one
    try:
        cursor = raw.cursor()
        cursor.execute(no_checks)
        for row in rows:
            cursor.execute(row)
        raw.commit()
        cursor.execute(
            "PRAGMA foreign_keys=ON"
            if at_0003.dialect.name == "sqlite"
            else "RESET session_replication_role"
        )
    finally:
        raw.close()
    upgrade(at_0003)
    with at_0003.connect() as conn:
        visibility = dict(
            conn.execute(text("SELECT slug, market_visibility FROM collectives")).all()
        )
        dispute = conn.execute(text("SELECT seed, jury_draw FROM disputes")).one()
        vacated = conn.execute(text("SELECT vacated_at FROM dispute_jurors")).scalar_one()
    assert visibility == {"open-one": "public", "closed-one": "members"}
    assert tuple(dispute) == ("1234567890123", "mt19937")
    assert vacated is None
    command.downgrade(alembic_config(at_0003), "0003")
    with at_0003.connect() as conn:
        assert conn.execute(text("SELECT seed FROM disputes")).scalar_one() == 1234567890123
    upgrade(at_0003)
