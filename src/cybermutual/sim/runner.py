"""Running scenarios over seeds: in this process, a local process pool, or a Dask cluster.

A task is (scenario, agents, steps, seed, burn-in); its result is plain data (columns of floats
and the final firm sizes), so it travels between processes and cluster workers unchanged. Seed
``s`` builds ``numpy.random.default_rng(s)``; the population is drawn from the first stream it
spawns, so the same seed gives the same people under every regime. The burn-in steps run first
and are not recorded: measurement starts once the start-up transient is over.

A comparison is read along the whole path and at stated horizons (a year's average ending 10, 20
and 30 years after the burn-in, by default), never as one end-of-run mean: the ranking of the
regimes can change with the horizon, and a reader has to see when.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cybermutual.sim.economy import Economy
from cybermutual.sim.inequality import ccdf_slope, mean_interval
from cybermutual.sim.metrics import HEADLINE, MetricsTable
from cybermutual.sim.scenario import REGIMES, Regime, Scenario, bundled_scenario

#: One step is a week.
WEEKS_PER_YEAR = 52
#: Horizons (years after the burn-in) at which comparisons are reported.
HORIZONS = (10, 20, 30)
#: Default burn-in: two years, longer than the start-up transient of every bundled regime.
BURN_IN = 104


@dataclass(frozen=True, slots=True)
class RunTask:
    """One run to make."""

    scenario: Scenario
    agents: int
    steps: int
    seed: int
    balances: tuple[float, ...] | None = None  # starting balances (currency units), repeated
    commons_fund: float = 0.0
    burn_in: int = 0  # steps run before measuring (not recorded)


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one run produced, as plain data."""

    task: RunTask
    columns: dict[str, list[float]]
    firm_sizes: list[int]
    money_residual: float

    def table(self) -> MetricsTable:
        """The metrics as a :class:`MetricsTable`."""
        table = MetricsTable()
        table.columns = {k: list(v) for k, v in self.columns.items()}
        return table

    def steady(self, metric: str, *, window: float = 0.25) -> float:
        """Mean of ``metric`` over the last ``window`` share of the steps."""
        values = np.asarray(self.columns[metric], dtype=np.float64)
        tail = values[-max(1, round(values.size * window)) :]
        return float(np.nanmean(tail)) if np.isfinite(tail).any() else float("nan")

    def at_year(self, metric: str, years: float) -> float:
        """Mean of ``metric`` over the year (52 steps) ending ``years`` after the burn-in."""
        values = np.asarray(self.columns[metric], dtype=np.float64)
        end = round(years * WEEKS_PER_YEAR)
        if not 0 < end <= values.size:
            raise ValueError(f"{years} years is beyond the {values.size} measured steps")
        window = values[max(0, end - WEEKS_PER_YEAR) : end]
        return float(np.nanmean(window)) if np.isfinite(window).any() else float("nan")


def run_task(task: RunTask, on_step: Callable[[], None] | None = None) -> RunResult:
    """Make one run (module level, so process pools and Dask workers can call it)."""
    economy = Economy(task.scenario, agents=task.agents, rng=np.random.default_rng(task.seed))
    if task.balances is not None:
        economy.set_balances(
            np.asarray(task.balances, dtype=np.float64), commons_fund=task.commons_fund
        )
    if task.burn_in:
        economy.run(task.burn_in, on_step=on_step)
    table = economy.run(task.steps, on_step=on_step)
    f, a = economy.firms, economy.agents
    employed = a.employer >= 0
    sizes = np.bincount(a.employer[employed], minlength=f.slots)[f.alive]
    return RunResult(
        task=task,
        columns=table.columns,
        firm_sizes=[int(x) for x in sizes],
        money_residual=economy.total_money(),
    )


