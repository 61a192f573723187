"""What API tests share: a person talking to the API, and a collective to start."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import FakeClock

_emails = itertools.count()
#: The collective most API tests start (``COLLECTIVE``), as a path under /api/v1.
RIVERSIDE = "/collectives/riverside"
M = C = RIVERSIDE  # short names the market (M) and commons (C) tests use in every path


class Member:
    """A registered, logged-in person talking to the API."""

    def __init__(self, client: TestClient, name: str) -> None:
        self.client = client
        self.email = f"{name.lower()}{next(_emails)}@example.org"
        reply = client.post(
            "/api/v1/auth/register",
            json={"email": self.email, "password": "correct horse", "display_name": name},
        )
        assert reply.status_code == 201, reply.text
        self.id: str = reply.json()["id"]
        token = client.post(
            "/api/v1/auth/token", data={"username": self.email, "password": "correct horse"}
        )
        assert token.status_code == 200, token.text
        self.headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kw)

    def post(
        self, path: str, *, key: str | None = None, headers: dict[str, str] | None = None, **kw: Any
    ) -> Any:
        headers = {**self.headers, **(headers or {})}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post(f"/api/v1{path}", headers=headers, **kw)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", headers=self.headers)


COLLECTIVE: dict[str, Any] = {
    "slug": "riverside",
    "name": "Riverside",
    "currency": {"code": "RVC", "name": "Riverside credit", "decimals": 2},
    "charter": {
        "default_credit_limit": 1000,
        "admission": "open",
        "levy_rate": "0",
        "capital_mode": "commons",
    },
}


def join_riverside(member: Any, *names: str) -> list[Any]:
    people = [member(n) for n in names]
    assert people[0].post("/collectives", json=COLLECTIVE).status_code == 201
    for p in people[1:]:
        assert p.post(f"{M}/memberships").status_code == 201
    return people


def account_of(who: Any) -> dict[str, int]:
    body = who.get(f"{M}/accounts/me").json()
    return {k: body[k] for k in ("balance", "available", "reserved")}


def assert_ledger_verifies(client: TestClient) -> None:
    assert client.get(f"/api/v1{M}/ledger/verify").json()["ok"] is True


def post_offer(seller: Any, **extra: Any) -> dict[str, Any]:
    body = {
        "kind": "offer",
        "title": "Sourdough loaf",
        "description": "Baked on Saturday morning with rye starter",
        "category": "food",
        "price": 300,
        "quantity": 2,
        "tags": ["bread", "organic"],
        **extra,
    }
    reply = seller.post(f"{M}/listings", json=body)
    assert reply.status_code == 201, reply.text
    result: dict[str, Any] = reply.json()
    return result


LATHE: dict[str, Any] = {
    "name": "Wood lathe",
    "category": "woodworking",
    "capacity": 10,
    "unit": "hours",
    "location": "Workshop, bay 2",
    "description": "Record Power CL4",
    "output_categories": ["crafts", "repairs"],
}


def open_round(m: Any, clock: FakeClock, *, start_in_days: int = 2) -> str:
    now = clock.now()
    reply = m.post(
        f"{C}/allocation-rounds",
        json={
            "period_start": (now + timedelta(days=start_in_days)).isoformat(),
            "period_end": (now + timedelta(days=start_in_days + 7)).isoformat(),
            "bids_close_at": (now + timedelta(days=1)).isoformat(),
            "token_budget": 100,
        },
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["status"] == "open"
    round_id: str = reply.json()["id"]
    return round_id


def place_bid(m: Any, round_id: str, asset: str, max_units: int, output: str, **extra: Any) -> Any:
    return m.post(
        f"{C}/allocation-rounds/{round_id}/bids",
        json={"asset_id": asset, "max_units": max_units, "output_category": output, **extra},
    )
