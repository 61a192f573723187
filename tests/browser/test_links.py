"""Links in a real browser: a member finds the link to another collective from the wallet,
reads its position on both sides and pays a member of the other collective. Every page
accessible (axe-core) and usable at 360 px."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cybermutual.bootstrap import build_services
from cybermutual.services.container import Services
from cybermutual.store.engine import make_engine
from tests.browser.helpers import (
    LiveServer,
    assert_accessible,
    assert_fits_phone,
    screenshot,
    sign_in,
)
from tests.helpers import FAST_PASSWORDS


@pytest.fixture
def backstage(server: LiveServer) -> Iterator[Services]:
    """The live server's database, to close votes and deliver federation messages now rather
    than at the server's next tick."""
    engine = make_engine(f"sqlite:///{server.folder / 'web.db'}")
    yield build_services(engine, passwords=FAST_PASSWORDS)
    engine.dispose()


def _open_link(services: Services, who: Any, slug: str, peer: str) -> None:
    params = {"peer": peer, "rate": "1", "limit_out": 50_000, "limit_in": 50_000}
    proposal = who.post(
        f"/collectives/{slug}/proposals", {"kind": "open_link", "title": "Link", "params": params}
    )
    who.post(f"/collectives/{slug}/proposals/{proposal['id']}/votes", {"choice": "yes"})
    services.tick.tick(impacts=False)
    services.federation.tick()


def _check(page: Any, name: str) -> None:
    screenshot(page, name)
    assert_accessible(page)
    assert_fits_phone(page)
    size = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 780})
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(size)


def test_a_member_pays_a_member_of_a_linked_collective(
    page: Any, api: Any, backstage: Services
) -> None:
    ada, bo = api("Ada"), api("Bo")
    river, hill = ada.start_collective("Riverside"), bo.start_collective("Hillside")
    _open_link(backstage, ada, river, hill)
    _open_link(backstage, bo, hill, river)

    sign_in(page, ada.email)
    page.goto(f"/c/{river}/wallet")
    page.get_by_role("button", name="Pay another collective").click()
    assert page.get_by_role("heading", name="Links to other collectives").is_visible()
    _check(page, "links-list")
    page.get_by_role("link", name=hill).click()
    page.get_by_label(f"Their member id at {hill}").fill(bo.id)
    page.get_by_label("Amount (RVC)").fill("12.50")
    page.get_by_label("What for").fill("apples")
    _check(page, "links-link")
    page.get_by_role("button", name="Pay across the link").click()
    notice = page.get_by_role("status").inner_text()
    assert f"Paid 12.50 RVC to a member of {hill}" in notice
    assert page.get_by_text("we owe them").is_visible()
    assert bo.get(f"/collectives/{hill}/accounts/me")["balance"] == 1250
