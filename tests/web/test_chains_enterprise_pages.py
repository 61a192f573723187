"""An enterprise's recipes and chain links on the pages, without a browser: the recipe form's
"Made by" (yourself, or an enterprise you sell for), and a worker-owner who did not declare
the recipe answering the co-op's link."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cybermutual.services.container import Services
from tests.api.helpers import COLLECTIVE, Member
from tests.web.helpers import Visitor, alert, text_of
from tests.web.test_enterprise_pages import admit, found, id_of

SLUG = COLLECTIVE["slug"]
C = f"/c/{SLUG}/chains"
API = f"/collectives/{SLUG}"


class Bakery:
    """Riverside: Founder (API) asks for bread; Ada founded Rye Co-op and Bo is admitted to it
    (pages); Cy (pages) is a member with no role in it."""

    def __init__(self, app: FastAPI, visitor: Callable[..., Visitor], services: Services):
        self.founder = Member(TestClient(app), "Founder")
        assert self.founder.post("/collectives", json=COLLECTIVE).status_code == 201
        self.ada, self.bo, self.cy = (visitor(n) for n in ("Ada", "Bo", "Cy"))
        for who in (self.ada, self.bo, self.cy):
            assert who.submit(f"/c/{SLUG}/join").status_code == 303
        self.coop = found(self.ada)
        admit(self.ada, self.bo, self.coop, services)
        body = {"name": "Bread", "unit": "loaf", "category": "food"}
        reply = self.founder.post(f"{API}/goods", json=body)
        assert reply.status_code == 201, reply.text
        self.bread = str(reply.json()["id"])

    def recipe_form(self, **extra: str) -> dict[str, str]:
        return {
            "name": "Bake rye bread",
            "output_good": self.bread,
            "output_qty": "1",
            "capacity": "10",
            "price": "0.04",
            **extra,
        }


@pytest.fixture
def bakery(app: FastAPI, visitor: Callable[..., Visitor], sqlite_services: Services) -> Bakery:
    return Bakery(app, visitor, sqlite_services)


def test_the_recipe_form_offers_yourself_or_an_enterprise_you_sell_for(bakery: Bakery) -> None:
    form = bakery.ada.get(f"{C}/recipes")
    assert '<label for="f-enterprise">Made by</label>' in form.text
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', form.text)
    assert ("", "Yourself") in options
    assert (bakery.coop, "Rye Co-op") in options
    # Cy sells for no enterprise: the form has no choice to make
    assert 'id="f-enterprise"' not in bakery.cy.get(f"{C}/recipes").text

    made = bakery.ada.submit(f"{C}/recipes", bakery.recipe_form(enterprise=bakery.coop))
    assert made.status_code == 303, alert(made)
    page = text_of(bakery.ada.get(f"{C}/recipes"))
    assert "Bake rye bread for Rye Co-op" in page
    assert "Rye Co-op (declared by Ada)" in page
    recipes = bakery.founder.get(f"{API}/recipes").json()
    assert [(r["enterprise"], r["enterprise_name"]) for r in recipes] == [
        (bakery.coop, "Rye Co-op")
    ]
    # Bo, a worker-owner too, finds it under what he can make and keeps it up to date
    (recipe_id,) = [r["id"] for r in recipes]
    mine = bakery.bo.get(f"{C}/recipes")
    assert "Bake rye bread for Rye Co-op" in text_of(mine)
    assert f'href="{C}/recipes/{recipe_id}"' in mine.text
    saved = bakery.bo.submit(
        f"{C}/recipes/{recipe_id}",
        {"name": "Bake rye bread", "capacity": "12", "price": "0.05", "active": "on"},
    )
    assert saved.status_code == 303, alert(saved)
    assert bakery.founder.get(f"{API}/recipes/{recipe_id}").json()["capacity"] == 12
    assert "You have declared no recipe yet." in text_of(bakery.cy.get(f"{C}/recipes"))
    # a member with no role there cannot declare for it, and is told so next to the form
    refused = bakery.cy.submit(f"{C}/recipes", bakery.recipe_form(enterprise=bakery.coop))
    assert refused.status_code == 403
    assert "of Rye Co-op may do this" in alert(refused)
    assert 'value="Bake rye bread"' in refused.text  # what was typed is kept


def test_a_worker_owner_answers_the_coops_link_on_the_pages(
    bakery: Bakery, sqlite_services: Services
) -> None:
    made = bakery.ada.submit(f"{C}/recipes", bakery.recipe_form(enterprise=bakery.coop))
    assert made.status_code == 303, alert(made)
    by = (sqlite_services.clock.now() + timedelta(days=10)).isoformat()
    reply = bakery.founder.post(
        f"{API}/chain-plans", json={"good": bakery.bread, "quantity": 3, "by": by}
    )
    assert reply.status_code == 201, reply.text
    plan = reply.json()
    (link,) = plan["links"]
    assert link["producer_name"] == "Rye Co-op"

    # Bo did not declare the recipe, but sells for the co-op: the link waits for him too
    waiting = html.unescape(text_of(bakery.bo.get(C)))
    assert "Waiting for your answer" in waiting
    assert "running Rye Co-op's recipe “Bake rye bread”" in waiting
    assert "Rye Co-op would be paid" in waiting
    assert "Accept for Rye Co-op" in waiting
    accept = f"{C}/{plan['id']}/links/{link['id']}/accept"
    plan_page = bakery.bo.get(f"{C}/{plan['id']}")
    assert "Step 1: Rye Co-op makes 3 loafs of Bread" in text_of(plan_page)
    assert f'action="{accept}"' in plan_page.text
    # Cy sees the plan but no button, and cannot answer for the co-op
    assert f'action="{accept}"' not in bakery.cy.get(f"{C}/{plan['id']}").text
    assert "No link is waiting for you." in text_of(bakery.cy.get(C))
    refused = bakery.cy.submit(accept)
    assert refused.status_code == 403
    assert "only this link's producer" in html.unescape(alert(refused))

    done = bakery.bo.submit(accept)
    assert done.status_code == 303, alert(done)
    after = bakery.founder.get(f"{API}/chain-plans/{plan['id']}").json()
    assert after["status"] == "open"
    (opened,) = after["links"]
    assert opened["status"] == "ordered"
    assert opened["acting_member"] == id_of(sqlite_services, bakery.bo)
    # the order is the co-op's sale, which Bo may open from the plan page
    assert f"/c/{SLUG}/market/deals/{opened['order']}" in bakery.bo.get(f"{C}/{plan['id']}").text
