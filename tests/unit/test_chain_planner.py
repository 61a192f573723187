"""The chain planner on worked examples: what a requester and each producer are told."""

from __future__ import annotations

import numpy as np
import pytest

from cybermutual.domain.chains import (
    Good,
    Instance,
    Network,
    Plan,
    Recipe,
    Request,
    Shortfall,
    plan,
)
from cybermutual.domain.errors import InvalidValue

GOODS = [Good("timber", "m3"), Good("planks", "m"), Good("chair", "piece"), Good("glue", "l")]


def saw(id: str, producer: str, price: int, capacity: float = 10, **extra: object) -> Recipe:
    return Recipe(id, producer, {"timber": 1}, {"planks": 10}, capacity, price, **extra)  # type: ignore[arg-type]


def chairs(capacity: float = 20, price: int = 3000, whole: bool = True) -> Recipe:
    return Recipe("chairs", "cy", {"planks": 4}, {"chair": 1}, capacity, price, whole=whole)


def planned(recipes: list[Recipe], quantity: float = 10, **options: object) -> Plan | Shortfall:
    stock = options.pop("stock", {"timber": 10})
    request = Request("chair", quantity, **options)  # type: ignore[arg-type]
    return plan(Instance.of(goods=GOODS, recipes=recipes, stock=stock, request=request))  # type: ignore[arg-type]


def test_the_cheapest_chain_fills_the_cheap_sawmill_first_and_explains_itself() -> None:
    found = planned([saw("saw-a", "ana", 500, capacity=3), saw("saw-b", "bo", 800),
                     saw("saw-c", "cy", 900), chairs()])  # fmt: skip
    assert isinstance(found, Plan)
    assert dict(found.runs) == {"saw-a": 3, "saw-b": 1, "chairs": 10}
    assert found.cost == 3 * 500 + 800 + 10 * 3000
    assert [(link.recipe, link.step) for link in found.links] == [
        ("saw-a", 0), ("saw-b", 0), ("chairs", 1)
    ]  # fmt: skip
    # planks are worth bo's price per metre (the marginal sawmill), a chair its planks + work
    assert found.duals["planks"] == pytest.approx(80)
    assert found.duals["chair"] == pytest.approx(3000 + 4 * 80)
    assert found.duals["timber"] == 0  # there is timber to spare
    by_recipe = {link.recipe: link for link in found.links}
    ana = by_recipe["saw-a"]
    assert ana.at_capacity
    assert ana.capacity_shadow_price == pytest.approx(300)
    assert ana.next_best is not None
    assert ana.next_best.recipe == "saw-c"
    assert ana.next_best.extra_cost_per_unit == pytest.approx(10)  # 90 - 80 per metre
    assert "the next best, cy (saw-c), would cost 10 more per m" in ana.reason
    assert "one more run would save 300" in ana.reason
    assert "no other producer offers chair" in by_recipe["chairs"].reason
    assert found.bottleneck is not None
    assert found.bottleneck.name == "saw-a"
    assert found.bottleneck.shadow_price == pytest.approx(300)
    # who delivers what to whom: the orders the platform opens
    deliveries = {(f.good, f.source, f.sink): f.quantity for f in found.flows}
    assert deliveries == {
        ("timber", None, "saw-a"): 3, ("timber", None, "saw-b"): 1,
        ("planks", "saw-a", "chairs"): 30, ("planks", "saw-b", "chairs"): 10,
        ("chair", "chairs", None): 10,
    }  # fmt: skip


def test_time_shares_are_paid_rounded_up_per_link_never_below_the_asking_price() -> None:
    found = planned([saw("saw", "ana", 700), chairs(whole=False)], quantity=1)
    assert isinstance(found, Plan)
    assert found.runs["saw"] == pytest.approx(0.4)
    assert {link.recipe: link.amount for link in found.links} == {"saw": 280, "chairs": 3000}
    thirds = planned([saw("saw", "ana", 700), chairs(whole=False)], quantity=1 / 3 * 10 / 4)
    assert isinstance(thirds, Plan)
    saw_link = next(link for link in thirds.links if link.recipe == "saw")
    assert saw_link.runs == pytest.approx(1 / 3)
    assert saw_link.amount == 234  # 700 x 1/3 = 233.33..., rounded up
    assert thirds.cost >= thirds.lp_cost


def test_a_missing_raw_good_is_named_with_how_many_units_short() -> None:
    found = planned([saw("saw", "ana", 500), chairs()], stock={"timber": 2.5})
    assert isinstance(found, Shortfall)
    assert found.reason == "short"
    assert [(s.good, s.units, s.made) for s in found.goods] == [("timber", 1.5, False)]


def test_when_capacity_runs_out_the_made_good_is_named() -> None:
    # 20 m of planks make 5 chairs: 5 chairs short is the least (in units) to find elsewhere
    found = planned([saw("saw", "ana", 500, capacity=2), chairs()], stock={"timber": 100})
    assert isinstance(found, Shortfall)
    assert [(s.good, s.units, s.made) for s in found.goods] == [("chair", 5, True)]


