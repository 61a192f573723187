"""Portable history in a real browser: a member downloads their signed history, asks to join
another collective with it attached, and a member there sees it verified and approves them.
Every page accessible (axe-core) and usable at 360 px."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.browser.helpers import (
    assert_accessible,
    assert_fits_phone,
    screenshot,
    sign_in,
    sign_up,
)


def _check(page: Any, name: str) -> None:
    screenshot(page, name)
    assert_accessible(page)
    assert_fits_phone(page)
    size = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 780})
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(size)


def test_a_member_moves_with_a_verified_history(
    page: Any, new_page: Any, api: Any, tmp_path: Path
) -> None:
    ada = api("Ada")
    slug = ada.start_collective("Riverside")
    cy = api("Cy")
    there = cy.start_collective("Hillside", admission="approval")

    sign_up(page, "Grace")
    page.goto(f"/c/{slug}")
    page.get_by_role("button", name="Join Riverside").click()
    page.goto("/profile")
    grace = page.locator("main").get_attribute("data-person-id")
    assert grace
    ada.post(
        f"/collectives/{slug}/transfers", {"to": grace, "amount": 1250, "memo": "tools"}, key=True
    )

    page.goto(f"/c/{slug}/wallet")
    page.get_by_role("button", name="Download my history").click()
    assert page.get_by_role("heading", name="Your history", level=1).is_visible()
    _check(page, "history-own")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my history (signed JSON)").click()
    file = tmp_path / "riverside-history.json"
    download.value.save_as(file)
    assert json.loads(file.read_text())["payload"]["activity"]["turnover"] == 1250

    page.goto(f"/c/{there}")
    page.get_by_text("Bring your history from another collective").click()
    page.get_by_label("Your signed history (JSON)").set_input_files(str(file))
    _check(page, "history-join")
    page.get_by_role("button", name="Ask to join Hillside").click()
    notice = page.get_by_role("status").inner_text()
    assert "Members see your verified history from Riverside" in notice

    member = new_page()
    sign_in(member, cy.email)
    member.goto(f"/c/{there}")
    member.get_by_role("link", name="Asking to join").click()
    assert member.get_by_text("✓ Verified").first.is_visible()
    assert member.get_by_text("12.50 RVC").first.is_visible()
    _check(member, "history-newcomers")
    member.get_by_role("button", name="Approve Grace").click()
    assert member.get_by_role("status").filter(has_text="Grace is a member now").is_visible()

    member.goto(f"/c/{there}/members/{grace}")
    assert member.get_by_role(
        "heading", name="Verified history from other collectives"
    ).is_visible()
    _check(member, "history-member")

    member.goto(f"/c/{slug}")  # the keys' fingerprints, public
    assert member.get_by_role("heading", name="Signing keys").is_visible()
    _check(member, "history-keys")
