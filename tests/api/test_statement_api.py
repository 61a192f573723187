"""``GET .../accounts/me/statement``: the postings that changed one's balance, newest first,
each with the balance it left and the other side named, page by page (both databases)."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import M, join_riverside


def test_the_statement_shows_the_running_balance_and_who_was_on_the_other_side(
    member: Any,
) -> None:
    ada, bob = join_riverside(member, "Ada", "Bob")
    for n, (payer, payee, amount) in enumerate([(ada, bob, 300), (bob, ada, 120), (ada, bob, 50)]):
        reply = payer.post(
            f"{M}/transfers", key=f"k{n}", json={"to": payee.id, "amount": amount, "memo": f"{n}"}
        )
        assert reply.status_code == 201, reply.text
    lines: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = ada.get(f"{M}/accounts/me/statement", params=params).json()
        lines += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [(x["memo"], x["amount"], x["balance_after"]) for x in lines] == [
        ("2", -50, -230),
        ("1", 120, -180),
        ("0", -300, -300),
    ]
    assert {(x["counterparty_id"], x["counterparty_name"]) for x in lines} == {(bob.id, "Bob")}
    assert all(x["purpose"] == "payment" and x["kind"] == "payment" for x in lines)
    assert ada.get(f"{M}/accounts/me").json()["balance"] == -230


def test_a_forged_cursor_is_refused_as_a_problem(member: Any) -> None:
    (ada,) = join_riverside(member, "Ada")
    for cursor in ("nonsense", "WyJ4IiwgMSwgImEiXQ", "WzEsMiwzXQ"):
        reply = ada.get(f"{M}/accounts/me/statement", params={"cursor": cursor})
        assert reply.status_code == 422
        assert reply.json()["code"] == "invalid_value"


def test_one_inbox_for_every_collective(member: Any) -> None:
    ada, bob = join_riverside(member, "Ada", "Bob")
    other = {
        "slug": "hillside",
        "name": "Hillside",
        "currency": {"code": "HIL", "name": "Hill hours", "decimals": 0},
        "charter": {"default_credit_limit": 100, "admission": "open"},
    }
    assert ada.post("/collectives", json=other).status_code == 201
    assert bob.post("/collectives/hillside/memberships").status_code == 201
    for path, amount in [(M, 100), ("/collectives/hillside", 7)]:
        reply = ada.post(f"{path}/transfers", key=path, json={"to": bob.id, "amount": amount})
        assert reply.status_code == 201, reply.text
    inbox = bob.get("/inbox").json()
    assert inbox["unread"] == 2
    assert [(i["collective"], i["message"]) for i in inbox["items"]] == [
        ("hillside", "Ada paid you 7 HIL."),
        ("riverside", "Ada paid you 1.00 RVC."),
    ]
    newest = inbox["items"][0]["id"]
    assert ada.post("/inbox/read", json={"ids": [newest]}).json() == {"marked": 0}
    assert bob.post("/inbox/read", json={"ids": [newest]}).json() == {"marked": 1}
    assert bob.get("/inbox", params={"unread": True}).json()["unread"] == 1
    assert bob.post("/inbox/read", json={}).json() == {"marked": 1}
    assert member("Nobody").get("/inbox").json() == {"items": [], "next_cursor": None, "unread": 0}
