"""Small builders that make tests read like what a member does."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

from cybermutual.domain.collective import Admission, Charter
from cybermutual.domain.money import Currency
from cybermutual.domain.people import Person
from cybermutual.services.container import Services
from cybermutual.services.market import MarketService

_counter = itertools.count()


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
            levy_rate=levy_rate,  # type: ignore[arg-type]
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
