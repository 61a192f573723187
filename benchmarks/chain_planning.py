"""Chain planner benchmark: plan time against the network's size, model building and solving apart.

    python benchmarks/chain_planning.py [--quick] [--seed N] [--whole-share 0.1]

Each network is layered like a real economy: a fifth of the goods are raw (in stock, made by
nobody), the rest in five layers, each made by about ten competing recipes from one to three
goods of lower layers, the first from the layer just below (random quantities, capacities and
integer prices per run). The request asks for a top-layer good in a quantity that needs several
producers per stage. The network is generated as the columns a database query returns (ids and
numbers, a row per recipe input or output); *build* turns them into the sparse LP
(:meth:`Network.from_columns`, then :func:`build_model`), *solve* is HiGHS with the tie break,
duals and explanations (:func:`solve`), and *HiGHS* is the same program solved again by HiGHS
alone (the LP's share of the solve). Targets on a 2-core machine: 1,000 goods x 10,000
recipes under 2 s, 10,000 x 100,000 under 15 s. Figures go to
``benchmarks/results/chain_planning.json`` (``chain_planning.quick.json`` for a ``--quick``
smoke run), with the load average at the start.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from scipy.optimize import linprog

from cybermutual.domain.chains import (
    Instance,
    Model,
    Network,
    Plan,
    Request,
    build_model,
    solve,
)

SIZES = [(1_000, 10_000, 2.0), (10_000, 100_000, 15.0)]  # goods, recipes, target seconds
QUICK_SIZES = [(200, 2_000, 2.0), (1_000, 10_000, 2.0)]
LAYERS = 5
RAW_SHARE = 0.2
RESULTS = Path(__file__).parent / "results" / "chain_planning.json"


@dataclass(frozen=True)
class Columns:
    """A network as a database would return it: id columns and numbers, one row per entry."""

    good_ids: NDArray[np.str_]
    recipe_ids: NDArray[np.str_]
    producers: NDArray[np.str_]
    price: NDArray[np.int64]
    capacity: NDArray[np.float64]
    whole: NDArray[np.bool_]
    outputs: tuple[NDArray[np.str_], NDArray[np.str_], NDArray[np.float64]]
    inputs: tuple[NDArray[np.str_], NDArray[np.str_], NDArray[np.float64]]
    stock: NDArray[np.float64]
    target: str


def _ids(prefix: str, numbers: NDArray[np.int64]) -> NDArray[np.str_]:
    return np.char.add(prefix, numbers.astype(str))


def network(goods: int, recipes: int, seed: int, whole_share: float = 0.0) -> Columns:
    """A random layered network as table columns, and a top-layer good to ask for."""
    rng = np.random.default_rng(seed)
    raw = int(goods * RAW_SHARE)
    # goods are numbered layer by layer: raw first, then LAYERS layers of made goods
    starts = np.linspace(raw, goods, LAYERS + 1).astype(np.int64)
    made = rng.integers(raw, goods, recipes)
    layer = np.searchsorted(starts, made, side="right") - 1
    below = starts[layer]  # a recipe uses goods numbered below its own layer
    per_recipe = rng.integers(1, 4, recipes)
    recipe_of_input = np.repeat(np.arange(recipes), per_recipe)
    input_good = (rng.random(recipe_of_input.size) * below[recipe_of_input]).astype(np.int64)
    # a recipe's first input comes from the layer just below its own, so chains are deep
    first = np.concatenate([[0], np.cumsum(per_recipe)[:-1]])
    previous = np.where(layer > 0, starts[np.maximum(layer - 1, 0)], 0)
    span = below - previous
    input_good[first] = previous + (rng.random(recipes) * span).astype(np.int64)
    stock = np.zeros(goods)
    stock[:raw] = rng.integers(1_000, 100_000, raw)
    makers = np.bincount(made, minlength=goods)
    top = np.flatnonzero(makers[starts[-2] :] >= 5) + starts[-2]
    recipe_ids = _ids("r", np.arange(recipes))
    return Columns(
        good_ids=_ids("g", np.arange(goods)),
        recipe_ids=recipe_ids,
        producers=_ids("m", rng.integers(0, max(recipes // 5, 1), recipes)),
        price=rng.integers(100, 10_000, recipes).astype(np.int64),
        capacity=rng.integers(1, 20, recipes).astype(np.float64),
        whole=rng.random(recipes) < whole_share,
        outputs=(recipe_ids, _ids("g", made), rng.integers(1, 5, recipes).astype(np.float64)),
        inputs=(
            recipe_ids[recipe_of_input],
            _ids("g", input_good),
            rng.integers(1, 4, input_good.size).astype(np.float64),
        ),
        stock=stock,
        target=f"g{int(rng.choice(top))}",
    )


def build(columns: Columns) -> Model:
    """What is timed as building: ids to positions, the sparse matrices, the LP."""
    net = Network.from_columns(
        good_ids=columns.good_ids,
        recipe_ids=columns.recipe_ids,
        producers=columns.producers,
        price=columns.price,
        capacity=columns.capacity,
        whole=columns.whole,
        outputs=columns.outputs,
        inputs=columns.inputs,
    )
    request = Request(good=columns.target, quantity=60.0)
    return build_model(Instance(network=net, stock=columns.stock, request=request))


def lp_seconds(model: Model) -> float:
    """HiGHS alone on the same program (no tie break, no explanations): the LP's share."""
    started = time.perf_counter()
    linprog(
        model.cost,
        A_ub=model.rows,
        b_ub=model.bound,
        bounds=np.column_stack([model.lower, model.upper]),
        method="highs",
        integrality=model.integral.astype(np.uint8) if model.integral.any() else None,
    )
    return time.perf_counter() - started


