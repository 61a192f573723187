"""The inbox without a browser: every collective's items newest first, unread highlighted, the
count in every page's header, marking one or all read (by form or htmx), only one's own."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from cybermutual.services.inbox import InboxItem
from cybermutual.services.market.inbox import PlacedItem
from cybermutual.web.pages.inbox import subject_url
from tests.web.helpers import Visitor, text_of
from tests.web.wallet_helpers import person_id, riverside, services_of

VisitorMaker = Callable[..., Visitor]


def _badge(page: Any) -> str | None:
    found = re.search(
        r'id="inbox-link"[^>]*>Inbox\s*(?:<span class="badge"[^>]*>(\d+)</span>)?', page.text
    )
    assert found, "no inbox link in the header"
    return found.group(1)


def _paid(app: FastAPI, slug: str, payer: Visitor, payee: Visitor, amount: int, memo: str) -> str:
    view = services_of(app).ledger.pay(
        slug,
        payer=person_id(payer),
        payee=person_id(payee),
        amount=amount,
        memo=memo,
        idempotency_key=f"{slug}-{memo}",
    )
    services_of(app).clock.advance(seconds=1)  # type: ignore[attr-defined]
    return view.transfer.id


def test_every_page_shows_the_unread_count_of_every_collective(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, bob = visitor("Ada"), visitor("Bob")
    slug = riverside(ada, bob)
    other = riverside(ada, bob)
    assert _badge(bob.get("/collectives")) is None
    _paid(app, slug, ada, bob, 100, "bread")
    _paid(app, other, ada, bob, 200, "soap")
    for path in ("/", "/collectives", f"/c/{slug}", f"/c/{slug}/wallet", "/profile", "/inbox"):
        assert _badge(bob.get(path)) == "2", path
    assert _badge(ada.get("/collectives")) is None


def test_the_inbox_lists_items_newest_first_unread_highlighted_linking_to_their_subject(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, bob = visitor("Ada"), visitor("Bob")
    slug = riverside(ada, bob)
    other = riverside(ada, bob)
    first = _paid(app, slug, ada, bob, 100, "bread")
    _paid(app, other, ada, bob, 250, "soap")
    page = bob.get("/inbox")
    assert page.status_code == 200
    shown = text_of(page)
    assert shown.index("Ada paid you 2.50 RVC (soap).") < shown.index(
        "Ada paid you 1.00 RVC (bread)."
    )
    assert page.text.count('class="inbox-item unread"') == 2
    assert f'href="/c/{slug}/wallet#t-{first}"' in page.text
    assert "Unread (2)" in shown
    assert 'aria-current="page">Inbox' in page.text


def test_marking_one_read_by_form_and_by_htmx_then_all(app: FastAPI, visitor: VisitorMaker) -> None:
    ada, bob = visitor("Ada"), visitor("Bob")
    slug = riverside(ada, bob)
    for memo in ("one", "two", "three"):
        _paid(app, slug, ada, bob, 100, memo)
    items = services_of(app).market.inbox_of_person(person_id(bob)).items
    newest, middle = items[0].item.id, items[1].item.id

    plain = bob.submit(f"/inbox/{newest}/read")
    assert plain.status_code == 303
    assert plain.headers["location"] == "/inbox"
    swapped = bob.submit(f"/inbox/{middle}/read", headers={"HX-Request": "true"})
    assert swapped.status_code == 200
    assert 'id="inbox"' in swapped.text
    assert _badge(swapped) == "1"  # htmx swaps the header's count from this page too
    assert swapped.text.count('class="inbox-item unread"') == 1

    done = bob.submit("/inbox/read")
    assert done.status_code == 303
    page = bob.get("/inbox")
    assert "Marked 1 item read." in text_of(page)
    assert 'class="inbox-item unread"' not in page.text
    assert _badge(page) is None
    caught_up = bob.get("/inbox", params={"unread": "true"})
    assert "You are all caught up" in text_of(caught_up)


def test_nobody_marks_anothers_items_and_forms_need_the_csrf_token(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, bob = visitor("Ada"), visitor("Bob")
    slug = riverside(ada, bob)
    _paid(app, slug, ada, bob, 100, "bread")
    [placed] = services_of(app).market.inbox_of_person(person_id(bob)).items
    assert ada.submit(f"/inbox/{placed.item.id}/read").status_code == 303
    assert ada.submit("/inbox/read").status_code == 303
    assert bob.client.post(f"/inbox/{placed.item.id}/read").status_code == 403  # no token
    assert _badge(bob.get("/inbox")) == "1"


def test_signed_out_the_inbox_asks_to_sign_in(app: FastAPI) -> None:
    reply = Visitor(app).get("/inbox")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/signin?next=/inbox"


def test_each_item_links_to_the_page_of_what_it_is_about() -> None:
    def url(event: str, subject_type: str) -> str:
        item = InboxItem(
            "i", "c", "me", event, subject_type, "x1", "", datetime(2026, 11, 1, tzinfo=UTC)
        )
        return subject_url(PlacedItem(item, "river", "River"), "me")

    assert url("payment_received", "transfer") == "/c/river/wallet#t-x1"
    assert url("order_placed", "order") == "/c/river/market/deals/x1"
    assert url("budget_round_closed", "budget_round") == "/c/river/governance/rounds/x1"
    assert url("review_received", "review") == "/c/river/members/me#reviews"
    assert url("proposal_closed", "proposal") == "/c/river/governance/x1"
    assert url("membership_approved", "member") == "/c/river/members/x1"
    assert url("membership_requested", "member") == "/c/river"  # no profile before approval
    assert url("something_new", "unknown") == "/c/river"
