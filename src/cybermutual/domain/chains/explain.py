"""Why the plan is what it is, from the LP's duals.

A good's dual is its marginal value: what one more unit of it in stock would save. A recipe's
reduced cost, ``price - value of its net output (+ hours it uses at their shadow prices)``, is
how far its price would have to fall to come into the plan; the cheapest unused alternative for
a link's output (per unit of it) is that link's *next best*. A used recipe at its capacity has a
negative reduced cost: minus it is the capacity's shadow price, what one more run would save.
The largest shadow price among capacities and limited hours is the plan's bottleneck.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from cybermutual.domain.chains.outcome import (
    Alternative,
    Bottleneck,
    Flow,
    Link,
    Plan,
    TieBreak,
)

if TYPE_CHECKING:
    from cybermutual.domain.chains.planner import Model

_ZERO = 1e-9


def explain(
    model: Model,
    *,
    runs: NDArray[np.float64],
    amounts: NDArray[np.int64],
    row_marginals: NDArray[np.float64],
    dropped_keeps: tuple[str, ...],
    tie_break: TieBreak,
    proven_optimal: bool = True,
) -> Plan:
    """The plan for ``runs``, explained by the duals in ``row_marginals`` (HiGHS's signs)."""
    network = model.instance.network
    goods = model.goods
    value = np.maximum(-row_marginals[:goods], 0.0)  # HiGHS: d objective / d bound, <= 0 here
    hours_value = np.maximum(-row_marginals[goods:], 0.0)
    reduced = model.cost - model.rows.T @ row_marginals
    used = np.flatnonzero(runs > 0)
    outputs_by_good = network.outputs.tocsr()
    inputs, outputs = network.inputs, network.outputs

    flows = _flows(model, runs)
    steps = _steps(network.recipe_ids, used, flows)
    links = []
    for j in (int(column) for column in used):
        recipe, producer = network.recipe_ids[j], network.producers[j]
        start, end = outputs.indptr[j], outputs.indptr[j + 1]
        made, made_qty = outputs.indices[start:end], outputs.data[start:end]
        pick = int(np.argmax(value[made] * made_qty)) if made.size else 0
        good, per_run = int(made[pick]), float(made_qty[pick])
        at_capacity = bool(runs[j] >= model.upper[j] - _ZERO) and not model.kept[j]
        shadow = max(0.0, -float(reduced[j])) if at_capacity else 0.0
        alternative, others_used = _next_best(model, j, good, runs, reduced, outputs_by_good)
        links.append(
            Link(
                recipe=recipe,
                producer=producer,
                runs=float(runs[j]),
                amount=int(amounts[j]),
                price=int(network.price[j]),
                step=steps[recipe],
                output=network.good_ids[good],
                inputs=_column(inputs, j, network.good_ids),
                outputs=_column(outputs, j, network.good_ids),
                at_capacity=at_capacity,
                capacity_shadow_price=_tidy(shadow),
                kept=bool(model.kept[j]),
                next_best=alternative,
                reason=_reason(
                    model, j, good, per_run, alternative, others_used, at_capacity, shadow
                ),
            )
        )
    links.sort(key=lambda link: (link.step, link.recipe))
    return Plan(
        cost=int(amounts.sum()),
        lp_cost=float(model.cost @ runs),
        links=tuple(links),
        runs={network.recipe_ids[j]: float(runs[j]) for j in used},
        duals={g: _tidy(float(v)) for g, v in zip(network.good_ids, value, strict=True)},
        flows=tuple(flows),
        bottleneck=_bottleneck(model, links, hours_value, runs),
        dropped_keeps=dropped_keeps,
        tie_break=tie_break,
        proven_optimal=proven_optimal,
    )


def _column(matrix: sp.csc_matrix, j: int, names: tuple[str, ...]) -> dict[str, float]:
    start, end = matrix.indptr[j], matrix.indptr[j + 1]
    rows, data = matrix.indices[start:end], matrix.data[start:end]
    return {names[g]: float(q) for g, q in zip(rows, data, strict=True)}


def _tidy(number: float) -> float:
    """Solver noise off a reported figure (a millionth of a minor unit)."""
    rounded = round(number, 6)
    return 0.0 if rounded == 0 else rounded


def _next_best(
    model: Model,
    j: int,
    good: int,
    runs: NDArray[np.float64],
    reduced: NDArray[np.float64],
    outputs_by_good: sp.csr_matrix,
) -> tuple[Alternative | None, bool]:
    """The cheapest unused alternative for ``good``, and whether other makers of it are used."""
    network = model.instance.network
    start, end = outputs_by_good.indptr[good], outputs_by_good.indptr[good + 1]
    columns = outputs_by_good.indices[start:end]
    per_run = outputs_by_good.data[start:end]
    others = (columns != j) & (model.upper[columns] > 0)
    unused = others & (runs[columns] <= 0)
    if not unused.any():
        return None, bool(others.any())
    columns, per_run = columns[unused], per_run[unused]
    extra = reduced[columns] / per_run
    best = int(np.argmin(extra))
    column = int(columns[best])
    alternative = Alternative(
        recipe=network.recipe_ids[column],
        producer=network.producers[column],
        reduced_cost=_tidy(max(0.0, float(reduced[column]))),
        extra_cost_per_unit=_tidy(max(0.0, float(extra[best]))),
    )
    return alternative, bool((others & ~unused).any())


def _reason(
    model: Model,
    j: int,
    good: int,
    per_run: float,
    alternative: Alternative | None,
    others_used: bool,
    at_capacity: bool,
    shadow: float,
) -> str:
    network = model.instance.network
    name = network.good_ids[good]
    unit = network.units[good] if network.units else "unit"
    price_per_unit = float(network.price[j]) / per_run
    parts = [f"{network.producers[j]} makes {name} at {price_per_unit:g} per {unit}"]
    if model.kept[j]:
        parts.append("kept: this link was already accepted")
    if alternative is None and not others_used:
        parts.append(f"no other producer offers {name}")
    elif alternative is None:
        parts.append(f"every other producer of {name} is in the plan too")
    elif alternative.extra_cost_per_unit > 0:
        parts.append(
            f"the next best, {alternative.producer} ({alternative.recipe}), would cost "
            f"{alternative.extra_cost_per_unit:g} more per {unit} at these prices"
        )
    else:
        parts.append(
            f"{alternative.producer} ({alternative.recipe}) would cost the same; "
            "ties go to the plan with fewer links"
        )
    if at_capacity and shadow > _ZERO:
        parts.append(
            f"runs at full capacity ({model.upper[j]:g} runs); one more run would save {shadow:g}"
        )
    elif at_capacity:
        parts.append(f"runs at full capacity ({model.upper[j]:g} runs)")
    return "; ".join(parts)


def _flows(model: Model, runs: NDArray[np.float64]) -> list[Flow]:
    """Who delivers what to whom: per good, stock first, then each link's output, in order."""
    network = model.instance.network
    request = model.instance.request
    supply: dict[int, list[tuple[str | None, float]]] = defaultdict(list)
    demand: dict[int, list[tuple[str | None, float]]] = defaultdict(list)
    used = np.flatnonzero(runs > 0)
    for matrix, side in ((network.outputs, supply), (network.inputs, demand)):
        for j in used:
            start, end = matrix.indptr[j], matrix.indptr[j + 1]
            for g, q in zip(matrix.indices[start:end], matrix.data[start:end], strict=True):
                side[int(g)].append((network.recipe_ids[j], float(q * runs[j])))
    target = network.good_index()[request.good]
    demand[target].append((None, float(request.quantity)))
    flows: list[Flow] = []
    for g, needs in demand.items():
        sources = [(None, float(model.instance.stock[g])), *supply.get(g, [])]
        s, left = 0, sources[0][1]
        for sink, quantity in needs:
            while quantity > _ZERO and s < len(sources):
                moved = min(left, quantity)
                if moved > _ZERO:
                    flows.append(Flow(network.good_ids[g], sources[s][0], sink, _tidy(moved)))
                quantity -= moved
                left -= moved
                if left <= _ZERO:
                    s += 1
                    left = sources[s][1] if s < len(sources) else 0.0
    return flows


def _steps(
    recipe_ids: tuple[str, ...], used: NDArray[np.intp], flows: list[Flow]
) -> dict[str, int]:
    """Each link's step: the longest chain of deliveries into it (bounded, so a cycle ends)."""
    step = {recipe_ids[j]: 0 for j in used}
    edges = {(f.source, f.sink) for f in flows if f.source is not None and f.sink is not None}
    for _ in range(len(step)):
        changed = False
        for source, sink in edges:
            if source != sink and step[sink] < step[source] + 1 <= len(step):
                step[sink] = step[source] + 1
                changed = True
        if not changed:
            break
    return step


def _bottleneck(
    model: Model,
    links: list[Link],
    hours_value: NDArray[np.float64],
    runs: NDArray[np.float64],
) -> Bottleneck | None:
    network = model.instance.network
    best: Bottleneck | None = None
    for link in links:
        shadow = link.capacity_shadow_price
        if link.at_capacity and shadow > _ZERO and (best is None or shadow > best.shadow_price):
            best = Bottleneck("capacity", link.recipe, link.producer, shadow)
    for row, hours_shadow in enumerate(hours_value):
        if hours_shadow > _ZERO and (best is None or hours_shadow > best.shadow_price):
            resource = network.resource_ids[row]
            best = Bottleneck("hours", resource, resource.split(":")[1], _tidy(float(hours_shadow)))
    return best
