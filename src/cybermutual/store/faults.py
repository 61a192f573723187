"""What the databases' own refusals mean for a request, as domain errors.

A unique constraint that fires is two requests racing for the same row (a double click: two
joins, two collectives with one slug, one sale claimed twice): ``409``, never a 500. A
serialisation failure or deadlock is the same race seen by PostgreSQL. A database that cannot
write at all (disk full, read-only, locked past the busy timeout, unreachable) is
``503 storage_unavailable`` with Retry-After: nothing is wrong with the request.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from cybermutual.domain.errors import ConcurrentChange, DomainError, StorageUnavailable
from cybermutual.services.container import StorageFaults

RETRY_AFTER = 5  # seconds
_RACES = {"23505", "40001", "40P01"}  # unique violation, serialisation failure, deadlock
#: PostgreSQL: disk full, out of memory, too many connections, read-only transaction,
#: cannot connect, admin shutdown, crash shutdown, cannot connect now.
_UNAVAILABLE = {"53100", "53200", "53300", "25006", "08001", "08006", "57P01", "57P02", "57P03"}
_UNAVAILABLE_MESSAGES = (
    "database or disk is full",
    "database is locked",
    "attempt to write a readonly database",
    "unable to open database file",
    "disk i/o error",
    "readonly database",
    "connection",  # PostgreSQL unreachable: psycopg gives no SQLSTATE
)


def sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def is_unique_violation(exc: BaseException, *, naming: str = "") -> bool:
    """A unique constraint fired (on a constraint or column whose name contains ``naming``)."""
    if not isinstance(exc, IntegrityError):
        return False
    message = str(exc.orig)
    unique = sqlstate(exc) == "23505" or "UNIQUE constraint failed" in message
    return unique and naming in message


def translate(exc: BaseException) -> DomainError | None:
    """The domain error a database exception stands for, if it is one of ours to name."""
    if not isinstance(exc, DBAPIError):
        return None
    state = sqlstate(exc)
    if state in _RACES or is_unique_violation(exc):
        return ConcurrentChange(
            "another request changed the same thing at the same moment; nothing was changed "
            "by this one, so look again and retry if it still applies"
        )
    message = str(exc.orig).lower()
    if state in _UNAVAILABLE or (
        isinstance(exc, OperationalError)
        and (state is None or state.startswith("08"))
        and any(mark in message for mark in _UNAVAILABLE_MESSAGES)
    ):
        return StorageUnavailable(
            "the database cannot take changes right now; nothing was changed, try again later",
            retry_after_seconds=RETRY_AFTER,
        )
    return None


#: What the API and the CLI translate: every driver error SQLAlchemy wraps.
STORAGE_FAULTS = StorageFaults(kinds=(DBAPIError,), translate=translate)
