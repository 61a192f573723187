"""Small builders that make tests read like what a member does, and the test doubles they share.

Test modules import what they share from here (or from ``tests/api/helpers.py``), never from a
conftest or from another test module.
"""

from __future__ import annotations

import itertools
import os
import random
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Engine, text

from cybermutual.bootstrap import Argon2Passwords
from cybermutual.domain.collective import Admission, Charter, decimal_of
from cybermutual.domain.market.deals import Order
from cybermutual.domain.money import Currency
from cybermutual.domain.people import Person
from cybermutual.services.bookkeeping import Books
from cybermutual.services.container import Services
from cybermutual.services.loading import load_collective
from cybermutual.services.market import MarketService
from cybermutual.store.tables import metadata

_counter = itertools.count()


def examples(count: int) -> int:
    """How many examples a property runs: ``count``, or a fifth of it in the edit loop
    (``make test-fast`` sets HYPOTHESIS_PROFILE=fast); ``make test`` and CI run them all."""
    return max(5, count // 5) if os.environ.get("HYPOTHESIS_PROFILE") == "fast" else count


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


#: argon2 at its cheapest, so tests spend no time hashing (production uses the defaults).
FAST_PASSWORDS = Argon2Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def truncate_all(engine: Engine) -> None:
    """Empty every table of a PostgreSQL test database (faster than making a new one)."""
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def assert_problem(reply: Any, status: int, code: str) -> dict[str, Any]:
    """``reply`` is an RFC 9457 problem document with this status and code; its body."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = reply.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


def person(services: Services, name: str = "member") -> Person:
    n = next(_counter)
    return services.auth.register(
        email=f"{name.lower()}{n}@example.org", password="correct horse", display_name=name
    )


def collective(
    services: Services,
    founder: Person,
    *,
    slug: str = "river",
    credit_limit: int = 10_000,
    admission: Admission = Admission.OPEN,
    levy_rate: str = "0",
) -> str:
    services.collectives.create(
        founder_id=founder.id,
        slug=slug,
        name=slug.title(),
        currency=Currency("HRS", "Hours", 2),
        charter=Charter(
            default_credit_limit=credit_limit,
            admission=admission,
            levy_rate=decimal_of(levy_rate, "levy_rate"),
        ),
    )
    return slug


def members(services: Services, count: int, **options: object) -> tuple[str, list[Person]]:
    """A collective with ``count`` active members (the first is its founder)."""
    people = [person(services, f"m{i}") for i in range(count)]
    slug = collective(services, people[0], **options)  # type: ignore[arg-type]
    for p in people[1:]:
        services.collectives.join(slug, member_id=p.id)
    return slug, people


def with_jury_seed(services: Services, seed: int) -> Services:
    """The same services, with jury draws from a seeded generator (reproducible juries)."""
    market = MarketService(services.uow, clock=services.clock, rng=random.Random(seed))
    return replace(services, market=market)


def void_behind_the_back(services: Services, slug: str, order: Order) -> None:
    """What the attack did before the fix: the escrow voided through the ledger's own books."""
    with services.uow() as uow:
        collective = load_collective(uow, slug)
        books = Books(uow, collective, now=services.market._clock.now())
        books.lock_members([order.buyer_id, order.seller_id])
        escrow = uow.transfers.get(order.escrow_id)
        assert escrow is not None
        books.settle(escrow, post=False)
        books.close()
        uow.commit()


SERVERS = 6


def together(fleet: list[Services], work: Callable[[Services], object]) -> list[BaseException]:
    """Run ``work`` on every server at the same moment; the exceptions it raised."""
    barrier = threading.Barrier(len(fleet))
    failures: list[BaseException] = []

    def run(services: Services) -> None:
        barrier.wait()
        try:
            work(services)
        except BaseException as exc:  # collected and asserted on below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in fleet]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return failures


def count_rows(engine: Engine, query: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())  # type: ignore[call-overload]
