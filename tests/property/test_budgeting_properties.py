"""Participatory budgeting against pabutools on random elections (hypothesis).

Our outcome equals pabutools' (``method_of_equal_shares`` with ``Cost_Sat``, completed with
``voter_budget_increment=1`` or not; ``greedy_utilitarian_welfare`` with ``Cost_Sat``) on every
instance, except that a project no one approved is never bought (pabutools' greedy buys such
projects with leftover money, after every approved one, so removing them from its outcome is
the whole difference). Small costs and few voters make exact ties frequent, which is where a
float shortcut would go wrong.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cybermutual.domain.governance.budgeting import (
    BudgetElection,
    BudgetProject,
    Completion,
    Rule,
    decide,
)
from tests.budgeting_helpers import elections, pabutools_outcome
from tests.helpers import examples

MODES: list[tuple[Rule, Completion]] = [
    ("equal_shares", "none"),
    ("equal_shares", "add1"),
    ("greedy", "none"),
]


@st.composite
def larger_elections(draw: st.DrawFn) -> BudgetElection:
    """Dozens of voters with project-dependent approval rates (seeded numpy draws)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    m = int(rng.integers(3, 10))
    n = int(rng.integers(10, 70))
    costs = rng.integers(1, draw(st.sampled_from([8, 40, 400])), m)
    approvals = rng.random((n, m)) < rng.uniform(0.05, 0.8, m)
    return BudgetElection.from_matrix(
        budget=int(rng.integers(0, costs.sum() + 1)),
        projects=[BudgetProject(f"p{j}", int(c)) for j, c in enumerate(costs)],
        approvals=approvals,
    )


@given(elections())
def test_same_outcome_as_pabutools(election: BudgetElection) -> None:
    for rule, completion in MODES:
        ours = decide(election, rule=rule, completion=completion)
        assert sorted(ours.selected) == pabutools_outcome(election, rule, completion)


@settings(max_examples=examples(25))
@given(larger_elections())
def test_same_outcome_as_pabutools_with_more_voters(election: BudgetElection) -> None:
    for rule, completion in MODES:
        ours = decide(election, rule=rule, completion=completion)
        assert sorted(ours.selected) == pabutools_outcome(election, rule, completion)


@given(elections(max_voters=12, max_cost=30))
def test_never_over_budget_and_never_an_unapproved_project(election: BudgetElection) -> None:
    approved = np.asarray(election.approvals.any(axis=0), dtype=bool).tolist()
    for rule, completion in MODES:
        outcome = decide(election, rule=rule, completion=completion)
        assert outcome.cost <= election.budget
        assert outcome.cost == sum(p.cost for p in outcome.projects if p.selected)
        for verdict, wanted in zip(outcome.projects, approved, strict=True):
            assert wanted or not verdict.selected
            assert verdict.selected == (verdict.id in outcome.selected)


@given(elections(max_voters=12))
def test_shares_pay_each_winner_exactly_and_nobody_beyond_their_share(
    election: BudgetElection,
) -> None:
    for completion in ("none", "add1"):
        outcome = decide(election, completion=completion)
        paid: dict[str, Fraction] = {}
        for voter in outcome.voter_shares():
            assert outcome.share is not None
            assert 0 <= voter.total_paid <= outcome.share
            for project, amount in voter.paid:
                assert amount >= 0
                paid[project] = paid.get(project, Fraction(0)) + amount
        assert {p: paid.get(p, 0) for p in outcome.selected} == {
            p.id: p.cost for p in outcome.projects if p.selected
        }


@given(elections(), st.sampled_from([0.0, 1e-13, -1e-13, 0.5, -0.3]))
def test_exact_outcome_survives_a_wrong_float_search(
    election: BudgetElection, error: float
) -> None:
    """Floats only search: a slightly or grossly wrong float price changes nothing.

    A tiny error puts voters whose share equals the price inside the band decided exactly;
    a gross one makes the exact price disagree with the guess, so the project is priced
    entirely in fractions."""
    from unittest import mock

    from cybermutual.domain.governance import equal_shares as engine

    search = engine._float_price

    def wrong(*args: object, **kwargs: object) -> float:
        return search(*args, **kwargs) * (1 + error)  # type: ignore[arg-type]

    expected = [decide(election, completion=c).selected for c in ("none", "add1")]
    with mock.patch.object(engine, "_float_price", wrong):
        assert [decide(election, completion=c).selected for c in ("none", "add1")] == expected


@given(elections(max_voters=14), st.sampled_from([1e-3, 0.2, 1.0]))
def test_exact_outcome_whatever_the_width_of_the_exact_band(
    election: BudgetElection, band: float
) -> None:
    """Widening the band hands more voters (at 1.0, all of them) to the exact comparison,
    including identical ballots counted several times; the outcome is the same."""
    from unittest import mock

    from cybermutual.domain.governance import equal_shares as engine

    expected = [decide(election, completion=c) for c in ("none", "add1")]
    with mock.patch.object(engine, "BAND", band):
        for before, completion in zip(expected, ("none", "add1"), strict=True):
            after = decide(election, completion=completion)  # type: ignore[arg-type]
            assert after.selected == before.selected
            assert [after.voter_share(v) for v in range(election.voters)] == [
                before.voter_share(v) for v in range(election.voters)
            ]
