"""Metric functions against known values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cybermutual.sim.inequality import (
    ccdf_slope,
    gamma_gini,
    gini,
    mean_interval,
    median,
    saving_gamma_shape,
)


def test_gini_of_equal_incomes_is_zero() -> None:
    assert gini(np.full(1000, 7.5)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [2, 5, 100, 1001])
def test_gini_when_one_has_everything_is_n_minus_one_over_n(n: int) -> None:
    values = np.zeros(n)
    values[3 % n] = 42.0
    assert gini(values) == pytest.approx((n - 1) / n, abs=1e-12)


def test_gini_of_a_known_small_example() -> None:
    # pairs |xi - xj| over all ordered pairs of (1, 2, 3, 4): sum 20; 20 / (2 * 16 * 2.5) = 0.25
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25, abs=1e-12)
    assert gini([4, 1, 3, 2]) == pytest.approx(0.25, abs=1e-12)


def test_gini_agrees_with_the_mean_difference_definition() -> None:
    x = np.random.default_rng(3).lognormal(size=300)
    pairs = np.abs(x[:, None] - x[None, :]).mean() / (2 * x.mean())
    assert gini(x) == pytest.approx(pairs, rel=1e-12)


def test_gini_is_scale_invariant_and_handles_empty_and_zero_sums() -> None:
    x = np.array([1.0, 5.0, 9.0])
    assert gini(x * 1000) == pytest.approx(gini(x))
    assert gini([]) == 0.0
    assert gini([0, 0, 0]) == 0.0


def test_median_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 100, 101):
        x = rng.normal(size=n)
        assert median(x) == pytest.approx(float(np.median(x)))


def test_gamma_gini_known_values() -> None:
    assert gamma_gini(1.0) == pytest.approx(0.5)  # the exponential
    assert saving_gamma_shape(0.5) == pytest.approx(4.0)
    assert gamma_gini(saving_gamma_shape(0.5)) == pytest.approx(0.2734375)


def test_mean_interval_covers_the_mean_and_collapses_for_one_sample() -> None:
    mean, low, high = mean_interval([1.0, 2.0, 3.0])
    assert (mean, round(low, 4), round(high, 4)) == (
        2.0,
        round(2 - 4.302653 / math.sqrt(3), 4),
        round(2 + 4.302653 / math.sqrt(3), 4),
    )
    assert mean_interval([5.0]) == (5.0, 5.0, 5.0)


def test_ccdf_slope_of_a_pareto_sample_is_minus_its_index() -> None:
    sizes = np.random.default_rng(1).pareto(1.0, 50_000) + 1.0
    assert ccdf_slope(sizes, tail_fraction=0.1) == pytest.approx(-1.0, abs=0.1)
