"""The market in a real browser, using only what is on screen: a task from posting to payment,
an order from ordering to review, a dispute decided by a juror's vote; every page accessible
(axe-core) and usable at 360 px, signed in and out."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.helpers import (
    AXE,
    ApiPerson,
    assert_accessible,
    assert_fits_phone,
    screenshot,
    sign_in,
)


def _check(page: Any, name: str) -> None:
    """A screenshot of the page, then axe-core and the 360-pixel check on it."""
    screenshot(page, f"market-{name}")
    assert_accessible(page)
    assert_fits_phone(page)


def _violations_in_main(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations inside the page's ``main``."""
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run('#main', {resultTypes: ['violations']})).violations
            .filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return found


def _notice(page: Any, words: str) -> None:
    assert words in page.get_by_role("status").inner_text()


def _browser(new_page: Any, person: ApiPerson, width: int = 1280) -> Any:
    other = new_page(width)
    sign_in(other, person.email)
    return other


def _offer(seller: ApiPerson, slug: str, **extra: Any) -> dict[str, Any]:
    body = {
        "kind": "offer",
        "title": "Sourdough loaf",
        "description": "Rye starter, baked on Saturday morning.",
        "category": "food",
        "price": 450,
        "quantity": 6,
        "tags": ["bread"],
        "location": "Mill street",
        **extra,
    }
    found: dict[str, Any] = seller.post(f"/collectives/{slug}/listings", body)
    return found


def test_a_task_posted_applied_for_assigned_submitted_approved_and_paid(
    page: Any, new_page: Any, api: Any
) -> None:
    ada, bo = api("Ada"), api("Bo")
    slug = ada.start_collective("Riverside")
    bo.join(slug)
    sign_in(page, ada.email)
    page.goto(f"/c/{slug}/market")
    page.get_by_role("button", name="Post a listing").click()
    _check(page, "post")
    page.get_by_label("A task").check()
    page.get_by_label("Title").fill("Water the garden")
    page.get_by_label("Description").fill("Twice a day while I am away, watering can in the shed.")
    page.get_by_label("Category").select_option(label="Home and garden")
    page.get_by_label("Price, budget or reward").fill("15")
    page.get_by_label("Tags").fill("garden, plants")
    page.get_by_role("button", name="Post it").click()
    _notice(page, "Your task is on the market.")
    assert page.get_by_role("heading", name="Water the garden", level=1).is_visible()
    task_url = page.url

    worker = _browser(new_page, bo)
    worker.goto(f"/c/{slug}/market")
    worker.get_by_label("Search", exact=True).fill("water")
    worker.get_by_role("link", name="Water the garden").click()
    _check(worker, "task")
    worker.get_by_label("Why you").fill("I live next door and love plants.")
    worker.get_by_role("button", name="Apply for this task").click()
    _notice(worker, "You applied")

    page.goto(task_url)
    assert page.get_by_text("I live next door and love plants.").is_visible()
    _check(page, "task-applications")
    page.get_by_role("button", name="Assign to Bo").click()
    _notice(page, "Assigned")

    worker.goto(f"/c/{slug}/market/mine")
    worker.get_by_role("link", name="Water the garden").click()
    worker.get_by_role("button", name="Submit the work").click()
    _notice(worker, "Work submitted")

    page.reload()
    _check(page, "deal-task")
    page.get_by_role("button", name="Approve and pay").click()
    _notice(page, "reward is released to the worker")

    worker.goto(f"/c/{slug}/market/mine")
    balance = worker.locator(".stat").filter(has_text="your balance")
    assert "15.00 RVC" in balance.inner_text()
    assert worker.get_by_text("approved and paid").first.is_visible()
    _check(worker, "mine")


