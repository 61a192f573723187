"""An enterprise in a supply chain, through the API on both databases (issues 14 and 16): a
co-op's recipe is planned with the co-op as its producer, any worker-owner answers its link (an
outsider cannot), the link's order is the co-op's sale (its escrow pays the co-op's account, the
delivery counts for the member who delivered), and a decline re-plans without the co-op, not
only without the member who answered. The ledger verifies throughout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from tests.api.chains_helpers import ask, declare, recipe
from tests.api.helpers import M, Member, account_of, assert_ledger_verifies, join_riverside
from tests.helpers import FakeClock, assert_problem

E = f"{M}/enterprises"


@dataclass
class Woods:
    requester: Member
    ana: Member  # worker-owner of the co-op; declares its recipe
    ben: Member  # worker-owner of the co-op
    fay: Member  # fells timber on her own, dearer than the co-op
    joiner: Member
    cy: Member  # outsider
    coop: str
    timber: str
    table: str
    coop_recipe: str


def _woods(member: Any) -> Woods:
    requester, ana, ben, fay, joiner, cy = join_riverside(
        member, "Requester", "Ana", "Ben", "Fay", "Joiner", "Cy"
    )
    reply = ana.post(
        E, json={"kind": "cooperative", "name": "Forest Co-op", "cofounders": [ben.id]}
    )
    assert reply.status_code == 201, reply.text
    coop = str(reply.json()["id"])
    goods = {
        name: str(declare(ana, "/goods", {"name": name, "unit": unit, "category": "crafts"})["id"])
        for name, unit in (("Timber", "log"), ("Table", "table"))
    }
    timber, table = goods["Timber"], goods["Table"]
    coop_recipe = declare(
        ana,
        "/recipes",
        {
            "name": "Fell timber together",
            "outputs": {timber: 1},
            "capacity": 20,
            "price": 5,
            "enterprise": coop,
        },
    )
    assert coop_recipe["enterprise"] == coop
    assert coop_recipe["enterprise_name"] == "Forest Co-op"
    assert coop_recipe["producer"] == ana.id  # who declared it
    recipe(fay, "Fell timber", inputs={}, outputs={timber: 1}, capacity=20, price=9)
    recipe(joiner, "Make a table", inputs={timber: 4}, outputs={table: 1}, capacity=5, price=40)
    return Woods(requester, ana, ben, fay, joiner, cy, coop, timber, table, coop_recipe["id"])


def _timber_link(plan: dict[str, Any], woods: Woods) -> dict[str, Any]:
    link: dict[str, Any] = next(k for k in plan["links"] if k["good"] == woods.timber)
    return link


def _answer(m: Member, plan: dict[str, Any], link: dict[str, Any], verb: str) -> Any:
    return m.post(f"{M}/chain-plans/{plan['id']}/links/{link['id']}/{verb}")


def _coop_balance(woods: Woods) -> int:
    balance: int = woods.ana.get(f"{E}/{woods.coop}").json()["balance"]
    return balance


def test_a_coops_recipe_is_planned_accepted_by_a_worker_owner_and_pays_the_coop(
    member: Any, client: TestClient, clock: FakeClock
) -> None:
    woods = _woods(member)
    plan = ask(woods.requester, clock, woods.table, 1).json()
    timber = _timber_link(plan, woods)
    # the co-op (cheaper than Fay) is the producer, not the member who declared its recipe
    assert timber["producer"] == woods.coop
    assert timber["producer_kind"] == "enterprise"
    assert timber["producer_name"] == "Forest Co-op"
    assert timber["why"]["next_best"]["producer"] == woods.fay.id
    assert plan["cost"] == 4 * 5 + 40

    # an outsider may not answer for the co-op; Ben (who did not declare it) may
    assert_problem(_answer(woods.cy, plan, timber, "accept"), 403, "not_your_link")
    assert_problem(_answer(woods.joiner, plan, timber, "accept"), 403, "not_your_link")

    # the link waits for Ben as it does for Ana: both are asked, nobody else is
    def asked(m: Member) -> bool:
        items = m.get("/inbox").json()["items"]
        return any(
            i["event"] == "chain_link_proposed" and i["subject_id"] == plan["id"] for i in items
        )

    assert asked(woods.ana)
    assert asked(woods.ben)
    assert not asked(woods.cy)
    assert not asked(woods.fay)
    # "my chains" of a worker-owner include the co-op's
    mine = woods.ben.get(f"{M}/chains", params={"mine": "true"}).json()["items"]
    assert [p["id"] for p in mine] == [plan["id"]]
    assert woods.cy.get(f"{M}/chains", params={"mine": "true"}).json()["items"] == []
    for worker in (woods.ana, woods.ben):
        waiting = worker.get(f"{M}/chain-plans/{plan['id']}").json()
        assert _timber_link(waiting, woods)["status"] == "proposed"
    accepted = _answer(woods.ben, plan, timber, "accept")
    assert accepted.status_code == 200, accepted.text
    table = next(k for k in plan["links"] if k["good"] == woods.table)
    reply = _answer(woods.joiner, plan, table, "accept")
    assert reply.status_code == 200, reply.text
    opened = reply.json()
    assert opened["status"] == "open"
    timber = _timber_link(opened, woods)
    assert timber["status"] == "ordered"
    assert account_of(woods.requester)["reserved"] == 20
    assert_ledger_verifies(client)

    # the order is the co-op's sale: Ben delivers, the escrow pays the co-op's account
    order = woods.ben.get(f"{M}/orders/{timber['order']}").json()
    assert order["enterprise_id"] == woods.coop
    assert order["buyer_id"] == woods.requester.id
    assert woods.cy.get(f"{M}/orders/{timber['order']}").status_code in (403, 404)
    delivered = woods.ben.post(f"{M}/orders/{timber['order']}/deliver")
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["delivered_by"] == woods.ben.id
    confirmed = woods.requester.post(f"{M}/orders/{timber['order']}/confirm", key="timber-ok")
    assert confirmed.status_code == 200, confirmed.text
    assert _coop_balance(woods) == 20
    assert account_of(woods.ana)["balance"] == 0
    assert account_of(woods.ben)["balance"] == 0
    assert account_of(woods.requester)["balance"] == -20
    assert_ledger_verifies(client)

    # the table's order opened on the timber's delivery; the chain completes as any other
    plan = woods.requester.get(f"{M}/chain-plans/{plan['id']}").json()
    table = next(k for k in plan["links"] if k["good"] == woods.table)
    assert table["status"] == "ordered"
    assert woods.joiner.post(f"{M}/orders/{table['order']}/deliver").status_code == 200
    done = woods.requester.post(f"{M}/orders/{table['order']}/confirm", key="table-ok")
    assert done.status_code == 200, done.text
    plan = woods.requester.get(f"{M}/chain-plans/{plan['id']}").json()
    assert plan["status"] == "completed"
    assert account_of(woods.requester)["balance"] == -60
    assert_ledger_verifies(client)


def test_a_decline_replans_without_the_enterprise(
    member: Any, client: TestClient, clock: FakeClock
) -> None:
    woods = _woods(member)
    plan = ask(woods.requester, clock, woods.table, 1).json()
    timber = _timber_link(plan, woods)
    declined = _answer(woods.ben, plan, timber, "decline")
    assert declined.status_code == 200, declined.text
    replanned = declined.json()
    assert replanned["status"] == "proposed"
    assert replanned["revision"] == 2
    again = _timber_link(replanned, woods)
    # the co-op is left out, not only Ben: Ana's answer is not asked for again
    assert again["producer"] == woods.fay.id
    assert replanned["cost"] == 4 * 9 + 40
    assert {k["producer"] for k in replanned["earlier_links"]} == {woods.coop}
    late = _answer(woods.ana, replanned, timber, "accept")
    assert_problem(late, 409, "link_closed")
    assert_ledger_verifies(client)


def test_only_a_member_who_sells_for_an_enterprise_declares_its_recipes(
    member: Any, client: TestClient
) -> None:
    woods = _woods(member)
    body = {"name": "Fell for them", "outputs": {woods.timber: 1}, "capacity": 2, "price": 3}
    outsider = woods.cy.post(f"{M}/recipes", json={**body, "enterprise": woods.coop})
    assert_problem(outsider, 403, "not_permitted")
    missing = woods.cy.post(f"{M}/recipes", json={**body, "enterprise": "0" * 32})
    assert_problem(missing, 404, "enterprise_not_found")
    # any worker-owner keeps the co-op's recipe up to date; an outsider may not
    path = f"/api/v1{M}/recipes/{woods.coop_recipe}"
    revised = woods.ben.client.patch(path, json={"price": 6}, headers=woods.ben.headers)
    assert revised.status_code == 200, revised.text
    assert revised.json()["price"] == 6
    assert revised.json()["enterprise"] == woods.coop
    refused = woods.cy.client.patch(path, json={"price": 1}, headers=woods.cy.headers)
    assert_problem(refused, 403, "not_permitted")
    names = {r["id"] for r in woods.cy.get(f"{M}/recipes").json()}
    assert woods.coop_recipe in names
    assert_ledger_verifies(client)


def test_a_worker_owner_asking_for_a_chain_may_buy_from_their_coop(
    member: Any, client: TestClient, clock: FakeClock
) -> None:
    woods = _woods(member)
    # Ben asks for timber: the co-op sells to him, through Ana (nobody sells to themselves)
    plan = ask(woods.ben, clock, woods.timber, 2).json()
    link = _timber_link(plan, woods)
    assert link["producer"] == woods.coop
    assert_problem(_answer(woods.cy, plan, link, "accept"), 403, "not_your_link")
    opened = _answer(woods.ana, plan, link, "accept").json()
    assert opened["status"] == "open"
    order = woods.ana.get(f"{M}/orders/{_timber_link(opened, woods)['order']}").json()
    assert order["seller_id"] == woods.ana.id
    assert order["enterprise_id"] == woods.coop
    assert_ledger_verifies(client)


def test_a_plan_names_the_enterprise_as_a_valueflows_organization(
    member: Any, clock: FakeClock
) -> None:
    woods = _woods(member)
    plan = ask(woods.requester, clock, woods.table, 1).json()
    reply = woods.requester.get(f"{M}/chain-plans/{plan['id']}", params={"format": "valueflows"})
    assert reply.status_code == 200
    agents = {
        n["@id"]: n
        for n in reply.json()["@graph"]
        if n["@type"] in ("vf:Person", "vf:Organization")
    }
    coop = next(n for i, n in agents.items() if i.endswith(f"/enterprises/{woods.coop}"))
    assert coop["@type"] == "vf:Organization"
    assert coop["name"] == "Forest Co-op"
    assert {n["@type"] for n in agents.values()} == {"vf:Person", "vf:Organization"}
    timber = _timber_link(plan, woods)
    flows = [
        n for n in reply.json()["@graph"] if n["@id"].startswith(f"{reply.json()['@id']}/links/")
    ]
    providers = {
        n["vf:provider"]["@id"]
        for n in flows
        if n["@id"].startswith(f"{reply.json()['@id']}/links/{timber['id']}#")
        and "vf:provider" in n
    }
    assert coop["@id"] in providers


def test_an_enterprise_link_left_unanswered_replans_without_the_enterprise(
    member: Any, client: TestClient, clock: FakeClock, services: Any
) -> None:
    woods = _woods(member)
    plan = ask(woods.requester, clock, woods.table, 1).json()
    table = next(k for k in plan["links"] if k["good"] == woods.table)
    assert _answer(woods.joiner, plan, table, "accept").status_code == 200
    clock.advance(days=3)  # neither Ana nor Ben answered for the co-op
    assert services.tick.tick(impacts=False).chains_replanned == 1
    plan = woods.requester.get(f"{M}/chain-plans/{plan['id']}").json()
    assert plan["status"] == "proposed"
    assert _timber_link(plan, woods)["producer"] == woods.fay.id
    assert [(k["producer"], k["status"]) for k in plan["earlier_links"]] == [
        (woods.coop, "expired")
    ]
    # the joiner's accepted link is kept: Fay's yes opens the chain
    opened = _answer(woods.fay, plan, _timber_link(plan, woods), "accept").json()
    assert opened["status"] == "open"
    assert_ledger_verifies(client)
