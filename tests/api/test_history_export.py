"""A member's signed history: exported, verified on this server and on another, attached when
joining; a forged or altered export fails."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cybermutual.api.app import create_app
from cybermutual.bootstrap import build_services
from cybermutual.domain.signing import Issuer, PublicKey, signing_input
from cybermutual.federation_http import keys_from_json
from cybermutual.services.container import Services
from cybermutual.services.keys import SecretSealer, new_key, sign_bytes, verify
from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import upgrade
from tests.api.helpers import COLLECTIVE, M, Member
from tests.helpers import FAST_PASSWORDS, FakeClock, assert_problem

HILLSIDE = {**COLLECTIVE, "slug": "hillside", "name": "Hillside"}


def trade(ada: Member, bob: Member) -> None:
    """Bob pays Ada twice, Ada pays Bob once."""
    for n, (payer, payee, amount) in enumerate([(bob, ada, 700), (ada, bob, 200), (bob, ada, 50)]):
        reply = payer.post(
            f"{M}/transfers", key=f"t{n}", json={"to": payee.id, "amount": amount, "memo": "=SUM"}
        )
        assert reply.status_code == 201, reply.text


@pytest.fixture
def riverside(member: Any) -> tuple[Member, Member]:
    ada, bob = member("Ada"), member("Bob")
    assert ada.post("/collectives", json=COLLECTIVE).status_code == 201
    assert bob.post(f"{M}/memberships").status_code == 201
    trade(ada, bob)
    lathe = {"name": "Lathe", "category": "woodworking", "capacity": 40, "unit": "hours"}
    assert ada.post(f"{M}/assets", json=lathe).status_code == 201
    return ada, bob


def test_a_member_downloads_their_signed_history_and_it_verifies(
    riverside: tuple[Member, Member],
) -> None:
    ada, bob = riverside
    reply = ada.get(f"{M}/me/export")
    assert reply.status_code == 200, reply.text
    assert "riverside-history.json" in reply.headers["content-disposition"]
    export = reply.json()
    payload = export["payload"]
    assert export["issuer"] == {"slug": "riverside", "base_url": "http://testserver"}
    assert payload["member"]["display_name"] == "Ada"
    assert "email" not in payload["member"]  # only its digest
    assert [line["amount"] for line in payload["history"]] == [50, -200, 700]
    assert payload["history"][0]["balance_after"] == 550
    assert payload["account"]["balance"] == 550
    assert payload["membership"]["status"] == "active"
    assert payload["activity"] == {"postings": 3, "trades": 3, "turnover": 950}
    assert payload["commons"]["assets_contributed"] == [
        {
            "name": "Lathe",
            "category": "woodworking",
            "capacity": 40,
            "unit": "hours",
            "contributed_at": payload["commons"]["assets_contributed"][0]["contributed_at"],
        }
    ]

    checked = bob.post("/exports/verify", json=export)
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["issuer"]["name"] == "Riverside"
    assert body["member_name"] == "Ada"
    assert body["trades"] == 3
    assert body["assets_contributed"] == 1
    assert body["key_id"] == export["key_id"]


ALTERATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "amount": lambda e: e["payload"]["history"][0].update(amount=5_000),
    "reviews": lambda e: e["payload"]["reputation"].update(reviews=40),
    "name": lambda e: e["payload"]["member"].update(display_name="Eve"),
    "added": lambda e: e["payload"].update(extra=1),
    "issuer": lambda e: e["issuer"].update(slug="other"),
    "signature": lambda e: e.update(signature=e["signature"][:-4] + "AAAA"),
}


def test_an_altered_export_fails(riverside: tuple[Member, Member]) -> None:
    ada, bob = riverside
    export = ada.get(f"{M}/me/export").json()
    for what, alter in ALTERATIONS.items():
        altered = copy.deepcopy(export)
        alter(altered)
        reply = bob.post("/exports/verify", json=altered)
        code = "unknown_key" if what == "issuer" else "signature_invalid"
        assert_problem(reply, 422, code)
    assert bob.post("/exports/verify", json=export).status_code == 200


def test_a_forged_export_fails(riverside: tuple[Member, Member], clock: FakeClock) -> None:
    """Signed with a key riverside never had, under riverside's name: unknown_key; and under
    riverside's key id: signature_invalid."""
    ada, bob = riverside
    export = ada.get(f"{M}/me/export").json()
    sealer = SecretSealer(None)
    forger = new_key("x", sealer=sealer, now=clock.now())
    private = sealer.open(forger.sealed_private_key, key_id=forger.public.key_id)
    issuer = Issuer("riverside", "http://testserver")
    payload = {
        **export["payload"],
        "reputation": {**export["payload"]["reputation"], "reviews": 99},
    }
    for key_id, code in (
        (forger.public.key_id, "unknown_key"),
        (export["key_id"], "signature_invalid"),
    ):
        forged = {
            "payload": payload,
            "key_id": key_id,
            "issuer": issuer.as_json(),
            "signature": sign_bytes(private, signing_input(payload, key_id=key_id, issuer=issuer)),
        }
        assert_problem(bob.post("/exports/verify", json=forged), 422, code)


