"""Double clicks race on PostgreSQL without a 500 (issue #8, item 11).

Two requests that both read "not there yet" and both insert used to end in a unique-constraint
violation (500) for the second: joining twice, the first two listings of a new collective (its
default categories), one slug, one sale claimed by two usage records. Each is now a 409 problem
document, or the same success twice where that is the honest answer. The requests really run
at once: threads release together from a barrier, several times over.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import COLLECTIVE, LATHE

C = "/collectives/riverside"
CLICKS = 4
TRIES = 5


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; their replies, in order."""
    start = threading.Barrier(len(calls))
    replies: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        start.wait()
        replies[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return replies


def codes(replies: list[Any]) -> list[tuple[int, str | None]]:
    for reply in replies:
        assert reply.status_code < 500, reply.text
        if reply.status_code >= 400:
            assert reply.headers["content-type"] == "application/problem+json", reply.text
    return sorted(
        (r.status_code, r.json().get("code") if r.status_code >= 400 else None) for r in replies
    )


def test_joining_twice_at_once(client: TestClient, member: Any) -> None:
    ada = member("Ada")
    ada.post("/collectives", json=COLLECTIVE)
    for _ in range(TRIES):
        bo = member("Bo")
        found = codes(at_once(*[partial(bo.post, f"{C}/memberships")] * CLICKS))
        # the first is 201; a second is 409 already_member, or 201 again when it read "not a
        # member" before the first committed and then found the row it was about to write
        assert found[0] == (201, None)
        assert set(found) <= {(201, None), (409, "already_member")}, found
        assert bo.get(f"{C}/accounts/me").status_code == 200
        members = ada.get(f"{C}/memberships", params={"limit": 200}).json()["items"]
        assert [m["member_id"] for m in members].count(bo.id) == 1


def test_one_slug_claimed_at_once(client: TestClient, member: Any) -> None:
    people = [member(f"P{i}") for i in range(CLICKS)]
    for n in range(TRIES):
        body = {**COLLECTIVE, "slug": f"contested-{n}"}
        found = codes(at_once(*[partial(p.post, "/collectives", json=body) for p in people]))
        assert found[0] == (201, None)
        assert all(code == (409, "slug_taken") for code in found[1:]), found


def test_the_first_listings_of_a_new_collective_at_once(client: TestClient, member: Any) -> None:
    people = [member(f"P{i}") for i in range(CLICKS)]
    for n in range(TRIES):
        slug = f"fresh-{n}"
        assert people[0].post("/collectives", json={**COLLECTIVE, "slug": slug}).status_code == 201
        for p in people[1:]:
            assert p.post(f"/collectives/{slug}/memberships").status_code == 201
        listing = {"kind": "offer", "title": "Bread", "category": "food", "price": 300}
        found = codes(
            at_once(
                *[partial(p.post, f"/collectives/{slug}/listings", json=listing) for p in people]
            )
        )
        assert found == [(201, None)] * CLICKS
        categories = people[0].get(f"/collectives/{slug}/market/categories")
        if categories.status_code == 200:
            slugs = [c["slug"] for c in categories.json()]
            assert len(slugs) == len(set(slugs))


def test_one_sale_claimed_by_two_usage_records_at_once(client: TestClient, member: Any) -> None:
    ada, bo = member("Ada"), member("Bo")
    ada.post("/collectives", json=COLLECTIVE)
    bo.post(f"{C}/memberships")
    lathe = ada.post(f"{C}/assets", json=LATHE).json()["id"]
    for n in range(TRIES):
        sale = ada.post(
            f"{C}/transfers", key=f"sale-{n}", json={"to": bo.id, "amount": 10, "memo": "bowl"}
        )
        assert sale.status_code == 201, sale.text
        usage = {
            "asset_id": lathe,
            "units": 1,
            "output_category": "crafts",
            "sales": [sale.json()["id"]],
        }
        found = codes(at_once(*[partial(bo.post, f"{C}/usage", json=usage)] * 2))
        assert found[0] == (201, None)
        assert found[1] in ((409, "concurrent_change"), (422, "invalid_value")), found
        logged = bo.get(f"{C}/usage", params={"member_id": bo.id, "limit": 200}).json()["items"]
        claims = [s for u in logged for s in u.get("sales", [])]
        assert len(claims) == len(set(map(str, claims)))
