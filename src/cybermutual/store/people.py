"""People, their API tokens and failed logins."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from cybermutual.domain.people import Person
from cybermutual.store.tables import api_tokens, login_failures, people


def _person(row: Any) -> Person:
    return Person(row.id, row.email, row.display_name, row.created_at)


class SqlPeople:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, person: Person, *, password_hash: str) -> None:
        self._conn.execute(
            insert(people).values(
                id=person.id,
                email=person.email,
                display_name=person.display_name,
                password_hash=password_hash,
                created_at=person.created_at,
            )
        )

    def get(self, person_id: str) -> Person | None:
        row = self._conn.execute(select(people).where(people.c.id == person_id)).first()
        return None if row is None else _person(row)

    def names(self, person_ids: Iterable[str]) -> dict[str, str]:
        wanted = sorted(set(person_ids))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):  # stay far below any bound-parameter limit
            rows = self._conn.execute(
                select(people.c.id, people.c.display_name).where(
                    people.c.id.in_(wanted[start : start + 500])
                )
            )
            found.update({row.id: row.display_name for row in rows})
        return found

    def by_email(self, email: str) -> tuple[Person, str] | None:
        row = self._conn.execute(select(people).where(people.c.email == email)).first()
        return None if row is None else (_person(row), row.password_hash)

    def add_token(
        self, token_hash: str, person_id: str, *, now: datetime, expires: datetime
    ) -> None:
        self._conn.execute(
            insert(api_tokens).values(
                token_hash=token_hash, person_id=person_id, created_at=now, expires_at=expires
            )
        )

    def person_for_token(self, token_hash: str, *, now: datetime) -> Person | None:
        row = self._conn.execute(
            select(people)
            .join(api_tokens, api_tokens.c.person_id == people.c.id)
            .where(api_tokens.c.token_hash == token_hash, api_tokens.c.expires_at > now)
        ).first()
        return None if row is None else _person(row)

    def revoke_token(self, token_hash: str) -> None:
        self._conn.execute(delete(api_tokens).where(api_tokens.c.token_hash == token_hash))

    def recent_login_failures(self, email: str, *, since: datetime) -> list[datetime]:
        rows = self._conn.execute(
            select(login_failures.c.at).where(
                login_failures.c.email == email, login_failures.c.at > since
            )
        )
        return [row.at for row in rows]

    def add_login_failure(self, email: str, *, at: datetime) -> None:
        self._conn.execute(insert(login_failures).values(email=email, at=at))

    def clear_login_failures(self, email: str) -> None:
        self._conn.execute(delete(login_failures).where(login_failures.c.email == email))
