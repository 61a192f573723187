"""Juries through the API on both databases (issue #8, item 15): a checkable draw from a
committed, secret seed, and what happens when a juror leaves the collective."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from fastapi.testclient import TestClient

from cybermutual.services.container import Services
from tests.api.helpers import M, account_of, assert_ledger_verifies, join_riverside, post_offer
from tests.helpers import assert_problem


def _disputed(member: Any, *names: str) -> tuple[Any, Any, list[Any], dict[str, Any]]:
    """An order from the first to the second, delivered, disputed by the buyer."""
    seller, buyer, *others = join_riverside(member, *names)
    lamp = post_offer(seller, title="Desk lamp", category="crafts", price=800, quantity=1)
    oid = buyer.post(f"{M}/orders", key="o", json={"listing_id": lamp["id"]}).json()["id"]
    seller.post(f"{M}/orders/{oid}/accept")
    seller.post(f"{M}/orders/{oid}/deliver")
    opened = buyer.post(f"{M}/orders/{oid}/dispute", key="d", json={"reason": "Broken"})
    assert opened.status_code == 201, opened.text
    return seller, buyer, others, opened.json()


def _rank(seed: str, member_id: str) -> str:
    return hashlib.sha256(f"{seed}:{member_id}".encode()).hexdigest()


def test_the_draw_is_committed_then_revealed_and_anyone_can_check_it(
    client: TestClient, member: Any, services: Services
) -> None:
    assert isinstance(services.market._rng, secrets.SystemRandom)  # a CSPRNG in production
    _seller, _buyer, others, dispute = _disputed(member, "Ada", "Bo", "Cy", "Di", "Ed", "Fe")
    assert dispute["jury_draw"] == "sha256-rank"
    assert dispute["jury_seed"] is None  # secret while open: nobody can predict replacements
    commitment = dispute["jury_commitment"]
    assert len(commitment) == 64
    jury = [j["member_id"] for j in dispute["jury"]]
    by_id = {p.id: p for p in others}
    for n, juror in enumerate(jury[:2]):
        closed = (
            by_id[juror]
            .post(f"{M}/disputes/{dispute['id']}/votes", key=f"v{n}", json={"vote": "release"})
            .json()
        )
    assert closed["status"] == "decided"
    seed = closed["jury_seed"]
    assert hashlib.sha256(seed.encode()).hexdigest() == commitment
    # the jury is the eligible members (not the parties) with the lowest rank for that seed
    eligible = sorted((p.id for p in others), key=lambda m: _rank(seed, m))
    assert jury == eligible[:3]


def test_a_juror_who_left_cannot_vote_and_the_next_in_the_draw_takes_the_seat(
    client: TestClient, member: Any
) -> None:
    _seller, buyer, others, dispute = _disputed(member, "Ada", "Bo", "Cy", "Di", "Ed", "Fe")
    did = dispute["id"]
    by_id = {p.id: p for p in others}
    jury = [by_id[j["member_id"]] for j in dispute["jury"]]
    (spare,) = [p for p in others if p not in jury]
    leaver = jury[0]
    assert leaver.delete(f"{M}/memberships/me").status_code == 200
    assert_problem(
        leaver.post(f"{M}/disputes/{did}/votes", key="v", json={"vote": "refund"}),
        403,
        "juror_left",
    )
    now = buyer.get(f"{M}/disputes/{did}").json()
    seats = {j["member_id"]: j["vacated"] for j in now["jury"]}
    assert seats == {leaver.id: True, jury[1].id: False, jury[2].id: False, spare.id: False}
    summons = spare.get(f"{M}/inbox").json()["items"]
    assert any(i["event"] == "jury_summons" and i["subject_id"] == did for i in summons)
    jury[1].post(f"{M}/disputes/{did}/votes", key="v", json={"vote": "refund"})
    decided = spare.post(f"{M}/disputes/{did}/votes", key="v", json={"vote": "refund"}).json()
    assert (decided["status"], decided["seller_share"]) == ("decided", 0)
    # the replacement is the next in the same seed's ranking, so it can be checked too
    seed = decided["jury_seed"]
    ranked = sorted((p.id for p in others), key=lambda m: _rank(seed, m))
    assert ranked == [j.id for j in jury] + [spare.id]
    assert account_of(buyer)["balance"] == 0
    assert_ledger_verifies(client)


def test_with_nobody_left_to_draw_the_remaining_jurors_decide(
    client: TestClient, member: Any
) -> None:
    seller, buyer, others, dispute = _disputed(member, "Ada", "Bo", "Cy", "Di", "Ed")
    did = dispute["id"]
    by_id = {p.id: p for p in others}
    first, second, third = (by_id[j["member_id"]] for j in dispute["jury"])
    first.post(f"{M}/disputes/{did}/votes", key="v", json={"vote": "release"})
    second.post(f"{M}/disputes/{did}/votes", key="v", json={"vote": "refund"})
    # the third leaves without voting; the two who voted disagree, so it is the middle ground
    assert third.delete(f"{M}/memberships/me").status_code == 200
    decided = buyer.get(f"{M}/disputes/{did}").json()
    assert (decided["status"], decided["outcome"], decided["seller_share"]) == (
        "decided",
        "split",
        400,
    )
    assert decided["order"]["status"] == "resolved"
    assert account_of(seller)["balance"] == 400
    assert account_of(buyer) == {"balance": -400, "available": -400, "reserved": 0}
    assert_ledger_verifies(client)
