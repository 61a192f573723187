"""Parallel payments near the credit limits: no overdraft, no lost update, no deadlock.

8 threads x 500 random payments among 20 accounts held near their limits, through the service
layer on each database (PostgreSQL with row locks in a fixed order; SQLite with one writer at a
time). Afterwards: zero sum, no limit breached, the journal verifies, and exactly as many posted
transfers as successful calls.
"""

from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import Engine

from cybermutual.bootstrap import build_services
from cybermutual.domain.errors import CreditLimitExceeded
from cybermutual.services.container import Services
from cybermutual.services.ledger import PaymentOrder
from tests.helpers import FAST_PASSWORDS, FakeClock, members

THREADS = 8
PAYMENTS = 500
ACCOUNTS = 20
LIMIT = 1_000


@pytest.mark.slow
@pytest.mark.parametrize("servers", [1, THREADS], ids=["one-server", "eight-servers"])
def test_parallel_payments_near_limits(
    services: Services, engine: Engine, clock: FakeClock, servers: int
) -> None:
    """One server (group commit inside it) or eight servers (row locks in the database)."""
    slug, people = members(services, ACCOUNTS, credit_limit=LIMIT, levy_rate="0.03")
    fleet = [services] + [
        build_services(engine, clock=clock, passwords=FAST_PASSWORDS) for _ in range(servers - 1)
    ]
    ids = [p.id for p in people]
    # hold everyone near their limit: half the members owe ~90% of their limit
    services.ledger.post_many(slug, [PaymentOrder(ids[i], ids[i + 10], 900) for i in range(10)])
    ok = [0] * THREADS
    refused = [0] * THREADS
    unexpected: list[BaseException] = []

    def worker(n: int) -> None:
        rng = random.Random(n)
        for k in range(PAYMENTS):
            payer, payee = rng.sample(ids, 2)
            try:
                fleet[n % servers].ledger.pay(
                    slug,
                    payer=payer,
                    payee=payee,
                    amount=rng.randint(1, 400),
                    idempotency_key=f"t{n}-{k}",
                )
                ok[n] += 1
            except CreditLimitExceeded:
                refused[n] += 1
            except BaseException as exc:  # a deadlock or lost update would land here
                unexpected.append(exc)
                return

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert unexpected == []
    assert sum(ok) + sum(refused) == THREADS * PAYMENTS
    assert sum(refused) > 0  # the limits were really in play
    result = services.ledger.verify(slug)
    assert result.ok, result.problems
    with services.uow(readonly=True) as uow:
        collective = uow.collectives.by_slug(slug)
        assert collective is not None
        accounts = uow.accounts.all_of(collective.id)
        payments = [t for t in uow.transfers.all_of(collective.id) if t.kind.value == "payment"]
    assert sum(a.balance for a in accounts) == 0
    for account in accounts:
        if account.credit_limit is not None:
            assert account.balance >= -account.credit_limit
    assert len(payments) == sum(ok) + 10


def test_the_very_first_payments_of_a_collective_race_safely(services: Services) -> None:
    """The journal head exists from the start, so even the first entries serialise."""
    slug, people = members(services, 2 * THREADS, credit_limit=LIMIT)
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def first(n: int) -> None:
        start.wait()
        try:
            services.ledger.pay(
                slug,
                payer=people[2 * n].id,
                payee=people[2 * n + 1].id,
                amount=5,
                idempotency_key="first",
            )
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=first, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    result = services.ledger.verify(slug)
    assert result.ok, result.problems
    assert result.entries == THREADS


def test_one_key_sent_at_once_through_several_servers_posts_once(
    services: Services, engine: Engine, clock: FakeClock
) -> None:
    slug, (a, b) = members(services, 2, credit_limit=LIMIT)
    fleet = [services, build_services(engine, clock=clock, passwords=FAST_PASSWORDS)]
    start = threading.Barrier(THREADS)
    ids: list[str] = []
    failures: list[BaseException] = []

    def retry(n: int) -> None:
        start.wait()
        try:
            view = fleet[n % 2].ledger.pay(
                slug, payer=a.id, payee=b.id, amount=70, idempotency_key="once"
            )
            ids.append(view.transfer.id)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=retry, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(set(ids)) == 1
    assert len(ids) == THREADS
    assert services.ledger.account(slug, member_id=a.id).account.balance == -70
    assert services.ledger.verify(slug).entries == 1
