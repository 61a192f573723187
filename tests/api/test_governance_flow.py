"""Self-government through the API, on both databases: proposals, secret votes with a public
tally after the close, liquid delegation, effects applied once, basic income, public services."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cybermutual.services.container import Services
from tests.api.helpers import COLLECTIVE
from tests.helpers import FakeClock, assert_problem

P = "/collectives/riverside"


@pytest.fixture
def quick_impact(services: Services) -> None:
    """Impact estimates with few seeds and steps: the flows test governance, not the model."""
    services.proposal_impact.seeds, services.proposal_impact.steps = 2, 8


@pytest.fixture
def people(client: TestClient, member: Any, quick_impact: None) -> list[Any]:
    """Five members of an open collective: Ada founded it."""
    ada = member("Ada")
    assert ada.post("/collectives", json=COLLECTIVE).status_code == 201
    others = [member(name) for name in ("Bo", "Cy", "Di", "Ed")]
    for m in others:
        assert m.post(f"{P}/memberships").status_code == 201
    return [ada, *others]


def propose(author: Any, kind: str, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
    reply = author.post(
        f"{P}/proposals", json={"kind": kind, "title": f"{kind} now", "params": params, **extra}
    )
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


def vote(who: Any, proposal: dict[str, Any], choice: str) -> Any:
    reply = who.post(f"{P}/proposals/{proposal['id']}/votes", json={"choice": choice})
    assert reply.status_code == 200, reply.text
    return reply.json()


def tick(services: Services) -> dict[str, Any]:
    return services.tick.tick(impacts=False).as_dict()


def test_a_levy_passes_and_the_next_payment_carries_it(
    people: list[Any], services: Services, clock: FakeClock
) -> None:
    ada, bo, cy, di, _ed = people
    levy = propose(ada, "set_levy", {"rate": "0.02"})
    assert levy["status"] == "open"
    assert levy["author_name"] == "Ada"
    assert levy["tally"] is None
    vote(ada, levy, "yes")
    vote(bo, levy, "no")
    vote(bo, levy, "yes")  # a vote can change until the close
    vote(cy, levy, "abstain")
    seen = bo.get(f"{P}/proposals/{levy['id']}").json()
    assert seen["my_vote"] == "yes"
    assert seen["tally"] is None  # running counts stay hidden until the close
    assert cy.get(f"{P}/proposals/{levy['id']}").json()["my_vote"] == "abstain"

    clock.advance(days=7)
    assert tick(services)["closed"] == [levy["id"]]
    assert tick(services)["closed"] == []  # a second tick finds nothing to do
    closed = di.get(f"{P}/proposals/{levy['id']}").json()
    assert closed["status"] == "passed"
    assert closed["my_vote"] is None  # nobody else's vote is ever shown
    assert {k: closed["tally"][k] for k in ("yes", "no", "abstain", "eligible", "voted")} == {
        "yes": 2,
        "no": 0,
        "abstain": 1,
        "eligible": 5,
        "voted": 3,
    }
    assert closed["tally"]["turnout"] == "0.6000"
    assert closed["changes"] == [{"field": "levy_rate", "from": "0", "to": "0.02"}]
    assert ada.get(P).json()["charter"]["levy_rate"] == "0.02"

    paid = ada.post(f"{P}/transfers", key="after-levy", json={"to": bo.id, "amount": 500})
    assert paid.status_code == 201, paid.text
    assert paid.json()["levy"] == 10
    history = ada.get(f"{P}/policies").json()
    assert [p["proposal"] for p in history["items"]] == [levy["id"]]
    assert history["items"][0]["tally"]["yes"] == 2
    assert ada.get(f"{P}/ledger/verify").json()["ok"]


def test_a_delegated_vote_decides_a_tally(
    people: list[Any], services: Services, clock: FakeClock
) -> None:
    ada, bo, cy, di, ed = people
    # Di trusts Cy, who trusts Ada: both count with Ada's vote unless they vote themselves
    assert (
        di.client.put(
            f"/api/v1{P}/delegations/me", json={"to": cy.id}, headers=di.headers
        ).status_code
        == 200
    )
    reply = cy.client.put(f"/api/v1{P}/delegations/me", json={"to": ada.id}, headers=cy.headers)
    assert reply.status_code == 200
    assert [d["member_name"] for d in reply.json()["delegators"]] == ["Di"]
    resolution = propose(bo, "resolution", {})
    vote(ada, resolution, "yes")
    vote(bo, resolution, "no")
    vote(ed, resolution, "no")
    clock.advance(days=8)
    closed = ada.get(f"{P}/proposals/{resolution['id']}").json()  # closing on read
    assert closed["status"] == "passed"
    assert closed["tally"]["direct"] == {"yes": 1, "no": 2, "abstain": 0}
    assert closed["tally"]["delegated"] == {"yes": 2, "no": 0, "abstain": 0}
    # and a direct vote overrides the delegate's
    second = propose(bo, "resolution", {})
    vote(ada, second, "yes")
    vote(bo, second, "no")
    vote(di, second, "no")  # before Ed: his vote leaves everyone counted, which closes it
    vote(ed, second, "no")
    closed = ada.get(f"{P}/proposals/{second['id']}").json()
    assert closed["status"] == "failed"
    assert closed["outcome"] == "threshold_not_met"
    assert closed["tally"]["delegated"] == {"yes": 1, "no": 0, "abstain": 0}


def test_everyone_counted_closes_at_once(people: list[Any]) -> None:
    ada, bo, cy, di, ed = people
    for m in (bo, cy, di):
        m.client.put(f"/api/v1{P}/delegations/me", json={"to": ada.id}, headers=m.headers)
    resolution = propose(ada, "resolution", {})
    vote(ada, resolution, "yes")
    last = vote(ed, resolution, "no")
    assert last["proposal_status"] == "passed"  # every eligible voter is counted
    assert_problem(
        bo.post(f"{P}/proposals/{resolution['id']}/votes", json={"choice": "no"}),
        409,
        "proposal_closed",
    )


def test_a_supermajority_proposal_at_60_percent_fails(
    people: list[Any], services: Services, clock: FakeClock
) -> None:
    ada, _bo, _cy, _di, _ed = people
    amend = propose(ada, "amend_charter", {"text": "We share what we make."})
    for m, choice in zip(people, ["yes", "yes", "yes", "no", "no"], strict=True):
        vote(m, amend, choice)
    assert ada.get(f"{P}/proposals/{amend['id']}").json()["status"] == "failed"
    closed = ada.get(f"{P}/proposals/{amend['id']}").json()
    assert (closed["outcome"], closed["tally"]["yes"], closed["tally"]["no"]) == (
        "threshold_not_met",
        3,
        2,
    )
    assert ada.get(P).json()["charter"]["text"] == ""
    assert ada.get(f"{P}/policies").json()["items"] == []


def test_no_quorum_fails_and_latecomers_cannot_vote(
    people: list[Any], member: Any, services: Services, clock: FakeClock
) -> None:
    ada = people[0]
    proposal = propose(ada, "set_credit_limit", {"amount": 5000})
    late = member("Late")
    assert late.post(f"{P}/memberships").status_code == 201
    seen = late.get(f"{P}/proposals/{proposal['id']}").json()
    assert (seen["can_vote"], seen["eligible"]) == (False, 5)
    assert ada.get(f"{P}/proposals/{proposal['id']}").json()["can_vote"] is True
    assert_problem(
        late.post(f"{P}/proposals/{proposal['id']}/votes", json={"choice": "yes"}),
        403,
        "not_eligible",
    )
    stranger = member("Stranger")
    assert_problem(
        stranger.post(f"{P}/proposals/{proposal['id']}/votes", json={"choice": "yes"}),
        403,
        "not_a_member",
    )
    vote(ada, proposal, "yes")  # 1 of 5 eligible: below the 20% quorum? no: exactly 20%
    clock.advance(days=8)
    tick(services)
    closed = ada.get(f"{P}/proposals/{proposal['id']}").json()
    assert closed["status"] == "passed"  # quorum is "at least"
    no_quorum = propose(ada, "resolution", {})
    clock.advance(days=8)
    tick(services)
    failed = ada.get(f"{P}/proposals/{no_quorum['id']}").json()
    assert (failed["status"], failed["outcome"]) == ("failed", "quorum_not_met")
    assert ada.get(f"{P}/proposals?status=failed").json()["items"][0]["id"] == no_quorum["id"]


def test_bad_proposals_are_problem_documents(people: list[Any]) -> None:
    ada = people[0]
    for body, status, code in [
        ({"kind": "set_levy", "title": "x", "params": {"rate": "0.9"}}, 422, "invalid_params"),
        ({"kind": "set_levy", "title": "x", "params": {"rate": 0.1}}, 422, "invalid_params"),
        ({"kind": "nope", "title": "x", "params": {}}, 422, "invalid_params"),
        (
            {"kind": "expel_member", "title": "x", "params": {"member": "ghost"}},
            404,
            "member_not_found",
        ),
        (
            {"kind": "end_service", "title": "x", "params": {"service": "ghost"}},
            404,
            "service_not_found",
        ),
        ({"kind": "resolution", "title": "", "params": {}}, 422, "invalid_value"),
        (
            {
                "kind": "set_admission",
                "title": "x",
                "params": {"admission": "approval", "approvals_needed": 6},
            },
            422,
            "invalid_params",
        ),
        (
            {"kind": "resolution", "title": "x", "closes_at": "2020-01-01T00:00:00Z"},
            422,
            "invalid_value",
        ),
    ]:
        assert_problem(ada.post(f"{P}/proposals", json=body), status, code)
    assert_problem(ada.get(f"{P}/proposals/nope"), 404, "proposal_not_found")


def test_outsiders_learn_nothing_of_what_exists(people: list[Any], member: Any) -> None:
    proposal = propose(people[0], "resolution", {})
    stranger = member("Stranger")
    for path in (f"{P}/proposals/{proposal['id']}", f"{P}/proposals/nope", f"{P}/proposals"):
        assert_problem(stranger.get(path), 403, "not_a_member")


def test_basic_income_ticked_twice_in_a_period_pays_once(
    people: list[Any], services: Services, clock: FakeClock
) -> None:
    ada, bo, _cy, _di, _ed = people
    income = propose(ada, "basic_income", {"amount": 300, "period": "week"})
    for m in people:
        vote(m, income, "yes")  # everyone voted: it passes at once
    assert ada.get(f"{P}/proposals/{income['id']}").json()["status"] == "passed"
    first = tick(services)
    second = tick(services)
    assert (first["basic_income_paid"], second["basic_income_paid"]) == (5, 0)
    assert bo.get(f"{P}/accounts/me").json()["balance"] == 300
    clock.advance(days=7)
    assert tick(services)["basic_income_paid"] == 5
    assert bo.get(f"{P}/accounts/me").json()["balance"] == 600
    assert ada.get(f"{P}/ledger/verify").json()["ok"]


def test_a_funded_service_pays_claims_and_a_claim_that_does_not_fit_waits(
    people: list[Any], services: Services, clock: FakeClock
) -> None:
    ada, bo, cy, di, ed = people
    # the fund fills from a levy first
    levy = propose(ada, "set_levy", {"rate": "0.4"})
    clinic = propose(
        ada,
        "fund_service",
        {
            "name": "Clinic",
            "category": "health",
            "rate_per_unit": 100,
            "budget_per_period": 500,
            "period": "month",
        },
    )
    for m in people:
        vote(m, levy, "yes")
        vote(m, clinic, "yes")
    service = ada.get(f"{P}/services").json()["items"][0]
    assert (service["name"], service["status"], service["proposal"]) == (
        "Clinic",
        "active",
        clinic["id"],
    )
    sid = service["id"]
    assert bo.post(f"{P}/services/{sid}/providers").status_code == 201
    assert_problem(bo.post(f"{P}/services/{sid}/providers"), 409, "already_provider")
    assert_problem(
        cy.post(f"{P}/services/{sid}/claims", json={"recipient": di.id, "units": 1}),
        403,
        "not_a_provider",
    )
    assert_problem(
        bo.post(f"{P}/services/{sid}/claims", json={"recipient": di.id, "units": 6}),
        422,
        "claim_exceeds_budget",
    )
    # Ada pays Cy 1000: a levy of 400 goes to the fund
    assert (
        ada.post(f"{P}/transfers", key="fill", json={"to": cy.id, "amount": 1000}).status_code
        == 201
    )

    first = bo.post(f"{P}/services/{sid}/claims", json={"recipient": di.id, "units": 3}).json()
    assert (first["status"], first["status_reason"]) == ("filed", "awaiting_confirmation")
    assert_problem(
        bo.post(f"{P}/services/{sid}/claims/{first['id']}/confirm", key="k0"),
        403,
        "not_the_recipient",
    )
    paid = di.post(f"{P}/services/{sid}/claims/{first['id']}/confirm", key="k1").json()
    assert (paid["status"], paid["amount"]) == ("paid", 300)
    retry = di.post(f"{P}/services/{sid}/claims/{first['id']}/confirm", key="k1")
    assert retry.status_code == 200
    assert retry.json()["status"] == "paid"
    assert bo.get(f"{P}/accounts/me").json()["balance"] == 300
    notices = bo.get(f"{P}/inbox").json()["items"]
    assert any(n["event"] == "claim_paid" and n["subject_id"] == first["id"] for n in notices)

    # 300 spent; 300 more would exceed the budget of 500 this month
    second = bo.post(f"{P}/services/{sid}/claims", json={"recipient": ed.id, "units": 3}).json()
    waiting = ed.post(f"{P}/services/{sid}/claims/{second['id']}/confirm", key="k2").json()
    assert (waiting["status"], waiting["status_reason"]) == ("waiting", "budget_exhausted")
    assert ada.get(f"{P}/services/{sid}").json()["spent_this_period"] == 300
    # claims are private to their parties
    assert_problem(ada.get(f"{P}/services/{sid}/claims/{second['id']}"), 404, "claim_not_found")
    assert ada.get(f"{P}/services/{sid}/claims").json()["items"] == []

    clock.advance(days=29, hours=12)  # December: the budget makes room; the fund has 100 left
    report = tick(services)
    assert report["claims_paid"] == 0
    still = ed.get(f"{P}/services/{sid}/claims/{second['id']}").json()
    assert (still["status"], still["status_reason"]) == ("waiting", "fund_insufficient")
    # money arrives: another levied payment
    assert (
        cy.post(f"{P}/transfers", key="more", json={"to": ada.id, "amount": 1000}).status_code
        == 201
    )
    assert tick(services)["claims_paid"] == 1
    done = ed.get(f"{P}/services/{sid}/claims/{second['id']}").json()
    assert (done["status"], done["status_reason"]) == ("paid", None)
    fund = ada.get(P).json()["stats"]["commons_fund"]
    assert fund >= 0  # never below its limit
    assert ada.get(f"{P}/ledger/verify").json()["ok"]


def test_a_claim_confirms_itself_after_the_timeout(
    people: list[Any], services: Services, clock: FakeClock
) -> None:
    ada, _bo, cy, _di, ed = people
    limit = propose(ada, "set_credit_limit", {"amount": 1000, "member": "commons_fund"})
    school = propose(
        ada,
        "fund_service",
        {
            "name": "School",
            "category": "education",
            "rate_per_unit": 50,
            "budget_per_period": 500,
            "period": "week",
        },
    )
    for m in people:
        vote(m, limit, "yes")
        vote(m, school, "yes")
    sid = ada.get(f"{P}/services").json()["items"][0]["id"]
    cy.post(f"{P}/services/{sid}/providers")
    claim = cy.post(f"{P}/services/{sid}/claims", json={"recipient": ed.id, "units": 2}).json()
    clock.advance(days=7, seconds=1)
    report = tick(services)
    assert (report["claims_confirmed"], report["claims_paid"]) == (1, 1)
    paid = cy.get(f"{P}/services/{sid}/claims/{claim['id']}").json()
    assert paid["status"] == "paid"
    assert ada.get(P).json()["stats"]["commons_fund"] == -100  # within the voted floor of -1000


def _trade(people: list[Any]) -> None:
    """A few weeks of payments: the estimate is calibrated to the collective's own trade."""
    for k in range(10):
        payer, payee = people[k % len(people)], people[(k + 2) % len(people)]
        reply = payer.post(
            f"{P}/transfers",
            key=f"trade-{k}",
            json={"to": payee.id, "amount": 150 + 10 * k, "memo": "bread"},
        )
        assert reply.status_code == 201, reply.text