def test_an_export_signed_by_a_key_since_retired_still_verifies(
    riverside: tuple[Member, Member], services: Services, clock: FakeClock
) -> None:
    ada, bob = riverside
    old = ada.get(f"{M}/me/export").json()
    clock.advance(days=1)
    services.keys.rotate("riverside")
    assert bob.post("/exports/verify", json=old).status_code == 200
    assert ada.get(f"{M}/me/export").json()["key_id"] != old["key_id"]


def test_the_csv_history_is_signed_and_safe_in_a_spreadsheet(
    riverside: tuple[Member, Member], client: TestClient
) -> None:
    ada, _ = riverside
    reply = ada.get(f"{M}/me/export", params={"format": "csv"})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert [r["amount"] for r in rows] == ["0.50", "-2.00", "7.00"]
    assert rows[0]["memo"] == "'=SUM"  # never a formula
    keys = client.get(f"/api/v1{M}/keys").json()["keys"]
    assert reply.headers["signature-key-id"] == keys[0]["key_id"]
    assert verify(keys[0]["public_key"], reply.content, reply.headers["signature"])


def test_joining_with_an_export_shows_members_the_verified_reputation(
    riverside: tuple[Member, Member], member: Any
) -> None:
    ada, _ = riverside
    cy = member("Cy")
    assert cy.post("/collectives", json=HILLSIDE).status_code == 201
    export = ada.get(f"{M}/me/export").json()

    joined = ada.post("/collectives/hillside/memberships", json={"export": export})
    assert joined.status_code == 201, joined.text
    (shown,) = cy.get(f"/collectives/hillside/memberships/{ada.id}/histories").json()
    assert shown["verified_at"]
    assert shown["issuer"]["slug"] == "riverside"
    assert shown["member_name"] == "Ada"
    assert ada.get("/collectives/hillside/memberships/me/histories").status_code == 200


def test_someone_elses_export_is_refused_and_nothing_changes(
    riverside: tuple[Member, Member], member: Any
) -> None:
    ada, bob = riverside
    cy = member("Cy")
    assert cy.post("/collectives", json=HILLSIDE).status_code == 201
    adas = ada.get(f"{M}/me/export").json()
    assert_problem(
        bob.post("/collectives/hillside/memberships", json={"export": adas}),
        422,
        "export_not_yours",
    )
    assert_problem(bob.get("/collectives/hillside/memberships/me"), 403, "not_a_member")
    assert_problem(
        bob.post("/collectives/hillside/memberships/me/histories", json={"export": adas}),
        403,
        "not_a_member",
    )


def test_a_history_is_brought_from_another_collective_not_the_same_one(
    riverside: tuple[Member, Member],
) -> None:
    ada, _ = riverside
    own = ada.get(f"{M}/me/export").json()
    reply = ada.post(f"{M}/memberships/me/histories", json={"export": own})
    assert assert_problem(reply, 422, "invalid_value")["context"]["field"] == "export"
    assert ada.get(f"{M}/memberships/me/histories").json() == []


