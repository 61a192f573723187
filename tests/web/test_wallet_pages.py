"""The wallet's pages without a browser: balance and credit limit, paying a member chosen by
name through a confirmation step (a double click pays once), every refusal next to its field
with what was typed kept, the history with its running balance, money held, and the CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI

from cybermutual.domain.market.listings import ListingKind
from tests.web.helpers import Visitor, alert, text_of
from tests.web.wallet_helpers import (
    confirm_key,
    options,
    person_id,
    riverside,
    services_of,
)

VisitorMaker = Callable[..., Visitor]


def _balance(app: FastAPI, slug: str, who: str) -> int:
    return services_of(app).ledger.account(slug, member_id=who).account.balance


def _review(payer: Visitor, slug: str, to: str, amount: str, memo: str = "") -> Any:
    return payer.submit(f"/c/{slug}/wallet/pay", {"to": to, "amount": amount, "memo": memo})


def test_the_wallet_shows_balance_available_and_the_credit_limit_in_plain_words(
    visitor: VisitorMaker,
) -> None:
    ada = visitor("Ada")
    slug = riverside(ada, credit_limit="100")
    page = ada.get(f"/c/{slug}/wallet")
    assert page.status_code == 200
    shown = text_of(page)
    assert "0.00 RVC balance" in shown
    assert "100.00 RVC credit limit" in shown
    assert "down to -100.00 RVC" in shown
    assert "you can spend 100.00 RVC now" in shown
    assert 'aria-current="page">Wallet' in page.text
    assert "Nothing has moved yet" in shown


def test_signed_out_the_wallet_asks_to_sign_in_and_a_stranger_is_asked_to_join(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada = visitor("Ada")
    slug = riverside(ada)
    signed_out = Visitor(app).get(f"/c/{slug}/wallet")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == f"/signin?next=/c/{slug}/wallet"
    stranger = visitor("Stranger").get(f"/c/{slug}/wallet")
    assert stranger.status_code == 200
    assert "Join Riverside to open yours" in text_of(stranger)
    assert visitor("Nobody").get(f"/c/{slug}/wallet.csv").status_code == 403
    missing = ada.get("/c/no-such-collective/wallet")
    assert missing.status_code == 404
    assert "Page not found" in missing.text


def test_members_are_chosen_by_name_and_namesakes_told_apart(visitor: VisitorMaker) -> None:
    ada, bob, bob2, cy = visitor("Ada"), visitor("Bob"), visitor("Bob"), visitor("Cy")
    slug = riverside(ada, bob, bob2, cy)
    offered = options(ada.get(f"/c/{slug}/wallet"), "to")
    names = [text for value, text in offered if value]
    assert names[-1] == "Cy"
    assert len(names) == 3  # never oneself
    assert all(n.startswith("Bob (joined ") for n in names[:2])
    assert {value for value, _ in offered if value} == {
        person_id(bob),
        person_id(bob2),
        person_id(cy),
    }
    found = options(ada.get(f"/c/{slug}/wallet/payees", params={"find": "c"}), "to")
    assert [text for value, text in found if value] == ["Cy"]
    chosen = ada.get(f"/c/{slug}/wallet", params={"to": person_id(cy), "amount": "3"})
    assert re.search(r'<option value="[^"]+" selected>Cy</option>', chosen.text)
    assert 'value="3"' in chosen.text


def test_paying_by_name_is_confirmed_first_and_a_double_click_pays_once(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, bob = visitor("Ada"), visitor("Bob")
    slug = riverside(ada, bob)
    bob_id = person_id(bob)
    review = _review(ada, slug, bob_id, "12.50", "bike repair")
    assert review.status_code == 200
    assert "Pay 12.50 RVC to Bob for “bike repair”?" in text_of(review)
    assert "-12.50 RVC" in text_of(review)  # the balance it would leave
    assert _balance(app, slug, bob_id) == 0  # nothing paid before the confirmation
    form = {"to": bob_id, "amount": "12.50", "memo": "bike repair", "key": confirm_key(review)}
    first = ada.submit(f"/c/{slug}/wallet/pay/confirm", form)
    again = ada.submit(f"/c/{slug}/wallet/pay/confirm", form)  # the double click
    for reply in (first, again):
        assert reply.status_code == 303
        assert reply.headers["location"] == f"/c/{slug}/wallet"
    assert _balance(app, slug, bob_id) == 1_250
    wallet = ada.get(f"/c/{slug}/wallet")
    assert "Paid 12.50 RVC to Bob for “bike repair”." in text_of(wallet)
    assert services_of(app).ledger.verify(slug).entries == 1

    second = _review(ada, slug, bob_id, "1", "bike repair")  # a new page, a new key
    assert confirm_key(second) != form["key"]


@pytest.mark.parametrize(
    ("to", "amount", "memo", "field", "status", "says"),
    [
        ("bob", "100.01", "", "amount", 422, "more than you can spend now: 100.00 RVC"),
        ("ada", "5", "", "to", 422, "cannot pay yourself"),
        ("stranger", "5", "", "to", 422, "is not a member"),
        ("missing", "5", "", "to", 404, "no such member"),
        ("", "5", "", "to", 422, "choose who to pay"),
        ("bob", "abc", "", "amount", 422, "not a number"),
        ("bob", "1.234", "", "amount", 422, "more than 2 decimals"),
        ("bob", "0", "", "amount", 422, "more than zero"),
        ("bob", "", "", "amount", 422, "enter an amount"),
        ("bob", "5", "x" * 501, "memo", 422, "at most 500 characters"),
    ],
)
def test_each_refusal_is_next_to_its_field_with_what_was_typed_kept(
    app: FastAPI,
    visitor: VisitorMaker,
    to: str,
    amount: str,
    memo: str,
    field: str,
    status: int,
    says: str,
) -> None:
    ada, bob, stranger = visitor("Ada"), visitor("Bob"), visitor("Stranger")
    slug = riverside(ada, bob, credit_limit="100")
    ids = {
        "ada": person_id(ada),
        "bob": person_id(bob),
        "stranger": person_id(stranger),
        "missing": "0" * 32,
        "": "",
    }
    page = _review(ada, slug, ids[to], amount, memo)
    assert page.status_code == status
    assert says in alert(page)
    assert re.search(rf'id="e-{field}"[^>]*role="alert"', page.text), page.text[:3000]
    assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', page.text)
    if amount:
        assert f'value="{amount}"' in page.text
    if memo:
        assert memo in page.text
    assert _balance(app, slug, ids["bob"]) == 0


def test_a_confirmation_refused_after_the_review_says_why_and_pays_nothing(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, bob, cy = visitor("Ada"), visitor("Bob"), visitor("Cy")
    slug = riverside(ada, bob, cy, credit_limit="100")
    bob_id, cy_id = person_id(bob), person_id(cy)
    review = _review(ada, slug, bob_id, "80")
    key = confirm_key(review)
    # meanwhile, another tab spends most of the limit
    services_of(app).ledger.pay(
        slug, payer=person_id(ada), payee=cy_id, amount=5_000, idempotency_key="other-tab"
    )
    refused = ada.submit(
        f"/c/{slug}/wallet/pay/confirm", {"to": bob_id, "amount": "80", "memo": "", "key": key}
    )
    assert refused.status_code == 422
    assert "you can spend now: 50.00 RVC, within your credit limit of 100.00 RVC" in alert(refused)
    assert 'id="e-amount"' in refused.text
    assert _balance(app, slug, bob_id) == 0

    paid = {"to": cy_id, "amount": "1", "memo": "", "key": "same-key"}
    assert ada.submit(f"/c/{slug}/wallet/pay/confirm", paid).status_code == 303
    reused = ada.submit(f"/c/{slug}/wallet/pay/confirm", {**paid, "amount": "2"})
    assert reused.status_code == 422
    assert "Not done: this confirmation was made for another payment" in text_of(reused)
    expired = ada.submit(f"/c/{slug}/wallet/pay/confirm", {**paid, "key": ""})
    assert "this confirmation has expired" in text_of(expired)
    assert _balance(app, slug, cy_id) == 5_100


def test_the_history_names_the_other_side_and_shows_a_running_balance_page_by_page(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, bob = visitor("Ada"), visitor("Bob")
    slug = riverside(ada, bob, credit_limit="1000")
    ada_id, bob_id = person_id(ada), person_id(bob)
    ledger = services_of(app).ledger
    for n in range(1, 28):
        ledger.pay(
            slug, payer=ada_id, payee=bob_id, amount=100, memo=f"lesson {n}", idempotency_key=f"{n}"
        )
        services_of(app).clock.advance(seconds=1)  # type: ignore[attr-defined]
    first = ada.get(f"/c/{slug}/wallet")
    shown = text_of(first)
    assert "-27.00 RVC balance" in shown
    rows = re.findall(r'<tr id="t-', first.text)
    assert len(rows) == 25
    assert shown.index("“lesson 27”") < shown.index("“lesson 26”")
    assert "to Bob" in shown
    assert f'href="/c/{slug}/members/{bob_id}"' in first.text
    older = re.search(r'href="([^"]*cursor=[^"#]*)', first.text)
    assert older, "no link to older lines"
    second = ada.get(older.group(1).replace("&amp;", "&"))
    rest = text_of(second)
    assert "“lesson 1”" in rest
    assert "“lesson 27”" not in rest
    # lesson 2 left -2.00, lesson 1 left -1.00: the balance each line left, on page two too
    assert re.search(r"“lesson 2” -1\.00 RVC -2\.00 RVC", rest)
    assert re.search(r"“lesson 1” -1\.00 RVC -1\.00 RVC", rest)
    assert "Newest" in rest


def test_held_money_says_what_holds_it(app: FastAPI, visitor: VisitorMaker) -> None:
    ada, bob = visitor("Ada"), visitor("Bob")
    slug = riverside(ada, bob)
    market = services_of(app).market
    listing = market.post_listing(
        slug,
        owner=person_id(bob),
        kind=ListingKind.OFFER,
        title="Bike repair",
        description="",
        category="crafts",
        price=1_500,
    ).listing
    market.place_order(slug, buyer=person_id(ada), listing_id=listing.id, idempotency_key="o")
    page = text_of(ada.get(f"/c/{slug}/wallet"))
    assert "Money held" in page
    assert "Your order: Bike repair" in page
    assert "15.00 RVC held for open deals" in page
    assert "-15.00 RVC available" in page
    assert "Order for you: Bike repair" in text_of(bob.get(f"/c/{slug}/wallet"))


def test_the_csv_has_a_header_iso_times_decimals_and_no_formulas(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, bob = visitor("Ada"), visitor("Bob")
    slug = riverside(ada, bob)
    ada_id, bob_id = person_id(ada), person_id(bob)
    ledger = services_of(app).ledger
    ledger.pay(slug, payer=ada_id, payee=bob_id, amount=1_250, memo="bike", idempotency_key="a")
    ledger.pay(
        slug, payer=bob_id, payee=ada_id, amount=5, memo="=HYPERLINK(1)", idempotency_key="b"
    )
    reply = ada.get(f"/c/{slug}/wallet.csv")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/csv")
    assert "attachment" in reply.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(reply.text)))
    assert rows[0] == [
        "posted_at",
        "what",
        "counterparty",
        "memo",
        "amount",
        "balance_after",
        "currency",
        "transfer_id",
    ]
    newest, oldest = rows[1], rows[2]
    assert newest[1:7] == ["Payment", "Bob", "'=HYPERLINK(1)", "0.05", "-12.45", "RVC"]
    assert oldest[1:7] == ["Payment", "Bob", "bike", "-12.50", "-12.50", "RVC"]
    assert datetime.fromisoformat(oldest[0]).utcoffset() is not None
    assert len(rows) == 3


def test_a_leaver_reads_their_wallet_and_an_applicant_waits_for_it(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, bob, cy = visitor("Ada"), visitor("Bob"), visitor("Cy")
    slug = riverside(ada, bob)
    services_of(app).ledger.pay(
        slug, payer=person_id(ada), payee=person_id(bob), amount=300, idempotency_key="k"
    )
    assert bob.submit(f"/c/{slug}/leave").status_code == 303
    page = bob.get(f"/c/{slug}/wallet")
    assert page.status_code == 200
    shown = text_of(page)
    assert "You left Riverside" in shown
    assert "3.00 RVC balance" in shown
    assert "0.00 RVC credit limit" in shown  # a leaver spends down, never into debt
    assert "Review payment" not in shown
    assert bob.get(f"/c/{slug}/wallet.csv").status_code == 200

    approval = f"{slug}-club"
    reply = ada.submit(
        "/collectives/new",
        {
            "name": "Club",
            "slug": approval,
            "currency.code": "CLB",
            "currency.name": "Club credit",
            "currency.decimals": "0",
            "charter.default_credit_limit": "10",
            "charter.admission": "approval",
            "charter.levy_rate": "0",
        },
    )
    assert reply.status_code == 303
    assert cy.submit(f"/c/{approval}/join").status_code == 303
    waiting = text_of(cy.get(f"/c/{approval}/wallet"))
    assert "waiting for approval" in waiting


def _hold_forms(page: Any) -> dict[str, str]:
    """The hold forms on a wallet page: action path -> its one-time key."""
    return dict(
        re.findall(
            r'<form method="post" action="([^"]*/holds/[^"]+)">\s*<input[^>]*>'
            r'<input type="hidden" name="key" value="([^"]+)">',
            page.text,
        )
    )


def test_a_held_payment_is_released_or_cancelled_from_the_wallet_once(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, bob = visitor("Ada"), visitor("Bob")
    slug = riverside(ada, bob)
    ada_id, bob_id = person_id(ada), person_id(bob)
    ledger = services_of(app).ledger
    first = ledger.pay(
        slug, payer=ada_id, payee=bob_id, amount=400, idempotency_key="h1", pending=True
    )
    second = ledger.pay(
        slug, payer=ada_id, payee=bob_id, amount=90, idempotency_key="h2", pending=True
    )

    page = ada.get(f"/c/{slug}/wallet")
    assert "Payment you hold" in text_of(page)
    forms = _hold_forms(page)
    release = f"/c/{slug}/wallet/holds/{first.transfer.id}/release"
    cancel = f"/c/{slug}/wallet/holds/{second.transfer.id}/cancel"
    assert {release, cancel} <= set(forms)
    for _ in range(2):  # a double click releases once
        reply = ada.submit(release, {"key": forms[release]})
        assert reply.status_code == 303
    assert "Released 4.00 RVC to Bob." in text_of(ada.get(f"/c/{slug}/wallet"))
    assert _balance(app, slug, bob_id) == 400

    # the payee may decline what is held for them, never release it
    bob_forms = _hold_forms(bob.get(f"/c/{slug}/wallet"))
    assert f"/c/{slug}/wallet/holds/{second.transfer.id}/release" not in bob_forms
    stolen = bob.submit(
        f"/c/{slug}/wallet/holds/{second.transfer.id}/release", {"key": "bob-tries"}
    )
    assert stolen.status_code == 403
    assert "only the payer can release" in text_of(stolen)
    assert ada.submit(cancel, {"key": forms[cancel]}).status_code == 303
    assert "The hold of 0.90 RVC is cancelled." in text_of(ada.get(f"/c/{slug}/wallet"))
    assert _balance(app, slug, bob_id) == 400
    assert services_of(app).ledger.wallet(slug, member_id=ada_id).holds == []


def test_in_a_large_collective_members_are_found_by_name_without_javascript_too(
    visitor: VisitorMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cybermutual.web.pages.wallet.PAYEES", 2)
    ada, bob, cy, dora = visitor("Ada"), visitor("Bob"), visitor("Cy"), visitor("Dora")
    slug = riverside(ada, bob, cy, dora)
    page = ada.get(f"/c/{slug}/wallet")
    assert 'role="search"' in page.text  # more members than the list shows: a search
    assert 'hx-get="/c/' in page.text
    found = ada.get(f"/c/{slug}/wallet", params={"find": "dor"})
    assert [text for value, text in options(found, "to") if value] == ["Dora"]
    assert 'value="dor"' in found.text


def test_a_levy_is_its_own_line_to_the_commons_fund_after_its_payment(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, bob = visitor("Ada"), visitor("Bob")
    slug = f"levied-{person_id(ada)[:6]}"
    form = {
        "name": "Levied",
        "slug": slug,
        "currency.code": "LEV",
        "currency.name": "Levied credit",
        "currency.decimals": "2",
        "charter.default_credit_limit": "100",
        "charter.admission": "open",
        "charter.levy_rate": "10",
    }
    assert ada.submit("/collectives/new", form).status_code == 303
    assert bob.submit(f"/c/{slug}/join").status_code == 303
    services_of(app).ledger.pay(
        slug, payer=person_id(ada), payee=person_id(bob), amount=2_000, idempotency_key="k"
    )
    shown = text_of(bob.get(f"/c/{slug}/wallet"))
    levy, payment = shown.index("Levy to Commons fund"), shown.index("Payment from Ada")
    assert levy < payment  # newest first: the levy was charged on the payment
    assert "Levy to Commons fund -2.00 LEV 18.00 LEV" in shown
    assert "Payment from Ada +20.00 LEV 20.00 LEV" in shown
