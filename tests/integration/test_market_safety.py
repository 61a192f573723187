"""Market money safety and races, through the services on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import Engine, event

from cybermutual.domain.errors import DomainError
from cybermutual.domain.market.deals import Action, OrderStatus
from cybermutual.domain.market.disputes import Vote
from cybermutual.domain.market.listings import ListingKind
from cybermutual.domain.people import Person
from cybermutual.services.container import Services
from tests.helpers import members, with_jury_seed

THREADS = 6


def _disputed_order(services: Services, *, price: int) -> tuple[str, list[Person], str, str]:
    """A delivered order from people[0] to people[1], disputed by the buyer; jurors 2..4."""
    slug, people = members(services, 5, credit_limit=1_000)
    services = with_jury_seed(services, 3)
    seller, buyer = people[0], people[1]
    offer = services.market.post_listing(
        slug,
        owner=seller.id,
        kind=ListingKind.OFFER,
        title="Restored desk lamp",
        description="",
        category="crafts",
        price=price,
    ).listing
    order = services.market.place_order(
        slug, buyer=buyer.id, listing_id=offer.id, idempotency_key="o"
    )
    services.market.act(slug, actor=seller.id, order_id=order.id, action=Action.ACCEPT)
    services.market.act(slug, actor=seller.id, order_id=order.id, action=Action.DELIVER)
    view = services.market.open_dispute(
        slug, actor=buyer.id, order_id=order.id, reason="Broken", idempotency_key="d"
    )
    return slug, people, order.id, view.dispute.id


def _at_once(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    start = threading.Barrier(len(calls))
    results: list[Any] = []
    failures: list[BaseException] = []

    def run(call: Callable[[], Any]) -> None:
        start.wait()
        try:
            results.append(call())
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, failures


def test_a_split_verdict_settles_even_after_the_buyers_limit_was_lowered(
    services: Services,
) -> None:
    """The seller's share comes out of the reservation just voided: never refused, never stuck."""
    slug, people, _order, dispute_id = _disputed_order(services, price=800)
    buyer, seller = people[1], people[0]
    services.ledger.pay(slug, payer=buyer.id, payee=people[2].id, amount=200, idempotency_key="p")
    services.ledger.set_credit_limit(slug, member_id=buyer.id, credit_limit=100)
    jury = [
        j.member_id
        for j in services.market.dispute(
            slug, viewer=buyer.id, dispute_id=dispute_id
        ).dispute.jurors
    ]
    for n, juror in enumerate(jury[:2]):
        view = services.market.vote(
            slug, juror=juror, dispute_id=dispute_id, vote=Vote.SPLIT, idempotency_key=f"v{n}"
        )
    assert view.order.status is OrderStatus.RESOLVED
    assert services.ledger.account(slug, member_id=seller.id).account.balance == 400
    owed = services.ledger.account(slug, member_id=buyer.id).account
    assert (owed.balance, owed.reserved) == (-600, 0)
    assert services.ledger.verify(slug).ok


def test_a_split_settlement_settles_even_after_the_buyers_limit_was_lowered(
    services: Services,
) -> None:
    slug, people, _order, dispute_id = _disputed_order(services, price=800)
    buyer, seller = people[1], people[0]
    services.ledger.pay(slug, payer=buyer.id, payee=people[2].id, amount=200, idempotency_key="p")
    services.ledger.set_credit_limit(slug, member_id=buyer.id, credit_limit=0)
    for who in (buyer, seller):
        view = services.market.propose_settlement(
            slug, actor=who.id, dispute_id=dispute_id, seller_share=300, idempotency_key="s"
        )
    assert view.order.status is OrderStatus.RESOLVED
    assert services.ledger.account(slug, member_id=buyer.id).account.balance == -500
    assert services.ledger.verify(slug).ok


def _delivered(services: Services, slug: str, seller: Person, buyer: Person) -> str:
    offer = services.market.post_listing(
        slug,
        owner=seller.id,
        kind=ListingKind.OFFER,
        title="Bike service",
        description="",
        category="repairs",
        price=500,
    ).listing
    order = services.market.place_order(
        slug, buyer=buyer.id, listing_id=offer.id, idempotency_key=f"o-{offer.id}"
    )
    services.market.act(slug, actor=seller.id, order_id=order.id, action=Action.ACCEPT)
    services.market.act(slug, actor=seller.id, order_id=order.id, action=Action.DELIVER)
    return order.id


