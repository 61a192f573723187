"""The chain planner against exhaustive search on small networks: cost and fewest links."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from cybermutual.domain.chains import Plan, Shortfall, plan
from tests.chains_helpers import Case, brute_force, chains, fewest_links_by_subsets, networks
from tests.helpers import examples


@settings(max_examples=examples(60))
@given(networks(whole=True, max_recipes=5, max_capacity=3) | chains(whole=True, max_stages=3))
def test_whole_runs_match_every_plan_enumerated(case: Case) -> None:
    if any(r.capacity > 3 for r in case.recipes):
        case = Case(case.goods, tuple(r for r in case.recipes if r.capacity <= 3)[:6],
                    case.stock, case.request)  # fmt: skip
    expected = brute_force(case)
    found = plan(case.instance())
    if expected is None:
        assert isinstance(found, Shortfall)
        return
    assert isinstance(found, Plan), found
    assert (found.cost, len(found.links)) == expected


@settings(max_examples=examples(40))
@given(networks(whole=False, max_recipes=6) | chains(whole=False, max_stages=3))
def test_time_shares_use_the_fewest_links_any_subset_of_recipes_reaches_the_optimum_with(
    case: Case,
) -> None:
    expected = fewest_links_by_subsets(case)
    found = plan(case.instance())
    if expected is None:
        assert isinstance(found, Shortfall)
        return
    assert isinstance(found, Plan), found
    assert found.lp_cost == pytest.approx(expected[0], rel=1e-6, abs=1e-6)
    assert len(found.links) == expected[1]
