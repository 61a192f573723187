"""Enterprises in the libertarian-mutualist and capitalist regimes, as a structure of arrays.

A firm combines capital ``K``, robots ``R`` and the efficiency units ``E`` of its workers:
``Y = A_sector * z * K^a * (E + theta R)^(1 - a)`` (Cobb-Douglas; robots are perfect substitutes
for labour at ``theta`` units each, as in task-based automation models, Acemoglu and Restrepo
2018). Each step a firm compares the marginal revenue product of labour with what labour costs it
and adjusts its wage and its workforce toward that target. Traditional firms pay wages and send
profit to the owner (and any employee equity to employees); co-operatives pay the same kind of
base wage and share the profit among worker-owners by merit (efficiency units contributed), and,
like Ward's (1958) labour-managed firm, they size their membership to maximise income per member
(:func:`ward_membership`: net of the user cost of their capital), so a co-op whose price rises
wants fewer members and produces less (Ward 1958, Domar 1966); they never fire for profit, so they
shrink by not replacing members who leave. Investment goes to whichever of capital and robots
returns more per unit of money (a robot returns the marginal revenue product of the labour it
stands in for), when that return beats the user cost of capital: automation is an outcome of
prices and wages, never assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cybermutual.domain.profit_sharing import merit_shares
from cybermutual.sim.agents import Agents, FirstFirms, sum_by
from cybermutual.sim.scenario import Scenario

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


@dataclass(slots=True)
class Firms:
    """One array per firm attribute; dead slots are reused by new firms."""

    alive: BoolArray
    coop: BoolArray
    sector: IndexArray
    productivity: FloatArray
    owner: IndexArray
    capital: FloatArray
    robots: FloatArray
    wage: FloatArray  # per efficiency unit
    cash: FloatArray
    extra_per_unit: FloatArray  # profit share per efficiency unit paid to workers last step
    vacancy: FloatArray  # efficiency units wanted beyond the current workforce
    fire_rate: FloatArray
    invest_plan: FloatArray  # money to spend on investment next step
    wants_invest: BoolArray
    invest_robots: BoolArray
    workforce: FloatArray  # efficiency units employed (last production)
    output: FloatArray
    planned: FloatArray  # efficiency units of labour the firm wants next step

    @property
    def slots(self) -> int:
        """Number of firm slots (alive or free)."""
        return int(self.alive.size)

    def pay_per_unit(self) -> FloatArray:
        """What a worker earns per efficiency unit: wage plus profit share."""
        return self.wage + self.extra_per_unit


def start_firms(first: FirstFirms, scenario: Scenario, agents: Agents, prices: FloatArray) -> Firms:
    """Open the first firms; agents already point at them through ``employer``."""
    count = first.sector.size
    slots = 2 * count + 8
    tech = scenario.technology
    productivity_of = np.array([s.productivity for s in scenario.sectors])

    def pad(values: npt.NDArray[np.generic], fill: float | int | bool) -> npt.NDArray[np.generic]:
        out = np.full(slots, fill, dtype=values.dtype)
        out[:count] = values
        return out

    headcount = np.bincount(agents.employer, minlength=count).astype(np.float64)
    units = sum_by(agents.employer, agents.efficiency, count)
    coop = first.coop_draw < scenario.enterprises.coop_share
    a = tech.capital_elasticity
    # the same capital per worker as the commons starts with: sector-specific plus general
    capital = tech.starting_capital_per_worker * headcount
    per_unit = np.divide(capital, units, out=np.zeros(count), where=units > 0)
    # the marginal product of labour at the start, so no firm begins far from its own optimum
    wage0 = (
        (1 - a)
        * productivity_of[first.sector]
        * first.productivity
        * per_unit**a
        * prices[first.sector]
    )
    zeros = np.zeros(slots)
    return Firms(
        alive=np.asarray(pad(np.ones(count, dtype=np.bool_), False), dtype=np.bool_),
        coop=np.asarray(pad(coop, False), dtype=np.bool_),
        sector=np.asarray(pad(first.sector, 0), dtype=np.intp),
        productivity=np.asarray(pad(first.productivity, 1.0), dtype=np.float64),
        owner=np.asarray(pad(first.owner, 0), dtype=np.intp),
        capital=np.asarray(pad(capital, 0.0), dtype=np.float64),
        robots=zeros.copy(),
        wage=np.asarray(pad(wage0, 0.0), dtype=np.float64),
        cash=zeros.copy(),
        extra_per_unit=zeros.copy(),
        vacancy=zeros.copy(),
        fire_rate=zeros.copy(),
        invest_plan=zeros.copy(),
        wants_invest=np.zeros(slots, dtype=np.bool_),
        invest_robots=np.zeros(slots, dtype=np.bool_),
        workforce=zeros.copy(),
        output=zeros.copy(),
        planned=zeros.copy(),
    )


def produce(
    firms: Firms,
    agents: Agents,
    *,
    sector_productivity: FloatArray,
    capital_elasticity: float,
    theta: float,
) -> FloatArray:
    """Output of every firm slot this step (0 for dead slots)."""
    employed = agents.employer >= 0
    firms.workforce = sum_by(agents.employer[employed], agents.efficiency[employed], firms.slots)
    labour = firms.workforce + theta * firms.robots
    a = capital_elasticity
    output = (
        sector_productivity[firms.sector]
        * firms.productivity
        * firms.capital**a
        * labour ** (1 - a)
    )
    firms.output = np.where(firms.alive, output, 0.0)
    return firms.output


@dataclass(frozen=True, slots=True)
class Payouts:
    """Money paid out by firms this step, for the metrics."""

    wages: float
    worker_profit: float
    owner_profit: float


def pay_out(
    firms: Firms,
    agents: Agents,
    net_revenue: FloatArray,
    *,
    investment_rate: float,
    employee_equity: float,
) -> Payouts:
    """Pay wages, plan investment and pay dividends from ``net_revenue`` (after the levy)."""
    employed = agents.employer >= 0
    firm_of = np.where(employed, agents.employer, 0)
    wage = np.where(employed, firms.wage[firm_of] * agents.efficiency, 0.0)
    wage_bill = sum_by(firm_of, wage, firms.slots)
    profit = net_revenue - wage_bill
    firms.cash += profit
    plan = np.where(firms.wants_invest, investment_rate * np.maximum(profit, 0.0), 0.0)
    firms.invest_plan = plan
    dividend = np.clip(np.minimum(np.maximum(profit, 0.0), firms.cash) - plan, 0.0, None)
    dividend = np.where(firms.alive, dividend, 0.0)
    firms.cash -= dividend
    has_workers = firms.workforce > 0
    worker_part = np.where(has_workers, np.where(firms.coop, 1.0, employee_equity), 0.0)
    to_workers = dividend * worker_part
    to_owner = dividend - to_workers
    share = merit_shares(to_workers, agents.efficiency, np.where(employed, agents.employer, -1))
    firms.extra_per_unit = np.divide(
        to_workers, firms.workforce, out=np.zeros(firms.slots), where=has_workers
    )
    owner_income = sum_by(firms.owner, to_owner, agents.size)
    earned = wage + share
    agents.labour_income += earned
    agents.income += earned + owner_income
    agents.wealth += earned + owner_income
    return Payouts(
        wages=float(wage_bill.sum()),
        worker_profit=float(to_workers.sum()),
        owner_profit=float(to_owner.sum()),
    )


def plan_firms(
    firms: Firms,
    *,
    prices: FloatArray,
    seller_fill: FloatArray,
    theta: float,
    scenario: Scenario,
    price_index: float,
    unemployment: float,
) -> None:
    """Set next step's wages, vacancies, firing rates and investment kind."""
    tech, ent = scenario.technology, scenario.enterprises
    a = tech.capital_elasticity
    value = prices[firms.sector] * seller_fill[firms.sector] * firms.output
    labour = firms.workforce + theta * firms.robots
    mrpl = np.divide((1 - a) * value, labour, out=np.zeros(firms.slots), where=labour > 0)
    ratio = np.clip(mrpl / np.maximum(firms.wage, 1e-9), 0.0, 4.0)
    factor = ratio ** (1.0 / a)
    user_cost = tech.interest + tech.depreciation
    ward = ward_membership(value, user_cost * firms.capital * price_index, capital_elasticity=a)
    factor = np.where(firms.coop, ward, factor)
    target = np.maximum(labour * factor - theta * firms.robots, 0.0)
    firms.planned = np.where(firms.alive, target, 0.0)
    gap = np.clip((target - firms.workforce) / np.maximum(firms.workforce, 1.0), -1.0, 1.0)
    # the wage curve (Blanchflower and Oswald 1994): offers slide while people look for work
    pressure = gap - ent.wage_curve * unemployment
    firms.wage = np.maximum(firms.wage * (1.0 + tech.wage_adjustment * pressure), 1e-6)
    firms.vacancy = np.where(firms.alive, np.maximum(target - firms.workforce, 0.0), 0.0)
    surplus = np.divide(
        firms.workforce - target,
        firms.workforce,
        out=np.zeros(firms.slots),
        where=firms.workforce > 0,
    )
    firms.fire_rate = np.where(firms.coop, 0.0, ent.fire_speed * np.clip(surplus, 0.0, 1.0))
    # return per unit of money spent: capital adds MPK; a robot adds theta efficiency units,
    # each worth the marginal revenue product of labour
    capital_return = np.divide(
        a * value, firms.capital * price_index, out=np.zeros(firms.slots), where=firms.capital > 0
    )
    robot_return = theta * mrpl / (tech.robot_price * price_index)
    robots = robot_return > capital_return
    firms.invest_robots = robots
    wants = firms.alive & (np.maximum(robot_return, capital_return) > user_cost)
    firms.wants_invest = wants


