"""register -> create collective -> join -> pay -> refusal -> retry -> leave -> verify."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import COLLECTIVE
from tests.helpers import assert_problem


def test_whole_foundation_flow(client: TestClient, member: Any) -> None:
    ada, bo = member("Ada"), member("Bo")
    assert ada.get("/me").json() == {
        "id": ada.id,
        "email": ada.email,
        "display_name": "Ada",
        "memberships": [],  # none yet (issue #9: /me lists them)
    }

    created = ada.post("/collectives", json=COLLECTIVE)
    assert created.status_code == 201, created.text
    assert created.json()["stats"]["active_members"] == 1
    joined = bo.post("/collectives/riverside/memberships")
    assert joined.status_code == 201
    assert joined.json()["status"] == "active"

    paid = ada.post(
        "/collectives/riverside/transfers",
        key="pay-1",
        json={"to": bo.id, "amount": 700, "memo": "bike repair"},
    )
    assert paid.status_code == 201, paid.text
    transfer = paid.json()
    assert {k: transfer[k] for k in ("from", "to", "amount", "memo", "status")} == {
        "from": ada.id,
        "to": bo.id,
        "amount": 700,
        "memo": "bike repair",
        "status": "posted",
    }
    assert {"id", "created_at"} <= transfer.keys()

    refused = ada.post(
        "/collectives/riverside/transfers", key="pay-2", json={"to": bo.id, "amount": 301}
    )
    assert_problem(refused, 422, "credit_limit_exceeded")

    retry = ada.post(
        "/collectives/riverside/transfers",
        key="pay-1",
        json={"to": bo.id, "amount": 700, "memo": "bike repair"},
    )
    assert retry.status_code == 201
    assert retry.json()["id"] == transfer["id"]
    reused = ada.post(
        "/collectives/riverside/transfers",
        key="pay-1",
        json={"to": bo.id, "amount": 701, "memo": "bike repair"},
    )
    assert_problem(reused, 409, "idempotency_key_reused")

    account = ada.get("/collectives/riverside/accounts/me").json()
    assert (account["balance"], account["available"], account["credit_limit"]) == (-700, -700, 1000)
    assert account["currency"]["code"] == "RVC"

    assert_problem(ada.delete("/collectives/riverside/memberships/me"), 422, "debt_outstanding")
    left = bo.delete("/collectives/riverside/memberships/me")
    assert left.status_code == 200
    assert left.json()["status"] == "left"
    assert bo.get("/collectives/riverside/accounts/me").json()["balance"] == 700  # kept

    verify = client.get("/api/v1/collectives/riverside/ledger/verify").json()
    assert verify["ok"] is True
    assert verify["entries"] == 1
    assert len(verify["head"]) == 64

    directory = client.get("/api/v1/collectives").json()
    stats = directory["items"][0]["stats"]
    assert (stats["active_members"], stats["posted_transfers"], stats["volume"]) == (1, 1, 700)


def test_members_see_only_their_own_entries(client: TestClient, member: Any) -> None:
    ada, bo, cy = member("Ada"), member("Bo"), member("Cy")
    ada.post("/collectives", json=COLLECTIVE)
    for m in (bo, cy):
        m.post("/collectives/riverside/memberships")
    ada.post("/collectives/riverside/transfers", key="1", json={"to": bo.id, "amount": 10})
    bo.post("/collectives/riverside/transfers", key="2", json={"to": cy.id, "amount": 5})
    assert [t["amount"] for t in cy.get("/collectives/riverside/transfers").json()["items"]] == [5]
    assert len(bo.get("/collectives/riverside/transfers").json()["items"]) == 2
    outsider = member("Out")
    assert_problem(outsider.get("/collectives/riverside/transfers"), 403, "not_a_member")
    assert_problem(outsider.get("/collectives/riverside/accounts/me"), 403, "not_a_member")


def test_transfer_list_paginates(client: TestClient, member: Any) -> None:
    ada, bo = member("Ada"), member("Bo")
    ada.post("/collectives", json=COLLECTIVE)
    bo.post("/collectives/riverside/memberships")
    for i in range(7):
        ada.post(
            "/collectives/riverside/transfers", key=f"k{i}", json={"to": bo.id, "amount": i + 1}
        )
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = ada.get("/collectives/riverside/transfers", params=params).json()
        seen += [t["amount"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [1, 2, 3, 4, 5, 6, 7]
    assert len(seen) == 7
    assert_problem(
        ada.get("/collectives/riverside/transfers", params={"cursor": "garbage!"}),
        422,
        "invalid_value",
    )


def test_approval_admission(client: TestClient, member: Any) -> None:
    ada, bo, cy = member("Ada"), member("Bo"), member("Cy")
    ada.post("/collectives", json={**COLLECTIVE, "charter": {"admission": "approval"}})
    asked = bo.post("/collectives/riverside/memberships")
    assert asked.status_code == 202
    assert asked.json()["status"] == "pending"
    assert_problem(bo.get("/collectives/riverside/accounts/me"), 403, "not_a_member")
    assert_problem(
        cy.post(f"/collectives/riverside/memberships/{bo.id}/approve"), 403, "not_a_member"
    )
    pending = ada.get("/collectives/riverside/memberships", params={"status": "pending"}).json()
    assert [m["member_id"] for m in pending["items"]] == [bo.id]
    approved = ada.post(f"/collectives/riverside/memberships/{bo.id}/approve")
    assert approved.json()["status"] == "active"
    assert bo.get("/collectives/riverside/accounts/me").json()["balance"] == 0


def test_pending_payment_release_and_cancel(client: TestClient, member: Any) -> None:
    ada, bo = member("Ada"), member("Bo")
    ada.post("/collectives", json=COLLECTIVE)
    bo.post("/collectives/riverside/memberships")
    held = ada.post(
        "/collectives/riverside/transfers",
        key="h",
        json={"to": bo.id, "amount": 400, "pending": True},
    ).json()
    assert held["status"] == "pending"
    assert ada.get("/collectives/riverside/accounts/me").json()["available"] == -400
    assert_problem(
        bo.post(f"/collectives/riverside/transfers/{held['id']}/post", key="r0"),
        403,
        "not_allowed",
    )
    release = f"/collectives/riverside/transfers/{held['id']}/post"
    assert_problem(ada.post(release), 422, "idempotency_key_required")
    assert ada.post(release, key="r1").json()["status"] == "posted"
    assert ada.post(release, key="r1").json()["status"] == "posted"  # a retry replays
    assert_problem(
        ada.post(f"/collectives/riverside/transfers/{held['id']}/void", key="r2"),
        409,
        "invalid_transition",
    )
    assert bo.get("/collectives/riverside/accounts/me").json()["balance"] == 400


def test_batch_payments(client: TestClient, member: Any) -> None:
    ada, bo, cy = member("Ada"), member("Bo"), member("Cy")
    ada.post("/collectives", json=COLLECTIVE)
    for m in (bo, cy):
        m.post("/collectives/riverside/memberships")
    body = {"payments": [{"to": bo.id, "amount": 300}, {"to": cy.id, "amount": 200}]}
    done = ada.post("/collectives/riverside/transfers/batch", key="b1", json=body)
    assert done.status_code == 201, done.text
    assert [t["to"] for t in done.json()] == [bo.id, cy.id]
    replay = ada.post("/collectives/riverside/transfers/batch", key="b1", json=body)
    assert [t["id"] for t in replay.json()] == [t["id"] for t in done.json()]
    too_much = {"payments": [{"to": bo.id, "amount": 400}, {"to": cy.id, "amount": 400}]}
    assert_problem(
        ada.post("/collectives/riverside/transfers/batch", key="b2", json=too_much),
        422,
        "credit_limit_exceeded",
    )
    assert ada.get("/collectives/riverside/accounts/me").json()["balance"] == -500


def test_failed_logins_are_throttled_then_lift(client: TestClient, member: Any, clock: Any) -> None:
    ada = member("Ada")
    for _ in range(5):
        bad = client.post(
            "/api/v1/auth/token", data={"username": ada.email, "password": "wrong-one"}
        )
        assert_problem(bad, 401, "invalid_credentials")
    blocked = client.post(
        "/api/v1/auth/token", data={"username": ada.email, "password": "correct horse"}
    )
    assert_problem(blocked, 429, "too_many_login_attempts")
    assert int(blocked.headers["Retry-After"]) > 0
    clock.advance(minutes=16)
    ok = client.post(
        "/api/v1/auth/token", data={"username": ada.email, "password": "correct horse"}
    )
    assert ok.status_code == 200


def test_logout_revokes_only_that_token(client: TestClient, member: Any) -> None:
    ada = member("Ada")
    other = client.post(
        "/api/v1/auth/token", data={"username": ada.email, "password": "correct horse"}
    ).json()["access_token"]
    assert client.delete("/api/v1/auth/token", headers=ada.headers).status_code == 204
    assert_problem(ada.get("/me"), 401, "not_authenticated")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200
