"""Policy impact through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import COLLECTIVE, join_riverside
from tests.helpers import assert_problem

IMPACT = "/collectives/riverside/policy-impact"


def _trade(people: list[Any], payments: int = 12) -> None:
    for k in range(payments):
        payer, payee = people[k % len(people)], people[(k + 1) % len(people)]
        reply = payer.post(
            "/collectives/riverside/transfers",
            key=f"trade-{k}",
            json={"to": payee.id, "amount": 300 + 10 * k, "memo": "bread"},
        )
        assert reply.status_code == 201, reply.text


def test_policy_impact_over_the_api(client: TestClient, member: Any) -> None:
    people = join_riverside(member, "Ada", "Bo", "Cy")
    _trade(people)
    ada = people[0]
    reply = ada.post(IMPACT, json={"basic_income": 50, "seeds": 2, "steps": 8})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert {
        "median_consumption",
        "gini_income",
        "gini_wealth",
        "commons_fund",
    } <= body.keys()
    assert list(body["horizons"]) == ["8"]  # only the horizons within the run, and its end
    assert body["calibration"]["turnover_error"] <= body["calibration"]["turnover_tolerance"]
    assert {p["name"] for p in body["priors"]} >= {"mpc_income", "price_adjustment"}
    bad = ada.post(IMPACT, json={"levy_rate": "x"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_value"


def test_a_collective_without_trade_gets_a_reason_not_an_estimate(
    client: TestClient, member: Any
) -> None:
    ada = member("Ada")
    ada.post("/collectives", json=COLLECTIVE)
    reply = ada.post(IMPACT, json={"levy_rate": "0.05", "seeds": 1, "steps": 4})
    assert_problem(reply, 422, "no_trade_to_calibrate")
    assert "no trade" in reply.json()["detail"]
