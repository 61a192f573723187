"""Links and cross-payments through the API, between two collectives on this server (the same
signed protocol as between servers, delivered in-process), on both databases."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cybermutual.domain.errors import PeerUnreachable
from cybermutual.services.container import Services
from tests.helpers import FakeClock, assert_problem

R, H = "/collectives/riverside", "/collectives/hillside"
_keys = itertools.count()


def collective(slug: str, code: str, decimals: int) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": slug.capitalize(),
        "currency": {"code": code, "name": f"{slug} credit", "decimals": decimals},
        "charter": {"default_credit_limit": 100_000, "admission": "open", "levy_rate": "0"},
    }


def pass_proposal(
    services: Services, who: Any, path: str, kind: str, params: dict[str, Any]
) -> None:
    reply = who.post(f"{path}/proposals", json={"kind": kind, "title": kind, "params": params})
    assert reply.status_code == 201, reply.text
    proposal = reply.json()
    assert (
        who.post(f"{path}/proposals/{proposal['id']}/votes", json={"choice": "yes"}).status_code
        == 200
    )
    services.tick.tick(impacts=False)  # a sole member's vote closes it already
    assert who.get(f"{path}/proposals/{proposal['id']}").json()["status"] == "passed"


def federate(services: Services) -> dict[str, Any]:
    return services.federation.tick().as_dict()


def pay(who: Any, path: str, link: str, to: str, amount: int, **extra: Any) -> Any:
    return who.post(
        f"{path}/cross-payments",
        key=f"x{next(_keys)}",
        json={"link": link, "to": to, "amount": amount, **extra},
    )


def the_link(who: Any, path: str) -> dict[str, Any]:
    links = who.get(f"{path}/links").json()
    assert len(links) == 1, links
    result: dict[str, Any] = links[0]
    return result


@pytest.fixture
def linked(client: TestClient, member: Any, services: Services) -> tuple[Any, Any, str, str]:
    """Riverside (RVC, 2 decimals) and Hillside (HLC, 0 decimals), linked by both votes:
    1 RVC = 3/2 HLC, so 100 minor RVC (1.00 RVC) credit 1 HLC and a half, rounded down."""
    ada, bo = member("Ada"), member("Bo")
    assert ada.post("/collectives", json=collective("riverside", "RVC", 2)).status_code == 201
    assert bo.post("/collectives", json=collective("hillside", "HLC", 0)).status_code == 201
    pass_proposal(
        services,
        ada,
        R,
        "open_link",
        {"peer": "hillside", "rate": "3/2", "limit_out": 50_000, "limit_in": 40_000},
    )
    assert the_link(ada, R)["state"] == "awaiting_peer"
    federate(services)  # the offer reaches Hillside
    offered = the_link(bo, H)
    assert offered["state"] == "offered"
    assert offered["peer_terms"] == {"rate": "3/2", "limit_out": 50_000, "limit_in": 40_000}
    pass_proposal(
        services,
        bo,
        H,
        "open_link",
        {"peer": "riverside", "rate": "2/3", "limit_out": 300, "limit_in": 600},
    )
    assert the_link(bo, H)["state"] == "active"
    federate(services)  # the accept reaches Riverside
    link_r, link_h = the_link(ada, R), the_link(bo, H)
    assert link_r["state"] == link_h["state"] == "active"
    return ada, bo, link_r["id"], link_h["id"]


def test_both_votes_open_a_link_and_payments_cross_it_both_ways(
    linked: tuple[Any, Any, str, str], client: TestClient
) -> None:
    ada, bo, link_r, link_h = linked
    sent = pay(ada, R, link_r, bo.id, 1001, memo="apples")  # 10.01 RVC = 15.015 HLC -> 15
    assert sent.status_code == 201, sent.text
    assert (sent.json()["state"], sent.json()["converted"]) == ("committed", 15)
    assert bo.get(f"{H}/accounts/me").json()["balance"] == 15
    assert ada.get(f"{R}/accounts/me").json()["balance"] == -1001

    back = pay(bo, H, link_h, ada.id, 7)  # 7 HLC = 4.666.. RVC -> 466 minor units
    assert back.status_code == 201, back.text
    assert back.json()["converted"] == 466
    assert ada.get(f"{R}/accounts/me").json()["balance"] == -1001 + 466

    r, h = ada.get(f"{R}/links/{link_r}").json(), bo.get(f"{H}/links/{link_h}").json()
    assert r["position"] == 1001 - 466  # Riverside's members owe Hillside's
    assert h["position"] == -15 + 7
    assert r["peer_position"] == h["position"]  # each side's records mirror the other's
    assert h["peer_position"] == r["position"]
    for path in (R, H):
        assert client.get(f"/api/v1{path}/ledger/verify").json()["ok"] is True
    mine = bo.get(f"{H}/cross-payments").json()["items"]
    assert [(p["direction"], p["amount"]) for p in mine] == [("out", 7), ("in", 15)]


def test_limits_bind_on_both_sides_and_refusals_move_nothing(
    linked: tuple[Any, Any, str, str], client: TestClient
) -> None:
    ada, bo, link_r, link_h = linked
    # Hillside lends Riverside's members at most 600 HLC (its limit_in): 40_067 -> 601.005 HLC
    refused = assert_problem(pay(ada, R, link_r, bo.id, 40_067), 422, "cross_payment_refused")
    assert "link_limit_exceeded" in refused["detail"]
    assert ada.get(f"{R}/accounts/me").json()["balance"] == 0
    assert ada.get(f"{R}/accounts/me").json()["reserved"] == 0
    # Riverside's own limit_out (50_000) binds before Hillside is even asked
    assert_problem(pay(ada, R, link_r, bo.id, 50_001), 422, "link_limit_exceeded")
    # a payee who is not a member there: refused by Hillside, voided here
    stranger = assert_problem(pay(ada, R, link_r, "nobody", 100), 422, "cross_payment_refused")
    assert "not" in stranger["detail"]
    assert pay(bo, H, link_h, ada.id, 301).status_code == 422  # Hillside's limit_out is 300
    for path in (R, H):
        assert client.get(f"/api/v1{path}/ledger/verify").json()["ok"] is True
    assert the_link(ada, R)["position"] == 0


def test_the_same_key_pays_once(linked: tuple[Any, Any, str, str]) -> None:
    ada, bo, link_r, _ = linked
    body = {"link": link_r, "to": bo.id, "amount": 200}
    first = ada.post(f"{R}/cross-payments", key="same", json=body)
    again = ada.post(f"{R}/cross-payments", key="same", json=body)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert bo.get(f"{H}/accounts/me").json()["balance"] == 3
    assert_problem(
        ada.post(f"{R}/cross-payments", key="same", json={**body, "amount": 300}),
        409,
        "idempotency_key_reused",
    )


def test_a_suspended_link_carries_nothing_until_resumed_and_closing_freezes_it(
    linked: tuple[Any, Any, str, str], services: Services, client: TestClient
) -> None:
    ada, bo, link_r, link_h = linked
    assert pay(ada, R, link_r, bo.id, 1000).status_code == 201  # Riverside owes 1000 RVC minor
    pass_proposal(services, bo, H, "suspend_link", {"link": link_h})
    federate(services)
    assert the_link(ada, R)["state"] == "suspended"
    assert_problem(pay(ada, R, link_r, bo.id, 100), 422, "link_not_active")
    pass_proposal(
        services,
        bo,
        H,
        "open_link",
        {"peer": "riverside", "rate": "2/3", "limit_out": 300, "limit_in": 600},
    )
    federate(services)
    assert the_link(ada, R)["state"] == the_link(bo, H)["state"] == "active"

    pass_proposal(services, ada, R, "close_link", {"link": link_r})
    federate(services)
    assert the_link(ada, R)["state"] == the_link(bo, H)["state"] == "closing"
    # frozen: nothing that grows the position, only payments back toward zero
    assert_problem(pay(ada, R, link_r, bo.id, 100), 422, "link_not_active")
    assert pay(bo, H, link_h, ada.id, 10).status_code == 201  # 10 HLC -> 666 RVC minor
    assert the_link(ada, R)["position"] == 1000 - 666
    assert pay(bo, H, link_h, ada.id, 6).status_code == 422  # 400 would pass zero
    assert pay(bo, H, link_h, ada.id, 5).status_code == 201  # 333: leaves 1 minor unit
    assert the_link(ada, R)["position"] == 1
    for path in (R, H):
        assert client.get(f"/api/v1{path}/ledger/verify").json()["ok"] is True


class Recorder:
    """The server's transport, keeping a copy of every message it delivers."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sent: list[dict[str, Any]] = []

    def send(self, url: str | None, message: dict[str, Any]) -> dict[str, Any]:
        self.sent.append(copy.deepcopy(message))
        answer: dict[str, Any] = self.inner.send(url, message)
        return answer

    def public_key(self, url: str | None, slug: str) -> tuple[str, str]:
        key: tuple[str, str] = self.inner.public_key(url, slug)
        return key


