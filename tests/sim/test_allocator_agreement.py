"""The simulator's vectorised share-out agrees with the domain's Fisher-market allocator.

Both solve the same Eisenberg-Gale program; the test builds the aggregated market of a running
cybermutualist economy and compares utilities and prices.
"""

from __future__ import annotations

import numpy as np
import pytest

from cybermutual.domain.allocation import equilibrium, market
from cybermutual.sim.commons import proportional_response
from cybermutual.sim.economy import Economy
from cybermutual.sim.scenario import bundled_scenario


@pytest.mark.parametrize("seed", [1, 2])
def test_vectorised_share_out_matches_the_domain_allocator(seed: int) -> None:
    economy = Economy(
        bundled_scenario("cybermutualism"), agents=2_000, rng=np.random.default_rng(seed)
    )
    for _ in range(8):
        economy.step()
    m = economy.commons_market()
    member, asset = np.nonzero((m.values > 0) & (m.budgets[:, None] > 0))
    bids = market.Bids.of(member, asset, m.values[member, asset], m.capacity[asset])
    domain = equilibrium.fisher_equilibrium(
        bids, m.budgets, m.capacity, tolerance=1e-4, max_iterations=20_000
    )
    ours = proportional_response(
        m.values, m.budgets, m.capacity, tolerance=1e-9, max_iterations=20_000
    )
    assert domain.converged
    live = m.budgets > 0
    ours_utility = ours.utilities(m.values)[live]
    assert np.allclose(domain.utilities[live], ours_utility, rtol=1e-2)
    priced = ours.prices > 0
    assert np.allclose(domain.prices[priced], (ours.prices / m.capacity)[priced], rtol=1e-2)
    units = np.zeros_like(m.values)
    units[member, asset] = domain.units
    assert np.abs(units - ours.allocation).max() <= 1e-2 * m.capacity.max()
