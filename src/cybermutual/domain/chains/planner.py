"""The facilitator's chain planner: a least-cost linear program over the declared recipes.

For recipe runs ``x`` (one variable per recipe)::

    minimise    price . x
    subject to  (outputs - inputs) x + stock >= demand     one row per good (demand: the request)
                resources x <= hours                        a producer's labour, their commons hours
                0 <= x <= capacity                          (x integer where the recipe is whole)

solved with HiGHS through SciPy (``linprog(method="highs")``, branch and bound when a recipe is
whole). The matrix is built with sparse operations only, never a loop over its entries.

Ties in cost are broken by the fewest links, exactly: a second, lexicographic solve keeps the
cost within a tolerance of the optimum and minimises the number of recipes used, a MILP with a
binary per recipe that *could* be used at that cost. For a purely fractional plan, complementary
slackness says a recipe with a non-zero reduced cost sits at its bound in every optimal plan,
so only the recipes with zero reduced cost get a binary: usually a handful, whatever the
network's size. With whole recipes no such certificate exists, so every allowed recipe gets one
while they are at most :data:`WHOLE_TIE_BREAK_LIMIT`; beyond that only the plan's recipes and the
others making what they make do (``fewer_links_found``: no more links than the first plan, not
a proof of the fewest). The step stops after :data:`TIE_BREAK_SECONDS` with the best it found.
Branch and bound itself stops after :data:`PLAN_SECONDS` with the best plan found, which then
says ``proven_optimal: false``.

An infeasible request is answered from a phase-one program with a slack per good (extra stock
of it): first the least slack on goods some recipe makes (capacity or hours run out), then, with
that fixed, the least slack on goods nobody makes (what the requester can go and find). Every
good with slack is named with its units; adding them to the stock makes the request feasible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import linprog

from cybermutual.domain.chains.explain import explain
from cybermutual.domain.chains.model import Instance
from cybermutual.domain.chains.outcome import GoodShortfall, Plan, Shortfall, TieBreak
from cybermutual.domain.errors import Unavailable

RUN_DECIMALS = 9  # runs are kept to a billionth of a run (below: the solver's own noise)
SHORTFALL_DECIMALS = 6  # a shortfall is rounded up to a millionth of a unit
TIE_BREAK_LIMIT = 2_000  # most recipes given a binary in the fewest-links step
WHOLE_TIE_BREAK_LIMIT = 400  # the same with whole recipes (a harder program), else a neighbourhood
TIE_BREAK_SECONDS = 2.0  # the fewest-links step stops here, keeping the best plan found
PLAN_SECONDS = 60.0  # branch and bound stops here with the best plan found (not proven optimal)
_FEASIBILITY = 1e-7
_ZERO_RUNS = 1e-9  # fewer runs than this are none
_MIP_GAP = 1e-9  # branch and bound proves the whole plan optimal, not only within 0.01%
_NUDGE = 1e-4  # units of the target asked beyond the request when pricing a whole plan


@dataclass(frozen=True, eq=False)
class Model:
    """The linear program of one instance, built (:func:`build_model`) and ready to solve."""

    instance: Instance
    cost: NDArray[np.float64]
    rows: sp.csr_matrix  # goods (as <= rows), then resources
    bound: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    integral: NDArray[np.bool_]
    made: NDArray[np.bool_]  # goods an allowed recipe makes
    kept: NDArray[np.bool_]  # recipes fixed at the runs a request keeps

    @property
    def goods(self) -> int:
        return len(self.instance.network.good_ids)


def build_model(instance: Instance, *, keep: bool = True) -> Model:
    """The LP's sparse matrix, bounds and costs (vectorised: no loop over recipes or entries)."""
    network, request = instance.network, instance.request
    allowed = np.ones(len(network.recipe_ids), dtype=np.bool_)
    if request.excluded_producers:
        excluded = np.array(sorted(request.excluded_producers), dtype=object)
        allowed = ~np.isin(np.array(network.producers, dtype=object), excluded)
    upper = np.where(allowed, network.capacity, 0.0)
    upper = np.where(network.whole, np.floor(upper + 1e-9), upper)
    lower = np.zeros_like(upper)
    kept = np.zeros_like(allowed)
    if keep and request.keep:
        index = network.recipe_index()
        for recipe, runs in request.keep.items():
            column = index[recipe]
            if allowed[column]:
                fixed = min(float(runs), float(upper[column]))
                lower[column] = upper[column] = fixed
                kept[column] = True
    demand = np.zeros(len(network.good_ids))
    demand[network.good_index()[request.good]] = request.quantity
    blocks = [-(network.outputs - network.inputs)]
    bounds = [instance.stock - demand]
    if network.resources is not None and network.resources.shape[0]:
        blocks.append(network.resources)
        bounds.append(instance.resource_limits)
    made = np.asarray((network.outputs @ sp.diags(allowed.astype(np.float64))).sum(axis=1))
    return Model(
        instance=instance,
        cost=network.price.astype(np.float64),
        rows=sp.vstack(blocks, format="csr"),
        bound=np.concatenate(bounds),
        lower=lower,
        upper=upper,
        integral=network.whole & (upper > 0),
        made=made.ravel() > 0,
        kept=kept,
    )