#: Bound on how far one step's plan may scale labour (about what the firms' ratio clip of 4
#: allows at a capital elasticity of 1/3; the step itself is bounded by the wage rule).
MAX_LABOUR_FACTOR = 64.0


def ward_membership(
    revenue: FloatArray, capital_cost: FloatArray, *, capital_elasticity: float
) -> FloatArray:
    """How much a labour-managed firm wants to scale its labour: Ward's (1958) rule.

    A co-op maximises income per member ``(V(L) - R) / L``, where ``V`` is its revenue and ``R``
    the user cost of its capital (interest plus depreciation, a cost that does not depend on
    membership). With ``V`` proportional to ``L^(1 - a)`` the optimum is where ``a V = R``, so
    labour should scale by ``(R / (a V)) ^ (1 / (1 - a))``. A higher price raises ``V`` at the
    current membership and so *lowers* the wanted membership and output: the labour-managed
    firm's backward-bending short-run supply (Ward 1958, Domar 1966).
    """
    a = capital_elasticity
    want = np.divide(
        capital_cost,
        a * revenue,
        out=np.full(revenue.shape, MAX_LABOUR_FACTOR),
        where=revenue > 0,
    )
    return np.asarray(np.clip(want ** (1.0 / (1.0 - a)), 0.0, MAX_LABOUR_FACTOR), np.float64)


def invest(firms: Firms, bought_units: FloatArray, *, robot_price: float) -> None:
    """Turn basket units bought by each firm into robots or capital."""
    firms.robots += np.where(firms.invest_robots, bought_units / robot_price, 0.0)
    firms.capital += np.where(firms.invest_robots, 0.0, bought_units)
