"""``cybermutual simulate ...``: run a scenario, compare the regimes, run the money model.

The root CLI mounts :data:`simulate_app` as ``simulate``. Bad input (a missing or malformed
scenario, a non-positive count) ends with a one-line message and a non-zero exit, no traceback.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from cybermutual.sim.boltzmann import run_boltzmann
from cybermutual.sim.metrics import HEADLINE
from cybermutual.sim.runner import (
    BURN_IN,
    HORIZONS,
    WEEKS_PER_YEAR,
    RunResult,
    RunTask,
    compare_regimes,
    run_task,
)
from cybermutual.sim.scenario import REGIMES, BoltzmannScenario, Regime, ScenarioError, load_any
from cybermutual.sim.sensitivity import FACTORS, Design, Sensitivity, run_sensitivity
from cybermutual.sim_reports import (
    write_boltzmann,
    write_comparison,
    write_run,
    write_sensitivity,
)

simulate_app = typer.Typer(
    name="simulate",
    help="Agent-based simulation of cyber-collectives, libertarian mutualism and capitalism.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)

Agents = Annotated[
    int | None,
    typer.Option("--agents", "-n", min=1, help="Number of agents (default: the scenario's)."),
]
Steps = Annotated[
    int | None, typer.Option("--steps", "-t", min=1, help="Steps to run (default: the scenario's).")
]
Seed = Annotated[int, typer.Option("--seed", "-s", min=0, help="Random seed; one seed, one run.")]
BurnIn = Annotated[
    int,
    typer.Option(
        "--burn-in", min=0, help="Steps (weeks) run before measuring; they are not recorded."
    ),
]
Horizon = Annotated[
    list[float] | None,
    typer.Option(
        "--horizon",
        min=0.0,
        help="Years after the burn-in to report (repeatable); default 10, 20 and 30 "
        "(those the run reaches; a shorter run reports its end).",
    ),
]
Out = Annotated[
    Path,
    typer.Option(
        "--out",
        "-o",
        file_okay=False,
        help="Directory for metrics.parquet, plots and summary.json.",
    ),
]


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code=1)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@simulate_app.command()
def run(
    scenario: Annotated[
        str,
        typer.Argument(
            help="Scenario TOML file, or a bundled name "
            "(cybermutualism, libertarian_mutualism, capitalism, "
            "boltzmann)."
        ),
    ],
    agents: Agents = None,
    steps: Steps = None,
    seed: Seed = 0,
    out: Out = Path("sim-out"),
    burn_in: BurnIn = 0,
) -> None:
    """Run one scenario and write metrics.parquet, metrics.png and summary.json.

    A scenario file with a "boltzmann" table runs the random-exchange model instead.
    """
    try:
        loaded = load_any(scenario)
    except ScenarioError as exc:
        raise _fail(str(exc)) from None
    if isinstance(loaded, BoltzmannScenario):
        boltzmann(
            agents=agents or loaded.agents,
            steps=steps or loaded.steps,
            seed=seed,
            out=out,
            saving=loaded.saving,
        )
        return
    task = RunTask(
        loaded,
        agents or loaded.population.agents,
        steps or loaded.population.steps,
        seed,
        burn_in=burn_in,
    )
    start = time.perf_counter()
    with _progress() as bar:
        job = bar.add_task(f"{loaded.name}", total=task.burn_in + task.steps)
        result = run_task(task, on_step=lambda: bar.advance(job))
    write_run(out, result, elapsed=time.perf_counter() - start)
    _print_years(loaded.regime, result)
    err.print(f"wrote {out}/metrics.parquet, metrics.png, summary.json")


@simulate_app.command()
def compare(
    agents: Annotated[int, typer.Option("--agents", "-n", min=1, help="Agents per run.")] = 2_000,
    steps: Annotated[
        int,
        typer.Option("--steps", "-t", min=1, help="Measured steps per run, after the burn-in."),
    ] = 30 * WEEKS_PER_YEAR,
    seeds: Annotated[int, typer.Option("--seeds", "-k", min=1, help="Seeds per regime.")] = 5,
    burn_in: BurnIn = BURN_IN,
    horizon: Horizon = None,
    out: Out = Path("sim-compare"),
    cluster: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler address (tcp://HOST:PORT); default: a local process pool."
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Local processes (default: the CPU count).")
    ] = None,
    first_seed: Annotated[int, typer.Option(min=0, help="First seed of the range.")] = 0,
    regime: Annotated[
        list[str] | None, typer.Option(help="Only these regimes (repeatable); default: all three.")
    ] = None,
) -> None:
    """Run all three regimes on the same populations and seeds; report whole paths and horizons.

    After a burn-in, writes comparison.png (the mean path per regime with a 95% band),
    summary.json and horizons.csv (per regime, horizon and metric: mean over seeds of that
    year's average, with a Student-t 95% interval) and metrics.parquet (every run, every step).
    """
    chosen: list[Regime] = []
    for name in regime or list(REGIMES):
        if name not in REGIMES:
            raise _fail(f"unknown regime {name!r}; choose from {', '.join(REGIMES)}")
        chosen.append(name)
    if cluster is not None and "://" not in cluster:
        raise _fail(f"--cluster wants an address like tcp://HOST:PORT, got {cluster!r}")
    horizons = tuple(horizon or [y for y in HORIZONS if y * WEEKS_PER_YEAR <= steps])
    horizons = horizons or (steps / WEEKS_PER_YEAR,)  # a short run: its end
    beyond = [y for y in horizons if not 0 < y * WEEKS_PER_YEAR <= steps]
    if beyond:
        raise _fail(
            f"--horizon {beyond[0]:g} years is not within the {steps} measured steps "
            f"({steps / WEEKS_PER_YEAR:g} years); raise --steps or lower the horizon"
        )
    start = time.perf_counter()
    with _progress() as bar:
        job = bar.add_task("runs", total=len(chosen) * seeds)
        try:
            comparison = compare_regimes(
                agents=agents,
                steps=steps,
                seeds=seeds,
                first_seed=first_seed,
                regimes=chosen,
                cluster=cluster,
                workers=workers,
                on_done=lambda _: bar.advance(job),
                burn_in=burn_in,
            )
        except ScenarioError as exc:
            raise _fail(str(exc)) from None
        except (OSError, TimeoutError) as exc:
            raise _fail(f"cannot reach the cluster at {cluster}: {exc}") from None
    write_comparison(out, comparison, elapsed=time.perf_counter() - start, horizons=horizons)
    estimates = comparison.at_horizons(horizons)
    for years in comparison.horizons(horizons):
        table = Table(
            title=f"year {years:g} after a {burn_in}-week burn-in: {agents} agents, "
            f"{seeds} seeds (mean [95% CI])"
        )
        table.add_column("metric")
        for name in estimates:
            table.add_column(name)
        for metric in HEADLINE:
            table.add_row(
                metric,
                *[
                    f"{e[years][metric].mean:.3f} "
                    f"[{e[years][metric].low:.3f}, {e[years][metric].high:.3f}]"
                    for e in estimates.values()
                ],
            )
        err.print(table)
    err.print(f"wrote {out}/summary.json, horizons.csv, comparison.png, metrics.parquet")


@simulate_app.command()
def sensitivity(
    agents: Annotated[int, typer.Option("--agents", "-n", min=2, help="Agents per run.")] = 1_000,
    steps: Annotated[
        int,
        typer.Option("--steps", "-t", min=1, help="Measured steps per run, after the burn-in."),
    ] = 30 * WEEKS_PER_YEAR,
    burn_in: BurnIn = BURN_IN,
    horizon: Horizon = None,
    trajectories: Annotated[
        int, typer.Option(min=2, help="Morris trajectories (each costs factors + 1 samples).")
    ] = 10,
    sobol_samples: Annotated[
        int,
        typer.Option(min=2, help="Sobol base sample, a power of 2 (costs it x (top + 2) samples)."),
    ] = 64,
    top: Annotated[
        int, typer.Option(min=1, help="Factors kept from the screening for Sobol indices.")
    ] = 4,
    seed: Seed = 0,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Local processes (default: the CPU count).")
    ] = None,
    out: Out = Path("sim-sensitivity"),
) -> None:
    """Global sensitivity of the regime comparison: Morris screening, then Sobol indices.

    Every sample runs the three regimes on one seed; the outcomes compare each challenger with
    capitalism at each horizon (log ratio of median consumption and of output, difference of
    the income Gini). Writes sensitivity.json, morris.csv, sobol.csv, robustness.csv (how
    often each outcome is positive over the samples) and samples.csv.
    """
    horizons = tuple(horizon or [y for y in HORIZONS if y * WEEKS_PER_YEAR <= steps])
    horizons = horizons or (steps / WEEKS_PER_YEAR,)
    beyond = [y for y in horizons if not 0 < y * WEEKS_PER_YEAR <= steps]
    if beyond:
        raise _fail(f"--horizon {beyond[0]:g} years is not within the {steps} measured steps")
    if sobol_samples & (sobol_samples - 1):
        raise _fail(f"--sobol-samples must be a power of 2, got {sobol_samples}")
    if top > len(FACTORS):
        raise _fail(f"--top must be at most {len(FACTORS)}, the number of factors")
    design = Design(
        agents=agents,
        burn_in=burn_in,
        steps=steps,
        horizons=horizons,
        trajectories=trajectories,
        sobol_samples=sobol_samples,
        top=top,
        seed=seed,
    )
    start = time.perf_counter()
    with _progress() as bar:
        jobs: list[TaskID] = []

        def phase(name: str, runs: int) -> None:
            jobs.append(bar.add_task(name, total=runs))

        result = run_sensitivity(
            design, workers=workers, on_phase=phase, on_done=lambda _: bar.advance(jobs[-1])
        )
    write_sensitivity(out, result, elapsed=time.perf_counter() - start)
    _print_sensitivity(result)
    err.print(f"wrote {out}/sensitivity.json, morris.csv, sobol.csv, robustness.csv, samples.csv")


def _print_sensitivity(result: Sensitivity) -> None:
    screening = result.screening()
    table = Table(title="Morris screening: mu* relative to the top factor, mean over the outcomes")
    table.add_column("factor")
    table.add_column("relative mu*", justify="right")
    table.add_column("kept for Sobol")
    for f in sorted(result.factors, key=lambda f: -screening[f.name]):
        table.add_row(f.name, f"{screening[f.name]:.2f}", "yes" if f.name in result.chosen else "")
    err.print(table)
    table = Table(title="Sobol total indices ST, and how often the challenger is ahead")
    table.add_column("outcome (challenger vs capitalism)", overflow="fold")
    for name in result.chosen:
        table.add_column(f"ST {name}", justify="right")
    table.add_column("share > 0", justify="right")
    table.add_column("median", justify="right")
    robust = result.robustness()
    for outcome in result.outcomes:
        table.add_row(
            outcome,
            *[f"{result.sobol[outcome][n]['ST']:.2f}" for n in result.chosen],
            f"{robust[outcome]['share_positive']:.2f}",
            f"{robust[outcome]['median']:+.3f}",
        )
    err.print(table)


@simulate_app.command()
def boltzmann(
    agents: Annotated[int, typer.Option("--agents", "-n", min=2, help="Agents.")] = 10_000,
    steps: Annotated[
        int,
        typer.Option("--steps", "-t", min=1, help="Sweeps (every agent trades once per sweep)."),
    ] = 200,
    seed: Seed = 0,
    out: Out = Path("sim-boltzmann"),
    saving: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=0.99,
            help="Saving propensity (Chakraborti-Chakrabarti); 0 = pure random exchange.",
        ),
    ] = 0.0,
) -> None:
    """Run the random-exchange money model (Boltzmann-Gibbs validation).

    Writes metrics.parquet (Gini per step), distribution.png and summary.json (Gini against
    theory, Kolmogorov-Smirnov test against the exponential or Gamma law).
    """
    start = time.perf_counter()
    with _progress() as bar:
        job = bar.add_task("random exchange", total=steps)
        result = run_boltzmann(
            agents,
            steps,
            np.random.default_rng(seed),
            saving=saving,
            on_step=lambda: bar.advance(job),
        )
    write_boltzmann(out, result, seed=seed, elapsed=time.perf_counter() - start)
    statistic, pvalue = result.ks_test()
    err.print(
        f"Gini {result.final_gini():.4f} (theory {result.expected_gini:.4f}); "
        f"KS statistic {statistic:.4f}, p = {pvalue:.3f}"
    )
    err.print(f"wrote {out}/metrics.parquet, distribution.png, summary.json")


def _print_years(regime: str, result: RunResult) -> None:
    measured = len(result.columns["step"])
    years: list[float] = [y for y in HORIZONS if y * WEEKS_PER_YEAR <= measured]
    if not years:
        years = [measured / WEEKS_PER_YEAR]  # a short run: its last year (or all of it)
    table = Table(title=f"{regime}: average over the year ending at each horizon")
    table.add_column("metric")
    for y in years:
        table.add_column(f"year {y:.3g}")
    for metric in HEADLINE:
        table.add_row(metric, *[f"{result.at_year(metric, y):.3f}" for y in years])
    err.print(table)
