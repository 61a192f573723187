"""Supply chains in a real browser: a member declares a recipe, asks for a chain and sees live
whether it can be made, reads the plan's links and why each producer, a producer accepts their
link from the Chains page, and the chain opens. Each page accessible (axe-core) and usable at
360 px."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.helpers import assert_accessible, assert_fits_phone, screenshot, sign_up


def _checked(page: Any, name: str) -> None:
    screenshot(page, name)
    assert_accessible(page)
    assert_fits_phone(page)


def test_a_member_asks_for_a_chain_and_a_producer_accepts_their_link(
    page: Any, new_page: Any, api: Any
) -> None:
    ada = api("Ada")
    slug = ada.start_collective("Riverside")
    bo = api("Bo")
    bo.join(slug)
    timber = ada.post(
        f"/collectives/{slug}/goods", {"name": "Timber", "unit": "log", "category": "crafts"}
    )
    ada.post(
        f"/collectives/{slug}/goods", {"name": "Planks", "unit": "plank", "category": "crafts"}
    )
    ada.post(
        f"/collectives/{slug}/recipes",
        {"name": "Fell timber", "outputs": {timber["id"]: 1}, "capacity": 10, "price": 500},
    )

    # Grace joins and says she saws planks
    sign_up(page, "Grace")
    page.goto(f"/c/{slug}")
    page.get_by_role("button", name="Join Riverside").click()
    page.get_by_role("link", name="Chains").click()
    assert page.get_by_role("heading", name="Supply chains", level=1).is_visible()
    page.get_by_role("link", name=re.compile("Goods and recipes")).click()
    page.get_by_label("Name", exact=True).fill("Saw planks")
    page.get_by_label("Good made").select_option(label="Planks (plank)")
    page.get_by_label("Units made per run").fill("4")
    page.get_by_label("Input 1", exact=True).select_option(label="Timber (log)")
    page.get_by_label("Units of input 1").fill("1")
    page.get_by_label("Most runs per period").fill("5")
    page.get_by_label(re.compile("Your price per unit made")).fill("2.50")
    page.get_by_role("button", name="Declare the recipe").click()
    assert page.get_by_text("Declared your recipe").is_visible()
    assert page.get_by_role("link", name="Edit Saw planks").is_visible()
    _checked(page, "chains-recipes")

    # Bo asks for planks: the form says at once whether they can be made
    bo_page = new_page()
    bo_page.goto("/signin")
    bo_page.get_by_label("Email").fill(bo.email)
    bo_page.get_by_label("Password").fill("correct horse")
    bo_page.get_by_role("button", name="Sign in").click()
    bo_page.goto(f"/c/{slug}/chains")
    bo_page.get_by_label("What you want").select_option(label="Planks (plank)")
    bo_page.get_by_label("How many").fill("8")
    # 2 logs at 5.00 and 8 planks at 2.50
    bo_page.get_by_text(re.compile("Can be made: the cheapest chain costs 30.00 RVC")).wait_for()
    _checked(bo_page, "chains-ask")
    bo_page.get_by_role("button", name="Plan the chain").click()
    assert bo_page.get_by_role(
        "heading", name=re.compile("8 planks of Planks"), level=1
    ).is_visible()
    assert bo_page.get_by_role(
        "heading", name=re.compile("Step 2: Grace makes 8 planks")
    ).is_visible()
    assert bo_page.get_by_role("heading", name="What each input is worth").is_visible()
    _checked(bo_page, "chains-plan")

    # Grace accepts her link from the Chains page; Ada accepts hers: the chain opens
    page.goto(f"/c/{slug}/chains")
    waiting = page.get_by_role("article").filter(has_text="8 planks of Planks")
    assert "20.00 RVC" in waiting.inner_text()
    _checked(page, "chains-my-links")
    waiting.get_by_role("button", name="Accept my link").click()
    assert page.get_by_text("the chain opens once every producer has said yes").is_visible()
    plan = page.url.rsplit("/", 1)[-1]
    view = ada.get(f"/collectives/{slug}/chain-plans/{plan}")
    link = next(k for k in view["links"] if k["producer_name"] == "Ada")
    ada.post(f"/collectives/{slug}/chain-plans/{plan}/links/{link['id']}/accept")
    page.reload()
    assert page.get_by_text("Every link said yes").is_visible()
    bo_page.goto(f"/c/{slug}/chains")
    assert bo_page.get_by_role("cell", name="open").is_visible()
