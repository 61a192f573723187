"""Agreement with the exact capped Eisenberg-Gale optimum from cvxpy + Clarabel."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
import scipy.sparse as sp

from cybermutual.domain.allocation import Bids, fisher_equilibrium


def exact_nash_welfare(bids: Bids, budgets: np.ndarray, capacity: np.ndarray) -> float:
    n, k, size = budgets.size, capacity.size, bids.size
    x = cp.Variable(size, nonneg=True)
    per_asset = sp.csr_matrix((np.ones(size), (bids.asset, np.arange(size))), shape=(k, size))
    utility = sp.csr_matrix((bids.value_per_unit, (bids.member, np.arange(size))), shape=(n, size))
    useful = (bids.value_per_unit > 0) & (bids.max_units > 0) & (capacity[bids.asset] > 0)
    takes_part = np.bincount(bids.member[useful], minlength=n) > 0
    problem = cp.Problem(
        cp.Maximize(budgets[takes_part] @ cp.log((utility @ x)[takes_part])),  # type: ignore[attr-defined]
        [x <= bids.max_units, per_asset @ x <= capacity],
    )
    problem.solve(solver=cp.CLARABEL)  # type: ignore[no-untyped-call]
    assert problem.status == cp.OPTIMAL
    return float(np.exp(problem.value / budgets[takes_part].sum()))


def random_market(seed: int) -> tuple[Bids, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, k, d = int(rng.integers(5, 40)), int(rng.integers(2, 8)), 3
    d = min(d, k)
    member = np.repeat(np.arange(n), d)
    asset = np.concatenate([rng.choice(k, d, replace=False) for _ in range(n)])
    maxima = rng.integers(1, 10, n * d).astype(float)
    capacity = np.bincount(asset, maxima, minlength=k) * rng.uniform(0.2, 1.3, k)
    values = rng.lognormal(0, 1, n * d)
    budgets = rng.uniform(0.5, 2.0, n)
    return Bids.of(member, asset, values, maxima), budgets, capacity


@pytest.mark.parametrize("seed", range(8))
def test_nash_welfare_matches_the_exact_optimum(seed: int) -> None:
    bids, budgets, capacity = random_market(seed)
    exact = exact_nash_welfare(bids, budgets, capacity)
    eq = fisher_equilibrium(bids, budgets, capacity, tolerance=1e-4, max_iterations=100_000)
    assert eq.converged
    assert abs(eq.nash_welfare - exact) / exact < 1e-3


@pytest.mark.parametrize("seed", range(4))
def test_default_tolerance_bounds_the_welfare_gap(seed: int) -> None:
    bids, budgets, capacity = random_market(100 + seed)
    exact = exact_nash_welfare(bids, budgets, capacity)
    eq = fisher_equilibrium(bids, budgets, capacity)
    assert eq.nash_welfare <= exact * (1 + 1e-6)
    assert exact <= eq.nash_welfare * (1 + eq.equilibrium_gap) * (1 + 1e-6)