def test_replayed_tampered_stale_or_unsigned_messages_are_refused(
    linked: tuple[Any, Any, str, str], services: Services, client: TestClient, clock: FakeClock
) -> None:
    ada, bo, link_r, _ = linked
    recorder = Recorder(services.federation.transport)
    services.federation.transport = recorder
    assert pay(ada, R, link_r, bo.id, 300).status_code == 201
    prepare = next(m for m in recorder.sent if m["message"]["kind"] == "prepare")

    def deliver(wire: Any) -> Any:
        return client.post("/federation/v1/messages", json=wire)

    replayed = assert_problem(deliver(prepare), 403, "message_refused")
    assert replayed["context"]["reason"] == "replayed"

    tampered = copy.deepcopy(prepare)
    tampered["message"]["nonce"] = "f" * 32  # a fresh nonce, so only the signature can tell
    tampered["message"]["body"]["amount"] = 30_000
    assert assert_problem(deliver(tampered), 403, "message_refused")["context"]["reason"] == (
        "bad_signature"
    )
    forged = copy.deepcopy(prepare)
    forged["message"]["nonce"] = "e" * 32
    forged["message"]["body"]["payment"] = "a" * 32  # another payment, same signature
    assert deliver(forged).json()["context"]["reason"] == "bad_signature"

    clock.advance(minutes=6)
    stale = copy.deepcopy(prepare)
    assert deliver(stale).json()["context"]["reason"] == "stale"

    stranger = copy.deepcopy(prepare)
    stranger["message"]["sender"] = "#nobody"
    stranger["message"]["timestamp"] = clock.now().isoformat()
    assert deliver(stranger).json()["context"]["reason"] in ("unknown_sender", "bad_signature")
    for junk in ({}, {"message": 1, "signature": "x"}, {"message": {}, "signature": "x"}):
        assert deliver(junk).status_code == 403
    assert (
        client.post(
            "/federation/v1/messages", content=b"[1]", headers={"Content-Type": "application/json"}
        ).status_code
        == 422
    )
    # nothing moved but the one payment
    assert bo.get(f"{H}/accounts/me").json()["balance"] == 4
    for path in (R, H):
        assert client.get(f"/api/v1{path}/ledger/verify").json()["ok"] is True


