"""The wallet, the inbox and the profiles in a real browser: a member pays another chosen by
name through the confirmation step, sees the running balance and the chart, downloads the CSV;
the payee sees the unread count, finds the payment in the inbox and marks it read. Every page
accessible (axe-core) and usable at 360 px."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from tests.browser.helpers import (
    assert_accessible,
    assert_fits_phone,
    screenshot,
    sign_in,
    sign_up,
)


def _check(page: Any, name: str, *, redraw: bool = False) -> None:
    """A screenshot on a desktop and on a phone; accessible, and no sideways scroll at 360 px."""
    screenshot(page, name)
    assert_accessible(page)
    assert_fits_phone(page)
    size = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 780})
    if redraw:  # charts are drawn at the width the page opened with
        page.reload()
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(size)


def _pay(page: Any, name: str, amount: str, memo: str) -> None:
    page.get_by_label("Pay to").select_option(label=name)
    page.get_by_label("Amount (RVC)").fill(amount)
    page.get_by_label("What for").fill(memo)
    page.get_by_role("button", name="Review payment").click()


def test_a_member_pays_another_by_name_and_the_payee_reads_it_in_the_inbox(
    page: Any, new_page: Any, api: Any
) -> None:
    ada = api("Ada")
    slug = ada.start_collective("Riverside", text="We repair bikes and share tools.")
    sign_up(page, "Grace")
    page.goto(f"/c/{slug}")
    page.get_by_role("button", name="Join Riverside").click()
    page.get_by_role("link", name="Wallet").first.click()
    assert page.get_by_role("heading", name="Your wallet").is_visible()
    assert page.get_by_text("100.00 RVC").first.is_visible()  # the credit limit, in words too
    _check(page, "wallet-empty")

    # a refusal is shown next to its field, with what was typed kept
    _pay(page, "Ada", "250", "a new frame")
    assert "more than you can spend now: 100.00 RVC" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Amount (RVC)").input_value() == "250"
    assert page.get_by_label("What for").input_value() == "a new frame"
    assert_accessible(page)

    _pay(page, "Ada", "12.50", "bike repair")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Pay 12.50 RVC to Ada for “bike repair”?"
    _check(page, "wallet-confirm")
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("status").filter(has_text="Paid 12.50 RVC to Ada").is_visible()

    _pay(page, "Ada", "7", "bread")
    page.get_by_role("button", name="Confirm").click()
    history = page.get_by_role("table").last
    rows = history.get_by_role("row")
    assert rows.count() == 3  # the header and two lines
    newest = rows.nth(1).inner_text()
    assert "bread" in newest
    assert "-7.00 RVC" in newest
    assert "-19.50 RVC" in newest  # the running balance it left
    assert "-12.50 RVC" in rows.nth(2).inner_text()
    chart = page.get_by_role("img", name=re.compile("Your balance over time"))
    chart.locator("canvas").wait_for()
    _check(page, "wallet", redraw=True)
    page.emulate_media(color_scheme="dark")
    page.reload()  # drawn afresh in the dark colours, at the desktop width
    screenshot(page, "wallet-dark")
    page.emulate_media(color_scheme="light")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:6] == ["posted_at", "what", "counterparty", "memo", "amount", "balance_after"]
    assert [row[2:6] for row in lines[1:]] == [
        ["Ada", "bread", "-7.00", "-19.50"],
        ["Ada", "bike repair", "-12.50", "-12.50"],
    ]

    history.get_by_role("link", name="Ada").first.click()
    assert page.get_by_role("heading", name="Ada", level=1).is_visible()
    assert page.get_by_role("button", name="Pay Ada").is_visible()
    _check(page, "member-profile")

    payee = new_page()
    sign_in(payee, ada.email)
    inbox = payee.get_by_role("link", name="Inbox 2 unread")
    assert inbox.is_visible()
    inbox.click()
    assert payee.get_by_role("link", name="Grace paid you 12.50 RVC (bike repair).").is_visible()
    _check(payee, "inbox")
    payee.get_by_role("button", name="Mark read: Grace paid you 12.50 RVC").click()
    payee.get_by_role("link", name="Inbox 1 unread").wait_for()  # htmx swapped the count
    assert payee.get_by_role("button", name=re.compile("Mark read")).count() == 1
    payee.get_by_role("button", name="Mark all read").click()
    payee.get_by_role("link", name="Inbox", exact=True).wait_for()
    payee.get_by_role("link", name="Grace paid you 7.00 RVC (bread).").click()
    assert payee.get_by_role("heading", name="Your wallet").is_visible()
    assert "19.50 RVC" in payee.get_by_role("table").last.inner_text()

    payee.goto("/profile")
    assert payee.get_by_text(ada.email).is_visible()
    assert payee.get_by_role("link", name=re.compile("Wallet in Riverside")).is_visible()
    _check(payee, "profile")