def test_a_leaver_keeps_their_history_to_take_along(riverside: tuple[Member, Member]) -> None:
    ada, bob = riverside
    bob.post(f"{M}/transfers", key="even", json={"to": ada.id, "amount": 1, "memo": ""})
    assert ada.delete(f"{M}/memberships/me").status_code == 200
    export = ada.get(f"{M}/me/export").json()
    assert export["payload"]["membership"]["status"] == "left"
    assert bob.post("/exports/verify", json=export).status_code == 200


def test_only_the_member_exports_their_history(
    riverside: tuple[Member, Member], member: Any, client: TestClient
) -> None:
    assert_problem(member("Eve").get(f"{M}/me/export"), 403, "not_a_member")
    assert_problem(client.get(f"/api/v1{M}/me/export"), 401, "not_authenticated")
    assert_problem(client.post("/api/v1/exports/verify", json={}), 401, "not_authenticated")


def test_a_malformed_export_is_a_problem_not_a_crash(riverside: tuple[Member, Member]) -> None:
    for body in ({}, {"payload": 1}, {"payload": {"x": 1}, "key_id": "k"}):
        assert_problem(riverside[0].post("/exports/verify", json=body), 422, "signature_invalid")


# --- two servers: separate apps, separate databases -------------------------------------------


def same_person(server: TestClient, who: Member) -> Member:
    """``who`` registering on another server with the same e-mail address."""
    reply = server.post(
        "/api/v1/auth/register",
        json={"email": who.email, "password": "correct horse", "display_name": "Ada"},
    )
    assert reply.status_code == 201, reply.text
    token = server.post(
        "/api/v1/auth/token", data={"username": who.email, "password": "correct horse"}
    ).json()["access_token"]
    there = Member.__new__(Member)
    there.client, there.email, there.id = server, who.email, reply.json()["id"]
    there.headers = {"Authorization": f"Bearer {token}"}
    return there


class AppDirectory:
    """Fetches keys from another in-process app, as HttpKeyDirectory fetches them over HTTP."""

    def __init__(self) -> None:
        self.servers: dict[str, TestClient] = {}
        self.fetches = 0

    def fetch(self, base_url: str, slug: str) -> list[PublicKey]:
        self.fetches += 1
        reply = self.servers[base_url].get(f"/api/v1/collectives/{slug}/keys")
        assert reply.status_code == 200, reply.text
        return keys_from_json(reply.json(), slug=slug)


@pytest.fixture
def hillside_server(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[TestClient, AppDirectory]]:
    """A second server (its own SQLite database) at https://hillside.example."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hillside.db'}")
    upgrade(engine)
    directory = AppDirectory()
    services = build_services(
        engine,
        clock=clock,
        passwords=FAST_PASSWORDS,
        public_url="https://hillside.example",
        key_directory=directory,
    )
    app: FastAPI = create_app(services)
    with TestClient(app, base_url="https://hillside.example") as client:
        yield client, directory
    engine.dispose()


def test_a_member_moves_to_another_server_with_a_verified_history(
    riverside: tuple[Member, Member],
    client: TestClient,
    hillside_server: tuple[TestClient, AppDirectory],
) -> None:
    ada, _ = riverside
    there, directory = hillside_server
    directory.servers["http://testserver"] = client
    export = ada.get(f"{M}/me/export").json()

    cy = Member(there, "Cy")
    assert cy.post("/collectives", json=HILLSIDE).status_code == 201
    again = same_person(there, ada)
    joined = again.post("/collectives/hillside/memberships", json={"export": export})
    assert joined.status_code == 201, joined.text
    (shown,) = cy.get(f"/collectives/hillside/memberships/{again.id}/histories").json()
    assert shown["issuer"] == {
        "slug": "riverside",
        "base_url": "http://testserver",
        "name": "Riverside",
    }
    assert shown["trades"] == 3

    altered = copy.deepcopy(export)
    altered["payload"]["activity"]["turnover"] = 10**9
    assert_problem(cy.post("/exports/verify", json=altered), 422, "signature_invalid")
    assert directory.fetches == 1  # the issuer's keys were cached
