"""The money rules through the API, on both databases (issue 13 section 4): a charter that
sets them, each refused with a problem naming the field, and a vote that changes them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import COLLECTIVE
from tests.helpers import assert_problem

P = "/collectives/riverside"
RULES = {
    "credit_limit_rule": "turnover",
    "credit_limit_multiple": "0.50",
    "credit_limit_weeks": 8,
    "credit_limit_floor": 500,
    "credit_limit_cap": 20_000,
    "demurrage_rate": "0.0010",
    "demurrage_threshold": 5_000,
    "dormant_weeks": 26,
    "dormant_grace_weeks": 6,
}


def test_a_charter_sets_the_money_rules(client: TestClient, member: Any) -> None:
    ada = member("Ada")
    body = {**COLLECTIVE, "charter": {**COLLECTIVE["charter"], **RULES}}
    reply = ada.post("/collectives", json=body)
    assert reply.status_code == 201, reply.text
    charter = ada.get(P).json()["charter"]
    assert {k: charter[k] for k in RULES} == {
        **RULES,
        "credit_limit_multiple": "0.5",
        "demurrage_rate": "0.001",
    }
    # a newcomer has no sales yet: the turnover rule's floor, not the default limit
    assert ada.get(f"{P}/accounts/me").json()["credit_limit"] == 500


def test_a_collective_without_them_keeps_fixed_limits(client: TestClient, member: Any) -> None:
    ada = member("Ada")
    assert ada.post("/collectives", json=COLLECTIVE).status_code == 201
    profile = ada.get(P).json()
    assert (profile["stats"]["demurrage"], profile["stats"]["written_off"]) == (0, 0)
    charter = profile["charter"]
    assert (charter["credit_limit_rule"], charter["demurrage_rate"], charter["dormant_weeks"]) == (
        "fixed",
        "0",
        0,
    )


@pytest.mark.parametrize(
    ("rules", "code", "field"),
    [
        ({"credit_limit_rule": "sometimes"}, "validation_error", None),
        ({"credit_limit_multiple": "lots"}, "invalid_value", "charter.credit_limit_multiple"),
        ({"credit_limit_multiple": "11"}, "invalid_value", "charter.credit_limit_multiple"),
        ({"credit_limit_weeks": 0}, "invalid_value", "charter.credit_limit_weeks"),
        (
            {"credit_limit_floor": 9, "credit_limit_cap": 8},
            "invalid_value",
            "charter.credit_limit_floor",
        ),
        ({"demurrage_rate": "0.5"}, "invalid_value", "charter.demurrage_rate"),
        ({"demurrage_rate": "Infinity"}, "invalid_value", "charter.demurrage_rate"),
        ({"demurrage_rate": 0.01}, "validation_error", None),
        ({"demurrage_threshold": -1}, "invalid_value", "charter.demurrage_threshold"),
        ({"dormant_weeks": -3}, "invalid_value", "charter.dormant_weeks"),
        ({"dormant_grace_weeks": 99}, "invalid_value", "charter.dormant_grace_weeks"),
    ],
)
def test_bad_money_rules_are_refused_and_nothing_is_created(
    client: TestClient, member: Any, rules: dict[str, Any], code: str, field: str | None
) -> None:
    ada = member("Ada")
    body = {**COLLECTIVE, "charter": {**COLLECTIVE["charter"], **rules}}
    problem = assert_problem(ada.post("/collectives", json=body), 422, code)
    if field is not None:
        assert problem["context"]["field"] == field
    assert ada.get(P).status_code == 404


def test_a_vote_sets_demurrage_and_bad_params_are_refused(client: TestClient, member: Any) -> None:
    ada = member("Ada")
    assert ada.post("/collectives", json=COLLECTIVE).status_code == 201
    bad = ada.post(
        f"{P}/proposals",
        json={"kind": "set_demurrage", "title": "Too much", "params": {"rate": "0.25"}},
    )
    assert assert_problem(bad, 422, "invalid_params")["context"]["field"] == "params.rate"
    bad = ada.post(
        f"{P}/proposals",
        json={
            "kind": "set_credit_limit_rule",
            "title": "Turnover",
            "params": {"rule": "turnover", "multiple": "1", "floor": 10, "cap": 5},
        },
    )
    assert assert_problem(bad, 422, "invalid_params")["context"]["field"] == "params.floor"
    reply = ada.post(
        f"{P}/proposals",
        json={
            "kind": "set_demurrage",
            "title": "A holding fee",
            "params": {"rate": "0.002", "threshold": 10_000},
        },
    )
    assert reply.status_code == 201, reply.text
    proposal = reply.json()
    assert proposal["params"] == {"rate": "0.002", "threshold": 10_000}
    vote = ada.post(f"{P}/proposals/{proposal['id']}/votes", json={"choice": "yes"})
    assert vote.status_code == 200, vote.text
    charter = ada.get(P).json()["charter"]
    assert (charter["demurrage_rate"], charter["demurrage_threshold"]) == ("0.002", 10_000)
    policies = ada.get(f"{P}/policies").json()["items"]
    assert {"field": "demurrage_rate", "from": "0", "to": "0.002"} in policies[0]["changes"]
