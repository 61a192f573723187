"""The demo's enterprises: a bakery co-operative and a bicycle firm, a month of work and sales,
one closed pay period with its wages, merit shares and dividends, a firm employee holding vested
equity, a member with a dual wage (contracts with both), and a co-op's open decision and
invitation (to the demo's first member, so a visitor sees one)."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from decimal import Decimal

from cybermutual.demo.people import DEMO_SLUG, SteppingClock
from cybermutual.domain.enterprise.contracts import HoursAction
from cybermutual.domain.enterprise.kinds import EnterpriseKind, Role
from cybermutual.domain.errors import DomainError
from cybermutual.domain.market.deals import Action
from cybermutual.domain.market.listings import ListingKind
from cybermutual.services.container import Services

#: (member index, hours) logged on each of four days; the co-op's worker-owners, then the firm's
CO_OP_HOURS = {1: "1.5", 2: "1", 3: "1", 6: "0.5"}
FIRM_HOURS = {5: "1", 6: "0.5"}


def seed_enterprises(
    services: Services, clock: SteppingClock, people: list[str], *, now: datetime
) -> None:
    """Bruno, Chiara and Dmitri run a bakery co-operative; Esi owns a bicycle firm where Farah
    works and holds vesting shares; Gustavo works for both (a dual wage)."""
    s = DEMO_SLUG
    bruno, chiara, dmitri, esi, farah, gustavo = (people[i] for i in range(1, 7))
    clock.moment = now - timedelta(days=40)
    bakery = services.enterprises.create(
        s,
        founder=bruno,
        kind=EnterpriseKind.COOPERATIVE,
        name="Riverside Bakery Co-op",
        description="Sourdough and rye, baked by its worker-owners",
        cofounders=(chiara, dmitri),
        reserve_share=Decimal("0.1"),
    ).enterprise.id
    bikes = services.enterprises.create(
        s,
        founder=esi,
        kind=EnterpriseKind.FIRM,
        name="Mensah Cycle Works",
        description="Repairs, refurbished bikes and parts",
    ).enterprise.id
    start = now - timedelta(days=39)
    contracts = {
        (bakery, who): services.enterprises.offer_contract(
            s, actor=bruno, enterprise_id=bakery, member=who, hourly_wage=wage, role=role,
            starts_at=start,
        ).id
        for who, role, wage in (
            (bruno, Role.WORKER_OWNER, 1000), (chiara, Role.WORKER_OWNER, 1000),
            (dmitri, Role.WORKER_OWNER, 1000), (gustavo, Role.EMPLOYEE, 1200),
        )
    } | {
        (bikes, who): services.enterprises.offer_contract(
            s, actor=esi, enterprise_id=bikes, member=who, hourly_wage=wage, role=Role.EMPLOYEE,
            starts_at=start,
        ).id
        for who, wage in ((farah, 1500), (gustavo, 1400))
    }  # fmt: skip
    clock.moment = now - timedelta(days=38)
    services.enterprises.grant_equity(
        s,
        actor=esi,
        enterprise_id=bikes,
        member=farah,
        shares=25,
        vest_start=now - timedelta(days=60),
        vest_end=now + timedelta(days=120),
    )
    for day in range(4):  # four days of work, each approved by someone else
        clock.moment = now - timedelta(days=34 - 5 * day)
        for enterprise, hours, approver in (
            (bakery, CO_OP_HOURS, chiara),
            (bikes, FIRM_HOURS, esi),
        ):
            for index, amount in hours.items():
                member = people[index]
                entry = services.enterprises.log_hours(
                    s, member=member, enterprise_id=enterprise,
                    contract_id=contracts[(enterprise, member)],
                    worked_at=clock.moment - timedelta(hours=3), hours=Decimal(amount),
                )  # fmt: skip
                services.enterprises.decide_hours(
                    s, actor=bruno if member == approver else approver, enterprise_id=enterprise,
                    entry_id=entry.id, action=HoursAction.APPROVE,
                )  # fmt: skip
    _sales(services, clock, people, seller=bruno, deliverer=chiara, enterprise=bakery, now=now,
           title="Rye loaves, a dozen", price=6_000, buyers=(8, 9, 10, 11))  # fmt: skip
    _sales(services, clock, people, seller=esi, deliverer=farah, enterprise=bikes, now=now,
           title="Bike service, full", price=6_000, buyers=(12, 13, 14))  # fmt: skip

    clock.moment = now - timedelta(days=9)
    for enterprise, closer in ((bakery, bruno), (bikes, esi)):
        period = services.enterprises.open_period(
            s, actor=closer, enterprise_id=enterprise, ends_at=now - timedelta(days=8)
        )
        clock.moment = now - timedelta(days=7)
        with contextlib.suppress(DomainError):  # an account that cannot pay: shown unpaid
            services.enterprises.close_period(
                s, actor=closer, enterprise_id=enterprise, period_id=period.id,
                idempotency_key=f"demo-close-{enterprise}",
            )  # fmt: skip

    clock.moment = now - timedelta(days=2)
    services.proposals.propose(
        s,
        author=chiara,
        kind="set_merit_metric",
        title="Count sales as well as hours",
        body="Those who bring customers in should share in what they bring.",
        params={"metric": "mix", "mix": {"hours": 2, "productivity": 1, "ratings": 0}},
        closes_at=now + timedelta(days=5),
        enterprise_id=bakery,
    )
    services.coop.invite(
        s,
        enterprise_id=bakery,
        inviter=bruno,
        member=people[0],
        message="You bake with us on Saturdays already. Join as a worker-owner?",
    )


def _sales(
    services: Services,
    clock: SteppingClock,
    people: list[str],
    *,
    seller: str,
    deliverer: str,
    enterprise: str,
    now: datetime,
    title: str,
    price: int,
    buyers: tuple[int, ...],
) -> None:
    """The enterprise's offer, bought and delivered over the period."""
    clock.moment = now - timedelta(days=30)
    listing = services.market.post_listing(
        DEMO_SLUG,
        owner=seller,
        kind=ListingKind.OFFER,
        title=title,
        description="Made to order",
        category="food" if "loaves" in title else "repairs",
        price=price,
        quantity=len(buyers) + 6,
        enterprise_id=enterprise,
    ).listing.id
    for n, index in enumerate(buyers):
        clock.moment = now - timedelta(days=28 - 4 * n)
        buyer = people[index]
        with contextlib.suppress(DomainError):  # a buyer at their limit buys nothing
            order = services.market.place_order(
                DEMO_SLUG, buyer=buyer, listing_id=listing,
                idempotency_key=f"demo-enterprise-{listing}-{n}",
            )  # fmt: skip
            services.market.act(DEMO_SLUG, actor=deliverer, order_id=order.id, action=Action.ACCEPT)
            services.market.act(
                DEMO_SLUG, actor=deliverer, order_id=order.id, action=Action.DELIVER
            )
            clock.moment += timedelta(hours=20)
            services.market.act(
                DEMO_SLUG, actor=buyer, order_id=order.id, action=Action.CONFIRM,
                idempotency_key=f"demo-enterprise-confirm-{order.id}",
            )  # fmt: skip
