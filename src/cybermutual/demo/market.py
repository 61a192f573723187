"""The demo's market: listings, open tasks, finished deals with reviews, one open dispute."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from cybermutual.demo.people import DEMO_SLUG, SteppingClock
from cybermutual.domain.errors import CreditLimitExceeded
from cybermutual.services.container import Services


class DemoListing(NamedTuple):
    owner: int  # index into the demo's members
    kind: str
    title: str
    description: str
    category: str
    price: int  # minor units
    quantity: int | None
    tags: list[str]


MARKET_LISTINGS: list[DemoListing] = [
    DemoListing(
        1,
        "offer",
        "Sourdough loaves",
        "Rye starter, baked Saturday mornings",
        "food",
        900,
        12,
        ["bread", "organic"],
    ),
    DemoListing(
        4,
        "offer",
        "Bike repair and tune-up",
        "Brakes, gears, wheels trued",
        "repairs",
        3000,
        None,
        ["bike"],
    ),
    DemoListing(
        6,
        "offer",
        "Guitar lessons, one hour",
        "Beginners welcome, acoustic or electric",
        "lessons",
        2500,
        None,
        ["music"],
    ),
    DemoListing(
        10,
        "offer",
        "Wildflower honey, 2 jars",
        "From the riverside hives",
        "food",
        1400,
        8,
        ["honey"],
    ),
    DemoListing(
        13,
        "offer",
        "Knitted scarves",
        "Merino wool, any colour you like",
        "crafts",
        2800,
        5,
        ["wool", "handmade"],
    ),
    DemoListing(
        7,
        "offer",
        "Laptop setup and backup",
        "Fresh install, backups that work",
        "digital",
        4000,
        None,
        ["computers"],
    ),
    DemoListing(
        17,
        "offer",
        "Photography session",
        "Portraits or events, edited photos",
        "creative",
        9000,
        None,
        ["photos"],
    ),
    DemoListing(
        11, "offer", "Tomato seedlings", "Six heirloom varieties", "home", 300, 40, ["garden"]
    ),
    DemoListing(
        3,
        "request",
        "Help moving a sofa on Sunday",
        "Third floor, no lift",
        "transport",
        3000,
        None,
        ["moving"],
    ),
    DemoListing(
        8,
        "request",
        "Spanish translation of a flyer",
        "About 300 words",
        "creative",
        2000,
        None,
        ["translation"],
    ),
    DemoListing(
        0,
        "task",
        "Water the community garden this week",
        "Every evening, about 20 minutes",
        "home",
        1500,
        None,
        ["garden"],
    ),
    DemoListing(
        9, "task", "Fix the workshop door hinge", "It drags on the floor", "repairs", 1000, None, []
    ),
    DemoListing(
        15,
        "task",
        "Design a poster for the harvest fair",
        "A4, bright, with the date",
        "creative",
        3500,
        None,
        ["design"],
    ),
]


def seed_market(
    services: Services, clock: SteppingClock, members: list[str], *, now: datetime
) -> None:
    """Listings, open tasks, completed orders with reviews, a done task, one open dispute."""
    from cybermutual.domain.market.deals import Action
    from cybermutual.domain.market.disputes import Vote
    from cybermutual.domain.market.listings import ListingKind

    market = services.market
    clock.moment = now - timedelta(days=18)
    ids = []
    for item in MARKET_LISTINGS:
        clock.moment += timedelta(hours=3)
        view = market.post_listing(
            DEMO_SLUG,
            owner=members[item.owner],
            kind=ListingKind(item.kind),
            title=item.title,
            description=item.description,
            category=item.category,
            price=item.price,
            quantity=item.quantity,
            tags=item.tags,
            location="Riverside",
        )
        ids.append(view.listing.id)

    def deal(buyer: int, listing: int, key: str, *, quantity: int = 1) -> str | None:
        clock.moment += timedelta(hours=5)
        try:
            order = market.place_order(
                DEMO_SLUG,
                buyer=members[buyer],
                listing_id=ids[listing],
                quantity=quantity,
                idempotency_key=key,
            )
        except CreditLimitExceeded:
            return None
        return order.id

    def through(order_id: str | None, seller: int, buyer: int, stars: tuple[int, int]) -> None:
        if order_id is None:
            return
        for action, actor in ((Action.ACCEPT, seller), (Action.DELIVER, seller)):
            clock.moment += timedelta(hours=6)
            market.act(DEMO_SLUG, actor=members[actor], order_id=order_id, action=action)
        clock.moment += timedelta(hours=12)
        market.act(
            DEMO_SLUG,
            actor=members[buyer],
            order_id=order_id,
            action=Action.CONFIRM,
            idempotency_key=f"demo-confirm-{order_id}",
        )
        market.review(
            DEMO_SLUG,
            author=members[buyer],
            order_id=order_id,
            stars=stars[0],
            text="Just as described, thank you!",
        )
        market.review(
            DEMO_SLUG,
            author=members[seller],
            order_id=order_id,
            stars=stars[1],
            text="Friendly and on time.",
        )

    through(deal(2, 0, "demo-m-1", quantity=2), 1, 2, (5, 5))
    through(deal(5, 1, "demo-m-2"), 4, 5, (5, 4))
    through(deal(12, 3, "demo-m-3"), 10, 12, (4, 5))
    through(deal(19, 4, "demo-m-4"), 13, 19, (5, 5))
    through(deal(14, 2, "demo-m-5"), 6, 14, (3, 4))
    deal(16, 7, "demo-m-6", quantity=6)  # placed, waiting for the seller
    # a task done and paid
    clock.moment += timedelta(hours=4)
    application = market.apply(
        DEMO_SLUG, applicant=members[18], listing_id=ids[11], message="I have the tools"
    )
    task = market.assign(
        DEMO_SLUG,
        actor=members[9],
        listing_id=ids[11],
        application_id=application.id,
        idempotency_key="demo-assign-1",
    )
    through_task = [(Action.DELIVER, 18), (Action.CONFIRM, 9)]
    for action, actor in through_task:
        clock.moment += timedelta(hours=8)
        market.act(
            DEMO_SLUG,
            actor=members[actor],
            order_id=task.id,
            action=action,
            idempotency_key=f"demo-task-{action.value}",
        )
    market.review(DEMO_SLUG, author=members[9], order_id=task.id, stars=5, text="Door is fixed.")
    # applications on the open tasks
    market.apply(DEMO_SLUG, applicant=members[3], listing_id=ids[10], message="I pass by daily")
    market.apply(DEMO_SLUG, applicant=members[17], listing_id=ids[12], message="Portfolio attached")
    market.quote(
        DEMO_SLUG, quoter=members[2], listing_id=ids[8], price=2500, message="I can bring a friend"
    )
    # one open dispute: delivered scarf, buyer says it was the wrong colour
    disputed = deal(8, 4, "demo-m-7")
    if disputed is not None:
        for action in (Action.ACCEPT, Action.DELIVER):
            clock.moment += timedelta(hours=6)
            market.act(DEMO_SLUG, actor=members[13], order_id=disputed, action=action)
        clock.moment += timedelta(days=1)
        disputed_view = market.open_dispute(
            DEMO_SLUG,
            actor=members[8],
            order_id=disputed,
            reason="The scarf arrived in grey, I asked for green.",
            idempotency_key="demo-dispute-1",
        )
        first = disputed_view.dispute.jurors[0].member_id
        market.vote(
            DEMO_SLUG,
            juror=first,
            dispute_id=disputed_view.dispute.id,
            vote=Vote.SPLIT,
            idempotency_key="demo-vote-1",
        )
