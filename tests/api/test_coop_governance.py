"""A co-operative governs itself through the collective's proposals, scoped to it, on both
databases: only its worker-owners vote (one vote each, no delegation), a newcomer joins by
invitation and a vote, and a passed decision changes the enterprise (its next close's shares)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import M, assert_ledger_verifies, join_riverside, post_offer
from tests.helpers import FakeClock, assert_problem


def co_op(founder: Any, *cofounders: Any, name: str = "Rye & Co") -> str:
    reply = founder.post(
        f"{M}/enterprises",
        json={"kind": "cooperative", "name": name, "cofounders": [c.id for c in cofounders]},
    )
    assert reply.status_code == 201, reply.text
    enterprise_id: str = reply.json()["id"]
    return enterprise_id


def propose(author: Any, eid: str, kind: str, params: dict[str, Any]) -> Any:
    return author.post(
        f"{M}/enterprises/{eid}/proposals",
        json={"kind": kind, "title": f"{kind} please", "params": params},
    )


def vote(who: Any, proposal_id: str, choice: str = "yes") -> Any:
    return who.post(f"{M}/proposals/{proposal_id}/votes", json={"choice": choice})


def worker_owners(who: Any, eid: str) -> set[str]:
    people = who.get(f"{M}/enterprises/{eid}").json()["people"]
    return {p["member_name"] for p in people if p["role"] == "worker_owner"}


def test_only_worker_owners_propose_and_vote_one_vote_each(client: TestClient, member: Any) -> None:
    ada, bo, cy = join_riverside(member, "Ada", "Bo", "Cy")
    eid = co_op(ada, bo)

    assert_problem(propose(cy, eid, "set_reserve_share", {"share": "0.1"}), 403, "not_permitted")
    opened = propose(ada, eid, "set_reserve_share", {"share": "0.1"})
    assert opened.status_code == 201, opened.text
    pid = opened.json()["id"]
    assert (opened.json()["enterprise"], opened.json()["eligible"]) == (eid, 2)
    assert_problem(vote(cy, pid), 403, "not_eligible")  # a member, not a worker-owner
    assert cy.get(f"{M}/proposals/{pid}").json()["can_vote"] is False

    # the collective's liquid delegation does not reach into the co-operative
    assert bo.client.put(
        f"/api/v1{M}/delegations/me", headers=bo.headers, json={"to": ada.id}
    ).status_code in (200, 201)
    assert vote(ada, pid).json()["proposal_status"] == "open"
    assert ada.get(f"{M}/enterprises/{eid}").json()["reserve_share"] == "0"
    assert vote(bo, pid).json()["proposal_status"] == "passed"  # every worker-owner voted
    closed = ada.get(f"{M}/proposals/{pid}").json()
    assert (closed["status"], closed["tally"]["yes"], closed["tally"]["eligible"]) == (
        "passed",
        2,
        2,
    )
    assert ada.get(f"{M}/enterprises/{eid}").json()["reserve_share"] == "0.1"
    passed = ada.get(f"{M}/proposals/{pid}").json()
    assert passed["changes"] == [{"field": "reserve_share", "from": "0", "to": "0.1"}]

    # the co-operative's proposals are its own list, not the collective's
    assert [p["id"] for p in ada.get(f"{M}/enterprises/{eid}/proposals").json()["items"]] == [pid]
    assert pid not in [p["id"] for p in ada.get(f"{M}/proposals").json()["items"]]


def test_kinds_stay_in_their_scope_and_a_firm_has_no_votes(client: TestClient, member: Any) -> None:
    ada, bo = join_riverside(member, "Ada", "Bo")
    eid = co_op(ada, bo)
    assert_problem(propose(ada, eid, "set_levy", {"rate": "0.01"}), 422, "invalid_params")
    collective_wide = ada.post(
        f"{M}/proposals",
        json={"kind": "set_merit_metric", "title": "x", "params": {"metric": "hours"}},
    )
    assert_problem(collective_wide, 422, "invalid_params")
    # a newcomer is invited, never proposed straight in
    direct = propose(ada, eid, "admit_worker_owner", {"member": bo.id, "invitation": "x"})
    assert_problem(direct, 422, "invalid_params")
    assert_problem(
        propose(ada, eid, "set_merit_metric", {"metric": "mix", "mix": {"hours": 0}}),
        422,
        "invalid_params",
    )
    assert_problem(
        propose(ada, eid, "set_wage_rates", {"rates": {"owner": 100}}), 422, "invalid_params"
    )
    assert_problem(propose(ada, "f" * 32, "resolution", {}), 404, "enterprise_not_found")
    firm = ada.post(f"{M}/enterprises", json={"kind": "firm", "name": "Mill Ltd"}).json()["id"]
    assert_problem(propose(ada, firm, "resolution", {}), 422, "invalid_params")
    assert_problem(
        propose(bo, eid, "remove_worker_owner", {"member": "f" * 32}), 404, "member_not_found"
    )
    outsider = member("Cy")
    assert outsider.post(f"{M}/memberships").status_code == 201
    not_one = propose(bo, eid, "remove_worker_owner", {"member": outsider.id})
    assert assert_problem(not_one, 422, "invalid_params")["context"]["field"] == "params.member"


def test_a_member_joins_by_invitation_then_votes(client: TestClient, member: Any) -> None:
    ada, bo, cy, di = join_riverside(member, "Ada", "Bo", "Cy", "Di")
    eid = co_op(ada, bo)
    base = f"{M}/enterprises/{eid}/invitations"

    assert_problem(cy.post(base, json={"member": di.id}), 403, "not_allowed")
    invited = ada.post(base, json={"member": cy.id, "message": "You bake every Saturday."})
    assert invited.status_code == 201, invited.text
    iid = invited.json()["id"]
    assert invited.json()["status"] == "pending"
    assert_problem(bo.post(base, json={"member": cy.id}), 409, "invalid_transition")
    assert [i["id"] for i in cy.get(f"{M}/enterprise-invitations/me").json()] == [iid]

    assert_problem(di.post(f"{base}/{iid}/accept"), 403, "not_the_recipient")
    accepted = cy.post(f"{base}/{iid}/accept").json()
    assert (accepted["status"], accepted["vote_status"]) == ("accepted", "open")
    vote_id = accepted["proposal"]
    admission = cy.get(f"{M}/proposals/{vote_id}").json()
    assert (admission["kind"], admission["eligible"], admission["author_name"]) == (
        "admit_worker_owner",
        2,
        "Ada",
    )
    assert_problem(vote(cy, vote_id), 403, "not_eligible")  # not theirs to decide
    assert_problem(cy.post(f"{base}/{iid}/accept"), 409, "invalid_transition")
    vote(ada, vote_id)
    assert vote(bo, vote_id).json()["proposal_status"] == "passed"
    assert worker_owners(ada, eid) == {"Ada", "Bo", "Cy"}
    assert cy.get(f"{base}").json()[0]["status"] == "admitted"

    # now a worker-owner: Cy proposes, and votes, with three eligible
    removal = propose(cy, eid, "remove_worker_owner", {"member": bo.id})
    assert removal.status_code == 201, removal.text
    assert removal.json()["eligible"] == 3
    rid = removal.json()["id"]
    vote(cy, rid)
    vote(ada, rid)
    assert vote(bo, rid, "no").json()["proposal_status"] == "passed"
    assert worker_owners(ada, eid) == {"Ada", "Cy"}


def test_a_failed_admission_vote_rejects_the_invitation_and_another_may_follow(
    client: TestClient, member: Any
) -> None:
    ada, bo, cy = join_riverside(member, "Ada", "Bo", "Cy")
    eid = co_op(ada, bo)
    base = f"{M}/enterprises/{eid}/invitations"
    declined = ada.post(base, json={"member": cy.id}).json()
    assert cy.post(f"{base}/{declined['id']}/decline").json()["status"] == "declined"
    withdrawn = ada.post(base, json={"member": cy.id}).json()
    assert_problem(cy.post(f"{base}/{withdrawn['id']}/withdraw"), 403, "not_allowed")
    assert bo.post(f"{base}/{withdrawn['id']}/withdraw").json()["status"] == "withdrawn"
    third = ada.post(base, json={"member": cy.id}).json()
    vote_id = cy.post(f"{base}/{third['id']}/accept").json()["proposal"]
    vote(ada, vote_id, "no")
    assert vote(bo, vote_id, "no").json()["proposal_status"] == "failed"
    assert ada.get(base).json()[0]["status"] == "rejected"
    assert worker_owners(ada, eid) == {"Ada", "Bo"}
    assert ada.post(base, json={"member": cy.id}).status_code == 201  # asked again later


def _one_period(
    clock: FakeClock, eid: str, contracts: dict[str, tuple[Any, str]], seller: Any, buyer: Any
) -> dict[str, int]:
    """Ada works 6 h and Bo 2 h; Bo delivers one 4.00 sale; the period closes: the shares."""
    ada, _ = contracts["Ada"]
    bo, _ = contracts["Bo"]
    e = f"{M}/enterprises/{eid}"
    period = ada.post(
        f"{e}/periods", json={"ends_at": (clock.now() + timedelta(days=7)).isoformat()}
    )
    assert period.status_code == 201, period.text
    entries = {}
    for name, hours in (("Ada", "6"), ("Bo", "2")):
        who, contract = contracts[name]
        logged = who.post(
            f"{e}/hours",
            json={"contract": contract, "worked_at": clock.now().isoformat(), "hours": hours},
        )
        assert logged.status_code == 201, logged.text
        entries[name] = logged.json()["id"]
    assert bo.post(f"{e}/hours/{entries['Ada']}/approve").status_code == 200
    assert ada.post(f"{e}/hours/{entries['Bo']}/approve").status_code == 200
    offer = post_offer(seller, enterprise=eid, price=400, quantity=1)
    order = buyer.post(f"{M}/orders", key=f"o-{offer['id']}", json={"listing_id": offer["id"]})
    assert order.status_code == 201, order.text
    oid = order.json()["id"]
    assert bo.post(f"{M}/orders/{oid}/accept").status_code == 200
    assert bo.post(f"{M}/orders/{oid}/deliver").status_code == 200
    assert buyer.post(f"{M}/orders/{oid}/confirm", key=f"c-{oid}").status_code == 200
    clock.advance(days=8)
    closed = ada.post(f"{e}/periods/{period.json()['id']}/close", key=f"close-{oid}")
    assert closed.status_code == 200, closed.text
    assert closed.json()["figures"]["shared"] == 400
    names = {"Ada": ada.id, "Bo": bo.id}
    return {
        name: sum(
            p["amount"]
            for p in closed.json()["payouts"]
            if p["member_id"] == mid and p["kind"] == "surplus_share"
        )
        for name, mid in names.items()
    }


def test_a_voted_metric_changes_the_next_close_s_shares(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    ada, bo, cy = join_riverside(member, "Ada", "Bo", "Cy")
    eid = co_op(ada, bo)
    contracts = {}
    for who, approver in ((ada, bo), (bo, ada)):
        offered = approver.post(
            f"{M}/enterprises/{eid}/contracts",
            json={"member": who.id, "hourly_wage": 0, "role": "worker_owner"},
        )
        assert offered.status_code == 201, offered.text
        contracts["Ada" if who is ada else "Bo"] = (who, offered.json()["id"])

    by_hours = _one_period(clock, eid, contracts, ada, cy)
    assert by_hours == {"Ada": 300, "Bo": 100}  # 6 h : 2 h

    metric = propose(bo, eid, "set_merit_metric", {"metric": "hours_x_productivity"}).json()
    vote(ada, metric["id"])
    assert vote(bo, metric["id"]).json()["proposal_status"] == "passed"

    by_sales = _one_period(clock, eid, contracts, ada, cy)
    assert by_sales == {"Ada": 0, "Bo": 400}  # Bo delivered the whole period's sales
    assert_ledger_verifies(client)