def test_confirms_cancels_and_disputes_at_once_settle_the_escrow_once(
    services: Services,
) -> None:
    slug, people = members(services, 5, credit_limit=10_000)
    seller, buyer = people[0], people[1]
    order_id = _delivered(services, slug, seller, buyer)
    calls: list[Callable[[], Any]] = [
        partial(
            services.market.act,
            slug,
            actor=buyer.id,
            order_id=order_id,
            action=Action.CONFIRM,
            idempotency_key=f"c{n}",
        )
        for n in range(THREADS - 2)
    ]
    calls.append(
        lambda: services.market.open_dispute(
            slug, actor=seller.id, order_id=order_id, reason="late", idempotency_key="d"
        )
    )
    calls.append(lambda: services.market.auto_confirm_due(slug))
    _results, failures = _at_once(calls)
    assert all(isinstance(f, DomainError) for f in failures), failures
    final = services.market.order(slug, viewer=buyer.id, order_id=order_id)
    assert final.status in (OrderStatus.COMPLETED, OrderStatus.DISPUTED)
    paid = services.ledger.account(slug, member_id=seller.id).account.balance
    assert paid == (500 if final.status is OrderStatus.COMPLETED else 0)
    assert services.ledger.account(slug, member_id=buyer.id).account.balance == -paid
    assert services.ledger.verify(slug).ok


def test_reviews_written_at_once_count_once(services: Services) -> None:
    slug, people = members(services, 4, credit_limit=10_000)
    seller = people[0]
    orders = [_delivered(services, slug, seller, buyer) for buyer in people[1:]]
    for buyer, order_id in zip(people[1:], orders, strict=True):
        services.market.act(
            slug, actor=buyer.id, order_id=order_id, action=Action.CONFIRM, idempotency_key="c"
        )
    buyer = people[1]
    same = [
        lambda: services.market.review(slug, author=buyer.id, order_id=orders[0], stars=5)
        for _ in range(THREADS)
    ]
    results, failures = _at_once(same)
    assert len(results) == 1
    assert {getattr(f, "code", repr(f)) for f in failures} == {"already_reviewed"}
    # the first reviews of a member, by several authors at once (the reputation row is new)
    firsts: list[Callable[[], Any]] = [
        partial(services.market.review, slug, author=b.id, order_id=o, stars=4)
        for b, o in zip(people[2:], orders[1:], strict=True)
    ]
    results, failures = _at_once(firsts)
    assert failures == []
    rep = services.market.reputation(slug, seller.id, viewer=buyer.id)
    assert (rep.count, rep.average_milli) == (3, 4_333)


def test_listing_disputes_costs_the_same_queries_for_one_or_many(
    services: Services, engine: Engine
) -> None:
    slug, people = members(services, 5, credit_limit=10_000)
    seller, buyer = people[0], people[1]
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    def disputes_page_cost() -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            page = services.market.disputes(slug, member_id=buyer.id)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert all(v.order.id == v.dispute.order_id for v in page.items)
        return len(statements)

    costs = []
    for n in range(6):
        order_id = _delivered(services, slug, seller, buyer)
        services.market.open_dispute(
            slug, actor=buyer.id, order_id=order_id, reason="late", idempotency_key=f"d{n}"
        )
        if n in (0, 5):
            costs.append(disputes_page_cost())
    assert costs[0] == costs[1]


def test_a_quote_withdrawn_while_accepted_is_one_or_the_other(services: Services) -> None:
    slug, people = members(services, 2, credit_limit=100_000)
    requester, quoter = people
    for n in range(8):
        wanted = services.market.post_listing(
            slug,
            owner=requester.id,
            kind=ListingKind.REQUEST,
            title=f"Fix the fence {n}",
            description="",
            category="repairs",
            price=500,
        ).listing
        quote = services.market.quote(slug, quoter=quoter.id, listing_id=wanted.id, price=400)
        results, failures = _at_once(
            [
                partial(services.market.withdraw_quote, slug, actor=quoter.id, quote_id=quote.id),
                partial(
                    services.market.accept_quote,
                    slug,
                    actor=requester.id,
                    quote_id=quote.id,
                    idempotency_key=f"a{n}",
                ),
            ]
        )
        assert len(results) == 1
        assert [getattr(f, "code", repr(f)) for f in failures] == ["invalid_transition"]
        final = services.market.quotes(slug, viewer=quoter.id, listing_id=wanted.id)[0]
        assert final.status.value == ("accepted" if final.order_id else "withdrawn")
        assert (final.order_id is not None) == any(
            getattr(r, "quote_id", None) == quote.id for r in results
        )
    assert services.ledger.verify(slug).ok