def test_an_order_ordered_delivered_confirmed_and_reviewed(
    page: Any, new_page: Any, api: Any
) -> None:
    ada, bo = api("Ada"), api("Bo")
    slug = ada.start_collective("Millbrook")
    bo.join(slug)
    _offer(ada, slug)
    sign_in(page, bo.email)
    page.goto(f"/c/{slug}/market")
    _check(page, "browse")
    page.get_by_role("link", name="Sourdough loaf").click()
    _check(page, "listing")
    page.get_by_label("Quantity").fill("9")
    page.get_by_role("button", name="Order", exact=True).click()
    assert "only 6 left, 9 asked" in page.get_by_role("alert").first.inner_text()
    assert page.get_by_label("Quantity").input_value() == "9"
    _check(page, "order-refused")
    page.get_by_label("Quantity").fill("2")
    page.get_by_label("Note to the seller").fill("Saturday, please")
    page.get_by_role("button", name="Order", exact=True).click()
    _notice(page, "Ordered")
    assert page.get_by_text("waiting for the seller").is_visible()
    deal_url = page.url

    seller = _browser(new_page, ada)
    seller.goto(f"/c/{slug}/market/mine")
    seller.get_by_role("button", name="Accept the order").click()
    _notice(seller, "Order accepted")
    seller.get_by_role("button", name="Mark as delivered").click()
    _notice(seller, "Marked as delivered")

    page.goto(deal_url)
    _check(page, "deal-order")
    page.get_by_role("button", name="Confirm delivery").click()
    _notice(page, "payment is released")
    page.get_by_label("5 stars").check()
    page.get_by_label("Your review").fill("Lovely crust.")
    page.get_by_role("button", name="Send the review").click()
    _notice(page, "Thank you for your review")

    page.goto(f"/c/{slug}/market")
    card = page.locator(".listing-card").filter(has_text="Sourdough loaf")
    assert re.search(r"★\s*\d\.\d\s*\(1\)", card.inner_text())


def test_a_dispute_decided_by_a_jurors_vote(page: Any, new_page: Any, api: Any) -> None:
    ada, bo, cy = api("Ada"), api("Bo"), api("Cy")
    slug = ada.start_collective("Oakfield")
    bo.join(slug)
    cy.join(slug)  # the only member who is not a party: the jury
    fix = _offer(ada, slug, title="Bike repair", category="repairs", price=1200, quantity=None)
    order = bo.post(f"/collectives/{slug}/orders", {"listing_id": fix["id"]}, key=True)
    ada.post(f"/collectives/{slug}/orders/{order['id']}/accept")
    ada.post(f"/collectives/{slug}/orders/{order['id']}/deliver")

    sign_in(page, bo.email)
    page.goto(f"/c/{slug}/market/deals/{order['id']}")
    page.get_by_text("Something went wrong? Dispute it").click()
    page.get_by_role("button", name="Open a dispute").click()
    assert "say what went wrong" in page.get_by_role("alert").first.inner_text()
    page.get_by_label("What went wrong").fill("The brakes still squeak.")
    page.get_by_role("button", name="Open a dispute").click()
    _notice(page, "Disputed")
    _check(page, "dispute-party")

    juror = _browser(new_page, cy)
    juror.goto(f"/c/{slug}/market/mine")
    assert juror.get_by_role("heading", name="Jury duty").is_visible()
    juror.get_by_role("link", name=re.compile("Dispute between Bo and Ada")).click()
    assert juror.get_by_text("The brakes still squeak.").is_visible()
    _check(juror, "dispute-juror")
    juror.get_by_label("Refund: the buyer gets the money back").check()
    juror.get_by_role("button", name="Cast my vote").click()
    _notice(juror, "it decided the dispute")

    page.reload()
    assert page.get_by_text("Decided by the jury: refund").is_visible()
    assert page.get_by_text("Bo gets back 12.00 RVC").is_visible()


def test_the_market_asks_to_sign_in_and_fits_a_phone_in_the_dark(
    page: Any, new_page: Any, api: Any
) -> None:
    ada = api("Ada")
    slug = ada.start_collective("Brookside")
    loaf = _offer(ada, slug)
    page.goto(f"/c/{slug}/market")  # a public market is for anyone signed in
    assert page.get_by_role("heading", name="Sign in").is_visible()
    sign_in(page, ada.email)
    page.goto(f"/c/{slug}/market")
    _check(page, "browse")
    # the system's dark setting: the market's own colours stay readable (the page's content;
    # the header and collective bar belong to the layout)
    page.emulate_media(color_scheme="dark")
    for path, name in (
        (f"/c/{slug}/market", "browse"),
        (f"/c/{slug}/market/{loaf['id']}", "listing"),
    ):
        page.goto(path)
        screenshot(page, f"market-{name}-dark")
        assert _violations_in_main(page) == []
    phone = _browser(new_page, ada, width=360)
    phone.goto(f"/c/{slug}/market/{loaf['id']}")
    screenshot(phone, "market-listing-phone")
    phone.goto(f"/c/{slug}/market")
    screenshot(phone, "market-browse-phone")
    assert_fits_phone(phone)
