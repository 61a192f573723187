"""Random recipe networks through the platform's instance and the planner: a plan never uses a
producer who declined (or the requester), never exceeds a recipe's capacity, every link runs
whole times, conserves every good along the chain, and its cost is exactly its links' prices."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cybermutual.domain.supply import instance as planning
from cybermutual.domain.supply.goods import Good
from cybermutual.domain.supply.recipes import Recipe, declare
from cybermutual.services.chain_planner import plan_chain

NOW = datetime(2026, 11, 29, tzinfo=UTC)
PRODUCERS = ["ana", "bo", "cy", "di", "ed"]


@st.composite
def networks(draw: st.DrawFn) -> tuple[list[Good], list[Recipe], str, int]:
    """Layered goods g0 (raw) .. g3 (wanted), each made by 1-3 recipes of random producers."""
    layers = 4
    goods = [Good(f"g{i}", "c", f"Good {i}", "unit", "crafts", "ana", NOW) for i in range(layers)]
    found = []
    for i in range(layers):
        for n in range(draw(st.integers(1, 3))):
            inputs = {f"g{i - 1}": draw(st.integers(1, 3))} if i else {}
            found.append(
                declare(
                    recipe_id=f"r{i}{n}",
                    collective_id="c",
                    producer_id=draw(st.sampled_from(PRODUCERS)),
                    name=f"Make {i}.{n}",
                    inputs=inputs,
                    outputs={f"g{i}": draw(st.integers(1, 3))},
                    capacity=draw(st.integers(1, 6)),
                    price=draw(st.integers(1, 50)),
                    now=NOW,
                )
            )
    return goods, found, f"g{layers - 1}", draw(st.integers(1, 4))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.lists(st.sampled_from(PRODUCERS), max_size=2, unique=True))
def test_a_replan_never_uses_a_decliner_and_keeps_its_promises(
    network: tuple[list[Good], list[Recipe], str, int], declined: list[str]
) -> None:
    goods, recipes, wanted, quantity = network
    excluded = ("ana", *declined)  # ana asks: she never supplies her own chain
    asked = planning.build(
        goods=goods,
        recipes=recipes,
        assets=[],
        good_id=wanted,
        quantity=quantity,
        excluded=excluded,
    )
    answer = plan_chain(asked)
    if not answer["feasible"]:
        short = planning.shortfall(answer, goods=goods)
        assert short, "an infeasible request names what is short"
        assert all(s.units > 0 for s in short)
        return
    planned = planning.read(answer, goods=goods, recipes=recipes, assets=[])
    assert planned.links
    assert not {link.recipe.producer_id for link in planned.links} & set(excluded)
    made: dict[str, int] = {}
    for link in planned.links:
        assert 1 <= link.runs <= link.recipe.capacity
        for good, per_run in link.recipe.outputs:
            made[good] = made.get(good, 0) + per_run * link.runs
        for good, per_run in link.recipe.inputs:
            made[good] = made.get(good, 0) - per_run * link.runs
    assert made[wanted] >= quantity
    assert all(made.get(g.id, 0) >= 0 for g in goods)
    assert planned.cost == sum(link.recipe.price_per_run * link.runs for link in planned.links)
    assert planned.cost == answer["cost"]


@st.composite
def networks_with_an_enterprise(draw: st.DrawFn) -> tuple[list[Good], list[Recipe], str, int]:
    """As ``networks``, where some recipes are the co-op's (declared by any of its members)."""
    goods, recipes, wanted, quantity = draw(networks())
    coop = draw(st.lists(st.booleans(), min_size=len(recipes), max_size=len(recipes)))
    shared = [
        replace(r, enterprise_id="coop") if c else r for r, c in zip(recipes, coop, strict=True)
    ]
    return goods, shared, wanted, quantity


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    networks_with_an_enterprise(),
    st.lists(st.sampled_from([*PRODUCERS, "coop"]), max_size=2, unique=True),
)
def test_a_declined_enterprise_is_never_planned_whoever_declared_its_recipes(
    network: tuple[list[Good], list[Recipe], str, int], declined: list[str]
) -> None:
    goods, recipes, wanted, quantity = network
    excluded = ("ana", *declined)
    asked = planning.build(
        goods=goods,
        recipes=recipes,
        assets=[],
        good_id=wanted,
        quantity=quantity,
        excluded=excluded,
    )
    answer = plan_chain(asked)
    if not answer["feasible"]:
        assert planning.shortfall(answer, goods=goods)
        return
    planned = planning.read(answer, goods=goods, recipes=recipes, assets=[])
    makers = {link.recipe.maker_id for link in planned.links}
    assert not makers & set(excluded)
    # the co-op is one producer: its recipes are planned even when declared by the requester
    # (who buys from the co-op, not from herself), and never once the co-op declined
    for link in planned.links:
        if link.recipe.enterprise_id is not None:
            assert link.recipe.maker_id == "coop"
            assert "coop" not in declined
    assert planned.cost == answer["cost"]
