"""Governance rules: the proposal and claim state machines from their tables, params validation,
and decisions (quorum, threshold, supermajority, ties) in exact arithmetic."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cybermutual.domain.errors import (
    ClaimExceedsBudget,
    DomainError,
    InvalidParams,
    InvalidTransition,
    NotAProvider,
    NotTheAuthor,
    NotTheRecipient,
    ProposalClosed,
    ServiceEnded,
)
from cybermutual.domain.governance import public_services as ps
from cybermutual.domain.governance.admission import admitted
from cybermutual.domain.governance.decision import Outcome, Reason, VotingRules, decide
from cybermutual.domain.governance.kinds import (
    FundService,
    Period,
    ProposalKind,
    SetCreditLimit,
    SetLevy,
    parse_effect,
)
from cybermutual.domain.governance.periods import window_of
from cybermutual.domain.governance.proposals import (
    TRANSITIONS,
    Action,
    Proposal,
    ProposalStatus,
    Role,
    close,
    open_proposal,
    withdraw,
)
from cybermutual.domain.governance.tally import Counts, Tally

NOW = datetime(2026, 11, 4, 12, tzinfo=UTC)


def proposal(status: ProposalStatus = ProposalStatus.OPEN) -> Proposal:
    p = open_proposal(
        proposal_id="p1",
        collective_id="c1",
        author_id="author",
        kind="set_levy",
        title="Levy 2%",
        body="",
        params={"rate": "0.02"},
        now=NOW,
    )
    return Proposal(**{**{f: getattr(p, f) for f in p.__slots__}, "status": status})


def tally(yes: int, no: int, abstain: int = 0, *, eligible: int = 10) -> Tally:
    return Tally(Counts(yes, no, abstain), Counts(), eligible=eligible)


@pytest.mark.parametrize(("status", "action"), list(itertools.product(ProposalStatus, Action)))
def test_every_proposal_move_follows_the_table(status: ProposalStatus, action: Action) -> None:
    before = proposal(status)
    rule = TRANSITIONS.get((status, action))

    def step() -> Proposal:
        if action is Action.WITHDRAW:
            return withdraw(before, actor="author", ballots=0, now=NOW)
        outcome = Outcome(action is Action.PASS, Reason.PASSED)
        return close(before, tally=tally(5, 1), outcome=outcome, now=NOW)

    if rule is None:
        with pytest.raises(ProposalClosed) as refused:
            step()
        assert refused.value.code == "proposal_closed"
        return
    after = step()
    assert after.status is rule.to
    assert after.closed_at == NOW
    assert rule.role is (Role.AUTHOR if action is Action.WITHDRAW else Role.SYSTEM)
    assert rule.applies_effect == (rule.to is ProposalStatus.PASSED)


def test_only_the_author_withdraws_and_only_before_votes() -> None:
    with pytest.raises(NotTheAuthor):
        withdraw(proposal(), actor="someone", ballots=0, now=NOW)
    with pytest.raises(InvalidTransition):
        withdraw(proposal(), actor="author", ballots=1, now=NOW)


def test_closing_times_are_bounded() -> None:
    with pytest.raises(DomainError):
        open_proposal(
            proposal_id="p",
            collective_id="c",
            author_id="a",
            kind="resolution",
            title="t",
            body="",
            params={},
            now=NOW,
            closes_at=NOW + timedelta(seconds=5),
        )
    p = open_proposal(
        proposal_id="p",
        collective_id="c",
        author_id="a",
        kind="resolution",
        title="  t  ",
        body="",
        params=None,
        now=NOW,
    )
    assert p.closes_at == NOW + timedelta(days=7)
    assert p.title == "t"


@pytest.mark.parametrize(
    ("kind", "params", "expected"),
    [
        ("set_levy", {"rate": "0.02"}, SetLevy(Decimal("0.02"))),
        ("set_levy", {"rate": "0.5"}, SetLevy(Decimal("0.5"))),
        ("set_credit_limit", {"amount": 5000}, SetCreditLimit(5000)),
        (
            "set_credit_limit",
            {"amount": 0, "member": "commons_fund"},
            SetCreditLimit(0, "commons_fund"),
        ),
        (
            "fund_service",
            {
                "name": "Clinic",
                "category": "Health",
                "rate_per_unit": 500,
                "budget_per_period": 10000,
                "period": "month",
            },
            FundService("Clinic", "health", 500, 10000, Period.MONTH),
        ),
    ],
)
def test_valid_params_become_typed_effects(kind: str, params: object, expected: object) -> None:
    effect = parse_effect(kind, params)
    assert effect == expected
    assert parse_effect(kind, effect.params()) == effect  # the canonical form round-trips


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [
        ("set_levy", {"rate": "0.51"}, "params.rate"),
        ("set_levy", {"rate": 0.1}, "params.rate"),  # floats are not exact
        ("set_levy", {"rate": "-0.1"}, "params.rate"),
        ("set_levy", {"rate": "NaN"}, "params.rate"),
        ("set_levy", {}, "params.rate"),
        ("set_levy", {"rate": "0.1", "extra": 1}, "params.extra"),
        ("set_levy", [], "params"),
        ("set_credit_limit", {"amount": -1}, "params.amount"),
        ("set_credit_limit", {"amount": True}, "params.amount"),
        ("set_admission", {"admission": "lottery"}, "params.admission"),
        (
            "set_admission",
            {"admission": "approval", "approvals_needed": 0},
            "params.approvals_needed",
        ),
        ("basic_income", {"amount": 100, "period": "day"}, "params.period"),
        ("basic_income", {"amount": 100, "period": 7}, "params.period"),
        (
            "fund_service",
            {
                "name": "x",
                "category": "y",
                "rate_per_unit": 10,
                "budget_per_period": 5,
                "period": "week",
            },
            "params.budget_per_period",
        ),
        ("set_allocation_budgets", {"weights": {"m1": "0"}}, "params.weights.m1"),
        ("set_allocation_budgets", {"weights": []}, "params.weights"),
        ("amend_charter", {"text": "   "}, "params.text"),
        ("expel_member", {}, "params.member"),
        ("resolution", {"anything": 1}, "params.anything"),
        ("abolish_money", {}, "kind"),
    ],
)
def test_bad_params_are_refused_naming_the_field(kind: str, params: object, field: str) -> None:
    with pytest.raises(InvalidParams) as caught:
        parse_effect(kind, params)
    assert caught.value.context["field"] == field
    assert caught.value.code == "invalid_params"


@pytest.mark.parametrize(
    ("t", "kind", "passed", "reason"),
    [
        (tally(2, 0, eligible=10), ProposalKind.SET_LEVY, True, Reason.PASSED),
        (tally(1, 0, eligible=10), ProposalKind.SET_LEVY, False, Reason.QUORUM_NOT_MET),
        (tally(0, 0, 2, eligible=10), ProposalKind.SET_LEVY, False, Reason.TIED),  # abstain counts
        (tally(3, 3, eligible=10), ProposalKind.SET_LEVY, False, Reason.TIED),
        (tally(4, 3, eligible=10), ProposalKind.SET_LEVY, True, Reason.PASSED),
        (tally(6, 4, eligible=10), ProposalKind.EXPEL_MEMBER, False, Reason.THRESHOLD_NOT_MET),
        (tally(6, 4, eligible=10), ProposalKind.AMEND_CHARTER, False, Reason.THRESHOLD_NOT_MET),
        (tally(2, 1, eligible=10), ProposalKind.AMEND_CHARTER, False, Reason.THRESHOLD_NOT_MET),
        (tally(7, 3, eligible=10), ProposalKind.AMEND_CHARTER, True, Reason.PASSED),
        (tally(0, 0, eligible=0), ProposalKind.RESOLUTION, False, Reason.QUORUM_NOT_MET),
    ],
)
def test_decisions(t: Tally, kind: ProposalKind, passed: bool, reason: Reason) -> None:
    assert decide(t, rules=VotingRules(), kind=kind) == Outcome(passed, reason)


def test_quorum_is_inclusive_and_exact() -> None:
    rules = VotingRules(quorum=Decimal("0.3333"))
    assert decide(tally(1, 0, eligible=3), rules=rules, kind=ProposalKind.RESOLUTION).passed
    rules = VotingRules(quorum=Decimal("0.3334"))
    assert not decide(tally(1, 0, eligible=3), rules=rules, kind=ProposalKind.RESOLUTION).passed


def test_voting_rules_are_checked() -> None:
    for bad in ({"quorum": "1.1"}, {"threshold": "0.4"}, {"supermajority": "x"}):
        with pytest.raises(DomainError):
            VotingRules(**bad)  # type: ignore[arg-type]


def test_periods() -> None:
    week = window_of(datetime(2026, 11, 29, 23, 59, tzinfo=UTC), Period.WEEK)  # a Sunday
    assert week.key == "2026-W48"
    assert week.start == datetime(2026, 11, 23, tzinfo=UTC)
    month = window_of(datetime(2026, 12, 31, 23, tzinfo=UTC), Period.MONTH)
    assert (month.key, month.end) == ("2026-12", datetime(2027, 1, 1, tzinfo=UTC))


def test_admission_needs_distinct_approvers_other_than_the_candidate() -> None:
    assert not admitted({"a"}, candidate="c", approvals_needed=2)
    assert not admitted({"a", "c"}, candidate="c", approvals_needed=2)
    assert admitted({"a", "b"}, candidate="c", approvals_needed=2)


SERVICE = ps.PublicService(
    id="s1",
    collective_id="c1",
    name="Clinic",
    category="health",
    rate_per_unit=100,
    budget_per_period=1000,
    period=Period.MONTH,
    status=ps.ServiceStatus.ACTIVE,
    proposal_id="p1",
    created_at=NOW,
)


def claim(status: ps.ClaimStatus = ps.ClaimStatus.FILED, units: int = 2) -> ps.Claim:
    c = ps.file_claim(
        SERVICE,
        claim_id="k",
        provider="prov",
        is_provider=True,
        recipient="rec",
        units=units,
        now=NOW,
    )
    return ps.Claim(**{**{f: getattr(c, f) for f in c.__slots__}, "status": status})


CLAIM_ACTOR = {
    ps.ClaimRole.PROVIDER: "prov",
    ps.ClaimRole.RECIPIENT: "rec",
    ps.ClaimRole.SYSTEM: None,
}


@pytest.mark.parametrize(
    ("status", "action", "role"),
    list(
        itertools.product(
            ps.ClaimStatus, [a for a in ps.ClaimAction if a is not ps.ClaimAction.PAY], ps.ClaimRole
        )
    ),
)
def test_every_claim_move_follows_the_table(
    status: ps.ClaimStatus, action: ps.ClaimAction, role: ps.ClaimRole
) -> None:
    rule = ps.CLAIM_TRANSITIONS.get((status, action))
    actor = CLAIM_ACTOR[role]
    if rule is None or rule[1] is not role:
        with pytest.raises((InvalidTransition, NotTheRecipient, NotAProvider)) as refused:
            ps.act(claim(status), action, actor=actor, now=NOW)
        assert refused.value.code in {"invalid_transition", "not_the_recipient", "not_a_provider"}
        return
    after = ps.act(claim(status), action, actor=actor, now=NOW)
    assert (after.status, role) == rule


def test_claims_are_checked_when_filed() -> None:
    with pytest.raises(ClaimExceedsBudget):
        claim(units=11)
    with pytest.raises(NotAProvider):
        ps.file_claim(
            SERVICE, claim_id="k", provider="x", is_provider=False, recipient="r", units=1, now=NOW
        )
    with pytest.raises(ServiceEnded):
        ps.file_claim(
            ps.end(SERVICE, now=NOW),
            claim_id="k",
            provider="p",
            is_provider=True,
            recipient="r",
            units=1,
            now=NOW,
        )
    with pytest.raises(DomainError):
        ps.file_claim(
            SERVICE, claim_id="k", provider="p", is_provider=True, recipient="p", units=1, now=NOW
        )


def test_payment_plan_keeps_order_budget_and_fund() -> None:
    def waiting(cid: str, units: int, minute: int) -> ps.Claim:
        c = ps.act(
            claim(units=units),
            ps.ClaimAction.CONFIRM,
            actor="rec",
            now=NOW + timedelta(minutes=minute),
        )
        return ps.Claim(**{**{f: getattr(c, f) for f in c.__slots__}, "id": cid})

    a, b, c = waiting("a", 6, 1), waiting("b", 5, 2), waiting("c", 1, 3)
    plan = ps.plan_payments([c, b, a], services={"s1": SERVICE}, spent={}, fund_headroom=None)
    assert [x.id for x in plan.pay] == ["a"]  # b does not fit the budget; c may not overtake it
    assert [(x.id, r) for x, r in plan.wait] == [
        ("b", ps.WaitReason.BUDGET_EXHAUSTED),
        ("c", ps.WaitReason.BUDGET_EXHAUSTED),
    ]
    plan = ps.plan_payments([a, b, c], services={"s1": SERVICE}, spent={}, fund_headroom=550)
    assert plan.pay == ()
    # the first claim does not fit the fund, so none behind it is paid either
    assert {r for _, r in plan.wait} == {ps.WaitReason.FUND_INSUFFICIENT}
    plan = ps.plan_payments([a, b, c], services={"s1": SERVICE}, spent={}, fund_headroom=650)
    assert [x.id for x in plan.pay] == ["a"]
    assert [r for _, r in plan.wait] == [ps.WaitReason.BUDGET_EXHAUSTED] * 2
