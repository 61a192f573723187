"""The chain planner on random recipe networks: what any plan or shortfall must satisfy."""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cybermutual.domain.chains import Plan, Shortfall, plan
from tests.chains_helpers import Case, recipe_networks, reference_optimum
from tests.helpers import examples

TOLERANCE = 1e-5


def _balance(case: Case, found: Plan) -> dict[str, float]:
    """Per good: produced + stock - consumed - requested (never below 0 for a plan)."""
    left = {g.id: case.stock.get(g.id, 0.0) for g in case.goods}
    left[case.request.good] -= case.request.quantity
    recipes = {r.id: r for r in case.recipes}
    for recipe_id, runs in found.runs.items():
        for good, q in recipes[recipe_id].outputs.items():
            left[good] += q * runs
        for good, q in recipes[recipe_id].inputs.items():
            left[good] -= q * runs
    return left


@settings(max_examples=examples(60))
@given(recipe_networks())
def test_a_plan_respects_capacity_conserves_goods_and_costs_the_optimum(case: Case) -> None:
    found = plan(case.instance())
    optimum = reference_optimum(case)
    if optimum is None:
        assert isinstance(found, Shortfall)
        _assert_a_real_shortfall(case, found)
        return
    assert isinstance(found, Plan), found
    recipes = {r.id: r for r in case.recipes}
    for link in found.links:
        recipe = recipes[link.recipe]
        assert 0 < link.runs <= recipe.capacity + 1e-9
        if recipe.whole:
            assert link.runs == int(link.runs)
        # what the producer is paid is exact: their price for the runs, rounded up
        assert link.amount == math.ceil(recipe.price * Fraction(str(link.runs)))
    assert all(v >= -TOLERANCE for v in _balance(case, found).values())
    _assert_the_flows_deliver_every_input(case, found)
    assert found.lp_cost == pytest.approx(optimum, rel=1e-6, abs=1e-5)
    assert found.cost == sum(link.amount for link in found.links)
    assert found.lp_cost - 1e-6 <= found.cost < found.lp_cost + len(found.links) + 1e-6


def _assert_the_flows_deliver_every_input(case: Case, found: Plan) -> None:
    """Each link receives exactly what its runs consume, the requester what they asked, and
    nobody (nor the stock) delivers more than they have."""
    recipes = {r.id: r for r in case.recipes}
    received: dict[tuple[str | None, str], float] = {}
    sent: dict[tuple[str | None, str], float] = {}
    for flow in found.flows:
        assert flow.quantity > 0
        received[flow.sink, flow.good] = received.get((flow.sink, flow.good), 0) + flow.quantity
        sent[flow.source, flow.good] = sent.get((flow.source, flow.good), 0) + flow.quantity
    wanted: dict[tuple[str | None, str], float] = {(None, case.request.good): case.request.quantity}
    for recipe_id, runs in found.runs.items():
        for good, q in recipes[recipe_id].inputs.items():
            wanted[recipe_id, good] = q * runs
    assert set(received) == set(wanted)
    for key, quantity in wanted.items():
        assert received[key] == pytest.approx(quantity, rel=1e-6, abs=1e-5)
    for (source, good), quantity in sent.items():
        if source is None:
            assert quantity <= case.stock.get(good, 0.0) + TOLERANCE
        else:
            made = recipes[source].outputs[good] * found.runs[source]
            assert quantity <= made + TOLERANCE


def _assert_a_real_shortfall(case: Case, found: Shortfall) -> None:
    """Adding every named shortfall to the stock makes the request feasible."""
    assert found.reason == "short"
    assert found.goods, "an infeasible request names at least one short good"
    topped_up = dict(case.stock)
    for short in found.goods:
        assert short.units > 0
        topped_up[short.good] = topped_up.get(short.good, 0.0) + short.units
    assert isinstance(plan(case.instance(stock=topped_up)), Plan)


@settings(max_examples=examples(40))
@given(recipe_networks(), st.data())
def test_replanning_without_a_producer_never_uses_them(case: Case, data: st.DataObject) -> None:
    first = plan(case.instance())
    if not isinstance(first, Plan) or not first.links:
        return
    decliner = data.draw(st.sampled_from([link.producer for link in first.links]))
    request = replace(case.request, excluded_producers=frozenset({decliner}))
    again = plan(case.instance(request))
    if isinstance(again, Plan):
        assert decliner not in {link.producer for link in again.links}
        assert again.lp_cost >= first.lp_cost - 1e-6  # fewer choices never cost less
    assert (reference_optimum(case, request) is None) == isinstance(again, Shortfall)


@settings(max_examples=examples(25))
@given(recipe_networks(whole=False))
def test_duals_price_what_one_more_unit_of_stock_saves(case: Case) -> None:
    found = plan(case.instance())
    if not isinstance(found, Plan):
        return
    for good, value in found.duals.items():
        more = dict(case.stock)
        more[good] = more.get(good, 0.0) + 1e-3
        cheaper = plan(case.instance(stock=more))
        assert isinstance(cheaper, Plan)
        # a dual is a derivative of the optimum: one of the one-sided ones at a kink
        saved = (found.lp_cost - cheaper.lp_cost) / 1e-3
        assert saved <= value + 1e-3
