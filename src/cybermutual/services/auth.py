"""Registering, logging in (with throttling of failed attempts) and resolving API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from cybermutual.domain.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidValue,
    Unauthenticated,
)
from cybermutual.domain.people import (
    FAILED_LOGIN_WINDOW,
    Person,
    check_display_name,
    check_login_allowed,
    check_password,
    normalize_email,
)
from cybermutual.services.common import new_id
from cybermutual.services.ports import Clock, PasswordHasher, UnitOfWorkFactory


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
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._token_ttl = token_ttl
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

    def login(self, *, email: str, password: str) -> str:
        """A new bearer token, or ``invalid_credentials``; too many failures must wait."""
        now = self._clock.now()
        try:
            email = normalize_email(email)
        except InvalidValue:
            raise InvalidCredentials("wrong email or password") from None
        with self._uow() as uow:
            check_login_allowed(
                uow.people.recent_login_failures(email, since=now - FAILED_LOGIN_WINDOW), now=now
            )
            found = uow.people.by_email(email)
            if found is None:
                self._hasher.verify(self._dummy(), password)  # same work as for a real account
                ok = False
            else:
                ok = self._hasher.verify(found[1], password)
            if not ok or found is None:
                uow.people.add_login_failure(email, at=now)
                uow.commit()
                raise InvalidCredentials("wrong email or password")
            token = secrets.token_urlsafe(32)
            uow.people.clear_login_failures(email)
            uow.people.add_token(
                _token_hash(token), found[0].id, now=now, expires=now + self._token_ttl
            )
            uow.commit()
        return token

    def authenticate(self, token: str) -> Person:
        """The person a bearer token belongs to."""
        with self._uow(readonly=True) as uow:
            person = uow.people.person_for_token(_token_hash(token), now=self._clock.now())
        if person is None:
            raise Unauthenticated("missing, invalid or expired token")
        return person

    def logout(self, token: str) -> None:
        """Revoke this bearer token at once (other sessions of the person stay valid)."""
        with self._uow() as uow:
            uow.people.revoke_token(_token_hash(token))
            uow.commit()

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_hex(16))
        return self._dummy_hash