def plan(instance: Instance) -> Plan | Shortfall:
    """The least-cost plan for the request, or what is missing (see :func:`solve`)."""
    return solve(build_model(instance))


def solve(model: Model) -> Plan | Shortfall:
    """Solve a built model: the plan, or the shortfall when no plan exists or fits the budget.

    Links a request keeps are kept at their runs when a plan with them exists; otherwise the
    plan is made without them and lists them in ``dropped_keeps``.
    """
    request = model.instance.request
    if model.cost.size == 0:  # no recipes at all: the stock serves the request, or it is short
        if np.all(model.bound >= -_FEASIBILITY):
            return _from_stock(model)
        return Shortfall(reason="short", goods=_shortfall(model))
    result = _solve_lp(model, model.cost, time_limit=PLAN_SECONDS)
    dropped: tuple[str, ...] = ()
    if result.status == 2 and model.kept.any():
        names = model.instance.network.recipe_ids
        dropped = tuple(names[i] for i in np.flatnonzero(model.kept))
        model = build_model(model.instance, keep=False)
        result = _solve_lp(model, model.cost, time_limit=PLAN_SECONDS)
    if result.status == 2:
        return Shortfall(reason="short", goods=_shortfall(model))
    if result.status == 1 and result.x is None:
        raise Unavailable(
            f"no plan found within {PLAN_SECONDS:g} s (whole runs over a large network); "
            "try again later or ask for part of the quantity",
            retry_after_seconds=int(PLAN_SECONDS),
        )
    if result.status not in (0, 1):
        raise RuntimeError(f"HiGHS could not solve the plan: {result.message}")
    x, tie_break = _fewest_links(model, result)
    runs = _snap(model, x)
    marginals = _marginals(model, runs, result)
    found = explain(
        model,
        runs=runs,
        amounts=_amounts(model, runs),
        row_marginals=marginals,
        dropped_keeps=dropped,
        tie_break=tie_break,
        proven_optimal=result.status == 0,
    )
    if request.budget is not None and found.cost > request.budget:
        return Shortfall(
            reason="over_budget", goods=(), cheapest_cost=found.cost, budget=request.budget
        )
    return found


def _from_stock(model: Model) -> Plan:
    nothing = np.zeros(0)
    return explain(
        model,
        runs=nothing,
        amounts=np.zeros(0, dtype=np.int64),
        row_marginals=np.zeros(model.rows.shape[0]),
        dropped_keeps=(),
        tie_break="none_needed",
    )


