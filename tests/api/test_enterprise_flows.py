"""Enterprises through the API on both databases (issue 14): a co-operative that logs hours,
sells on the market, closes a period and pays merit shares; a firm that pays wages and shares
its profit with an employee who holds vested equity; a member with two contracts who sees both
incomes; and the collective's report. ``ledger verify`` holds after each."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import COLLECTIVE, M, account_of, assert_ledger_verifies, join_riverside
from tests.helpers import FakeClock, assert_problem

E = f"{M}/enterprises"


def _found(founder: Any, **body: Any) -> dict[str, Any]:
    reply = founder.post(E, json=body)
    assert reply.status_code == 201, reply.text
    result: dict[str, Any] = reply.json()
    return result


def _contract(by: Any, enterprise: str, member: Any, wage: int, **extra: Any) -> str:
    body = {"member": member.id, "hourly_wage": wage, **extra}
    reply = by.post(f"{E}/{enterprise}/contracts", json=body)
    assert reply.status_code == 201, reply.text
    contract_id: str = reply.json()["id"]
    return contract_id


def _log(who: Any, enterprise: str, contract: str, hours: str, clock: FakeClock) -> str:
    worked_at = (clock.now() - timedelta(minutes=30)).isoformat()
    body = {"contract": contract, "worked_at": worked_at, "hours": hours}
    reply = who.post(f"{E}/{enterprise}/hours", json=body)
    assert reply.status_code == 201, reply.text
    entry: str = reply.json()["id"]
    return entry


def _sell(seller: Any, enterprise: str, buyer: Any, *, price: int, deliverer: Any, n: int) -> None:
    offer = seller.post(
        f"{M}/listings",
        json={
            "kind": "offer",
            "title": f"Rye loaf {n}",
            "category": "food",
            "price": price,
            "quantity": 1,
            "enterprise": enterprise,
        },
    )
    assert offer.status_code == 201, offer.text
    assert offer.json()["enterprise_id"] == enterprise
    order = buyer.post(f"{M}/orders", key=f"buy-{n}", json={"listing_id": offer.json()["id"]})
    assert order.status_code == 201, order.text
    oid = order.json()["id"]
    assert deliverer.post(f"{M}/orders/{oid}/accept").status_code == 200
    delivered = deliverer.post(f"{M}/orders/{oid}/deliver").json()
    assert delivered["delivered_by"] == deliverer.id
    assert buyer.post(f"{M}/orders/{oid}/confirm", key=f"ok-{n}").json()["status"] == "completed"


def _patch(who: Any, path: str, body: dict[str, Any]) -> Any:
    return who.client.patch(f"/api/v1{path}", json=body, headers=who.headers)


def _close(who: Any, enterprise: str, period: str, key: str) -> Any:
    return who.post(f"{E}/{enterprise}/periods/{period}/close", key=key)


def test_a_cooperative_sells_logs_hours_and_pays_merit_shares(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    ana, ben, cy, dee = join_riverside(member, "Ana", "Ben", "Cy", "Dee")
    coop = _found(
        ana,
        kind="cooperative",
        name="Rye & Co",
        cofounders=[ben.id],
        merit_metric="hours_x_productivity",
        reserve_share="0.1",
    )
    cid = coop["id"]
    assert coop["credit_limit"] == COLLECTIVE["charter"]["default_credit_limit"]
    assert sorted(p["role"] for p in coop["people"]) == ["worker_owner", "worker_owner"]

    # two sales: Ben delivers 1,000, Ana 500; the escrow pays the co-op, not the seller
    _sell(ana, cid, cy, price=1000, deliverer=ben, n=1)
    _sell(ana, cid, dee, price=500, deliverer=ana, n=2)
    assert ana.get(f"{E}/{cid}").json()["balance"] == 1500
    assert account_of(ana)["balance"] == 0
    assert_problem(  # a buyer is not the co-op's seller
        cy.post(
            f"{M}/listings",
            json={
                "kind": "offer",
                "title": "Fake",
                "category": "food",
                "price": 1,
                "quantity": 1,
                "enterprise": cid,
            },
        ),
        403,
        "not_permitted",
    )

    # hours: logged by each, approved by the other; nobody else approves
    mine = _contract(ana, cid, ana, 100)
    bens = _contract(ana, cid, ben, 100)
    clock.advance(hours=1)
    a_hours = _log(ana, cid, mine, "2", clock)
    b_hours = _log(ben, cid, bens, "2", clock)
    assert_problem(_log_as(cy, cid, bens, clock), 403, "not_permitted")
    assert_problem(ana.post(f"{E}/{cid}/hours/{a_hours}/approve"), 403, "not_permitted")
    assert_problem(cy.post(f"{E}/{cid}/hours/{b_hours}/approve"), 403, "not_permitted")
    assert ben.post(f"{E}/{cid}/hours/{a_hours}/approve").json()["status"] == "approved"
    assert ana.post(f"{E}/{cid}/hours/{b_hours}/approve").json()["status"] == "approved"

    # flour from Dee: a cost of the period, paid from the co-op's account by a worker-owner
    flour = {"to": dee.id, "amount": 100, "memo": "rye flour"}
    paid = ben.post(f"{E}/{cid}/payments", key="flour", json=flour)
    assert paid.status_code == 201, paid.text
    assert (paid.json()["from_name"], paid.json()["to_name"]) == ("Rye & Co", "Dee")
    assert ben.post(f"{E}/{cid}/payments", key="flour", json=flour).json() == paid.json()
    assert_problem(cy.post(f"{E}/{cid}/payments", key="x", json=flour), 403, "not_permitted")

    # no payout without a close, and no close before the period ends
    period = ana.post(
        f"{E}/{cid}/periods", json={"ends_at": (clock.now() + timedelta(hours=1)).isoformat()}
    )
    assert period.status_code == 201, period.text
    pid = period.json()["id"]
    assert ana.get(f"{E}/{cid}/payouts").json() == []
    assert_problem(_close(ana, cid, pid, "early"), 409, "period_not_over")
    assert_problem(_close(cy, cid, pid, "not-mine"), 403, "not_permitted")
    clock.advance(hours=2)

    closed = _close(ana, cid, pid, "close-1")
    assert closed.status_code == 200, closed.text
    figures = closed.json()["figures"]
    # 1,500 revenue - 400 wages - 100 flour = 1,000; 100 kept as reserve; 900 shared by sales
    assert figures == {
        "revenue": 1500, "wages": 400, "costs": 100, "result": 1000, "loss_recovered": 0,
        "reserve_added": 100, "reserve_used": 0, "shared": 900, "reserve_after": 100,
        "loss_carried_after": 0,
    }  # fmt: skip
    shares = {
        p["member_id"]: p["amount"]
        for p in closed.json()["payouts"]
        if p["kind"] == "surplus_share"
    }
    assert shares == {ben.id: 600, ana.id: 300}
    assert account_of(ben)["balance"] == 200 + 600
    assert account_of(ana)["balance"] == 200 + 300
    assert ana.get(f"{E}/{cid}").json()["balance"] == 100

    # closing twice pays once: the same key replays, another key finds it closed
    assert _close(ana, cid, pid, "close-1").json() == closed.json()
    again = _close(ben, cid, pid, "close-2")
    assert again.status_code == 200
    assert again.json()["closed_at"] == closed.json()["closed_at"]
    assert account_of(ben)["balance"] == 800
    assert ana.get(f"{E}/{cid}").json()["balance"] == 100
    hours = ana.get(f"{E}/{cid}/hours").json()
    assert {h["status"] for h in hours} == {"paid"}

    # the wallet history names the co-op on each wage and share
    moves = ben.get(f"{M}/transfers").json()["items"]
    from_coop = [t for t in moves if t["kind"] in ("wage", "profit_share")]
    assert {(t["kind"], t["amount"], t["from_name"]) for t in from_coop} == {
        ("wage", 200, "Rye & Co"),
        ("profit_share", 600, "Rye & Co"),
    }
    statement = ben.get(f"{M}/accounts/me/statement").json()["items"]
    assert {(line["purpose"], line["amount"], line["counterparty_name"]) for line in statement} == {
        ("wage", 200, "Rye & Co"),
        ("profit_share", 600, "Rye & Co"),
    }
    income = ben.get(f"{M}/me/income").json()
    assert [(i["enterprise_name"], i["wages"], i["shares"], i["hours"]) for i in income] == [
        ("Rye & Co", 200, 600, "2")
    ]

    # the P&L, as JSON and as CSV
    pnl = ana.get(f"{E}/{cid}/reports").json()
    assert [p["figures"]["shared"] for p in pnl] == [900]
    sheet = ana.get(f"{E}/{cid}/reports", params={"format": "csv"})
    assert sheet.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(sheet.text)))
    assert rows[0][:4] == ["period", "starts_at", "ends_at", "revenue"]
    assert rows[1][3:7] == ["1500", "400", "100", "1000"]
    assert_ledger_verifies(client)


def _log_as(who: Any, enterprise: str, contract: str, clock: FakeClock) -> Any:
    worked_at = (clock.now() - timedelta(minutes=30)).isoformat()
    return who.post(
        f"{E}/{enterprise}/hours", json={"contract": contract, "worked_at": worked_at, "hours": "1"}
    )


def test_a_firm_pays_wages_and_shares_profit_with_an_employee_owner(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    fay, gus, hal, ivy = join_riverside(member, "Fay", "Gus", "Hal", "Ivy")
    firm = _found(fay, kind="firm", name="Fixit Ltd", founder_shares=100)
    fid = firm["id"]
    assert [p["role"] for p in firm["people"]] == ["owner"]
    contract = _contract(fay, fid, gus, 200)
    _contract(fay, fid, ivy, 150)
    now = clock.now()
    grant = fay.post(
        f"{E}/{fid}/equity",
        json={
            "member": gus.id,
            "shares": 100,
            "vest_start": now.isoformat(),
            "vest_end": (now + timedelta(days=10)).isoformat(),
        },
    )
    assert grant.status_code == 201, grant.text
    _sell(fay, fid, hal, price=1000, deliverer=gus, n=3)

    clock.advance(hours=1)
    entry = _log(gus, fid, contract, "3", clock)
    assert_problem(ivy.post(f"{E}/{fid}/hours/{entry}/approve"), 403, "not_permitted")
    assert fay.post(f"{E}/{fid}/hours/{entry}/approve").status_code == 200

    # only owners see the owner register (Gus holds a grant, so he is one)
    assert_problem(ivy.get(f"{E}/{fid}/equity"), 403, "not_permitted")
    assert_problem(hal.get(f"{E}/{fid}/equity"), 403, "not_permitted")
    assert gus.get(f"{E}/{fid}/equity").status_code == 200

    ends = now + timedelta(days=5)  # half of Gus's grant has vested by then
    pid = fay.post(f"{E}/{fid}/periods", json={"ends_at": ends.isoformat()}).json()["id"]
    clock.advance(days=5)
    closed = _close(fay, fid, pid, "firm-close")
    assert closed.status_code == 200, closed.text
    assert closed.json()["figures"]["result"] == 1000 - 600
    dividends = {
        p["member_id"]: p["amount"] for p in closed.json()["payouts"] if p["kind"] == "dividend"
    }
    # 400 pro rata to vested shares 100 : 50, largest remainder: 266.67 -> 267, 133.33 -> 133
    assert dividends == {fay.id: 267, gus.id: 133}
    assert account_of(gus)["balance"] == 600 + 133
    # the P&L is the collective's to read; who was paid what, only for those who run the firm
    # (and each their own): dividends would show the owner register to everyone
    assert [p["figures"]["shared"] for p in hal.get(f"{E}/{fid}/reports").json()] == [400]
    assert hal.get(f"{E}/{fid}/reports").json()[0]["payouts"] == []
    assert ivy.get(f"{E}/{fid}/periods/{pid}").json()["payouts"] == []
    assert ivy.get(f"{E}/{fid}/payouts").json() == []
    assert len(gus.get(f"{E}/{fid}/periods/{pid}").json()["payouts"]) == 3  # an owner now
    # issuing shares takes a majority of the vested shares: Gus's 50 of 150 cannot dilute Fay
    more = {"member": gus.id, "shares": 1000}
    assert_problem(gus.post(f"{E}/{fid}/equity", json=more), 403, "not_permitted")
    # dismissing Ivy ends her contract with her role
    assert fay.delete(f"{E}/{fid}/roles/employee/{ivy.id}").status_code == 200
    assert [c["ends_at"] is not None for c in ivy.get(f"{E}/{fid}/contracts").json()] == [True]
    # the majority owner sets the firm's terms; a minority owner cannot; a co-op votes on its own
    terms = {"wage_rates": {"employee": 250}, "reserve_share": "0.2"}
    changed = _patch(fay, f"{E}/{fid}", terms)
    assert (changed.json()["wage_rates"], changed.json()["reserve_share"]) == (
        {"employee": 250},
        "0.2",
    )
    assert_problem(_patch(gus, f"{E}/{fid}", terms), 403, "not_permitted")
    coop = _found(fay, kind="cooperative", name="Fay's co-op")["id"]
    assert_problem(_patch(fay, f"{E}/{coop}", terms), 403, "not_permitted")
    hired = fay.post(f"{E}/{fid}/contracts", json={"member": hal.id})
    assert hired.json()["hourly_wage"] == 250
    register = fay.get(f"{E}/{fid}/equity").json()
    assert {h["member_id"]: h["vested"] for h in register["holdings"]} == {fay.id: 100, gus.id: 50}
    assert_ledger_verifies(client)


def test_a_member_with_two_contracts_sees_both_incomes(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    ana, ben, fay = join_riverside(member, "Ana", "Ben", "Fay")
    coop = _found(ana, kind="cooperative", name="Rye & Co")["id"]
    firm = _found(fay, kind="firm", name="Fixit Ltd")["id"]
    at_coop = _contract(ana, coop, ben, 100)
    at_firm = _contract(fay, firm, ben, 300)
    clock.advance(hours=1)
    for enterprise, contract, boss in ((coop, at_coop, ana), (firm, at_firm, fay)):
        entry = _log(ben, enterprise, contract, "1.5", clock)
        assert boss.post(f"{E}/{enterprise}/hours/{entry}/approve").status_code == 200
        ends = clock.now().isoformat()
        pid = boss.post(f"{E}/{enterprise}/periods", json={"ends_at": ends}).json()["id"]
        assert _close(boss, enterprise, pid, f"close-{enterprise}").status_code == 200
    income = {i["enterprise_name"]: i for i in ben.get(f"{M}/me/income").json()}
    assert {n: (i["wages"], i["hours"], i["roles"]) for n, i in income.items()} == {
        "Rye & Co": (150, "1.5", ["employee"]),
        "Fixit Ltd": (450, "1.5", ["employee"]),
    }
    assert account_of(ben)["balance"] == 600
    # the wages came out of each enterprise's own account (within its credit limit)
    assert ana.get(f"{E}/{coop}").json()["balance"] == -150
    assert fay.get(f"{E}/{firm}").json()["balance"] == -450
    assert_ledger_verifies(client)


def test_the_collective_report_shows_the_measures(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    ana, ben, cy = join_riverside(member, "Ana", "Ben", "Cy")
    coop = _found(ana, kind="cooperative", name="Rye & Co", cofounders=[ben.id])["id"]
    firm = _found(ana, kind="firm", name="Fixit Ltd")["id"]
    _sell(ana, coop, cy, price=900, deliverer=ana, n=4)
    entries = [
        (coop, _contract(ana, coop, ana, 100), ana, "2"),
        (coop, _contract(ana, coop, ben, 100), ben, "1"),
        (firm, _contract(ana, firm, cy, 50), cy, "2"),
    ]
    clock.advance(hours=1)
    for enterprise, contract, who, hours in entries:
        entry = _log(who, enterprise, contract, hours, clock)
        approver = ben if who is ana else ana
        assert approver.post(f"{E}/{enterprise}/hours/{entry}/approve").status_code == 200
    for enterprise in (coop, firm):
        ends = clock.now().isoformat()
        pid = ana.post(f"{E}/{enterprise}/periods", json={"ends_at": ends}).json()["id"]
        assert _close(ana, enterprise, pid, f"c-{enterprise}").status_code == 200
    # coop: 900 - 300 wages = 600 shared by hours 2:1 -> Ana 400, Ben 200; firm: 100 wages
    # (Cy), a loss of 100 carried (no reserve yet)
    report = ana.get(f"{M}/enterprise-report").json()
    assert report["enterprises"] == 2
    assert (report["wages"], report["profit_shares"]) == (400, 600)
    assert (report["wage_share"], report["profit_share"]) == ("0.4000", "0.6000")
    assert report["pay_ratio"] == "2.0000"  # 100 an hour against Cy's 50
    assert (report["workers"], report["owner_workers"]) == (3, 2)
    assert report["owner_worker_share"] == "0.6667"
    # incomes Ana 600, Ben 300, Cy 100: Gini = (2 * (1*100 + 2*300 + 3*600)) / (3 * 1000) - 4/3
    assert report["income_gini"] == "0.3333"
    sheet = ana.get(f"{M}/enterprise-report", params={"format": "csv"})
    header, row = list(csv.reader(io.StringIO(sheet.text)))
    assert dict(zip(header, row, strict=True))["wage_share"] == "0.4000"
    firm_view = ana.get(f"{E}/{firm}").json()
    assert (firm_view["loss_carried"], firm_view["balance"]) == (100, -100)
    assert_ledger_verifies(client)


def test_enterprises_own_capital_only_outside_the_commons(client: TestClient, member: Any) -> None:
    ana, ben = join_riverside(member, "Ana", "Ben")  # riverside holds capital in common
    firm = _found(ana, kind="firm", name="Fixit Ltd")["id"]
    robot = {"name": "Bread robot", "value": 5000, "labour_hours_replaced": 40}
    assert_problem(ana.post(f"{E}/{firm}/capital", json=robot), 422, "capital_not_allowed")
    private = {
        **COLLECTIVE,
        "slug": "freeport",
        "charter": {**COLLECTIVE["charter"], "capital_mode": "private"},
    }
    assert ben.post("/collectives", json=private).status_code == 201
    own = ben.post(
        "/collectives/freeport/enterprises", json={"kind": "firm", "name": "Mill"}
    ).json()
    made = ben.post(f"/collectives/freeport/enterprises/{own['id']}/capital", json=robot)
    assert made.status_code == 201, made.text
    assert made.json()["automation"] is True
    report = ben.get("/collectives/freeport/enterprise-report").json()
    assert report["automation_capital"] == 5000


def test_an_enterprises_sale_auto_confirms_declines_and_is_seen_by_its_sellers(
    client: TestClient, member: Any, services: Any, clock: FakeClock
) -> None:
    ana, ben, cy, dee = join_riverside(member, "Ana", "Ben", "Cy", "Dee")
    coop = _found(ana, kind="cooperative", name="Rye & Co", cofounders=[ben.id])["id"]
    body = {"kind": "offer", "title": "Rye loaf", "category": "food", "price": 400,
            "quantity": 3, "enterprise": coop}  # fmt: skip
    loaf = ana.post(f"{M}/listings", json=body).json()["id"]
    first = cy.post(f"{M}/orders", key="x-1", json={"listing_id": loaf}).json()["id"]
    # Ben declines for the co-op: the hold goes back to Cy and the loaf back on the shelf
    declined = ben.post(f"{M}/orders/{first}/decline", key="no")
    assert declined.json()["status"] == "declined", declined.text
    assert account_of(cy) == {"balance": 0, "available": 0, "reserved": 0}
    assert ana.get(f"{M}/listings/{loaf}").json()["quantity"] == 3
    # Ben reads the co-op's order, Dee (no role) does not see it, and cannot act for it
    second = cy.post(f"{M}/orders", key="x-2", json={"listing_id": loaf}).json()["id"]
    assert ben.get(f"{M}/orders/{second}").json()["enterprise_id"] == coop
    assert_problem(dee.get(f"{M}/orders/{second}"), 404, "order_not_found")
    assert_problem(dee.post(f"{M}/orders/{second}/accept"), 403, "not_permitted")
    ben.post(f"{M}/orders/{second}/accept")
    ben.post(f"{M}/orders/{second}/deliver")
    clock.advance(days=15)  # nobody confirms: the charter's period ends, the co-op is paid
    assert ana.get(f"{M}/orders/{second}").json()["status"] == "completed"
    assert ana.get(f"{E}/{coop}").json()["balance"] == 400
    assert account_of(ana)["balance"] == 0
    assert_ledger_verifies(client)
