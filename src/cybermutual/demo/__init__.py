"""A realistic demo collective: members with names, months of trade, a commons, a market,
self-government, and a second collective. ``seed`` builds it all."""

from cybermutual.demo.people import (
    DEMO_PASSWORD,
    DEMO_PASSWORDS,
    DEMO_SLUG,
    MEMBERS,
    DemoLogin,
    SteppingClock,
    email_of,
)
from cybermutual.demo.seeding import seed

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_PASSWORDS",
    "DEMO_SLUG",
    "MEMBERS",
    "DemoLogin",
    "SteppingClock",
    "email_of",
    "seed",
]
