"""A realistic demo collective: members with names, months of trade, a commons, a market,
self-government (``demo_governance``), and a second collective."""

from __future__ import annotations

import contextlib
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from argon2 import PasswordHasher as Argon2Hasher

from cybermutual.bootstrap import Argon2Passwords
from cybermutual.demo_governance import seed_governance
from cybermutual.domain.collective import Admission, CapitalMode, Charter
from cybermutual.domain.commons import AssetStatus
from cybermutual.domain.errors import CreditLimitExceeded, DomainError
from cybermutual.domain.money import Currency
from cybermutual.services.container import Services

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
# (memo, low, high) in whole currency units
TRADES = [
    ("Bike repair", 15, 60),
    ("Sourdough loaves", 6, 18),
    ("Website copy edit", 30, 120),
    ("Childcare, afternoon", 20, 45),
    ("Tomato seedlings", 5, 15),
    ("Furniture restoration", 60, 200),
    ("Guitar lesson", 20, 35),
    ("Laptop setup and backup", 25, 70),
    ("Plumbing fix", 40, 150),
    ("Translation EN-ES", 25, 90),
    ("Honey, 2 jars", 10, 16),
    ("Haircut", 12, 25),
    ("Moving help, 3 hours", 30, 60),
    ("Knitted scarf", 18, 40),
    ("Tax form help", 20, 50),
    ("Photography session", 50, 180),
    ("Meal prep for the week", 35, 80),
    ("Sewing alterations", 8, 30),
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


def seed(
    build: Callable[[SteppingClock], Services],
    *,
    now: datetime | None = None,
    payments: int = 300,
    seed_value: int = 2026,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> list[DemoLogin]:
    """Create the demo collectives with ``payments`` payments over the last four months."""
    rng = random.Random(seed_value)
    now = now or datetime.now(UTC)
    clock = SteppingClock(now - timedelta(days=130))
    services = build(clock)
    total = len(MEMBERS) + payments + 6
    done = 0
    people = []
    for name in MEMBERS:
        people.append(
            services.auth.register(email=email_of(name), password=DEMO_PASSWORD, display_name=name)
        )
        done += 1
        progress(done, total)
    founder = people[0]
    services.collectives.create(
        founder_id=founder.id,
        slug=DEMO_SLUG,
        name="Riverside Makers",
        currency=Currency("RVC", "Riverside credit", 2),
        charter=Charter(
            default_credit_limit=50_000,
            admission=Admission.OPEN,
            levy_rate=Decimal("0.02"),
            capital_mode=CapitalMode.COMMONS,
        ),
    )
    for person in people[1:]:
        clock.moment += timedelta(hours=rng.uniform(1, 30))
        services.collectives.join(DEMO_SLUG, member_id=person.id)
    step = timedelta(days=120) / payments
    for index in range(payments):
        clock.moment = now - timedelta(days=121) + step * index
        clock.moment += timedelta(minutes=rng.uniform(0, 90))
        payer, payee = rng.sample(people, 2)
        memo, low, high = rng.choice(TRADES)
        amount = rng.randint(low, high) * 100 + rng.choice([0, 0, 50])
        # a member at their limit sells before buying again, as in life
        with contextlib.suppress(CreditLimitExceeded):
            services.ledger.pay(
                DEMO_SLUG,
                payer=payer.id,
                payee=payee.id,
                amount=amount,
                memo=memo,
                idempotency_key=f"demo-{index}",
            )
        done += 1
        progress(done, total)
    clock.moment = now - timedelta(days=20)
    growers = people[12:16]
    services.collectives.create(
        founder_id=growers[0].id,
        slug="hillside-growers",
        name="Hillside Growers",
        currency=Currency("SEED", "Seed hours", 1),
        charter=Charter(default_credit_limit=200, admission=Admission.APPROVAL),
    )
    for person in growers[1:]:
        services.collectives.join("hillside-growers", member_id=person.id)
        services.collectives.approve(
            "hillside-growers", approver_id=growers[0].id, member_id=person.id
        )
        done += 2
        progress(done, total)
    seed_commons(services, clock, [p.id for p in people], now=now, rng=rng)
    seed_market(services, clock, [p.id for p in people], now=now)
    seed_governance(services, clock, [p.id for p in people], now=now)
    clock.moment = now - timedelta(hours=12)
    for person in people:  # the demo's months of notices were read long ago; a visitor's are new
        for slug in (DEMO_SLUG, "hillside-growers"):
            with contextlib.suppress(DomainError):  # not a member there
                services.market.mark_read(slug, member_id=person.id)
    progress(total, total)
    return [DemoLogin(p.display_name, p.email) for p in people]


# (name, category, capacity, unit, location, output categories, contributor index)
WORKSHOP = [
    ("Wood lathe", "woodworking", 40, "hours", "Workshop, bay 1", ["crafts", "repairs"], 5),
    ("Bandsaw", "woodworking", 30, "hours", "Workshop, bay 1", ["crafts", "home"], 9),
    ("Sewing machines (4)", "textiles", 60, "hours", "Workshop, loft", ["crafts", "creative"], 13),
    ("Cargo van", "vehicles", 6, "days", "Yard", ["transport"], 2),
    ("Community kitchen", "kitchens", 50, "hours", "Hall, ground floor", ["food"], 4),
    ("Market garden plots", "land", 12, "plots", "Riverside field", ["food", "home"], 15),
    ("GPU server", "compute", 168, "hours", "Hall, server cupboard", ["digital", "creative"], 7),
    ("3D printer", "fabrication", 80, "hours", "Workshop, bay 2", ["repairs", "digital"], 18),
]
# (member index, asset index, max units, min units, output category)
BIDS = [
    (5, 0, 16, 4, "crafts"),
    (1, 0, 12, 0, "repairs"),
    (9, 1, 10, 0, "home"),
    (5, 1, 8, 0, "crafts"),
    (13, 2, 30, 6, "crafts"),
    (17, 2, 20, 0, "creative"),
    (2, 3, 3, 1, "transport"),
    (12, 3, 3, 0, "transport"),
    (4, 4, 20, 0, "food"),
    (1, 4, 15, 0, "food"),
    (10, 4, 20, 5, "food"),
    (15, 5, 6, 2, "food"),
    (14, 5, 5, 0, "home"),
    (7, 6, 100, 0, "digital"),
    (0, 6, 60, 0, "creative"),
    (8, 6, 40, 0, "digital"),
]


def seed_commons(
    services: Services,
    clock: SteppingClock,
    members: list[str],
    *,
    now: datetime,
    rng: random.Random,
) -> None:
    """A workshop of assets, two finished rounds, and a round a visitor can finish at once.

    The first round (five weeks ago) gives the facilitator a usage log with sales, so the past
    round's values are each member's measured productivity times demand, not the neutral 1.0
    every member has before anyone used anything. The last round's bidding closed and its week
    ended just now: a visitor can compute, publish, decline, re-run and close it in one sitting,
    then open the next round and bid.
    """
    clock.moment = now - timedelta(days=45)
    assets = [
        services.commons.contribute(
            DEMO_SLUG,
            member_id=members[who],
            name=name,
            category=category,
            capacity=capacity,
            unit=unit,
            location=location,
            output_categories=outputs,
        )
        for name, category, capacity, unit, location, outputs, who in WORKSHOP
    ]
    _finished_round(services, clock, members, assets, rng, start=now - timedelta(days=35))
    clock.moment = now - timedelta(days=25)
    services.commons.revise(
        DEMO_SLUG, assets[7].id, member_id=members[18], status=AssetStatus.MAINTENANCE
    )
    _finished_round(
        services, clock, members, assets, rng, start=now - timedelta(days=14), decline_van=True
    )
    clock.moment = now - timedelta(days=6, hours=22)
    ready = services.allocation.open_round(
        DEMO_SLUG,
        member_id=members[1],
        period_start=now - timedelta(days=6),
        period_end=now - timedelta(minutes=30),
        bids_close_at=now - timedelta(days=6),
    )
    _bid_all(services, ready.id, members, assets, rng)


def _finished_round(
    services: Services,
    clock: SteppingClock,
    members: list[str],
    assets: list[Any],
    rng: random.Random,
    *,
    start: datetime,
    decline_van: bool = False,
) -> None:
    """A week's round from opening to close, with the use made of it and the sales it led to."""
    clock.moment = start - timedelta(days=4)
    done = services.allocation.open_round(
        DEMO_SLUG,
        member_id=members[0],
        period_start=start,
        period_end=start + timedelta(days=7),
        bids_close_at=start - timedelta(days=2),
    )
    _bid_all(services, done.id, members, assets, rng)
    clock.moment = start - timedelta(days=2) + timedelta(minutes=5)
    services.allocation.compute(DEMO_SLUG, done.id, member_id=members[3])
    report = services.allocation.publish(DEMO_SLUG, done.id, member_id=members[6])
    if decline_van:
        van = next(s for s in report.shares if s.asset_id == assets[3].id and s.units > 0)
        services.allocation.decline(DEMO_SLUG, done.id, van.id, member_id=van.member_id)
        report = services.allocation.rerun(DEMO_SLUG, done.id, member_id=members[11])
    clock.moment = start + timedelta(days=7, hours=2)
    services.allocation.close(DEMO_SLUG, done.id, member_id=members[0])
    held: dict[tuple[str, str], int] = {}
    for share in report.shares:
        if not share.is_declined and share.units > 0:
            key = (share.member_id, share.asset_id)
            held[key] = held.get(key, 0) + share.units
    categories = {(m, a, o) for m, a, _, _, o in BIDS}
    for index, ((member_id, asset_id), units) in enumerate(sorted(held.items())):
        clock.moment += timedelta(minutes=17)
        output = next(
            o for m, a, o in categories if members[m] == member_id and assets[a].id == asset_id
        )
        buyer = rng.choice([m for m in members if m != member_id])
        sales = []
        try:
            sale = services.ledger.pay(
                DEMO_SLUG,
                payer=buyer,
                payee=member_id,
                amount=rng.randint(10, 60) * 100 * max(1, units // 5),
                memo=f"{output} made with the commons",
                idempotency_key=f"demo-commons-sale-{done.id}-{index}",
            )
            sales.append(sale.transfer.id)
        except CreditLimitExceeded:
            pass
        services.commons.log_usage(
            DEMO_SLUG,
            member_id=member_id,
            asset_id=asset_id,
            round_id=done.id,
            units=max(1, units - rng.randint(0, units // 3)),
            output_category=output,
            sales=sales,
        )


def _bid_all(
    services: Services,
    round_id: str,
    members: list[str],
    assets: list[Any],
    rng: random.Random,
) -> None:
    for who, what, max_units, min_units, output in BIDS:
        services.allocation.place_bid(
            DEMO_SLUG,
            round_id,
            member_id=members[who],
            asset_id=assets[what].id,
            max_units=max(1, max_units - rng.randint(0, max_units // 4)),
            min_units=min_units,
            output_category=output,
        )


# --- market (issue 3): listings, open tasks, finished deals with reviews, one open dispute ---

# (owner index, kind, title, description, category, price in minor units, quantity, tags)
MARKET_LISTINGS: list[tuple[int, str, str, str, str, int, int | None, list[str]]] = [
    (
        1,
        "offer",
        "Sourdough loaves",
        "Rye starter, baked Saturday mornings",
        "food",
        900,
        12,
        ["bread", "organic"],
    ),
    (
        4,
        "offer",
        "Bike repair and tune-up",
        "Brakes, gears, wheels trued",
        "repairs",
        3000,
        None,
        ["bike"],
    ),
    (
        6,
        "offer",
        "Guitar lessons, one hour",
        "Beginners welcome, acoustic or electric",
        "lessons",
        2500,
        None,
        ["music"],
    ),
    (
        10,
        "offer",
        "Wildflower honey, 2 jars",
        "From the riverside hives",
        "food",
        1400,
        8,
        ["honey"],
    ),
    (
        13,
        "offer",
        "Knitted scarves",
        "Merino wool, any colour you like",
        "crafts",
        2800,
        5,
        ["wool", "handmade"],
    ),
    (
        7,
        "offer",
        "Laptop setup and backup",
        "Fresh install, backups that work",
        "digital",
        4000,
        None,
        ["computers"],
    ),
    (
        17,
        "offer",
        "Photography session",
        "Portraits or events, edited photos",
        "creative",
        9000,
        None,
        ["photos"],
    ),
    (11, "offer", "Tomato seedlings", "Six heirloom varieties", "home", 300, 40, ["garden"]),
    (
        3,
        "request",
        "Help moving a sofa on Sunday",
        "Third floor, no lift",
        "transport",
        3000,
        None,
        ["moving"],
    ),
    (
        8,
        "request",
        "Spanish translation of a flyer",
        "About 300 words",
        "creative",
        2000,
        None,
        ["translation"],
    ),
    (
        0,
        "task",
        "Water the community garden this week",
        "Every evening, about 20 minutes",
        "home",
        1500,
        None,
        ["garden"],
    ),
    (9, "task", "Fix the workshop door hinge", "It drags on the floor", "repairs", 1000, None, []),
    (
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
    for owner, kind, title, description, category, price, quantity, tags in MARKET_LISTINGS:
        clock.moment += timedelta(hours=3)
        view = market.post_listing(
            DEMO_SLUG,
            owner=members[owner],
            kind=ListingKind(kind),
            title=title,
            description=description,
            category=category,
            price=price,
            quantity=quantity,
            tags=tags,
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