def run_tasks(
    tasks: Sequence[RunTask],
    *,
    cluster: str | None = None,
    workers: int | None = None,
    on_done: Callable[[RunResult], None] | None = None,
    on_step: Callable[[], None] | None = None,
) -> list[RunResult]:
    """Run every task; results in task order.

    With ``cluster`` (``tcp://host:port``) the tasks go to that Dask scheduler; otherwise to a
    local process pool of ``workers`` processes (default: the CPU count), or in this process when
    there is one task or one worker (only then is ``on_step`` called, after every step: it may
    raise to stop the runs).
    """
    results: list[RunResult | None] = [None] * len(tasks)

    def done(i: int, result: RunResult) -> None:
        results[i] = result
        if on_done is not None:
            on_done(result)

    if cluster is not None:
        import distributed

        dask: Any = distributed  # its stubs leave Client untyped
        with dask.Client(cluster, set_as_default=False) as client:
            futures = client.map(run_task, list(tasks), pure=False)
            for i, future in enumerate(futures):
                done(i, future.result())
    else:
        count = min(workers or os.cpu_count() or 1, len(tasks))
        if count <= 1:
            for i, task in enumerate(tasks):
                done(i, run_task(task, on_step))
        else:
            with ProcessPoolExecutor(max_workers=count) as pool:
                pending = {pool.submit(run_task, task): i for i, task in enumerate(tasks)}
                for future in as_completed(pending):
                    done(pending[future], future.result())
    return [r for r in results if r is not None]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A mean over seeds with its 95% confidence interval."""

    mean: float
    low: float
    high: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Estimate:
        """Mean and Student-t 95% interval of ``samples``."""
        return cls(*mean_interval(samples))

    def as_dict(self) -> dict[str, float]:
        """``{"mean": ..., "low": ..., "high": ...}``."""
        return {"mean": self.mean, "low": self.low, "high": self.high}


@dataclass(slots=True)
class Comparison:
    """Runs of several regimes on the same seeds, and their summary."""

    agents: int
    steps: int
    seeds: list[int]
    runs: dict[str, list[RunResult]] = field(default_factory=dict)
    burn_in: int = 0

    def horizons(self, wanted: Sequence[float] = HORIZONS) -> list[float]:
        """The wanted horizons (years) that the measured steps reach."""
        return [y for y in wanted if 0 < y * WEEKS_PER_YEAR <= self.steps]

    def at_horizons(
        self, wanted: Sequence[float] = HORIZONS
    ) -> dict[str, dict[float, dict[str, Estimate]]]:
        """Per regime, horizon and headline metric: the mean over seeds of that year's average,
        with a 95% interval; plus the final firm-size CCDF slope where firms exist."""
        out: dict[str, dict[float, dict[str, Estimate]]] = {}
        for regime, runs in self.runs.items():
            out[regime] = {
                y: {m: Estimate.of([r.at_year(m, y) for r in runs]) for m in HEADLINE}
                for y in self.horizons(wanted)
            }
        return out

    def firm_size_slopes(self) -> dict[str, Estimate]:
        """Per regime with firms: the CCDF slope of firm sizes at the end, over seeds."""
        out: dict[str, Estimate] = {}
        for regime, runs in self.runs.items():
            slopes = [ccdf_slope(r.firm_sizes) for r in runs if len(r.firm_sizes) >= 20]
            if slopes:
                out[regime] = Estimate.of(slopes)
        return out


def compare_regimes(
    *,
    agents: int,
    steps: int,
    seeds: int,
    first_seed: int = 0,
    scenarios: dict[str, Scenario] | None = None,
    regimes: Sequence[Regime] = REGIMES,
    cluster: str | None = None,
    workers: int | None = None,
    on_done: Callable[[RunResult], None] | None = None,
    burn_in: int = 0,
) -> Comparison:
    """Run every regime on the same populations and seeds ``first_seed .. first_seed+seeds-1``,
    each for ``burn_in`` unrecorded steps and then ``steps`` measured ones."""
    chosen = scenarios or {r: bundled_scenario(r) for r in regimes}
    seed_list = list(range(first_seed, first_seed + seeds))
    tasks = [
        RunTask(chosen[r], agents, steps, s, burn_in=burn_in) for r in chosen for s in seed_list
    ]
    results = run_tasks(tasks, cluster=cluster, workers=workers, on_done=on_done)
    comparison = Comparison(agents=agents, steps=steps, seeds=seed_list, burn_in=burn_in)
    for name, result in zip([r for r in chosen for _ in seed_list], results, strict=True):
        comparison.runs.setdefault(name, []).append(result)
    return comparison
