"""A realistic demo collective: members with names, months of trade, a second collective."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cybermutual.domain.collective import Admission, CapitalMode, Charter
from cybermutual.domain.commons import AssetStatus
from cybermutual.domain.errors import CreditLimitExceeded
from cybermutual.domain.money import Currency
from cybermutual.services.container import Services

DEMO_PASSWORD = "demo-password"
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
    first = name.split()[0].lower()
    return f"{first.encode('ascii', 'ignore').decode()}@demo.cybermutual.org"


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
            levy_rate="0.02",  # type: ignore[arg-type]  # parsed by the charter
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
        try:
            services.ledger.pay(
                DEMO_SLUG,
                payer=payer.id,
                payee=payee.id,
                amount=amount,
                memo=memo,
                idempotency_key=f"demo-{index}",
            )
        except CreditLimitExceeded:
            pass  # a member at their limit sells before buying again, as in life
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
    """A workshop's worth of assets, a past round (declined, re-run, used), an open round."""
    clock.moment = now - timedelta(days=25)
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
    services.commons.revise(
        DEMO_SLUG, assets[7].id, member_id=members[18], status=AssetStatus.MAINTENANCE
    )
    clock.moment = now - timedelta(days=20)
    past = services.allocation.open_round(
        DEMO_SLUG,
        member_id=members[0],
        period_start=now - timedelta(days=14),
        period_end=now - timedelta(days=7),
        bids_close_at=now - timedelta(days=16),
    )
    _bid_all(services, past.id, members, assets, rng)
    clock.moment = now - timedelta(days=16) + timedelta(minutes=5)
    services.allocation.compute(DEMO_SLUG, past.id, member_id=members[3])
    report = services.allocation.publish(DEMO_SLUG, past.id, member_id=members[6])
    van = next(s for s in report.shares if s.asset_id == assets[3].id and s.units > 0)
    services.allocation.decline(DEMO_SLUG, past.id, van.id, member_id=van.member_id)
    report = services.allocation.rerun(DEMO_SLUG, past.id, member_id=members[11])
    clock.moment = now - timedelta(days=7) + timedelta(hours=2)
    services.allocation.close(DEMO_SLUG, past.id, member_id=members[0])
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
                idempotency_key=f"demo-commons-sale-{index}",
            )
            sales.append(sale.transfer.id)
        except CreditLimitExceeded:
            pass
        services.commons.log_usage(
            DEMO_SLUG,
            member_id=member_id,
            asset_id=asset_id,
            round_id=past.id,
            units=max(1, units - rng.randint(0, units // 3)),
            output_category=output,
            sales=sales,
        )
    clock.moment = now - timedelta(hours=1)
    upcoming = services.allocation.open_round(
        DEMO_SLUG,
        member_id=members[1],
        period_start=now + timedelta(days=2),
        period_end=now + timedelta(days=9),
        bids_close_at=now + timedelta(days=1),
    )
    _bid_all(services, upcoming.id, members, assets, rng)


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
