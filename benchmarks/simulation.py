"""Simulator benchmark: Mesa's Boltzmann wealth model against ours, and the full economy's scaling.

    python benchmarks/simulation.py [--quick]

Prints a Rich table and writes benchmarks/results/simulation.json. The Mesa model is the Mesa 3
tutorial's (every agent with money gives one unit to a random agent, agents activated in random
order), with one kindness: the agent list is cached once, because ``random.choice`` on Mesa's
AgentSet builds a list of all agents on every call, which makes the tutorial code quadratic.
Ours is the same rule vectorised over numpy arrays (``mesa_rule_step``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from rich.console import Console
from rich.table import Table

from cybermutual.sim.boltzmann import mesa_rule_step, random_exchange_step
from cybermutual.sim.economy import Economy
from cybermutual.sim.scenario import REGIMES, bundled_scenario

RESULTS = Path(__file__).resolve().parent / "results" / "simulation.json"


class MoneyAgent(mesa.Agent):  # type: ignore[misc]
    """Mesa tutorial agent: starts with 1 unit."""

    def __init__(self, model: MoneyModel) -> None:
        super().__init__(model)
        self.wealth = 1

    def exchange(self) -> None:
        if self.wealth > 0:
            other = self.random.choice(self.model.agent_list)
            other.wealth += 1
            self.wealth -= 1


class MoneyModel(mesa.Model):  # type: ignore[misc]
    """Mesa tutorial model, Mesa 3 API (``shuffle_do``)."""

    def __init__(self, n: int, seed: int) -> None:
        super().__init__(rng=seed)
        MoneyAgent.create_agents(model=self, n=n)
        self.agent_list = list(self.agents)

    def step(self) -> None:
        self.agents.shuffle_do("exchange")


def time_mesa(n: int, steps: int) -> float:
    model = MoneyModel(n, seed=1)
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    elapsed = time.perf_counter() - start
    assert sum(a.wealth for a in model.agent_list) == n
    return elapsed


def time_ours(n: int, steps: int, *, rule: str) -> float:
    rng = np.random.default_rng(1)
    money = np.ones(n, dtype=np.int64) if rule == "mesa" else np.full(n, 100_000, np.int64)
    start = time.perf_counter()
    for _ in range(steps):
        money = mesa_rule_step(money, rng) if rule == "mesa" else random_exchange_step(money, rng)
    elapsed = time.perf_counter() - start
    assert int(money.sum()) == (n if rule == "mesa" else 100_000 * n)
    return elapsed


def boltzmann_rows(quick: bool) -> list[dict[str, Any]]:
    rows = []
    for n, mesa_steps in ((10_000, 20 if quick else 100), (100_000, 3 if quick else 20)):
        mesa_s = time_mesa(n, mesa_steps)
        ours_s = time_ours(n, mesa_steps, rule="mesa")
        ours_dy = time_ours(n, mesa_steps, rule="random-exchange")
        rows.append(
            {
                "agents": n,
                "steps": mesa_steps,
                "mesa_agent_steps_per_s": n * mesa_steps / mesa_s,
                "ours_agent_steps_per_s": n * mesa_steps / ours_s,
                "ours_random_exchange_agent_steps_per_s": n * mesa_steps / ours_dy,
                "ratio": mesa_s / ours_s,
            }
        )
    return rows


def economy_rows(quick: bool) -> list[dict[str, Any]]:
    rows = []
    for n, steps in ((10_000, 20), (100_000, 10), (1_000_000, 2 if quick else 5)):
        for regime in REGIMES:
            economy = Economy(bundled_scenario(regime), agents=n, rng=np.random.default_rng(1))
            economy.step()  # first step: allocation warm-up
            start = time.perf_counter()
            economy.run(steps)
            rows.append(
                {
                    "agents": n,
                    "regime": regime,
                    "steps": steps,
                    "seconds_per_step": (time.perf_counter() - start) / steps,
                }
            )
    return rows


def long_run_rows(quick: bool) -> list[dict[str, Any]]:
    rows = []
    for regime in REGIMES[:1] if quick else REGIMES:
        start = time.perf_counter()
        Economy(bundled_scenario(regime), agents=10_000, rng=np.random.default_rng(1)).run(520)
        rows.append(
            {
                "agents": 10_000,
                "steps": 520,
                "regime": regime,
                "seconds": time.perf_counter() - start,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps, one long run")
    args = parser.parse_args()
    console = Console()
    with console.status("Mesa against ours..."):
        boltzmann = boltzmann_rows(args.quick)
    with console.status("full economy..."):
        scaling = economy_rows(args.quick)
    with console.status("520 steps of 10,000 agents..."):
        long_runs = long_run_rows(args.quick)

    table = Table(title="Boltzmann wealth model: Mesa 3 vs cybermutual.sim (same rule)")
    for col in ("agents", "steps", "Mesa agent-steps/s", "ours agent-steps/s", "ratio", "target"):
        table.add_column(col, justify="right")
    for r in boltzmann:
        table.add_row(
            f"{r['agents']:,}",
            str(r["steps"]),
            f"{r['mesa_agent_steps_per_s']:,.0f}",
            f"{r['ours_agent_steps_per_s']:,.0f}",
            f"{r['ratio']:,.0f}x",
            ">= 20x" if r["agents"] == 100_000 else "",
        )
    console.print(table)
    table = Table(title="Full economy: seconds per step")
    table.add_column("agents", justify="right")
    for regime in REGIMES:
        table.add_column(regime, justify="right")
    table.add_column("target", justify="right")
    for n in sorted({r["agents"] for r in scaling}):
        cells = [f"{r['seconds_per_step']:.4f}" for r in scaling if r["agents"] == n]
        table.add_row(f"{n:,}", *cells, "<= 1 s" if n == 1_000_000 else "")
    console.print(table)
    table = Table(title="520 steps of 10,000 agents (target <= 60 s)")
    table.add_column("regime")
    table.add_column("seconds", justify="right")
    for r in long_runs:
        table.add_row(r["regime"], f"{r['seconds']:.1f}")
    console.print(table)

    results = RESULTS.with_suffix(".quick.json") if args.quick else RESULTS
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(
        json.dumps(
            {
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "numpy": np.__version__,
                    "mesa": mesa.__version__,
                    "processor": platform.processor() or platform.machine(),
                },
                "quick": args.quick,
                "boltzmann": boltzmann,
                "economy_seconds_per_step": scaling,
                "long_run": long_runs,
                "targets": {
                    "mesa_ratio_at_100k": 20,
                    "economy_step_1m_seconds": 1.0,
                    "run_520_steps_10k_seconds": 60,
                },
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    console.print(f"wrote {results}")


if __name__ == "__main__":
    main()
