"""An allocation round reads its bidders in bulk, on both databases.

Computing a round checked each bidder's membership with its own query: a million bidders meant
a million round trips before the facilitator started. A seeded round of 600 bidders must now be
computed and published with a handful of membership queries, and a leaver's bids still left out.
"""

from __future__ import annotations

from sqlalchemy import Engine, event, select, update

from cybermutual.domain.collective import CapitalMode, Charter
from cybermutual.domain.money import Currency
from cybermutual.services.container import Services
from cybermutual.store.scale_seed import ScalePlan, seed_scale
from cybermutual.store.tables import memberships, people


def test_a_round_of_many_bidders_reads_memberships_in_bulk(
    services: Services, engine: Engine
) -> None:
    founder = services.auth.register(
        email="founder@scale.invalid", password="correct horse", display_name="Founder"
    )
    services.collectives.create(
        founder_id=founder.id,
        slug="big",
        name="Big",
        currency=Currency("SCL", "Scale credits", 2),
        charter=Charter(default_credit_limit=1_000_000, capital_mode=CapitalMode.COMMONS),
    )
    collective = services.collectives.profile("big").collective
    with engine.connect() as conn:
        password_hash = conn.execute(
            select(people.c.password_hash).where(people.c.id == founder.id)
        ).scalar_one()
    seeded = seed_scale(
        engine,
        ScalePlan.of(600, 10, assets=6),
        collective_id=collective.id,
        founder_id=founder.id,
        password_hash=password_hash,
        progress=lambda *_: None,
        now=services.clock.now(),
    )
    leaver = seeded.member_ids[0]
    with engine.begin() as conn:  # a member who left after bidding (the services' leave)
        conn.execute(
            update(memberships)
            .where(memberships.c.member_id == leaver)
            .values(status="left", left_at=services.clock.now())
        )
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        report = services.allocation.compute("big", seeded.round_id, member_id=founder.id)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len([s for s in statements if "FROM memberships" in s]) <= 3
    assert report.shares
    assert leaver not in {s.member_id for s in report.shares}
    published = services.allocation.publish("big", seeded.round_id, member_id=founder.id)
    assert published.shares[0].explanation == report.shares[0].explanation
    assert "reason" in published.shares[0].explanation


def test_memberships_of_more_members_than_a_query_can_bind(
    services: Services, engine: Engine
) -> None:
    """``ledger verify`` of a collective of 100,000 members failed on PostgreSQL: it asked for
    every member's membership in one query, over the 65,535 parameters a query may bind."""
    from cybermutual.store.collectives import SqlMemberships
    from tests.helpers import members

    slug, (a, b) = members(services, 2)
    collective = services.collectives.profile(slug).collective
    wanted = [a.id, b.id, *(f"{n:032x}" for n in range(70_000))]
    with engine.connect() as conn:
        found = SqlMemberships(conn).get_many(collective.id, wanted)
    assert set(found) == {a.id, b.id}