def test_a_good_nobody_makes_is_short_even_with_a_producer_for_the_rest() -> None:
    glued = Recipe("glued", "di", {"planks": 4, "glue": 0.5}, {"chair": 1}, 20, 2500)
    found = planned([saw("saw", "ana", 500), glued], stock={"timber": 10, "glue": 2})
    assert isinstance(found, Shortfall)
    assert [(s.good, s.units) for s in found.goods] == [("glue", 3)]


def test_a_declined_producer_is_planned_around() -> None:
    recipes = [saw("saw-a", "ana", 500), saw("saw-b", "bo", 800), chairs()]
    found = planned(recipes, excluded_producers=frozenset({"ana"}))
    assert isinstance(found, Plan)
    assert "ana" not in {link.producer for link in found.links}
    assert found.runs["saw-b"] == 4
    alone = planned(recipes, excluded_producers=frozenset({"cy"}))
    assert isinstance(alone, Shortfall)
    assert [(s.good, s.units) for s in alone.goods] == [("chair", 10)]


def test_an_accepted_link_is_kept_at_its_runs_while_it_still_fits() -> None:
    recipes = [saw("saw-a", "ana", 500), saw("saw-b", "bo", 800), chairs()]
    kept = planned(recipes, keep={"saw-b": 2, "chairs": 10}, excluded_producers=frozenset())
    assert isinstance(kept, Plan)
    assert kept.runs["saw-b"] == 2
    assert kept.runs["saw-a"] == 2
    assert {link.recipe for link in kept.links if link.kept} == {"saw-b", "chairs"}
    assert kept.dropped_keeps == ()
    # the chair maker declines: the sawmill's accepted runs no longer fit, the plan drops them
    with_glue = [*recipes, Recipe("stools", "di", {"planks": 2}, {"chair": 1}, 20, 3500)]
    replanned = planned(with_glue, quantity=10, keep={"saw-b": 4},
                        excluded_producers=frozenset({"cy"}), stock={"timber": 3})  # fmt: skip
    assert isinstance(replanned, Plan)
    assert replanned.dropped_keeps == ("saw-b",)
    assert "saw-b" not in replanned.runs


def test_a_plan_over_budget_says_what_the_cheapest_costs() -> None:
    found = planned([saw("saw", "ana", 500), chairs()], budget=30_000)
    assert isinstance(found, Shortfall)
    assert (found.reason, found.cheapest_cost, found.budget) == ("over_budget", 32_000, 30_000)
    assert isinstance(planned([saw("saw", "ana", 500), chairs()], budget=32_000), Plan)


def test_ties_in_cost_go_to_the_plan_with_fewest_links() -> None:
    # a chair straight from timber costs the same as planks and then a chair: one link wins
    direct = Recipe("direct", "ed", {"timber": 0.4}, {"chair": 1}, 20, 3200)
    found = planned([saw("saw", "ana", 500), chairs(), direct])
    assert isinstance(found, Plan)
    assert dict(found.runs) == {"direct": 10}
    assert found.tie_break == "fewest_links"
    # two sawmills at one price: one of them does all the work it can
    split = planned([saw("saw-a", "ana", 500), saw("saw-b", "bo", 500), chairs()])
    assert isinstance(split, Plan)
    assert len(split.links) == 2
    sawmill = next(link for link in split.links if link.output == "planks")
    assert "would cost the same; ties go to the plan with fewer links" in sawmill.reason


def test_a_recipe_using_the_commons_runs_only_on_the_hours_allocated() -> None:
    kiln = Recipe("kiln", "fa", {"timber": 1}, {"planks": 10}, 10, 100, asset_hours={"kiln": 2})
    recipes = [kiln, saw("saw", "ana", 800), chairs()]
    request = Request("chair", 10)
    none = plan(Instance.of(goods=GOODS, recipes=recipes, stock={"timber": 10}, request=request))
    assert isinstance(none, Plan)
    assert "kiln" not in none.runs  # no hours of the kiln: it cannot be bought, so it is not used
    some = plan(Instance.of(goods=GOODS, recipes=recipes, stock={"timber": 10}, request=request,
                            asset_hours={("fa", "kiln"): 5}))  # fmt: skip
    assert isinstance(some, Plan)
    assert some.runs["kiln"] == pytest.approx(2.5)
    assert some.runs["saw"] == pytest.approx(1.5)
    assert some.bottleneck is not None
    assert (some.bottleneck.kind, some.bottleneck.name) == ("hours", "asset:fa:kiln")
    assert some.bottleneck.shadow_price == pytest.approx((800 - 100) / 2)


