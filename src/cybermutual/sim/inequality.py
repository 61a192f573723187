"""Inequality and summary measures on numpy arrays: Gini, medians, intervals over seeds."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]


def gini(values: npt.ArrayLike) -> float:
    """Gini coefficient: mean absolute difference over all ordered pairs / (2 * mean).

    Equal values give 0; one holder of everything among ``n`` gives ``(n - 1) / n``. Defined for
    negative values too (mutual-credit balances), where it may exceed 1; 0 when the mean is 0.
    """
    x = np.sort(np.asarray(values, dtype=np.float64).ravel())
    n = x.size
    if n == 0:
        return 0.0
    total = float(x.sum())
    if total == 0.0:
        return 0.0
    rank = np.arange(1, n + 1, dtype=np.float64)
    return float(2.0 * np.dot(rank, x) / (n * total) - (n + 1.0) / n)


def median(values: npt.ArrayLike) -> float:
    """Median by selection (np.partition), cheaper than a sort on large arrays."""
    x = np.asarray(values, dtype=np.float64).ravel()
    n = x.size
    if n == 0:
        return 0.0
    half = n // 2
    if n % 2:
        return float(np.partition(x, half)[half])
    part = np.partition(x, [half - 1, half])
    return float(0.5 * (part[half - 1] + part[half]))


def gamma_gini(shape: float) -> float:
    """Gini of a Gamma distribution with this shape: Gamma(k + 1/2) / (sqrt(pi) Gamma(k + 1))."""
    return math.exp(math.lgamma(shape + 0.5) - math.lgamma(shape + 1.0)) / math.sqrt(math.pi)


def saving_gamma_shape(saving: float) -> float:
    """Shape of the Gamma fit for saving propensity ``saving``: 1 + 3s/(1 - s).

    Patriarca, Chakraborti and Kaski (2004); shape 1 (the exponential) without saving.
    """
    return 1.0 + 3.0 * saving / (1.0 - saving)


def mean_interval(samples: npt.ArrayLike, *, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and the Student-t ``level`` confidence interval for it: ``(mean, low, high)``.

    With a single sample the interval collapses to the value itself.
    """
    x = np.asarray(samples, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (math.nan, math.nan, math.nan)
    centre = float(x.mean())
    if x.size < 2:
        return (centre, centre, centre)
    half = float(stats.t.ppf(0.5 + level / 2.0, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return (centre, centre - half, centre + half)


def ccdf_slope(sizes: npt.ArrayLike, *, tail_fraction: float = 0.2, minimum: int = 2) -> float:
    """Slope of log CCDF against log size over the largest ``tail_fraction`` of sizes.

    A Zipf law (Axtell 2001) gives a slope near -1; thin tails give steep slopes.
    Returns nan when fewer than ``minimum`` distinct sizes are in the tail.
    """
    x = np.sort(np.asarray(sizes, dtype=np.float64).ravel())
    x = x[x > 0]
    if x.size == 0:
        return math.nan
    ccdf = 1.0 - np.arange(x.size, dtype=np.float64) / x.size
    start = int(x.size * (1.0 - tail_fraction))
    tail_x, tail_p = x[start:], ccdf[start:]
    if np.unique(tail_x).size < minimum:
        return math.nan
    slope, _ = np.polyfit(np.log(tail_x), np.log(tail_p), 1)
    return float(slope)


def hill_tail_index(sizes: npt.ArrayLike, *, k: int) -> float:
    """Hill estimator of the tail index from the ``k`` largest sizes (smaller = heavier tail)."""
    x = np.sort(np.asarray(sizes, dtype=np.float64).ravel())[::-1]
    x = x[x > 0]
    k = min(k, x.size - 1)
    if k < 2:
        return math.nan
    return float(1.0 / np.mean(np.log(x[:k] / x[k])))
