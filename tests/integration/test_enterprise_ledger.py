"""Random histories of a co-operative (sales, hours, closes) keep the ledger zero-sum and
verified, and every close moves exactly its figures, on in-memory SQLite (hypothesis)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cybermutual.domain.enterprise.contracts import HoursAction
from cybermutual.domain.enterprise.kinds import EnterpriseKind, MeritMetric
from cybermutual.domain.market.deals import Action
from cybermutual.domain.market.listings import ListingKind
from cybermutual.services.container import Services
from cybermutual.store.tables import accounts
from tests.helpers import FakeClock, examples, members

_runs = iter(range(10**6))

sales = st.lists(st.tuples(st.integers(0, 3), st.integers(1, 2000)), max_size=3)
hours = st.lists(st.tuples(st.integers(0, 3), st.integers(1, 8)), max_size=4)
periods = st.lists(st.tuples(sales, hours), min_size=1, max_size=3)


@settings(
    max_examples=examples(8),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    history=periods,
    owners=st.integers(1, 3),
    metric=st.sampled_from(list(MeritMetric)),
    reserve_share=st.sampled_from(["0", "0.2"]),
    levy=st.sampled_from(["0", "0.05"]),
)
def test_a_cooperatives_history_keeps_the_ledger_whole(
    sqlite_services: Services,
    clock: FakeClock,
    history: list[tuple[list[tuple[int, int]], list[tuple[int, int]]]],
    owners: int,
    metric: MeritMetric,
    reserve_share: str,
    levy: str,
) -> None:
    s = sqlite_services
    slug, people = members(s, 4, slug=f"coop-{next(_runs)}", levy_rate=levy, credit_limit=10**6)
    ids = [p.id for p in people]
    coop = s.enterprises.create(
        slug,
        founder=ids[0],
        kind=EnterpriseKind.COOPERATIVE,
        name="Rye",
        cofounders=tuple(ids[1:owners]),
        merit_metric=metric,
        reserve_share=Decimal(reserve_share),
    ).enterprise.id
    contracts = [
        s.enterprises.offer_contract(
            slug, actor=ids[0], enterprise_id=coop, member=m, hourly_wage=90
        )
        for m in ids
    ]
    for n, (sold, worked) in enumerate(history):
        for seller, price in sold:
            listing = s.market.post_listing(
                slug, owner=ids[0], kind=ListingKind.OFFER, title="Loaf", description="",
                category="food", price=price, quantity=1, enterprise_id=coop,
            ).listing  # fmt: skip
            buyer = ids[3]
            order = s.market.place_order(
                slug, buyer=buyer, listing_id=listing.id, idempotency_key=f"o{n}{listing.id}"
            )
            hand = ids[seller % owners]
            for action in (Action.ACCEPT, Action.DELIVER):
                s.market.act(slug, actor=hand, order_id=order.id, action=action)
            s.market.act(slug, actor=buyer, order_id=order.id, action=Action.CONFIRM,
                         idempotency_key=f"c{order.id}")  # fmt: skip
        clock.advance(minutes=5)
        for who, count in worked:
            entry = s.enterprises.log_hours(
                slug, member=ids[who], enterprise_id=coop, contract_id=contracts[who].id,
                worked_at=clock.now(), hours=Decimal(count),
            )  # fmt: skip
            approver = ids[1] if who == 0 and owners > 1 else ids[0]
            s.enterprises.decide_hours(
                slug, actor=approver, enterprise_id=coop, entry_id=entry.id,
                action=HoursAction.APPROVE,
            )  # fmt: skip
        before = s.enterprises.enterprise(slug, viewer=ids[0], enterprise_id=coop).account.balance
        period = s.enterprises.open_period(
            slug, actor=ids[0], enterprise_id=coop, ends_at=clock.now() + timedelta(minutes=1)
        )
        clock.advance(minutes=2)
        closed = s.enterprises.close_period(
            slug, actor=ids[0], enterprise_id=coop, period_id=period.id, idempotency_key=period.id
        )
        f = closed.period.figures
        assert f is not None
        assert sum(p.amount for p in closed.payouts) == f.wages + f.shared
        after = s.enterprises.enterprise(slug, viewer=ids[0], enterprise_id=coop).account.balance
        # the close moved exactly the wages and the shares out of the co-op's account
        assert before - after == f.wages + f.shared
        with s.uow(readonly=True) as uow:
            total = uow.connection.execute(  # type: ignore[attr-defined]
                select(func.sum(accounts.c.balance))
            ).scalar_one()
        assert total == 0
        assert s.ledger.verify(slug).ok
