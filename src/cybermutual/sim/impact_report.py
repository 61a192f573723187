"""What a policy estimate reports, and what it promises (the tolerances and the interval).

The values here are plain results: :func:`cybermutual.sim.calibration.policy_impact` builds
them; ``as_dict`` gives the JSON that the API, the command line and a proposal's estimate show.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cybermutual.sim.calibrated_economy import PRIORS

#: Weeks the economy runs under the current policy before anything is measured.
BURN_IN = 52
#: The weeks after which an estimate reports (those within the run).
HORIZONS = (13, 52, 260)
#: Each horizon's figure is the mean of this many weeks ending at it (weekly figures are noisy).
AVERAGE_WEEKS = 4
#: Weeks of the baseline over which its turnover and balances are compared with the observed.
FIT_WEEKS = 13
#: Largest relative gap between simulated and observed turnover before an estimate is refused.
TURNOVER_TOLERANCE = 0.10
#: Largest Kolmogorov-Smirnov distance between simulated and observed balances that the tests
#: accept as a reproduced distribution (reported with every estimate, not a refusal).
BALANCE_TOLERANCE = 0.25
#: The interval reported: this share of the draws (seeds and priors together) lies inside it.
INTERVAL = 0.90


def json_ready(value: Any) -> Any:
    """``value`` with every NaN or infinite float, however deep, replaced by ``None``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value


def json_ready_dict(value: dict[str, Any]) -> dict[str, Any]:
    """:func:`json_ready` for a dict."""
    return {k: json_ready(v) for k, v in value.items()}


@dataclass(frozen=True, slots=True)
class Spread:
    """A figure over the draws: their mean and the range holding :data:`INTERVAL` of them."""

    mean: float
    low: float
    high: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Spread:
        """Mean and central :data:`INTERVAL` range of ``samples`` (NaN if there are none)."""
        values = np.asarray([x for x in samples if np.isfinite(x)], dtype=np.float64)
        if not values.size:
            return cls(float("nan"), float("nan"), float("nan"))
        tail = (1.0 - INTERVAL) / 2.0 * 100.0
        low, high = np.percentile(values, [tail, 100.0 - tail])
        mean = float(values.mean())
        return cls(mean, min(float(low), mean), max(float(high), mean))

    def as_dict(self) -> dict[str, float]:
        """``{"mean": ..., "low": ..., "high": ...}``."""
        return {"mean": self.mean, "low": self.low, "high": self.high}


@dataclass(frozen=True, slots=True)
class Change:
    """A metric without and with the policy, and the paired change, each over the draws."""

    without: Spread
    with_policy: Spread
    change: Spread

    @classmethod
    def of(cls, without: Sequence[float], with_policy: Sequence[float]) -> Change:
        """Paired: the change is taken draw by draw."""
        diff = [b - a for a, b in zip(without, with_policy, strict=True)]
        return cls(Spread.of(without), Spread.of(with_policy), Spread.of(diff))

    def as_dict(self) -> dict[str, dict[str, float]]:
        """JSON-ready."""
        return {
            "without": self.without.as_dict(),
            "with_policy": self.with_policy.as_dict(),
            "change": self.change.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class Horizon:
    """The estimate after ``weeks`` weeks."""

    weeks: int
    median_consumption: Change  # basket units per member per week
    median_consumption_relative: Spread  # paired relative change, e.g. 0.03 = +3%
    gini_income: Change
    gini_wealth: Change
    commons_fund: Change  # minor units, for the real collective's size
    turnover: Change  # minor units per week, for the real collective's size

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "weeks": self.weeks,
            "median_consumption": self.median_consumption.as_dict(),
            "median_consumption_relative": self.median_consumption_relative.as_dict(),
            "gini_income": self.gini_income.as_dict(),
            "gini_wealth": self.gini_wealth.as_dict(),
            "commons_fund": self.commons_fund.as_dict(),
            "turnover": self.turnover.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class Fit:
    """How well the simulated baseline reproduces what the collective was observed doing."""

    observed_turnover: float  # minor units per week, trade and public-service claims
    simulated_turnover: Spread  # the baseline's first FIT_WEEKS weeks, per draw
    turnover_error: float  # |mean simulated / observed - 1|
    balance_distance: Spread  # KS distance of balances after FIT_WEEKS weeks, per draw
    observed_balances: dict[str, float]  # quantiles, minor units
    simulated_balances: dict[str, float]
    velocity: float  # observed turnover per week over members' spendable balances

    @property
    def ok(self) -> bool:
        """Whether the baseline's turnover is within :data:`TURNOVER_TOLERANCE`."""
        return self.turnover_error <= TURNOVER_TOLERANCE

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (an undefined figure is ``None``)."""
        return json_ready_dict(
            {
                "observed_turnover": self.observed_turnover,
                "simulated_turnover": self.simulated_turnover.as_dict(),
                "turnover_error": self.turnover_error,
                "turnover_tolerance": TURNOVER_TOLERANCE,
                "balance_ks_distance": self.balance_distance.as_dict(),
                "balance_ks_tolerance": BALANCE_TOLERANCE,
                "observed_balances": self.observed_balances,
                "simulated_balances": self.simulated_balances,
                "velocity_per_week": self.velocity,
                "fit_weeks": FIT_WEEKS,
                "burn_in_weeks": BURN_IN,
            }
        )


@dataclass(frozen=True, slots=True)
class PolicyImpact:
    """The estimate a proposal shows before the vote."""

    collective: str
    seeds: int
    steps: int
    agents: int
    horizons: tuple[Horizon, ...]
    fit: Fit
    sectors: dict[str, float]
    category_sources: dict[str, int]
    notes: tuple[str, ...]

    @property
    def final(self) -> Horizon:
        """The last horizon (the end of the run)."""
        return self.horizons[-1]

    @property
    def median_consumption(self) -> Change:
        return self.final.median_consumption

    @property
    def median_consumption_relative(self) -> Spread:
        return self.final.median_consumption_relative

    @property
    def gini_income(self) -> Change:
        return self.final.gini_income

    @property
    def gini_wealth(self) -> Change:
        return self.final.gini_wealth

    @property
    def commons_fund(self) -> Change:
        return self.final.commons_fund

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the end of the run at the top level (as before), every horizon below.

        A figure the runs leave undefined (a relative change from a zero baseline) is ``None``:
        JSON has no NaN, and a response with one would fail.
        """
        final = self.final.as_dict()
        del final["weeks"]
        return json_ready_dict(
            {
                "collective": self.collective,
                "seeds": self.seeds,
                "steps": self.steps,
                "agents": self.agents,
                **final,
                "horizons": {str(h.weeks): h.as_dict() for h in self.horizons},
                "interval": (
                    f"{INTERVAL:.0%} of {self.seeds} draws lie between low and high; each draw has "
                    "its own seed and its own parameters from the priors"
                ),
                "priors": [p.as_dict() for p in PRIORS],
                "calibration": self.fit.as_dict(),
                "sectors": self.sectors,
                "category_sources": self.category_sources,
                "notes": list(self.notes),
            }
        )