def _marginals(model: Model, runs: NDArray[np.float64], result: Any) -> NDArray[np.float64]:
    """The row duals that explain ``runs`` (HiGHS's signs: d objective / d bound).

    A fractional plan's are the LP's own. With whole recipes, the LP around the plan: whole runs
    may grow from the plan's but not shrink, so a good's dual is what one more unit would cost
    given the runs already planned (fixing them outright would price the target at 0, since
    nothing could then make more of it). The target is asked a hair beyond the request so a
    whole run that exactly meets it does not hide its price behind its bound. If that LP finds
    a cheaper mix than the plan, the whole runs are fixed instead.
    """
    if not model.integral.any():
        return np.asarray(result.ineqlin.marginals, dtype=np.float64)
    target = model.instance.network.good_index()[model.instance.request.good]
    nudged = model.bound.copy()
    nudged[target] -= _NUDGE  # off the degenerate corner where the whole runs just meet it
    relaxed = replace(
        model,
        bound=nudged,
        lower=np.where(model.integral, runs, model.lower),
        integral=np.zeros_like(model.integral),
    )
    around = _solve_lp(relaxed, model.cost)
    planned = float(model.cost @ runs)
    if around.status != 0 or around.fun < planned - max(1e-9 * abs(planned), 1e-6):
        fixed = replace(
            relaxed, bound=model.bound, upper=np.where(model.integral, runs, model.upper)
        )
        around = _solve_lp(fixed, model.cost)
    return np.asarray(around.ineqlin.marginals, dtype=np.float64)


def _solve_lp(model: Model, cost: NDArray[np.float64], **options: Any) -> Any:
    integrality = model.integral.astype(np.uint8) if model.integral.any() else None
    return linprog(
        cost,
        A_ub=model.rows,
        b_ub=model.bound,
        bounds=np.column_stack([model.lower, model.upper]),
        method="highs",
        integrality=integrality,
        options={"primal_feasibility_tolerance": _FEASIBILITY, "mip_rel_gap": _MIP_GAP, **options},
    )


