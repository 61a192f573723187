"""What each database refusal means for a request (``store/faults.py``)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from cybermutual.domain.errors import ConcurrentChange, StorageUnavailable
from cybermutual.store.faults import translate


class _PgError(Exception):
    def __init__(self, message: str, sqlstate: str | None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    "message",
    [
        "database or disk is full",
        "database is locked",
        "attempt to write a readonly database",
        "unable to open database file",
        "disk I/O error",
    ],
)
def test_sqlite_that_cannot_write_is_unavailable(message: str) -> None:
    error = OperationalError("INSERT ...", {}, sqlite3.OperationalError(message))
    named = translate(error)
    assert isinstance(named, StorageUnavailable)
    assert named.retry_after_seconds > 0


@pytest.mark.parametrize("sqlstate", ["53100", "25006", "57P01", "53300"])
def test_postgresql_that_cannot_write_is_unavailable(sqlstate: str) -> None:
    error = OperationalError("INSERT ...", {}, _PgError("no", sqlstate))
    assert isinstance(translate(error), StorageUnavailable)


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("UNIQUE constraint failed: x.y")),
        IntegrityError("INSERT ...", {}, _PgError("duplicate key", "23505")),
        OperationalError("UPDATE ...", {}, _PgError("deadlock detected", "40P01")),
        OperationalError("UPDATE ...", {}, _PgError("could not serialize", "40001")),
    ],
)
def test_races_are_conflicts(error: Exception) -> None:
    assert isinstance(translate(error), ConcurrentChange)


def test_bugs_stay_bugs() -> None:
    assert translate(ProgrammingError("SELECT", {}, _PgError("syntax", "42601"))) is None
    fk = IntegrityError("INSERT", {}, sqlite3.IntegrityError("FOREIGN KEY constraint failed"))
    assert translate(fk) is None
    assert translate(ValueError("not a database error")) is None
