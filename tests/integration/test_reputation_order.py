"""Sorting listings by reputation uses the same score the domain gives a member.

The store ranks in SQL (so a page of a large market needs no Python pass); this pins that SQL to
``bayesian_milli``, on both databases, with several review histories and a member with none.
"""

from __future__ import annotations

import itertools

from cybermutual.domain.market.deals import Action
from cybermutual.domain.market.listings import ListingKind
from cybermutual.domain.market.reviews import bayesian_milli, prior_milli
from cybermutual.domain.people import Person
from cybermutual.services.container import Services
from cybermutual.services.market import ListingView
from cybermutual.services.market.ports import ListingQuery, ListingSort
from tests.helpers import members

#: Stars each seller received, one review per finished order; the last seller has none.
HISTORIES: tuple[list[int], ...] = ([5, 5, 5], [4], [2, 3, 1], [5, 1], [])
_orders = itertools.count()


def _sell(services: Services, slug: str, seller: Person, title: str) -> str:
    return services.market.post_listing(
        slug,
        owner=seller.id,
        kind=ListingKind.OFFER,
        title=title,
        description="",
        category="crafts",
        price=100,
        quantity=20,
    ).listing.id


def _reviewed_sale(
    services: Services, slug: str, listing: str, seller: Person, buyer: Person, stars: int
) -> None:
    order = services.market.place_order(
        slug, buyer=buyer.id, listing_id=listing, idempotency_key=f"o{next(_orders)}"
    )
    for action in (Action.ACCEPT, Action.DELIVER):
        services.market.act(slug, actor=seller.id, order_id=order.id, action=action)
    services.market.act(
        slug,
        actor=buyer.id,
        order_id=order.id,
        action=Action.CONFIRM,
        idempotency_key=f"c-{order.id}",
    )
    services.market.review(slug, author=buyer.id, order_id=order.id, stars=stars)


def test_the_reputation_sort_ranks_by_the_domains_score(services: Services) -> None:
    slug, people = members(services, len(HISTORIES) + 1, credit_limit=100_000)
    buyer, sellers = people[0], people[1:]
    listings = {}
    for seller, stars in zip(sellers, HISTORIES, strict=True):
        listings[seller.id] = _sell(services, slug, seller, f"Stool by {seller.id}")
        for star in stars:
            _reviewed_sale(services, slug, listings[seller.id], seller, buyer, star)

    every = [star for stars in HISTORIES for star in stars]
    prior = prior_milli(sum(every), len(every))
    expected = {
        seller.id: bayesian_milli(sum(stars), len(stars), prior=prior)
        for seller, stars in zip(sellers, HISTORIES, strict=True)
    }
    for seller in sellers:
        shown = services.market.reputation(slug, seller.id, viewer=buyer.id)
        assert shown.score_milli == expected[seller.id]

    ranked: list[ListingView] = []
    cursor: str | None = None
    while True:  # two at a time, so the cursor on the SQL score is exercised too
        page = services.market.search(
            slug,
            ListingQuery(
                kind=ListingKind.OFFER, sort=ListingSort.REPUTATION, limit=2, cursor=cursor
            ),
            viewer=buyer.id,
        )
        ranked += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [v.listing.owner_id for v in ranked] == sorted(
        expected, key=lambda member: (expected[member], listings[member]), reverse=True
    )
    for view in ranked:
        assert view.owner_reputation.score_milli == expected[view.listing.owner_id]
