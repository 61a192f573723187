"""An enterprise's own bids in allocation rounds, through the API on both databases (issue 14).

A member whose role lets them act for an enterprise bids *for* it from their own token budget
(no new tokens); the enterprise holds the share, and anyone with a role in it logs use of it
(with the sales its account received), declines it, or withdraws its bid. Nobody else may.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import COLLECTIVE, LATHE, C, M, join_riverside, open_round, place_bid
from tests.helpers import FakeClock, assert_problem

E = f"{M}/enterprises"
VAN: dict[str, Any] = {"name": "Cargo van", "category": "vehicles", "capacity": 5, "unit": "days"}


def _coop(ana: Any, ben: Any) -> str:
    reply = ana.post(E, json={"kind": "cooperative", "name": "Rye & Co", "cofounders": [ben.id]})
    assert reply.status_code == 201, reply.text
    coop: str = reply.json()["id"]
    return coop


def _sale(seller: Any, coop: str, buyer: Any) -> tuple[str, str]:
    """A sale of the co-op's (delivered by ``seller``): its listing, and the id of the payment
    its account received."""
    offer = seller.post(
        f"{M}/listings",
        json={
            "kind": "offer",
            "title": "Turned bowl",
            "category": "crafts",
            "price": 900,
            "quantity": 1,
            "enterprise": coop,
        },
    )
    assert offer.status_code == 201, offer.text
    order = buyer.post(f"{M}/orders", key="bowl", json={"listing_id": offer.json()["id"]})
    assert order.status_code == 201, order.text
    oid = order.json()["id"]
    assert seller.post(f"{M}/orders/{oid}/accept").status_code == 200
    assert seller.post(f"{M}/orders/{oid}/deliver").status_code == 200
    done = buyer.post(f"{M}/orders/{oid}/confirm", key="bowl-ok").json()
    assert done["status"] == "completed"
    transfer: str = done["payout_transfer_id"] or done["escrow_transfer_id"]
    return offer.json()["id"], transfer


def _usage(who: Any, **body: Any) -> Any:
    return who.post(f"{C}/usage", json={"output_category": "crafts", **body})


def test_a_coop_member_bids_for_the_coop_and_another_worker_owner_uses_its_share(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    ana, ben, cy, dee = join_riverside(member, "Ana", "Ben", "Cy", "Dee")
    coop = _coop(ana, ben)
    employed = ana.post(f"{E}/{coop}/roles", json={"member": dee.id, "role": "employee"})
    assert employed.status_code == 201, employed.text
    lathe = ana.post(f"{C}/assets", json=LATHE).json()["id"]
    van = ben.post(f"{C}/assets", json=VAN).json()["id"]
    bowls, sale = _sale(ben, coop, cy)
    rid = open_round(ana, clock)
    rnd = f"{C}/allocation-rounds/{rid}"
    # the co-op's listing plans a bid for the co-op, never a member's own bid
    assert_problem(
        ana.post(f"{rnd}/bids", json={"asset_id": lathe, "max_units": 2, "listing_id": bowls}),
        422,
        "invalid_value",
    )

    # Ana bids for the co-op, from her own budget; the bid names the co-op
    bid = place_bid(ana, rid, lathe, 8, "crafts", enterprise=coop)
    assert bid.status_code == 201, bid.text
    assert (bid.json()["member_id"], bid.json()["enterprise_id"]) == (ana.id, coop)
    assert bid.json()["enterprise_name"] == "Rye & Co"
    # an outsider, an employee (no bid power) and an unknown enterprise are refused
    assert_problem(place_bid(cy, rid, lathe, 8, "crafts", enterprise=coop), 403, "not_permitted")
    assert_problem(place_bid(dee, rid, lathe, 8, "crafts", enterprise=coop), 403, "not_permitted")
    assert_problem(
        place_bid(ana, rid, lathe, 8, "crafts", enterprise="nope"), 404, "enterprise_not_found"
    )
    # a bid for the co-op is withdrawn by its people, never by an outsider
    body = {"asset_id": van, "max_units": 2, "listing_id": bowls, "enterprise": coop}
    planned = ana.post(f"{rnd}/bids", json=body)
    assert planned.status_code == 201, planned.text
    assert planned.json()["output_category"] == "crafts"
    on_van = planned.json()["id"]
    assert_problem(cy.delete(f"{rnd}/bids/{on_van}"), 403, "not_allowed")
    assert ben.delete(f"{rnd}/bids/{on_van}").status_code == 204
    assert place_bid(cy, rid, lathe, 8, "crafts").status_code == 201
    listed = ana.get(f"{rnd}/bids").json()["items"]
    assert {(b["member_id"], b["enterprise_name"]) for b in listed} == {
        (ana.id, "Rye & Co"),
        (cy.id, None),
    }

    clock.advance(days=1, minutes=1)
    computed = cy.post(f"{rnd}/compute")
    assert computed.status_code == 200, computed.text
    body = computed.json()
    summary = body["passes"][0]["summary"]
    # no extra tokens: the bidders are the two members, each with the round's budget; the
    # co-op spends Ana's
    assert summary["bidders"] == 2
    assert summary["budgets"]["min_tokens"] == summary["budgets"]["max_tokens"] == 100
    budgets = {a["member_id"]: a["explanation"]["budget"]["tokens"] for a in body["allocations"]}
    assert sum(budgets.values()) == 100 * len({ana.id, cy.id}) == 200
    shares = {(a["member_id"], a["enterprise_id"]): a for a in body["allocations"]}
    assert set(shares) == {(ana.id, coop), (cy.id, None)}
    held = shares[ana.id, coop]
    assert held["enterprise_name"] == "Rye & Co"
    assert held["units"] + shares[cy.id, None]["units"] == 10
    assert cy.post(f"{rnd}/publish").status_code == 200
    mine = ana.get(f"{rnd}/allocations", params={"enterprise_id": coop}).json()["allocations"]
    assert [a["id"] for a in mine] == [held["id"]]

    # Ben, another worker-owner, logs use of the co-op's share with the co-op's sale
    used = _usage(ben, asset_id=lathe, round_id=rid, units=1, enterprise=coop, sales=[sale])
    assert used.status_code == 201, used.text
    assert (used.json()["enterprise_id"], used.json()["sales_value"]) == (coop, 900)
    # the share is the co-op's: Ben holds nothing himself, an outsider may not use it, and the
    # co-op's sale is not Cy's to claim
    assert_problem(_usage(ben, asset_id=lathe, round_id=rid, units=1), 422, "usage_exceeds_share")
    assert_problem(
        _usage(cy, asset_id=lathe, round_id=rid, units=1, enterprise=coop), 403, "not_permitted"
    )
    assert_problem(_usage(cy, asset_id=lathe, units=1, sales=[sale]), 422, "invalid_value")
    left = held["units"] - 1
    assert_problem(
        _usage(dee, asset_id=lathe, round_id=rid, units=left + 1, enterprise=coop),
        422,
        "usage_exceeds_share",
    )

    # an outsider cannot decline the co-op's share; its employee can
    assert_problem(cy.post(f"{rnd}/allocations/{held['id']}/decline"), 403, "not_allowed")
    declined = dee.post(f"{rnd}/allocations/{held['id']}/decline")
    assert declined.status_code == 200, declined.text
    assert declined.json()["declined"] is True
    assert declined.json()["enterprise_name"] == "Rye & Co"


def test_the_coops_sales_value_its_next_bid(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    """The facilitator values a bid for the co-op by the co-op's logged use and sales, not by
    the bidding member's own."""
    ana, ben, cy = join_riverside(member, "Ana", "Ben", "Cy")
    coop = _coop(ana, ben)
    lathe = ana.post(f"{C}/assets", json=LATHE).json()["id"]
    _, sale = _sale(ben, coop, cy)
    # the co-op's use of the lathe sold 900; Ana's own use sold nothing
    assert _usage(ben, asset_id=lathe, units=3, enterprise=coop, sales=[sale]).status_code == 201
    assert _usage(ana, asset_id=lathe, units=3).status_code == 201
    rid = open_round(ana, clock)
    assert place_bid(ana, rid, lathe, 8, "crafts", enterprise=coop).status_code == 201
    assert place_bid(cy, rid, lathe, 8, "crafts").status_code == 201
    clock.advance(days=1, minutes=1)
    body = cy.post(f"{C}/allocation-rounds/{rid}/compute").json()
    seen = {a["member_id"]: a["explanation"] for a in body["allocations"]}
    coop_bid = seen[ana.id]["productivity"]
    assert (coop_bid["units_logged"], coop_bid["sales_logged"]) == (3, 900)
    # above the collective's mean (Ana's own use, which sold nothing, would put it below);
    # Cy, a newcomer, sits at the mean
    assert coop_bid["relative_to_mean"] > 1
    assert seen[cy.id]["productivity"]["relative_to_mean"] == 1
    assert seen[ana.id]["enterprise"] == coop
    assert "for an enterprise" in seen[ana.id]["reason"]


