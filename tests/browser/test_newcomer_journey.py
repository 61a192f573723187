"""A newcomer's whole journey, using only what is on screen (role and label locators): sign up,
find a collective in the directory, join, pay a member, post a task that a second member takes,
approve it so the worker is paid, bid in an open allocation round and read the facilitator's
explanation, vote on a proposal. A screenshot of every page it visits."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from tests.browser.helpers import (
    ApiPerson,
    assert_accessible,
    screenshot,
    sign_in,
    sign_up,
)

#: long enough for the newcomer to sign up, join, pay and bid; short enough not to wait long
BIDDING = timedelta(seconds=45)


def _server_now(person: ApiPerson) -> datetime:
    """The server's clock (its ``Date`` header), the one that closes bidding."""
    return parsedate_to_datetime(person.request.get("/api/v1/health").headers["date"])


def _status(page: Any, text: str) -> None:
    page.get_by_role("status").filter(has_text=text).wait_for()


def _collective(ada: ApiPerson, bo: ApiPerson) -> tuple[str, str, datetime]:
    """Ada's collective with a lathe in the commons, a round open for bids, and Bo as a member:
    its name, slug, and when bidding closes."""
    name = f"Millbrook {ada.email[:6]}"
    slug = ada.start_collective(name, text="A workshop we share, and a market between us.")
    bo.join(slug)
    lathe = ada.post(
        f"/collectives/{slug}/assets",
        {
            "name": "Wood lathe",
            "category": "tools",
            "capacity": 10,
            "unit": "hours",
            "location": "Workshop",
            "output_categories": ["crafts"],
        },
    )
    close = _server_now(ada) + BIDDING
    round_ = ada.post(
        f"/collectives/{slug}/allocation-rounds",
        {
            "bids_close_at": close.isoformat(),
            "period_start": (close + timedelta(seconds=1)).isoformat(),
            "period_end": (close + timedelta(days=7)).isoformat(),
            "token_budget": 100,
        },
    )
    ada.post(
        f"/collectives/{slug}/allocation-rounds/{round_['id']}/bids",
        {"asset_id": lathe["id"], "max_units": 8, "output_category": "crafts"},
    )
    return name, slug, close


def test_a_newcomer_joins_pays_trades_bids_and_votes(page: Any, new_page: Any, api: Any) -> None:
    ada, bo = api("Ada"), api("Bo")
    name, slug, close = _collective(ada, bo)

    # sign up and find the collective in the directory
    page.goto("/")
    screenshot(page, "journey-01-landing")
    page.get_by_role("button", name="Sign up").first.click()
    sign_up(page, "Grace")
    assert page.get_by_role("heading", name="Directory of collectives").is_visible()
    page.get_by_role("link", name=name).click()
    screenshot(page, "journey-02-collective")
    page.get_by_role("button", name=f"Join {name}").click()
    _status(page, "member now")
    ada.post(  # a proposal opened after the newcomer joined: theirs to vote on
        f"/collectives/{slug}/proposals",
        {"kind": "set_levy", "title": "A levy of 2% for the clinic", "params": {"rate": "0.02"}},
    )

    # pay Ada, chosen by name, through the confirmation step
    page.get_by_role("link", name="Wallet").first.click()
    page.get_by_label("Pay to").select_option(label="Ada")
    page.get_by_label("Amount (RVC)").fill("12.50")
    page.get_by_label("What for").fill("a lesson on the lathe")
    page.get_by_role("button", name="Review payment").click()
    screenshot(page, "journey-03-pay-confirm")
    page.get_by_role("button", name="Confirm").click()
    _status(page, "Paid 12.50 RVC to Ada")
    screenshot(page, "journey-04-wallet")

    # bid in the open round (its explanation is read once bidding has closed)
    page.get_by_role("link", name="Commons").click()
    page.get_by_role("button", name="Bid in this round").click()
    page.get_by_label("Asset").select_option(label="Wood lathe (hours)")
    page.get_by_label("What you will make").fill("crafts")
    page.get_by_label("Units wanted").fill("6")
    page.get_by_role("button", name="Place bid").click()
    _status(page, "Your bid is in")
    screenshot(page, "journey-05-bid")
    round_url = page.url

    # post a task
    page.get_by_role("link", name="Market").click()
    page.get_by_role("button", name="Post a listing").click()
    page.get_by_label("A task").check()
    page.get_by_label("Title").fill("Sand the workshop benches")
    page.get_by_label("Description").fill("Four benches, sandpaper in the cupboard.")
    page.get_by_label("Price, budget or reward").fill("20")
    page.get_by_role("button", name="Post it").click()
    _status(page, "Your task is on the market.")
    task_url = page.url
    screenshot(page, "journey-06-task")

    # a second member takes it and submits the work
    worker = new_page()
    sign_in(worker, bo.email)
    worker.goto(f"/c/{slug}/market")
    worker.get_by_role("link", name="Sand the workshop benches").click()
    worker.get_by_label("Why you").fill("I have a sander.")
    worker.get_by_role("button", name="Apply for this task").click()
    _status(worker, "You applied")
    page.goto(task_url)
    page.get_by_role("button", name="Assign to Bo").click()
    _status(page, "Assigned")
    worker.goto(f"/c/{slug}/market/mine")
    worker.get_by_role("link", name="Sand the workshop benches").click()
    worker.get_by_role("button", name="Submit the work").click()
    _status(worker, "Work submitted")

    # the newcomer approves: the reward is paid from escrow to the worker
    page.reload()
    page.get_by_role("button", name="Approve and pay").click()
    _status(page, "reward is released to the worker")
    screenshot(page, "journey-07-task-approved")
    worker.goto(f"/c/{slug}/wallet")
    assert worker.get_by_text("Sand the workshop benches").first.is_visible()
    assert "20.00 RVC" in worker.get_by_role("table").last.inner_text()

    # vote on the proposal
    page.get_by_role("link", name="Governance").click()
    page.get_by_role("link", name="A levy of 2% for the clinic").click()
    page.get_by_role("button", name="Vote yes").click()
    _status(page, "You voted yes")
    screenshot(page, "journey-08-voted")
    assert_accessible(page)

    while _server_now(ada) <= close:  # bidding closes by the clock
        time.sleep(1)
    page.goto(round_url)
    page.get_by_role("button", name="Share out now").click()
    _status(page, "shared out the round")
    page.get_by_role("button", name="Publish the shares").click()
    _status(page, "binding")
    mine = page.get_by_role("article").filter(
        has=page.get_by_role("heading", name=re.compile("hours of Wood lathe"))
    )
    assert page.get_by_role("heading", name="My allocation").is_visible()
    assert "tokens per unit" in mine.inner_text()
    screenshot(page, "journey-09-allocation")
    assert_accessible(page)
