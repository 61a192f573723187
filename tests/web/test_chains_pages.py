"""The supply-chain pages without a browser: goods and recipes ("what I can make"), asking for a
chain with its live feasibility, a plan's page (links, prices, why, bottleneck, what each input
is worth), accepting and declining one's links (also from the inbox), and every refusal."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.chains_helpers import recipe
from tests.api.helpers import COLLECTIVE, Member
from tests.web.helpers import Visitor, alert, text_of

SLUG = COLLECTIVE["slug"]
C = f"/c/{SLUG}/chains"


class Workshop:
    """Riverside: Ada (API) fells timber, Bo (API) saws planks; ``me`` (pages) is a member."""

    def __init__(self, app: FastAPI, me: Visitor) -> None:
        self.ada = Member(TestClient(app), "Ada")
        assert self.ada.post("/collectives", json=COLLECTIVE).status_code == 201
        self.bo = Member(TestClient(app), "Bo")
        assert self.bo.post(f"/collectives/{SLUG}/memberships").status_code == 201
        self.me = me
        assert self.me.submit(f"/c/{SLUG}/join").status_code == 303
        self.timber = self._good("Timber", "log")
        self.planks = self._good("Planks", "plank")
        recipe(self.ada, "Fell timber", inputs={}, outputs={self.timber: 1}, capacity=10, price=5)
        recipe(
            self.bo,
            "Saw planks",
            inputs={self.timber: 1},
            outputs={self.planks: 4},
            capacity=5,
            price=3,
        )

    def _good(self, name: str, unit: str) -> str:
        body = {"name": name, "unit": unit, "category": "crafts"}
        reply = self.ada.post(f"/collectives/{SLUG}/goods", json=body)
        assert reply.status_code == 201, reply.text
        return str(reply.json()["id"])

    def ask(self, quantity: int = 8, **extra: str) -> Any:
        data = {"good": self.planks, "quantity": str(quantity), "by": "2031-01-31", **extra}
        return self.me.submit(C, data)


@pytest.fixture
def shop(app: FastAPI, visitor: Callable[..., Visitor]) -> Workshop:
    return Workshop(app, visitor("Cy"))


def test_signed_out_visitors_are_sent_to_sign_in(app: FastAPI) -> None:
    page = Visitor(app).get(C)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/signin")


def test_the_chains_page_offers_the_ask_form_and_says_what_is_waiting(shop: Workshop) -> None:
    page = shop.me.get(C)
    assert page.status_code == 200
    text = text_of(page)
    assert "Ask for a chain" in text
    assert "Planks (plank)" in text
    assert "No link is waiting for you." in text
    assert "No chain is in progress." in text
    assert 'aria-current="page">Chains' in page.text


def test_the_ask_form_answers_live_whether_it_can_be_made(shop: Workshop) -> None:
    ok = text_of(shop.me.get(f"{C}/feasibility", params={"good": shop.planks, "quantity": "8"}))
    assert "Can be made" in ok
    assert "0.34 RVC" in ok
    short = shop.me.get(f"{C}/feasibility", params={"good": shop.planks, "quantity": "100"})
    assert "short of 80 plank of Planks" in text_of(short)
    over = shop.me.get(
        f"{C}/feasibility", params={"good": shop.planks, "quantity": "8", "budget": "0.05"}
    )
    assert "Over budget" in text_of(over)
    bad = shop.me.get(f"{C}/feasibility", params={"good": shop.planks, "quantity": "x"})
    assert "enter a whole number" in text_of(bad)


def test_asking_plans_the_chain_and_shows_why_each_producer(shop: Workshop) -> None:
    asked = shop.ask()
    assert asked.status_code == 303, asked.text
    plan = shop.me.get(asked.headers["location"])
    text = text_of(plan)
    assert "8 planks of Planks" in text
    assert "Step 1: Ada makes 2 logs of Timber" in text
    assert "Step 2: Bo makes 8 planks of Planks" in text
    assert "nobody else declares this" in text
    assert "What each input is worth" in text
    assert "ValueFlows" in text
    listed = text_of(shop.me.get(C))
    assert "Chains in progress" in listed
    assert "8 planks of Planks" in listed


def test_asking_for_too_much_is_refused_with_what_is_short(shop: Workshop) -> None:
    refused = shop.ask(100)
    assert refused.status_code == 422
    assert "short of 80 plank of Planks" in alert(refused)
    assert 'value="100"' in refused.text  # what was typed is kept


def test_asking_over_budget_is_refused_next_to_the_budget(shop: Workshop) -> None:
    refused = shop.ask(8, budget="0.05")
    assert refused.status_code == 422
    assert "over the budget" in alert(refused)
    assert 'id="e-budget"' in refused.text


def test_a_bad_date_is_refused_next_to_it(shop: Workshop) -> None:
    refused = shop.ask(8, by="soon")
    assert refused.status_code == 422
    assert 'id="e-by"' in refused.text


def test_a_producer_accepts_from_the_chains_page_and_the_inbox(
    app: FastAPI, visitor: Callable[..., Visitor]
) -> None:
    me = visitor("Di")
    shop = Workshop(app, me)
    # Di saws too, cheaper than Bo: Bo asks for planks and Di is asked
    recipe_page = me.submit(
        f"{C}/recipes",
        {
            "name": "Saw quickly",
            "output_good": shop.planks,
            "output_qty": "4",
            "input_good_1": shop.timber,
            "input_qty_1": "1",
            "capacity": "5",
            "price": "0.02",
            "labour_hours": "1.5",
        },
    )
    assert recipe_page.status_code == 303, recipe_page.text
    by = "2031-01-31T00:00:00+00:00"
    reply = shop.bo.post(
        f"/collectives/{SLUG}/chain-plans", json={"good": shop.planks, "quantity": 4, "by": by}
    )
    assert reply.status_code == 201, reply.text
    plan_id = reply.json()["id"]
    waiting = text_of(me.get(C))
    assert "Waiting for your answer" in waiting
    assert "Saw quickly" in waiting
    inbox = me.get("/inbox")
    assert f"/c/{SLUG}/chains/{plan_id}" in inbox.text
    link = next(k for k in reply.json()["links"] if k["producer_name"] == "Di")
    done = me.submit(f"{C}/{plan_id}/links/{link['id']}/accept")
    assert done.status_code == 303
    page = me.get(done.headers["location"])
    assert "Accepted" in text_of(page)
    # a second click changes nothing; changing one's mind after declining is refused
    again = me.submit(f"{C}/{plan_id}/links/{link['id']}/accept")
    assert again.status_code == 303
    declined = me.submit(f"{C}/{plan_id}/links/{link['id']}/decline")
    assert declined.status_code == 303
    late = me.submit(f"{C}/{plan_id}/links/{link['id']}/accept")
    assert late.status_code == 409
    assert "no longer waiting for answers" in alert(late)  # nobody else saws: it failed


def test_only_the_producer_decides_a_link(shop: Workshop) -> None:
    plan_url = shop.ask().headers["location"]
    plan_id = plan_url.rsplit("/", 1)[-1]
    plan = shop.ada.get(f"/collectives/{SLUG}/chain-plans/{plan_id}").json()
    bo_link = next(k for k in plan["links"] if k["producer_name"] == "Bo")
    refused = shop.me.submit(f"{C}/{plan_id}/links/{bo_link['id']}/accept")
    assert refused.status_code == 403
    assert "only this link's producer" in html.unescape(alert(refused))


def test_a_declined_link_replans_the_chain(shop: Workshop) -> None:
    plan_id = shop.ask().headers["location"].rsplit("/", 1)[-1]
    plan = shop.ada.get(f"/collectives/{SLUG}/chain-plans/{plan_id}").json()
    ada_link = next(k for k in plan["links"] if k["producer_name"] == "Ada")
    reply = shop.ada.post(
        f"/collectives/{SLUG}/chain-plans/{plan_id}/links/{ada_link['id']}/decline"
    )
    assert reply.status_code == 200
    assert reply.json()["status"] == "failed"
    page = text_of(shop.me.get(f"{C}/{plan_id}"))
    assert "re-planned without the producers who declined" in page
    assert "Earlier links" in page


def test_a_missing_plan_is_the_friendly_not_found(shop: Workshop) -> None:
    page = shop.me.get(f"{C}/{'0' * 32}")
    assert page.status_code == 404
    assert "no chain plan" in text_of(page)


def test_goods_and_recipes_are_declared_listed_and_edited(shop: Workshop) -> None:
    page = text_of(shop.me.get(f"{C}/recipes"))
    assert "What I can make" in page
    assert "You have declared no recipe yet." in page
    assert "Saw planks" in page
    assert "Bo" in page
    added = shop.me.submit(f"{C}/goods", {"name": "Stool", "unit": "stool", "category": "crafts"})
    assert added.status_code == 303
    stool = next(
        g["id"] for g in shop.ada.get(f"/collectives/{SLUG}/goods").json() if g["name"] == "Stool"
    )
    made = shop.me.submit(
        f"{C}/recipes",
        {
            "name": "Make a stool",
            "output_good": stool,
            "output_qty": "1",
            "input_good_1": shop.planks,
            "input_qty_1": "3",
            "capacity": "4",
            "price": "0.30",
        },
    )
    assert made.status_code == 303, made.text
    page = text_of(shop.me.get(f"{C}/recipes"))
    assert "Make a stool" in page
    assert "3 planks of Planks" in page
    recipe_id = next(
        r["id"]
        for r in shop.ada.get(f"/collectives/{SLUG}/recipes").json()
        if r["name"] == "Make a stool"
    )
    edit = shop.me.get(f"{C}/recipes/{recipe_id}")
    assert edit.status_code == 200
    assert 'value="0.30"' in edit.text
    saved = shop.me.submit(
        f"{C}/recipes/{recipe_id}",
        {
            "name": "Make a stool",
            "capacity": "6",
            "labour_hours": "2",
            "price": "0.35",
            "active": "on",
        },
    )
    assert saved.status_code == 303
    again = shop.ada.get(f"/collectives/{SLUG}/recipes/{recipe_id}").json()
    assert again["price"] == 35
    assert again["capacity"] == 6


def test_refusals_on_the_goods_and_recipes_forms(shop: Workshop) -> None:
    dup = shop.me.submit(f"{C}/goods", {"name": "timber", "unit": "log", "category": "crafts"})
    assert dup.status_code == 409
    assert "already a good named" in alert(dup)
    assert 'id="e-name"' in dup.text
    no_output = shop.me.submit(
        f"{C}/recipes", {"name": "Nothing", "output_good": "", "capacity": "1", "price": "1"}
    )
    assert no_output.status_code == 422
    assert "choose the good it makes" in alert(no_output)
    bad_price = shop.me.submit(
        f"{C}/recipes",
        {
            "name": "Cheap",
            "output_good": shop.planks,
            "output_qty": "1",
            "capacity": "1",
            "price": "x",
        },
    )
    assert bad_price.status_code == 422
    assert 'id="e-price"' in bad_price.text
    assert 'value="Cheap"' in bad_price.text
    bo_recipe = shop.ada.get(f"/collectives/{SLUG}/recipes").json()
    saw = next(r["id"] for r in bo_recipe if r["name"] == "Saw planks")
    not_mine = shop.me.submit(
        f"{C}/recipes/{saw}", {"name": "Mine now", "capacity": "1", "price": "1"}
    )
    assert not_mine.status_code == 403
    assert "only the member who declared" in alert(not_mine)


def test_a_plan_that_needs_commons_hours_says_they_are_claimed_not_bought(
    app: FastAPI, visitor: Callable[..., Visitor]
) -> None:
    shop = Workshop(app, visitor("Ed"))
    lathe = shop.ada.post(
        f"/collectives/{SLUG}/assets",
        json={"name": "Wood lathe", "category": "tools", "capacity": 10, "unit": "hours"},
    ).json()["id"]
    body = {"name": "Stool", "unit": "stool", "category": "crafts"}
    stool = shop.ada.post(f"/collectives/{SLUG}/goods", json=body).json()["id"]
    recipe(
        shop.bo,
        "Turn a stool",
        inputs={shop.planks: 3},
        outputs={stool: 1},
        commons={lathe: 2},
        capacity=3,
        price=90,
    )
    asked = shop.me.submit(C, {"good": stool, "quantity": "1", "by": "2031-01-31"})
    assert asked.status_code == 303, asked.text
    page = text_of(shop.me.get(asked.headers["location"]))
    assert "Commons hours" in page
    assert "2 h of Wood lathe, to be claimed in the allocation" in page


def test_the_requester_cancels_from_the_plan_page(shop: Workshop) -> None:
    plan_url = shop.ask().headers["location"]
    assert "Cancel this chain" in text_of(shop.me.get(plan_url))
    done = shop.me.submit(f"{plan_url}/cancel")
    assert done.status_code == 303
    page = text_of(shop.me.get(plan_url))
    assert "Cancelled: nothing was ordered." in page
    assert "Cancel this chain" not in page
    again = shop.me.submit(f"{plan_url}/cancel")
    assert again.status_code == 409
    assert "only a chain still waiting" in alert(again)
