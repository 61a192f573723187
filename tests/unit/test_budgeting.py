"""Participatory budgeting rules on small instances checked by hand."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.governance.budgeting import (
    BudgetElection,
    BudgetProject,
    decide,
    equal_shares,
    greedy,
)


def election(budget: int, costs: dict[str, int], ballots: list[str]) -> BudgetElection:
    """``ballots`` as strings of project ids separated by commas ("" approves nothing)."""
    return BudgetElection.of(
        budget=budget,
        projects=[BudgetProject(pid, cost) for pid, cost in costs.items()],
        ballots=[[p for p in b.split(",") if p] for b in ballots],
    )


# Three voters with 10 each. Round 1: b (3 supporters, rho 1/3) -> everyone keeps 7.
# Round 2: a and c both at rho 1/2, a wins the tie by id -> voters 1 and 2 keep 1.
# Round 3: c costs 6; voter 2 has only 1 left, so voter 3 pays the other 5 (rho 5/6).
SHORT = election(30, {"a": 12, "b": 9, "c": 6}, ["a,b", "a,b,c", "b,c"])


def test_equal_shares_rounds_prices_and_who_paid_what() -> None:
    outcome = equal_shares(SHORT, completion="none")
    assert outcome.selected == ("b", "a", "c")
    assert outcome.cost == 27
    assert outcome.share == 10
    verdicts = {p.id: p for p in outcome.projects}
    b, a, c = verdicts["b"], verdicts["a"], verdicts["c"]
    assert b.round == 1
    assert b.rho == Fraction(1, 3)
    assert b.price_per_supporter == 3
    assert (a.round, a.rho) == (2, Fraction(1, 2))
    assert (c.round, c.rho) == (3, Fraction(5, 6))
    assert c.price_per_supporter == 5
    assert "round 3" in verdicts["c"].detail
    paid = [dict(outcome.voter_share(v).paid) for v in range(3)]
    assert paid == [{"b": 3, "a": 6}, {"b": 3, "a": 6, "c": 1}, {"b": 3, "c": 5}]
    for project in ("a", "b", "c"):  # every winner is paid for exactly, from the shares
        assert sum(p.get(project, 0) for p in paid) == verdicts[project].cost


def test_same_as_pabutools_on_the_hand_checked_instance() -> None:
    from tests.budgeting_helpers import pabutools_outcome

    for completion in ("none", "add1"):
        ours = equal_shares(SHORT, completion=completion)
        assert sorted(ours.selected) == pabutools_outcome(SHORT, "equal_shares", completion)


def test_ties_go_to_the_smallest_id_in_string_order() -> None:
    tied = election(10, {"9": 10, "10": 10}, ["9,10", "9,10"])
    assert equal_shares(tied, completion="none").selected == ("10",)
    assert greedy(tied).selected == ("10",)


def test_unaffordable_projects_say_what_their_supporters_had_left() -> None:
    outcome = equal_shares(election(10, {"a": 6, "b": 4, "c": 5}, ["a,b", "a", "b,c", "c"]))
    assert outcome.selected == ("b",)
    verdict = {p.id: p for p in outcome.projects}["a"]
    assert verdict.reason == "unaffordable"
    # a's supporters had 5/2 each; voter 1 then paid 2 toward b: 1/2 + 5/2 left of 6
    assert verdict.supporters_remaining == 3
    assert "remaining shares (3) could not cover its cost (6)" in verdict.detail


def test_add1_keeps_the_last_outcome_within_budget_when_the_next_step_overspends() -> None:
    # Share 5/2: only b is affordable (a's supporters hold 5 < 6). At 7/2 the rule would buy
    # projects costing 11 > 10, so the outcome at 5/2 stands (as in pabutools).
    outcome = equal_shares(election(10, {"a": 6, "b": 4, "c": 5}, ["a,b", "a", "b,c", "c"]))
    assert outcome.share == Fraction(5, 2)
    assert outcome.completion_steps == 0
    assert "over the budget of 10" in outcome.stopped_because


def test_add1_raises_shares_until_nothing_more_fits() -> None:
    # Share 2 each: c (cost 6, two supporters) is out of reach; raised to 3 it is bought.
    instance = election(8, {"c": 6, "d": 2}, ["c", "c,d", "", "d"])
    assert equal_shares(instance, completion="none").selected == ("d",)
    outcome = equal_shares(instance, completion="add1")
    assert sorted(outcome.selected) == ["c", "d"]
    assert outcome.completion_steps == 1
    assert outcome.share == 3
    assert "exhaustive" in outcome.stopped_because


def test_greedy_takes_most_approved_first_and_skips_what_does_not_fit() -> None:
    outcome = greedy(election(10, {"a": 8, "b": 3, "c": 2, "z": 1}, ["a,b", "a,b", "a,c", "c"]))
    assert outcome.selected == ("a", "c")
    verdicts = {p.id: p for p in outcome.projects}
    assert verdicts["b"].reason == "did_not_fit"
    assert verdicts["z"].reason == "no_supporters"  # fits in what is left, yet no one wants it
    assert outcome.voter_share(0).paid == ()
    assert outcome.voter_share(0).approved_winners == ("a",)


def test_nobody_voting_selects_nothing() -> None:
    empty = election(10, {"a": 1}, [])
    for rule in ("equal_shares", "greedy"):
        assert decide(empty, rule=rule).selected == ()


def test_identical_ballots_are_grouped_without_changing_anything() -> None:
    many = BudgetElection.from_matrix(
        budget=100,
        projects=[BudgetProject(p, c) for p, c in (("a", 40), ("b", 70), ("c", 30))],
        approvals=np.array([[1, 0, 1], [1, 0, 1], [0, 1, 0], [1, 1, 0]] * 50, dtype=bool),
    )
    outcome = equal_shares(many)
    assert outcome.voter_share(0).paid == outcome.voter_share(4).paid
    assert outcome.cost <= 100


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: election(10, {"a": 0}, []), "between 1"),
        (lambda: election(-1, {"a": 1}, []), "the budget"),
        (lambda: election(10, {"a": 1}, ["b"]), "unknown project 'b'"),
        (lambda: election(10, {"a": 1}, ["a,a"]), "twice"),
        (lambda: election(10, {"a;b": 1}, []), "may not contain"),
        (
            lambda: BudgetElection.of(
                budget=1, projects=[BudgetProject("a", 1), BudgetProject("a", 2)], ballots=[]
            ),
            "appears twice",
        ),
        (lambda: decide(election(1, {"a": 1}, ["a"]), rule="borda"), "unknown rule"),  # type: ignore[arg-type]
        (lambda: decide(election(1, {"a": 1}, ["a"]), completion="add2"), "unknown completion"),  # type: ignore[arg-type]
    ],
)
def test_bad_input_is_refused_with_a_reason(build: object, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        build()  # type: ignore[operator]


def test_add1_that_would_run_for_ages_is_refused_not_left_running() -> None:
    # A fund of a million cents, one voter of two wants the only project: each raise of one
    # cent changes nothing for 500,000 raises.
    slow = election(1_000_000, {"roof": 1_000_000}, ["roof", ""])
    with pytest.raises(InvalidValue, match="did not settle within 50 raises"):
        equal_shares(slow, max_steps=50)
    assert equal_shares(slow, increment=500_000).selected == ("roof",)


@pytest.mark.parametrize("band", [1e-9, 1.0])
def test_identical_short_ballots_pay_what_they_have_left_each(band: float) -> None:
    """SHORT with every ballot cast twice and costs doubled: the two voters of the middle
    ballot are short for c (1 left each), so the two others pay 5 each. With the band at 1.0
    every share is compared exactly, the path a float search hands over when shares sit next
    to the price."""
    from unittest import mock

    from cybermutual.domain.governance import equal_shares as engine

    doubled = election(60, {"a": 24, "b": 18, "c": 12}, ["a,b", "a,b,c", "b,c"] * 2)
    with mock.patch.object(engine, "BAND", band):
        outcome = equal_shares(doubled, completion="none")
    verdict = {p.id: p for p in outcome.projects}
    assert outcome.selected == ("b", "a", "c")
    assert verdict["a"].price_per_supporter == 6
    assert verdict["c"].price_per_supporter == 5
    assert dict(outcome.voter_share(4).paid) == {"b": 3, "a": 6, "c": 1}
