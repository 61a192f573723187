"""People (members are people; a member id is the person's id everywhere) and their details.

How many login attempts anyone gets is in ``login_throttle``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from cybermutual.domain.errors import InvalidValue

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    email: str
    display_name: str
    created_at: datetime


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively (casefolded) and without surrounding space."""
    email = email.strip().casefold()
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
