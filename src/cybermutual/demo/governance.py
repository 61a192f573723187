"""The demo collective governs itself: a levy raised by vote, a clinic funded with providers and
paid claims, a proposal that failed for lack of quorum, a few delegations, and an open basic-income
proposal with votes and its impact estimate; a participatory budget round, opened by a passed
proposal, closed with its explained result (one winner raises the clinic's budget), and an open
round a visitor can vote in (members 0 and 1 have not voted yet).

Everything goes through the services at past moments of the seeding clock, and the periodic
``tick`` closes what is due, exactly as the scheduler of ``serve`` would have.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from cybermutual.domain.ledger import AccountKind
from cybermutual.services.container import Services

SLUG = "riverside"
#: (delegator, delegate) by index into the demo's members
DELEGATIONS = [(14, 0), (15, 2), (16, 2), (17, 4), (18, 15)]
#: (proposer, name, share of the round's budget, description); the third names the clinic
SPRING_PROJECTS = [
    (3, "Tool library shelving", 0.35, "Racks and labels so borrowed tools find their way back."),
    (5, "Repair café kit", 0.2, "Soldering stations, sewing machine, a parts cabinet."),
    (7, "More clinic hours", 0.3, "Raises the clinic's budget this month by its cost."),
    (9, "Benches on the river path", 0.25, "Six oak benches, made in the workshop."),
    (11, "Seed bank fridge", 0.15, "Keeps the growers' seed stock through the summer."),
    (2, "Workshop dust extraction", 0.45, "A ducted extractor for the lathe and the saws."),
]
#: member -> the projects (indexes into SPRING_PROJECTS) they approve; 16 of 20 voted
SPRING_BALLOTS = {
    0: [0, 2], 1: [1, 3], 2: [5, 0], 3: [0, 1, 4], 4: [2, 3], 5: [1, 5], 6: [2],
    7: [2, 4], 8: [3, 5], 9: [3, 0], 10: [1, 2, 3], 11: [4, 2], 12: [5], 13: [2, 0],
    15: [0, 3], 19: [1, 4],
}  # fmt: skip
AUTUMN_PROJECTS = [
    (4, "Solar panels on the workshop roof", 0.6, "Cuts the workshop's electricity bill."),
    (6, "Children's woodworking course", 0.3, "Ten Saturday mornings, tools provided."),
    (8, "Cargo bike for deliveries", 0.4, "Shared by the market's sellers."),
    (12, "Community garden irrigation", 0.25, "Drip lines and a rain tank."),
]
AUTUMN_BALLOTS = {2: [0, 1], 3: [2], 5: [0, 3], 7: [1, 3], 9: [0], 11: [2, 3], 13: [1]}


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

    # a participatory budget: the charter opens rounds by proposal, so members vote one open
    def budget_round(
        author: int,
        title: str,
        days_open: int,
        projects: list[tuple[int, str, float, str]],
        ballots: dict[int, list[int]],
    ) -> None:
        budget = _affordable(services)
        proposal = propose(
            author,
            "open_budget_round",
            f"Open a budget round: {title}",
            "Members propose projects; the method of equal shares decides what the fund pays.",
            {
                "title": title,
                "budget": budget,
                "rule": "equal_shares",
                "closes_at": (clock.now() + timedelta(days=3 + days_open)).isoformat(),
            },
            days=3,
        )
        votes(proposal, {i: "yes" for i in range(0, 12)})
        at(clock.now() + timedelta(days=3))  # the proposal passes and opens the round
        view = services.proposals.proposal(SLUG, viewer=members[0], proposal_id=proposal)
        assert view.policy is not None
        round_id = view.policy.changes[0]["to"]["id"]
        ids = []
        for proposer, name, share, description in projects:
            clock.moment += timedelta(hours=5)
            ids.append(
                services.budget_rounds.propose_project(
                    SLUG,
                    proposer=members[proposer],
                    round_id=round_id,
                    name=name,
                    cost=max(100, int(budget * share) // 100 * 100),
                    description=description,
                    service_id=service.id if name == "More clinic hours" else None,
                ).id
            )
        for voter, approve in ballots.items():
            clock.moment += timedelta(minutes=53)
            services.budget_rounds.vote(
                SLUG, voter=members[voter], round_id=round_id, approve=[ids[j] for j in approve]
            )

    budget_round(6, "Spring works", 10, SPRING_PROJECTS, SPRING_BALLOTS)
    at(now - timedelta(days=8))  # the spring round closes: its result is recorded
    budget_round(10, "Autumn works", 14, AUTUMN_PROJECTS, AUTUMN_BALLOTS)

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


def _affordable(services: Services) -> int:
    """Half of what the commons fund holds now, in whole RVC (at least 10 RVC)."""
    with services.uow(readonly=True) as uow:
        collective = uow.collectives.by_slug(SLUG)
        assert collective is not None
        fund = uow.accounts.system(collective.id, AccountKind.COMMONS_FUND)
    return max(1000, (fund.headroom or 0) // 2 // 100 * 100)
