"""Effects of passed proposals that the API flows do not show, on both databases: admission
after several approvals, weighted commons budgets, the default credit limit, ending a service,
an effect that can no longer apply."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from cybermutual.domain.collective import Admission
from cybermutual.domain.membership import MembershipStatus
from cybermutual.services.commons_facilitation import DomainFacilitator, RoundProblem
from cybermutual.services.container import Services
from tests.helpers import FakeClock, members, person


def passed(services: Services, slug: str, voters: list[str], kind: str, params: Any) -> Any:
    """Propose and let everyone vote yes: every voter counted, so it closes at once."""
    view = services.proposals.propose(
        slug, author=voters[0], kind=kind, title=kind, body="", params=params
    )
    for voter in voters:
        receipt = services.votes.vote(slug, voter=voter, proposal_id=view.proposal.id, choice="yes")
    assert receipt.proposal.status.value == "passed"
    return services.proposals.proposal(slug, viewer=voters[0], proposal_id=view.proposal.id)


def test_admission_needs_the_voted_number_of_approvals(services: Services) -> None:
    slug, people = members(services, 3)
    ids = [p.id for p in people]
    passed(services, slug, ids, "set_admission", {"admission": "approval", "approvals_needed": 2})
    charter = services.collectives.profile(slug).collective.charter
    assert (charter.admission, charter.approvals_needed) == (Admission.APPROVAL, 2)
    newcomer = person(services, "new")
    assert services.collectives.join(slug, member_id=newcomer.id).status is MembershipStatus.PENDING
    once = services.collectives.approve(slug, approver_id=ids[0], member_id=newcomer.id)
    assert once.status is MembershipStatus.PENDING
    again = services.collectives.approve(slug, approver_id=ids[0], member_id=newcomer.id)
    assert again.status is MembershipStatus.PENDING  # the same approver counts once
    admitted = services.collectives.approve(slug, approver_id=ids[1], member_id=newcomer.id)
    assert admitted.status is MembershipStatus.ACTIVE
    ids.append(newcomer.id)
    # opening admission admits whoever still waits
    waiting = person(services, "waiting")
    services.collectives.join(slug, member_id=waiting.id)
    view = passed(services, slug, ids, "set_admission", {"admission": "open"})
    now_in = services.collectives.membership(slug, member_id=waiting.id)
    assert now_in is not None
    assert now_in.status.value == "active"
    assert {"field": "admitted", "from": [], "to": [waiting.id]} in view.policy.changes


def test_weighted_budgets_reach_the_facilitator(services: Services, clock: FakeClock) -> None:
    slug, people = members(services, 3)
    ids = [p.id for p in people]
    passed(services, slug, ids, "set_allocation_budgets", {"weights": {ids[2]: "2.5"}})
    seen: list[RoundProblem] = []

    class Spy(DomainFacilitator):
        def allocate(self, problem: RoundProblem) -> Any:
            seen.append(problem)
            return super().allocate(problem)

    services.allocation._facilitator = Spy()
    lathe = services.commons.contribute(
        slug, member_id=ids[0], name="Lathe", category="tools", capacity=12, unit="hours"
    )
    round_ = services.allocation.open_round(
        slug,
        member_id=ids[1],
        period_start=clock.now() + timedelta(days=2),
        period_end=clock.now() + timedelta(days=9),
        bids_close_at=clock.now() + timedelta(days=1),
    )
    for member_id in ids:
        services.allocation.place_bid(
            slug,
            round_.id,
            member_id=member_id,
            asset_id=lathe.id,
            max_units=12,
            output_category="crafts",
        )
    clock.advance(days=1, seconds=1)
    services.allocation.allocate_collective(slug)
    budgets = seen[0].budgets
    assert budgets[ids[2]] == 2.5 * budgets[ids[0]]
    assert budgets[ids[0]] == budgets[ids[1]]


def test_default_credit_limit_moves_members_on_the_old_default(services: Services) -> None:
    slug, people = members(services, 3, credit_limit=1000)
    ids = [p.id for p in people]
    services.ledger.set_credit_limit(slug, member_id=ids[2], credit_limit=50)  # set by hand
    passed(services, slug, ids, "set_credit_limit", {"amount": 2000})
    limits = [services.ledger.account(slug, member_id=m).account.credit_limit for m in ids]
    assert limits == [2000, 2000, 50]
    passed(services, slug, ids, "set_credit_limit", {"amount": 70, "member": ids[2]})
    assert services.ledger.account(slug, member_id=ids[2]).account.credit_limit == 70


def test_ending_a_service_and_an_effect_that_no_longer_applies(services: Services) -> None:
    slug, people = members(services, 3)
    ids = [p.id for p in people]
    params = {
        "name": "Library",
        "category": "education",
        "rate_per_unit": 5,
        "budget_per_period": 100,
        "period": "month",
    }
    passed(services, slug, ids, "fund_service", params)
    service = services.public_services.services(slug, viewer=ids[0]).items[0].service
    first = services.proposals.propose(
        slug,
        author=ids[0],
        kind="end_service",
        title="end",
        body="",
        params={"service": service.id},
    )
    view = passed(services, slug, ids, "end_service", {"service": service.id})
    assert view.policy.applied
    ended = services.public_services.service(slug, viewer=ids[0], service_id=service.id)
    assert ended.service.status.value == "ended"
    for voter in ids:  # the earlier proposal to end it passes too, with nothing left to do
        services.votes.vote(slug, voter=voter, proposal_id=first.proposal.id, choice="yes")
    late = services.proposals.proposal(slug, viewer=ids[0], proposal_id=first.proposal.id)
    assert late.proposal.status.value == "passed"
    assert late.policy is not None
    assert not late.policy.applied
    assert late.policy.note.startswith("not applied")
    assert services.collectives.profile(slug).collective.charter.levy_rate == Decimal(0)


class _Refusing:
    """A policy-impact service that refuses with a given code."""

    def __init__(self, code: str) -> None:
        self.code = code

    def estimate(self, *args: object, **kwargs: object) -> dict[str, Any]:
        from cybermutual.domain.errors import Conflict

        error = Conflict("the simulator refuses")
        error.code = self.code  # type: ignore[misc]
        raise error


def test_a_busy_simulator_leaves_the_estimate_pending(services: Services) -> None:
    from cybermutual.services.governance_impact import ProposalImpactService

    slug, people = members(services, 2)
    view = services.proposals.propose(
        slug,
        author=people[0].id,
        kind="set_levy",
        title="levy",
        body="",
        params={"rate": "0.05"},
    )
    assert view.impact_status == "pending"
    busy = ProposalImpactService(
        services.uow,
        clock=services.clock,
        policy_impact=_Refusing("simulator_busy"),  # type: ignore[arg-type]
    )
    assert busy.compute(slug, view.proposal.id) is False
    _, impact = services.proposal_impact.impact(
        slug, viewer=people[0].id, proposal_id=view.proposal.id
    )
    assert (impact.status, impact.claimed_at) == ("pending", None)  # retried by the next tick
    broken = ProposalImpactService(
        services.uow,
        clock=services.clock,
        policy_impact=_Refusing("invalid_value"),  # type: ignore[arg-type]
    )
    assert broken.compute(slug, view.proposal.id) is True
    _, impact = services.proposal_impact.impact(
        slug, viewer=people[0].id, proposal_id=view.proposal.id
    )
    assert impact.status == "failed"
    assert impact.estimate == {"error": "the simulator refuses", "code": "invalid_value"}


def test_a_payment_levied_at_the_old_rate_is_refused_after_a_levy_vote(
    services: Services,
) -> None:
    """A payment computed before a levy vote closed but journaled after it must not carry the
    old rate: verify replays each rate from the entry after which it was voted."""
    from dataclasses import replace

    from cybermutual.domain.errors import LevyRateChanged
    from cybermutual.domain.ledger import TransferKind
    from cybermutual.services.bookkeeping import Books

    slug, people = members(services, 3, levy_rate="0.1")
    ids = [p.id for p in people]
    services.ledger.pay(slug, payer=ids[0], payee=ids[1], amount=1000, idempotency_key="a")
    stale = services.collectives.profile(slug).collective  # read at 10%
    passed(services, slug, ids, "set_levy", {"rate": "0.25"})
    with services.uow() as uow:
        books = Books(uow, replace(stale), now=services.clock.now())
        books.lock_members(sorted(ids[:2]))
        books.move(
            books.account_of(ids[0]), books.account_of(ids[1]), 1000, kind=TransferKind.PAYMENT
        )
        with pytest.raises(LevyRateChanged) as refused:
            books.close()
        assert refused.value.code == "levy_rate_changed"
    paid = services.ledger.pay(slug, payer=ids[0], payee=ids[1], amount=1000, idempotency_key="b")
    assert paid.levy == 250
    report = services.ledger.verify(slug)
    assert report.ok, report.problems


def test_the_tick_confirms_orders_whose_confirmation_period_is_over(
    services: Services, clock: FakeClock
) -> None:
    from cybermutual.domain.market.deals import Action
    from cybermutual.domain.market.listings import ListingKind

    slug, people = members(services, 2)
    seller, buyer = people[0].id, people[1].id
    listing = services.market.post_listing(
        slug,
        owner=seller,
        kind=ListingKind.OFFER,
        title="Oak stool",
        description="",
        category="crafts",
        price=300,
        quantity=2,
    ).listing.id
    order = services.market.place_order(slug, buyer=buyer, listing_id=listing, idempotency_key="o")
    for action in (Action.ACCEPT, Action.DELIVER):
        services.market.act(slug, actor=seller, order_id=order.id, action=action)
    assert services.tick.tick(impacts=False).orders_confirmed == 0
    clock.advance(days=15)
    assert services.tick.tick(impacts=False).orders_confirmed == 1
    assert services.tick.tick(impacts=False).orders_confirmed == 0
    done = services.market.order(slug, viewer=buyer, order_id=order.id)
    assert done.status.value == "completed"


def test_a_voter_who_left_is_not_waited_for(services: Services) -> None:
    slug, people = members(services, 3)
    ids = [p.id for p in people]
    view = services.proposals.propose(
        slug, author=ids[0], kind="resolution", title="r", body="", params={}
    )
    services.collectives.leave(slug, member_id=ids[2])
    services.votes.vote(slug, voter=ids[0], proposal_id=view.proposal.id, choice="yes")
    last = services.votes.vote(slug, voter=ids[1], proposal_id=view.proposal.id, choice="no")
    assert last.proposal.status.value == "failed"  # both eligible voters spoke: a 1-1 tie
    assert last.proposal.tally is not None
    assert (last.proposal.tally.eligible, last.proposal.outcome) == (2, "tied")


def test_one_background_estimate_at_a_time(services: Services) -> None:
    import threading

    from cybermutual.services.governance_impact import ProposalImpactService

    started, release = threading.Event(), threading.Event()

    class Slow:
        def estimate(self, *args: object, **kwargs: object) -> dict[str, Any]:
            started.set()
            release.wait(10)
            return {"median_consumption": {}}

    slug, people = members(services, 2)
    first, second = (
        services.proposals.propose(
            slug,
            author=people[0].id,
            kind="set_levy",
            title=f"levy {rate}",
            body="",
            params={"rate": rate},
        ).proposal.id
        for rate in ("0.05", "0.06")
    )
    impacts = ProposalImpactService(
        services.uow,
        clock=services.clock,
        policy_impact=Slow(),  # type: ignore[arg-type]
    )
    worker = threading.Thread(target=impacts.compute, args=(slug, first))
    worker.start()
    assert started.wait(10)
    assert impacts.compute(slug, second) is False  # stays pending for the next tick
    release.set()
    worker.join(10)
    assert impacts.compute(slug, second) is True
    for proposal_id in (first, second):
        _, impact = services.proposal_impact.impact(
            slug, viewer=people[0].id, proposal_id=proposal_id
        )
        assert impact.status == "ready"
