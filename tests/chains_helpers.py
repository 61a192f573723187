"""Random recipe networks and an independent reference for the chain planner's tests.

:func:`reference_optimum` writes the same linear program from the value objects with dense
matrices and SciPy's ``milp`` (another HiGHS entry point, another formulation: equality rows with
explicit surplus), so a planner bug in the sparse model, its bounds or its signs shows up as a
difference. :func:`brute_force` enumerates every whole-run plan of a small network.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from cybermutual.domain.chains import Good, Instance, Recipe, Request


@dataclass(frozen=True)
class Case:
    goods: tuple[Good, ...]
    recipes: tuple[Recipe, ...]
    stock: dict[str, float]
    request: Request

    def instance(
        self, request: Request | None = None, stock: dict[str, float] | None = None
    ) -> Instance:
        return Instance.of(
            goods=self.goods,
            recipes=self.recipes,
            stock=self.stock if stock is None else stock,
            request=request or self.request,
        )


@st.composite
def networks(
    draw: st.DrawFn,
    *,
    max_goods: int = 6,
    max_recipes: int = 9,
    whole: bool | None = None,
    max_capacity: int = 6,
) -> Case:
    """A random network: each recipe makes one or two goods from up to two others.

    Mostly layered (a recipe uses goods numbered below what it makes, so chains form up to the
    target, drawn from the upper half); one recipe in four may use any other good (cycles).
    """
    count = draw(st.integers(2, max_goods))
    goods = tuple(Good(f"g{i}", unit="kg") for i in range(count))
    recipes = []
    for r in range(draw(st.integers(1, max_recipes))):
        made = draw(st.lists(st.integers(0, count - 1), min_size=1, max_size=2, unique=True))
        layered = draw(st.integers(0, 3)) > 0
        others = [g for g in range(count) if g not in made and (g < min(made) or not layered)]
        used = draw(st.lists(st.sampled_from(others), max_size=2, unique=True)) if others else []
        quantity = st.integers(1, 4)
        recipes.append(
            Recipe(
                id=f"r{r}",
                producer=f"p{draw(st.integers(0, 3))}",
                inputs={f"g{g}": float(draw(quantity)) for g in used},
                outputs={f"g{g}": float(draw(quantity)) for g in made},
                capacity=float(draw(st.integers(0, max_capacity))),
                price=draw(st.integers(0, 60)),
                whole=draw(st.booleans()) if whole is None else whole,
            )
        )
    stock = {g.id: float(draw(st.integers(0, 20))) for g in goods if draw(st.booleans())}
    target = draw(st.sampled_from(goods[count // 2 :])).id
    request = Request(good=target, quantity=float(draw(st.integers(1, 6))))
    return Case(goods, tuple(recipes), stock, request)


def _rows(case: Case, request: Request) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    index = {g.id: i for i, g in enumerate(case.goods)}
    net = np.zeros((len(case.goods), len(case.recipes)))
    for r, recipe in enumerate(case.recipes):
        for good, q in recipe.outputs.items():
            net[index[good], r] += q
        for good, q in recipe.inputs.items():
            net[index[good], r] -= q
    need = np.array([-case.stock.get(g.id, 0.0) for g in case.goods])
    need[index[request.good]] += request.quantity
    upper = np.array(
        [
            0.0
            if recipe.producer in request.excluded_producers
            else (math.floor(recipe.capacity) if recipe.whole else recipe.capacity)
            for recipe in case.recipes
        ]
    )
    return net, need, upper


def reference_optimum(
    case: Case, request: Request | None = None, *, within: Sequence[int] | None = None
) -> float | None:
    """The least cost by an independent formulation (``None``: infeasible).

    ``within`` restricts the plan to those recipes (positions), the others held at 0.
    """
    request = request or case.request
    net, need, upper = _rows(case, request)
    if within is not None:
        keep = np.zeros(len(case.recipes), dtype=bool)
        keep[list(within)] = True
        upper = np.where(keep, upper, 0.0)
    goods, recipes = net.shape
    # variables: runs, then a surplus per good; net @ runs - surplus == need
    a = np.hstack([net, -np.eye(goods)])
    cost = np.concatenate([[float(r.price) for r in case.recipes], np.zeros(goods)])
    integrality = np.concatenate([[1 if r.whole else 0 for r in case.recipes], np.zeros(goods)])
    result = milp(
        cost,
        constraints=LinearConstraint(a, need, need),
        bounds=Bounds(np.zeros(recipes + goods), np.concatenate([upper, np.full(goods, np.inf)])),
        integrality=integrality,
    )
    return float(result.fun) if result.status == 0 else None


def brute_force(case: Case) -> tuple[int, int] | None:
    """(least cost, fewest links at that cost) over every whole-run plan, or ``None``."""
    net, need, upper = _rows(case, case.request)
    best: tuple[int, int] | None = None
    for runs in itertools.product(*(range(int(u) + 1) for u in upper)):
        vector = np.array(runs, dtype=float)
        if np.all(net @ vector >= need - 1e-9):
            cost = sum(r.price * n for r, n in zip(case.recipes, runs, strict=True))
            candidate = (cost, sum(1 for n in runs if n))
            best = candidate if best is None else min(best, candidate)
    return best


def fewest_links_by_subsets(case: Case) -> tuple[float, int] | None:
    """(least cost, fewest recipes used at that cost) by trying every subset of recipes."""
    optimum = reference_optimum(case)
    if optimum is None:
        return None
    tolerance = max(1e-6, 1e-9 * abs(optimum))
    for size in range(len(case.recipes) + 1):
        for subset in itertools.combinations(range(len(case.recipes)), size):
            cost = reference_optimum(case, within=subset)
            if cost is not None and cost <= optimum + tolerance:
                return optimum, size
    raise AssertionError("the full set reaches the optimum")


@st.composite
def chains(draw: st.DrawFn, *, whole: bool | None = None, max_stages: int = 4) -> Case:
    """A supply chain: raw -> stage 1 -> ... -> the target, one to three producers per stage.

    Each stage may also need a side good (raw, with or without stock), so shortfalls can name
    goods other than the chain's own.
    """
    stages = draw(st.integers(1, max_stages))
    goods = [Good("raw", unit="kg"), Good("side", unit="piece")]
    goods += [Good(f"s{k}", unit="piece") for k in range(1, stages + 1)]
    recipes = []
    for k in range(1, stages + 1):
        before = "raw" if k == 1 else f"s{k - 1}"
        for alternative in range(draw(st.integers(1, 3))):
            inputs = {before: float(draw(st.integers(1, 3)))}
            if draw(st.integers(0, 3)) == 0:
                inputs["side"] = 1.0
            recipes.append(
                Recipe(
                    id=f"s{k}-{alternative}",
                    producer=f"p{draw(st.integers(0, 5))}",
                    inputs=inputs,
                    outputs={f"s{k}": float(draw(st.integers(1, 3)))},
                    capacity=float(draw(st.integers(0, 8))),
                    price=draw(st.integers(0, 40)),
                    whole=draw(st.booleans()) if whole is None else whole,
                )
            )
    stock = {"raw": float(draw(st.integers(0, 60))), "side": float(draw(st.integers(0, 3)))}
    request = Request(good=f"s{stages}", quantity=float(draw(st.integers(1, 6))))
    return Case(tuple(goods), tuple(recipes), stock, request)


def recipe_networks(*, whole: bool | None = None) -> st.SearchStrategy[Case]:
    """Random networks and random chains, half and half."""
    return st.one_of(networks(whole=whole), chains(whole=whole))
