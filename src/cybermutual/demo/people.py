"""The demo's people: who they are, how they log in, and the clock seeding moves."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher as Argon2Hasher

from cybermutual.bootstrap import Argon2Passwords

DEMO_PASSWORD = "demo-password"
#: The demo's passwords are published, so their hashes protect nothing: the cheapest argon2id
#: parameters make seeding take a second instead of half a minute. People who register on a demo
#: server get the normal parameters (the server builds its own hasher).
DEMO_PASSWORDS = Argon2Passwords(Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1))
DEMO_SLUG = "riverside"
MEMBERS = [
    "Ada Okafor",
    "Bruno Lindqvist",
    "Chiara Romano",
    "Dmitri Volkov",
    "Esi Mensah",
    "Farah Haddad",
    "Gustavo Pereira",
    "Hana Sato",
    "Ivo Petrović",
    "Jonas Weber",
    "Keala Kahananui",
    "Lucía Fernández",
    "Mateo Rossi",
    "Nia Williams",
    "Olek Nowak",
    "Priya Raman",
    "Quentin Dubois",
    "Rosa Martínez",
    "Sami Virtanen",
    "Tendai Moyo",
]


@dataclass(frozen=True, slots=True)
class DemoLogin:
    display_name: str
    email: str


class SteppingClock:
    """A clock the seeding moves through the past months."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment


def email_of(name: str) -> str:
    """``firstname@demo.cybermutual.org``, accents transliterated: Lucía -> lucia, Petrović -> ...

    NFKD splits a letter from its accents, which are then dropped, so the login is what a person
    would type on any keyboard (and never loses a letter, as a plain ASCII encode would).
    """
    decomposed = unicodedata.normalize("NFKD", name.split()[0].casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return f"{plain.encode('ascii', 'ignore').decode()}@demo.cybermutual.org"
