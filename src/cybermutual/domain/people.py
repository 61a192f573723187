"""People (members are people; a member id is the person's id everywhere) and login rules."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cybermutual.domain.errors import InvalidValue, TooManyAttempts

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256
#: Failed logins allowed for one account within the window before it must wait.
MAX_FAILED_LOGINS = 5
FAILED_LOGIN_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    email: str
    display_name: str
    created_at: datetime


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding space."""
    email = email.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidValue("not a valid email address", field="email")
    return email


def check_display_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 80:
        raise InvalidValue("display name must have 1-80 characters", field="display_name")
    return name


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidValue(
            f"password must have {MIN_PASSWORD}-{MAX_PASSWORD} characters", field="password"
        )
    return password


def check_login_allowed(recent_failures: Sequence[datetime], *, now: datetime) -> None:
    """Refuse a login attempt while the account has too many recent failures.

    The block lifts by itself as failures age out of the window, so the owner is never locked
    out for good, and a guesser gets at most ``MAX_FAILED_LOGINS`` tries per window.
    """
    window = sorted(t for t in recent_failures if now - t < FAILED_LOGIN_WINDOW)
    if len(window) >= MAX_FAILED_LOGINS:
        unblock = window[-MAX_FAILED_LOGINS] + FAILED_LOGIN_WINDOW
        wait = max(1, int((unblock - now).total_seconds() + 0.999))
        raise TooManyAttempts(
            f"too many failed logins; try again in {wait} seconds", retry_after_seconds=wait
        )