def test_an_estimate_without_trade_shows_why(people: list[Any]) -> None:
    income = propose(people[0], "basic_income", {"amount": 400, "period": "week"})
    impact = people[0].get(f"{P}/proposals/{income['id']}/impact").json()
    assert impact["status"] == "failed"
    assert impact["estimate"]["code"] == "no_trade_to_calibrate"
    assert "no trade" in impact["estimate"]["error"]


def test_impact_is_estimated_once_in_the_background(people: list[Any], services: Services) -> None:
    ada = people[0]
    _trade(people)
    income = propose(ada, "basic_income", {"amount": 400, "period": "week"})
    assert income["impact_status"] == "pending"
    impact = ada.get(f"{P}/proposals/{income['id']}/impact").json()
    assert impact["status"] == "ready"  # the test client runs background tasks at once
    assert {"median_consumption", "gini_income", "commons_fund"} <= impact["estimate"].keys()
    assert "low" in impact["estimate"]["gini_income"]["change"] or impact["estimate"]["gini_income"]
    assert services.proposal_impact.compute("riverside", income["id"]) is False  # only once
    resolution = propose(ada, "resolution", {})
    assert ada.get(f"{P}/proposals/{resolution['id']}/impact").json() == {
        "proposal": resolution["id"],
        "status": "none",
        "estimate": None,
    }


