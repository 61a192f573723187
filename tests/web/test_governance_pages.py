"""The governance pages without a browser: every page, and every refusal next to its cause."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from cybermutual.domain.governance.kinds import ENTERPRISE_KINDS, ProposalKind
from cybermutual.services.container import Services
from tests.helpers import FakeClock
from tests.web.helpers import Visitor, alert, text_of

SLUG = "riverside"
PABULIB = (
    "META\nkey;value\nbudget;30\nPROJECTS\nproject_id;cost;name\na;12;Playground\n"
    "b;9;Benches\nc;6;Trees\nVOTES\nvoter_id;vote\n1;a,b\n2;a,b,c\n3;b,c\n"
)
G = f"/c/{SLUG}/governance"


@pytest.fixture(autouse=True)
def quick_impact(sqlite_services: Services) -> None:
    """Impact estimates with few seeds and steps: these tests are about pages, not the model."""
    sqlite_services.proposal_impact.seeds, sqlite_services.proposal_impact.steps = 2, 8


def id_of(services: Services, who: Visitor) -> str:
    with services.uow(readonly=True) as uow:
        found = uow.people.by_email(who.email)
    assert found is not None
    return found[0].id


@pytest.fixture
def members(visitor: Callable[..., Visitor], sqlite_services: Services) -> list[Visitor]:
    """Ada founded Riverside (open admission, RVC with 2 decimals); Bo and Cy joined and
    traded a little (an estimate is calibrated to the collective's own trade)."""
    ada = visitor("Ada")
    started = ada.submit(
        "/collectives/new",
        {
            "name": "Riverside",
            "slug": SLUG,
            "currency.code": "RVC",
            "currency.name": "Riverside credit",
            "currency.decimals": "2",
            "charter.default_credit_limit": "100",
            "charter.admission": "open",
            "charter.levy_rate": "2",
        },
    )
    assert started.status_code == 303, started.text
    others = [visitor(name) for name in ("Bo", "Cy")]
    for other in others:
        assert other.submit(f"/c/{SLUG}/join").status_code == 303
    people = [ada, *others]
    ids = [id_of(sqlite_services, who) for who in people]
    for k in range(10):
        sqlite_services.ledger.pay(
            SLUG,
            payer=ids[k % 3],
            payee=ids[(k + 1) % 3],
            amount=150 + 10 * k,
            memo="bread",
            idempotency_key=f"trade-{k}",
        )
    return people


def propose(who: Visitor, kind: str, fields: dict[str, str], title: str = "A proposal") -> str:
    """Open a proposal through the form; its id."""
    reply = who.submit(f"{G}/new", {"kind": kind, "title": title, **fields})
    assert reply.status_code == 303, alert(reply)
    found = re.fullmatch(rf"{G}/([0-9a-f]+)", reply.headers["location"])
    assert found, reply.headers["location"]
    return found.group(1)


def vote(who: Visitor, proposal_id: str, choice: str) -> Any:
    reply = who.submit(f"{G}/{proposal_id}/vote", {"choice": choice})
    assert reply.status_code == 303, alert(reply)
    return reply


def field_error(page: Any, field: str) -> str:
    """The refusal shown next to one form field."""
    found = re.search(rf'id="e-{re.escape(field)}"[^>]*>(.*?)</small>', page.text, flags=re.S)
    assert found, f"no refusal next to {field}:\n{text_of(page)[:3000]}"
    return found.group(1).strip()


def box(page: Any) -> str:
    """The refusal shown at the top of a page (one no field of the form explains)."""
    found = re.search(r'class="refusal" role="alert"[^>]*>(.*?)</div>', page.text, flags=re.S)
    assert found, f"no refusal box:\n{text_of(page)[:3000]}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


def option(name: str) -> str:
    """A choice by name in a select (members are chosen by name, never by id)."""
    return rf'<option value="[0-9a-f]+"[^>]*>{name}</option>'


def value_of(page: Any, field: str) -> str:
    found = re.search(rf'name="{re.escape(field)}"[^>]*value="([^"]*)"', page.text)
    assert found, f"no field {field}"
    return found.group(1)


# --- the overview -------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(app: FastAPI, members: list[Visitor]) -> None:
    stranger = Visitor(app, "Stranger")
    for path in ("", "/new", "/delegation", "/policies", "/services", "/rounds"):
        reply = stranger.get(G + path)
        assert reply.status_code == 303
        assert reply.headers["location"].startswith("/signin?next=")


def test_a_non_member_is_told_to_join(
    visitor: Callable[..., Visitor], members: list[Visitor]
) -> None:
    outsider = visitor("Olga")
    page = outsider.get(G)
    assert page.status_code == 403
    assert "Join Riverside" in text_of(page)
    assert "not a member" in box(page).lower() or alert(page)
    refused = outsider.submit(f"{G}/new", {"kind": "resolution", "title": "Let me in"})
    assert refused.status_code == 403


def test_an_empty_overview_invites_a_first_proposal(members: list[Visitor]) -> None:
    page = members[0].get(G)
    assert page.status_code == 200
    text = text_of(page)
    assert "Nothing is being voted on right now" in text
    assert "Make a proposal" in text
    assert "quorum" in text.lower() or "Quorum" in text


def test_open_proposals_show_time_left_turnout_and_my_vote(
    members: list[Visitor], clock: FakeClock
) -> None:
    ada, bo, _cy = members
    open_one = propose(ada, "set_levy", {"params.rate": "3"}, title="Raise the levy")
    propose(ada, "resolution", {"voting_hours": "24"}, title="Hold a fair")
    vote(bo, open_one, "no")
    clock.advance(hours=25)  # the fair closes with one vote of three: quorum met (20%)
    page = bo.get(G)
    text = text_of(page)
    assert text.index("Raise the levy") < text.index("Hold a fair")  # open first
    assert "1 of 3 voted so far" in text
    assert "5 days 23 hours left" in text
    assert "You voted no" in text
    assert "too few members voted" in text.lower()  # the fair: nobody voted


# --- a new proposal -----------------------------------------------------------------------------


def test_every_kind_has_its_own_form(members: list[Visitor]) -> None:
    ada = members[0]
    chooser = ada.get(f"{G}/new")
    assert chooser.status_code == 200
    for kind, field in [
        ("set_levy", "params.rate"),
        ("set_credit_limit", "params.amount"),
        ("set_admission", "params.admission"),
        ("basic_income", "params.amount"),
        ("fund_service", "params.rate_per_unit"),
        ("end_service", "title"),
        ("set_allocation_budgets", "title"),
        ("amend_charter", "params.text"),
        ("expel_member", "params.member"),
        ("resolution", "title"),
        ("open_budget_round", "params.budget"),
    ]:
        assert f"?kind={kind}" in chooser.text
        form = ada.get(f"{G}/new?kind={kind}")
        assert form.status_code == 200
        assert f'name="{field}"' in form.text, kind
        assert 'name="csrf_token"' in form.text
    expel = ada.get(f"{G}/new?kind=expel_member")
    assert re.search(option("Bo"), expel.text)
    assert re.search(option("Cy"), expel.text)
    assert not re.search(option("Ada"), expel.text)  # nobody proposes to expel themselves


def test_a_levy_proposal_opens_and_shows_its_estimate(members: list[Visitor]) -> None:
    ada = members[0]
    pid = propose(ada, "set_levy", {"params.rate": "3", "body": "The fund runs dry."}, "Levy 3%")
    page = ada.get(f"{G}/{pid}")
    text = text_of(page)
    assert "Your proposal is open for votes" in text
    assert "Set the levy on every payment to 3.00% (now 2.00%)" in text
    assert "The fund runs dry." in text
    assert "Typical member's consumption" in text  # the estimate, computed in the background
    assert "Commons fund" in text
    assert "What the simulator expects after 8 weeks, from 2 paired runs" in text  # not "periods"
    fragment = ada.get(f"{G}/{pid}/impact", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text


def test_an_estimate_pending_is_polled_and_a_failed_one_says_why(
    members: list[Visitor], sqlite_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = members[0]
    impacts = sqlite_services.proposal_impact
    compute = impacts.compute
    monkeypatch.setattr(impacts, "compute", lambda slug, proposal_id: False)  # still running
    pending = propose(ada, "basic_income", {"params.amount": "5", "params.period": "week"})
    page = ada.get(f"{G}/{pending}")
    assert "Estimate pending" in text_of(page)
    assert f'hx-get="{G}/{pending}/impact"' in page.text
    assert 'hx-trigger="every 3s"' in page.text
    assert compute(SLUG, pending)  # the background run finishes
    fragment = ada.get(f"{G}/{pending}/impact", headers={"HX-Request": "true"})
    assert "Typical member's consumption" in text_of(fragment)
    assert "hx-trigger" not in fragment.text  # ready: no more polling
    impacts.seeds = 0  # the simulator refuses: the estimate fails, and says why
    failed = propose(ada, "basic_income", {"params.amount": "6", "params.period": "week"})
    assert compute(SLUG, failed)
    text = text_of(ada.get(f"{G}/{failed}"))
    assert "No estimate could be made" in text
    assert "seeds must be 1..32" in text
    resolution = propose(ada, "resolution", {})
    assert "does not estimate this kind" in text_of(ada.get(f"{G}/{resolution}"))


@pytest.mark.parametrize(
    ("kind", "fields", "field", "message"),
    [
        (
            "set_levy",
            {"params.rate": "60"},
            "params.rate",
            "a levy is from 0% to 50% of each payment",
        ),
        ("set_levy", {"params.rate": "lots"}, "params.rate", "enter a percentage"),
        ("set_credit_limit", {"params.amount": "1.234"}, "params.amount", "more than 2 decimals"),
        ("set_admission", {"params.approvals_needed": "9"}, "params.approvals_needed", "3 active"),
        ("basic_income", {"params.amount": ""}, "params.amount", "enter an amount"),
        (
            "fund_service",
            {
                "params.name": "Clinic",
                "params.category": "health",
                "params.rate_per_unit": "10",
                "params.budget_per_period": "5",
            },
            "params.budget_per_period",
            "at least one unit",
        ),
        ("fund_service", {"params.name": ""}, "params.rate_per_unit", "enter an amount"),
        ("end_service", {"params.service": ""}, None, "params.service"),
        ("amend_charter", {"params.text": "  "}, "params.text", "1 to"),
        ("expel_member", {"params.member": ""}, "params.member", "1 to 64 characters"),
        ("expel_member", {"params.member": "nobody"}, None, "not an active member"),
        (
            "open_budget_round",
            {"params.title": "Trees", "params.budget": "0"},
            "params.budget",
            "more than zero",
        ),
        ("resolution", {"voting_hours": "0"}, "voting_hours", "from 1 to"),
    ],
)
def test_a_refused_proposal_says_why_next_to_the_field_and_keeps_the_input(
    members: list[Visitor], kind: str, fields: dict[str, str], field: str | None, message: str
) -> None:
    ada = members[0]
    page = ada.submit(f"{G}/new", {"kind": kind, "title": "My idea", **fields})
    assert page.status_code in (403, 404, 422), page.status_code
    if field is None:
        assert message in box(page)
    else:
        assert message in field_error(page, field)
    assert value_of(page, "title") == "My idea"  # what was typed is kept
    for name, typed in fields.items():
        if name.startswith("params.") and name not in (
            "params.member",
            "params.service",
            "params.text",
        ):
            assert value_of(page, name) == typed


def test_a_proposal_without_a_title_or_kind_is_refused(members: list[Visitor]) -> None:
    ada = members[0]
    no_title = ada.submit(f"{G}/new", {"kind": "resolution", "title": " "})
    assert no_title.status_code == 422
    assert "1-200 characters" in field_error(no_title, "title")
    no_kind = ada.submit(f"{G}/new", {"kind": "coup", "title": "Take over"})
    assert no_kind.status_code == 422
    assert "choose what the proposal should do" in box(no_kind)


# --- voting, discussing, deciding ----------------------------------------------------------------


def test_members_vote_change_their_vote_and_see_the_result_explained(
    members: list[Visitor],
) -> None:
    ada, bo, cy = members
    pid = propose(ada, "set_levy", {"params.rate": "3"}, title="Levy to 3%")
    vote(bo, pid, "yes")
    changed = vote(bo, pid, "no")
    assert changed.status_code == 303
    page = bo.get(f"{G}/{pid}")
    assert "You voted no" in text_of(page)
    assert 'aria-pressed="true">Vote no' in page.text
    assert "1 of 3 members have voted so far" in text_of(page)
    vote(bo, pid, "yes")
    vote(cy, pid, "abstain")
    last = ada.submit(f"{G}/{pid}/vote", {"choice": "yes"})
    assert "the%20vote%20has%20closed" in last.headers.get("set-cookie", "")
    text = text_of(ada.get(f"{G}/{pid}"))
    assert "Quorum met. 3 of 3 members took part (100.0%); at least 20.0% had to." in text
    assert "100.0% said yes (2 yes, 0 no, 1 abstaining, who do not count here)" in text
    assert "more than 50.00% was needed" in text
    assert "Levy: 2.00% → 3.00%" in text
    assert "Took effect" in text
    history = text_of(ada.get(f"{G}/policies"))
    assert "Levy to 3%" in history
    assert "Levy: 2.00% → 3.00%" in history
    assert "3.00%" in text_of(ada.get(f"/c/{SLUG}"))  # the charter now says so


def test_a_failed_vote_explains_quorum_and_majority(
    members: list[Visitor], clock: FakeClock
) -> None:
    ada, bo, cy = members
    quiet = propose(ada, "resolution", {"voting_hours": "24"}, title="Quiet one")
    split = propose(ada, "amend_charter", {"params.text": "We fix bikes.", "voting_hours": "24"})
    vote(ada, split, "yes")
    vote(bo, split, "yes")
    vote(cy, split, "no")  # everyone counted: closes at once, 66.7% is not > 66.67%
    clock.advance(hours=25)
    quiet_text = text_of(ada.get(f"{G}/{quiet}"))
    assert "Quorum not met. 0 of 3 members took part (0.0%); at least 20.0% had to." in quiet_text
    assert "Failed: too few members voted" in quiet_text
    split_text = text_of(ada.get(f"{G}/{split}"))
    assert "66.7% said yes (2 yes, 1 no)" in split_text
    assert "a supermajority of more than 66.67% was needed" in split_text
    assert "Failed: not enough yes votes" in split_text
    assert "No proposal has passed yet" in text_of(ada.get(f"{G}/policies"))


def test_vote_refusals_are_shown_on_the_proposal(
    members: list[Visitor], visitor: Callable[..., Visitor], clock: FakeClock
) -> None:
    ada, bo, _cy = members
    pid = propose(ada, "resolution", {"voting_hours": "24"})
    bad = bo.submit(f"{G}/{pid}/vote", {"choice": "maybe"})
    assert bad.status_code == 422
    assert "yes, no or abstain" in box(bad)
    late = visitor("Latecomer")
    late.submit(f"/c/{SLUG}/join")
    page = late.get(f"{G}/{pid}")
    assert "You joined after this proposal opened" in text_of(page)
    refused = late.submit(f"{G}/{pid}/vote", {"choice": "yes"})
    assert refused.status_code == 403
    assert "active when the proposal opened" in box(refused)
    clock.advance(hours=25)
    closed = bo.submit(f"{G}/{pid}/vote", {"choice": "yes"})
    assert closed.status_code == 409
    assert "closed" in box(closed)


def test_members_discuss_a_proposal(members: list[Visitor]) -> None:
    ada, bo, _cy = members
    pid = propose(ada, "resolution", {}, title="Summer fair")
    posted = bo.submit(f"{G}/{pid}/comments", {"body": "Yes, in June."})
    assert posted.status_code == 303
    page = ada.get(f"{G}/{pid}")
    assert "Yes, in June." in text_of(page)
    assert "Bo" in text_of(page)
    empty = bo.submit(f"{G}/{pid}/comments", {"body": "   "})
    assert empty.status_code == 422
    assert "1-5000 characters" in field_error(empty, "body")


def test_the_author_withdraws_a_proposal_nobody_voted_on(members: list[Visitor]) -> None:
    ada, bo, _cy = members
    pid = propose(ada, "resolution", {}, title="Never mind")
    assert "Withdraw my proposal" not in text_of(bo.get(f"{G}/{pid}"))
    not_mine = bo.submit(f"{G}/{pid}/withdraw")
    assert not_mine.status_code == 403
    assert "only the author" in box(not_mine)
    done = ada.submit(f"{G}/{pid}/withdraw")
    assert done.status_code == 303
    text = text_of(ada.get(f"{G}/{pid}"))
    assert "The author withdrew this proposal" in text
    voted = propose(ada, "resolution", {}, title="Too late")
    vote(bo, voted, "yes")
    assert "Withdraw my proposal" not in text_of(ada.get(f"{G}/{voted}"))
    refused = ada.submit(f"{G}/{voted}/withdraw")
    assert refused.status_code == 409
    assert "already voted" in box(refused)


def test_a_missing_proposal_is_the_friendly_404(members: list[Visitor]) -> None:
    page = members[0].get(f"{G}/0123456789abcdef")
    assert page.status_code == 404
    assert "Page not found" in text_of(page) or "no proposal" in text_of(page)


# --- delegation ---------------------------------------------------------------------------------


def test_delegating_seeing_who_trusts_you_and_revoking(
    members: list[Visitor], sqlite_services: Services
) -> None:
    ada, bo, cy = members
    page = ada.get(f"{G}/delegation")
    assert "You do not delegate" in text_of(page)
    assert re.search(option("Bo"), page.text)
    assert not re.search(option("Ada"), page.text)
    done = ada.submit(f"{G}/delegation", {"to": id_of(sqlite_services, bo)})
    assert done.status_code == 303
    assert "You delegate to Bo" in text_of(ada.get(f"{G}/delegation"))
    trusted = text_of(bo.get(f"{G}/delegation"))
    assert "Who trusts you" in trusted
    assert "Ada" in trusted
    assert "1 member trusts you" in text_of(bo.get(G))
    # Ada's delegate votes for her: with Cy's vote every member is counted, and it closes
    pid = propose(cy, "set_levy", {"params.rate": "4"})
    assert "if you do not, Bo's vote counts for you" in text_of(ada.get(f"{G}/{pid}"))
    vote(bo, pid, "yes")
    vote(cy, pid, "yes")
    result = text_of(ada.get(f"{G}/{pid}"))
    assert "1 of them through a delegate" in result
    revoked = ada.submit(f"{G}/delegation/revoke")
    assert revoked.status_code == 303
    assert "You do not delegate" in text_of(ada.get(f"{G}/delegation"))
    assert "Nobody delegates to you" in text_of(bo.get(f"{G}/delegation"))


def test_delegation_refusals(members: list[Visitor], sqlite_services: Services) -> None:
    ada = members[0]
    to_self = ada.submit(f"{G}/delegation", {"to": id_of(sqlite_services, ada)})
    assert to_self.status_code == 422
    assert "yourself" in field_error(to_self, "to")
    nobody = ada.submit(f"{G}/delegation", {"to": ""})
    assert nobody.status_code == 404
    assert "not an active member" in box(nobody)


# --- public services ----------------------------------------------------------------------------


def pass_proposal(members: list[Visitor], kind: str, fields: dict[str, str]) -> str:
    pid = propose(members[0], kind, fields, title=f"{kind} please")
    for who in members:
        vote(who, pid, "yes")
    return pid


def clinic(members: list[Visitor], services: Services) -> str:
    pass_proposal(
        members,
        "fund_service",
        {
            "params.name": "Community clinic",
            "params.category": "health",
            "params.rate_per_unit": "10",
            "params.budget_per_period": "100",
            "params.period": "month",
        },
    )
    listed = services.public_services.services(SLUG, viewer=id_of(services, members[0]))
    return listed.items[0].service.id


def test_a_funded_service_takes_providers_and_claims(
    members: list[Visitor], sqlite_services: Services
) -> None:
    ada, bo, cy = members
    sid = clinic(members, sqlite_services)
    index = text_of(bo.get(f"{G}/services"))
    assert "Community clinic" in index
    assert "10.00 RVC" in index
    assert "100.00 RVC" in index
    svc = f"{G}/services/{sid}"
    assert "Become a provider" in ada.get(svc).text
    assert ada.submit(f"{svc}/providers").status_code == 303
    again = ada.submit(f"{svc}/providers")
    assert again.status_code == 409
    assert "already provide" in box(again)
    page = ada.get(svc)
    assert "File a claim" in text_of(page)
    assert "Ada (you)" in text_of(page)
    filed = ada.submit(f"{svc}/claims", {"recipient": id_of(sqlite_services, bo), "units": "2"})
    assert filed.status_code == 303
    waiting = text_of(bo.get(f"{G}/services"))
    assert "Claims waiting for your answer" in waiting
    assert "Ada says they gave you 2 units" in waiting
    assert "Community clinic" not in text_of(cy.get(svc)).split("Your claims")[1]  # private
    claim_id = (
        sqlite_services.public_services.claims(
            SLUG, viewer=id_of(sqlite_services, bo), service_id=sid
        )
        .items[0]
        .claim.id
    )
    confirmed = bo.submit(f"{svc}/claims/{claim_id}/confirm", {"idempotency_key": "k-1"})
    assert confirmed.status_code == 303
    after = text_of(bo.get(svc))
    assert "Confirmed, waiting" in after
    assert "the fund is short" in after
    second = ada.submit(f"{svc}/claims", {"recipient": id_of(sqlite_services, cy), "units": "1"})
    assert second.status_code == 303
    other = (
        sqlite_services.public_services.claims(
            SLUG, viewer=id_of(sqlite_services, cy), service_id=sid
        )
        .items[0]
        .claim.id
    )
    assert cy.submit(f"{svc}/claims/{other}/reject").status_code == 303
    assert "Rejected" in text_of(ada.get(svc))
    assert ada.submit(f"{svc}/providers/stop").status_code == 303
    assert "Become a provider" in ada.get(svc).text


def test_claim_refusals_are_shown_next_to_their_fields(
    members: list[Visitor], sqlite_services: Services
) -> None:
    ada, bo, _cy = members
    sid = clinic(members, sqlite_services)
    svc = f"{G}/services/{sid}"
    not_provider = bo.submit(
        f"{svc}/claims", {"recipient": id_of(sqlite_services, ada), "units": "1"}
    )
    assert not_provider.status_code == 403
    assert "providers" in box(not_provider)
    ada.submit(f"{svc}/providers")
    too_big = ada.submit(
        f"{svc}/claims", {"recipient": id_of(sqlite_services, bo), "units": "11", "note": "long"}
    )
    assert too_big.status_code == 422
    assert "file smaller claims" in box(too_big)
    assert value_of(too_big, "units") == "11"
    assert value_of(too_big, "note") == "long"
    zero = ada.submit(f"{svc}/claims", {"recipient": id_of(sqlite_services, bo), "units": "0"})
    assert "from 1 to" in field_error(zero, "units")
    myself = ada.submit(f"{svc}/claims", {"recipient": id_of(sqlite_services, ada), "units": "1"})
    assert "serving themselves" in field_error(myself, "recipient")
    nobody = ada.submit(f"{svc}/claims", {"recipient": "", "units": "1"})
    assert nobody.status_code == 404
    assert "not an active member" in box(nobody)
    ada.submit(f"{svc}/claims", {"recipient": id_of(sqlite_services, bo), "units": "1"})
    claim_id = (
        sqlite_services.public_services.claims(
            SLUG, viewer=id_of(sqlite_services, bo), service_id=sid
        )
        .items[0]
        .claim.id
    )
    not_recipient = ada.submit(f"{svc}/claims/{claim_id}/confirm")
    assert not_recipient.status_code == 403
    assert "recipient" in box(not_recipient)
    assert bo.get(f"{G}/services/0123456789abcdef").status_code == 404


def test_a_service_can_be_ended_by_proposal(
    members: list[Visitor], sqlite_services: Services
) -> None:
    sid = clinic(members, sqlite_services)
    form = members[0].get(f"{G}/new?kind=end_service")
    assert "Community clinic" in form.text
    pid = pass_proposal(members, "end_service", {"params.service": sid})
    text = text_of(members[0].get(f"{G}/{pid}"))
    assert "End the public service Community clinic" in text
    assert "End the public service Community clinic" in text_of(members[0].get(G))
    assert "Ended" in text_of(members[0].get(f"{G}/services"))


# --- budget rounds ------------------------------------------------------------------------------


def test_a_round_opened_by_vote_takes_projects_and_ballots_and_explains_its_result(
    members: list[Visitor], clock: FakeClock
) -> None:
    ada, bo, cy = members
    rounds = text_of(ada.get(f"{G}/rounds"))
    assert "members open a budget round by vote" in rounds
    refused = ada.submit(f"{G}/rounds", {"title": "Trees", "budget": "100", "days": "7"})
    assert refused.status_code == 403
    assert "by proposal only" in box(refused)
    pass_proposal(
        members,
        "open_budget_round",
        {
            "params.title": "Spring",
            "params.budget": "30",
            "voting_hours": "24",
            "round_days": "1",
        },
    )
    opened = text_of(ada.get(G))
    assert (
        "Open the budget round Spring with 30.00 RVC (equal shares), open until 3 Nov 2026"
        in opened
    )
    page = ada.get(f"{G}/rounds")
    found = re.search(rf'href="{G}/rounds/([0-9a-f]+)">Spring<', page.text)
    assert found, text_of(page)
    rnd = f"{G}/rounds/{found.group(1)}"
    for who, name, cost in [(ada, "Playground", "12"), (bo, "Benches", "9"), (cy, "Trees", "6")]:
        assert who.submit(f"{rnd}/projects", {"name": name, "cost": cost}).status_code == 303
    too_dear = bo.submit(f"{rnd}/projects", {"name": "Castle", "cost": "31", "description": "big"})
    assert too_dear.status_code == 422
    assert "whole budget" in field_error(too_dear, "cost")
    assert value_of(too_dear, "name") == "Castle"
    ids = dict(
        re.findall(r'name="approve\.([0-9a-f]+)"[^>]*>\s*<span><strong>([^<]+)<', ada.get(rnd).text)
    )
    by_name = {name: pid for pid, name in ids.items()}
    ballots = [
        (ada, ["Playground", "Benches"]),
        (bo, ["Playground", "Benches", "Trees"]),
        (cy, ["Benches", "Trees"]),
    ]
    for who, names in ballots:
        cast = who.submit(f"{rnd}/ballot", {f"approve.{by_name[n]}": "on" for n in names})
        assert cast.status_code == 303
    mine = ada.get(rnd)
    assert re.search(rf'name="approve\.{by_name["Playground"]}" checked', mine.text)
    assert not re.search(rf'name="approve\.{by_name["Trees"]}" checked', mine.text)
    cancel = ada.submit(f"{rnd}/cancel")
    assert cancel.status_code == 409
    assert "already voted" in box(cancel)
    clock.advance(days=2, minutes=1)  # the vote's day, then the round's
    late = bo.submit(f"{rnd}/ballot", {f"approve.{by_name['Trees']}": "on"})
    assert late.status_code == 409
    assert "nobody may vote" in box(late)
    result = text_of(ada.get(rnd))
    assert "3 of 3" in result  # projects selected; voters
    assert "Selected" in result
    assert "Bought in round 1: each supporter paid at most" in result
    assert "Not funded" in result  # the fund is empty
    assert "Your share" in result
    assert "You paid" in result
    assert "3 projects selected" in text_of(ada.get(f"{G}/rounds"))


def test_members_open_a_round_where_the_charter_lets_them(
    members: list[Visitor], sqlite_services: Services
) -> None:
    ada, bo, _cy = members
    from dataclasses import replace

    with sqlite_services.uow() as uow:  # a charter whose members open rounds themselves
        collective = uow.collectives.by_slug(SLUG)
        assert collective is not None
        uow.collectives.set_charter(
            collective.id, replace(collective.charter, budget_rounds_open_to="members")
        )
        uow.commit()
    bad = ada.submit(f"{G}/rounds", {"title": "", "budget": "abc", "days": "7"})
    assert bad.status_code == 422
    assert "budget" in bad.text
    assert "not a number" in field_error(bad, "budget") or field_error(bad, "budget")
    opened = ada.submit(f"{G}/rounds", {"title": "Tools", "budget": "50", "days": "7"})
    assert opened.status_code == 303
    rnd = opened.headers["location"]
    assert "No project yet" in text_of(bo.get(rnd))
    empty = bo.submit(f"{rnd}/ballot", {})
    assert empty.status_code == 303  # an empty ballot approves nothing
    assert ada.submit(f"{rnd}/cancel").status_code == 303
    assert "cancelled it before anyone voted" in text_of(ada.get(rnd))
    # a Pabulib file, pasted, is decided at once; a broken one is refused beside the text
    broken = ada.submit(f"{G}/rounds/import", {"pabulib": "META\nkey;value\nbudget;30\n"})
    assert broken.status_code == 422
    assert "no PROJECTS section" in field_error(broken, "pabulib")
    assert "budget;30" in broken.text  # what was pasted is kept
    study = ada.submit(f"{G}/rounds/import", {"pabulib": PABULIB})
    assert study.status_code == 303
    result = text_of(ada.get(study.headers["location"]))
    assert "3 of 3" in result
    assert "imported by Ada" in result
    exported = ada.get(study.headers["location"] + "/pabulib")
    assert exported.status_code == 200
    assert exported.text.startswith("META")
    assert "attachment" in exported.headers["content-disposition"]
    not_closed = ada.get(f"{rnd}/pabulib")
    assert not_closed.status_code == 409
    assert "no result" in box(not_closed)
    assert bo.get(f"{G}/rounds/0123456789abcdef").status_code == 404


def test_every_governance_page_of_the_demo_renders(app: FastAPI) -> None:
    """The demo (what ``make demo`` opens onto) has every kind of governance record: each page
    reachable from the overview, and each kind's form, shows for its founder."""
    from cybermutual.bootstrap import build_services
    from cybermutual.demo.people import DEMO_PASSWORD, DEMO_PASSWORDS
    from cybermutual.demo.seeding import seed
    from cybermutual.store.engine import make_engine
    from cybermutual.store.migrate import upgrade
    from tests.api.conftest import shared_app

    original = app.state.services  # the app is shared: point it back afterwards
    engine = make_engine("sqlite://")
    upgrade(engine)
    built: list[Services] = []

    def build(clock: Any) -> Services:
        services = build_services(engine, clock=clock, passwords=DEMO_PASSWORDS)
        services.proposal_impact.seeds, services.proposal_impact.steps = 2, 8
        built.append(services)
        return services

    try:
        logins = seed(build, payments=20)
        demo = shared_app(built[0])
        ada = Visitor(demo, "Ada")
        signed_in = ada.submit("/signin", {"email": logins[0].email, "password": DEMO_PASSWORD})
        assert signed_in.status_code == 303
        base = "/c/riverside/governance"
        seen: set[str] = set()
        todo = [base, *(f"{base}/{p}" for p in ("new", "delegation", "policies", "services"))]
        todo.append(f"{base}/rounds")
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            seen.add(path)
            page = ada.get(path)
            assert page.status_code == 200, (path, text_of(page)[:2000])
            links = re.findall(rf'href="({base}[^"#?]*(?:\?kind=[a-z_]+)?)"', page.text)
            todo.extend(link for link in links if link not in seen)
        kinds = [p for p in seen if "?kind=" in p]
        offered = {p.split("?kind=")[1] for p in kinds}
        # every kind the collective decides has its form (a co-operative's own kinds have
        # theirs on its page: tests/web/test_enterprise_pages.py)
        assert offered == {k.value for k in ProposalKind if k not in ENTERPRISE_KINDS}
        assert any(re.fullmatch(rf"{base}/[0-9a-f]{{32}}", p) for p in seen)  # proposals
        assert any(re.fullmatch(rf"{base}/rounds/[0-9a-f]{{32}}", p) for p in seen)
        assert any(re.fullmatch(rf"{base}/services/[0-9a-f]{{32}}", p) for p in seen)
    finally:
        shared_app(original)
        engine.dispose()


def test_a_form_without_its_csrf_token_changes_nothing(members: list[Visitor]) -> None:
    ada, bo, _cy = members
    pid = propose(ada, "resolution", {}, title="Guarded")
    forged = bo.client.post(f"{G}/{pid}/vote", data={"choice": "yes"})
    assert forged.status_code == 403
    assert "0 of 3 members have voted so far" in text_of(bo.get(f"{G}/{pid}"))


def test_confirming_a_claim_twice_with_the_page_s_key_confirms_once(
    members: list[Visitor], sqlite_services: Services
) -> None:
    ada, bo, _cy = members
    sid = clinic(members, sqlite_services)
    svc = f"{G}/services/{sid}"
    ada.submit(f"{svc}/providers")
    ada.submit(f"{svc}/claims", {"recipient": id_of(sqlite_services, bo), "units": "1"})
    page = bo.get(svc)
    action, key = re.search(
        r'action="([^"]+/confirm)"[^>]*>\s*<input[^>]*>\s*<input type="hidden" '
        r'name="idempotency_key" value="([^"]+)"',
        page.text,
    ).groups()  # type: ignore[union-attr]
    first = bo.submit(action, {"idempotency_key": key})
    again = bo.submit(action, {"idempotency_key": key})  # a double click
    assert first.status_code == again.status_code == 303
    claims = sqlite_services.public_services.claims(
        SLUG, viewer=id_of(sqlite_services, bo), service_id=sid
    )
    assert [c.claim.status.value for c in claims.items] == ["waiting"]
    rejected_after = bo.submit(action.replace("/confirm", "/reject"))
    assert rejected_after.status_code == 409
    assert "cannot reject a claim that is waiting" in box(rejected_after)


def test_an_expulsion_names_the_member_even_after_they_are_expelled(
    visitor: Callable[..., Visitor], members: list[Visitor], sqlite_services: Services
) -> None:
    di = visitor("Di")
    di.submit(f"/c/{SLUG}/join")
    pid = propose(members[0], "expel_member", {"params.member": id_of(sqlite_services, di)})
    assert "Expel Di " in text_of(members[0].get(f"{G}/{pid}"))
    assert "Expel Di " in text_of(members[0].get(G))  # in the list too
    for who in members:
        vote(who, pid, "yes")
    vote(di, pid, "no")  # 3 of 4 yes: more than two thirds
    page = text_of(members[0].get(f"{G}/{pid}"))
    assert "Expel Di " in page
    assert "Membership of Di: active → expelled" in page
    assert "Membership of Di: active → expelled" in text_of(members[0].get(f"{G}/policies"))


def test_the_money_rules_are_proposed_from_their_own_forms_and_pass_into_the_charter(
    members: list[Visitor], sqlite_services: Services
) -> None:
    ada, bo, cy = members
    for kind, label in [
        ("set_credit_limit_rule", "Lowest limit (RVC)"),
        ("set_demurrage", "Weekly fee (%)"),
        ("set_dormant_debt", "Weeks without trade before a notice"),
    ]:
        assert label in text_of(ada.get(f"{G}/new?kind={kind}"))
    turnover = propose(
        ada,
        "set_credit_limit_rule",
        {
            "params.credit_rule": "turnover",
            "params.multiple": "0.5",
            "params.weeks": "8",
            "params.floor": "20",
            "params.cap": "400",
        },
    )
    said = text_of(ada.get(f"{G}/{turnover}"))
    assert "0.5 \u00d7 each member's sales over the last 8 weeks, at least 20.00 RVC" in said
    assert "at most 400.00 RVC" in said
    demurrage = propose(ada, "set_demurrage", {"params.rate": "0.5", "params.threshold": "300"})
    said = text_of(ada.get(f"{G}/{demurrage}"))
    assert "Charge 0.50% a week on the part of each balance above 300.00 RVC" in said
    dormant = propose(
        ada, "set_dormant_debt", {"params.dormant_weeks": "26", "params.grace_weeks": "4"}
    )
    assert "have not traded for 26 weeks" in text_of(ada.get(f"{G}/{dormant}"))
    for proposal in (turnover, demurrage, dormant):
        for who in (ada, bo, cy):
            vote(who, proposal, "yes")
    charter = sqlite_services.collectives.profile(SLUG).collective.charter
    assert charter.follows_turnover
    assert (charter.credit_limit_weeks, charter.credit_limit_floor) == (8, 2000)
    assert (str(charter.demurrage_rate), charter.demurrage_threshold) == ("0.005", 30000)
    assert (charter.dormant_weeks, charter.dormant_grace_weeks) == (26, 4)


@pytest.mark.parametrize(
    ("kind", "fields", "field", "message"),
    [
        ("set_demurrage", {"params.rate": "20"}, "params.rate", "0"),
        ("set_demurrage", {"params.rate": "1", "params.threshold": "x"}, "params.threshold", ""),
        ("set_credit_limit_rule", {"params.weeks": "60"}, "params.weeks", "from 1 to 52"),
        ("set_credit_limit_rule", {"params.multiple": "-1"}, "params.multiple", ""),
        ("set_dormant_debt", {"params.dormant_weeks": "x"}, "params.dormant_weeks", "whole"),
    ],
)
def test_a_refused_money_rule_says_why_next_to_its_field(
    members: list[Visitor], kind: str, fields: dict[str, str], field: str, message: str
) -> None:
    reply = members[0].submit(f"{G}/new", {"kind": kind, "title": "A rule", **fields})
    assert reply.status_code == 422
    assert message in field_error(reply, field)
