"""A co-operative in a real browser: two worker-owners log their hours and approve each other's,
one closes the pay period, and both see each share and why; every enterprise page accessible
(axe-core) and usable at 360 px."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, assert_fits_phone, screenshot, sign_in


def check(page: Any, name: str) -> None:
    screenshot(page, name)
    assert_accessible(page)
    assert_fits_phone(page)


def server_now() -> datetime:
    """The live server runs on the real clock, so its periods end in real time."""
    return datetime.now(UTC)  # noqa: TID251 - the live server's clock is the real one


def log_hours(page: Any, hours: str) -> None:
    yesterday = (server_now() - timedelta(days=1)).date().isoformat()
    page.get_by_label("Day worked").fill(yesterday)
    page.get_by_label("Hours worked").fill(hours)
    page.get_by_role("button", name="Log hours").click()
    expect(page.get_by_role("status")).to_contain_text(f"Logged {hours} h")


def test_a_co_op_logs_approves_closes_and_shows_each_share(
    page: Any, new_page: Any, api: Any
) -> None:
    ada, bo, cy = api("Ada"), api("Bo"), api("Cy")
    slug = ada.start_collective("Riverside")
    bo.join(slug)
    cy.join(slug)
    base = f"/collectives/{slug}"
    coop = ada.post(
        f"{base}/enterprises", {"kind": "cooperative", "name": "Rye Co-op", "cofounders": [bo.id]}
    )
    since = (server_now() - timedelta(days=3)).isoformat()
    for who in (ada, bo):
        ada.post(
            f"{base}/enterprises/{coop['id']}/contracts",
            {"member": who.id, "role": "worker_owner", "hourly_wage": 0, "starts_at": since},
        )
    # a sale brings the period its revenue: Bo delivers the co-op's loaf to Cy
    loaf = ada.post(
        f"{base}/listings",
        {"kind": "offer", "title": "Rye loaf", "description": "Baked today", "category": "food",
         "price": 800, "quantity": 1, "enterprise": coop["id"]},
    )  # fmt: skip
    order = cy.post(f"{base}/orders", {"listing_id": loaf["id"]}, key=True)
    bo.post(f"{base}/orders/{order['id']}/accept")
    bo.post(f"{base}/orders/{order['id']}/deliver")
    cy.post(f"{base}/orders/{order['id']}/confirm", key=True)

    # Bo finds the co-op under Enterprises and logs his hours
    sign_in(page, bo.email)
    page.goto(f"/c/{slug}")
    page.get_by_role("link", name="Enterprises").click()
    expect(page.get_by_role("heading", name="Enterprises", level=1)).to_be_visible()
    check(page, "enterprises-index")
    page.get_by_role("heading", name="Rye Co-op").get_by_role("link").click()
    log_hours(page, "2")

    # Ada logs hers, and approves Bo's
    ada_page = new_page()
    sign_in(ada_page, ada.email)
    ada_page.goto(f"/c/{slug}/enterprises/{coop['id']}")
    log_hours(ada_page, "6")
    ada_page.get_by_role("button", name="Approve 2 h of Bo").click()
    expect(ada_page.get_by_role("status")).to_contain_text("Approved 2 h")

    # Bo approves Ada's; nobody approves their own
    page.reload()
    expect(page.get_by_role("button", name="Approve 2 h of Bo")).to_have_count(0)
    page.get_by_role("button", name="Approve 6 h of Ada").click()
    expect(page.get_by_role("status")).to_contain_text("Approved 6 h")
    check(page, "enterprises-enterprise")

    # a period that has just ended (opened through the API: the form's periods end at midnight)
    ends = server_now() + timedelta(seconds=2)
    ada.post(f"{base}/enterprises/{coop['id']}/periods", {"ends_at": ends.isoformat()})
    time.sleep(max(0.0, (ends - server_now()).total_seconds()) + 0.2)
    ada_page.reload()
    ada_page.get_by_role("button", name="Close period 1 and pay").click()
    expect(ada_page.get_by_role("status")).to_contain_text("Period 1 closed")
    expect(ada_page.get_by_role("heading", name="Profit and loss")).to_be_visible()
    shares = ada_page.get_by_role("table").filter(has_text="Surplus share")
    ada_share = shares.get_by_role("row").filter(has_text="Ada").filter(has_text="Surplus share")
    bo_share = shares.get_by_role("row").filter(has_text="Bo").filter(has_text="Surplus share")
    expect(ada_share).to_contain_text("merit 360")  # 6 h in minutes
    expect(ada_share).to_contain_text("6.00 RVC")
    expect(bo_share).to_contain_text("merit 120")
    expect(bo_share).to_contain_text("2.00 RVC")
    check(ada_page, "enterprises-period")

    # Bo's income, the co-op's decisions and the collective's report
    page.goto(f"/c/{slug}/enterprises")
    expect(page.get_by_role("row", name="Rye Co-op")).to_contain_text("2.00")
    page.get_by_role("heading", name="Rye Co-op").get_by_role("link").click()
    page.get_by_role("link", name="Co-op decisions").click()
    expect(page.get_by_role("heading", name="Propose a decision")).to_be_visible()
    check(page, "enterprises-governance")
    page.goto(f"/c/{slug}/enterprises/report")
    expect(page.get_by_role("button", name="Download CSV")).to_be_visible()
    check(page, "enterprises-report")
