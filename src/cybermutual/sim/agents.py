"""The population as a structure of arrays, drawn once and shared by every regime.

Every random draw here happens in the same order whatever the regime, so the three regimes start
from the same people (skills, sectors, collectives, first employers): comparisons are paired.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cybermutual.sim.scenario import Scenario

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]


@dataclass(slots=True)
class Agents:
    """One array per attribute; index ``i`` is the same person in every array."""

    skill: FloatArray  # agents x sectors: efficiency units of labour per step
    sector: IndexArray  # where they work now
    efficiency: FloatArray  # skill in the current sector (cached)
    collective: IndexArray
    employer: IndexArray  # firm slot, -1 for none (self-employed in the commons, or unemployed)
    wealth: FloatArray  # balance in currency units (mutual credit: may be negative)
    income: FloatArray  # last step's income
    consumption: FloatArray  # last step's real consumption (basket units)
    labour_income: FloatArray

    @property
    def size(self) -> int:
        """Number of agents."""
        return int(self.sector.size)

    def refresh_efficiency(self) -> None:
        """Recompute ``efficiency`` after sectors changed."""
        self.efficiency = self.skill[np.arange(self.size), self.sector]


@dataclass(frozen=True, slots=True)
class FirstFirms:
    """The firms the enterprise regimes start with (ignored by cybermutualism)."""

    sector: IndexArray
    productivity: FloatArray
    owner: IndexArray
    coop_draw: FloatArray  # uniform draws; a firm is a co-op when its draw < coop_share


def draw_population(
    scenario: Scenario, agents: int, rng: np.random.Generator
) -> tuple[Agents, FirstFirms]:
    """Draw the people and the first firms of ``scenario`` with ``agents`` members."""
    sectors = len(scenario.sectors)
    shares = np.array([s.share for s in scenario.sectors], dtype=np.float64)
    shares /= shares.sum()
    sigma = scenario.population.skill_sigma
    skill = rng.lognormal(-0.5 * sigma**2, sigma, size=(agents, sectors))
    firm_count = max(1, round(agents / scenario.enterprises.mean_size))
    firm_sector = rng.choice(sectors, size=firm_count, p=shares).astype(np.intp)
    zsig = scenario.enterprises.productivity_sigma
    firm_productivity = rng.lognormal(-0.5 * zsig**2, zsig, size=firm_count)
    firm_owner = rng.integers(0, agents, size=firm_count).astype(np.intp)
    coop_draw = rng.random(firm_count)
    employer = rng.integers(0, firm_count, size=agents).astype(np.intp)
    collective = rng.integers(0, scenario.population.collectives, size=agents).astype(np.intp)
    sector = firm_sector[employer]
    zeros = np.zeros(agents, dtype=np.float64)
    population = Agents(
        skill=skill,
        sector=sector,
        efficiency=skill[np.arange(agents), sector],
        collective=collective,
        employer=employer,
        wealth=zeros.copy(),
        income=zeros.copy(),
        consumption=zeros.copy(),
        labour_income=zeros.copy(),
    )
    firms = FirstFirms(
        sector=firm_sector, productivity=firm_productivity, owner=firm_owner, coop_draw=coop_draw
    )
    return population, firms


def sum_by(index: npt.NDArray[np.integer], weights: FloatArray, size: int) -> FloatArray:
    """``out[k] = sum(weights[index == k])`` for ``k < size`` (a typed ``np.bincount``)."""
    return np.asarray(np.bincount(index, weights=weights, minlength=size), dtype=np.float64)