def test_under_mixed_an_enterprise_owns_capital_and_bids_for_the_commons(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    ana, ben = member("Ana"), member("Ben")
    mixed = {
        **COLLECTIVE,
        "charter": {**COLLECTIVE["charter"], "capital_mode": "mixed"},
    }
    assert ana.post("/collectives", json=mixed).status_code == 201
    assert ben.post(f"{M}/memberships").status_code == 201
    coop = _coop(ana, ben)
    capital = ana.post(f"{E}/{coop}/capital", json={"name": "Oven", "value": 5000})
    assert capital.status_code == 201, capital.text
    lathe = ana.post(f"{C}/assets", json=LATHE).json()["id"]
    rid = open_round(ana, clock)
    bid = place_bid(ben, rid, lathe, 4, "crafts", enterprise=coop)
    assert bid.status_code == 201, bid.text
    assert bid.json()["enterprise_id"] == coop


def test_a_bid_for_the_coop_lapses_when_its_bidder_loses_the_role(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    """Dee, a manager, bids for the co-op and is then dismissed: her bid no longer counts at
    the computation, and she may no longer withdraw it; the co-op's people still may."""
    ana, ben, dee = join_riverside(member, "Ana", "Ben", "Dee")
    coop = _coop(ana, ben)
    appointed = ana.post(f"{E}/{coop}/roles", json={"member": dee.id, "role": "manager"})
    assert appointed.status_code == 201, appointed.text
    lathe = ana.post(f"{C}/assets", json=LATHE).json()["id"]
    rid = open_round(ana, clock)
    rnd = f"{C}/allocation-rounds/{rid}"
    dees = place_bid(dee, rid, lathe, 4, "crafts", enterprise=coop)
    assert dees.status_code == 201, dees.text
    assert place_bid(ben, rid, lathe, 3, "crafts").status_code == 201
    dismissed = ana.delete(f"{E}/{coop}/roles/manager/{dee.id}")
    assert dismissed.status_code == 200, dismissed.text
    assert_problem(dee.delete(f"{rnd}/bids/{dees.json()['id']}"), 403, "not_allowed")
    clock.advance(days=1, minutes=1)
    body = ben.post(f"{rnd}/compute").json()
    assert [(a["member_id"], a["enterprise_id"]) for a in body["allocations"]] == [(ben.id, None)]
    assert body["passes"][0]["summary"]["bidders"] == 1
