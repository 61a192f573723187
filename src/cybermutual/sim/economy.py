"""The economy: one ``step()`` advances every agent at once, in any of the three regimes.

A step: basic income is issued; everyone produces (in the commons with the facilitator's share of
the collective's assets, or in firms); consumers, investors and the commons fund spend; every
sector clears and its price moves with excess demand; sellers pay the levy to the commons fund;
firms pay wages and profits (or members keep their sales); firms and collectives plan investment;
people move between jobs, sectors and collectives. The rng is passed in and is the only source of
randomness, so one seed reproduces one run exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from cybermutual.sim import firms as firm_rules
from cybermutual.sim import labour
from cybermutual.sim.agents import draw_population, sum_by
from cybermutual.sim.commons import CommonsMarket, commons_market, proportional_response
from cybermutual.sim.market import adjust_prices, clear, levy_on
from cybermutual.sim.metrics import MetricsTable, StepFlows, measure
from cybermutual.sim.scenario import Scenario

FloatArray = npt.NDArray[np.float64]


class Economy:
    """The state of one simulated economy and the rule that advances it."""

    def __init__(
        self, scenario: Scenario, *, agents: int | None = None, rng: np.random.Generator
    ) -> None:
        population_rng, self.rng = rng.spawn(2)
        self.scenario = scenario
        n = scenario.population.agents if agents is None else agents
        if n <= 0:
            raise ValueError("the number of agents must be positive")
        self.agents, first = draw_population(scenario, n, population_rng)
        sectors = scenario.sectors
        self.shares = np.array([s.share for s in sectors], dtype=np.float64)
        self.shares /= self.shares.sum()
        self.productivity = np.array([s.productivity for s in sectors], dtype=np.float64)
        self.general_use = np.array([s.general_use for s in sectors], dtype=np.float64)
        self.prices = np.ones(len(sectors), dtype=np.float64)
        self.commons_based = scenario.regime == "cybermutualism"
        self.collectives = scenario.population.collectives if self.commons_based else 1
        if not self.commons_based:
            self.agents.collective[:] = 0
        self.fund = np.zeros(self.collectives, dtype=np.float64)
        self.issuance = 0.0
        self.service = (
            scenario.sector_index(scenario.policy.service_sector)
            if scenario.policy.services_share > 0 or scenario.policy.services_budget > 0
            else -1
        )
        self.t = 0
        tech = scenario.technology
        self.firms = firm_rules.start_firms(first, scenario, self.agents, self.prices)
        # last period's income, for the first spending decision: what a worker with the average
        # capital would produce, the same guess in every regime
        a = self.agents
        a.income = (
            self.productivity[a.sector]
            * tech.starting_capital_per_worker**tech.capital_elasticity
            * a.efficiency ** (1 - tech.capital_elasticity)
        )
        if self.commons_based:
            self.agents.employer[:] = -1
            self.firms.alive[:] = False
            members = np.zeros((self.collectives, len(sectors)))
            np.add.at(members, (self.agents.collective, self.agents.sector), 1.0)
            self.commons_capital = tech.capital_per_worker * members
            self.commons_general = tech.general_capital_per_worker * members.sum(axis=1)
        else:
            self.commons_capital = np.zeros((self.collectives, len(sectors)))
            self.commons_general = np.zeros(self.collectives)
        self.commons_robots = np.zeros_like(self.commons_capital)
        self.commons_automate = np.zeros(self.collectives, dtype=np.bool_)
        self._bids: FloatArray | None = None
        self._unit_output = np.zeros(n)
        self._mean_consumption = np.zeros(self.collectives)
        self._revenue_per_unit = self.prices * self.productivity
        heads = np.bincount(self.agents.collective, minlength=self.collectives)
        self._fund_weight = heads / max(float(heads.sum()), 1.0)
        self._sector_revenue = np.ones((self.collectives, 1)) * self.shares[None, :]

    def set_balances(self, balances: FloatArray, *, commons_fund: float = 0.0) -> None:
        """Start from real balances (repeated to fill the population) and a commons fund.

        Whatever the other accounts of the real collective held is booked to ``issuance`` so
        the sum of all balances stays 0.
        """
        if balances.size:
            self.agents.wealth = np.resize(balances.astype(np.float64), self.agents.size)
        self.fund[:] = commons_fund * self._fund_weight
        self.issuance = -float(self.agents.wealth.sum() + self.fund.sum() + self.firms.cash.sum())

    @property
    def theta(self) -> float:
        """Efficiency units of labour one robot supplies at the current step."""
        tech = self.scenario.technology
        return tech.robot_productivity * (1.0 + tech.robot_progress) ** self.t

    def capital_stock(self) -> tuple[float, float]:
        """Capital units and robots held by the commons and by living firms."""
        f = self.firms
        capital = self.commons_capital.sum() + self.commons_general.sum() + f.capital[f.alive].sum()
        robots = self.commons_robots.sum() + f.robots[f.alive].sum()
        return float(capital), float(robots)

    def total_money(self) -> float:
        """Sum of every balance: members, firms, commons funds and issuance (0 when closed)."""
        return float(
            self.agents.wealth.sum() + self.firms.cash.sum() + self.fund.sum() + self.issuance
        )

    def commons_market(self) -> CommonsMarket:
        """This step's aggregated Fisher market over every collective's commons."""
        a = self.agents
        return commons_market(
            a.collective,
            a.sector,
            a.efficiency,
            revenue_per_unit=self._revenue_per_unit,
            general_use=self.general_use,
            capital=self.commons_capital,
            general_capital=self.commons_general,
            spread=max(self.scenario.population.skill_sigma, 0.05),
        )

    def _produce_in_commons(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """The facilitator shares out each collective's assets; members produce with them."""
        a, s_count = self.agents, self.prices.size
        market = self.commons_market()
        group, heads, g_count = market.group, market.budgets, market.budgets.size
        g = np.arange(g_count)
        g_c, g_s = market.group_collective, market.group_sector
        own, general = g_c * (s_count + 1) + g_s, g_c * (s_count + 1) + s_count
        eq = proportional_response(
            market.values,
            heads,
            market.capacity,
            bids=self._bids,
            tolerance=1e-5,
            max_iterations=200,
        )
        self._bids = eq.bids
        own_units = eq.allocation[g, own]
        per_head = np.divide(
            own_units + eq.allocation[g, general], heads, out=np.zeros(g_count), where=heads > 0
        )
        cap = self.commons_capital[g_c, g_s]
        robots = np.divide(
            self.commons_robots[g_c, g_s] * own_units,
            cap * heads,
            out=np.zeros(g_count),
            where=(cap > 0) & (heads > 0),
        )
        alpha = self.scenario.technology.capital_elasticity
        labour_in = a.efficiency + self.theta * robots[group]
        output = self.productivity[a.sector] * per_head[group] ** alpha * labour_in ** (1 - alpha)
        supply = sum_by(a.sector, output, s_count)
        robot_units = float((self.theta * robots * heads).sum())
        return output, supply, np.array([float(a.efficiency.sum()), robot_units])

    def _spending(self) -> FloatArray:
        a, policy = self.agents, self.scenario.policy
        pop = self.scenario.population
        room = np.maximum(a.wealth + policy.credit_limit, 0.0)
        return np.minimum(pop.mpc_income * a.income + pop.mpc_wealth * room, room)

    def step(self) -> dict[str, float]:
        """Advance every agent by one step and return that step's metrics."""
        a, sc = self.agents, self.scenario
        policy, tech = sc.policy, sc.technology
        n = a.size
        theta = self.theta
        spend = self._spending()
        a.income[:] = policy.basic_income
        a.labour_income[:] = 0.0
        if policy.basic_income > 0:
            a.wealth += policy.basic_income
            self.issuance -= policy.basic_income * n
        if self.commons_based:
            unit_output, supply, inputs = self._produce_in_commons()
        else:
            firm_output = firm_rules.produce(
                self.firms,
                a,
                sector_productivity=self.productivity,
                capital_elasticity=tech.capital_elasticity,
                theta=theta,
            )
            supply = sum_by(self.firms.sector, firm_output, self.prices.size)
            inputs = np.array(
                [
                    float(self.firms.workforce.sum()),
                    float((theta * self.firms.robots * self.firms.alive).sum()),
                ]
            )
        open_fund = np.maximum(self.fund, 0.0)
        services = np.minimum(
            policy.services_share * open_fund + policy.services_budget * self._fund_weight,
            open_fund,
        )
        if self.service < 0:
            services = 0.0 * open_fund
        if self.commons_based:
            investing = policy.commons_investment * np.maximum(open_fund - services, 0.0)
        else:
            investing = self.firms.invest_plan
        sector_spending = self.shares * (spend.sum() + investing.sum())
        if self.service >= 0:
            sector_spending[self.service] += services.sum()
        clearing = clear(supply, sector_spending, self.prices)
        money_fill = float(self.shares @ clearing.buyer_fill)
        real_fill = float(self.shares @ (clearing.buyer_fill / self.prices))
        a.wealth -= spend * money_fill
        public_units = np.zeros(self.collectives)
        if self.service >= 0:
            fill = clearing.buyer_fill[self.service]
            self.fund -= services * fill
            heads = np.bincount(a.collective, minlength=self.collectives)
            public_units = np.divide(
                services * fill / self.prices[self.service],
                heads,
                out=np.zeros(self.collectives),
                where=heads > 0,
            )
        a.consumption = spend * real_fill + public_units[a.collective]
        bought = investing * real_fill
        rate = policy.levy_rate
        if self.commons_based:
            self.fund -= investing * money_fill
            self._invest_commons(bought)
            revenue = unit_output * (self.prices * clearing.seller_fill)[a.sector]
            levy = levy_on(revenue, rate)
            self.fund += sum_by(a.collective, levy, self.collectives)
            earned = revenue - levy
            a.wealth += earned
            a.income += earned
            a.labour_income += earned
            labour_paid, worker_profit = float(earned.sum()), 0.0
            self._plan_commons(revenue, clearing.seller_fill)
        else:
            f = self.firms
            f.cash -= investing * money_fill
            firm_rules.invest(f, bought, robot_price=tech.robot_price)
            revenue = f.output * (self.prices * clearing.seller_fill)[f.sector]
            levy = levy_on(revenue, rate)
            self.fund[0] += float(levy.sum())
            paid = firm_rules.pay_out(
                f,
                a,
                revenue - levy,
                investment_rate=tech.investment_rate,
                employee_equity=sc.enterprises.employee_equity,
            )
            labour_paid, worker_profit = paid.wages, paid.worker_profit
        sales = float((self.prices * clearing.sold).sum())
        price_index = float(self.shares @ self.prices)
        self.prices = adjust_prices(self.prices, clearing, supply, speed=tech.price_adjustment)
        self._depreciate()
        if not self.commons_based:
            self._move_in_firms(clearing.seller_fill, price_index, theta)
        else:
            self._move_in_commons()
        flows = StepFlows(
            sales=sales,
            labour_income=labour_paid,
            worker_profit=worker_profit,
            output=float(clearing.sold.sum()),
            labour_units=float(inputs[0]),
            robot_units=float(inputs[1]),
            price_index=price_index,
            commons_fund=float(self.fund.sum()),
        )
        self.t += 1
        return measure(self, flows)

    def _depreciate(self) -> None:
        keep = 1.0 - self.scenario.technology.depreciation
        self.firms.capital *= keep
        self.firms.robots *= keep
        self.commons_capital *= keep
        self.commons_general *= keep
        self.commons_robots *= keep

    def _invest_commons(self, bought: FloatArray) -> None:
        """The commons fund's purchases become robots or capital of the collective."""
        tech = self.scenario.technology
        weight = self._sector_revenue / np.maximum(
            self._sector_revenue.sum(axis=1, keepdims=True), 1e-12
        )
        general_part = tech.general_capital_per_worker / (
            tech.capital_per_worker + tech.general_capital_per_worker
        )
        robots = self.commons_automate[:, None]
        self.commons_robots += np.where(robots, bought[:, None] * weight / tech.robot_price, 0.0)
        capital = np.where(self.commons_automate, 0.0, bought)
        self.commons_general += capital * general_part
        self.commons_capital += (capital * (1 - general_part))[:, None] * weight

    def _plan_commons(self, revenue: FloatArray, seller_fill: FloatArray) -> None:
        """Collectives buy robots when they return more per unit of money than capital."""
        a, tech = self.agents, self.scenario.technology
        s_count, c_count = self.prices.size, self.collectives
        key = a.collective * s_count + a.sector
        self._sector_revenue = sum_by(key, revenue, c_count * s_count).reshape(c_count, s_count)
        units = sum_by(a.sector, a.efficiency, s_count)
        self._revenue_per_unit = np.divide(
            self._sector_revenue.sum(axis=0),
            units,
            out=self.prices * self.productivity,
            where=units > 0,
        )
        earned = sum_by(a.collective, a.labour_income, c_count)
        worked = sum_by(a.collective, a.efficiency, c_count)
        per_unit = np.divide(earned, worked, out=np.zeros(c_count), where=worked > 0)
        price_index = float(self.shares @ self.prices)
        alpha = tech.capital_elasticity
        capital_value = (self.commons_capital.sum(axis=1) + self.commons_general) * price_index
        capital_return = np.divide(
            alpha * self._sector_revenue.sum(axis=1),
            capital_value,
            out=np.zeros(c_count),
            where=capital_value > 0,
        )
        robot_return = self.theta * per_unit / (tech.robot_price * price_index)
        self.commons_automate = robot_return > capital_return
        del seller_fill

    def _move_in_firms(self, seller_fill: FloatArray, price_index: float, theta: float) -> None:
        sc, f, a = self.scenario, self.firms, self.agents
        ent = sc.enterprises
        shock = min(ent.productivity_shock, ent.productivity_sigma)
        if shock > 0:
            # log productivity follows an AR(1) whose stationary spread is productivity_sigma, so
            # shocks reshuffle firms without growing the average (Hopenhayn 1992)
            keep = np.sqrt(1.0 - (shock / ent.productivity_sigma) ** 2)
            drift = -0.5 * ent.productivity_sigma**2
            log_z = np.log(f.productivity) - drift
            f.productivity = np.exp(
                drift + keep * log_z + shock * self.rng.standard_normal(f.slots)
            )
        firm_rules.plan_firms(
            f,
            prices=self.prices,
            seller_fill=seller_fill,
            theta=theta,
            scenario=sc,
            price_index=price_index,
            unemployment=float(np.mean(a.employer < 0)),
        )
        labour.lay_off(f, a, self.rng)
        labour.close_failed(f, a, credit_limit=sc.policy.credit_limit)
        labour.found_firms(
            f, a, self.rng, scenario=sc, prices=self.prices, sector_productivity=self.productivity
        )
        labour.search_jobs(f, a, self.rng, scenario=sc)

    def _move_in_commons(self) -> None:
        """Members switch to better-paid sectors and move to collectives that live better."""
        a, pop = self.agents, self.scenario.population
        n = a.size
        # the same search friction as job search in the firm regimes (labour.search_jobs): a
        # searcher hears of one other place, where a random acquaintance works (``referral``) or
        # at random, and moves only when it beats what they earn now by ``move_threshold``
        looking = np.flatnonzero(self.rng.random(n) < pop.search_rate)
        if looking.size:
            by_referral = self.rng.random(looking.size) < pop.referral
            acquaintance = self.rng.integers(0, n, size=looking.size)
            random_sector = self.rng.integers(0, self.prices.size, size=looking.size)
            candidate = np.where(by_referral, a.sector[acquaintance], random_sector)
            offer = a.skill[looking, candidate] * self._revenue_per_unit[candidate]
            now = a.efficiency[looking] * self._revenue_per_unit[a.sector[looking]]
            switch = (candidate != a.sector[looking]) & (offer > now * (1 + pop.move_threshold))
            movers = looking[switch]
            a.sector[movers] = candidate[switch]
            a.efficiency[movers] = a.skill[movers, candidate[switch]]
        heads = np.bincount(a.collective, minlength=self.collectives)
        eaten = sum_by(a.collective, a.consumption, self.collectives)
        self._mean_consumption = np.divide(
            eaten, heads, out=np.zeros(self.collectives), where=heads > 0
        )
        if self.collectives > 1:
            looking = np.flatnonzero(self.rng.random(n) < pop.search_rate)
            other = self.rng.integers(0, self.collectives, size=looking.size)
            here = a.collective[looking]
            richer = self._mean_consumption[here] * (1 + pop.move_threshold)
            better = (self._mean_consumption[other] > richer) & (heads[other] > 0)
            a.collective[looking[better]] = other[better]

    def run(self, steps: int, *, on_step: Callable[[], None] | None = None) -> MetricsTable:
        """Advance ``steps`` steps and return the metrics table (one row per step)."""
        table = MetricsTable()
        for _ in range(steps):
            table.append(self.step())
            if on_step is not None:
                on_step()
        return table
