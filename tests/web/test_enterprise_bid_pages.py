"""Bidding for an enterprise in the pages: the bid form's "Bid for" field, and the enterprise's
commons shares on its page (issue 14)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cybermutual.domain.enterprise.kinds import Role
from cybermutual.services.container import Services
from tests.api.helpers import COLLECTIVE, LATHE, Member
from tests.helpers import FakeClock
from tests.web.helpers import Visitor, alert, text_of

SLUG = COLLECTIVE["slug"]
API = f"/collectives/{SLUG}"
E = f"/c/{SLUG}/enterprises"


class Riverside:
    """A commons collective: Ada (API) with a lathe and an open round; Grace founded a co-op
    in the pages; Hal is a member with no role in it."""

    def __init__(self, app: FastAPI, visitor: Callable[..., Visitor], clock: FakeClock) -> None:
        self.clock = clock
        self.ada = Member(TestClient(app), "Ada")
        assert self.ada.post("/collectives", json=COLLECTIVE).status_code == 201
        self.grace, self.hal = visitor("Grace"), visitor("Hal")
        for who in (self.grace, self.hal):
            assert who.submit(f"/c/{SLUG}/join").status_code == 303
        founded = self.grace.submit(E, {"name": "Rye Co-op", "kind": "cooperative"})
        assert founded.status_code == 303, alert(founded)
        matched = re.fullmatch(rf"{E}/([0-9a-f]{{32}})", founded.headers["location"])
        assert matched
        self.coop = matched.group(1)
        self.lathe = self.ada.post(f"{API}/assets", json=LATHE).json()["id"]
        now = clock.now()
        opened = self.ada.post(
            f"{API}/allocation-rounds",
            json={
                "bids_close_at": (now + timedelta(days=1)).isoformat(),
                "period_start": (now + timedelta(days=2)).isoformat(),
                "period_end": (now + timedelta(days=9)).isoformat(),
            },
        )
        assert opened.status_code == 201, opened.text
        self.round = f"/c/{SLUG}/commons/rounds/{opened.json()['id']}"

    def bid(self, who: Visitor, units: str, **more: str) -> Any:
        form = {"asset_id": self.lathe, "max_units": units, "output_category": "crafts", **more}
        return who.submit(f"{self.round}/bids", form)


@pytest.fixture
def riverside(app: FastAPI, visitor: Callable[..., Visitor], clock: FakeClock) -> Riverside:
    return Riverside(app, visitor, clock)


def test_the_bid_form_offers_bidding_for_ones_enterprise(riverside: Riverside) -> None:
    page = riverside.grace.get(riverside.round)
    assert re.search(r'<label for="f-enterprise"[^>]*>\s*Bid for', page.text), page.text[:3000]
    assert re.search(r'<option value="">Yourself</option>', page.text)
    assert f'<option value="{riverside.coop}">Rye Co-op</option>' in page.text
    # a member with no role there is not offered it, and is refused if they send it anyway
    assert 'name="enterprise"' not in riverside.hal.get(riverside.round).text
    refused = riverside.bid(riverside.hal, "4", enterprise=riverside.coop)
    assert refused.status_code in (403, 422)
    assert "worker_owner of Rye Co-op may do this" in alert(refused)

    placed = riverside.bid(riverside.grace, "6", enterprise=riverside.coop)
    assert placed.status_code == 303, alert(placed)
    text = text_of(riverside.grace.get(riverside.round))
    assert "Wood lathe for Rye Co-op" in text


def test_the_enterprise_page_lists_its_commons_shares(
    riverside: Riverside, clock: FakeClock
) -> None:
    page = f"{E}/{riverside.coop}"
    assert "Rye Co-op holds no share of the commons yet" in text_of(riverside.grace.get(page))
    assert riverside.bid(riverside.grace, "6", enterprise=riverside.coop).status_code == 303
    clock.advance(days=1, minutes=1)
    rid = riverside.round.rsplit("/", 1)[1]
    computed = riverside.ada.post(f"{API}/allocation-rounds/{rid}/compute")
    assert computed.status_code == 200, computed.text
    text = text_of(riverside.grace.get(page))
    assert "Commons shares" in text
    assert "6 hours of Wood lathe" in text


def test_the_enterprises_people_record_use_of_its_share(
    riverside: Riverside, clock: FakeClock, sqlite_services: Services
) -> None:
    """Hal, the co-op's employee (who may not bid for it), records use of the share Grace won
    for it; the form asks what the use was for."""
    services = sqlite_services  # the pages' own
    grace_id, hal_id = (_id(services, who) for who in (riverside.grace, riverside.hal))
    services.enterprises.appoint(
        SLUG, actor=grace_id, enterprise_id=riverside.coop, member=hal_id, role=Role.EMPLOYEE
    )
    assert riverside.bid(riverside.grace, "6", enterprise=riverside.coop).status_code == 303
    clock.advance(days=1, minutes=1)
    rid = riverside.round.rsplit("/", 1)[1]
    for step in ("compute", "publish"):
        reply = riverside.ada.post(f"{API}/allocation-rounds/{rid}/{step}")
        assert reply.status_code == 200, reply.text
    page = riverside.hal.get(riverside.round)
    assert re.search(r'<label for="f-enterprise"[^>]*>\s*Used for', page.text), page.text[:3000]
    assert f'<option value="{riverside.coop}">Rye Co-op</option>' in page.text
    recorded = riverside.hal.submit(
        "/c/riverside/commons/usage",
        {
            "round_id": rid,
            "enterprise": riverside.coop,
            "asset_id": riverside.lathe,
            "units": "2",
            "output_category": "crafts",
        },
    )
    assert recorded.status_code == 303, alert(recorded)
    assert "Recorded 2 units of use" in text_of(riverside.hal.get(recorded.headers["location"]))
    too_much = riverside.hal.submit(
        "/c/riverside/commons/usage",
        {
            "round_id": rid,
            "enterprise": riverside.coop,
            "asset_id": riverside.lathe,
            "units": "5",
            "output_category": "crafts",
        },
    )
    assert "the enterprise held 6 hours" in alert(too_much)


def _id(services: Services, who: Visitor) -> str:
    with services.uow(readonly=True) as uow:
        found = uow.people.by_email(who.email)
    assert found is not None
    return found[0].id
