"""People, their API tokens, login throttling and the clients they logged in from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cybermutual.domain.login_throttle import Bucket
from cybermutual.domain.people import Person
from cybermutual.store.tables import api_tokens, login_known_clients, login_throttle, people


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

    def set_password(self, person_id: str, password_hash: str) -> None:
        self._conn.execute(
            update(people).where(people.c.id == person_id).values(password_hash=password_hash)
        )

    def add_token(
        self, token_hash: str, person_id: str, *, now: datetime, expires: datetime, scope: str
    ) -> None:
        self._conn.execute(
            insert(api_tokens).values(
                token_hash=token_hash,
                person_id=person_id,
                created_at=now,
                expires_at=expires,
                scope=scope,
            )
        )

    def person_for_token(self, token_hash: str, *, now: datetime, scope: str) -> Person | None:
        row = self._conn.execute(
            select(people)
            .join(api_tokens, api_tokens.c.person_id == people.c.id)
            .where(
                api_tokens.c.token_hash == token_hash,
                api_tokens.c.expires_at > now,
                api_tokens.c.scope == scope,
            )
        ).first()
        return None if row is None else _person(row)

    def revoke_token(self, token_hash: str) -> None:
        self._conn.execute(delete(api_tokens).where(api_tokens.c.token_hash == token_hash))

    def revoke_tokens_of(self, person_id: str, *, keep: str) -> None:
        self._conn.execute(
            delete(api_tokens).where(
                api_tokens.c.person_id == person_id, api_tokens.c.token_hash != keep
            )
        )

    # --- login throttling ----------------------------------------------------------------

    def lock_throttle(self, keys: Sequence[tuple[str, str]]) -> list[Bucket]:
        """The buckets under these keys (created empty if new), locked until the end of the
        unit of work, so parallel attempts on one key are counted one after the other."""
        ordered = sorted(set(keys))
        values = [{"email": e, "client": c, "failures": 0} for e, c in ordered]
        if self._conn.dialect.name == "postgresql":
            self._conn.execute(pg_insert(login_throttle).on_conflict_do_nothing(), values)
        else:
            self._conn.execute(sqlite_insert(login_throttle).on_conflict_do_nothing(), values)
        found: dict[tuple[str, str], Bucket] = {}
        for email, client in ordered:  # one by one, in one order everywhere: no deadlock
            row = self._conn.execute(
                select(login_throttle)
                .where(login_throttle.c.email == email, login_throttle.c.client == client)
                .with_for_update()
            ).one()
            found[(email, client)] = Bucket(email, client, row.failures, row.last_failure_at)
        return [found[key] for key in keys]

    def save_throttle(self, buckets: Sequence[Bucket]) -> None:
        for b in buckets:
            where = (login_throttle.c.email == b.email, login_throttle.c.client == b.client)
            if b.failures == 0:
                self._conn.execute(delete(login_throttle).where(*where))
            else:
                self._conn.execute(
                    update(login_throttle)
                    .where(*where)
                    .values(failures=b.failures, last_failure_at=b.last_failure_at)
                )

    def known_clients(self, email: str, clients: Sequence[str], *, since: datetime) -> set[str]:
        rows = self._conn.execute(
            select(login_known_clients.c.client).where(
                login_known_clients.c.email == email,
                login_known_clients.c.client.in_(set(clients)),
                login_known_clients.c.last_success_at > since,
            )
        )
        return {r.client for r in rows}

    def remember_clients(self, email: str, clients: Sequence[str], *, now: datetime) -> None:
        for client in dict.fromkeys(clients):
            where = (login_known_clients.c.email == email, login_known_clients.c.client == client)
            done = self._conn.execute(
                update(login_known_clients).where(*where).values(last_success_at=now)
            )
            if done.rowcount == 0:
                self._conn.execute(
                    insert(login_known_clients).values(
                        email=email, client=client, last_success_at=now
                    )
                )

    def purge(
        self, *, throttle_before: datetime, known_before: datetime, now: datetime, limit: int
    ) -> int:
        """Delete at most ``limit`` rows of each: forgotten failures, clients not seen for
        long, expired tokens. How many went."""
        gone = 0
        stale = self._conn.execute(
            select(login_throttle.c.email, login_throttle.c.client)
            .where(login_throttle.c.last_failure_at < throttle_before)
            .limit(limit)
        ).all()
        for email, client in stale:
            gone += self._conn.execute(
                delete(login_throttle).where(
                    login_throttle.c.email == email, login_throttle.c.client == client
                )
            ).rowcount
        old = self._conn.execute(
            select(login_known_clients.c.email, login_known_clients.c.client)
            .where(login_known_clients.c.last_success_at < known_before)
            .limit(limit)
        ).all()
        for email, client in old:
            gone += self._conn.execute(
                delete(login_known_clients).where(
                    login_known_clients.c.email == email, login_known_clients.c.client == client
                )
            ).rowcount
        expired = select(api_tokens.c.token_hash).where(api_tokens.c.expires_at <= now).limit(limit)
        hashes = [r.token_hash for r in self._conn.execute(expired)]
        if hashes:
            gone += self._conn.execute(
                delete(api_tokens).where(api_tokens.c.token_hash.in_(hashes))
            ).rowcount
        return gone
