"""Market money safety and races, through the services on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

from cybermutual.domain.errors import DomainError
from cybermutual.domain.market.deals import Action, OrderStatus
from cybermutual.domain.market.disputes import Vote
from cybermutual.domain.market.listings import ListingKind
from cybermutual.domain.people import Person
from cybermutual.services.container import Services
from tests.helpers import members

THREADS = 6


def _disputed_order(services: Services, *, price: int) -> tuple[str, list[Person], str, str]:
    """A delivered order from people[0] to people[1], disputed by the buyer; jurors 2..4."""
    slug, people = members(services, 5, credit_limit=1_000)
    services.market._rng = random.Random(3)
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
    slug, people, order_id, dispute_id = _disputed_order(services, price=800)
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
    slug, people, order_id, dispute_id = _disputed_order(services, price=800)
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
