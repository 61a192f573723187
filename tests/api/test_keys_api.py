"""Each collective's public keys: made with it, listed to anyone, rotated without forgetting
the old ones, the private half never shown."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cybermutual.services.container import Services
from cybermutual.services.keys import verify
from tests.api.helpers import COLLECTIVE, M
from tests.helpers import assert_problem


def test_a_new_collective_lists_one_current_key_to_anyone(
    member: Any, client: TestClient, services: Services
) -> None:
    ada = member("Ada")
    assert ada.post("/collectives", json=COLLECTIVE).status_code == 201
    reply = client.get(f"/api/v1{M}/keys")  # no token: keys are public
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["collective"] == "riverside"
    (key,) = body["keys"]
    assert key["algorithm"] == "ed25519"
    assert key["current"] is True
    assert key["retired_at"] is None
    assert key["fingerprint"].startswith(key["key_id"])
    assert "private" not in reply.text.lower()
    signed = services.keys.sign("riverside", b"a message")
    assert signed.key_id == key["key_id"]
    assert verify(key["public_key"], b"a message", signed.signature)


def test_rotation_keeps_the_old_key_listed_and_old_signatures_verifiable(
    member: Any, client: TestClient, services: Services
) -> None:
    member("Ada").post("/collectives", json=COLLECTIVE)
    before = services.keys.sign("riverside", b"signed before")
    services.keys.rotate("riverside")
    after = services.keys.sign("riverside", b"signed after")
    keys = client.get(f"/api/v1{M}/keys").json()["keys"]
    assert [k["current"] for k in keys] == [True, False]
    assert keys[0]["key_id"] == after.key_id != before.key_id == keys[1]["key_id"]
    assert keys[1]["retired_at"] is not None
    assert verify(keys[1]["public_key"], b"signed before", before.signature)
    assert verify(keys[0]["public_key"], b"signed after", after.signature)


def test_keys_of_a_collective_that_does_not_exist(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/collectives/nowhere/keys"), 404, "collective_not_found")
