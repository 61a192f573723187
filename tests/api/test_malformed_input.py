"""Malformed requests of every kind get a 4xx problem document with a stable code, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import COLLECTIVE
from tests.helpers import assert_problem

PAY = "/api/v1/collectives/riverside/transfers"


@pytest.fixture
def pair(client: TestClient, member: Any) -> tuple[Any, Any]:
    ada, bo = member("Ada"), member("Bo")
    assert ada.post("/collectives", json=COLLECTIVE).status_code == 201
    bo.post("/collectives/riverside/memberships")
    return ada, bo


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "malformed_json"),
        ("[1, 2", 400, "malformed_json"),
        ("[]", 422, "validation_error"),
        ('"a string"', 422, "validation_error"),
        ("{}", 422, "validation_error"),
        ('{"to": "X", "amount": "100"}', 422, "validation_error"),  # string amount
        ('{"to": "X", "amount": 10.5}', 422, "validation_error"),  # float
        ('{"to": "X", "amount": 10.0}', 422, "validation_error"),  # float that looks whole
        ('{"to": "X", "amount": true}', 422, "validation_error"),  # bool
        ('{"to": "X", "amount": null}', 422, "validation_error"),
        ('{"to": 7, "amount": 1}', 422, "validation_error"),
        ('{"to": "X", "amount": 1, "colour": "red"}', 422, "validation_error"),  # unknown field
        ('{"to": "X", "amount": 1, "pending": "yes"}', 422, "validation_error"),
        ('{"to": "X", "amount": 1e400}', 422, "validation_error"),
    ],
)
def test_bad_transfer_bodies(pair: Any, body: str, status: int, code: str) -> None:
    ada, _ = pair
    reply = ada.post(
        "/collectives/riverside/transfers",
        key="k",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert_problem(reply, status, code)


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (0, "amount_out_of_range"),
        (-5, "amount_out_of_range"),
        (10**16, "amount_out_of_range"),
        (10**40, "amount_out_of_range"),
        (2**63, "amount_out_of_range"),
    ],
)
def test_amounts_out_of_range(pair: Any, amount: int, code: str) -> None:
    ada, bo = pair
    reply = ada.post(
        "/collectives/riverside/transfers", key=f"k{amount}", json={"to": bo.id, "amount": amount}
    )
    assert_problem(reply, 422, code)


def test_unknown_payee_and_missing_header(pair: Any) -> None:
    ada, bo = pair
    assert_problem(
        ada.post("/collectives/riverside/transfers", key="k", json={"to": "nobody", "amount": 1}),
        404,  # the payee is unknown; the caller is a member in good standing (issue #9)
        "member_not_found",
    )
    assert_problem(
        ada.post("/collectives/riverside/transfers", json={"to": bo.id, "amount": 1}),
        422,
        "idempotency_key_required",
    )
    assert_problem(
        ada.post("/collectives/riverside/transfers", key="", json={"to": bo.id, "amount": 1}),
        422,
        "idempotency_key_required",
    )
    assert_problem(
        ada.post(
            "/collectives/riverside/transfers", key="x" * 500, json={"to": bo.id, "amount": 1}
        ),
        422,
        "invalid_value",
    )


def test_authentication_problems(client: TestClient, pair: Any) -> None:
    _, bo = pair
    assert_problem(client.post(PAY, json={"to": bo.id, "amount": 1}), 401, "not_authenticated")
    assert_problem(
        client.get("/api/v1/me", headers={"Authorization": "Bearer forged"}),
        401,
        "not_authenticated",
    )
    assert_problem(
        client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401, "not_authenticated"
    )
    assert_problem(
        client.post("/api/v1/auth/token", data={"username": "x"}), 422, "validation_error"
    )
    assert_problem(
        client.post("/api/v1/auth/token", data={"username": "not-an-email", "password": "p"}),
        401,
        "invalid_credentials",
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**COLLECTIVE, "slug": "Bad Slug!"}, "invalid_value"),
        ({**COLLECTIVE, "slug": "ab"}, "invalid_value"),
        ({**COLLECTIVE, "currency": {"code": "rvc", "name": "x"}}, "invalid_value"),
        (
            {**COLLECTIVE, "currency": {"code": "RVC", "name": "x", "decimals": 9}},
            "validation_error",
        ),
        ({**COLLECTIVE, "charter": {"levy_rate": "1.5"}}, "invalid_value"),
        ({**COLLECTIVE, "charter": {"levy_rate": "abc"}}, "invalid_value"),
        ({**COLLECTIVE, "charter": {"levy_rate": "NaN"}}, "invalid_value"),
        ({**COLLECTIVE, "charter": {"default_credit_limit": -1}}, "invalid_value"),
        ({**COLLECTIVE, "charter": {"admission": "closed"}}, "validation_error"),
        ({**COLLECTIVE, "extra": 1}, "validation_error"),
        ({"slug": "x"}, "validation_error"),
    ],
)
def test_bad_collectives(client: TestClient, member: Any, body: dict[str, Any], code: str) -> None:
    ada = member("Ada")
    reply = ada.post("/collectives", json=body)
    assert reply.status_code in (409, 422), reply.text
    assert reply.json()["code"] == code


def test_registration_problems(client: TestClient, member: Any) -> None:
    ada = member("Ada")

    def register(**body: Any) -> Any:
        return client.post("/api/v1/auth/register", json=body)

    assert_problem(
        register(email=ada.email.upper(), password="long enough", display_name="A"),
        409,
        "email_taken",
    )
    assert_problem(
        register(email="nope", password="long enough", display_name="A"), 422, "invalid_value"
    )
    assert_problem(
        register(email="a@b.org", password="short", display_name="A"), 422, "invalid_value"
    )
    assert_problem(
        register(email="a@b.org", password="long enough", display_name="   "), 422, "invalid_value"
    )


def test_unknown_things(client: TestClient, pair: Any) -> None:
    ada, _ = pair
    assert_problem(client.get("/api/v1/collectives/nowhere"), 404, "collective_not_found")
    assert_problem(client.get("/api/v1/no-such-route"), 404, "not_found")
    assert_problem(client.put("/api/v1/collectives"), 405, "method_not_allowed")
    assert_problem(
        ada.post("/collectives/riverside/transfers/nope/post", key="k"), 404, "transfer_not_found"
    )
    assert_problem(client.get("/api/v1/collectives", params={"limit": 0}), 422, "validation_error")
    assert_problem(
        client.get("/api/v1/collectives", params={"limit": "many"}), 422, "validation_error"
    )
    assert_problem(
        client.get("/api/v1/collectives", params={"cursor": "%%%"}), 422, "invalid_value"
    )
    assert_problem(ada.post("/collectives", json=COLLECTIVE), 409, "slug_taken")
    assert_problem(ada.post("/collectives/riverside/memberships"), 409, "already_member")


def test_nul_characters_and_huge_bodies_are_refused_at_the_door(pair: Any) -> None:
    ada, bo = pair
    body = '{"to": "' + bo.id + '", "amount": 5, "memo": "a\\u0000b"}'
    assert_problem(
        ada.post(
            "/collectives/riverside/transfers",
            key="n1",
            content=body,
            headers={"Content-Type": "application/json"},
        ),
        422,
        "validation_error",
    )
    assert_problem(ada.get("/collectives/river%00side/transfers"), 422, "validation_error")
    assert_problem(
        ada.get("/collectives/riverside/transfers", params={"cursor": "a\x00"}),
        422,
        "validation_error",
    )
    huge = '{"to": "x", "amount": 1, "memo": "' + "a" * (1 << 20) + '"}'
    assert_problem(
        ada.post(
            "/collectives/riverside/transfers",
            key="n2",
            content=huge,
            headers={"Content-Type": "application/json"},
        ),
        413,
        "payload_too_large",
    )
    assert ada.get("/collectives/riverside/accounts/me").json()["balance"] == 0  # nothing moved


@pytest.mark.parametrize(
    "cursor",
    [
        # ["9999-12-31T23:59:59.999999-23:59", "x"]: overflows when converted to UTC
        "WyI5OTk5LTEyLTMxVDIzOjU5OjU5Ljk5OTk5OS0yMzo1OSIsICJ4Il0",
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwgIngiXQ",  # ["2026-01-01T00:00:00", "x"]: no time zone
        "WzEsIDJd",  # [1, 2]
    ],
)
def test_forged_cursors_on_the_ledger_are_refused(pair: Any, cursor: str) -> None:
    ada, _ = pair
    assert_problem(
        ada.get("/collectives/riverside/transfers", params={"cursor": cursor}), 422, "invalid_value"
    )