def test_comments_withdrawal_and_expulsion(
    people: list[Any], services: Services, clock: FakeClock
) -> None:
    ada, bo, cy, di, ed = people
    proposal = propose(bo, "resolution", {})
    said = cy.post(f"{P}/proposals/{proposal['id']}/comments", json={"body": "Why now?"})
    assert said.status_code == 201
    page = ada.get(f"{P}/proposals/{proposal['id']}/comments").json()
    assert [(c["author_name"], c["body"]) for c in page["items"]] == [("Cy", "Why now?")]
    assert_problem(ada.post(f"{P}/proposals/{proposal['id']}/withdraw"), 403, "not_the_author")
    withdrawn = bo.post(f"{P}/proposals/{proposal['id']}/withdraw").json()
    assert (withdrawn["status"], withdrawn["outcome"]) == ("withdrawn", "withdrawn")

    expel = propose(ada, "expel_member", {"member": ed.id})
    for m in (ada, bo, cy, di):
        vote(m, expel, "yes")
    clock.advance(days=8)
    tick(services)
    assert ada.get(f"{P}/proposals/{expel['id']}").json()["status"] == "passed"
    assert ed.get(f"{P}/memberships/me").json()["status"] == "expelled"
    assert_problem(ed.post(f"{P}/memberships"), 403, "not_allowed")


