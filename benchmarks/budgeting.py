"""Participatory budgeting benchmark: equal shares (add1) against pabutools, and at city scale.

    python benchmarks/budgeting.py [--quick] [--seed SEED]

Instances come from a seeded generator, never from downloaded data: each project has its own
approval probability (Beta(1.2, 4), so a few are popular and most are not), each voter an
activity factor (Gamma(2, 1/2): some approve many projects, some few), costs are lognormal
around a mean chosen so that the fund (30% of the projects' total cost) is about 100 units per
voter, as in city budgets. Both rules run with every voter's share raised by 1 unit per step.

Rows: 2,500 voters x 22 projects, ours against pabutools 1.2 (``method_of_equal_shares``,
``Cost_Sat``, ``voter_budget_increment=1``; same outcome asserted, speed-up printed); then
1,000,000 voters x 100 projects alone, with and without completion. Wall and CPU seconds are
both recorded: the machine is shared, and CPU time is the steadier of the two. Figures go to
``benchmarks/results/budgeting.json`` (``budgeting.quick.json`` for a ``--quick`` smoke run,
which shrinks both sizes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cybermutual.domain.governance.budgeting import BudgetElection, BudgetProject, decide

RESULTS = Path(__file__).resolve().parent / "results" / "budgeting.json"
SHARE_PER_VOTER = 100  # units of the fund per voter
FUND_FRACTION = 0.3  # the fund as a share of all projects' cost


def election(voters: int, projects: int, seed: int) -> BudgetElection:
    """A seeded random approval election (see the module docstring)."""
    rng = np.random.default_rng(seed)
    popularity = rng.beta(1.2, 4.0, projects)
    activity = rng.gamma(2.0, 0.5, voters)
    approvals = np.empty((voters, projects), dtype=bool)
    for j in range(projects):  # a column at a time keeps memory at one float per voter
        approvals[:, j] = rng.random(voters) < np.minimum(popularity[j] * activity, 1.0)
    mean_cost = SHARE_PER_VOTER * voters / (FUND_FRACTION * projects)
    costs = np.maximum(1, np.rint(rng.lognormal(np.log(mean_cost), 0.8, projects))).astype(int)
    budget = int(FUND_FRACTION * costs.sum())
    return BudgetElection.from_matrix(
        budget=budget,
        projects=[BudgetProject(f"p{j:03d}", int(c)) for j, c in enumerate(costs)],
        approvals=approvals,
    )


def run_pabutools(instance: BudgetElection) -> tuple[float, float, list[str]]:
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
    from pabutools.rules import method_of_equal_shares

    projects = [Project(p.id, p.cost) for p in instance.projects]
    pb_instance = Instance(projects, budget_limit=instance.budget)
    profile = ApprovalProfile(
        [ApprovalBallot({projects[j] for j in np.flatnonzero(row)}) for row in instance.approvals]
    )
    start, cpu = time.perf_counter(), time.process_time()
    outcome = method_of_equal_shares(
        pb_instance, profile, sat_class=Cost_Sat, voter_budget_increment=1
    )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return seconds, cpu, sorted(p.name for p in outcome)


def run_ours(instance: BudgetElection, repeats: int, completion: str = "add1") -> dict[str, Any]:
    times, cpu_times = [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        outcome = decide(instance, completion=completion)  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu)
    assert outcome.cost <= instance.budget
    return {
        "seconds": min(times),
        "seconds_all": times,
        "cpu_seconds": min(cpu_times),
        "selected": sorted(outcome.selected),
        "cost": outcome.cost,
        "completion_steps": outcome.completion_steps,
        "share": str(outcome.share),
        "stopped_because": outcome.stopped_because,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    console = Console(width=150)
    compared_size = (250, 12) if args.quick else (2_500, 22)
    large_size = (20_000, 40) if args.quick else (1_000_000, 100)
    rows: list[dict[str, Any]] = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("generating", total=4)
        voters, projects = compared_size
        instance = election(voters, projects, args.seed)
        progress.update(task, advance=1, description=f"ours, {voters:,} x {projects}")
        ours = run_ours(instance, repeats=3)
        progress.update(task, advance=1, description=f"pabutools, {voters:,} x {projects}")
        pabutools_seconds, pabutools_cpu, reference = run_pabutools(instance)
        assert reference == ours["selected"], (reference, ours["selected"])
        rows.append(
            {
                "voters": voters,
                "projects": projects,
                "budget": instance.budget,
                "ours": ours,
                "pabutools_seconds": pabutools_seconds,
                "pabutools_cpu_seconds": pabutools_cpu,
                "same_outcome": True,
                "speedup": pabutools_seconds / ours["seconds"],
                "speedup_cpu": pabutools_cpu / ours["cpu_seconds"],
            }
        )
        voters, projects = large_size
        progress.update(task, advance=1, description=f"generating {voters:,} x {projects}")
        instance = election(voters, projects, args.seed)
        progress.update(task, advance=1, description=f"ours, {voters:,} x {projects}")
        rows.append(
            {
                "voters": voters,
                "projects": projects,
                "budget": instance.budget,
                "ours": run_ours(instance, repeats=1),
                "ours_without_completion": run_ours(instance, repeats=1, completion="none"),
            }
        )
    table = Table(title="Equal shares with add1 completion (exact), against pabutools")
    for column in (
        "voters x projects",
        "selected",
        "add1 steps",
        "ours (s)",
        "without completion (s)",
        "pabutools (s)",
        "speed-up",
    ):
        table.add_column(column, justify="right")
    for row in rows:
        ours = row["ours"]
        table.add_row(
            f"{row['voters']:,} x {row['projects']}",
            str(len(ours["selected"])),
            str(ours["completion_steps"]),
            f"{ours['seconds']:.3f}",
            f"{row['ours_without_completion']['seconds']:.3f}"
            if "ours_without_completion" in row
            else "-",
            f"{row['pabutools_seconds']:.1f}" if "pabutools_seconds" in row else "-",
            f"{row['speedup']:.0f}x ({row['speedup_cpu']:.0f}x CPU), same outcome"
            if "speedup" in row
            else "-",
        )
    console.print(table)
    results = RESULTS.with_suffix(".quick.json") if args.quick else RESULTS
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(
        json.dumps(
            {
                "share_per_voter": SHARE_PER_VOTER,
                "fund_fraction": FUND_FRACTION,
                "seed": args.seed,
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
