"""Registering, logging in (with throttling of failed attempts), changing passwords, and resolving
tokens: bearer tokens of the JSON API and the web app's session tokens, each valid only where it
was issued (a stolen session cookie does not open the API, nor a bearer token a form)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from cybermutual.domain import login_throttle as throttle
from cybermutual.domain.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidValue,
    Unauthenticated,
)
from cybermutual.domain.people import (
    Person,
    check_display_name,
    check_password,
    normalize_email,
)
from cybermutual.services.ids import new_id
from cybermutual.services.ports import Clock, PasswordHasher, UnitOfWorkFactory

#: Stale throttle rows, forgotten clients and expired tokens deleted per login, at most (each).
PURGE_BATCH = 100


class Scope(StrEnum):
    """Where a token is accepted."""

    API = "api"  # a bearer token of the JSON API
    WEB = "web"  # a session cookie of the web app


@dataclass(frozen=True, slots=True)
class Login:
    """A bearer token, and the device token the client should send back on its next login
    (it makes the client *known*, so strangers' failures never slow it down)."""

    token: str
    device: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AuthService:
    """Accounts of people (not money): who someone is, and proof of it."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        clock: Clock,
        hasher: PasswordHasher,
        token_ttl: timedelta = timedelta(days=30),
        session_ttl: timedelta = timedelta(days=14),
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._ttl = {Scope.API: token_ttl, Scope.WEB: session_ttl}
        self._dummy_hash: str | None = None

    def register(self, *, email: str, password: str, display_name: str) -> Person:
        """A new person; the email must not be registered yet."""
        email = normalize_email(email)
        person = Person(
            id=new_id(),
            email=email,
            display_name=check_display_name(display_name),
            created_at=self._clock.now(),
        )
        password_hash = self._hasher.hash(check_password(password))
        with self._uow() as uow:
            if uow.people.by_email(email) is not None:
                raise EmailTaken("this email is already registered")
            uow.people.add(person, password_hash=password_hash)
            uow.commit()
        return person

    def names(self, person_ids: Iterable[str]) -> dict[str, str]:
        """Display names of these people (members are named in what others see of them)."""
        wanted = [p for p in dict.fromkeys(person_ids) if p]
        if not wanted:
            return {}
        with self._uow(readonly=True) as uow:
            return uow.people.names(wanted)

    def login(
        self,
        *,
        email: str,
        password: str,
        client: str = "unknown",
        device: str | None = None,
        scope: Scope = Scope.API,
    ) -> Login:
        """A new token for ``scope`` (and a device token), or ``invalid_credentials``.

        ``client`` is the address the API sees; ``device`` the device token an earlier
        success gave this client, if it sent one back. The attempt is counted against the
        throttle's buckets in one short transaction *before* the password is checked (so
        parallel guesses are counted one by one), the password is checked outside any write
        transaction (argon2 is slow on purpose, and must not hold SQLite's write lock), and a
        success takes the count back. See ``domain/login_throttle.py`` for the policy.
        """
        now = self._clock.now()
        try:
            email = normalize_email(email)
        except InvalidValue:
            raise InvalidCredentials("wrong email or password") from None
        address_key = f"ip:{client.strip()[:64] or 'unknown'}"
        device_key = None if not device else f"device:{_token_hash(device[:200])}"
        with self._uow() as uow:
            known = uow.people.known_clients(
                email,
                [k for k in (address_key, device_key) if k is not None],
                since=now - throttle.KNOWN_CLIENT_FOR,
            )
            client_key = device_key if device_key in known else address_key
            buckets = uow.people.lock_throttle(
                throttle.bucket_keys(email, client_key, known=bool(known))
            )
            throttle.check_attempt(buckets, now=now)
            uow.people.save_throttle([throttle.count_attempt(b, now=now) for b in buckets])
            uow.people.purge(
                throttle_before=now - throttle.FORGET_AFTER,
                known_before=now - throttle.KNOWN_CLIENT_FOR,
                now=now,
                limit=PURGE_BATCH,
            )
            uow.commit()
        with self._uow(readonly=True) as uow:
            found = uow.people.by_email(email)
        if found is None:
            self._hasher.verify(self._dummy(), password)  # same work as for a real account
            raise InvalidCredentials("wrong email or password")
        if not self._hasher.verify(found[1], password):
            raise InvalidCredentials("wrong email or password")
        token = secrets.token_urlsafe(32)
        if not device or not 16 <= len(device) <= 200:
            device = secrets.token_urlsafe(24)  # a client's first success: a new device token
        with self._uow() as uow:
            buckets = uow.people.lock_throttle([b.key for b in buckets])
            uow.people.save_throttle(throttle.forgive_attempts(buckets))
            uow.people.remember_clients(
                email, [address_key, f"device:{_token_hash(device)}"], now=now
            )
            uow.people.add_token(
                _token_hash(token),
                found[0].id,
                now=now,
                expires=now + self._ttl[scope],
                scope=scope,
            )
            uow.commit()
        return Login(token=token, device=device)

    def authenticate(self, token: str, *, scope: Scope = Scope.API) -> Person:
        """The person a token of ``scope`` belongs to."""
        with self._uow(readonly=True) as uow:
            person = uow.people.person_for_token(
                _token_hash(token), now=self._clock.now(), scope=scope
            )
        if person is None:
            raise Unauthenticated("missing, invalid or expired token")
        return person

    def logout(self, token: str) -> None:
        """Revoke this token at once (other sessions of the person stay valid)."""
        with self._uow() as uow:
            uow.people.revoke_token(_token_hash(token))
            uow.commit()

    def change_password(self, person_id: str, *, current: str, new: str, keep: str) -> None:
        """Replace the password after checking the current one; every other token and session
        of the person is revoked (whoever knew the old password is signed out), ``keep`` stays."""
        new_hash = self._hasher.hash(check_password(new))
        with self._uow(readonly=True) as uow:
            person = uow.people.get(person_id)
            found = None if person is None else uow.people.by_email(person.email)
        if found is None or not self._hasher.verify(found[1], current):
            raise InvalidCredentials("the current password is wrong", field="current_password")
        with self._uow() as uow:
            uow.people.set_password(person_id, new_hash)
            uow.people.revoke_tokens_of(person_id, keep=_token_hash(keep))
            uow.commit()

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_hex(16))
        return self._dummy_hash
