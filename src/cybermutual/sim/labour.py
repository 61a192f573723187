"""Workers moving between firms, firms opening and closing.

Job search follows the referral mechanism of Axtell's endogenous-firms model and of Simon's (1955)
growth process: most searchers hear of a job through a random acquaintance, so they look at that
person's employer (large firms are heard of more often); the rest look at a random firm. They move
when the offer beats their pay by ``move_threshold`` and the firm has vacancies. Job-seekers found
new firms at ``entry_rate``; a firm with nobody and nothing left, or whose debt exceeds its credit,
closes and its balance passes to its owner, so money is never lost.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from cybermutual.sim.agents import Agents, sum_by
from cybermutual.sim.firms import Firms
from cybermutual.sim.scenario import Scenario

FloatArray = npt.NDArray[np.float64]


def lay_off(firms: Firms, agents: Agents, rng: np.random.Generator) -> None:
    """Traditional firms with too many workers let a share of them go."""
    employed = agents.employer >= 0
    rate = np.where(employed, firms.fire_rate[np.where(employed, agents.employer, 0)], 0.0)
    fired = rng.random(agents.size) < rate
    agents.employer[fired] = -1


def close_failed(firms: Firms, agents: Agents, *, credit_limit: float) -> int:
    """Close firms that produce nothing or owe more than their credit; returns how many closed."""
    limit = 4.0 * (firms.wage * firms.workforce + credit_limit)
    empty = (firms.workforce <= 0) & (firms.robots < 1e-9)
    failed = firms.alive & (empty | (firms.cash < -limit))
    if not failed.any():
        return 0
    agents.wealth += sum_by(firms.owner[failed], firms.cash[failed], agents.size)
    firms.cash[failed] = 0.0
    firms.alive[failed] = False
    firms.capital[failed] = 0.0
    firms.robots[failed] = 0.0
    firms.vacancy[failed] = 0.0
    firms.wants_invest[failed] = False
    firms.invest_plan[failed] = 0.0
    employed = agents.employer >= 0
    lost = employed & failed[np.where(employed, agents.employer, 0)]
    agents.employer[lost] = -1
    return int(failed.sum())


def found_firms(
    firms: Firms,
    agents: Agents,
    rng: np.random.Generator,
    *,
    scenario: Scenario,
    prices: FloatArray,
    sector_productivity: FloatArray,
) -> None:
    """Some job-seekers open a firm in their best sector, in a free slot."""
    ent = scenario.enterprises
    seeking = np.flatnonzero(agents.employer < 0)
    founders = seeking[rng.random(seeking.size) < ent.entry_rate]
    free = np.flatnonzero(~firms.alive)
    count = min(founders.size, free.size)
    if count == 0:
        return
    founders, slots = founders[:count], free[:count]
    best = np.argmax(agents.skill[founders] * (prices * sector_productivity)[None, :], axis=1)
    alive_wage = np.where(firms.alive, firms.wage, np.nan)
    sector_wage = np.array(
        [
            np.nanmedian(np.where(firms.sector == s, alive_wage, np.nan))
            if np.any(firms.alive & (firms.sector == s))
            else (1 - scenario.technology.capital_elasticity) * prices[s] * sector_productivity[s]
            for s in range(prices.size)
        ]
    )
    zsig = ent.productivity_sigma
    firms.alive[slots] = True
    firms.coop[slots] = rng.random(count) < ent.coop_entry_share
    firms.sector[slots] = best
    firms.productivity[slots] = rng.lognormal(-0.5 * zsig**2, zsig, size=count)
    firms.owner[slots] = founders
    firms.capital[slots] = scenario.technology.start_capital
    firms.robots[slots] = 0.0
    firms.wage[slots] = sector_wage[best]
    firms.cash[slots] = 0.0
    firms.extra_per_unit[slots] = 0.0
    firms.vacancy[slots] = 0.0
    agents.employer[founders] = slots
    agents.sector[founders] = best
    agents.efficiency[founders] = agents.skill[founders, best]


def search_jobs(
    firms: Firms, agents: Agents, rng: np.random.Generator, *, scenario: Scenario
) -> None:
    """Job-seekers and a share of workers look at one other firm and may move there."""
    pop = scenario.population
    n = agents.size
    employed = agents.employer >= 0
    searching = np.flatnonzero(~employed | (rng.random(n) < pop.search_rate))
    if searching.size == 0:
        return
    by_referral = rng.random(searching.size) < pop.referral
    acquaintance = rng.integers(0, n, size=searching.size)
    random_firm = rng.integers(0, firms.slots, size=searching.size)
    candidate = np.where(by_referral, agents.employer[acquaintance], random_firm)
    valid = candidate >= 0
    candidate = np.where(valid, candidate, 0)
    current = agents.employer[searching]
    pay = firms.pay_per_unit()
    offer = pay[candidate] * agents.skill[searching, firms.sector[candidate]]
    now = np.where(current >= 0, pay[np.where(current >= 0, current, 0)], 0.0)
    now = now * agents.efficiency[searching]
    wants = (
        valid
        & firms.alive[candidate]
        & (firms.vacancy[candidate] > 0)
        & (candidate != current)
        & (offer > now * (1.0 + pop.move_threshold))
    )
    movers, target = searching[wants], candidate[wants]
    if movers.size == 0:
        return
    units = agents.skill[movers, firms.sector[target]]
    asked = sum_by(target, units, firms.slots)
    accept = np.divide(firms.vacancy, asked, out=np.zeros(firms.slots), where=asked > 0)
    hired = rng.random(movers.size) < accept[target]
    movers, target = movers[hired], target[hired]
    agents.employer[movers] = target
    agents.sector[movers] = firms.sector[target]
    agents.efficiency[movers] = agents.skill[movers, firms.sector[target]]