def test_a_producers_labour_hours_limit_all_their_recipes_together() -> None:
    recipes = [saw("saw", "ana", 500, labour_hours=2), saw("saw-b", "bo", 900), chairs()]
    found = plan(Instance.of(goods=GOODS, recipes=recipes, stock={"timber": 10},
                             request=Request("chair", 10), labour_hours={"ana": 5}))  # fmt: skip
    assert isinstance(found, Plan)
    assert found.runs["saw"] == pytest.approx(2.5)
    assert found.runs["saw-b"] == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"request": Request("sofa", 1)}, "unknown good 'sofa'"),
        ({"request": Request("chair", 0)}, "must be more than 0"),
        ({"request": Request("chair", 1, keep={"nope": 1})}, "keeps unknown recipes: nope"),
        ({"request": Request("chair", 1, keep={"chairs": -1})}, "runs kept of 'chairs' must be"),
        ({"request": Request("chair", 1, keep={"chairs": 1.5})}, "keep a whole number of runs"),
        ({"stock": {"timber": -1}}, "must be a finite number, not negative"),
        ({"stock": {"iron": 1}}, "stock names an unknown good 'iron'"),
        ({"recipes": [Recipe("x", "p", {"iron": 1}, {"chair": 1}, 1, 1)]}, "unknown good 'iron'"),
        ({"recipes": [Recipe("x", "p", {}, {}, 1, 1)]}, "makes nothing"),
        ({"recipes": [Recipe("x", "p", {}, {"chair": 1}, 1, 2.5)]}, "whole minor units"),  # type: ignore[arg-type]
        ({"recipes": [Recipe("x", "p", {}, {"chair": 1}, float("inf"), 1)]}, "capacity"),
        ({"recipes": [saw("x", "p", 1), saw("x", "q", 1)]}, "two recipes have the same id"),
    ],
)
def test_a_malformed_instance_is_refused_with_what_is_wrong(
    change: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {
        "goods": GOODS, "recipes": [chairs()], "stock": {}, "request": Request("chair", 1)
    }  # fmt: skip
    arguments.update(change)
    with pytest.raises(InvalidValue, match=message):
        plan(Instance.of(**arguments))  # type: ignore[arg-type]


def test_a_network_from_table_columns_plans_like_one_from_recipes() -> None:
    recipes = [saw("saw-a", "ana", 500, capacity=3), saw("saw-b", "bo", 800), chairs()]
    from_rows = Network.from_columns(
        good_ids=[g.id for g in GOODS],
        recipe_ids=["saw-a", "saw-b", "chairs"],
        producers=["ana", "bo", "cy"],
        price=np.array([500, 800, 3000]),
        capacity=np.array([3.0, 10, 20]),
        whole=np.array([False, False, True]),
        outputs=(["saw-a", "saw-b", "chairs"], ["planks", "planks", "chair"],
                 np.array([10.0, 10, 1])),
        inputs=(["saw-a", "saw-b", "chairs"], ["timber", "timber", "planks"],
                np.array([1.0, 1, 4])),
    )  # fmt: skip
    stock = np.array([10.0, 0, 0, 0])
    by_rows = plan(Instance(network=from_rows, stock=stock, request=Request("chair", 10)))
    by_recipes = planned(recipes)
    assert isinstance(by_rows, Plan)
    assert isinstance(by_recipes, Plan)
    assert (by_rows.cost, dict(by_rows.runs)) == (by_recipes.cost, dict(by_recipes.runs))
    with pytest.raises(InvalidValue, match="inputs name an unknown good: 'iron'"):
        Network.from_columns(
            good_ids=["planks"], recipe_ids=["saw"], producers=["ana"], price=np.array([1]),
            capacity=np.array([1.0]), outputs=(["saw"], ["planks"], np.array([1.0])),
            inputs=(["saw"], ["iron"], np.array([1.0])),
        )  # fmt: skip


def test_past_the_whole_run_limit_ties_are_broken_among_the_plans_neighbours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import cybermutual.domain.chains.planner as planner

    monkeypatch.setattr(planner, "WHOLE_TIE_BREAK_LIMIT", 3)
    direct = Recipe("direct", "ed", {"timber": 0.4}, {"chair": 1}, 20, 3200, whole=True)
    glue = Recipe("glue", "gu", {"timber": 1}, {"glue": 1}, 5, 100, whole=True)
    recipes = [saw("saw", "ana", 500, whole=True), chairs(), direct, glue]
    found = planned(recipes)
    assert isinstance(found, Plan)
    assert found.cost == 32_000
    assert dict(found.runs) == {"direct": 10}
    assert found.tie_break == "fewer_links_found"  # not a proof over all recipes
    assert found.proven_optimal


@pytest.mark.parametrize("whole", [True, False])
def test_a_free_recipe_the_stock_makes_unnecessary_is_not_a_link(whole: bool) -> None:
    # found by the brute-force property: a plan of one free link ties with a plan of none
    free = Recipe("free", "ana", {}, {"timber": 1}, 1, 0, whole=whole)
    found = plan(Instance.of(goods=GOODS, recipes=[free], stock={"timber": 1},
                             request=Request("timber", 1)))  # fmt: skip
    assert isinstance(found, Plan)
    assert found.links == ()
    assert found.cost == 0