def test_governance_notices_reach_the_inbox(
    people: list[Any], services: Services, clock: FakeClock
) -> None:
    ada, bo, cy, di, _ = people

    def events(who: Any) -> list[tuple[str, str]]:
        items = who.get(f"{P}/inbox").json()["items"]
        return [(i["event"], i["message"]) for i in items]

    reply = cy.client.put(f"/api/v1{P}/delegations/me", json={"to": ada.id}, headers=cy.headers)
    assert reply.status_code == 200
    assert (
        "delegation_received",
        "Cy delegated their vote to you: when they do not vote, your vote counts for them too.",
    ) in events(ada)
    clinic = propose(
        ada,
        "fund_service",
        {
            "name": "Clinic",
            "category": "health",
            "rate_per_unit": 1,
            "budget_per_period": 50,
            "period": "week",
        },
    )
    for m in people:
        vote(m, clinic, "yes")
    assert any(e == "proposal_closed" and "passed" in m for e, m in events(ada))
    sid = ada.get(f"{P}/services").json()["items"][0]["id"]
    bo.post(f"{P}/services/{sid}/providers")
    claim = bo.post(f"{P}/services/{sid}/claims", json={"recipient": di.id, "units": 2}).json()
    filed = [m for e, m in events(di) if e == "claim_filed"]
    assert filed
    assert filed[0].startswith("Bo says they gave you 2 units of Clinic")
    di.post(f"{P}/services/{sid}/claims/{claim['id']}/reject")
    assert [e for e, _ in events(bo)].count("claim_rejected") == 1
