"""Who may read a collective's market, per its charter (issue #8, item 14), on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cybermutual.domain.errors import NotAMember
from cybermutual.domain.market.deals import Action
from cybermutual.domain.market.listings import ListingKind
from cybermutual.services.container import Services
from cybermutual.services.market.ports import ListingQuery
from tests.api.helpers import COLLECTIVE
from tests.helpers import assert_problem, members, person


def _market(member: Any, *, admission: str, visibility: str | None = None) -> tuple[Any, Any]:
    """A collective with a sold and closed listing, an open one, an open task and a review."""
    seller, buyer = member("Ada"), member("Bo")
    charter = {**COLLECTIVE["charter"], "admission": admission}
    if visibility is not None:
        charter["market_visibility"] = visibility
    made = seller.post("/collectives", json={**COLLECTIVE, "charter": charter})
    assert made.status_code == 201, made.text
    buyer.post("/collectives/riverside/memberships")
    if admission == "approval":
        seller.post(f"/collectives/riverside/memberships/{buyer.id}/approve")
    m = "/collectives/riverside"
    offer = {"kind": "offer", "title": "Oak stool", "category": "crafts", "price": 100}
    sold = seller.post(f"{m}/listings", json={**offer, "quantity": 1}).json()["id"]
    seller.post(f"{m}/listings", json={**offer, "title": "Ash stool", "quantity": 5})
    seller.post(f"{m}/tasks", json={"title": "Fix the gate", "category": "repairs", "reward": 50})
    oid = buyer.post(f"{m}/orders", key="o", json={"listing_id": sold}).json()["id"]
    for step in ("accept", "deliver"):
        seller.post(f"{m}/orders/{oid}/{step}")
    buyer.post(f"{m}/orders/{oid}/confirm", key="c")
    assert seller.post(f"{m}/listings/{sold}/close").json()["status"] == "closed"
    review = buyer.post(f"{m}/reviews", json={"order_id": oid, "stars": 5, "text": "Sturdy"})
    assert review.status_code == 201, review.text
    return seller, sold


M = "/collectives/riverside"


def test_an_approval_only_market_is_for_members_only(client: TestClient, member: Any) -> None:
    seller, sold = _market(member, admission="approval")
    assert client.get(f"/api/v1{M}").json()["charter"]["market_visibility"] == "members"
    applicant, outsider = member("Pen"), member("Out")
    applicant.post(f"{M}/memberships")  # pending
    for stranger in (applicant, outsider):
        for path in (
            f"{M}/listings",
            f"{M}/listings?status=closed",
            f"{M}/listings/{sold}",
            f"{M}/tasks",
            f"{M}/reviews?member={seller.id}",
            f"{M}/reputation/{seller.id}",
        ):
            assert_problem(stranger.get(path), 403, "not_a_member")
    assert seller.get(f"{M}/listings?status=any").json()["items"]


def test_an_open_market_is_a_shop_window_without_the_history(
    client: TestClient, member: Any
) -> None:
    seller, sold = _market(member, admission="open")
    assert client.get(f"/api/v1{M}").json()["charter"]["market_visibility"] == "public"
    outsider = member("Out")
    titles = [i["title"] for i in outsider.get(f"{M}/listings").json()["items"]]
    assert titles == ["Fix the gate", "Ash stool"]
    assert [i["title"] for i in outsider.get(f"{M}/tasks").json()["items"]] == ["Fix the gate"]
    assert outsider.get(f"{M}/reviews?member={seller.id}").json()["items"][0]["text"] == "Sturdy"
    assert outsider.get(f"{M}/reputation/{seller.id}").json()["count"] == 1
    # what was sold, and to whom, is the members' business
    assert_problem(outsider.get(f"{M}/listings?status=closed"), 403, "not_a_member")
    assert_problem(outsider.get(f"{M}/listings?status=any"), 403, "not_a_member")
    assert_problem(outsider.get(f"{M}/listings/{sold}"), 404, "listing_not_found")
    assert seller.get(f"{M}/listings/{sold}").status_code == 200


def test_a_charter_may_choose_either_way(client: TestClient, member: Any) -> None:
    _market(member, admission="open", visibility="members")
    assert_problem(member("Out").get(f"{M}/listings"), 403, "not_a_member")
    bad = member("Zed").post(
        "/collectives",
        json={**COLLECTIVE, "slug": "other", "charter": {"market_visibility": "everyone"}},
    )
    assert_problem(bad, 422, "validation_error")


def test_the_service_decides_so_no_front_end_can_leak(services: Services) -> None:
    from cybermutual.domain.collective import Admission

    slug, (owner, buyer) = members(services, 2, admission=Admission.APPROVAL)
    services.collectives.approve(slug, approver_id=owner.id, member_id=buyer.id)
    outsider = person(services, "out")
    listing = services.market.post_listing(
        slug,
        owner=owner.id,
        kind=ListingKind.OFFER,
        title="Oak stool",
        description="",
        category="crafts",
        price=100,
        quantity=1,
    ).listing
    for read in (
        lambda: services.market.search(slug, ListingQuery(), viewer=outsider.id),
        lambda: services.market.listing(slug, listing.id, viewer=outsider.id),
        lambda: services.market.reputation(slug, owner.id, viewer=outsider.id),
        lambda: services.market.reviews_of(slug, member_id=owner.id, viewer=outsider.id),
    ):
        with pytest.raises(NotAMember):
            read()
    # a member who leaves keeps reading the market they traded in (to finish their deals)
    order = services.market.place_order(
        slug, buyer=buyer.id, listing_id=listing.id, idempotency_key="o"
    )
    services.market.act(
        slug, actor=owner.id, order_id=order.id, action=Action.DECLINE, idempotency_key="d"
    )
    services.collectives.leave(slug, member_id=buyer.id)
    assert services.market.listing(slug, listing.id, viewer=buyer.id).listing.id == listing.id
