"""Deals as their parties see them (what the pages' lists and a listing's page show), through
the services on SQLite and PostgreSQL: the next steps, the dispute, whether a review is due."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, event

from cybermutual.domain.errors import NotAMember, OrderNotFound
from cybermutual.domain.market.deals import Action, OrderStatus
from cybermutual.domain.market.disputes import Vote
from cybermutual.domain.market.listings import ListingKind
from cybermutual.services.container import Services
from tests.helpers import members


def _offer(services: Services, slug: str, owner: str) -> str:
    return services.market.post_listing(
        slug,
        owner=owner,
        kind=ListingKind.OFFER,
        title="Bike repair",
        description="",
        category="repairs",
        price=600,
    ).listing.id


def test_a_deal_shows_each_party_their_own_next_steps(services: Services) -> None:
    slug, (ada, bo, cy) = members(services, 3)
    offer = _offer(services, slug, ada.id)
    order = services.market.place_order(slug, buyer=bo.id, listing_id=offer, idempotency_key="o")
    seller = services.market.deal(slug, viewer=ada.id, order_id=order.id)
    assert seller.next_actions == (Action.ACCEPT, Action.DECLINE, Action.CANCEL)
    assert seller.listing.title == "Bike repair"
    buyer = services.market.deal(slug, viewer=bo.id, order_id=order.id)
    assert buyer.next_actions == (Action.CANCEL,)
    assert not buyer.can_review
    with pytest.raises(OrderNotFound):
        services.market.deal(slug, viewer=cy.id, order_id=order.id)

    services.market.act(slug, actor=ada.id, order_id=order.id, action=Action.ACCEPT)
    services.market.act(slug, actor=ada.id, order_id=order.id, action=Action.DELIVER)
    assert services.market.deal(slug, viewer=bo.id, order_id=order.id).next_actions == (
        Action.CONFIRM,
        Action.DISPUTE,
    )
    opened = services.market.open_dispute(
        slug, actor=bo.id, order_id=order.id, reason="Squeaks", idempotency_key="d"
    )
    disputed = services.market.deal(slug, viewer=bo.id, order_id=order.id)
    assert disputed.next_actions == ()
    assert disputed.dispute is not None
    assert disputed.dispute.id == opened.dispute.id
    assert all(j.vote is None for j in disputed.dispute.jurors)  # the ballot stays secret

    services.market.vote(
        slug, juror=cy.id, dispute_id=opened.dispute.id, vote=Vote.REFUND, idempotency_key="v"
    )
    ended = services.market.deal(slug, viewer=bo.id, order_id=order.id)
    assert ended.order.status is OrderStatus.RESOLVED
    assert ended.can_review
    services.market.review(slug, author=bo.id, order_id=order.id, stars=2)
    assert not services.market.deal(slug, viewer=bo.id, order_id=order.id).can_review
    assert services.market.deal(slug, viewer=ada.id, order_id=order.id).can_review


def test_a_listing_shows_its_owner_every_deal_and_a_buyer_only_theirs(
    services: Services,
) -> None:
    slug, (ada, bo, cy) = members(services, 3)
    offer = _offer(services, slug, ada.id)
    for buyer in (bo, cy):
        services.market.place_order(
            slug, buyer=buyer.id, listing_id=offer, idempotency_key=f"o-{buyer.id}"
        )
    owner = services.market.listing_deals(slug, viewer=ada.id, listing_id=offer)
    assert [d.order.buyer_id for d in owner] == [bo.id, cy.id]
    assert all(Action.ACCEPT in d.next_actions for d in owner)
    mine = services.market.listing_deals(slug, viewer=bo.id, listing_id=offer)
    assert [d.order.buyer_id for d in mine] == [bo.id]


def test_my_deals_pages_through_both_roles_with_their_listings(services: Services) -> None:
    slug, (ada, bo) = members(services, 2)
    offer = _offer(services, slug, ada.id)
    for n in range(3):
        services.market.place_order(slug, buyer=bo.id, listing_id=offer, idempotency_key=f"{n}")
    first = services.market.my_deals(slug, member_id=bo.id, limit=2)
    assert len(first.items) == 2
    assert first.next_cursor is not None
    rest = services.market.my_deals(slug, member_id=bo.id, limit=2, cursor=first.next_cursor)
    assert len(rest.items) == 1
    assert {d.order.id for d in first.items}.isdisjoint(d.order.id for d in rest.items)
    assert all(d.listing.title == "Bike repair" for d in [*first.items, *rest.items])
    assert services.market.my_deals(slug, member_id=bo.id, role="seller").items == []
    assert len(services.market.my_deals(slug, member_id=ada.id, role="seller").items) == 3


def test_deals_are_for_members_and_those_who_were(services: Services) -> None:
    slug, (ada, _) = members(services, 2)
    stranger = services.auth.register(
        email="eve@example.org", password="correct horse", display_name="Eve"
    )
    with pytest.raises(NotAMember):
        services.market.my_deals(slug, member_id=stranger.id)
    assert services.market.my_deals(slug, member_id=ada.id).items == []


def test_a_page_of_deals_costs_the_same_queries_however_many_deals(
    services: Services, engine: Engine
) -> None:
    """Listings, disputes and reviews are read for the whole page at once, not per deal."""
    slug, (ada, bo) = members(services, 2)
    offer = _offer(services, slug, ada.id)

    def queries_for_my_deals() -> int:
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", count)
        try:
            services.market.my_deals(slug, member_id=bo.id)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    services.market.place_order(slug, buyer=bo.id, listing_id=offer, idempotency_key="first")
    one = queries_for_my_deals()
    for n in range(5):
        services.market.place_order(slug, buyer=bo.id, listing_id=offer, idempotency_key=f"{n}")
    assert queries_for_my_deals() == one
