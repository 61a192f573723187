"""Fixes from the newcomer's review of the whole web app (issue 12), in a real browser."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.browser.helpers import sign_in

BERLIN = ZoneInfo("Europe/Berlin")  # the ``page`` fixture's time zone


def test_times_are_shown_in_the_members_own_time_zone(page: Any, api: Any) -> None:
    ada, bo = api("Ada"), api("Bo")
    slug = ada.start_collective("Riverside")
    bo.join(slug)
    ada.post(f"/collectives/{slug}/transfers", {"to": bo.id, "amount": 1_250}, key=True)
    sign_in(page, ada.email)  # the first page tells the server the browser's zone
    page.goto(f"/c/{slug}/wallet")
    moment = page.locator("table.statement time").first
    shown = moment.inner_text()
    posted = datetime.fromisoformat(moment.get_attribute("datetime"))
    # the payment's time in Berlin, not in UTC (which the server fell back to before)
    assert shown == posted.astimezone(BERLIN).strftime("%-d %b %Y, %H:%M")
    assert shown != posted.astimezone(ZoneInfo("UTC")).strftime("%-d %b %Y, %H:%M")
