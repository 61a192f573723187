"""Issue #8 item 4: leaving while paying or ordering, at the same moment, on both databases.

Leaving and spending serialise on the member's account row: whichever comes second sees what
the first did. So a member who left never ends with a debt or with money held, whatever the
interleaving. Before the fix, PostgreSQL let both through in about half the trials (the payment
read its payer's membership from a snapshot older than the lock it waited for).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from cybermutual.domain.errors import DomainError
from cybermutual.domain.market.listings import ListingKind
from cybermutual.domain.membership import MembershipStatus
from cybermutual.services.container import Services
from tests.helpers import members

TRIALS = 12


def _at_once(calls: list[Callable[[], Any]], *, stagger: float = 0.0) -> list[Any]:
    """Run the calls in threads released together (each later one ``stagger`` seconds after
    the one before, so trials cover both orders); each result or the DomainError it raised."""
    start = threading.Barrier(len(calls))
    outcome: list[Any] = [None] * len(calls)

    def run(n: int) -> None:
        start.wait()
        time.sleep(n * stagger)
        try:
            outcome[n] = calls[n]()
        except DomainError as refusal:
            outcome[n] = refusal

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome


def _left(services: Services, slug: str, member_id: str) -> bool:
    membership = services.collectives.membership(slug, member_id=member_id)
    assert membership is not None
    return membership.status is MembershipStatus.LEFT


def test_leaving_while_paying_never_leaves_a_debt(services: Services) -> None:
    both = 0
    for trial in range(TRIALS):
        slug, (payee, leaver) = members(services, 2, slug=f"pay-race-{trial}", credit_limit=10_000)
        left, paid = _at_once(
            [
                partial(services.collectives.leave, slug, member_id=leaver.id),
                partial(
                    services.ledger.pay,
                    slug,
                    payer=leaver.id,
                    payee=payee.id,
                    amount=5_000,
                    idempotency_key="k",
                ),
            ],
            stagger=(trial % 4) * 0.001,
        )
        account = services.ledger.account(slug, member_id=leaver.id).account
        if _left(services, slug, leaver.id):
            assert account.balance >= 0, f"trial {trial}: left owing {account.balance}"
        both += not isinstance(left, DomainError) and not isinstance(paid, DomainError)
        assert services.ledger.verify(slug).ok
    assert both == 0


def test_leaving_while_ordering_never_leaves_money_held(services: Services) -> None:
    for trial in range(TRIALS):
        slug, (seller, leaver) = members(
            services, 2, slug=f"order-race-{trial}", credit_limit=10_000
        )
        offer = services.market.post_listing(
            slug,
            owner=seller.id,
            kind=ListingKind.OFFER,
            title="Bicycle repair",
            description="",
            category="repairs",
            price=4_000,
        ).listing
        _at_once(
            [
                partial(services.collectives.leave, slug, member_id=leaver.id),
                partial(
                    services.market.place_order,
                    slug,
                    buyer=leaver.id,
                    listing_id=offer.id,
                    idempotency_key="o",
                ),
            ],
            stagger=(trial % 4) * 0.001,
        )
        account = services.ledger.account(slug, member_id=leaver.id).account
        if _left(services, slug, leaver.id):
            assert (account.balance, account.reserved) == (0, 0), f"trial {trial}"
        result = services.ledger.verify(slug)
        assert result.ok, result.problems
