"""Fixes from the newcomer's review of the whole web app (issue 12), without a browser: a refusal
says where to go next, and counts read as English."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI

from tests.web.helpers import Visitor, text_of


def test_leaving_in_debt_or_with_money_held_says_where_to_put_it_right(
    visitor: Callable[..., Visitor], app: FastAPI
) -> None:
    ada = visitor("Ada")
    started = ada.submit(
        "/collectives/new",
        {
            "name": "Riverside",
            "slug": "riverside",
            "currency.code": "RVC",
            "currency.name": "Riverside credit",
            "currency.decimals": "2",
            "charter.default_credit_limit": "50",
            "charter.admission": "open",
        },
    )
    assert started.status_code == 303, started.text
    bob = visitor("Bob")
    assert bob.submit("/c/riverside/join").status_code == 303
    # Ada pays Bob: she owes the collective 3.00 RVC and cannot leave yet
    review = ada.submit(
        "/c/riverside/wallet/pay", {"to": _member_id(ada, "Bob"), "amount": "3", "memo": "x"}
    )
    assert review.status_code == 200, review.text
    paid = ada.submit("/c/riverside/wallet/pay/confirm", _hidden_fields(review.text))
    assert paid.status_code == 303, paid.text

    page = ada.get("/c/riverside/leave")
    assert "You owe 3.00 RVC" in text_of(page)
    # not a dead end: the way to earn it back is one click away
    assert '<a href="/c/riverside/market">sell something on the market</a>' in page.text
    assert 'href="/c/riverside" role="button"' in page.text  # and staying is a button too


def _member_id(who: Visitor, name: str) -> str:
    """A payee's value in the wallet's select, found by the name it shows."""
    page = who.get("/c/riverside/wallet")
    found = re.search(rf'<option value="([0-9a-f]+)"[^>]*>{name}</option>', page.text)
    assert found, page.text[:3000]
    return found.group(1)


def _hidden_fields(html: str) -> dict[str, str]:
    return {
        name: value
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
        if name != "csrf_token"
    }


def test_starting_a_collective_explains_its_currencys_decimals(
    visitor: Callable[..., Visitor],
) -> None:
    page = text_of(visitor("Ada").get("/collectives/new"))
    assert "digits after the point: 2 shows 12.50" in page
    assert "in the new currency: how far below zero a member may spend" in page
    assert "As open as joining is" in page  # not "Decide by admission"


def test_a_page_that_needs_signing_in_says_so_on_the_sign_in_form(app: FastAPI) -> None:
    anyone = Visitor(app)
    sent = anyone.get("/c/riverside/wallet")
    assert sent.status_code in (302, 303, 307)
    asked = text_of(anyone.get(sent.headers["location"]))
    assert "That page is for signed-in members" in asked
    plain = text_of(anyone.get("/signin"))
    assert "That page is for signed-in members" not in plain
