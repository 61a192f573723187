"""Policy impact through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import COLLECTIVE


def test_policy_impact_over_the_api(client: TestClient, member: Any) -> None:
    ada = member("Ada")
    ada.post("/collectives", json=COLLECTIVE)
    reply = ada.post(
        "/collectives/riverside/policy-impact", json={"basic_income": 500, "seeds": 2, "steps": 8}
    )
    assert reply.status_code == 200, reply.text
    assert {
        "median_consumption",
        "gini_income",
        "gini_wealth",
        "commons_fund",
    } <= reply.json().keys()
    bad = ada.post("/collectives/riverside/policy-impact", json={"levy_rate": "x"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_value"
