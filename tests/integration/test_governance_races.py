"""Several servers ticking at once (and members acting meanwhile) never apply an effect twice,
never pay a basic income twice in a period, never pay a claim twice, on both databases.

Before the guards (a conditional update on the proposal's status, reading what is due under the
fund's and the issuance account's locks, the periodic register's key) each of these ran once
per ticking server.
"""

from __future__ import annotations

import contextlib

from sqlalchemy import Engine, func, select

from cybermutual.bootstrap import build_services
from cybermutual.services.container import Services
from cybermutual.store.tables import periodic_payments, policy_changes, transfers
from tests.helpers import FAST_PASSWORDS, SERVERS, FakeClock, count_rows, members, together


def test_ticks_at_once_apply_and_pay_once(
    services: Services, engine: Engine, clock: FakeClock
) -> None:
    slug, people = members(services, 5, levy_rate="0.2")
    ids = [p.id for p in people]
    fleet = [services] + [
        build_services(engine, clock=clock, passwords=FAST_PASSWORDS) for _ in range(SERVERS - 1)
    ]
    income = services.proposals.propose(
        slug,
        author=ids[0],
        kind="basic_income",
        title="Basic income",
        body="",
        params={"amount": 100, "period": "week"},
    )
    clinic = services.proposals.propose(
        slug,
        author=ids[0],
        kind="fund_service",
        title="Clinic",
        body="",
        params={
            "name": "Clinic",
            "category": "health",
            "rate_per_unit": 10,
            "budget_per_period": 1000,
            "period": "week",
        },
    )
    for proposal in (income, clinic):
        for voter in ids[:3]:
            services.votes.vote(slug, voter=voter, proposal_id=proposal.proposal.id, choice="yes")
    clock.advance(days=7)

    failures = together(fleet, lambda s: s.tick.tick(impacts=False))
    assert not [f for f in failures if not _is_benign(f)]
    assert count_rows(engine, select(func.count()).select_from(policy_changes)) == 2
    # the tick that closed the basic income (or a later one) pays it: once per member
    for s in fleet:
        s.tick.tick(impacts=False)
    assert count_rows(engine, select(func.count()).select_from(periodic_payments)) == 5
    assert count_rows(engine, select(func.count()).where(transfers.c.kind == "basic_income")) == 5

    # a waiting claim, confirmed while every server ticks: paid exactly once
    service = services.public_services.services(slug, viewer=ids[0]).items[0].service
    services.public_services.add_provider(slug, member=ids[1], service_id=service.id)
    services.ledger.pay(slug, payer=ids[0], payee=ids[2], amount=250, idempotency_key="fill")
    claim = services.public_services.file_claim(
        slug, provider=ids[1], service_id=service.id, recipient=ids[3], units=4
    ).claim

    def confirm_or_tick(s: Services) -> None:
        if s is services:
            s.public_services.act(
                slug, actor=ids[3], claim_id=claim.id, action="confirm", idempotency_key="c"
            )
        else:
            s.tick.tick(impacts=False)

    failures = together(fleet, confirm_or_tick)
    assert not [f for f in failures if not _is_benign(f)]
    for s in fleet:
        s.tick.tick(impacts=False)
    assert count_rows(engine, select(func.count()).where(transfers.c.kind == "public_service")) == 1
    paid = services.public_services.claim(slug, viewer=ids[1], claim_id=claim.id).claim
    assert paid.status.value == "paid"
    assert services.ledger.verify(slug).ok


def _is_benign(exc: BaseException) -> bool:
    """A periodic payment that lost a race to the register's key rolls back whole: harmless
    (its rows were paid by the winner); anything else is a bug."""
    return "periodic_payments" in str(exc) or "UNIQUE constraint" in str(exc)


def test_no_vote_lands_between_a_closings_count_and_its_close(
    services: Services, engine: Engine, clock: FakeClock
) -> None:
    """Members change their votes while servers tick and close the proposal early: the tally
    counts exactly the ballots stored (none accepted after it was counted)."""
    from cybermutual.domain.errors import ProposalClosed
    from cybermutual.domain.governance.tally import Counts

    slug, people = members(services, 6)
    ids = [p.id for p in people]
    fleet = [services] + [
        build_services(engine, clock=clock, passwords=FAST_PASSWORDS) for _ in range(SERVERS - 1)
    ]
    for trial in range(4):
        view = services.proposals.propose(
            slug, author=ids[0], kind="resolution", title=f"r{trial}", body="", params={}
        )
        pid = view.proposal.id
        for voter in ids[:5]:
            services.votes.vote(slug, voter=voter, proposal_id=pid, choice="yes")

        def work(s: Services, pid: str = pid) -> None:
            n = fleet.index(s)
            if n == 0:  # the last voter: everyone is counted after this, so it may close it
                with contextlib.suppress(ProposalClosed):
                    s.votes.vote(slug, voter=ids[5], proposal_id=pid, choice="no")
            elif n < 4:
                for voter in ids[n : n + 2]:
                    with contextlib.suppress(ProposalClosed):
                        s.votes.vote(slug, voter=voter, proposal_id=pid, choice="no")
            else:
                s.tick.tick(impacts=False)

        assert together(fleet, work) == []
        services.tick.tick(impacts=False)
        closed = services.proposals.proposal(slug, viewer=ids[0], proposal_id=pid).proposal
        assert closed.tally is not None
        with services.uow(readonly=True) as uow:
            stored = uow.governance.ballots(pid)
        expected = Counts()
        for ballot in stored:
            expected = expected.plus(ballot.choice)
        assert closed.tally.direct == expected