def _snap(model: Model, x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Runs without the solver's noise (whole recipes to whole runs), within their bounds."""
    runs = np.where(model.integral, np.round(x), np.round(x, RUN_DECIMALS))
    return np.clip(runs, model.lower, model.upper)


def _amounts(model: Model, runs: NDArray[np.float64]) -> NDArray[np.int64]:
    """What each recipe is paid: ``ceil(price x runs)`` in exact arithmetic, minor units."""
    amounts = np.zeros(runs.size, dtype=np.int64)
    price = model.instance.network.price
    for column in np.flatnonzero(runs > 0):
        share = Fraction(round(float(runs[column]) * 10**RUN_DECIMALS), 10**RUN_DECIMALS)
        amounts[column] = math.ceil(int(price[column]) * share)
    return amounts


def _fewest_links(model: Model, result: Any) -> tuple[NDArray[np.float64], TieBreak]:
    """Among plans within a tolerance of the optimal cost, one with the fewest recipes used."""
    runs = np.where(np.abs(result.x) <= _ZERO_RUNS, 0.0, result.x)
    free = model.upper > model.lower
    complete = True
    if model.integral.any():
        candidates = np.flatnonzero(free)
        if candidates.size > WHOLE_TIE_BREAK_LIMIT:
            # no certificate narrows a MILP's ties: look among the plan's own recipes and the
            # others making what they make (a neighbourhood, so not a proof of the fewest)
            complete = False
            network = model.instance.network
            made = np.asarray(network.outputs @ (runs > 0).astype(np.float64)).ravel() > 0
            rivals = np.asarray(network.outputs.T @ made.astype(np.float64)).ravel() > 0
            candidates = np.flatnonzero(free & (rivals | (runs > 0)))
    else:
        reduced = np.asarray(result.lower.marginals) + np.asarray(result.upper.marginals)
        tied = np.abs(reduced) <= 1e-7 * (1.0 + model.cost)
        candidates = np.flatnonzero(free & (tied | (runs > 0)))
    limit = WHOLE_TIE_BREAK_LIMIT if model.integral.any() else TIE_BREAK_LIMIT
    if candidates.size > limit:
        return runs, "skipped"
    if candidates.size == 0 or not np.any(runs > 0):  # (one link may be dropped: a free one)
        return runs, "none_needed"
    fixed = np.ones(runs.size, dtype=np.bool_)
    fixed[candidates] = False
    n = candidates.size
    optimum = float(result.fun)
    slack = max(1e-9 * abs(optimum), 1e-6)
    rows = model.rows
    rest = model.bound - rows[:, np.flatnonzero(fixed)] @ runs[fixed]
    spend = optimum + slack - float(model.cost[fixed] @ runs[fixed])
    upper = model.upper[candidates]
    a = sp.vstack(
        [
            sp.hstack([rows[:, candidates], sp.csr_matrix((rows.shape[0], n))]),
            sp.hstack([sp.identity(n), -sp.diags(upper)]),
            sp.hstack([sp.csr_matrix(model.cost[candidates]), sp.csr_matrix((1, n))]),
        ],
        format="csr",
    )
    b = np.concatenate([rest, np.zeros(n), [spend]])
    integrality = np.concatenate(
        [model.integral[candidates].astype(np.uint8), np.ones(n, np.uint8)]
    )
    bounds = np.concatenate(
        [np.column_stack([model.lower[candidates], upper]), np.tile([0.0, 1.0], (n, 1))]
    )
    tie = linprog(
        np.concatenate([np.zeros(n), np.ones(n)]),
        A_ub=a,
        b_ub=b,
        bounds=bounds,
        method="highs",
        integrality=integrality,
        options={
            "time_limit": TIE_BREAK_SECONDS,
            "primal_feasibility_tolerance": _FEASIBILITY,
            "mip_rel_gap": _MIP_GAP,
        },
    )
    if tie.x is None or tie.status not in (0, 1):
        return runs, "skipped"
    proven: TieBreak = "fewest_links" if tie.status == 0 and complete else "fewer_links_found"
    chosen = runs.copy()
    chosen[candidates] = np.where(tie.x[n:] > 0.5, tie.x[:n], 0.0)
    if np.count_nonzero(chosen > 0) >= np.count_nonzero(runs > 0):
        return runs, proven
    return chosen, proven


def _shortfall(model: Model) -> tuple[GoodShortfall, ...]:
    """Phase one: the least extra stock per good that makes the request feasible (see module)."""
    goods, recipes = model.goods, model.cost.size
    rows = model.rows.shape[0]
    slack = sp.vstack(
        [-sp.identity(goods, format="csr"), sp.csr_matrix((rows - goods, goods))], format="csr"
    )
    a = sp.hstack([model.rows, slack], format="csr")
    bounds = np.concatenate(
        [np.column_stack([model.lower, model.upper]), np.tile([0.0, np.inf], (goods, 1))]
    )
    integrality = np.concatenate([model.integral, np.zeros(goods, np.bool_)]).astype(np.uint8)
    made = np.concatenate([np.zeros(recipes), model.made.astype(np.float64)])
    raw = np.concatenate([np.zeros(recipes), (~model.made).astype(np.float64)])
    options = {
        "primal_feasibility_tolerance": _FEASIBILITY,
        "mip_rel_gap": _MIP_GAP,
        "time_limit": PLAN_SECONDS,
    }
    first = linprog(made, A_ub=a, b_ub=model.bound, bounds=bounds, method="highs",
                    integrality=integrality, options=options)  # fmt: skip
    if first.x is None:
        raise RuntimeError(f"HiGHS could not find the shortfall: {first.message}")
    cap = float(first.fun) + max(1e-9 * abs(float(first.fun)), 1e-7)
    second = linprog(raw, A_ub=sp.vstack([a, sp.csr_matrix(made)], format="csr"),
                     b_ub=np.concatenate([model.bound, [cap]]), bounds=bounds, method="highs",
                     integrality=integrality, options=options)  # fmt: skip
    chosen = second if second.x is not None else first
    units = np.asarray(chosen.x[recipes:])
    scale = 10**SHORTFALL_DECIMALS
    names = model.instance.network.good_ids
    return tuple(
        GoodShortfall(
            good=names[g],
            units=math.ceil(units[g] * scale - 1e-6) / scale,
            made=bool(model.made[g]),
        )
        for g in np.flatnonzero(units > 10 * _FEASIBILITY)  # below: the solver's tolerance
    )
