"""Odd input at the market's lists and search, on both databases: refusals, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cybermutual.api.app import create_app
from cybermutual.services.container import Services
from cybermutual.store.pagination import encode_cursor
from tests.api.helpers import M, Member, join_riverside, post_offer
from tests.helpers import assert_problem


@pytest.fixture
def member(services: Services) -> Iterator[Any]:
    """Members on a client that answers a server error with a 500 instead of raising it."""
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        yield lambda name="Member": Member(client, name)


@pytest.mark.parametrize(
    "marker",
    [10**30, -(10**30), 2**63, "9999-12-31T23:59:59.999999-23:59", "0001-01-01T00:00:00+14:00"],
)
def test_forged_cursors_are_refused(member: Any, marker: object) -> None:
    ada, _bo = join_riverside(member, "Ada", "Bo")
    post_offer(ada)
    cursor = encode_cursor(marker, "x")
    lists = [f"{M}/listings?sort={s}&" for s in ("newest", "price_asc", "price_desc", "reputation")]
    lists += [f"{M}/orders?", f"{M}/inbox?", f"{M}/disputes?", f"{M}/reviews?member={ada.id}&"]
    for path in lists:
        reply = ada.get(f"{path}cursor={cursor}")
        assert reply.status_code in (200, 422), (path, reply.text)
        if reply.status_code == 422:
            assert_problem(reply, 422, "invalid_value")


def test_search_finds_the_same_words_on_both_databases(member: Any) -> None:
    """Words are what ``search_terms`` says on both databases, not what PostgreSQL's parser
    makes of numbers, hosts and versions."""
    ada, _bo = join_riverside(member, "Ada", "Bo")
    post_offer(
        ada,
        title="Sourdough v1.5 from bakery.example.com",
        description="Ready at 7.30, costs 3/4 of a loaf; email bo@mail.org",
    )

    def found(q: str) -> int:
        reply = ada.get(f"{M}/listings", params={"q": q})
        assert reply.status_code == 200, reply.text
        return len(reply.json()["items"])

    for q in ["sourdough", "v1", "5", "bakery", "example", "com", "30", "mail", "org", "bo", "3"]:
        assert found(q) == 1, q
    for q in ["", "   ", "!!", "🍞", "a" * 200]:
        assert found(q) in (0, 1), q
    assert found("zzz") == 0
