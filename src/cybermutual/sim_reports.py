"""Files a run leaves behind: ``metrics.parquet``, PNG plots and ``summary.json``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from matplotlib.figure import Figure
from scipy import stats

from cybermutual.sim.boltzmann import BoltzmannResult
from cybermutual.sim.inequality import ccdf_slope, hill_tail_index, saving_gamma_shape
from cybermutual.sim.metrics import HEADLINE
from cybermutual.sim.runner import HORIZONS, WEEKS_PER_YEAR, Comparison, RunResult
from cybermutual.sim.sensitivity import Sensitivity

PLOTTED = (
    "median_consumption",
    "gini_income",
    "gini_wealth",
    "unemployment",
    "wage_share",
    "automation_share",
    "output",
    "coop_share",
    "price_index",
    "capital_per_head",
)
COLOURS = {"cybermutualism": "#1b9e77", "libertarian_mutualism": "#d95f02", "capitalism": "#7570b3"}


def _clean(value: Any) -> Any:
    """JSON has no NaN: write null instead."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as indented JSON (NaN becomes null)."""
    path.write_text(json.dumps(_clean(data), indent=2) + "\n", encoding="utf-8")


def _grid(count: int) -> tuple[Figure, list[Any]]:
    cols = 3
    rows = math.ceil(count / cols)
    fig = Figure(figsize=(4.0 * cols, 2.6 * rows), dpi=80, layout="constrained")
    axes = list(fig.subplots(rows, cols).ravel())
    for extra in axes[count:]:
        extra.set_visible(False)
    return fig, axes[:count]


