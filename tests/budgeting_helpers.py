"""Shared by the participatory-budgeting tests: random elections and the pabutools reference."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from cybermutual.domain.governance.budgeting import BudgetElection, BudgetProject


def pabutools_outcome(election: BudgetElection, rule: str, completion: str) -> list[str]:
    """pabutools' selection (sorted ids), without projects no one approved."""
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    projects = [Project(p.id, p.cost) for p in election.projects]
    instance = Instance(projects, budget_limit=election.budget)
    profile = ApprovalProfile(
        [ApprovalBallot({projects[j] for j in np.flatnonzero(row)}) for row in election.approvals]
    )
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    else:
        outcome = method_of_equal_shares(
            instance,
            profile,
            sat_class=Cost_Sat,
            voter_budget_increment=1 if completion == "add1" else None,
        )
    approved = {election.projects[j].id for j in np.flatnonzero(election.approvals.any(axis=0))}
    return sorted(p.name for p in outcome if p.name in approved)


@st.composite
def elections(draw: st.DrawFn, *, max_voters: int = 9, max_cost: int = 12) -> BudgetElection:
    m = draw(st.integers(1, 6))
    costs = draw(st.lists(st.integers(1, max_cost), min_size=m, max_size=m))
    n = draw(st.integers(0, max_voters))
    rows = draw(st.lists(st.lists(st.booleans(), min_size=m, max_size=m), min_size=n, max_size=n))
    budget = draw(st.integers(0, sum(costs) + 3))
    ids = draw(
        st.lists(
            st.sampled_from(["a", "b", "c", "d", "e", "f", "9", "10", "x1", "x10"]),
            min_size=m,
            max_size=m,
            unique=True,
        )
    )
    return BudgetElection.from_matrix(
        budget=budget,
        projects=[BudgetProject(i, c) for i, c in zip(ids, costs, strict=True)],
        approvals=np.array(rows, dtype=bool).reshape(n, m),
    )


WIELICZKA_LIKE = """\ufeffMETA
key;value
description;Green budget of a small town
country;Poland
unit;Wieliczka
instance;2023
num_projects;3
num_votes;4
budget;10,00
vote_type;approval
rule;equal_shares
PROJECTS
project_id;cost;votes;name;category
a;6;2;Playground;education,sport
b;4;2;Benches;public space
c;5.0;2;Trees;environment
VOTES
voter_id;vote;age;sex
1;a,b;30;F
2;a;41;M
3;b,c;None;
4;c;22;F
"""