class Flaky(Recorder):
    """The transport, failing like a network: everything while ``down``, or only some kinds."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.down = False
        self.lose: set[str] = set()

    def send(self, url: str | None, message: dict[str, Any]) -> dict[str, Any]:
        if self.down or message["message"]["kind"] in self.lose:
            raise PeerUnreachable("the network is down", retry_after_seconds=1)
        return super().send(url, message)


def balances(ada: Any, bo: Any) -> tuple[dict[str, int], dict[str, int]]:
    a, b = ada.get(f"{R}/accounts/me").json(), bo.get(f"{H}/accounts/me").json()
    return (
        {k: a[k] for k in ("balance", "reserved")},
        {k: b[k] for k in ("balance", "reserved")},
    )


def test_a_payment_the_peer_cannot_answer_is_held_then_settled_or_voided_on_both_sides(
    linked: tuple[Any, Any, str, str], services: Services, client: TestClient, clock: FakeClock
) -> None:
    ada, bo, link_r, _ = linked
    net = Flaky(services.federation.transport)
    services.federation.transport = net
    net.down = True
    held = pay(ada, R, link_r, bo.id, 200)
    assert (held.status_code, held.json()["state"]) == (202, "preparing")
    assert balances(ada, bo) == ({"balance": 0, "reserved": 200}, {"balance": 0, "reserved": 0})
    net.down = False
    clock.advance(seconds=5)
    federate(services)  # the retry reaches Hillside: committed on both sides
    assert balances(ada, bo) == ({"balance": -200, "reserved": 0}, {"balance": 3, "reserved": 0})
    assert ada.get(f"{R}/cross-payments/{held.json()['id']}").json()["state"] == "committed"

    net.down = True  # this one never gets through: after the timeout both sides void it
    late = pay(ada, R, link_r, bo.id, 500)
    assert late.status_code == 202
    clock.advance(minutes=3)
    federate(services)
    assert ada.get(f"{R}/cross-payments/{late.json()['id']}").json()["state"] == "aborted"
    assert balances(ada, bo)[0] == {"balance": -200, "reserved": 0}
    net.down = False
    clock.advance(seconds=5)  # the next retry
    federate(services)  # Hillside learns of the abort, and refuses a prepare coming after it
    assert [m["message"]["kind"] for m in net.sent][-1] == "abort"
    for path in (R, H):
        assert client.get(f"/api/v1{path}/ledger/verify").json()["ok"] is True


def test_a_destination_in_doubt_asks_the_origin_and_follows_it(
    linked: tuple[Any, Any, str, str], services: Services, client: TestClient, clock: FakeClock
) -> None:
    ada, bo, link_r, link_h = linked
    net = Flaky(services.federation.transport)
    services.federation.transport = net
    net.lose = {"commit"}  # the decision never arrives at Hillside by itself
    sent = pay(ada, R, link_r, bo.id, 1000)
    assert (sent.status_code, sent.json()["state"]) == (201, "committed")
    mine = bo.get(f"{H}/cross-payments").json()["items"][0]
    assert (mine["ref"], mine["state"]) == (sent.json()["ref"], "prepared")
    assert bo.get(f"{H}/links/{link_h}").json()["held_in"] == 15
    clock.advance(seconds=11)
    federate(services)  # Hillside asks Riverside (status) and posts
    assert bo.get(f"{H}/cross-payments").json()["items"][0]["state"] == "committed"
    assert bo.get(f"{H}/accounts/me").json()["balance"] == 15
    assert "status" in [m["message"]["kind"] for m in net.sent]
    net.lose = set()
    clock.advance(minutes=2)
    federate(services)  # and Riverside's own resent commit finds it done
    r, h = the_link(ada, R), the_link(bo, H)
    assert (r["held_out"], h["held_in"]) == (0, 0)
    assert r["peer_position"] == h["position"] == -15
    for path in (R, H):
        assert client.get(f"/api/v1{path}/ledger/verify").json()["ok"] is True


def test_each_day_opposite_flows_are_netted(
    linked: tuple[Any, Any, str, str], services: Services, clock: FakeClock
) -> None:
    ada, bo, link_r, link_h = linked
    assert pay(ada, R, link_r, bo.id, 1000).status_code == 201  # 15 HLC
    assert pay(bo, H, link_h, ada.id, 9).status_code == 201  # 600 RVC minor
    clock.advance(days=1)
    assert federate(services)["clearings"] == 2  # one per side
    assert federate(services)["clearings"] == 0  # once a day
    day = ada.get(f"{R}/links/{link_r}").json()["clearings"][0]
    assert {k: day[k] for k in ("paid_out", "paid_in", "net", "netted", "position")} == {
        "paid_out": 1000,
        "paid_in": 600,
        "net": 400,
        "netted": 600,
        "position": 400,
    }


class Forger(Recorder):
    """A man in the middle: turns every refusal of a prepare into a 'prepared'."""

    def send(self, url: str | None, message: dict[str, Any]) -> dict[str, Any]:
        answer = super().send(url, message)
        if answer.get("state") == "refused":
            answer["state"] = "prepared"
        return answer


def test_an_answer_not_signed_by_the_peer_decides_nothing(
    linked: tuple[Any, Any, str, str], services: Services, client: TestClient, clock: FakeClock
) -> None:
    ada, bo, link_r, _ = linked
    honest = services.federation.transport
    services.federation.transport = Forger(honest)
    forged = pay(ada, R, link_r, "nobody", 100)  # Hillside refuses; the forged yes is ignored
    assert (forged.status_code, forged.json()["state"]) == (202, "preparing")
    services.federation.transport = honest
    clock.advance(seconds=5)
    federate(services)
    assert ada.get(f"{R}/cross-payments/{forged.json()['id']}").json()["state"] == "aborted"
    assert balances(ada, bo)[0] == {"balance": 0, "reserved": 0}
    for path in (R, H):
        assert client.get(f"/api/v1{path}/ledger/verify").json()["ok"] is True


def test_offers_waiting_for_a_vote_are_bounded(
    linked: tuple[Any, Any, str, str],
    services: Services,
    member: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, bo, _, _ = linked
    monkeypatch.setattr("cybermutual.services.federation.MAX_OFFERS", 1)
    for slug in ("eastbank", "westbank"):
        cy = member("Cy")
        assert cy.post("/collectives", json=collective(slug, "EBC", 2)).status_code == 201
        pass_proposal(
            services,
            cy,
            f"/collectives/{slug}",
            "open_link",
            {"peer": "hillside", "rate": "1", "limit_out": 10, "limit_in": 10},
        )
    federate(services)  # Hillside takes the first offer and refuses the second
    assert [link["peer"] for link in bo.get(f"{H}/links").json()] == ["riverside", "eastbank"]
    assert the_link(cy, "/collectives/westbank")["state"] == "awaiting_peer"
