"""Links without a browser: the list with both sides' positions, one link's page, paying a
member of the linked collective from it, and its refusals next to their fields."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cybermutual.bootstrap import build_services
from cybermutual.services.container import Services
from cybermutual.store.engine import make_engine
from tests.api.conftest import shared_app
from tests.api.helpers import Member
from tests.helpers import FAST_PASSWORDS, FakeClock
from tests.web.helpers import Visitor, alert, text_of
from tests.web.wallet_helpers import person_id, services_of

VisitorMaker = Callable[..., Visitor]


@pytest.fixture
def app(sqlite_template: Path, tmp_path: Path, clock: FakeClock) -> Iterator[FastAPI]:
    """The app on a SQLite file: a payment between two collectives of one server opens a unit
    of work for each side, which one shared in-memory connection cannot hold at once."""
    path = tmp_path / "links.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield shared_app(build_services(engine, clock=clock, passwords=FAST_PASSWORDS))
    engine.dispose()


def _collective(slug: str, code: str, decimals: int) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": slug.capitalize(),
        "currency": {"code": code, "name": f"{slug} credit", "decimals": decimals},
        "charter": {"default_credit_limit": 100_000, "admission": "open", "levy_rate": "0"},
    }


def _pass(services: Services, who: Member, slug: str, params: dict[str, Any]) -> None:
    path = f"/collectives/{slug}"
    made = who.post(
        f"{path}/proposals", json={"kind": "open_link", "title": "Link", "params": params}
    )
    assert made.status_code == 201, made.text
    vote = who.post(f"{path}/proposals/{made.json()['id']}/votes", json={"choice": "yes"})
    assert vote.status_code == 200, vote.text
    services.tick.tick(impacts=False)


def linked(app: FastAPI) -> tuple[Member, Member, str]:
    """Riverside (RVC, 2 decimals) and Hillside (HLC, 0 decimals) linked at 1 RVC = 3/2 HLC."""
    services = services_of(app)
    client = TestClient(app)
    ada, bo = Member(client, "Ada"), Member(client, "Bo")
    assert ada.post("/collectives", json=_collective("riverside", "RVC", 2)).status_code == 201
    assert bo.post("/collectives", json=_collective("hillside", "HLC", 0)).status_code == 201
    _pass(
        services,
        ada,
        "riverside",
        {"peer": "hillside", "rate": "3/2", "limit_out": 50_000, "limit_in": 40_000},
    )
    services.federation.tick()
    _pass(
        services,
        bo,
        "hillside",
        {"peer": "riverside", "rate": "2/3", "limit_out": 300, "limit_in": 600},
    )
    services.federation.tick()
    (link,) = ada.get("/collectives/riverside/links").json()
    assert link["state"] == "active", link
    return ada, bo, link["id"]


def test_a_member_sees_the_links_and_pays_a_member_of_the_other_collective(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    _, bo, link = linked(app)
    grace = visitor("Grace")
    assert grace.submit("/c/riverside/join").status_code == 303
    page = grace.get("/c/riverside/links")
    assert page.status_code == 200
    shown = text_of(page)
    assert "hillside" in shown
    assert "Active" in shown
    assert "1 RVC = 3/2 HLC" in shown

    form = grace.get(f"/c/riverside/links/{link}")
    key = re.search(r'name="key" value="([^"]+)"', form.text)
    assert key
    paid = grace.submit(
        f"/c/riverside/links/{link}/pay",
        {"to": bo.id, "amount": "10.01", "memo": "apples", "key": key.group(1)},
    )
    assert paid.status_code == 303, paid.text
    after = grace.get(paid.headers["location"])
    assert "Paid 10.01 RVC to a member of hillside: 15 HLC there." in text_of(after)
    assert "10.01 RVC" in text_of(after)  # our position now
    again = grace.submit(  # the same form sent twice pays once
        f"/c/riverside/links/{link}/pay",
        {"to": bo.id, "amount": "10.01", "memo": "apples", "key": key.group(1)},
    )
    assert again.status_code == 303
    assert bo.get("/collectives/hillside/accounts/me").json()["balance"] == 15
    assert 'href="/c/riverside/links"' in grace.get("/c/riverside/wallet").text
    assert person_id(grace) in grace.get("/profile").text


def test_refusals_are_shown_next_to_their_field_with_what_was_typed(
    app: FastAPI, visitor: VisitorMaker
) -> None:
    _, bo, link = linked(app)
    grace = visitor("Grace")
    assert grace.submit("/c/riverside/join").status_code == 303
    for typed, status, message in [
        ({"to": bo.id, "amount": "ten"}, 422, "not a number"),
        ({"to": bo.id, "amount": "0"}, 422, "more than zero"),
        ({"to": bo.id, "amount": "600"}, 422, "limit"),  # beyond what the link allows
        ({"to": "", "amount": "1"}, 422, "member id"),
    ]:
        page = grace.submit(f"/c/riverside/links/{link}/pay", {"memo": "m", **typed})
        assert page.status_code == status, page.text
        assert message in alert(page)
        assert 'value="m"' in page.text  # what was typed is kept
    assert grace.get("/c/riverside/links/nope").status_code == 404
    assert visitor("Eve").get("/c/riverside/links").status_code == 403
