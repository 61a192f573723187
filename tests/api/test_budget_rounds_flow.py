"""Participatory budget rounds through the API, on both databases: open, propose, vote in
secret, close by the tick exactly once, an explained result equal to the rules' own, a result
that raises a service's budget, a round the fund cannot cover, Pabulib export and import."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cybermutual.cli import app as cli
from cybermutual.domain.governance.budgeting import BudgetElection, BudgetProject, decide
from cybermutual.services.container import Services
from tests.api.helpers import COLLECTIVE
from tests.budgeting_helpers import WIELICZKA_LIKE
from tests.helpers import FakeClock, assert_problem

P = "/collectives/riverside"
R = f"{P}/budget-rounds"


def _collective(**charter: Any) -> dict[str, Any]:
    return {
        **COLLECTIVE,
        "charter": {**COLLECTIVE["charter"], "default_credit_limit": 100_000, **charter},
    }


@pytest.fixture
def people(client: TestClient, member: Any, services: Services) -> list[Any]:
    """Five members of a collective whose charter lets members open rounds; a levy of 0.5 and
    one payment put 10,000 in the commons fund."""
    services.proposal_impact.seeds, services.proposal_impact.steps = 2, 8
    ada = member("Ada")
    created = ada.post(
        "/collectives", json=_collective(budget_rounds_open_to="members", levy_rate="0.5")
    )
    assert created.status_code == 201, created.text
    assert created.json()["charter"]["budget_rounds_open_to"] == "members"
    others = [member(name) for name in ("Bo", "Cy", "Di", "Ed")]
    for m in others:
        assert m.post(f"{P}/memberships").status_code == 201
    paid = ada.post(f"{P}/transfers", key="fill", json={"to": others[0].id, "amount": 20_000})
    assert paid.status_code == 201, paid.text
    return [ada, *others]


def put_ballot(who: Any, round_id: str, approve: list[str]) -> Any:
    return who.client.put(
        f"/api/v1{R}/{round_id}/ballots/me", json={"approve": approve}, headers=who.headers
    )


def open_round(who: Any, clock: FakeClock, budget: int, **extra: Any) -> dict[str, Any]:
    closes = (clock.now() + timedelta(days=3)).isoformat()
    reply = who.post(
        R, json={"title": "Summer works", "budget": budget, "closes_at": closes, **extra}
    )
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


def propose(who: Any, round_id: str, name: str, cost: int, **extra: Any) -> str:
    reply = who.post(f"{R}/{round_id}/projects", json={"name": name, "cost": cost, **extra})
    assert reply.status_code == 201, reply.text
    project_id: str = reply.json()["id"]
    return project_id


def tick(services: Services) -> dict[str, Any]:
    return services.tick.tick(impacts=False).as_dict()


def test_a_round_from_opening_to_its_explained_result(
    people: list[Any], member: Any, services: Services, clock: FakeClock, tmp_path: Path
) -> None:
    ada, bo, cy, di, ed = people
    opened = open_round(ada, clock, 6000)
    assert (opened["status"], opened["rule"], opened["source"]) == (
        "open",
        "equal_shares",
        "members",
    )
    assert (opened["opened_by_name"], opened["eligible"], opened["can_vote"]) == ("Ada", 5, True)
    rid = opened["id"]
    late = member("Fy")  # joins after the round opened: may propose, may not vote
    assert late.post(f"{P}/memberships").status_code == 201

    park = propose(bo, rid, "Pocket park", 3000, description="Behind the library")
    bench = propose(cy, rid, "Benches", 1000)
    lights = propose(di, rid, "Street lights", 2500)
    mural = propose(late, rid, "Mural", 1500)
    stage = propose(ed, rid, "Stage", 4000)
    assert_problem(
        ada.post(f"{R}/{rid}/projects", json={"name": "Pool", "cost": 7000}), 422, "invalid_value"
    )

    ballots = {
        ada.id: [park, bench],
        bo.id: [park, lights],
        cy.id: [bench, mural, lights],
        di.id: [lights, stage],
        ed.id: [park],
    }
    assert put_ballot(bo, rid, [stage]).status_code == 200
    for who in people:  # Bo replaces his first ballot
        reply = put_ballot(who, rid, ballots[who.id])
        assert reply.status_code == 200, reply.text
        assert reply.json()["approve"] == sorted(ballots[who.id])
    assert_problem(put_ballot(late, rid, [mural]), 403, "not_eligible")
    assert_problem(put_ballot(ada, rid, ["nope"]), 404, "project_not_found")
    assert_problem(put_ballot(ada, rid, [park, park]), 422, "invalid_value")

    # ballots are secret until the close: each sees only their own, and there is no result
    seen_by_bo = bo.get(f"{R}/{rid}").json()
    assert seen_by_bo["my_ballot"] == sorted(ballots[bo.id])
    assert seen_by_bo["ballots"] is None
    assert seen_by_bo["selected"] is None
    assert late.get(f"{R}/{rid}").json()["my_ballot"] is None
    assert_problem(ada.get(f"{R}/{rid}/result"), 409, "budget_round_not_closed")
    assert_problem(ada.get(f"{R}/{rid}/pabulib"), 409, "budget_round_not_closed")
    assert [p["proposed_by_name"] for p in seen_by_bo["projects"]] == [
        "Bo", "Cy", "Di", "Fy", "Ed"
    ]  # fmt: skip

    clock.advance(days=3)
    assert tick(services)["rounds_closed"] == [rid]
    assert tick(services)["rounds_closed"] == []  # a second tick finds nothing to do
    assert_problem(put_ballot(ada, rid, [bench]), 409, "budget_round_closed")
    assert_problem(
        ada.post(f"{R}/{rid}/projects", json={"name": "Late", "cost": 10}),
        409,
        "budget_round_closed",
    )

    result = ada.get(f"{R}/{rid}/result").json()
    voters = sorted(ballots)
    expected = decide(
        BudgetElection.of(
            budget=6000,
            projects=[
                BudgetProject(p, c)
                for p, c in sorted(
                    {park: 3000, bench: 1000, lights: 2500, mural: 1500, stage: 4000}.items()
                )
            ],
            ballots=[ballots[v] for v in voters],
            voter_ids=voters,
        ),
        increment=100,  # one whole unit of a currency with two decimals
    )
    assert result["selected"] == list(expected.selected)
    assert result["cost"] == expected.cost <= 6000
    assert (result["voters"], result["eligible"]) == (5, 5)
    assert {p["id"]: p["reason"] for p in result["projects"]} == {
        v.id: v.reason for v in expected.projects
    }
    assert {p["id"]: p["detail"] for p in result["projects"]} == {
        v.id: v.detail for v in expected.projects
    }
    assert result["funded"] is True
    assert {e["action"] for e in result["effects"]} == {"recorded"}
    # each voter sees what they paid from their own equal share, and nobody else's
    mine = expected.voter_share(voters.index(ada.id))
    assert result["my_share"]["total_paid"] == str(mine.total_paid)
    assert result["my_share"]["paid"] == [{"project": p, "amount": str(a)} for p, a in mine.paid]
    assert "voter_shares" not in result
    assert late.get(f"{R}/{rid}/result").json()["my_share"] is None
    closed = cy.get(f"{R}/{rid}").json()
    assert (closed["status"], closed["ballots"], closed["selected"]) == (
        "closed",
        5,
        result["selected"],
    )
    assert closed["my_ballot"] == sorted(ballots[cy.id])  # your own, still only yours

    # the round as a Pabulib file: voters numbered, not named; the CLI decides the same
    exported = ada.get(f"{R}/{rid}/pabulib")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/plain")
    assert not any(m.id in exported.text for m in people)
    path = tmp_path / "round.pb"
    path.write_text(exported.text, encoding="utf-8")
    run = CliRunner().invoke(cli, ["budget", str(path)])
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["selected"] == result["selected"]

    notice = next(n for n in cy.get(f"{P}/inbox").json()["items"] if n["subject_id"] == rid)
    assert notice["event"] == "budget_round_closed"
    assert "Summer works" in notice["message"]
    assert re.search(r"costing \d+\.\d\d RVC of \d+\.\d\d RVC", notice["message"])  # money
    assert not any(n["subject_id"] == rid for n in late.get(f"{P}/inbox").json()["items"])

    listed = ada.get(R, params={"status": "closed"}).json()
    assert [r["id"] for r in listed["items"]] == [rid]
    assert listed["next_cursor"] is None


def test_a_round_the_fund_cannot_cover_is_recorded_but_not_funded(
    people: list[Any], services: Services, clock: FakeClock
) -> None:
    ada, bo, *_ = people
    fund = ada.get(P).json()["stats"]["commons_fund"]
    opened = open_round(ada, clock, fund + 1, rule="greedy")
    rid = opened["id"]
    hall = propose(bo, rid, "Village hall", fund + 1)
    assert put_ballot(ada, rid, [hall]).status_code == 200
    clock.advance(days=3, minutes=1)
    result = bo.get(f"{R}/{rid}/result").json()  # the reader closes it
    assert result["selected"] == [hall]
    assert result["funded"] is False
    assert str(fund) in result["funded_reason"]
    assert result["effects"] == [
        {
            "project": hall,
            "action": "not_funded",
            "detail": "the fund could not cover the budget",
            "service": None,
            "period": None,
        }
    ]
    assert result["my_share"] is None
    assert tick(services)["rounds_closed"] == []
    assert ada.get(P).json()["stats"]["commons_fund"] == fund  # nothing moved


def test_a_proposal_opens_a_round_whose_result_raises_a_service_budget(
    client: TestClient, member: Any, services: Services, clock: FakeClock
) -> None:
    services.proposal_impact.seeds, services.proposal_impact.steps = 2, 8
    ada = member("Ada")
    assert ada.post("/collectives", json=_collective(levy_rate="0.5")).status_code == 201
    bo, cy = member("Bo"), member("Cy")
    for m in (bo, cy):
        assert m.post(f"{P}/memberships").status_code == 201
    people = [ada, bo, cy]
    assert ada.post(f"{P}/transfers", key="fill", json={"to": bo.id, "amount": 20_000})
    # the charter opens rounds by proposal only
    closes = (clock.now() + timedelta(days=10)).isoformat()
    assert_problem(
        ada.post(R, json={"title": "Works", "budget": 10, "closes_at": closes}), 403, "not_allowed"
    )

    def passed(kind: str, params: dict[str, Any]) -> dict[str, Any]:
        made = ada.post(f"{P}/proposals", json={"kind": kind, "title": kind, "params": params})
        assert made.status_code == 201, made.text
        for m in people:
            m.post(f"{P}/proposals/{made.json()['id']}/votes", json={"choice": "yes"})
        closed: dict[str, Any] = ada.get(f"{P}/proposals/{made.json()['id']}").json()
        assert closed["status"] == "passed", closed
        return closed

    clinic = {
        "name": "Clinic",
        "category": "health",
        "rate_per_unit": 100,
        "budget_per_period": 500,
        "period": "month",
    }
    sid = passed("fund_service", clinic)["changes"][0]["to"]["id"]
    bad = ada.post(
        f"{P}/proposals",
        json={
            "kind": "open_budget_round",
            "title": "Too soon",
            "params": {"title": "Works", "budget": 10, "closes_at": clock.now().isoformat()},
        },
    )
    assert_problem(bad, 422, "invalid_params")
    opened = passed(
        "open_budget_round",
        {"title": "Health works", "budget": 1000, "rule": "equal_shares", "closes_at": closes},
    )
    rid = opened["changes"][0]["to"]["id"]
    budget_round = bo.get(f"{R}/{rid}").json()
    assert (budget_round["source"], budget_round["proposal_id"]) == ("proposal", opened["id"])
    assert budget_round["opened_by"] == ada.id
    assert budget_round["eligible"] == 3

    more = propose(bo, rid, "More clinic hours", 600, service_id=sid)
    assert_problem(
        bo.post(f"{R}/{rid}/projects", json={"name": "X", "cost": 5, "service_id": "nope"}),
        404,
        "service_not_found",
    )
    for m in people:
        assert put_ballot(m, rid, [more]).status_code == 200

    # the clinic's provider fills this month's 500, and a claim of 400 more waits
    assert bo.post(f"{P}/services/{sid}/providers").status_code == 201
    for units, who, key in ((5, cy, "c1"), (4, ada, "c2")):
        claim = bo.post(f"{P}/services/{sid}/claims", json={"recipient": who.id, "units": units})
        who.post(f"{P}/services/{sid}/claims/{claim.json()['id']}/confirm", key=key)
    waiting = bo.get(f"{P}/services/{sid}/claims").json()["items"]
    assert sorted(c["status"] for c in waiting) == ["paid", "waiting"]

    clock.advance(days=10)  # still November: the raise is for this month
    report = tick(services)
    assert report["rounds_closed"] == [rid]
    assert report["claims_paid"] == 1  # the same tick: 500 + 600 now fits the second claim
    result = ada.get(f"{R}/{rid}/result").json()
    assert result["selected"] == [more]
    assert result["funded"] is True
    assert result["effects"][0]["action"] == "service_budget_raised"
    assert result["effects"][0]["period"] == "2026-11"
    shown = ada.get(f"{P}/services/{sid}").json()
    assert (shown["budget_per_period"], shown["budget_this_period"]) == (500, 1100)
    claims = bo.get(f"{P}/services/{sid}/claims").json()["items"]
    assert sorted(c["status"] for c in claims) == ["paid", "paid"]
    assert ada.get(f"{P}/ledger/verify").json()["ok"]


def test_cancel_only_by_its_opener_before_anyone_votes(people: list[Any], clock: FakeClock) -> None:
    ada, bo, *_ = people
    first = open_round(ada, clock, 1000)["id"]
    assert_problem(bo.post(f"{R}/{first}/cancel"), 403, "not_the_author")
    cancelled = ada.post(f"{R}/{first}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert_problem(ada.post(f"{R}/{first}/cancel"), 409, "budget_round_closed")
    assert_problem(bo.get(f"{R}/{first}/result"), 409, "budget_round_not_closed")

    second = open_round(ada, clock, 1000)["id"]
    project = propose(bo, second, "Bike racks", 300)
    assert put_ballot(bo, second, [project]).status_code == 200
    assert_problem(ada.post(f"{R}/{second}/cancel"), 409, "invalid_transition")
    assert put_ballot(bo, second, []).json() == {"round": second, "approve": [], "cast_at": None}
    assert ada.post(f"{R}/{second}/cancel").json()["status"] == "cancelled"


def test_refusals_are_problem_documents(people: list[Any], clock: FakeClock) -> None:
    ada, *_ = people
    closes = (clock.now() + timedelta(days=3)).isoformat()
    assert_problem(ada.get(f"{R}/nope"), 404, "budget_round_not_found")
    assert_problem(put_ballot(ada, "nope", []), 404, "budget_round_not_found")
    for body in (
        {"title": "X", "budget": 0, "closes_at": closes},
        {"title": "X", "budget": 10, "closes_at": clock.now().isoformat()},
        {"title": " ", "budget": 10, "closes_at": closes},
    ):
        assert_problem(ada.post(R, json=body), 422, "invalid_value")
    assert_problem(
        ada.post(R, json={"title": "X", "budget": 10, "closes_at": closes, "rule": "dice"}),
        422,
        "validation_error",
    )
    assert_problem(ada.post(f"{R}/import", json={"pabulib": "META\n"}), 422, "invalid_value")


def test_an_imported_file_is_a_closed_round_with_its_result(people: list[Any]) -> None:
    ada, bo, *_ = people
    reply = ada.post(f"{R}/import", json={"pabulib": WIELICZKA_LIKE})
    assert reply.status_code == 201, reply.text
    imported = reply.json()
    assert (imported["status"], imported["source"], imported["budget"]) == ("closed", "import", 10)
    assert imported["title"] == "Green budget of a small town"
    assert [p["id"] for p in imported["projects"]] == ["a", "b", "c"]
    result = bo.get(f"{R}/{imported['id']}/result").json()
    assert (result["selected"], result["funded"], result["voters"]) == (["b"], False, 4)
    assert result["my_share"] is None
    again = ada.get(f"{R}/{imported['id']}/pabulib").text
    assert "Wieliczka" in again
    assert "1;a,b" in again
