"""The directory's maintained counters agree with a recount of the rows, on both databases.

``collective_counters`` (0014_scale) is kept by triggers in the same transaction as every
posting and membership change; here random payments, holds released or cancelled, levies,
leaving and rejoining, over several weeks of a fake clock, must leave every figure of the
public statistics equal to what counting the rows gives.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from cybermutual.domain.errors import DomainError
from cybermutual.domain.ledger import TRADE_KINDS, AccountKind, TransferKind
from cybermutual.services.container import Services
from cybermutual.services.ports import CollectiveStats
from cybermutual.store.tables import accounts, collectives, memberships, transfers
from tests.helpers import FakeClock, members


def recount(engine: Engine, slug: str, now: datetime) -> CollectiveStats:
    """The statistics as the directory computed them before the counters: by counting rows."""
    with engine.connect() as conn:
        cid = conn.execute(select(collectives.c.id).where(collectives.c.slug == slug)).scalar_one()
        active = conn.execute(
            select(func.count()).where(
                memberships.c.collective_id == cid, memberships.c.status == "active"
            )
        ).scalar_one()
        posted = conn.execute(
            select(transfers.c.kind, transfers.c.amount, transfers.c.settled_at).where(
                transfers.c.collective_id == cid, transfers.c.status == "posted"
            )
        ).all()
        fund = conn.execute(
            select(accounts.c.balance).where(
                accounts.c.collective_id == cid,
                accounts.c.kind == AccountKind.COMMONS_FUND.value,
            )
        ).scalar_one()
    trade = [r for r in posted if r.kind in {k.value for k in TRADE_KINDS}]
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    today = (now - epoch).days
    return CollectiveStats(
        active_members=active,
        posted_transfers=len(trade),
        volume=sum(r.amount for r in trade),
        volume_30d=sum(r.amount for r in trade if (r.settled_at - epoch).days >= today - 30),
        commons_fund=fund,
        last_activity=max((r.settled_at for r in trade), default=None),
        demurrage=sum(r.amount for r in posted if r.kind == TransferKind.DEMURRAGE.value),
        written_off=sum(r.amount for r in posted if r.kind == TransferKind.WRITE_OFF.value),
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_counters_agree_with_a_recount_after_random_operations(
    services: Services, engine: Engine, clock: FakeClock, seed: int
) -> None:
    rng = random.Random(seed)
    slug, people = members(services, 6, levy_rate="0.05", credit_limit=50_000)
    other, _ = members(services, 2, slug="lake")  # a second collective, counted apart
    ids = [p.id for p in people]
    held: list[tuple[str, str]] = []  # (payer, transfer id) of pending payments
    for step in range(60):
        key = f"k{seed}-{step}"
        payer, payee = rng.sample(ids, 2)
        move = rng.random()
        try:
            if move < 0.45:
                services.ledger.pay(
                    slug, payer=payer, payee=payee, amount=rng.randint(1, 900), idempotency_key=key
                )
            elif move < 0.6:
                view = services.ledger.pay(
                    slug,
                    payer=payer,
                    payee=payee,
                    amount=rng.randint(1, 900),
                    idempotency_key=key,
                    pending=True,
                )
                held.append((payer, view.transfer.id))
            elif move < 0.75 and held:
                actor, transfer_id = held.pop(rng.randrange(len(held)))
                services.ledger.settle(
                    slug,
                    actor=actor,
                    transfer_id=transfer_id,
                    post=rng.random() < 0.6,
                    idempotency_key=key,
                )
            elif move < 0.85:
                services.collectives.leave(slug, member_id=rng.choice(ids[1:]))
            elif move < 0.95:
                services.collectives.join(slug, member_id=rng.choice(ids[1:]))
            else:
                clock.advance(days=rng.choice([1, 7, 13]))
        except DomainError:
            pass  # refused (over the limit, already a member, ...): changes nothing
    now = clock.now()
    assert services.collectives.profile(slug).stats == recount(engine, slug, now)
    assert services.collectives.profile(other).stats == recount(engine, other, now)
    clock.advance(days=31)  # everything leaves the 30-day window, nothing else changes
    later = services.collectives.profile(slug).stats
    assert later == recount(engine, slug, clock.now())
    assert later.volume_30d == 0
    assert later.volume > 0
    assert services.ledger.verify(slug).ok


def test_the_directory_lists_the_same_figures(services: Services, engine: Engine) -> None:
    slug, (a, b) = members(services, 2)
    services.ledger.pay(slug, payer=a.id, payee=b.id, amount=700, idempotency_key="x")
    (profile,) = services.collectives.directory().items
    assert profile.stats == recount(engine, slug, services.clock.now())
    assert (profile.stats.active_members, profile.stats.volume) == (2, 700)


def test_the_counting_triggers_name_every_trade_kind() -> None:
    """The triggers of 0014_scale count ``payment`` and ``escrow`` as trade: a new trade kind
    needs a migration that replaces them."""
    assert {k.value for k in TRADE_KINDS} == {"payment", "escrow"}


def test_a_day_is_a_utc_day() -> None:
    from cybermutual.store.collectives import counter_day

    assert counter_day(datetime(1970, 1, 2, 0, 0, tzinfo=UTC)) == 1
    assert counter_day(datetime(2026, 11, 29, 23, 59, 59, tzinfo=UTC)) == counter_day(
        datetime(2026, 11, 29, tzinfo=UTC) + timedelta(hours=1)
    )


def test_the_directory_reads_no_transfer_or_membership_rows(
    services: Services, engine: Engine
) -> None:
    """What made the directory slow at a million members: it counted rows on each request."""
    from sqlalchemy import event

    slug, (a, b, _) = members(services, 3)
    services.ledger.pay(slug, payer=a.id, payee=b.id, amount=5, idempotency_key="x")
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        services.collectives.directory()
        services.collectives.profile(slug)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements
    assert not [s for s in statements if "transfers" in s or "memberships" in s]


def test_a_page_of_the_directory_costs_the_same_queries_however_many_collectives(
    services: Services, engine: Engine
) -> None:
    from sqlalchemy import event

    def queries() -> int:
        statements: list[str] = []

        def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", seen)
        try:
            page = services.collectives.directory()
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert all(p.stats.active_members == 2 for p in page.items)
        return len(statements)

    members(services, 2, slug="one")
    one = queries()
    for slug in ("two", "three", "four"):
        members(services, 2, slug=slug)
    assert queries() == one
