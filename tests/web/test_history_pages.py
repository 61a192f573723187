"""Portable history without a browser: download one's signed history, bring one when joining
(or later), see it verified on the member's page and among who asks to join; every refusal
shown next to the file field, nothing saved."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from cybermutual.domain.collective import Admission, Charter
from cybermutual.domain.money import Currency
from tests.web.helpers import Visitor, alert, text_of
from tests.web.wallet_helpers import person_id, riverside, services_of

VisitorMaker = Callable[..., Visitor]


def hillside(app: FastAPI, founder: Visitor, *, admission: Admission = Admission.APPROVAL) -> str:
    services_of(app).collectives.create(
        founder_id=person_id(founder),
        slug="hillside",
        name="Hillside",
        currency=Currency("HLS", "Hillside hours", 2),
        charter=Charter(default_credit_limit=0, admission=admission),
    )
    return "hillside"


def export_of(who: Visitor, slug: str) -> bytes:
    reply = who.get(f"/c/{slug}/history.json")
    assert reply.status_code == 200, reply.text
    assert f"{slug}-history.json" in reply.headers["content-disposition"]
    return bytes(reply.content)


def upload(content: bytes, name: str = "history.json") -> dict[str, Any]:
    return {"export": (name, content, "application/json")}


def test_a_member_downloads_their_history_signed_and_as_csv(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, bob = visitor("Ada"), visitor("Bob")
    slug = riverside(ada, bob)
    services_of(app).ledger.pay(
        slug, payer=person_id(bob), payee=person_id(ada), amount=725, idempotency_key="k"
    )
    page = ada.get(f"/c/{slug}/history")
    assert page.status_code == 200
    assert "Download my history (signed JSON)" in text_of(page)
    assert "turnover 7.25 RVC" in text_of(page)  # what another collective will read
    export = json.loads(export_of(ada, slug))
    assert export["payload"]["history"][0]["amount"] == 725
    csv = ada.get(f"/c/{slug}/history.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "7.25,7.25,RVC" in csv.text
    assert csv.headers["signature-key-id"] == export["key_id"]
    wallet = ada.get(f"/c/{slug}/wallet")
    assert f'href="/c/{slug}/history"' in wallet.text
    assert f'href="/c/{slug}/history.json"' in ada.get("/profile").text
    assert Visitor(app).get(f"/c/{slug}/history").status_code == 303  # signed-out: sign in


def test_a_newcomer_brings_a_verified_history_that_members_see(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, bob, cy = visitor("Ada"), visitor("Bob"), visitor("Cy")
    slug = riverside(ada, bob)
    services_of(app).ledger.pay(
        slug, payer=person_id(bob), payee=person_id(ada), amount=300, idempotency_key="k"
    )
    there = hillside(app, cy)
    home = ada.get(f"/c/{there}")
    assert "Bring your history from another collective" in text_of(home)

    asked = ada.client.post(
        f"/c/{there}/join", data={"csrf_token": ada.csrf}, files=upload(export_of(ada, slug))
    )
    assert asked.status_code == 303, asked.text
    told = text_of(cy.get("/inbox"))
    assert "asks to join Hillside, bringing a verified history from Riverside" in told
    waiting = cy.get(f"/c/{there}/newcomers")
    shown = text_of(waiting)
    assert "Ada" in shown
    assert "✓ Verified" in shown
    assert "Riverside" in shown
    assert "3.00 RVC" in shown  # turnover there, in its own currency

    approved = cy.submit(f"/c/{there}/newcomers/{person_id(ada)}/approve")
    assert approved.status_code == 303
    profile = cy.get(f"/c/{there}/members/{person_id(ada)}")
    assert "Verified history from other collectives" in text_of(profile)
    assert "✓ Riverside" in text_of(profile)
    assert "Nobody is waiting to join." in text_of(cy.get(f"/c/{there}/newcomers"))


def test_a_member_attaches_a_history_later(app: FastAPI, visitor: VisitorMaker) -> None:
    ada, cy = visitor("Ada"), visitor("Cy")
    slug = riverside(ada)
    there = hillside(app, cy, admission=Admission.OPEN)
    assert ada.submit(f"/c/{there}/join").status_code == 303
    reply = ada.client.post(
        f"/c/{there}/history", data={"csrf_token": ada.csrf}, files=upload(export_of(ada, slug))
    )
    assert reply.status_code == 303, reply.text
    page = ada.get(f"/c/{there}/history")
    assert "✓ Verified" in text_of(page)


def test_an_altered_or_foreign_or_unreadable_file_is_refused_next_to_the_field(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, bob, cy = visitor("Ada"), visitor("Bob"), visitor("Cy")
    slug = riverside(ada, bob)
    there = hillside(app, cy)
    export = json.loads(export_of(ada, slug))
    export["payload"]["reputation"]["reviews"] = 50
    cases = [
        (json.dumps(export).encode(), "altered after it was signed"),
        (export_of(ada, slug), "issued to someone else"),  # Bob sends Ada's
        (b"not json", "not a history export"),
        (json.dumps({"payload": {}}).encode(), "no key_id"),
    ]
    for content, message in cases:
        page = bob.client.post(
            f"/c/{there}/join", data={"csrf_token": bob.csrf}, files=upload(content)
        )
        assert page.status_code == 422, page.text
        assert message in alert(page)
        assert 'aria-invalid="true"' in page.text  # next to the file field
        assert '<details class="bring-history" open>' in page.text
    assert services_of(app).collectives.membership(there, member_id=person_id(bob)) is None
    attached = bob.client.post(f"/c/{slug}/history", data={"csrf_token": bob.csrf}, files={})
    assert attached.status_code == 422
    assert "choose the export file" in alert(attached)


def test_newcomers_are_for_members_and_keys_are_on_the_home_page(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    ada, eve = visitor("Ada"), visitor("Eve")
    slug = riverside(ada)
    assert eve.get(f"/c/{slug}/newcomers").status_code == 403
    (key,) = services_of(app).keys.keys(slug)
    home = Visitor(app).get(f"/c/{slug}")  # public
    assert "Signing keys" in text_of(home)
    assert key.fingerprint[:4] + " " + key.fingerprint[4:8] in home.text
    assert "Asking to join" not in text_of(ada.get(f"/c/{slug}"))  # open admission


def test_approving_twice_is_refused_on_the_page(app: FastAPI, visitor: VisitorMaker) -> None:
    ada, bob, cy = visitor("Ada"), visitor("Bob"), visitor("Cy")
    there = hillside(app, cy)
    assert ada.submit(f"/c/{there}/join").status_code == 303
    assert cy.submit(f"/c/{there}/newcomers/{person_id(ada)}/approve").status_code == 303
    again = cy.submit(f"/c/{there}/newcomers/{person_id(ada)}/approve")
    assert again.status_code == 409
    assert alert(again)
    missing = cy.submit(f"/c/{there}/newcomers/{person_id(bob)}/approve")
    assert missing.status_code == 404
