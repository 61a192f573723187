"""A cursor the server did not issue is ``422 invalid_value`` on every list, on both databases.

Found by attacking a running server: 3,000 nested brackets raised RecursionError (500) and, on
PostgreSQL, a NUL inside the base64 cursor got past the NUL guard at the door (500).
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import COLLECTIVE, Member
from tests.helpers import FakeClock


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


FORGED = {
    "nested": _b64("[" * 3000 + "]" * 3000),
    "nested_item": _b64('["2026-01-01T00:00:00+00:00", [[["x"]]]]'),
    "object_item": _b64('["2026-01-01T00:00:00+00:00", {"a": 1}]'),
    "nul_escaped": _b64('["2026-01-01T00:00:00+00:00", "a\\u0000b"]'),
    "nul_raw": base64.urlsafe_b64encode(b'["2026-01-01T00:00:00+00:00", "a\x00b"]').decode(),
    "nul_alone": _b64('["a\\u0000", "b\\u0000"]'),
    "nul_single": _b64('["a\\u0000"]'),
    "lone_surrogate": _b64('["\\ud800", "\\udfff"]'),
    "huge_int": _b64("[1" + "0" * 400 + ", 1]"),
    "not_base64": "!!!$$$",
    "not_utf8": base64.urlsafe_b64encode(b"\xff\xfe[1, 2]").decode(),
    "trailing": _b64('["a", "b"] junk'),
    "floats": _b64("[NaN, Infinity]"),
    "long": _b64('["' + "a" * 5000 + '", "b"]'),
}


def list_paths(client: TestClient) -> list[str]:
    """Every GET of the API that takes a ``cursor``."""
    spec = client.get("/api/v1/openapi.json").json()
    return sorted(
        path
        for path, item in spec["paths"].items()
        if "get" in item and any(p["name"] == "cursor" for p in item["get"].get("parameters", []))
    )


def test_every_list_refuses_forged_cursors(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    ada: Member = member("Ada")
    assert ada.post("/collectives", json=COLLECTIVE).status_code == 201
    now = clock.now()
    opened = ada.post(
        "/collectives/riverside/allocation-rounds",
        json={
            "period_start": (now + timedelta(days=2)).isoformat(),
            "period_end": (now + timedelta(days=9)).isoformat(),
            "bids_close_at": (now + timedelta(days=1)).isoformat(),
        },
    )
    assert opened.status_code == 201, opened.text
    # a service funded by Ada's vote alone (she is every eligible voter, so it closes at once)
    funded = ada.post(
        "/collectives/riverside/proposals",
        json={
            "kind": "fund_service",
            "title": "Clinic",
            "params": {
                "name": "Clinic",
                "category": "health",
                "rate_per_unit": 10,
                "budget_per_period": 100,
                "period": "month",
            },
        },
    ).json()
    voted = ada.post(
        f"/collectives/riverside/proposals/{funded['id']}/votes", json={"choice": "yes"}
    )
    assert voted.json()["proposal_status"] == "passed", voted.text
    service = ada.get("/collectives/riverside/services").json()["items"][0]["id"]
    coop = ada.post(
        "/collectives/riverside/enterprises",
        json={"kind": "cooperative", "name": "Rye Co-op", "merit_metric": "hours"},
    )
    assert coop.status_code == 201, coop.text
    paths = list_paths(client)
    assert len(paths) >= 12, paths
    for path in paths:
        url = (
            path.replace("/api/v1", "")
            .replace("{slug}", "riverside")
            .replace("{round_id}", opened.json()["id"])
            .replace("{proposal_id}", funded["id"])
            .replace("{service_id}", service)
            .replace("{enterprise_id}", coop.json()["id"])
        )
        params: dict[str, str] = {"member": ada.id} if url.endswith("/reviews") else {}
        assert ada.get(url, params=params).status_code == 200, url
        for name, cursor in FORGED.items():
            reply = ada.get(url, params={**params, "cursor": cursor})
            assert reply.status_code == 422, (url, name, reply.status_code, reply.text)
            assert reply.headers["content-type"] == "application/problem+json"
            assert reply.json()["code"] in ("invalid_value", "validation_error"), (url, name)


@pytest.mark.parametrize("name", ["nested", "nul_escaped", "lone_surrogate"])
def test_forged_cursor_is_named_invalid_value(client: TestClient, member: Any, name: str) -> None:
    ada: Member = member("Ada")
    ada.post("/collectives", json=COLLECTIVE)
    reply = ada.get("/collectives/riverside/transfers", params={"cursor": FORGED[name]})
    assert reply.status_code == 422
    assert reply.json()["code"] == "invalid_value"


def test_issued_cursors_still_page_through(client: TestClient, member: Any) -> None:
    ada: Member = member("Ada")
    ada.post("/collectives", json=COLLECTIVE)
    for i in range(5):
        member(f"Bo{i}").post("/collectives/riverside/memberships")
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = ada.get("/collectives/riverside/memberships", params=params).json()
        seen += [m["member_id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 6
