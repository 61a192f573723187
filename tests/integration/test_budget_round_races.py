"""Several servers ticking at once, and members reading meanwhile, close a budget round once:
one result, one raise of a service's budget, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from cybermutual.bootstrap import build_services
from cybermutual.services.container import Services
from cybermutual.store.tables import service_budget_raises
from tests.helpers import FAST_PASSWORDS, SERVERS, FakeClock, count_rows, members, together


def passed(services: Services, slug: str, ids: list[str], kind: str, params: Any) -> Any:
    view = services.proposals.propose(
        slug, author=ids[0], kind=kind, title=kind, body="", params=params
    )
    for voter in ids:
        services.votes.vote(slug, voter=voter, proposal_id=view.proposal.id, choice="yes")
    policy = services.proposals.proposal(slug, viewer=ids[0], proposal_id=view.proposal.id).policy
    assert policy is not None
    assert policy.applied
    return policy.changes[0]["to"]["id"]


def test_ticks_and_readers_at_once_close_a_round_once(
    services: Services, engine: Engine, clock: FakeClock
) -> None:
    slug, people = members(services, 4, levy_rate="0.5")
    ids = [p.id for p in people]
    services.ledger.pay(slug, payer=ids[0], payee=ids[1], amount=2000, idempotency_key="fill")
    clinic = {
        "name": "Clinic",
        "category": "health",
        "rate_per_unit": 10,
        "budget_per_period": 1000,
        "period": "month",
    }
    service = passed(services, slug, ids, "fund_service", clinic)
    closes = (clock.now() + timedelta(days=10)).isoformat()
    round_id = passed(
        services,
        slug,
        ids,
        "open_budget_round",
        {"title": "Works", "budget": 500, "closes_at": closes},
    )
    project = services.budget_rounds.propose_project(
        slug, proposer=ids[1], round_id=round_id, name="More hours", cost=400, service_id=service
    ).id
    for voter in ids:
        services.budget_rounds.vote(slug, voter=voter, round_id=round_id, approve=[project])
    clock.advance(days=10)
    fleet = [services] + [
        build_services(engine, clock=clock, passwords=FAST_PASSWORDS) for _ in range(SERVERS - 1)
    ]
    closed: list[str] = []

    def work(s: Services) -> None:
        if len(closed) % 2:
            s.budget_rounds.result(slug, viewer=ids[0], round_id=round_id)
        closed.extend(s.tick.tick(impacts=False).rounds_closed)

    assert together(fleet, work) == []
    assert closed.count(round_id) <= 1
    assert count_rows(engine, select(func.count()).select_from(service_budget_raises)) == 1
    result = services.budget_rounds.result(slug, viewer=ids[0], round_id=round_id).result
    assert result["selected"] == [project]
    assert result["funded"] is True
