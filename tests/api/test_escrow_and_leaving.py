"""Issues #8 and #9 through the API: escrow refused by the ledger, reads survive a broken order,
verify answers a report, and leaving closes listings and shows no credit limit."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cybermutual.services.container import Services
from tests.api.helpers import COLLECTIVE
from tests.helpers import FakeClock, assert_problem, void_behind_the_back

M = "/collectives/riverside"


def _collective(member: Any, *names: str) -> list[Any]:
    people = [member(n) for n in names]
    assert people[0].post("/collectives", json=COLLECTIVE).status_code == 201
    for p in people[1:]:
        assert p.post(f"{M}/memberships").status_code == 201
    return people


def _offer(seller: Any, price: int = 400, title: str = "Sourdough loaf") -> dict[str, Any]:
    body = {"kind": "offer", "title": title, "description": "", "category": "food", "price": price}
    reply = seller.post(f"{M}/listings", json=body)
    assert reply.status_code == 201, reply.text
    result: dict[str, Any] = reply.json()
    return result


def _delivered(seller: Any, buyer: Any, key: str, price: int = 400) -> dict[str, Any]:
    listing = _offer(seller, price, title=f"Loaf {key}")
    order = buyer.post(f"{M}/orders", key=key, json={"listing_id": listing["id"]}).json()
    assert seller.post(f"{M}/orders/{order['id']}/accept").status_code == 200
    delivered: dict[str, Any] = seller.post(f"{M}/orders/{order['id']}/deliver").json()
    return delivered


def test_the_escrow_of_an_order_cannot_be_voided_or_posted(client: TestClient, member: Any) -> None:
    ada, bo = _collective(member, "Ada", "Bo")
    order = _delivered(ada, bo, "o")
    escrow = order["escrow_transfer_id"]
    for who, action in [(bo, "void"), (ada, "void"), (bo, "post")]:
        reply = who.post(f"{M}/transfers/{escrow}/{action}", key=f"{action}-{who.id}")
        assert_problem(reply, 409, "transfer_settled_by_owner")
        assert reply.json()["context"]["order"] == order["id"]
    assert bo.post(f"{M}/orders/{order['id']}/confirm", key="c").json()["status"] == "completed"
    assert client.get(f"/api/v1{M}/ledger/verify").json() == {
        "ok": True,
        "entries": 2,
        "head": client.get(f"/api/v1{M}/ledger/verify").json()["head"],
        "problems": [],
        "unsealed": 0,  # every entry chained (a tail would be counted here)
    }


def test_reads_answer_while_one_order_is_broken(
    client: TestClient, member: Any, services: Services
) -> None:
    ada, bo, cy, di = _collective(member, "Ada", "Bo", "Cy", "Di")
    broken = _delivered(ada, bo, "broken")
    honest = _delivered(cy, di, "honest")
    with services.uow(readonly=True) as uow:
        order = uow.market.orders.get(broken["id"])
    assert order is not None
    void_behind_the_back(services, "riverside", order)
    clock: FakeClock = services.market._clock  # type: ignore[assignment]
    clock.advance(days=15)
    for who in (ada, bo, cy, di):
        assert who.get(f"{M}/orders").status_code == 200
        assert who.get(f"{M}/inbox").status_code == 200
    assert bo.get(f"{M}/orders/{broken['id']}").status_code == 200
    assert di.get(f"{M}/orders/{honest['id']}").json()["status"] == "completed"
    report = client.get(f"/api/v1{M}/ledger/verify").json()
    assert report["ok"] is False
    assert {(p["kind"], p["ids"]["order"]) for p in report["problems"]} == {
        ("escrow_not_pending", broken["id"]),
        ("auto_confirm_failed", broken["id"]),
    }
    assert all(p["message"] for p in report["problems"])


def test_leaving_closes_listings_and_shows_no_credit_limit(member: Any) -> None:
    ada, bo = _collective(member, "Ada", "Bo")
    loaf = _offer(bo)
    ada.post(f"{M}/transfers", key="p", json={"to": bo.id, "amount": 250})
    left = bo.delete(f"{M}/memberships/me")
    assert left.status_code == 200, left.text
    assert (left.json()["status"], left.json()["listings_closed"]) == ("left", [loaf["id"]])
    assert left.json()["warnings"] == []
    found = ada.get(f"{M}/listings", params={"q": "sourdough"}).json()["items"]
    assert found == []
    assert_problem(
        ada.post(f"{M}/orders", key="o", json={"listing_id": loaf["id"]}), 409, "listing_closed"
    )
    account = bo.get(f"{M}/accounts/me").json()
    assert (account["balance"], account["available"], account["credit_limit"]) == (250, 250, 0)
    assert_problem(  # a leaver spends what they hold, but holds nothing for later
        bo.post(f"{M}/transfers", key="h", json={"to": ada.id, "amount": 10, "pending": True}),
        403,
        "not_allowed",
    )
    # rejoining restores the account and its limit, and reopens nothing
    assert bo.post(f"{M}/memberships").status_code == 201
    assert (
        bo.get(f"{M}/accounts/me").json()["credit_limit"]
        == COLLECTIVE["charter"]["default_credit_limit"]
    )
    assert ada.get(f"{M}/listings/{loaf['id']}").json()["status"] == "closed"


def test_leaving_with_money_held_is_refused(member: Any) -> None:
    ada, bo = _collective(member, "Ada", "Bo")
    ada.post(f"{M}/transfers", key="p", json={"to": bo.id, "amount": 900})
    loaf = _offer(ada, price=400)
    order = bo.post(f"{M}/orders", key="o", json={"listing_id": loaf["id"]}).json()
    assert_problem(bo.delete(f"{M}/memberships/me"), 422, "holds_outstanding")
    cancelled = bo.post(f"{M}/orders/{order['id']}/cancel", key="c")
    assert cancelled.json()["status"] == "cancelled", cancelled.text
    assert bo.delete(f"{M}/memberships/me").status_code == 200


def test_the_last_member_is_warned_not_refused(member: Any) -> None:
    (ada,) = _collective(member, "Ada")
    left = ada.delete(f"{M}/memberships/me")
    assert left.status_code == 200
    assert any("last active member" in w for w in left.json()["warnings"])
