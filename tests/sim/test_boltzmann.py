"""The random-exchange model reaches the known stationary laws; money is conserved exactly."""

from __future__ import annotations

import numpy as np
import pytest

from cybermutual.sim.boltzmann import mesa_rule_step, random_exchange_step, run_boltzmann

AGENTS, STEPS = 20_000, 300


def test_random_exchange_reaches_boltzmann_gibbs() -> None:
    result = run_boltzmann(AGENTS, STEPS, np.random.default_rng(11))
    assert result.final_gini(window=50) == pytest.approx(0.50, abs=0.01)
    assert result.final_gini() == pytest.approx(0.50, abs=0.01)
    statistic, pvalue = result.ks_test()
    assert pvalue > 0.01, f"KS statistic {statistic:.4f} rejects the exponential"


def test_saving_propensity_half_gives_gini_0273() -> None:
    result = run_boltzmann(AGENTS, STEPS, np.random.default_rng(12), saving=0.5)
    assert result.expected_gini == pytest.approx(0.2734, abs=1e-4)
    assert result.final_gini(window=50) == pytest.approx(0.273, abs=0.01)
    assert result.final_gini() == pytest.approx(0.273, abs=0.01)
    assert result.ks_test()[1] > 0.01


def test_uniform_start_is_far_from_the_stationary_law() -> None:
    result = run_boltzmann(1_000, 1, np.random.default_rng(0))
    assert result.gini_by_step[0] < 0.45


@pytest.mark.parametrize("saving", [0.0, 0.3, 0.9])
def test_money_is_conserved_exactly_and_never_negative(saving: float) -> None:
    rng = np.random.default_rng(5)
    money = rng.integers(0, 10_000, size=1_001).astype(np.int64)
    total = int(money.sum())
    for _ in range(50):
        money = random_exchange_step(money, rng, saving=saving)
        assert int(money.sum()) == total
        assert money.min() >= 0


def test_mesa_rule_conserves_money() -> None:
    rng = np.random.default_rng(2)
    money = np.ones(500, dtype=np.int64)
    for _ in range(100):
        money = mesa_rule_step(money, rng)
    assert int(money.sum()) == 500
    assert money.min() >= 0


def test_same_seed_same_run_different_seed_different_run() -> None:
    a = run_boltzmann(2_000, 20, np.random.default_rng(7))
    b = run_boltzmann(2_000, 20, np.random.default_rng(7))
    c = run_boltzmann(2_000, 20, np.random.default_rng(8))
    assert np.array_equal(a.money, b.money)
    assert np.array_equal(a.gini_by_step, b.gini_by_step)
    assert not np.array_equal(a.money, c.money)


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        run_boltzmann(1, 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match="saving"):
        run_boltzmann(10, 10, np.random.default_rng(0), saving=1.0)
