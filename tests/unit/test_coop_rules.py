"""A co-operative's governance rules without storage: invitations as a state machine (tested
from its table), the kinds it decides, and the scope each kind belongs to."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cybermutual.domain.enterprise.kinds import MeritMetric, MixWeights, Role
from cybermutual.domain.errors import (
    InvalidParams,
    InvalidTransition,
    NotAllowed,
    NotTheRecipient,
)
from cybermutual.domain.governance import coop
from cybermutual.domain.governance.coop import TRANSITIONS, Action, InvitationStatus
from cybermutual.domain.governance.coop import Role as Who
from cybermutual.domain.governance.kinds import (
    ENTERPRISE_KINDS,
    ProposalKind,
    SetMeritMetric,
    SetReserveShare,
    SetWageRates,
    parse_effect,
)
from cybermutual.domain.governance.proposals import open_proposal
from cybermutual.domain.governance.tally import Ballot, Choice, count

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
OWNERS = frozenset({"ada", "bo"})


def invitation(status: InvitationStatus = InvitationStatus.PENDING) -> coop.Invitation:
    made = coop.invite(
        invitation_id="i1",
        collective_id="c1",
        enterprise_id="e1",
        member_id="cy",
        invited_by="ada",
        worker_owners=OWNERS,
        open_invitations=frozenset(),
        message="  come and bake  ",
        now=NOW,
    )
    assert made.message == "come and bake"
    return replace(made, status=status)


ACTOR = {Who.INVITEE: "cy", Who.WORKER_OWNER: "bo", Who.SYSTEM: None}


@pytest.mark.parametrize(("start", "action"), list(TRANSITIONS))
def test_every_step_in_the_table_goes_where_it_says_for_whom_it_says(
    start: InvitationStatus, action: Action
) -> None:
    to, who = TRANSITIONS[(start, action)]
    stepped = coop.step(invitation(start), action, actor=ACTOR[who], worker_owners=OWNERS, now=NOW)
    assert stepped.status is to
    if who is Who.INVITEE:
        assert stepped.answered_at == NOW
        with pytest.raises(NotTheRecipient):
            coop.step(invitation(start), action, actor="ada", worker_owners=OWNERS, now=NOW)
    if who is Who.WORKER_OWNER:
        with pytest.raises(NotAllowed):
            coop.step(invitation(start), action, actor="cy", worker_owners=OWNERS, now=NOW)


@pytest.mark.parametrize(
    ("start", "action"),
    [(s, a) for s in InvitationStatus for a in Action if (s, a) not in TRANSITIONS],
)
def test_every_step_not_in_the_table_is_refused(start: InvitationStatus, action: Action) -> None:
    with pytest.raises(InvalidTransition):
        coop.step(invitation(start), action, actor="cy", worker_owners=OWNERS, now=NOW)


def test_only_a_worker_owner_invites_and_only_someone_not_yet_in_or_invited() -> None:
    def invite(member: str, by: str, open_: frozenset[str] = frozenset()) -> None:
        coop.invite(
            invitation_id="i",
            collective_id="c",
            enterprise_id="e",
            member_id=member,
            invited_by=by,
            worker_owners=OWNERS,
            open_invitations=open_,
            message="",
            now=NOW,
        )

    with pytest.raises(NotAllowed):
        invite("di", "cy")
    with pytest.raises(InvalidTransition):
        invite("bo", "ada")
    with pytest.raises(InvalidTransition):
        invite("cy", "ada", frozenset({"cy"}))


def test_the_kinds_parse_into_the_enterprise_s_own_values() -> None:
    rates = parse_effect("set_wage_rates", {"rates": {"employee": 1200, "worker_owner": 1500}})
    assert rates == SetWageRates(((Role.EMPLOYEE, 1200), (Role.WORKER_OWNER, 1500)))
    assert parse_effect("set_reserve_share", {"share": "0.15"}) == SetReserveShare(Decimal("0.15"))
    mix = parse_effect("set_merit_metric", {"metric": "mix", "mix": {"hours": 2, "ratings": 1}})
    assert mix == SetMeritMetric(MeritMetric.MIX, MixWeights(2, 0, 1))
    assert mix.params() == {"metric": "mix", "mix": {"hours": 2, "productivity": 0, "ratings": 1}}


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [
        ("set_reserve_share", {"share": "0.95"}, "params.share"),  # the enterprise's bound, 0.9
        ("set_reserve_share", {"share": "0.12345"}, "params.share"),
        ("set_wage_rates", {"rates": {}}, "params.rates"),
        ("set_wage_rates", {"rates": {"owner": 100}}, "params.rates.owner"),  # a firm's role
        ("set_wage_rates", {"rates": {"employee": -1}}, "params.rates.employee"),
        ("set_merit_metric", {"metric": "luck"}, "params.metric"),
        ("set_merit_metric", {"metric": "hours", "mix": {"hours": 1}}, "params.mix"),
        ("set_merit_metric", {"metric": "mix", "mix": {"hours": 0}}, "params.mix"),
        ("set_merit_metric", {"metric": "mix", "mix": {"seniority": 1}}, "params.mix.seniority"),
        ("remove_worker_owner", {}, "params.member"),
    ],
)
def test_bad_params_are_refused_naming_the_field(
    kind: str, params: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidParams) as refused:
        parse_effect(kind, params)
    assert refused.value.context["field"] == field


@pytest.mark.parametrize("kind", sorted(ProposalKind))
def test_each_kind_belongs_to_one_scope_and_a_resolution_to_both(kind: ProposalKind) -> None:
    scopes, fields = [], []
    for enterprise in (None, "e1"):
        try:
            open_proposal(
                proposal_id="p",
                collective_id="c",
                author_id="ada",
                kind=kind.value,
                title="t",
                body="",
                params=_valid(kind),
                now=NOW,
                enterprise_id=enterprise,
            )
            scopes.append(enterprise)
        except InvalidParams as refused:
            fields.append(refused.context["field"])
    assert set(fields) <= {"kind"}  # refused for its scope, never for its params
    if kind is ProposalKind.RESOLUTION:
        assert scopes == [None, "e1"]
    elif kind in ENTERPRISE_KINDS:
        assert scopes == ["e1"]
    else:
        assert scopes == [None]


def _valid(kind: ProposalKind) -> dict[str, object]:
    valid: dict[ProposalKind, dict[str, object]] = {
        ProposalKind.SET_LEVY: {"rate": "0.01"},
        ProposalKind.SET_CREDIT_LIMIT: {"amount": 100},
        ProposalKind.SET_ADMISSION: {"admission": "open"},
        ProposalKind.BASIC_INCOME: {"amount": 100, "period": "week"},
        ProposalKind.FUND_SERVICE: {
            "name": "n",
            "category": "c",
            "rate_per_unit": 1,
            "budget_per_period": 1,
            "period": "week",
        },
        ProposalKind.END_SERVICE: {"service": "s"},
        ProposalKind.SET_ALLOCATION_BUDGETS: {"weights": {}},
        ProposalKind.AMEND_CHARTER: {"text": "t"},
        ProposalKind.EXPEL_MEMBER: {"member": "m"},
        ProposalKind.OPEN_BUDGET_ROUND: {
            "title": "t",
            "budget": 1,
            "closes_at": (NOW + timedelta(days=9)).isoformat(),
        },
        ProposalKind.SET_CREDIT_LIMIT_RULE: {"rule": "fixed"},
        ProposalKind.SET_DEMURRAGE: {"rate": "0"},
        ProposalKind.SET_DORMANT_DEBT: {"weeks": 0},
        ProposalKind.OPEN_LINK: {
            "peer": "hillside",
            "rate": "1",
            "limit_out": 100,
            "limit_in": 100,
        },
        ProposalKind.SUSPEND_LINK: {"link": "l"},
        ProposalKind.CLOSE_LINK: {"link": "l"},
        ProposalKind.ADMIT_WORKER_OWNER: {"member": "cy", "invitation": "i"},
        ProposalKind.REMOVE_WORKER_OWNER: {"member": "bo"},
        ProposalKind.SET_WAGE_RATES: {"rates": {"employee": 1}},
        ProposalKind.SET_RESERVE_SHARE: {"share": "0"},
        ProposalKind.SET_MERIT_METRIC: {"metric": "hours"},
        ProposalKind.RESOLUTION: {},
    }
    return valid[kind]


people = st.sampled_from(["ada", "bo", "cy", "di", "ed", "fay"])


@settings(max_examples=60, deadline=None)
@given(
    owners=st.frozensets(people, min_size=1),
    active=st.frozensets(people),
    ballots=st.lists(st.tuples(people, st.sampled_from(list(Choice)))),
)
def test_a_co_op_tally_counts_each_current_worker_owner_once_and_nobody_else(
    owners: frozenset[str], active: frozenset[str], ballots: list[tuple[str, Choice]]
) -> None:
    eligible = coop.scoped_voters(owners, active)
    cast = [Ballot(v, c, NOW + timedelta(seconds=i)) for i, (v, c) in enumerate(ballots)]
    tally = count(
        eligible=eligible,
        ballots=cast,
        delegations={},
        closes_at=NOW + timedelta(days=1),
        at=NOW + timedelta(hours=1),
    )
    assert tally.eligible == len(owners & active)
    assert tally.voted == len({v for v, _ in ballots} & eligible)
    assert tally.delegated.total == 0
