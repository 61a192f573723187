"""Whatever members propose and approve, a closed round's stored result never spends more
than its budget, never selects a project nobody approved, and is the rules' own outcome."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cybermutual.domain.collective import Charter
from cybermutual.domain.governance.budgeting import BudgetElection, BudgetProject, decide
from cybermutual.domain.money import Currency
from cybermutual.services.container import Services
from tests.helpers import FakeClock, examples

_slugs = itertools.count()


@st.composite
def rounds(draw: st.DrawFn) -> tuple[int, str, list[int], list[list[int]]]:
    budget = draw(st.integers(1, 60))
    costs = draw(st.lists(st.integers(1, budget), min_size=1, max_size=6))
    ballots = draw(
        st.lists(
            st.lists(st.integers(0, len(costs) - 1), unique=True, max_size=len(costs)),
            min_size=4,
            max_size=4,
        )
    )
    return budget, draw(st.sampled_from(["equal_shares", "greedy"])), costs, ballots


@settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(case=rounds())
def test_a_stored_result_stays_within_budget_and_approvals(
    sqlite_services: Services, clock: FakeClock, case: tuple[int, str, list[int], list[list[int]]]
) -> None:
    budget, rule, costs, ballots = case
    services = sqlite_services
    n = next(_slugs)
    people = [
        services.auth.register(
            email=f"v{n}-{i}@example.org", password="correct horse", display_name=f"V{i}"
        )
        for i in range(4)
    ]
    slug = f"pb-{n}"
    services.collectives.create(
        founder_id=people[0].id,
        slug=slug,
        name="PB",
        currency=Currency("PBU", "units", 0),
        charter=Charter(budget_rounds_open_to="members"),
    )
    for p in people[1:]:
        services.collectives.join(slug, member_id=p.id)
    opened = services.budget_rounds.open(
        slug,
        opener=people[0].id,
        title="Works",
        budget=budget,
        rule=rule,
        closes_at=clock.now() + timedelta(days=1),
    )
    rid = opened.round.id
    ids = [
        services.budget_rounds.propose_project(
            slug, proposer=people[0].id, round_id=rid, name=f"P{j}", cost=cost
        ).id
        for j, cost in enumerate(costs)
    ]
    for person, ballot in zip(people, ballots, strict=True):
        services.budget_rounds.vote(
            slug, voter=person.id, round_id=rid, approve=[ids[j] for j in ballot]
        )
    clock.advance(days=1)
    assert rid in services.tick.tick(impacts=False).rounds_closed
    result = services.budget_rounds.result(slug, viewer=people[0].id, round_id=rid).result

    approved = {ids[j] for ballot in ballots for j in ballot}
    cost_of = dict(zip(ids, costs, strict=True))
    assert result["cost"] == sum(cost_of[p] for p in result["selected"]) <= budget
    assert set(result["selected"]) <= approved
    counted = {p.id: [ids[j] for j in b] for p, b in zip(people, ballots, strict=True) if b}
    voters = sorted(counted)
    expected = decide(
        BudgetElection.of(
            budget=budget,
            projects=[BudgetProject(i, cost_of[i]) for i in sorted(ids)],
            ballots=[counted[v] for v in voters],
            voter_ids=voters,
        ),
        rule=rule,  # type: ignore[arg-type]
    )
    assert result["selected"] == list(expected.selected)