def run(goods: int, recipes: int, seed: int, whole_share: float) -> dict[str, Any]:
    columns = network(goods, recipes, seed, whole_share)
    started = time.perf_counter()
    model = build(columns)
    built = time.perf_counter()
    outcome = solve(model)
    solved = time.perf_counter()
    lp_alone = lp_seconds(model)
    row: dict[str, Any] = {
        "goods": goods,
        "recipes": recipes,
        "nonzeros": int(columns.outputs[0].size + columns.inputs[0].size),
        "whole_share": whole_share,
        "build_seconds": built - started,
        "solve_seconds": solved - built,
        "lp_seconds": lp_alone,
        "seconds": solved - started,
        "feasible": outcome.feasible,
    }
    if isinstance(outcome, Plan):
        row |= {"links": len(outcome.links), "cost": outcome.cost, "tie_break": outcome.tie_break,
                "steps": 1 + max((link.step for link in outcome.links), default=-1)}  # fmt: skip
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--whole-share", type=float, default=0.1,
                        help="share of recipes with whole runs in the extra MILP row")  # fmt: skip
    args = parser.parse_args()
    console = Console(width=150)
    load = os.getloadavg()
    sizes = QUICK_SIZES if args.quick else SIZES
    cases = [(g, r, target, 0.0) for g, r, target in sizes]
    cases.append((*sizes[0][:3], args.whole_share))  # the smaller size with whole recipes
    rows = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("planning", total=len(cases))
        for goods, recipes, target, whole in cases:
            what = f"{goods:,} goods x {recipes:,} recipes" + (
                f", {whole:.0%} whole" if whole else ""
            )
            progress.update(task, description=what)
            row = run(goods, recipes, args.seed, whole)
            row["target_seconds"] = target
            row["within_target"] = row["seconds"] < target
            rows.append(row)
            progress.update(task, advance=1)
    table = Table(title="Chain planner: least-cost plan (HiGHS via SciPy)")
    for column in ("goods x recipes", "whole", "nonzeros", "build (s)", "solve (s)",
                   "of which HiGHS (s)", "total (s)", "target (s)", "links", "steps",
                   "tie break"):  # fmt: skip
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            f"{row['goods']:,} x {row['recipes']:,}",
            f"{row['whole_share']:.0%}",
            f"{row['nonzeros']:,}",
            f"{row['build_seconds']:.3f}",
            f"{row['solve_seconds']:.3f}",
            f"{row['lp_seconds']:.3f}",
            f"{row['seconds']:.3f}",
            f"{row['target_seconds']:g}" + ("" if row["within_target"] else " (missed)"),
            str(row.get("links", "-")),
            str(row.get("steps", "-")),
            str(row.get("tie_break", "infeasible")),
        )
    console.print(table)
    results = RESULTS.with_suffix(".quick.json") if args.quick else RESULTS
    results.parent.mkdir(parents=True, exist_ok=True)
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(),
               "load_average_at_start": [round(x, 2) for x in load]}  # fmt: skip
    results.write_text(
        json.dumps(
            {"seed": args.seed, "quick": args.quick, "machine": machine, "rows": rows}, indent=2
        )
        + "\n"
    )
    console.print(f"figures written to {results}")


if __name__ == "__main__":
    main()
