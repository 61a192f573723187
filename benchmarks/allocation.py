"""Facilitator benchmark: time to a 0.5% equilibrium gap on random sparse markets, against cvxpy.

    python benchmarks/allocation.py [--quick] [--cvxpy-timeout SECONDS]

Each market has N members with 20 bids each on distinct assets among K; values are
lognormal times an asset popularity; caps are 1-19 whole units; each asset's capacity is
0.2-1.2 times the units asked for it (so some assets are free and most are contested).
cvxpy solves the exact capped Eisenberg-Gale program in a child process that is stopped after
the timeout; once it misses, larger sizes are skipped. Figures go to
``benchmarks/results/allocation.json`` (``allocation.quick.json`` for a ``--quick`` smoke run).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from cybermutual.domain.allocation import Bids, fisher_equilibrium, lottery_rng, round_to_units

SIZES = [(1_000, 50), (3_000, 100), (10_000, 200), (30_000, 600), (100_000, 2_000)]
QUICK_SIZES = [(1_000, 50), (3_000, 100)]
BIDS_PER_MEMBER = 20
TOLERANCE = 0.005
VERBOSE = False
RESULTS = Path(__file__).parent / "results" / "allocation.json"


def market(members: int, assets: int, seed: int) -> tuple[Bids, np.ndarray, np.ndarray]:
    """A random sparse market: 20 bids per member on distinct assets."""
    rng = np.random.default_rng(seed)
    d = BIDS_PER_MEMBER
    choice = rng.integers(0, assets, size=(members, d))
    for _ in range(20):  # redraw duplicates within a member until none are left
        choice.sort(axis=1)
        duplicate = np.zeros_like(choice, dtype=bool)
        duplicate[:, 1:] = choice[:, 1:] == choice[:, :-1]
        if not duplicate.any():
            break
        choice[duplicate] = rng.integers(0, assets, size=int(duplicate.sum()))
    keep = np.ones_like(choice, dtype=bool)
    keep[:, 1:] = choice[:, 1:] != choice[:, :-1]
    member = np.repeat(np.arange(members), d)[keep.ravel()]
    asset = choice.ravel()[keep.ravel()]
    popularity = rng.lognormal(0.0, 1.0, assets)
    values = rng.lognormal(0.0, 0.5, asset.size) * popularity[asset]
    maxima = rng.integers(1, 20, asset.size).astype(np.float64)
    capacity = np.bincount(asset, maxima, minlength=assets) * rng.uniform(0.2, 1.2, assets)
    return Bids.of(member, asset, values, maxima), np.ones(members), capacity


def solve_with_cvxpy(members: int, assets: int, seed: int, queue: Any) -> None:
    """Exact capped Eisenberg-Gale with cvxpy + Clarabel; puts (seconds, nash welfare)."""
    import cvxpy as cp
    import scipy.sparse as sp

    bids, budgets, capacity = market(members, assets, seed)
    start = time.perf_counter()
    size = bids.size
    x = cp.Variable(size, nonneg=True)
    per_asset = sp.csr_matrix((np.ones(size), (bids.asset, np.arange(size))), shape=(assets, size))
    # Measure units as shares of capacity and each member's values relative to what an even
    # split of every asset among its bidders would give them: neither moves the optimum, and
    # Clarabel stalls on the raw scales.
    live = capacity[bids.asset] > 0
    share_value = np.where(live, bids.value_per_unit * capacity[bids.asset], 0.0)
    bidders = np.bincount(bids.asset, minlength=assets)
    share_cap = np.where(live, bids.max_units / np.where(live, capacity[bids.asset], 1), 0)
    even = np.minimum(share_cap, 1.0 / bidders[bids.asset])
    reference = np.bincount(bids.member, share_value * even, minlength=members)
    scaled = share_value / np.where(reference > 0, reference, 1.0)[bids.member]
    utility = sp.csr_matrix((scaled, (bids.member, np.arange(size))), shape=(members, size))
    problem = cp.Problem(
        cp.Maximize(budgets @ cp.log(utility @ x)),  # type: ignore[attr-defined]
        [x <= share_cap, per_asset @ x <= 1.0],
    )
    try:
        problem.solve(solver=cp.CLARABEL, verbose=VERBOSE)  # type: ignore[no-untyped-call]
    except cp.error.SolverError as error:
        queue.put((time.perf_counter() - start, float("nan"), f"failed: {error}"))
        return
    seconds = time.perf_counter() - start
    units = np.clip(np.asarray(x.value), 0.0, None) * capacity[bids.asset]
    values = np.bincount(bids.member, bids.value_per_unit * units, minlength=members)
    welfare = float(np.exp(np.sum(budgets * np.log(values)) / budgets.sum()))
    queue.put((seconds, welfare, str(problem.status)))


def run_cvxpy(members: int, assets: int, seed: int, timeout: float) -> dict[str, Any] | None:
    context = mp.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=solve_with_cvxpy, args=(members, assets, seed, queue))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    if queue.empty():
        return None
    seconds, welfare, status = queue.get()
    return {"seconds": seconds, "nash_welfare": welfare, "status": status}


def run_ours(members: int, assets: int, seed: int, repeats: int) -> dict[str, Any]:
    bids, budgets, capacity = market(members, assets, seed)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        eq = fisher_equilibrium(bids, budgets, capacity, tolerance=TOLERANCE)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    rounded = round_to_units(bids, capacity, eq.units, rng=lottery_rng(seed))
    rounding = time.perf_counter() - start
    assert np.all(np.bincount(bids.asset, rounded, minlength=assets) <= np.floor(capacity))
    return {
        "bids": bids.size,
        "seconds": min(times),
        "seconds_all": times,
        "iterations": eq.iterations,
        "equilibrium_gap": eq.equilibrium_gap,
        "converged": eq.converged,
        "nash_welfare": eq.nash_welfare,
        "rounding_seconds": rounding,
    }


def _cvxpy_cell(exact: object) -> str:
    if not isinstance(exact, dict):
        return "> timeout"
    if not str(exact["status"]).startswith("optimal"):
        return f"{exact['status'].split(':')[0]} ({exact['seconds']:.0f} s)"
    return f"{exact['seconds']:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the small sizes")
    parser.add_argument("--cvxpy-timeout", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    console = Console(width=150)
    rows = []
    cvxpy_alive = True
    for members, assets in QUICK_SIZES if args.quick else SIZES:
        repeats = 3 if members * assets <= 10_000 * 200 else 1
        ours = run_ours(members, assets, args.seed, repeats)
        exact = None
        if cvxpy_alive:
            exact = run_cvxpy(members, assets, args.seed, args.cvxpy_timeout)
            cvxpy_alive = exact is not None
        row: dict[str, Any] = {"members": members, "assets": assets, "ours": ours}
        if exact is not None and not exact["status"].startswith("optimal"):
            row["cvxpy"] = exact
        elif exact is not None:
            row["cvxpy"] = exact
            row["welfare_gap"] = (exact["nash_welfare"] - ours["nash_welfare"]) / exact[
                "nash_welfare"
            ]
            row["speedup"] = exact["seconds"] / ours["seconds"]
        else:
            row["cvxpy"] = f"skipped: no answer within {args.cvxpy_timeout:g} s"
        rows.append(row)
        console.log(f"{members} x {assets}: {ours['seconds']:.2f} s")

    table = Table(
        title=f"Facilitator: time to a {TOLERANCE:.1%} equilibrium gap, "
        f"{BIDS_PER_MEMBER} bids/member"
    )
    for column in (
        "members x assets",
        "bids",
        "time (s)",
        "iterations",
        "equilibrium gap",
        "rounding (s)",
        "cvxpy (s)",
        "NW gap vs cvxpy",
        "speed-up",
    ):
        table.add_column(column, justify="right")
    for row in rows:
        ours = row["ours"]
        exact = row["cvxpy"]
        table.add_row(
            f"{row['members']:,} x {row['assets']:,}",
            f"{ours['bids']:,}",
            f"{ours['seconds']:.2f}",
            str(ours["iterations"]),
            f"{ours['equilibrium_gap']:.2%}",
            f"{ours['rounding_seconds']:.2f}",
            _cvxpy_cell(exact),
            f"{row['welfare_gap']:+.4%}" if "welfare_gap" in row else "-",
            f"{row['speedup']:.0f}x" if "speedup" in row else "-",
        )
    console.print(table)
    results = RESULTS.with_suffix(".quick.json") if args.quick else RESULTS
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(
        json.dumps(
            {
                "tolerance": TOLERANCE,
                "bids_per_member": BIDS_PER_MEMBER,
                "quick": args.quick,
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    console.print(f"figures written to {results}")


if __name__ == "__main__":
    main()
