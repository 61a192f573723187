"""The demo, seeded: members with names, months of trade, then the commons, the market and
self-government, and a second collective."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from cybermutual.demo.chains import seed_chains, seed_enterprise_recipes
from cybermutual.demo.commons import seed_commons
from cybermutual.demo.enterprises import seed_enterprises
from cybermutual.demo.governance import seed_governance
from cybermutual.demo.market import seed_market
from cybermutual.demo.people import (
    DEMO_PASSWORD,
    DEMO_SLUG,
    MEMBERS,
    DemoLogin,
    SteppingClock,
    email_of,
)
from cybermutual.domain.collective import Admission, CapitalMode, Charter
from cybermutual.domain.errors import CreditLimitExceeded, DomainError
from cybermutual.domain.money import Currency
from cybermutual.services.container import Services


class Trade(NamedTuple):
    memo: str
    low: int  # whole currency units
    high: int


#: the issuer named in the demo's history exports: where ``cybermutual demo`` serves by default
DEMO_URL = "http://127.0.0.1:8000"

TRADES: list[Trade] = [
    Trade("Bike repair", 15, 60),
    Trade("Sourdough loaves", 6, 18),
    Trade("Website copy edit", 30, 120),
    Trade("Childcare, afternoon", 20, 45),
    Trade("Tomato seedlings", 5, 15),
    Trade("Furniture restoration", 60, 200),
    Trade("Guitar lesson", 20, 35),
    Trade("Laptop setup and backup", 25, 70),
    Trade("Plumbing fix", 40, 150),
    Trade("Translation EN-ES", 25, 90),
    Trade("Honey, 2 jars", 10, 16),
    Trade("Haircut", 12, 25),
    Trade("Moving help, 3 hours", 30, 60),
    Trade("Knitted scarf", 18, 40),
    Trade("Tax form help", 20, 50),
    Trade("Photography session", 50, 180),
    Trade("Meal prep for the week", 35, 80),
    Trade("Sewing alterations", 8, 30),
]


def seed(
    build: Callable[[SteppingClock], Services],
    *,
    now: datetime | None = None,
    payments: int = 300,
    seed_value: int = 2026,
    estimate: bool = True,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> list[DemoLogin]:
    """Create the demo collectives with ``payments`` payments over the last four months.

    ``estimate=False`` leaves the open proposal's impact estimate pending, for the server's
    tick (or ``cybermutual tick``) to compute: seeding then takes seconds, not half a minute."""
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
        trade = rng.choice(TRADES)
        amount = rng.randint(trade.low, trade.high) * 100 + rng.choice([0, 0, 50])
        # a member at their limit sells before buying again, as in life
        with contextlib.suppress(CreditLimitExceeded):
            services.ledger.pay(
                DEMO_SLUG,
                payer=payer.id,
                payee=payee.id,
                amount=amount,
                memo=trade.memo,
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
    for person in growers[1:]:  # each brings their history from Riverside, verified
        export = services.history.export(
            DEMO_SLUG, member_id=person.id, base_url=services.keys.base_url or DEMO_URL
        )
        brought = services.history.verify(export.as_json(), local=True)
        services.collectives.join("hillside-growers", member_id=person.id, history=brought)
        services.collectives.approve(
            "hillside-growers", approver_id=growers[0].id, member_id=person.id
        )
        done += 2
        progress(done, total)
    seed_commons(services, clock, [p.id for p in people], now=now, rng=rng)
    seed_market(services, clock, [p.id for p in people], now=now)
    seed_chains(services, clock, [p.id for p in people], now=now)
    seed_enterprises(services, clock, [p.id for p in people], now=now)
    seed_enterprise_recipes(services, clock, [p.id for p in people], now=now)
    seed_governance(services, clock, [p.id for p in people], now=now, estimate=estimate)
    clock.moment = now - timedelta(hours=12)
    for person in people:  # the demo's months of notices were read long ago; a visitor's are new
        for slug in (DEMO_SLUG, "hillside-growers"):
            with contextlib.suppress(DomainError):  # not a member there
                services.market.mark_read(slug, member_id=person.id)
    progress(total, total)
    return [DemoLogin(p.display_name, p.email) for p in people]
