"""The commons and the what-if page in a real browser: a member bids in an open round and sees
what is left of their token budget as they type, the round is shared out, they read their
allocation and its reasons and decline it; a member asks what a levy would do and reads the
plots and figures. Each page accessible (axe-core) and usable at 360 px."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from tests.browser.helpers import (
    assert_accessible,
    assert_fits_phone,
    screenshot,
    sign_up,
)

#: How long bidding stays open in the journey: long enough to sign up and bid, short enough
#: not to wait long for it to close.
BIDDING = timedelta(seconds=12)


def _checked(page: Any, name: str) -> None:
    screenshot(page, name)
    assert_accessible(page)
    assert_fits_phone(page)


def _commons(api: Any) -> tuple[Any, str, str]:
    """Ada's collective with a wood lathe (10 hours a period); her, its slug, the lathe's id."""
    ada = api("Ada")
    slug = ada.start_collective("Riverside", text="We share a workshop.")
    lathe = ada.post(
        f"/collectives/{slug}/assets",
        {
            "name": "Wood lathe",
            "category": "tools",
            "capacity": 10,
            "unit": "hours",
            "location": "Workshop, bay 1",
            "output_categories": ["crafts", "repairs"],
        },
    )
    return ada, slug, lathe["id"]


def _open_round(ada: Any, slug: str, close: datetime) -> str:
    body = {
        "bids_close_at": close.isoformat(),
        "period_start": (close + timedelta(seconds=1)).isoformat(),
        "period_end": (close + timedelta(days=7)).isoformat(),
        "token_budget": 100,
    }
    return str(ada.post(f"/collectives/{slug}/allocation-rounds", body)["id"])


def _server_now(person: Any) -> datetime:
    """The server's clock (its ``Date`` header): the clock that decides when bidding closes."""
    reply = person.request.get("/api/v1/health")
    return parsedate_to_datetime(reply.headers["date"])


def _status(page: Any, text: str) -> Any:
    return page.get_by_role("status").filter(has_text=text)


def test_a_member_bids_reads_their_allocation_and_declines_it(page: Any, api: Any) -> None:
    ada, slug, lathe = _commons(api)
    sign_up(page, "Grace")
    page.goto(f"/c/{slug}")
    page.get_by_role("button", name="Join Riverside").click()
    close = _server_now(ada) + BIDDING
    round_id = _open_round(ada, slug, close)
    ada.post(
        f"/collectives/{slug}/allocation-rounds/{round_id}/bids",
        {"asset_id": lathe, "max_units": 8, "output_category": "crafts"},
    )

    page.get_by_role("link", name="Commons").click()
    assert page.get_by_role("heading", name="Commons", level=1).is_visible()
    assert page.get_by_role("rowheader", name=re.compile("Wood lathe")).is_visible()
    _checked(page, "commons")

    page.get_by_role("button", name="Bid in this round").click()
    budget = page.get_by_role("status").filter(has_text="tokens left")
    assert "100 of 100 tokens left" in budget.inner_text()
    page.get_by_label("Asset").select_option(label="Wood lathe (hours)")
    page.get_by_label("What you will make").fill("crafts")
    page.get_by_label("Units wanted").fill("2")  # 2 + Ada's 8 fit in 10: free
    budget.filter(has_text="Wood lathe").wait_for()
    assert "100 of 100 tokens left" in budget.inner_text()
    page.get_by_label("Units wanted").fill("9")  # 9 + 8 > 10: the lathe gets a price
    page.get_by_role("status").filter(has_text=re.compile(r"\b\d\b of 100 tokens left")).wait_for()
    page.get_by_label("Units wanted").fill("6")
    page.get_by_role("button", name="Place bid").click()
    assert _status(page, "Your bid is in").is_visible()
    assert page.get_by_role("button", name="Withdraw bid for Wood lathe").is_visible()
    _checked(page, "commons-round-bidding")

    while _server_now(ada) <= close:  # bidding closes by the clock; nothing to click sooner
        time.sleep(0.5)
    page.reload()
    page.get_by_role("button", name="Share out now").click()
    assert _status(page, "shared out the round").is_visible()
    page.get_by_role("button", name="Publish the shares").click()
    assert _status(page, "binding").is_visible()

    mine = page.get_by_role("article").filter(
        has=page.get_by_role("heading", name=re.compile("hours of Wood lathe"))
    )
    assert page.get_by_role("heading", name="My allocation").is_visible()
    assert "tokens per unit" in mine.inner_text()
    assert "A different bid:" in mine.inner_text()
    assert page.get_by_role("heading", name="How the facilitator did").is_visible()
    _checked(page, "commons-allocation")

    mine.get_by_role("button", name=re.compile("Decline")).click()
    assert _status(page, "You declined").is_visible()
    assert page.get_by_role("button", name="Share out declined units").is_visible()


def test_commons_pages_signed_out_are_accessible_and_fit_a_phone(page: Any, api: Any) -> None:
    ada, slug, _ = _commons(api)
    round_id = _open_round(ada, slug, _server_now(ada) + timedelta(days=1))
    for path, name in [
        (f"/c/{slug}/commons", "commons-signed-out"),
        (f"/c/{slug}/commons/rounds/{round_id}", "commons-round-signed-out"),
        (f"/c/{slug}/what-if", "what-if-signed-out"),
    ]:
        page.goto(path)
        _checked(page, name)


def test_a_member_asks_what_a_levy_would_do(page: Any, api: Any) -> None:
    ada = api("Ada")
    slug = ada.start_collective("Riverside")
    bo = api("Bo")
    bo.join(slug)
    for amount in (1_500, 2_500, 900):
        ada.post(f"/collectives/{slug}/transfers", {"to": bo.id, "amount": amount}, key=True)
    sign_up(page, "Grace")
    page.goto(f"/c/{slug}")
    page.get_by_role("button", name="Join Riverside").click()
    page.get_by_role("link", name="What if").click()
    _checked(page, "what-if")

    page.get_by_label("Levy on each payment (%)").fill("20")
    page.get_by_label("Runs (more: narrower intervals, slower)").select_option(label="4 runs")
    page.get_by_label("How far ahead").select_option(label="13 weeks")
    page.get_by_role("button", name="Run the estimate").click()
    assert page.get_by_role("heading", name="What if a levy of 20%?").is_visible()
    page.get_by_role("heading", name="Change over time").wait_for(timeout=90_000)
    chart = page.get_by_role("img", name=re.compile("Commons fund"))
    chart.locator("canvas").first.wait_for()  # uPlot drew it
    figures = page.get_by_role("table", name="Figures")
    assert "Commons fund" in figures.inner_text()
    assert " to " in figures.inner_text()  # each figure with its interval
    _checked(page, "what-if-estimate")
