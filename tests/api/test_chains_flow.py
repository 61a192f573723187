"""Supply chains through the API, on both databases: a three-link chain is planned, accepted,
delivered and paid through escrow; a decline re-plans without the decliner; the ledger verifies
at every step."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient

from tests.api.chains_helpers import Network, ask, furniture_network, link_of
from tests.api.helpers import (
    LATHE,
    M,
    account_of,
    assert_ledger_verifies,
    join_riverside,
    open_round,
    place_bid,
)
from tests.helpers import FakeClock


def _network(member: Any) -> Network:
    people = join_riverside(member, "Requester", "Forester", "Sawyer", "Joiner", "Slowsaw")
    return furniture_network(*people)


def _decide(m: Any, plan: dict[str, Any], verb: str) -> dict[str, Any]:
    link = link_of(plan, m)
    reply = m.post(f"{M}/chain-plans/{plan['id']}/links/{link['id']}/{verb}")
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def test_a_three_link_chain_is_planned_accepted_delivered_and_paid_through_escrow(
    member: Any, client: TestClient, clock: FakeClock
) -> None:
    net = _network(member)
    asked = ask(net.requester, clock, net.goods["table"], 2)
    assert asked.status_code == 201, asked.text
    plan = asked.json()
    # two tables: 16 planks = 4 saw runs (of the cheaper sawyer) = 4 logs
    runs = {k["producer"]: k["runs"] for k in plan["links"]}
    assert runs == {net.forester.id: 4, net.sawyer.id: 4, net.joiner.id: 2}
    assert plan["cost"] == 4 * 5 + 4 * 4 * 3 + 2 * 40 == 148
    assert plan["status"] == "proposed"
    saw = link_of(plan, net.sawyer)
    assert saw["why"]["next_best"]["producer"] == net.other_sawyer.id
    assert saw["depends_on"] == [link_of(plan, net.forester)["id"]]
    assert {w["name"] for w in plan["explanation"]["worth"]} >= {"Table"}
    # nothing moves until every link has said yes
    for producer in (net.forester, net.sawyer):
        plan = _decide(producer, plan, "accept")
        assert plan["status"] == "proposed"
    assert account_of(net.requester)["reserved"] == 0
    plan = _decide(net.joiner, plan, "accept")
    assert plan["status"] == "open"
    # only the first step's order opens: its price is held in escrow
    fell = link_of(plan, net.forester)
    assert fell["status"] == "ordered"
    assert fell["order_status"] == "accepted"
    assert link_of(plan, net.sawyer)["status"] == "waiting"
    assert account_of(net.requester)["reserved"] == 20
    assert_ledger_verifies(client)

    def deliver_and_confirm(producer: Any, link: dict[str, Any]) -> None:
        order = link["order"]
        assert producer.post(f"{M}/orders/{order}/deliver").status_code == 200
        reply = net.requester.post(f"{M}/orders/{order}/confirm", key=f"confirm-{order}")
        assert reply.status_code == 200, reply.text

    # the timber's delivery releases the sawing
    assert net.forester.post(f"{M}/orders/{fell['order']}/deliver").status_code == 200
    plan = net.requester.get(f"{M}/chain-plans/{plan['id']}").json()
    assert link_of(plan, net.sawyer)["status"] == "ordered"
    assert link_of(plan, net.joiner)["status"] == "waiting"
    assert account_of(net.requester)["reserved"] == 20 + 48
    reply = net.requester.post(f"{M}/orders/{fell['order']}/confirm", key="c-fell")
    assert reply.status_code == 200
    deliver_and_confirm(net.sawyer, link_of(plan, net.sawyer))
    plan = net.requester.get(f"{M}/chain-plans/{plan['id']}").json()
    deliver_and_confirm(net.joiner, link_of(plan, net.joiner))
    assert_ledger_verifies(client)
    plan = net.requester.get(f"{M}/chain-plans/{plan['id']}").json()
    assert plan["status"] == "completed"
    assert {k["status"] for k in plan["links"]} == {"done"}
    assert account_of(net.requester) == {"balance": -148, "available": -148, "reserved": 0}
    assert account_of(net.forester)["balance"] == 20
    assert account_of(net.sawyer)["balance"] == 48
    assert account_of(net.joiner)["balance"] == 80
    assert net.requester.get(f"{M}/chains").json()["items"] == []


def test_a_decline_replans_without_the_decliner_and_keeps_accepted_links(
    member: Any, client: TestClient, clock: FakeClock
) -> None:
    net = _network(member)
    plan = ask(net.requester, clock, net.goods["table"], 1).json()
    plan = _decide(net.forester, plan, "accept")
    assert _decide(net.forester, plan, "accept") == plan  # a double click changes nothing
    kept = link_of(plan, net.forester)["id"]
    plan = _decide(net.sawyer, plan, "decline")
    assert plan["status"] == "proposed"
    assert plan["revision"] == 2
    producers = {k["producer"] for k in plan["links"]}
    assert net.sawyer.id not in producers
    assert net.other_sawyer.id in producers

    assert link_of(plan, net.forester)["id"] == kept
    assert link_of(plan, net.forester)["status"] == "accepted"
    assert plan["cost"] == 2 * 5 + 2 * 4 * 4 + 40
    assert [k["status"] for k in plan["earlier_links"]] == ["declined"]
    # the decliner cannot change their mind on a link that is gone
    gone = plan["earlier_links"][0]["id"]
    reply = net.sawyer.post(f"{M}/chain-plans/{plan['id']}/links/{gone}/accept")
    assert reply.status_code == 409
    assert reply.json()["code"] == "link_closed"
    # the new sawyer and the joiner accept: the chain opens on the kept timber link
    _decide(net.other_sawyer, plan, "accept")
    plan = _decide(net.joiner, plan, "accept")
    assert plan["status"] == "open"
    assert link_of(plan, net.forester)["status"] == "ordered"
    assert_ledger_verifies(client)


def test_a_timeout_replans_and_a_chain_with_nobody_left_fails(
    member: Any, client: TestClient, clock: FakeClock, services: Any
) -> None:
    net = _network(member)
    plan = ask(net.requester, clock, net.goods["table"], 1).json()
    _decide(net.sawyer, plan, "decline")
    plan = net.requester.get(f"{M}/chain-plans/{plan['id']}").json()
    clock.advance(days=3)  # nobody answered in time
    report = services.tick.tick(impacts=False)
    assert report.chains_replanned == 1
    plan = net.requester.get(f"{M}/chain-plans/{plan['id']}").json()
    # every producer was dropped: no sawyer left, so no chain
    assert plan["status"] == "failed"
    assert "short" in plan["reason"]
    assert {k["status"] for k in plan["earlier_links"]} >= {"declined", "expired"}


def test_refusals_name_what_is_wrong(member: Any, clock: FakeClock) -> None:
    net = _network(member)
    infeasible = ask(net.requester, clock, net.goods["table"], 6)  # the joiner makes 5 at most
    assert infeasible.status_code == 422
    body = infeasible.json()
    assert body["code"] == "chain_infeasible"
    short = body["context"]["shortfall"]
    assert short[0]["good"] == net.goods["table"]
    assert short[0]["units"] == 1
    over = ask(net.requester, clock, net.goods["table"], 1, budget=10)
    assert over.status_code == 422
    assert over.json()["code"] == "over_budget"
    assert over.json()["context"]["cost"] == 74
    plan = ask(net.requester, clock, net.goods["table"], 1).json()
    link = link_of(plan, net.sawyer)
    reply = net.joiner.post(f"{M}/chain-plans/{plan['id']}/links/{link['id']}/accept")
    assert reply.status_code == 403
    assert reply.json()["code"] == "not_your_link"
    missing = net.requester.get(f"{M}/chain-plans/{'0' * 32}")
    assert missing.status_code == 404
    assert missing.json()["code"] == "chain_plan_not_found"
    dup = net.joiner.post(
        f"{M}/goods", json={"name": "timber", "unit": "log", "category": "crafts"}
    )
    assert dup.status_code == 409
    assert dup.json()["code"] == "good_exists"
    unknown = net.joiner.post(
        f"{M}/recipes",
        json={"name": "Magic", "outputs": {"nope": 1}, "capacity": 1, "price": 1},
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "good_not_found"
    edit = net.joiner.client.patch(
        f"/api/v1{M}/recipes/{net.recipes['saw']}", json={"price": 1}, headers=net.joiner.headers
    )
    assert edit.status_code == 403
    assert edit.json()["code"] == "not_the_producer"


def test_a_plan_exports_as_valueflows_json_ld(member: Any, clock: FakeClock) -> None:
    net = _network(member)
    plan = ask(net.requester, clock, net.goods["table"], 1).json()
    _decide(net.forester, plan, "accept")
    reply = net.requester.get(f"{M}/chain-plans/{plan['id']}", params={"format": "valueflows"})
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/ld+json")
    doc = reply.json()
    assert doc["@context"]["vf"] == "https://w3id.org/valueflows/ont/vf#"
    types = {node["@type"] for node in doc["@graph"]}
    assert {"vf:Plan", "vf:Recipe", "vf:RecipeProcess", "vf:Process", "vf:Commitment",
            "vf:Intent", "vf:ResourceSpecification"} <= types  # fmt: skip
    # the accepted link's flows are commitments, the others' still intents
    fell = link_of(plan, net.forester)["id"]
    committed = [n for n in doc["@graph"] if n["@id"].startswith(f"{doc['@id']}/links/{fell}#")]
    assert committed
    assert {n["@type"] for n in committed} == {"vf:Commitment"}


def test_commons_hours_are_claimed_through_the_allocation_never_bought(
    member: Any, client: TestClient, clock: FakeClock
) -> None:
    ada, bo = join_riverside(member, "Ada", "Bo")
    lathe = ada.post(f"{M}/assets", json=LATHE).json()["id"]
    round_id = open_round(ada, clock)
    place_bid(bo, round_id, lathe, 2, "crafts")  # Bo already wants 2 hours for himself
    body = {"name": "Stool", "unit": "stool", "category": "crafts"}
    stool = ada.post(f"{M}/goods", json=body).json()["id"]
    recipe = {
        "name": "Turn a stool",
        "outputs": {stool: 1},
        "commons": {lathe: 3},
        "capacity": 5,
        "price": 40,
    }
    assert bo.post(f"{M}/recipes", json=recipe).status_code == 201
    over = ask(ada, clock, stool, 4)  # 12 lathe hours: the lathe has 10 a period
    assert over.status_code == 422
    assert over.json()["code"] == "chain_infeasible"
    plan = ask(ada, clock, stool, 2).json()
    assert plan["links"][0]["commons"] == [{"asset": lathe, "hours": 6}]
    plan = _decide(bo, plan, "accept")
    assert plan["status"] == "open"
    (claim,) = plan["explanation"]["commons_claims"]
    assert claim["round"] == round_id
    assert claim["hours"] == 6
    bids = {
        b["asset_id"]: b for b in bo.get(f"{M}/allocation-rounds/{round_id}/bids").json()["items"]
    }
    assert bids[lathe]["max_units"] == 2 + 6  # added to his own bid, not instead of it
    # only the stool is paid for: the lathe hours are never a purchase
    assert account_of(ada)["reserved"] == 2 * 40
    assert_ledger_verifies(client)


def test_a_step_the_requester_cannot_cover_yet_waits_and_the_tick_opens_it_later(
    member: Any, client: TestClient, clock: FakeClock, services: Any
) -> None:
    net = _network(member)
    plan = ask(net.requester, clock, net.goods["table"], 1).json()
    for producer in (net.forester, net.sawyer, net.joiner):
        plan = _decide(producer, plan, "accept")
    pay = {"to": net.joiner.id, "amount": 960, "memo": "an advance"}
    assert net.requester.post(f"{M}/transfers", key="adv", json=pay).status_code == 201
    # credit 10.00: 9.60 paid away and 0.10 held for the timber leave 0.30, enough for the
    # sawing (0.24) but not for the table (0.40)
    fell = link_of(plan, net.forester)["order"]
    assert net.forester.post(f"{M}/orders/{fell}/deliver").status_code == 200
    plan = net.requester.get(f"{M}/chain-plans/{plan['id']}").json()
    saw = link_of(plan, net.sawyer)["order"]
    assert net.sawyer.post(f"{M}/orders/{saw}/deliver").status_code == 200
    plan = net.requester.get(f"{M}/chain-plans/{plan['id']}").json()
    assert link_of(plan, net.joiner)["status"] == "waiting"
    inbox = net.requester.get(f"{M}/inbox").json()["items"]
    assert any(item["event"] == "chain_waiting" for item in inbox)
    assert services.tick.tick(impacts=False).chains_moved == 0  # still nothing it can do
    back = {"to": net.requester.id, "amount": 100, "memo": "change"}
    assert net.joiner.post(f"{M}/transfers", key="back", json=back).status_code == 201
    services.tick.tick(impacts=False)
    plan = net.requester.get(f"{M}/chain-plans/{plan['id']}").json()
    assert link_of(plan, net.joiner)["status"] == "ordered"
    assert_ledger_verifies(client)


def test_the_requester_cancels_a_chain_before_it_opens(member: Any, clock: FakeClock) -> None:
    net = _network(member)
    plan = ask(net.requester, clock, net.goods["table"], 1).json()
    _decide(net.forester, plan, "accept")
    refused = net.forester.post(f"{M}/chain-plans/{plan['id']}/cancel")
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_the_requester"
    cancelled = net.requester.post(f"{M}/chain-plans/{plan['id']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert {k["status"] for k in cancelled.json()["earlier_links"]} == {"superseded"}
    assert account_of(net.requester)["reserved"] == 0
    link = cancelled.json()["earlier_links"][0]
    late = link_of({"links": cancelled.json()["earlier_links"]}, net.sawyer)
    reply = net.sawyer.post(f"{M}/chain-plans/{plan['id']}/links/{late['id']}/accept")
    assert reply.status_code == 409
    assert reply.json()["code"] == "link_closed"
    again = net.requester.post(f"{M}/chain-plans/{plan['id']}/cancel")
    assert again.status_code == 409
    assert link["status"] == "superseded"


def test_the_last_two_yeses_at_once_open_the_chain_exactly_once(
    member: Any, client: TestClient, clock: FakeClock, services: Any
) -> None:
    net = _network(member)
    plan = ask(net.requester, clock, net.goods["table"], 1).json()
    plan = _decide(net.forester, plan, "accept")
    last = [link_of(plan, p) for p in (net.sawyer, net.joiner)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def accept(link: dict[str, Any]) -> None:
        start.wait()
        try:
            services.chains.decide(
                "riverside", plan["id"], link["id"], actor=link["producer"], accept=True
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=accept, args=(k,)) for k in last]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    plan = net.requester.get(f"{M}/chain-plans/{plan['id']}").json()
    assert plan["status"] == "open"
    orders = net.requester.get(f"{M}/orders", params={"role": "buyer"}).json()["items"]
    assert len(orders) == 1  # the timber's, once
    assert account_of(net.requester)["reserved"] == 10
    assert_ledger_verifies(client)
