"""The budget round's transition table is what the rule functions do; a round's terms,
projects and ballots are validated before anything is stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cybermutual.domain.errors import (
    BudgetRoundClosed,
    InvalidTransition,
    InvalidValue,
    NotTheAuthor,
    ProjectNotFound,
)
from cybermutual.domain.governance import budget_rounds as rules
from cybermutual.domain.governance.budget_rounds import TRANSITIONS, Action, Role, RoundStatus

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ROUND = rules.open_round(
    round_id="r1",
    collective_id="c1",
    opened_by="m1",
    title="  Summer   works ",
    budget=1000,
    rule="equal_shares",
    closes_at=T0 + timedelta(days=3),
    now=T0,
)
LATER = T0 + timedelta(days=4)


def _act(budget_round: rules.BudgetRound, action: Action) -> rules.BudgetRound:
    if action is Action.CLOSE:
        return rules.close(budget_round, result={"selected": []}, now=LATER)
    return rules.cancel(budget_round, actor="m1", ballots=0, now=LATER)


@pytest.mark.parametrize("status", list(RoundStatus))
@pytest.mark.parametrize("action", list(Action))
def test_every_step_follows_the_table(status: RoundStatus, action: Action) -> None:
    budget_round = replace(ROUND, status=status)
    rule = TRANSITIONS.get((status, action))
    if rule is None:
        with pytest.raises(BudgetRoundClosed):
            _act(budget_round, action)
        return
    after = _act(budget_round, action)
    assert after.status is rule.to
    assert after.closed_at == LATER
    assert (after.result is not None) is rule.records_result


def test_the_table_names_who_takes_each_step() -> None:
    assert {(s, a): r.role for (s, a), r in TRANSITIONS.items()} == {
        (RoundStatus.OPEN, Action.CLOSE): Role.SYSTEM,
        (RoundStatus.OPEN, Action.CANCEL): Role.OPENER,
    }


def test_only_the_opener_cancels_and_only_before_anyone_votes() -> None:
    with pytest.raises(NotTheAuthor):
        rules.cancel(ROUND, actor="m2", ballots=0, now=T0)
    with pytest.raises(InvalidTransition):
        rules.cancel(ROUND, actor="m1", ballots=1, now=T0)


def test_terms_are_validated() -> None:
    assert ROUND.title == "Summer works"
    for bad in (
        {"budget": 0},
        {"budget": True},
        {"rule": "dice"},
        {"title": " "},
        {"closes_at": T0 + timedelta(seconds=30)},
        {"closes_at": T0 + timedelta(days=91)},
        {"closes_at": datetime(2026, 1, 3)},
    ):
        terms = {
            "title": "Works",
            "budget": 1000,
            "rule": "greedy",
            "closes_at": T0 + timedelta(days=1),
            **bad,
        }
        with pytest.raises(InvalidValue):
            rules.open_round(round_id="r", collective_id="c", opened_by="m", now=T0, **terms)  # type: ignore[arg-type]


def _project(
    budget_round: rules.BudgetRound, cost: int, *, now: datetime = T0
) -> rules.RoundProject:
    return rules.propose_project(
        budget_round,
        project_id="p",
        proposer="m2",
        name="Benches",
        cost=cost,
        description="",
        service_id=None,
        existing=0,
        now=now,
    )


def test_a_project_must_fit_the_budget_and_the_round_must_be_open() -> None:
    assert _project(ROUND, 1000).cost == 1000
    with pytest.raises(InvalidValue):
        _project(ROUND, 1001)
    with pytest.raises(InvalidValue):
        _project(ROUND, 0)
    with pytest.raises(BudgetRoundClosed):
        _project(ROUND, 10, now=ROUND.closes_at)  # past its close, even before the tick
    with pytest.raises(BudgetRoundClosed):
        _project(replace(ROUND, status=RoundStatus.CANCELLED), 10)


def test_a_ballot_names_each_project_of_the_round_once() -> None:
    projects = {"a": _project(ROUND, 10), "b": _project(ROUND, 20)}
    assert rules.check_ballot(["b", "a"], projects=projects) == ["a", "b"]
    assert rules.check_ballot([], projects=projects) == []
    with pytest.raises(ProjectNotFound):
        rules.check_ballot(["c"], projects=projects)
    with pytest.raises(InvalidValue):
        rules.check_ballot(["a", "a"], projects=projects)


def test_funding_never_promises_money_the_fund_does_not_have() -> None:
    assert rules.funding(1000, 1000)[0] is True
    funded, reason = rules.funding(1000, 999)
    assert funded is False
    assert "999" in reason
    assert "1000" in reason
    assert rules.funding(1000, None)[0] is True  # a fund with no floor
