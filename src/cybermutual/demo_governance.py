"""The demo collective governs itself: a levy raised by vote, a clinic funded with providers and
paid claims, a proposal that failed for lack of quorum, a few delegations, and an open basic-income
proposal with votes and its impact estimate.

Everything goes through the services at past moments of the seeding clock, and the periodic
``tick`` closes what is due, exactly as the scheduler of ``serve`` would have.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from cybermutual.services.container import Services

SLUG = "riverside"
#: (delegator, delegate) by index into the demo's members
DELEGATIONS = [(14, 0), (15, 2), (16, 2), (17, 4), (18, 15)]


class MovableClock(Protocol):
    moment: datetime

    def now(self) -> datetime: ...


def seed_governance(
    services: Services,
    clock: MovableClock,
    members: Sequence[str],
    *,
    now: datetime,
    estimate: bool = True,
) -> None:
    def at(moment: datetime) -> None:
        clock.moment = moment
        services.tick.tick(impacts=False)

    def propose(author: int, kind: str, title: str, body: str, params: Any, days: int) -> str:
        return services.proposals.propose(
            SLUG,
            author=members[author],
            kind=kind,
            title=title,
            body=body,
            params=params,
            closes_at=clock.now() + timedelta(days=days),
        ).proposal.id

    def votes(proposal: str, choices: dict[int, str]) -> None:
        for voter, choice in choices.items():
            clock.moment += timedelta(minutes=37)
            services.votes.vote(SLUG, voter=members[voter], proposal_id=proposal, choice=choice)

    at(now - timedelta(days=62))
    for delegator, delegate in DELEGATIONS:
        services.votes.delegate(SLUG, member=members[delegator], to=members[delegate])

    # a levy raised from 2% to 3%, to fill the fund for a clinic
    levy = propose(
        0,
        "set_levy",
        "Raise the levy to 3% to fund a community clinic",
        "The fund grows too slowly for the clinic we discussed in the spring meeting.",
        {"rate": "0.03"},
        days=7,
    )
    services.proposals.comment(
        SLUG, author=members[3], proposal_id=levy, body="Fine by me if the clinic is free."
    )
    votes(levy, {0: "yes", 1: "yes", 2: "yes", 3: "yes", 4: "no", 5: "yes", 6: "abstain"})
    votes(levy, {7: "yes", 8: "no", 9: "yes", 10: "yes", 11: "yes"})

    at(now - timedelta(days=54))  # the levy closes, passes and applies itself
    clinic = propose(
        7,
        "fund_service",
        "A community clinic, free at the point of use",
        "Hana and Nia offer consultations; the fund pays 15 RVC a visit, 300 RVC a month at most.",
        {
            "name": "Community clinic",
            "category": "health",
            "rate_per_unit": 1500,
            "budget_per_period": 30000,
            "period": "month",
        },
        days=7,
    )
    votes(clinic, {i: "yes" for i in range(0, 12)} | {12: "no", 13: "abstain"})

    at(now - timedelta(days=46))  # the clinic is funded
    service = services.public_services.services(SLUG, viewer=members[0]).items[0].service
    for provider in (7, 13):
        services.public_services.add_provider(SLUG, member=members[provider], service_id=service.id)
    visits = [(7, 2, 1), (13, 5, 2), (7, 9, 1), (13, 11, 1), (7, 19, 2), (13, 3, 1)]
    for n, (provider, patient, units) in enumerate(visits):
        clock.moment += timedelta(days=3, hours=n)
        claim = services.public_services.file_claim(
            SLUG,
            provider=members[provider],
            service_id=service.id,
            recipient=members[patient],
            units=units,
            note="consultation",
        ).claim
        clock.moment += timedelta(hours=20)
        services.public_services.act(
            SLUG,
            actor=members[patient],
            claim_id=claim.id,
            action="confirm",
            idempotency_key=f"demo-claim-{n}",
        )
    services.public_services.file_claim(  # one still waiting for its patient to confirm
        SLUG, provider=members[7], service_id=service.id, recipient=members[6], units=1
    )

    at(now - timedelta(days=30))
    cafe = propose(
        10,
        "resolution",
        "Host a monthly repair café in the workshop",
        "Bring broken things, leave with working ones.",
        {},
        days=7,
    )
    votes(cafe, {10: "yes", 1: "yes"})  # two of twenty: below the 20% quorum
    at(now - timedelta(days=22))

    clock.moment = now - timedelta(days=2)
    income = propose(
        4,
        "basic_income",
        "A basic income of 20 RVC a week",
        "Issued by the collective to every active member; see the impact estimate.",
        {"amount": 2000, "period": "week"},
        days=6,
    )
    votes(income, {4: "yes", 0: "yes", 5: "no", 9: "yes", 2: "abstain", 11: "yes"})
    if estimate:
        services.proposal_impact.compute(SLUG, income)
    clock.moment = now
