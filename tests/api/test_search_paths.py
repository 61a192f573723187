"""Market search answers the same whichever way PostgreSQL is told to find the matches.

With few matches (``FEW_MATCHES``) the search sorts what the search index finds; with many it
walks listings in the sort's order. At a million listings a rare word took seconds the second
way; either way must give the same pages, in every sort, on both databases.
"""

from __future__ import annotations

from typing import Any

import pytest

from cybermutual.store.market import listings as listing_store
from tests.api.helpers import M, join_riverside, post_offer


def _pages(member: Any, q: str, sort: str) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        params = {"q": q, "sort": sort, "limit": 3, **({"cursor": cursor} if cursor else {})}
        reply = member.get(f"{M}/listings", params=params)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        ids += [item["id"] for item in body["items"]]
        cursor = body.get("next_cursor")
        if not cursor:
            return ids


def test_both_ways_of_searching_give_the_same_pages(
    member: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, bo = join_riverside(member, "Ada", "Bo")
    for n in range(8):
        clock.advance(minutes=1)
        post_offer(
            ada if n % 2 else bo,
            title=f"{'Rye' if n % 3 else 'Wheat'} loaf {n}",
            price=100 + (n * 37) % 200,
        )
    answers = {}
    for few in (0, 10**9):  # never "few" (walk in order), always "few" (sort the matches)
        monkeypatch.setattr(listing_store, "FEW_MATCHES", few)
        answers[few] = {
            (q, sort): _pages(ada, q, sort)
            for q in ("loaf", "rye", "whe", "zzz")
            for sort in ("newest", "price_asc", "price_desc", "reputation")
        }
    assert answers[0] == answers[10**9]
    assert len(answers[0][("loaf", "newest")]) == 8
    assert answers[0][("zzz", "price_asc")] == []
