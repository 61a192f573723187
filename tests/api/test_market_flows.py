"""The market through the API on both databases: orders, tasks, quotes, disputes, search."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cybermutual.services.container import Services
from tests.api.helpers import (
    M,
    account_of,
    assert_ledger_verifies,
    join_riverside,
    post_offer,
)
from tests.helpers import assert_problem


def test_order_flow_reserves_then_posts(client: TestClient, member: Any) -> None:
    ada, bo, cy = join_riverside(member, "Ada", "Bo", "Cy")
    loaf = post_offer(ada)
    assert loaf["owner_reputation"]["count"] == 0

    ordered = bo.post(f"{M}/orders", key="o-1", json={"listing_id": loaf["id"], "quantity": 2})
    assert ordered.status_code == 201, ordered.text
    order = ordered.json()
    assert (order["status"], order["amount"]) == ("placed", 600)
    assert account_of(bo) == {"balance": 0, "available": -600, "reserved": 600}
    again = bo.post(f"{M}/orders", key="o-1", json={"listing_id": loaf["id"], "quantity": 2})
    assert again.json()["id"] == order["id"]  # idempotent
    assert_problem(
        bo.post(f"{M}/orders", key="o-1", json={"listing_id": loaf["id"], "quantity": 1}),
        409,
        "idempotency_key_reused",
    )
    assert_problem(
        cy.post(f"{M}/orders", key="o-2", json={"listing_id": loaf["id"]}),
        422,
        "insufficient_quantity",
    )
    assert ada.get(f"{M}/listings/{loaf['id']}").json()["quantity"] == 0

    inbox = ada.get(f"{M}/inbox").json()
    assert inbox["unread"] == 1
    assert inbox["items"][0]["event"] == "order_placed"

    oid = order["id"]
    assert_problem(bo.post(f"{M}/orders/{oid}/accept"), 403, "not_the_seller")
    assert_problem(cy.post(f"{M}/orders/{oid}/accept"), 403, "not_a_party")
    assert ada.post(f"{M}/orders/{oid}/accept").json()["status"] == "accepted"
    assert_problem(bo.post(f"{M}/orders/{oid}/deliver"), 403, "not_the_seller")
    assert_problem(bo.post(f"{M}/orders/{oid}/confirm", key="c-0"), 409, "invalid_transition")
    assert ada.post(f"{M}/orders/{oid}/deliver").json()["status"] == "delivered"
    assert_problem(ada.post(f"{M}/orders/{oid}/confirm", key="c-1"), 403, "not_the_buyer")
    done = bo.post(f"{M}/orders/{oid}/confirm", key="c-2")
    assert done.json()["status"] == "completed", done.text
    assert bo.post(f"{M}/orders/{oid}/confirm", key="c-2").json()["status"] == "completed"
    assert account_of(bo) == {"balance": -600, "available": -600, "reserved": 0}
    assert account_of(ada)["balance"] == 600

    assert (
        bo.post(f"{M}/reviews", json={"order_id": oid, "stars": 5, "text": "Lovely"}).status_code
        == 201
    )
    assert_problem(
        bo.post(f"{M}/reviews", json={"order_id": oid, "stars": 4}), 409, "already_reviewed"
    )
    assert_problem(
        cy.post(f"{M}/reviews", json={"order_id": oid, "stars": 1}), 404, "order_not_found"
    )
    rep = bo.get(f"{M}/reputation/{ada.id}").json()
    assert (rep["count"], rep["average"], rep["score"]) == (1, 5.0, 5.0)  # prior: the mean
    assert_ledger_verifies(client)


def test_decline_cancel_and_limits(client: TestClient, member: Any) -> None:
    ada, bo = join_riverside(member, "Ada", "Bo")
    lesson = post_offer(ada, title="Guitar lesson", category="lessons", price=700, quantity=None)
    assert_problem(
        bo.post(f"{M}/orders", key="big", json={"listing_id": lesson["id"], "quantity": 2}),
        422,
        "credit_limit_exceeded",
    )
    assert_problem(
        ada.post(f"{M}/orders", key="own", json={"listing_id": lesson["id"]}), 422, "own_listing"
    )
    first = bo.post(f"{M}/orders", key="a", json={"listing_id": lesson["id"]}).json()
    assert ada.post(f"{M}/orders/{first['id']}/decline", key="d").json()["status"] == "declined"
    second = bo.post(f"{M}/orders", key="b", json={"listing_id": lesson["id"]}).json()
    assert_problem(bo.post(f"{M}/orders/{second['id']}/cancel"), 422, "idempotency_key_required")
    assert bo.post(f"{M}/orders/{second['id']}/cancel", key="x").json()["status"] == "cancelled"
    assert account_of(bo) == {"balance": 0, "available": 0, "reserved": 0}
    closed = ada.post(f"{M}/listings/{lesson['id']}/close")
    assert closed.json()["status"] == "closed"
    assert_problem(
        bo.post(f"{M}/orders", key="c", json={"listing_id": lesson["id"]}), 409, "listing_closed"
    )
    assert_ledger_verifies(client)


def test_request_quote_becomes_an_order(client: TestClient, member: Any) -> None:
    ada, bo = join_riverside(member, "Ada", "Bo")
    wanted = ada.post(
        f"{M}/listings",
        json={
            "kind": "request",
            "title": "Fix my bike brakes",
            "category": "repairs",
            "price": 500,
        },
    ).json()
    quote = bo.post(f"{M}/listings/{wanted['id']}/quotes", json={"price": 450, "message": "Today"})
    assert quote.status_code == 201, quote.text
    assert_problem(
        bo.post(f"{M}/quotes/{quote.json()['id']}/accept", key="q"), 403, "not_the_owner"
    )
    order = ada.post(f"{M}/quotes/{quote.json()['id']}/accept", key="q")
    assert order.status_code == 201, order.text
    assert (order.json()["status"], order.json()["amount"]) == ("accepted", 450)
    assert ada.get(f"{M}/listings/{wanted['id']}").json()["status"] == "closed"
    oid = order.json()["id"]
    bo.post(f"{M}/orders/{oid}/deliver")
    assert ada.post(f"{M}/orders/{oid}/confirm", key="k").json()["status"] == "completed"
    assert account_of(bo)["balance"] == 450
    assert_ledger_verifies(client)


def test_a_request_reopens_when_its_accepted_quote_falls_through(
    client: TestClient, member: Any
) -> None:
    ada, bo = join_riverside(member, "Ada", "Bo")
    wanted = ada.post(
        f"{M}/listings",
        json={"kind": "request", "title": "Hem trousers", "category": "repairs", "price": 300},
    ).json()
    quote = bo.post(f"{M}/listings/{wanted['id']}/quotes", json={"price": 250}).json()
    order = ada.post(f"{M}/quotes/{quote['id']}/accept", key="q").json()
    assert ada.get(f"{M}/listings/{wanted['id']}").json()["status"] == "closed"
    cancelled = bo.post(f"{M}/orders/{order['id']}/cancel", key="c")
    assert cancelled.status_code == 200, cancelled.text
    assert ada.get(f"{M}/listings/{wanted['id']}").json()["status"] == "open"
    assert account_of(ada)["reserved"] == 0
    assert_ledger_verifies(client)


def test_task_flow(client: TestClient, member: Any) -> None:
    ada, bo, cy = join_riverside(member, "Ada", "Bo", "Cy")
    task = ada.post(
        f"{M}/tasks",
        json={"title": "Water the tomatoes", "category": "home", "reward": 200},
    )
    assert task.status_code == 201, task.text
    tid = task.json()["id"]
    assert ada.get(f"{M}/tasks").json()["items"][0]["id"] == tid
    applied = bo.post(f"{M}/tasks/{tid}/applications", json={"message": "I live next door"})
    assert applied.status_code == 201
    assert_problem(bo.post(f"{M}/tasks/{tid}/applications", json={}), 409, "already_applied")
    app_id = applied.json()["id"]
    assert_problem(
        cy.post(f"{M}/tasks/{tid}/assign", key="as", json={"application_id": app_id}),
        403,
        "not_the_owner",
    )
    assigned = ada.post(f"{M}/tasks/{tid}/assign", key="as", json={"application_id": app_id})
    assert assigned.status_code == 201, assigned.text
    assert (assigned.json()["kind"], assigned.json()["status"]) == ("task", "accepted")
    assert account_of(ada)["reserved"] == 200
    assert bo.get(f"{M}/inbox").json()["items"][0]["event"] == "task_assigned"
    assert_problem(ada.post(f"{M}/tasks/{tid}/submit"), 403, "not_the_seller")
    assert bo.post(f"{M}/tasks/{tid}/submit").json()["status"] == "delivered"
    events = [i["event"] for i in ada.get(f"{M}/inbox?unread=true").json()["items"]]
    assert sorted(events) == ["task_application", "work_submitted"]
    assert_problem(bo.post(f"{M}/tasks/{tid}/approve", key="ap"), 403, "not_the_buyer")
    assert ada.post(f"{M}/tasks/{tid}/approve", key="ap").json()["status"] == "completed"
    assert account_of(bo)["balance"] == 200
    marked = ada.post(f"{M}/inbox/read", json={})
    assert marked.json()["marked"] >= 1
    assert ada.get(f"{M}/inbox").json()["unread"] == 0
    assert_ledger_verifies(client)


def test_dispute_decided_by_jury(client: TestClient, member: Any, services: Services) -> None:
    ada, bo, *others = join_riverside(member, "Ada", "Bo", "Cy", "Di", "Ed", "Fe")
    lamp = post_offer(ada, title="Restored desk lamp", category="crafts", price=800, quantity=1)
    oid = bo.post(f"{M}/orders", key="o", json={"listing_id": lamp["id"]}).json()["id"]
    ada.post(f"{M}/orders/{oid}/accept")
    ada.post(f"{M}/orders/{oid}/deliver")
    outsider = member("Zed")
    assert_problem(
        outsider.post(f"{M}/disputes", key="d", json={"order_id": oid, "reason": "x"}),
        403,
        "not_a_member",
    )
    opened = bo.post(f"{M}/orders/{oid}/dispute", key="d", json={"reason": "It arrived broken"})
    assert opened.status_code == 201, opened.text
    dispute = opened.json()
    jury = [j["member_id"] for j in dispute["jury"]]
    assert len(jury) == 3
    assert not {ada.id, bo.id} & set(jury)
    assert dispute["order"]["status"] == "disputed"
    by_id = {p.id: p for p in others}
    did = dispute["id"]
    assert_problem(
        bo.post(f"{M}/disputes/{did}/votes", key="v", json={"vote": "refund"}), 403, "not_a_juror"
    )
    first, second, third = (by_id[j] for j in jury)
    summons = first.get(f"{M}/inbox").json()["items"]
    assert any(i["event"] == "jury_summons" and i["subject_id"] == did for i in summons)
    after_one = first.post(f"{M}/disputes/{did}/votes", key="v", json={"vote": "split"})
    assert after_one.json()["status"] == "open"
    assert_problem(
        first.post(f"{M}/disputes/{did}/votes", key="v2", json={"vote": "refund"}),
        409,
        "already_voted",
    )
    second.post(f"{M}/disputes/{did}/votes", key="v", json={"vote": "refund"})
    decided = third.post(f"{M}/disputes/{did}/votes", key="v", json={"vote": "split"}).json()
    assert (decided["status"], decided["outcome"], decided["seller_share"]) == (
        "decided",
        "split",
        400,
    )
    assert decided["order"]["status"] == "resolved"
    assert decided["tally"] == {"release": 0, "refund": 1, "split": 2}
    assert account_of(bo) == {"balance": -400, "available": -400, "reserved": 0}
    assert account_of(ada)["balance"] == 400
    assert bo.post(f"{M}/reviews", json={"order_id": oid, "stars": 2}).status_code == 201
    assert_ledger_verifies(client)


def test_settlement_by_agreement(client: TestClient, member: Any) -> None:
    ada, bo, _cy = join_riverside(member, "Ada", "Bo", "Cy")
    offer = post_offer(
        ada, price=1000, quantity=None, title="Website copy edit", category="digital"
    )
    oid = bo.post(f"{M}/orders", key="o", json={"listing_id": offer["id"]}).json()["id"]
    ada.post(f"{M}/orders/{oid}/accept")
    did = ada.post(f"{M}/disputes", key="d", json={"order_id": oid, "reason": "No reply"}).json()[
        "id"
    ]
    assert_problem(
        bo.post(f"{M}/orders/{oid}/dispute", key="d2", json={"reason": "again"}),
        409,
        "already_disputed",
    )
    proposed = bo.post(f"{M}/disputes/{did}/settlement", key="s", json={"seller_share": 0})
    assert proposed.json()["status"] == "open"
    settled = ada.post(f"{M}/disputes/{did}/settlement", key="s", json={"seller_share": 0}).json()
    assert (settled["status"], settled["outcome"], settled["order"]["status"]) == (
        "settled",
        "refund",
        "resolved",
    )
    assert account_of(bo) == {"balance": 0, "available": 0, "reserved": 0}
    assert_ledger_verifies(client)


def test_auto_confirm_after_the_charter_period(
    client: TestClient, member: Any, services: Services, clock: Any
) -> None:
    ada, bo = join_riverside(member, "Ada", "Bo")
    offer = post_offer(ada, quantity=None)
    oid = bo.post(f"{M}/orders", key="o", json={"listing_id": offer["id"]}).json()["id"]
    ada.post(f"{M}/orders/{oid}/accept")
    ada.post(f"{M}/orders/{oid}/deliver")
    clock.advance(days=13, hours=23)
    assert services.market.auto_confirm_due("riverside") == 0
    clock.advance(hours=2)
    assert ada.get(f"{M}/orders/{oid}").json()["status"] == "completed"  # confirmed on read
    assert services.market.auto_confirm_due("riverside") == 0
    assert account_of(ada)["balance"] == 300
    assert_ledger_verifies(client)


def test_search_filters_sorts_and_pages(client: TestClient, member: Any, clock: Any) -> None:
    ada, bo = join_riverside(member, "Ada", "Bo")
    post_offer(ada, title="Sourdough loaf", price=300, tags=["sourdough"])
    post_offer(ada, title="Rye bread, dark", price=350, description="Dense Nordic rye", tags=[])
    post_offer(
        bo,
        title="Bike repair",
        category="repairs",
        price=1500,
        description="Brakes, gears",
        tags=[],
    )
    clock.advance(minutes=1)
    post_offer(bo, title="Petrović family honey", category="food", price=800, tags=["honey"])
    clock.advance(minutes=1)
    ada.post(
        f"{M}/listings",
        json={"kind": "request", "title": "Need bread flour", "category": "food", "price": 200},
    )

    def titles(query: str) -> list[str]:
        reply = ada.get(f"{M}/listings?{query}")
        assert reply.status_code == 200, reply.text
        return [i["title"] for i in reply.json()["items"]]

    assert set(titles("q=bread")) == {"Rye bread, dark", "Need bread flour"}
    assert titles("q=sour") == ["Sourdough loaf"]  # prefixes match
    assert titles("q=petrovic") == ["Petrović family honey"]  # accents folded
    assert titles("q=nordic rye") == ["Rye bread, dark"]  # every word must match
    assert titles("q=gears&kind=offer") == ["Bike repair"]
    assert titles("q=zzz") == []
    assert titles("kind=offer&sort=price_asc&max_price=1000") == [
        "Sourdough loaf",
        "Rye bread, dark",
        "Petrović family honey",
    ]
    assert titles(f"owner={bo.id}&sort=price_desc") == ["Bike repair", "Petrović family honey"]
    assert titles("category=repairs") == ["Bike repair"]
    seen: list[str] = []
    cursor = None
    while True:
        url = f"{M}/listings?limit=2&sort=price_desc" + (f"&cursor={cursor}" if cursor else "")
        page = ada.get(url).json()
        seen += [i["title"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5
    assert len(set(seen)) == 5
    newest = titles("limit=200")
    assert newest[0] == "Need bread flour"
    by_rep = titles("sort=reputation&limit=2")
    assert len(by_rep) == 2
    assert_problem(ada.get(f"{M}/listings?cursor=garbage"), 422, "invalid_value")
    assert_problem(ada.get(f"{M}/listings?sort=cheapest"), 422, "validation_error")


def test_listing_edit_rules_and_malformed_input(client: TestClient, member: Any) -> None:
    ada, bo = join_riverside(member, "Ada", "Bo")
    offer = post_offer(ada)
    edited = ada.client.patch(
        f"/api/v1{M}/listings/{offer['id']}",
        headers=ada.headers,
        json={"price": 320, "tags": ["Bread", "#fresh"]},
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["price"], edited.json()["tags"]) == (320, ["bread", "fresh"])
    not_mine = bo.client.patch(
        f"/api/v1{M}/listings/{offer['id']}", headers=bo.headers, json={"price": 1}
    )
    assert_problem(not_mine, 403, "not_the_owner")
    bad = [
        {"kind": "offer", "title": "x", "category": "food", "price": 1},
        {"kind": "offer", "title": "Good title", "category": "nope", "price": 1},
        {"kind": "offer", "title": "Good title", "category": "food", "price": 0},
        {"kind": "offer", "title": "Good title", "category": "food", "price": "1"},
        {"kind": "gift", "title": "Good title", "category": "food", "price": 1},
        {"kind": "task", "title": "Good title", "category": "food", "price": 1, "quantity": 3},
        {"kind": "offer", "title": "Good title", "category": "food", "price": 1, "tags": ["a b"]},
        {"kind": "offer", "title": "Good title", "category": "food", "price": 10**16},
    ]
    for body in bad:
        reply = ada.post(f"{M}/listings", json=body)
        assert reply.status_code == 422, (body, reply.text)
    assert_problem(
        ada.post(f"{M}/orders", key="k", json={"listing_id": "nope"}), 404, "listing_not_found"
    )
    assert_problem(ada.get(f"{M}/orders/nope"), 404, "order_not_found")
    assert_problem(
        ada.post(f"{M}/disputes/nope/votes", key="k", json={"vote": "split"}),
        404,
        "dispute_not_found",
    )
    assert_problem(
        ada.post(f"{M}/disputes/x/votes", key="k", json={"vote": "maybe"}), 422, "validation_error"
    )
    assert_problem(
        ada.post(f"{M}/orders", key="k", json={"listing_id": offer["id"], "quantity": 0}),
        422,
        "validation_error",
    )
    outsider = member("Zed")
    assert_problem(
        outsider.post(
            f"{M}/listings",
            json={"kind": "offer", "title": "Good title", "category": "food", "price": 1},
        ),
        403,
        "not_a_member",
    )
    assert_problem(outsider.get(f"{M}/inbox"), 403, "not_a_member")
    cats = ada.get(f"{M}/market/categories").json()
    assert {"food", "repairs", "other"} <= {c["slug"] for c in cats}
    assert ada.get(f"{M}/market/rules").json() == {"jury_size": 3, "auto_confirm_days": 14}


def test_the_commons_is_never_listed(client: TestClient, member: Any, services: Services) -> None:
    ada, _bo = join_riverside(member, "Ada", "Bo")
    lathe = services.commons.contribute(
        "riverside",
        member_id=ada.id,
        name="Wood lathe",
        category="woodworking",
        capacity=40,
        unit="hours",
    )
    body = {"kind": "offer", "title": "Wood lathe", "category": "repairs", "price": 100}
    refused = ada.post(f"{M}/listings", json={**body, "asset_id": lathe.id})
    assert_problem(refused, 422, "commons_not_for_sale")
    assert ada.get(f"{M}/listings?q=lathe").json()["items"] == []
    own_tool = ada.post(f"{M}/listings", json={**body, "asset_id": "my-own-drill"})
    assert own_tool.status_code == 201  # a member's own tools are theirs to sell
