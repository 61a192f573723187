"""The facilitator's budget rule is a charter setting; bad values are problems, never 500s."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.api.helpers import COLLECTIVE, LATHE, C, open_round, place_bid
from tests.helpers import FakeClock, assert_problem


def _with_charter(**changes: object) -> dict[str, Any]:
    body = copy.deepcopy(COLLECTIVE)
    body["charter"].update(changes)
    return body


def test_the_budget_rule_defaults_to_equal_and_is_shown(member: Any) -> None:
    ada = member("Ada")
    created = ada.post("/collectives", json=COLLECTIVE)
    assert created.status_code == 201, created.text
    charter = created.json()["charter"]
    assert charter["allocation_budgets"] == "equal"
    assert charter["allocation_productivity_weight"] == "0"


@pytest.mark.parametrize(
    ("rule", "weight", "shown"),
    [("productivity", None, "1"), ("mix", "0.25", "0.25"), ("mix", "0.5000", "0.5")],
)
def test_a_collective_chooses_productivity_or_a_mix(
    member: Any, rule: str, weight: str | None, shown: str
) -> None:
    changes: dict[str, object] = {"allocation_budgets": rule}
    if weight is not None:
        changes["allocation_productivity_weight"] = weight
    created = member("Ada").post("/collectives", json=_with_charter(**changes))
    assert created.status_code == 201, created.text
    charter = created.json()["charter"]
    assert (charter["allocation_budgets"], charter["allocation_productivity_weight"]) == (
        rule,
        shown,
    )
    again = member("Bo").get("/collectives/riverside").json()["charter"]
    assert again["allocation_productivity_weight"] == shown


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"allocation_budgets": "merit"}, "validation_error"),
        ({"allocation_budgets": "mix"}, "invalid_value"),
        ({"allocation_budgets": "mix", "allocation_productivity_weight": "2"}, "invalid_value"),
        ({"allocation_budgets": "mix", "allocation_productivity_weight": "lots"}, "invalid_value"),
        ({"allocation_budgets": "mix", "allocation_productivity_weight": 0.5}, "validation_error"),
        ({"allocation_budgets": "equal", "allocation_productivity_weight": "0.3"}, "invalid_value"),
    ],
)
def test_bad_budget_rules_are_problems(member: Any, changes: dict[str, object], code: str) -> None:
    reply = member("Ada").post("/collectives", json=_with_charter(**changes))
    body = assert_problem(reply, 422, code)
    assert "allocation_" in reply.text
    if code == "invalid_value":
        assert body["context"]["field"].startswith("charter.allocation_")
    assert member("Bo").get("/collectives/riverside").status_code == 404  # nothing created


def test_a_rounds_lottery_is_published_and_anyone_can_check_it(
    member: Any, clock: FakeClock
) -> None:
    ada, bo, cy = member("Ada"), member("Bo"), member("Cy")
    assert ada.post("/collectives", json=COLLECTIVE).status_code == 201
    for m in (bo, cy):
        assert m.post(f"{C}/memberships").status_code == 201
    lathe = ada.post(f"{C}/assets", json={**LATHE, "capacity": 2}).json()["id"]
    round_id = open_round(ada, clock)
    for m in (ada, bo, cy):
        assert place_bid(m, round_id, lathe, 2, "crafts").status_code == 201
    lottery = f"{C}/allocation-rounds/{round_id}/lottery"
    before = member("Dee").get(lottery)
    assert before.status_code == 200, before.text
    assert before.json()["lottery_seed"] is None
    assert before.json()["passes"] == []  # nothing drawn before the round is computed
    clock.advance(days=1, minutes=1)
    computed = bo.post(f"{C}/allocation-rounds/{round_id}/compute").json()
    seed = computed["round"]["lottery_seed"]
    assert sum(s["units"] for s in computed["allocations"]) == 2  # 2 of 3 equal shares of 2/3
    check = member("Dee").get(lottery).json()  # anyone, member or not
    assert check["lottery_seed"] == seed
    assert "SeedSequence([seed, pass])" in check["generator"]
    (first,) = check["passes"]
    assert first == {
        "pass_no": 1,
        "seed": seed,
        "checked": True,
        "shares": 3,
        "matches": True,
        "differing": [],
    }
    assert_problem(member("Dee").get(f"{C}/allocation-rounds/nope/lottery"), 404, "round_not_found")
