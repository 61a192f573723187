"""The market's pages without a browser: every page, and every refusal shown beside its cause
with what was typed kept and the API's status."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.helpers import COLLECTIVE, M, Member, post_offer
from tests.web.helpers import PASSWORD, Visitor, text_of

SLUG = COLLECTIVE["slug"]
MARKET = f"/c/{SLUG}/market"


@dataclass
class Person:
    """One person with both doors: the JSON API (to set the scene) and the pages (to test)."""

    api: Member
    web: Visitor

    @property
    def id(self) -> str:
        return self.api.id


def person(app: FastAPI, name: str) -> Person:
    api = Member(TestClient(app), name)
    web = Visitor(app, name)
    web.email = api.email
    reply = web.submit("/signin", {"email": api.email, "password": PASSWORD})
    assert reply.status_code == 303, reply.text
    return Person(api, web)


def riverside(app: FastAPI, *names: str, **charter: Any) -> list[Person]:
    """Riverside (credit limit 10.00 RVC) with these members, the first its founder."""
    people = [person(app, n) for n in names]
    body = {**COLLECTIVE, "charter": {**COLLECTIVE["charter"], **charter}}
    assert people[0].api.post("/collectives", json=body).status_code == 201
    for p in people[1:]:
        assert p.api.post(f"{M}/memberships").status_code == 201
    return people


def post_task(poster: Person, reward: int = 800) -> dict[str, Any]:
    body = {"title": "Water the garden", "category": "home", "reward": reward}
    reply = poster.api.post(f"{M}/tasks", json=body)
    assert reply.status_code == 201, reply.text
    found: dict[str, Any] = reply.json()
    return found


def deal_id(reply: Any) -> str:
    assert reply.status_code == 303, reply.text
    found = re.search(r"/market/deals/([0-9a-f]+)$", reply.headers["location"])
    assert found, reply.headers["location"]
    return found.group(1)


def alert(page: Any) -> str:
    """Every refusal on the page (``role="alert"``), as text, its inner markup included."""
    found = re.findall(r'<(div|small)[^>]*role="alert"[^>]*>(.*?)</\1>', page.text, flags=re.S)
    assert found, f"no refusal on the page:\n{text_of(page)[:1500]}"
    return " ".join(re.sub(r"<[^>]+>", "", inner).strip() for _, inner in found)


def step(who: Person, order_id: str, name: str) -> Any:
    return who.web.submit(f"{MARKET}/deals/{order_id}/step", {"step": name})


def page(who: Person | Visitor, path: str, **kw: Any) -> Any:
    visitor = who.web if isinstance(who, Person) else who
    reply = visitor.get(path, **kw)
    assert reply.status_code == 200, reply.text[:2000]
    return reply


def balance(who: Person) -> int:
    value: int = who.api.get(f"{M}/accounts/me").json()["balance"]
    return value


# browse and search ------------------------------------------------------------------------------


def test_the_market_lists_cards_with_price_owner_and_reputation(app: FastAPI, visitor: Any) -> None:
    ada, _bo = riverside(app, "Ada", "Bo")
    post_offer(ada.api, location="Mill street")
    text = text_of(page(visitor("Eve"), MARKET))  # an outsider: the market is public here
    assert "Sourdough loaf" in text
    assert "3.00 RVC" in text
    assert "Ada" in text
    assert "Ada (no reviews yet)" in text  # not a bare "new"
    assert "Mill street" in text
    assert ada.id not in text  # names, never ids
    assert "Post a listing" in text_of(page(ada, MARKET))


def test_search_filters_and_live_results(app: FastAPI) -> None:
    ada, bo = riverside(app, "Ada", "Bo")
    post_offer(ada.api)
    post_offer(ada.api, title="Bike repair", category="repairs", price=2500, quantity=None)
    post_task(bo)
    assert "Bike repair" not in text_of(page(bo, MARKET, params={"q": "sourd"}))
    assert "Sourdough" in text_of(page(bo, MARKET, params={"q": "sourd"}))
    tasks = text_of(page(bo, MARKET, params={"kind": "task"}))
    assert "Water the garden" in tasks
    assert "Sourdough" not in tasks
    cheap = text_of(page(bo, MARKET, params={"max_price": "10"}))
    assert "Sourdough" in cheap
    assert "Bike repair" not in cheap
    repairs = text_of(page(bo, MARKET, params={"category": "repairs"}))
    assert "Bike repair" in repairs
    assert "Sourdough" not in repairs
    dear_first = text_of(page(bo, MARKET, params={"sort": "price_desc", "kind": "offer"}))
    assert dear_first.index("Bike repair") < dear_first.index("Sourdough")
    live = page(bo, MARKET, params={"q": "bike"}, headers={"HX-Request": "true"})
    assert "<html" not in live.text
    assert "Bike repair" in live.text
    assert "Nothing matches" in text_of(page(bo, MARKET, params={"q": "zzzz"}))


def test_a_price_filter_that_is_not_an_amount_is_refused_beside_it(app: FastAPI) -> None:
    (ada,) = riverside(app, "Ada")
    reply = ada.web.get(MARKET, params={"min_price": "cheap", "q": "bread"})
    assert reply.status_code == 422
    assert 'id="f-min_price"' in reply.text
    assert 'aria-invalid="true"' in reply.text
    assert 'value="bread"' in reply.text  # what was typed is kept
    live = ada.web.get(MARKET, params={"min_price": "cheap"}, headers={"HX-Request": "true"})
    assert live.status_code == 200  # htmx swaps it in, and it says why
    assert alert(live)


def test_the_results_are_paged(app: FastAPI) -> None:
    (ada,) = riverside(app, "Ada")
    for n in range(25):
        post_offer(ada.api, title=f"Jar of jam {n:02d}", quantity=None)
    first = page(ada, MARKET)
    older = re.search(r'href="([^"]*cursor=[^"]+)"', first.text)
    assert older, "no link to the next page"
    second = page(ada, older.group(1).replace("&amp;", "&"))
    shown = set(re.findall(r"Jar of jam \d\d", first.text))
    assert len(shown) == 24
    assert set(re.findall(r"Jar of jam \d\d", second.text)) - shown


def test_a_members_only_market_is_closed_to_outsiders_with_a_way_in(
    app: FastAPI, visitor: Any
) -> None:
    ada, _ = riverside(app, "Ada", "Bo", market_visibility="members")
    post_offer(ada.api)
    text = text_of(page(visitor("Eve"), MARKET))
    assert "Only members of Riverside see its market" in text
    assert "Sourdough" not in text


# posting, editing, closing ----------------------------------------------------------------------


def test_posting_an_offer_a_request_and_a_task_from_the_form(app: FastAPI) -> None:
    (ada,) = riverside(app, "Ada")
    form = page(ada, f"{MARKET}/new")
    assert "Food and drink" in form.text  # the collective's categories
    reply = ada.web.submit(
        f"{MARKET}/new",
        {
            "kind": "offer",
            "title": "Honey, 500 g",
            "description": "From the allotment",
            "category": "food",
            "tags": "honey, local",
            "price": "4.50",
            "quantity": "6",
            "location": "Allotments",
        },
    )
    assert reply.status_code == 303
    shown = text_of(page(ada, reply.headers["location"]))
    assert "Your offer is on the market." in shown
    assert "4.50 RVC" in shown
    assert "#honey" in shown
    assert "6" in shown
    for kind, title in (("request", "Need a ladder"), ("task", "Walk my dog")):
        reply = ada.web.submit(
            f"{MARKET}/new", {"kind": kind, "title": title, "category": "home", "price": "12"}
        )
        assert reply.status_code == 303
        assert title in text_of(page(ada, reply.headers["location"]))
    listings = ada.api.get(f"{M}/listings").json()["items"]
    assert sorted(item["kind"] for item in listings) == ["offer", "request", "task"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"title": "ab"}, "title", "title must have 3-140 characters"),
        ({"price": "lots"}, "price", ""),
        ({"price": "0"}, "price", "more than zero"),
        ({"tags": "no way!"}, "tags", "a tag is"),
        ({"category": "weapons"}, "category", "no category"),
        ({"kind": "task", "quantity": "3"}, "quantity", "only offers have a quantity"),
        ({"kind": "gift"}, "kind", "choose an offer"),
    ],
)
def test_a_refused_listing_keeps_what_was_typed_and_says_why_beside_the_field(
    app: FastAPI, change: dict[str, str], field: str, words: str
) -> None:
    (ada,) = riverside(app, "Ada")
    typed = {"kind": "offer", "title": "Garden chairs", "category": "home", "price": "8", **change}
    reply = ada.web.submit(f"{MARKET}/new", typed)
    assert reply.status_code == 422, reply.text[:500]
    assert words in alert(reply)
    if field != "kind":
        assert f'id="f-{field}"' in reply.text
        assert re.search(rf'id="f-{re.escape(field)}"[^>]*aria-invalid="true"', reply.text, re.S)
    assert "Garden chairs" in reply.text or change.get("title") == "ab"
    assert ada.api.get(f"{M}/listings").json()["items"] == []  # nothing posted


def test_posting_needs_a_member_and_a_signed_in_person(app: FastAPI, visitor: Any) -> None:
    riverside(app, "Ada")
    eve = visitor("Eve")
    reply = eve.submit(f"{MARKET}/new", {"kind": "offer", "title": "Stuff", "price": "1"})
    assert reply.status_code == 403
    assert "not an active member" in alert(reply)
    stranger = Visitor(app, "Nobody")
    assert stranger.get(f"{MARKET}/new").headers["location"].startswith("/signin?next=")


def test_the_owner_edits_and_closes_a_listing_and_nobody_else_can(app: FastAPI) -> None:
    ada, bo = riverside(app, "Ada", "Bo")
    loaf = post_offer(ada.api)
    url = f"{MARKET}/{loaf['id']}"
    form = page(ada, f"{url}/edit")
    assert 'value="3.00"' in form.text
    assert 'value="Sourdough loaf"' in form.text
    typed = {"title": "Rye loaf", "category": "food", "price": "3.50", "quantity": "2"}
    reply = ada.web.submit(f"{url}/edit", typed)
    assert reply.status_code == 303
    assert "3.50 RVC" in text_of(page(ada, url))
    assert "Rye loaf" in text_of(page(ada, url))
    assert bo.web.get(f"{url}/edit").status_code == 403  # not offered to others
    refused = bo.web.submit(f"{url}/edit", typed)
    assert refused.status_code == 403
    assert "only the member who posted" in alert(refused)
    refused = bo.web.submit(f"{url}/close")
    assert refused.status_code == 403
    assert "only the member who posted" in alert(refused)
    assert ada.web.submit(f"{url}/close").status_code == 303
    assert "This listing is closed." in text_of(page(ada, url))
    assert ada.web.get(f"{url}/edit").status_code == 409
    again = ada.web.submit(f"{url}/close")
    assert again.status_code == 409
    assert "closed" in alert(again)


def test_a_missing_listing_is_the_friendly_404(app: FastAPI) -> None:
    (ada,) = riverside(app, "Ada")
    reply = ada.web.get(f"{MARKET}/0123456789abcdef0123456789abcdef")
    assert reply.status_code == 404
    assert "Page not found" in reply.text
    assert "Traceback" not in reply.text
    assert ada.web.get(f"{MARKET}/deals/nope").status_code == 404
    assert ada.web.get(f"{MARKET}/disputes/nope").status_code == 404
    assert ada.web.get("/c/nowhere/market").status_code == 404


# orders -----------------------------------------------------------------------------------------


def test_an_order_from_order_to_review(app: FastAPI) -> None:
    ada, bo = riverside(app, "Ada", "Bo")
    loaf = post_offer(ada.api)
    url = f"{MARKET}/{loaf['id']}"
    shown = text_of(page(bo, url))
    assert "Order" in shown
    assert "Edit" not in shown
    assert "Close the listing" in text_of(page(ada, url))
    oid = deal_id(bo.web.submit(f"{url}/order", {"quantity": "2", "note": "Saturday"}))
    deal = text_of(page(bo, f"{MARKET}/deals/{oid}"))
    assert "waiting for the seller" in deal
    assert "6.00 RVC" in deal
    assert "Saturday" in deal
    assert bo.api.get(f"{M}/accounts/me").json()["reserved"] == 600
    # the seller sees the order on the listing's page, with its next steps
    owner = text_of(page(ada, url))
    assert "new order: accept or decline" in owner
    assert "Accept the order" in owner
    assert step(ada, oid, "accept").status_code == 303
    assert "accepted: deliver it" in text_of(page(ada, f"{MARKET}/deals/{oid}"))
    assert step(ada, oid, "deliver").status_code == 303
    assert "delivered: confirm it" in text_of(page(bo, f"{MARKET}/deals/{oid}"))
    done = step(bo, oid, "confirm")
    assert done.status_code == 303
    assert "payment is released" in text_of(page(bo, done.headers["location"]))
    assert balance(ada) == 600
    assert balance(bo) == -600
    assert "6.00 RVC released to you" in text_of(page(ada, f"{MARKET}/deals/{oid}"))
    review = bo.web.submit(f"{MARKET}/deals/{oid}/review", {"stars": "5", "text": "Lovely"})
    assert review.status_code == 303
    assert "You reviewed this deal" in text_of(page(bo, f"{MARKET}/deals/{oid}"))
    assert "★ 5.0" in page(bo, MARKET).text or "(1)" in text_of(page(bo, MARKET))
    again = bo.web.submit(f"{MARKET}/deals/{oid}/review", {"stars": "4"})
    assert again.status_code == 409
    assert "already reviewed" in alert(again)


@pytest.mark.parametrize(
    ("who", "typed", "status", "words"),
    [
        ("bo", {"quantity": "5"}, 422, "only 2 left, 5 asked"),
        ("bo", {"quantity": "none"}, 422, "whole number"),
        ("ada", {"quantity": "1"}, 422, "your own listing"),
        ("cy", {"quantity": "1"}, 422, "credit limit"),
    ],
)
def test_a_refused_order_says_why_next_to_the_button(
    app: FastAPI, who: str, typed: dict[str, str], status: int, words: str
) -> None:
    people = dict(zip(("ada", "bo", "cy"), riverside(app, "Ada", "Bo", "Cy"), strict=True))
    # two loaves at 3.00 RVC; for Cy, one at 600.00 RVC, far past the 10.00 RVC one may owe
    loaf = post_offer(people["ada"].api, **({"price": 60_000} if who == "cy" else {}))
    reply = people[who].web.submit(f"{MARKET}/{loaf['id']}/order", {**typed, "note": "Hi there"})
    assert reply.status_code == status
    assert words in alert(reply)
    if who != "ada":
        assert "Hi there" in reply.text  # the note typed is kept
    assert people[who].api.get(f"{M}/orders").json()["items"] == []


def test_a_step_in_the_wrong_state_or_role_is_refused_on_the_deal(app: FastAPI) -> None:
    ada, bo = riverside(app, "Ada", "Bo")
    loaf = post_offer(ada.api)
    oid = deal_id(bo.web.submit(f"{MARKET}/{loaf['id']}/order", {"quantity": "1"}))
    early = step(bo, oid, "confirm")
    assert early.status_code == 409
    assert "cannot confirm an order that is placed" in alert(early)
    assert "Cancel the order" in early.text  # the page still offers what can be done
    wrong = step(bo, oid, "accept")
    assert wrong.status_code == 403
    assert "only the seller" in alert(wrong)
    nonsense = step(bo, oid, "explode")
    assert nonsense.status_code == 422
    assert "choose a step" in alert(nonsense)
    assert step(bo, oid, "cancel").status_code == 303
    assert "cancelled" in text_of(page(bo, f"{MARKET}/deals/{oid}"))


def test_a_deal_is_only_for_its_parties(app: FastAPI) -> None:
    ada, bo, cy = riverside(app, "Ada", "Bo", "Cy")
    loaf = post_offer(ada.api)
    oid = deal_id(bo.web.submit(f"{MARKET}/{loaf['id']}/order", {"quantity": "1"}))
    assert cy.web.get(f"{MARKET}/deals/{oid}").status_code == 404
    assert step(cy, oid, "accept").status_code == 404
    assert "new order" not in text_of(page(cy, f"{MARKET}/{loaf['id']}"))


def test_a_bad_review_is_refused_beside_the_stars(app: FastAPI) -> None:
    ada, bo = riverside(app, "Ada", "Bo")
    loaf = post_offer(ada.api)
    oid = deal_id(bo.web.submit(f"{MARKET}/{loaf['id']}/order", {"quantity": "1"}))
    early = bo.web.submit(f"{MARKET}/deals/{oid}/review", {"stars": "5"})
    assert early.status_code == 409
    assert "once it is finished" in alert(early)
    for name in ("accept", "deliver"):
        step(ada, oid, name)
    step(bo, oid, "confirm")
    bad = bo.web.submit(f"{MARKET}/deals/{oid}/review", {"text": "Fine bread"})
    assert bad.status_code == 422
    assert "whole number" in alert(bad)
    assert "Fine bread" in bad.text


# requests and quotes ----------------------------------------------------------------------------


def test_a_request_is_quoted_and_the_quote_accepted(app: FastAPI) -> None:
    ada, bo, cy = riverside(app, "Ada", "Bo", "Cy")
    body = {"kind": "request", "title": "Help moving", "category": "transport", "price": 3000}
    ask = bo.api.post(f"{M}/listings", json=body).json()
    url = f"{MARKET}/{ask['id']}"
    assert "Send a quote" in text_of(page(ada, url))
    bad = ada.web.submit(f"{url}/quote", {"price": "-3", "message": "Tomorrow"})
    assert bad.status_code == 422
    assert "Tomorrow" in bad.text
    assert ada.web.submit(f"{url}/quote", {"price": "25", "message": "Tomorrow"}).status_code == 303
    assert "Quote sent" in text_of(page(ada, url))
    again = ada.web.submit(f"{url}/quote", {"price": "20"})
    assert again.status_code == 409
    assert "already have an open quote" in alert(again)
    own = bo.web.submit(f"{url}/quote", {"price": "20"})
    assert own.status_code == 422
    assert "your own request" in alert(own)
    assert cy.web.submit(f"{url}/quote", {"price": "8", "message": "Saturday"}).status_code == 303
    owner = text_of(page(bo, url))
    assert "Ada · 25.00 RVC" in owner
    assert "Tomorrow" in owner
    quotes = {
        q["quoter_id"]: q["id"] for q in bo.api.get(f"{M}/listings/{ask['id']}/quotes").json()
    }
    dear = bo.web.submit(f"{url}/quotes/{quotes[ada.id]}/accept")
    assert dear.status_code == 422  # Bo may owe 10.00 RVC at most
    assert "needs 25.00 RVC but only 10.00 RVC is available" in alert(dear)
    oid = deal_id(bo.web.submit(f"{url}/quotes/{quotes[cy.id]}/accept"))
    assert "accepted: waiting for delivery" in text_of(page(bo, f"{MARKET}/deals/{oid}"))
    late = bo.web.submit(f"{url}/quotes/{quotes[ada.id]}/accept")
    assert late.status_code == 409
    assert "closed" in alert(late)


def test_a_quote_can_be_withdrawn(app: FastAPI) -> None:
    ada, bo = riverside(app, "Ada", "Bo")
    ask = bo.api.post(
        f"{M}/listings",
        json={"kind": "request", "title": "Sofa", "category": "transport", "price": 3000},
    ).json()
    ada.web.submit(f"{MARKET}/{ask['id']}/quote", {"price": "25"})
    quote_id = ada.api.get(f"{M}/listings/{ask['id']}/quotes").json()[0]["id"]
    stolen = bo.web.submit(f"{MARKET}/{ask['id']}/quotes/{quote_id}/withdraw")
    assert stolen.status_code == 403
    assert "only the member who gave" in alert(stolen)
    assert ada.web.submit(f"{MARKET}/{ask['id']}/quotes/{quote_id}/withdraw").status_code == 303
    assert "withdrawn" in text_of(page(ada, f"{MARKET}/{ask['id']}"))


# tasks ------------------------------------------------------------------------------------------


def test_a_task_applied_for_assigned_submitted_approved_and_paid(app: FastAPI) -> None:
    ada, bo = riverside(app, "Ada", "Bo")
    task = post_task(ada)
    url = f"{MARKET}/{task['id']}"
    assert "Apply for this task" in text_of(page(bo, url))
    assert bo.web.submit(f"{url}/apply", {"message": "I live next door"}).status_code == 303
    assert "Applied" in text_of(page(bo, url))
    again = bo.web.submit(f"{url}/apply", {"message": "Me again"})
    assert again.status_code == 409
    assert "already applied" in alert(again)
    own = ada.web.submit(f"{url}/apply")
    assert own.status_code == 422
    assert alert(own)
    poster = text_of(page(ada, url))
    assert "I live next door" in poster
    assert "Assign to Bo" in poster
    application = ada.api.get(f"{M}/tasks/{task['id']}/applications").json()[0]["id"]
    oid = deal_id(ada.web.submit(f"{url}/assign", {"application_id": application}))
    assert "assigned to you: do it and submit" in text_of(page(bo, f"{MARKET}/deals/{oid}"))
    early = step(ada, oid, "confirm")
    assert early.status_code == 409
    assert "the worker submits it first" in alert(early)
    assert step(bo, oid, "deliver").status_code == 303
    assert "submitted: approve it" in text_of(page(ada, f"{MARKET}/mine"))
    done = step(ada, oid, "confirm")
    assert "reward is released to the worker" in text_of(page(ada, done.headers["location"]))
    mine = text_of(page(bo, f"{MARKET}/mine"))
    assert "approved and paid" in mine
    assert "8.00 RVC your balance" in mine  # the worker's balance shows the reward
    assert balance(bo) == 800


def test_assigning_a_missing_application_is_refused(app: FastAPI) -> None:
    ada, _ = riverside(app, "Ada", "Bo")
    task = post_task(ada)
    reply = ada.web.submit(f"{MARKET}/{task['id']}/assign", {"application_id": "nope"})
    assert reply.status_code == 404
    assert "no such application" in alert(reply)


# disputes and juries ----------------------------------------------------------------------------


def _delivered(app: FastAPI) -> tuple[Person, Person, Person, str]:
    ada, bo, cy = riverside(app, "Ada", "Bo", "Cy")
    fix = post_offer(ada.api, title="Bike repair", category="repairs", price=600, quantity=None)
    oid = deal_id(bo.web.submit(f"{MARKET}/{fix['id']}/order", {"quantity": "1"}))
    step(ada, oid, "accept")
    step(ada, oid, "deliver")
    return ada, bo, cy, oid


def test_a_dispute_decided_by_a_jury_vote(app: FastAPI) -> None:
    ada, bo, cy, oid = _delivered(app)
    empty = bo.web.submit(f"{MARKET}/deals/{oid}/dispute", {"reason": "  "})
    assert empty.status_code == 422
    assert "say what went wrong" in alert(empty)
    opened = bo.web.submit(f"{MARKET}/deals/{oid}/dispute", {"reason": "Still squeaks"})
    assert opened.status_code == 303
    url = opened.headers["location"]
    shown = text_of(page(bo, url))
    assert "Still squeaks" in shown
    assert "Cy" in shown
    assert "not yet" in shown
    assert "Cast my vote" not in shown  # parties do not vote
    assert "Jury duty" in text_of(page(cy, f"{MARKET}/mine"))
    assert "Cast my vote" in text_of(page(cy, url))
    party = bo.web.submit(f"{url}/vote", {"vote": "refund"})
    assert party.status_code == 403
    assert "juror" in alert(party)
    blank = cy.web.submit(f"{url}/vote", {})
    assert blank.status_code == 422
    assert "choose release, refund or split" in alert(blank)
    assert cy.web.submit(f"{url}/vote", {"vote": "refund"}).status_code == 303
    decided = text_of(page(ada, url))
    assert "Decided by the jury: refund" in decided
    assert "Ada gets 0.00 RVC; Bo gets back 6.00 RVC" in decided
    assert balance(bo) == 0
    assert bo.api.get(f"{M}/accounts/me").json()["reserved"] == 0
    late = cy.web.submit(f"{url}/vote", {"vote": "release"})
    assert late.status_code in (403, 409)
    assert alert(late)
    assert ada.web.get(f"{MARKET}/deals/{oid}").status_code == 200


def test_a_dispute_settled_by_the_parties(app: FastAPI) -> None:
    ada, bo, cy, oid = _delivered(app)
    url = bo.web.submit(f"{MARKET}/deals/{oid}/dispute", {"reason": "Half done"}).headers[
        "location"
    ]
    too_much = bo.web.submit(f"{url}/settle", {"seller_share": "7"})
    assert too_much.status_code == 422
    assert alert(too_much)
    assert 'value="7"' in too_much.text
    assert cy.web.get(url).status_code == 200  # the juror sees it
    assert cy.web.submit(f"{url}/settle", {"seller_share": "3"}).status_code == 403
    assert bo.web.submit(f"{url}/settle", {"seller_share": "3"}).status_code == 303
    assert "Bo proposed 3.00 RVC" in text_of(page(ada, url))
    assert ada.web.submit(f"{url}/settle", {"seller_share": "3"}).status_code == 303
    assert "Settled by agreement" in text_of(page(ada, url))
    assert balance(ada) == 300


def test_a_dispute_with_nobody_to_judge_is_refused(app: FastAPI) -> None:
    ada, bo = riverside(app, "Ada", "Bo")
    fix = post_offer(ada.api, quantity=None)
    oid = deal_id(bo.web.submit(f"{MARKET}/{fix['id']}/order", {"quantity": "1"}))
    step(ada, oid, "accept")
    reply = bo.web.submit(f"{MARKET}/deals/{oid}/dispute", {"reason": "Late"})
    assert reply.status_code == 422
    assert "Late" in reply.text
    assert alert(reply)


# my orders and tasks ----------------------------------------------------------------------------


def test_my_orders_and_tasks_show_each_deal_and_its_next_step(app: FastAPI, visitor: Any) -> None:
    ada, bo = riverside(app, "Ada", "Bo")
    loaf = post_offer(ada.api)
    oid = deal_id(bo.web.submit(f"{MARKET}/{loaf['id']}/order", {"quantity": "1"}))
    seller = text_of(page(ada, f"{MARKET}/mine"))
    assert "you sell" in seller
    assert "with Bo" in seller
    assert "Accept the order" in seller
    assert "Sourdough loaf" in seller  # her open listing
    buyer = text_of(page(bo, f"{MARKET}/mine"))
    assert "you buy" in buyer
    assert "waiting for the seller" in buyer
    assert "3.00 RVC held for open deals" in buyer
    assert "No deals yet" in text_of(page(bo, f"{MARKET}/mine", params={"role": "seller"}))
    assert "1 \N{MULTIPLICATION SIGN} Sourdough" in text_of(
        page(bo, f"{MARKET}/mine", params={"status": "placed"})
    )
    step(ada, oid, "decline")
    assert "declined" in text_of(page(bo, f"{MARKET}/mine"))
    eve = visitor("Eve")
    assert eve.get(f"{MARKET}/mine").status_code == 403
    assert Visitor(app).get(f"{MARKET}/mine").status_code == 303


def test_a_public_market_is_for_anyone_signed_in_as_its_charter_says(app: FastAPI) -> None:
    founder = Member(TestClient(app), "Ada")
    founder.post("/collectives", json=COLLECTIVE)
    anyone = Visitor(app)
    assert anyone.get("/c/riverside/market").status_code == 303  # to the sign-in page
    assert anyone.get("/api/v1/collectives/riverside/listings").status_code == 401  # as the API
