"""A realistic demo collective: members with names, months of trade, a second collective."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cybermutual.domain.collective import Admission, CapitalMode, Charter
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
    progress(total, total)
    return [DemoLogin(p.display_name, p.email) for p in people]
