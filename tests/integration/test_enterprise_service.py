"""Enterprise use cases on both databases: a close the account cannot cover changes nothing;
the hooks co-op governance applies; the collective's credit limits reach enterprises."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from cybermutual.domain.enterprise.contracts import HoursAction, HoursStatus
from cybermutual.domain.enterprise.kinds import EnterpriseKind, MeritMetric, Role
from cybermutual.domain.enterprise.pay import PeriodStatus
from cybermutual.domain.errors import CreditLimitExceeded, InvalidValue, MemberNotFound
from cybermutual.domain.market.deals import Action
from cybermutual.domain.market.listings import ListingKind
from cybermutual.services.container import Services
from tests.helpers import FakeClock, members


def _worked(s: Services, clock: FakeClock, slug: str, coop: str, boss: str, who: str) -> str:
    contract = s.enterprises.offer_contract(
        slug, actor=boss, enterprise_id=coop, member=who, hourly_wage=600
    )
    clock.advance(minutes=1)
    entry = s.enterprises.log_hours(
        slug, member=who, enterprise_id=coop, contract_id=contract.id,
        worked_at=clock.now(), hours=Decimal(2),
    )  # fmt: skip
    s.enterprises.decide_hours(
        slug, actor=boss, enterprise_id=coop, entry_id=entry.id, action=HoursAction.APPROVE
    )
    return entry.id


def test_a_close_the_account_cannot_cover_changes_nothing(
    services: Services, clock: FakeClock
) -> None:
    slug, people = members(services, 2, credit_limit=1000)
    boss, worker = (p.id for p in people)
    firm = services.enterprises.create(
        slug, founder=boss, kind=EnterpriseKind.FIRM, name="Fixit"
    ).enterprise.id
    entry = _worked(services, clock, slug, firm, boss, worker)  # 1,200 of wages, limit 1,000
    period = services.enterprises.open_period(
        slug, actor=boss, enterprise_id=firm, ends_at=clock.now() + timedelta(minutes=1)
    )
    clock.advance(minutes=5)
    with pytest.raises(CreditLimitExceeded):
        services.enterprises.close_period(
            slug, actor=boss, enterprise_id=firm, period_id=period.id, idempotency_key="k1"
        )
    [hours] = services.enterprises.hours(slug, viewer=boss, enterprise_id=firm)
    assert (hours.id, hours.status) == (entry, HoursStatus.APPROVED)
    [still] = services.enterprises.periods(slug, viewer=boss, enterprise_id=firm)
    assert still.status is PeriodStatus.OPEN
    assert services.enterprises.payouts(slug, viewer=boss, enterprise_id=firm) == []
    # the collective raises the firm's limit: the same close now pays
    services.enterprises.set_credit_limit(slug, enterprise_id=firm, limit=5000)
    closed = services.enterprises.close_period(
        slug, actor=boss, enterprise_id=firm, period_id=period.id, idempotency_key="k2"
    )
    assert [p.amount for p in closed.payouts] == [1200]
    assert services.ledger.verify(slug).ok


def test_the_hooks_co_op_governance_applies(services: Services, clock: FakeClock) -> None:
    slug, people = members(services, 3)
    ana, ben, cy = (p.id for p in people)
    coop = services.enterprises.create(
        slug, founder=ana, kind=EnterpriseKind.COOPERATIVE, name="Rye"
    ).enterprise.id
    services.enterprises.admit_worker_owner(slug, enterprise_id=coop, member=ben)
    services.enterprises.admit_worker_owner(slug, enterprise_id=coop, member=ben)  # once
    assert services.enterprises.worker_owners(slug, enterprise_id=coop) == sorted([ana, ben])
    services.enterprises.remove_worker_owner(slug, enterprise_id=coop, member=ana)
    assert services.enterprises.worker_owners(slug, enterprise_id=coop) == [ben]
    with pytest.raises(InvalidValue):  # a co-op keeps someone to govern it
        services.enterprises.remove_worker_owner(slug, enterprise_id=coop, member=ben)
    with pytest.raises(MemberNotFound):
        services.enterprises.remove_worker_owner(slug, enterprise_id=coop, member=cy)
    changed = services.enterprises.set_terms(
        slug,
        enterprise_id=coop,
        wage_rates={Role.EMPLOYEE: 300},
        reserve_share=Decimal("0.25"),
        merit_metric=MeritMetric.PEER_RATINGS,
    )
    assert (changed.reserve_share, changed.merit_metric) == (
        Decimal("0.25"),
        MeritMetric.PEER_RATINGS,
    )
    # a contract without a wage takes the voted rate for its role
    contract = services.enterprises.offer_contract(slug, actor=ben, enterprise_id=coop, member=cy)
    assert (contract.role, contract.hourly_wage) == (Role.EMPLOYEE, 300)
    with pytest.raises(InvalidValue):
        services.enterprises.set_terms(slug, enterprise_id=coop, reserve_share=Decimal("0.95"))


def test_a_new_default_credit_limit_reaches_enterprises_on_the_old_default(
    services: Services,
) -> None:
    slug, people = members(services, 2, credit_limit=1000)
    ana, ben = (p.id for p in people)
    coop = services.enterprises.create(
        slug, founder=ana, kind=EnterpriseKind.COOPERATIVE, name="Rye"
    ).enterprise.id
    view = services.proposals.propose(
        slug, author=ana, kind="set_credit_limit", title="More credit", body="",
        params={"amount": 4000},
    )  # fmt: skip
    for voter in (ana, ben):
        services.votes.vote(slug, voter=voter, proposal_id=view.proposal.id, choice="yes")
    account = services.enterprises.enterprise(slug, viewer=ana, enterprise_id=coop).account
    assert account.credit_limit == 4000


def test_a_worker_owner_who_left_the_collective_shares_no_more_surplus(
    services: Services, clock: FakeClock
) -> None:
    slug, people = members(services, 3)
    ana, ben, cy = (p.id for p in people)
    coop = services.enterprises.create(
        slug, founder=ana, kind=EnterpriseKind.COOPERATIVE, name="Rye", cofounders=(ben,),
        merit_metric=MeritMetric.PEER_RATINGS,
    ).enterprise.id  # fmt: skip
    listing = services.market.post_listing(
        slug, owner=ana, kind=ListingKind.OFFER, title="Loaf", description="", category="food",
        price=500, quantity=1, enterprise_id=coop,
    ).listing  # fmt: skip
    order = services.market.place_order(slug, buyer=cy, listing_id=listing.id, idempotency_key="o")
    for actor, action in ((ana, Action.ACCEPT), (ana, Action.DELIVER), (cy, Action.CONFIRM)):
        services.market.act(slug, actor=actor, order_id=order.id, action=action,
                            idempotency_key=f"{action}")  # fmt: skip
    services.collectives.leave(slug, member_id=ben)
    period = services.enterprises.open_period(
        slug, actor=ana, enterprise_id=coop, ends_at=clock.now() + timedelta(minutes=1)
    )
    clock.advance(minutes=2)
    closed = services.enterprises.close_period(
        slug, actor=ana, enterprise_id=coop, period_id=period.id, idempotency_key="c"
    )
    assert [(p.member_id, p.amount) for p in closed.payouts] == [(ana, 500)]
    assert services.ledger.verify(slug).ok
