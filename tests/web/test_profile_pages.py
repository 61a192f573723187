"""Profiles without a browser: one's own (name, email, memberships with balances, the way to
change the password) and a member's (reputation, reviews received, a way to pay them)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from cybermutual.domain.market.deals import Action
from cybermutual.domain.market.listings import ListingKind
from tests.web.helpers import Visitor, text_of
from tests.web.wallet_helpers import person_id, riverside, services_of

VisitorMaker = Callable[..., Visitor]


def test_my_profile_shows_who_i_am_and_my_balance_in_each_collective(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, bob = visitor("Ada"), visitor("Bob")
    slug = riverside(ada, bob)
    other = riverside(bob, ada)
    services_of(app).ledger.pay(
        slug, payer=person_id(ada), payee=person_id(bob), amount=725, idempotency_key="k"
    )
    assert ada.submit(f"/c/{other}/leave").status_code == 303
    page = ada.get("/profile")
    assert page.status_code == 200
    shown = text_of(page)
    assert ada.email in shown
    assert "Ada" in shown
    assert "-7.25 RVC" in shown
    assert "Left" in shown
    assert f'href="/c/{slug}/wallet"' in page.text
    assert 'href="/account/password"' in page.text
    assert f'data-person-id="{person_id(ada)}"' in page.text
    assert Visitor(app).get("/profile").status_code == 303


def test_a_members_profile_shows_reputation_and_reviews_with_a_way_to_pay(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, bob = visitor("Ada"), visitor("Bob")
    slug = riverside(ada, bob)
    ada_id, bob_id = person_id(ada), person_id(bob)
    market = services_of(app).market
    listing = market.post_listing(
        slug,
        owner=bob_id,
        kind=ListingKind.OFFER,
        title="Bike repair",
        description="",
        category="crafts",
        price=1_000,
    ).listing
    order = market.place_order(slug, buyer=ada_id, listing_id=listing.id, idempotency_key="o")
    for actor, action in [
        (bob_id, Action.ACCEPT),
        (bob_id, Action.DELIVER),
        (ada_id, Action.CONFIRM),
    ]:
        market.act(slug, actor=actor, order_id=order.id, action=action)
    market.review(slug, author=ada_id, order_id=order.id, stars=5, text="Quick and careful.")

    page = ada.get(f"/c/{slug}/members/{bob_id}")
    assert page.status_code == 200
    shown = text_of(page)
    assert "Bob" in shown
    assert "Quick and careful." in shown
    assert "5 stars out of 5" in page.text
    assert "1 review " in shown
    assert f'href="/c/{slug}/members/{ada_id}"' in page.text  # the author, by name
    assert f'href="/c/{slug}/wallet?to={bob_id}#pay"' in page.text
    assert "Bike repair" in shown
    assert bob.email not in shown  # members see names, never emails

    mine = text_of(bob.get(f"/c/{slug}/members/{bob_id}"))
    assert "(you)" in mine
    assert "Pay Bob" not in mine


def test_a_missing_member_is_a_friendly_404_and_strangers_are_not_let_in(
    visitor: VisitorMaker,
) -> None:
    ada, bob = visitor("Ada"), visitor("Bob")
    slug = riverside(ada, bob)
    missing = ada.get(f"/c/{slug}/members/{'0' * 32}")
    assert missing.status_code == 404
    assert "Traceback" not in missing.text
    assert "not found" in text_of(missing).lower()
    stranger = visitor("Stranger").get(f"/c/{slug}/members/{person_id(bob)}")
    assert stranger.status_code == 403
