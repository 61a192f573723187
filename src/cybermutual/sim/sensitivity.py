"""Global sensitivity of the regime comparison: Morris screening, then Sobol indices (SALib).

A conclusion such as "cybermutualism's median consumption is above capitalism's at year 10" is
only worth stating if it survives plausible changes of the parameters nobody can pin down. Each
sample here is one point of the parameter space; the three regimes run on it with the same seed
(paired), and the *outcomes* compare each challenger with capitalism at each horizon: the log
ratio of median consumption and of output (positive: the challenger is ahead) and the difference
in the Gini of income (positive: the challenger is more unequal).

1. Morris elementary effects (Morris 1991; ``mu_star`` as in Campolongo, Cariboni and Saltelli
   2007) screen every factor in :data:`FACTORS` cheaply.
2. Sobol first-order and total indices (Saltelli 2002; Saltelli et al. 2010 estimators, as SALib
   implements them) are computed on the few factors that matter most across the outcomes, the
   others held at the bundled scenario's values.
3. Over the Sobol sample, the share of points where each outcome is positive says how robust its
   sign is: a conclusion that holds in every sample is robust to these ranges; one that flips
   depends on a parameter, and the indices say which.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from cybermutual.sim.runner import HORIZONS, RunResult, RunTask, run_tasks
from cybermutual.sim.scenario import REGIMES, Regime, Scenario, bundled_scenario

FloatArray = npt.NDArray[np.float64]
CHALLENGERS: tuple[Regime, ...] = ("cybermutualism", "libertarian_mutualism")
BASELINE: Regime = "capitalism"
#: (metric, how a challenger is compared with capitalism)
COMPARED = (("median_consumption", "log_ratio"), ("output", "log_ratio"), ("gini_income", "diff"))
#: Morris levels (the grid each factor moves on) and SALib's bootstrap resamples.
LEVELS = 4
RESAMPLES = 200


@dataclass(frozen=True, slots=True)
class Factor:
    """One uncertain parameter, its range and the regimes whose scenario it changes."""

    name: str
    path: str  # "table.field" in the scenario
    low: float
    high: float
    regimes: tuple[Regime, ...] = REGIMES
    why: str = ""


FACTORS: tuple[Factor, ...] = (
    Factor("skill_sigma", "population.skill_sigma", 0.2, 0.8, why="spread of skills"),
    Factor("search_rate", "population.search_rate", 0.02, 0.3, why="share searching a week"),
    Factor("referral", "population.referral", 0.0, 1.0, why="share of searches by referral"),
    Factor(
        "levy_rate",
        "policy.levy_rate",
        0.0,
        0.3,
        regimes=("cybermutualism",),
        why="the commons' levy (the firm regimes have none)",
    ),
    Factor("robot_progress", "technology.robot_progress", 0.0, 0.004, why="robots' progress"),
    Factor(
        "investment_rate",
        "technology.investment_rate",
        0.1,
        0.6,
        regimes=("libertarian_mutualism", "capitalism"),
        why="share of a firm's profit reinvested",
    ),
    Factor(
        "commons_investment",
        "policy.commons_investment",
        0.3,
        1.0,
        regimes=("cybermutualism",),
        why="share of the commons fund invested",
    ),
)


def outcome_names(horizons: Sequence[float]) -> list[str]:
    """``metric:challenger-vs-capitalism@years`` for every compared metric and horizon."""
    return [
        f"{metric}:{challenger}@{years:g}"
        for years in horizons
        for metric, _ in COMPARED
        for challenger in CHALLENGERS
    ]


def with_factors(
    scenario: Scenario, factors: Sequence[Factor], values: Sequence[float]
) -> Scenario:
    """``scenario`` with each factor that applies to its regime set to its value."""
    for factor, value in zip(factors, values, strict=True):
        if scenario.regime not in factor.regimes:
            continue
        table, name = factor.path.split(".")
        section = getattr(scenario, table)
        current = getattr(section, name)
        new: object = (
            Fraction(Decimal(f"{value:.6f}")) if isinstance(current, Fraction) else float(value)
        )
        scenario = replace(scenario, **{table: replace(section, **{name: new})})
    return scenario


def _outcomes(runs: dict[str, RunResult], horizons: Sequence[float]) -> list[float]:
    out = []
    for years in horizons:
        for metric, kind in COMPARED:
            base = runs[BASELINE].at_year(metric, years)
            for challenger in CHALLENGERS:
                value = runs[challenger].at_year(metric, years)
                if kind == "diff":
                    out.append(value - base)
                elif value > 0 and base > 0:
                    out.append(math.log(value / base))
                else:
                    out.append(math.nan)
    return out


@dataclass(frozen=True, slots=True)
class Design:
    """How big a sensitivity run is."""

    agents: int = 1_000
    burn_in: int = 104
    steps: int = 30 * 52
    horizons: tuple[float, ...] = HORIZONS
    trajectories: int = 10  # Morris
    sobol_samples: int = 64  # Sobol base sample (a power of 2)
    top: int = 4  # factors kept for Sobol
    seed: int = 0


def evaluate(
    samples: FloatArray,
    factors: Sequence[Factor],
    design: Design,
    *,
    workers: int | None = 1,
    on_done: Callable[[RunResult], None] | None = None,
) -> FloatArray:
    """Outcomes (samples x outcomes) of the three regimes run at every sample point.

    Every sample runs on the same seed, ``design.seed``, in every regime (common random
    numbers): the comparison is paired, and the indices measure the parameters, not seed noise
    (``simulate compare`` measures that, over seeds).
    """
    base = {r: bundled_scenario(r) for r in REGIMES}
    tasks = [
        RunTask(
            with_factors(base[r], factors, list(row)),
            design.agents,
            design.steps,
            design.seed,
            burn_in=design.burn_in,
        )
        for row in samples
        for r in REGIMES
    ]
    results = run_tasks(tasks, workers=workers, on_done=on_done)
    rows = []
    for i in range(len(samples)):
        runs: dict[str, RunResult] = {
            r: results[i * len(REGIMES) + k] for k, r in enumerate(REGIMES)
        }
        rows.append(_outcomes(runs, design.horizons))
    return np.asarray(rows, dtype=np.float64)


def _problem(factors: Sequence[Factor]) -> dict[str, Any]:
    return {
        "num_vars": len(factors),
        "names": [f.name for f in factors],
        "bounds": [[f.low, f.high] for f in factors],
    }


def _finite(y: FloatArray) -> FloatArray:
    """SALib wants finite outputs: a NaN (a run with no output) counts as the sample mean."""
    fill = float(np.nanmean(y)) if np.isfinite(y).any() else 0.0
    return np.where(np.isfinite(y), y, fill)


@dataclass(slots=True)
class Sensitivity:
    """Morris screening, Sobol indices and the robustness of each outcome's sign."""

    design: Design
    factors: list[Factor]
    outcomes: list[str]
    morris_samples: FloatArray
    morris_outcomes: FloatArray
    morris: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    chosen: list[str] = field(default_factory=list)
    sobol_samples: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    sobol_outcomes: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    sobol: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    def screening(self) -> dict[str, float]:
        """Per factor: its ``mu_star`` relative to the largest for the same outcome, averaged
        over the outcomes (1 = the top factor for every outcome, 0 = no effect on any)."""
        score = dict.fromkeys((f.name for f in self.factors), 0.0)
        counted = 0
        for per_factor in self.morris.values():
            top = max((v["mu_star"] for v in per_factor.values()), default=0.0)
            if top > 0:
                counted += 1
                for name, v in per_factor.items():
                    score[name] += v["mu_star"] / top
        return {name: value / max(counted, 1) for name, value in score.items()}

    def robustness(self) -> dict[str, dict[str, float]]:
        """Per outcome over every sample (Morris and Sobol): share positive, min, median, max."""
        y = np.vstack([self.morris_outcomes, self.sobol_outcomes]) if self.sobol else None
        y = self.morris_outcomes if y is None else y
        out = {}
        for j, name in enumerate(self.outcomes):
            column = y[:, j][np.isfinite(y[:, j])]
            out[name] = {
                "share_positive": float(np.mean(column > 0)) if column.size else math.nan,
                "min": float(column.min()) if column.size else math.nan,
                "median": float(np.median(column)) if column.size else math.nan,
                "max": float(column.max()) if column.size else math.nan,
                "samples": float(column.size),
            }
        return out

    def as_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready."""
        d = self.design
        return {
            "design": {
                "agents": d.agents,
                "burn_in": d.burn_in,
                "steps": d.steps,
                "horizons": list(d.horizons),
                "trajectories": d.trajectories,
                "sobol_samples": d.sobol_samples,
                "top": d.top,
                "seed": d.seed,
                "runs": 3 * (len(self.morris_samples) + len(self.sobol_samples)),
            },
            "factors": [
                {
                    "name": f.name,
                    "path": f.path,
                    "low": f.low,
                    "high": f.high,
                    "regimes": list(f.regimes),
                    "why": f.why,
                }
                for f in self.factors
            ],
            "outcomes": self.outcomes,
            "outcome_meaning": "metric:challenger@years is the challenger against capitalism "
            "in the year ending that many years after the burn-in: log ratio for "
            "median_consumption and output, difference for gini_income",
            "morris": self.morris,
            "screening": self.screening(),
            "sobol_factors": self.chosen,
            "sobol": self.sobol,
            "robustness": self.robustness(),
        }


def run_sensitivity(
    design: Design,
    *,
    factors: Sequence[Factor] = FACTORS,
    workers: int | None = 1,
    on_done: Callable[[RunResult], None] | None = None,
    on_phase: Callable[[str, int], None] | None = None,
) -> Sensitivity:
    """Morris screening over ``factors``, then Sobol indices over the ``design.top`` that matter.

    ``on_phase(name, runs)`` is called before each phase with how many runs it will make.
    """
    if design.sobol_samples < 2 or design.sobol_samples & (design.sobol_samples - 1):
        raise ValueError("sobol_samples must be a power of 2 (Sobol sequences need it)")
    if not 1 <= design.top <= len(factors):
        raise ValueError(f"top must be between 1 and {len(factors)}")
    names = outcome_names(design.horizons)
    problem = _problem(factors)
    x = morris_sample.sample(
        problem, N=design.trajectories, num_levels=LEVELS, seed=design.seed
    ).astype(np.float64)
    if on_phase is not None:
        on_phase("Morris screening", 3 * len(x))
    y = evaluate(x, factors, design, workers=workers, on_done=on_done)
    result = Sensitivity(design, list(factors), names, x, y)
    for j, name in enumerate(names):
        si = morris_analyze.analyze(
            problem,
            x,
            _finite(y[:, j]),
            num_levels=LEVELS,
            seed=design.seed,
            num_resamples=RESAMPLES,
            print_to_console=False,
        )
        result.morris[name] = {
            f.name: {
                "mu": float(si["mu"][k]),
                "mu_star": float(si["mu_star"][k]),
                "sigma": float(si["sigma"][k]),
                "mu_star_conf": float(si["mu_star_conf"][k]),
            }
            for k, f in enumerate(factors)
        }
    score = result.screening()
    chosen = sorted(factors, key=lambda f: -score[f.name])[: design.top]
    chosen = [f for f in factors if f in chosen]  # keep the declared order
    result.chosen = [f.name for f in chosen]
    sub = _problem(chosen)
    xs = sobol_sample.sample(
        sub, design.sobol_samples, calc_second_order=False, seed=design.seed
    ).astype(np.float64)
    if on_phase is not None:
        on_phase("Sobol indices", 3 * len(xs))
    ys = evaluate(xs, chosen, design, workers=workers, on_done=on_done)
    result.sobol_samples, result.sobol_outcomes = xs, ys
    for j, name in enumerate(names):
        si = sobol_analyze.analyze(
            sub,
            _finite(ys[:, j]),
            calc_second_order=False,
            seed=design.seed,
            num_resamples=RESAMPLES,
            print_to_console=False,
        )
        result.sobol[name] = {
            f.name: {
                "S1": float(si["S1"][k]),
                "S1_conf": float(si["S1_conf"][k]),
                "ST": float(si["ST"][k]),
                "ST_conf": float(si["ST_conf"][k]),
            }
            for k, f in enumerate(chosen)
        }
    return result