def firm_size_summary(sizes: list[int]) -> dict[str, float]:
    """Tail statistics of firm sizes: CCDF slope (Zipf ~ -1), Hill index, max / median."""
    x = np.asarray(sizes, dtype=np.float64)
    x = x[x > 0]
    if x.size < 20:
        return {}
    return {
        "firms": float(x.size),
        "ccdf_slope": ccdf_slope(x),
        "hill_index": hill_tail_index(x, k=max(10, x.size // 10)),
        "max_over_median": float(x.max() / np.median(x)),
        "largest": float(x.max()),
    }


def write_run(out: Path, result: RunResult, *, elapsed: float) -> None:
    """``metrics.parquet``, ``metrics.png`` and ``summary.json`` of one run."""
    out.mkdir(parents=True, exist_ok=True)
    table = result.table()
    pq.write_table(table.to_arrow(), out / "metrics.parquet")
    fig, axes = _grid(len(PLOTTED))
    years = np.arange(1, len(table) + 1) / WEEKS_PER_YEAR
    for ax, name in zip(axes, PLOTTED, strict=True):
        ax.plot(years, table.column(name), color=COLOURS.get(result.task.scenario.regime, "k"))
        ax.set_title(name.replace("_", " "), fontsize=9)
        ax.tick_params(labelsize=7)
    axes[-1].set_xlabel("years after the burn-in", fontsize=8)
    fig.suptitle(
        f"{result.task.scenario.name} ({result.task.scenario.regime}), "
        f"{result.task.agents} agents, seed {result.task.seed}, "
        f"burn-in {result.task.burn_in} weeks",
        fontsize=10,
    )
    fig.savefig(out / "metrics.png")
    task = result.task
    reached = [y for y in HORIZONS if y * WEEKS_PER_YEAR <= len(table)]
    write_json(
        out / "summary.json",
        {
            "scenario": task.scenario.name,
            "regime": task.scenario.regime,
            "agents": task.agents,
            "steps": task.steps,
            "burn_in": task.burn_in,
            "seed": task.seed,
            "seconds": elapsed,
            "money_residual": result.money_residual,
            "final": {k: table.column(k)[-1].item() for k in table.columns if k != "step"},
            "statistic": "at_years: each metric averaged over the year ending that many years "
            "after the burn-in",
            "at_years": {str(y): {m: result.at_year(m, y) for m in HEADLINE} for y in reached},
            "firm_sizes": firm_size_summary(result.firm_sizes),
        },
    )


def write_comparison(
    out: Path,
    comparison: Comparison,
    *,
    elapsed: float,
    horizons: tuple[float, ...] = HORIZONS,
) -> None:
    """``summary.json`` and ``horizons.csv`` (mean and 95% interval per regime, horizon and
    metric), ``comparison.png`` (whole paths) and every run's metrics in one
    ``metrics.parquet`` with ``regime`` and ``seed`` columns."""
    out.mkdir(parents=True, exist_ok=True)
    pieces = []
    for regime, runs in comparison.runs.items():
        for run in runs:
            table = run.table().to_arrow()
            rows = table.num_rows
            table = table.append_column("regime", pa.array([regime] * rows))
            pieces.append(
                table.append_column("seed", pa.array([run.task.seed] * rows, type=pa.int64()))
            )
    pq.write_table(pa.concat_tables(pieces, promote_options="default"), out / "metrics.parquet")
    save_comparison_plot(comparison, out / "comparison.png", horizons=horizons)
    estimates = comparison.at_horizons(horizons)
    with (out / "horizons.csv").open("w", encoding="utf-8") as csv:
        csv.write("regime,years,metric,mean,low,high\n")
        for regime, per_year in estimates.items():
            for years, per_metric in per_year.items():
                for metric, e in per_metric.items():
                    csv.write(f"{regime},{years:g},{metric},{e.mean!r},{e.low!r},{e.high!r}\n")
    write_json(
        out / "summary.json",
        {
            "agents": comparison.agents,
            "burn_in": comparison.burn_in,
            "steps": comparison.steps,
            "seeds": comparison.seeds,
            "seconds": elapsed,
            "statistic": "at each horizon, each seed's value is the metric averaged over the "
            "year ending that many years after the burn-in; mean over seeds with a Student-t 95% "
            "confidence interval. comparison.png shows the whole path",
            "horizons": {
                r: {f"{y:g}": {m: e.as_dict() for m, e in per.items()} for y, per in years.items()}
                for r, years in estimates.items()
            },
            "firm_size_ccdf_slope": {
                r: e.as_dict() for r, e in comparison.firm_size_slopes().items()
            },
            "scenarios": {r: runs[0].task.scenario.name for r, runs in comparison.runs.items()},
        },
    )


def save_comparison_plot(
    comparison: Comparison,
    path: Path,
    *,
    metrics: tuple[str, ...] = PLOTTED,
    horizons: tuple[float, ...] = HORIZONS,
) -> None:
    """Mean path over seeds per regime with a band for the 95% interval, per metric, against
    years after the burn-in; dotted lines mark the reported horizons."""
    fig, axes = _grid(len(metrics))
    for ax, name in zip(axes, metrics, strict=True):
        for years in comparison.horizons(horizons):
            ax.axvline(years, color="#bbbbbb", linestyle=":", linewidth=0.8)
        for regime, runs in comparison.runs.items():
            paths = np.array([r.columns[name] for r in runs], dtype=np.float64)
            steps = np.arange(1, paths.shape[1] + 1) / WEEKS_PER_YEAR
            centre = np.nanmean(paths, axis=0)
            ax.plot(steps, centre, color=COLOURS.get(regime), label=regime, linewidth=1.2)
            if len(runs) > 1:
                half = 1.96 * np.nanstd(paths, axis=0, ddof=1) / math.sqrt(len(runs))
                ax.fill_between(
                    steps,
                    centre - half,
                    centre + half,
                    color=COLOURS.get(regime),
                    alpha=0.2,
                    linewidth=0,
                )
        ax.set_title(name.replace("_", " "), fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7)
    axes[-1].set_xlabel("years after the burn-in", fontsize=8)
    fig.suptitle(
        f"{comparison.agents} agents, {len(comparison.seeds)} seeds, burn-in "
        f"{comparison.burn_in} weeks (mean and 95% band)",
        fontsize=10,
    )
    fig.savefig(path)


def write_boltzmann(out: Path, result: BoltzmannResult, *, seed: int, elapsed: float) -> None:
    """``metrics.parquet`` (Gini per step), ``distribution.png`` and ``summary.json``."""
    out.mkdir(parents=True, exist_ok=True)
    steps = np.arange(1, result.gini_by_step.size + 1)
    pq.write_table(
        pa.table({"step": pa.array(steps, type=pa.int64()), "gini": pa.array(result.gini_by_step)}),
        out / "metrics.parquet",
    )
    money = result.money.astype(np.float64) / max(float(result.money.mean()), 1e-12)
    fig = Figure(figsize=(9, 3.4), dpi=80, layout="constrained")
    left, right = fig.subplots(1, 2)
    left.hist(money, bins=60, density=True, color="#999999", label="simulated")
    grid = np.linspace(0, float(money.max()), 200)
    shape = saving_gamma_shape(result.saving)
    left.plot(
        grid,
        stats.gamma.pdf(grid, shape, scale=1 / shape),
        color="k",
        label="exponential" if result.saving == 0 else f"Gamma(shape {shape:.2f})",
    )
    left.set_xlabel("money / mean")
    left.set_yscale("log")
    left.legend(fontsize=8)
    right.plot(steps, result.gini_by_step, color="#1b9e77")
    right.axhline(result.expected_gini, color="k", linestyle="--", linewidth=0.8)
    right.set_xlabel("step")
    right.set_title("Gini", fontsize=9)
    fig.savefig(out / "distribution.png")
    statistic, pvalue = result.ks_test()
    window = max(1, min(50, steps.size // 5))
    write_json(
        out / "summary.json",
        {
            "model": "random exchange (Dragulescu-Yakovenko)"
            + (f", saving {result.saving} (Chakraborti-Chakrabarti)" if result.saving else ""),
            "agents": int(result.money.size),
            "steps": int(steps.size),
            "seed": seed,
            "saving": result.saving,
            "seconds": elapsed,
            "gini_final": result.final_gini(),
            f"gini_mean_last_{window}": result.final_gini(window=window),
            "gini_expected": result.expected_gini,
            "ks_statistic": statistic,
            "ks_pvalue": pvalue,
            "total_money": int(result.money.sum()),
        },
    )


def write_sensitivity(out: Path, result: Sensitivity, *, elapsed: float) -> None:
    """``sensitivity.json`` (everything), ``morris.csv``, ``sobol.csv``, ``robustness.csv`` and
    ``samples.csv`` (every sample point with its outcomes)."""
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "sensitivity.json", {**result.as_dict(), "seconds": elapsed})
    with (out / "morris.csv").open("w", encoding="utf-8") as f:
        f.write("outcome,factor,mu,mu_star,sigma,mu_star_conf\n")
        for outcome, per in result.morris.items():
            for factor, v in per.items():
                f.write(
                    f"{outcome},{factor},{v['mu']!r},{v['mu_star']!r},{v['sigma']!r},"
                    f"{v['mu_star_conf']!r}\n"
                )
    with (out / "sobol.csv").open("w", encoding="utf-8") as f:
        f.write("outcome,factor,S1,S1_conf,ST,ST_conf\n")
        for outcome, per in result.sobol.items():
            for factor, v in per.items():
                f.write(
                    f"{outcome},{factor},{v['S1']!r},{v['S1_conf']!r},{v['ST']!r},"
                    f"{v['ST_conf']!r}\n"
                )
    with (out / "robustness.csv").open("w", encoding="utf-8") as f:
        f.write("outcome,share_positive,min,median,max,samples\n")
        for outcome, v in result.robustness().items():
            f.write(
                f"{outcome},{v['share_positive']!r},{v['min']!r},{v['median']!r},{v['max']!r},"
                f"{int(v['samples'])}\n"
            )
    with (out / "samples.csv").open("w", encoding="utf-8") as f:
        names = [x.name for x in result.factors]
        f.write(",".join(["phase", *names, *result.outcomes]) + "\n")
        phases = (
            ("morris", result.morris_samples, names, result.morris_outcomes),
            ("sobol", result.sobol_samples, result.chosen, result.sobol_outcomes),
        )
        for phase, xs, varied, ys in phases:
            for x, y in zip(xs, ys, strict=True):
                given = dict(zip(varied, x, strict=True))
                cells = [repr(float(given[n])) if n in given else "" for n in names]
                f.write(",".join([phase, *cells, *[repr(float(v)) for v in y]]) + "\n")
