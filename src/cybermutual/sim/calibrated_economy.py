"""A real collective in the simulator: its members, their money habits, its assets, its fund.

:class:`CalibratedEconomy` is the cybermutualist :class:`~cybermutual.sim.economy.Economy` with
what the platform observes put in place of the generic model's guesses (docs/simulator.md,
"Policy impact"):

- every agent is a copy of a real member: their balance, their credit limit, and a skill scaled
  so that what they earn is in proportion to what they sold;
- the velocity of money is calibrated, not assumed: each member spends a share ``mpc_income`` of
  last week's income (drawn from its prior) plus a share ``mpc_wealth[i]`` of their spendable
  balance chosen so that, at their observed balance and income, they spend what they were seen
  to sell (on average members buy what they sell; the levy they pay is what the fund takes out
  of circulation, as the ledger shows). So the calibrated economy starts at the collective's
  observed turnover and velocity (turnover over spendable balances), and its money drains into
  the fund at the rate the ledger shows, not at a rate the model assumes;
- the commons fund pays out only what the platform lets it pay: funded public services (claims,
  up to each budget, while the fund has the money) and nothing else. It never buys capital
  (``commons_investment`` is 0); basic income is issued by the ``issuance`` account, as on the
  platform;
- the collective's assets are part of its capital, in the categories they serve; members' own
  tools, which the platform does not see, are the rest. Nothing depreciates: the estimate does not
  guess the wear of assets the platform cannot replace;
- sector productivities are scaled so that the economy starts at its own prices (an index of 1)
  rather than drifting from the generic model's scale.

The uncertain behavioural parameters are drawn from the stated :data:`PRIORS`, one draw per seed,
so an estimate's spread over seeds includes what we do not know about them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from cybermutual.sim.economy import Economy
from cybermutual.sim.scenario import PolicySettings, Scenario

FloatArray = npt.NDArray[np.float64]

#: The lowest share of their spendable balance a member spends per week (a member who sold
#: nothing still spends down a positive balance, slowly).
MPC_WEALTH_FLOOR = 1e-4
#: A member who sold nothing still has this share of the mean member's skill.
SKILL_FLOOR = 0.05


@dataclass(frozen=True, slots=True)
class Prior:
    """A uniform prior on one behavioural parameter, and what it means."""

    name: str
    low: float
    high: float
    meaning: str

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "name": self.name,
            "distribution": "uniform",
            "low": self.low,
            "high": self.high,
            "meaning": self.meaning,
        }


#: What the platform cannot observe, drawn anew for every seed (docs/simulator.md).
PRIORS: tuple[Prior, ...] = (
    Prior(
        "mpc_income",
        0.5,
        0.9,
        "share of last week's income a member spends (the rest of spending comes from the "
        "balance, calibrated so observed balances are held)",
    ),
    Prior(
        "price_adjustment",
        0.03,
        0.2,
        "how fast prices follow excess demand, per week",
    ),
    Prior(
        "search_rate",
        0.01,
        0.1,
        "share of members who look each week for a better-paid category to work in",
    ),
    Prior(
        "skill_sigma",
        0.2,
        0.8,
        "log-normal spread of a member's skill between categories (how costly switching is)",
    ),
    Prior(
        "capital_elasticity",
        0.15,
        0.45,
        "how much output depends on capital (the commons' assets and members' own tools)",
    ),
)


def draw_parameters(rng: np.random.Generator) -> dict[str, float]:
    """One draw of every prior, in :data:`PRIORS` order."""
    return {p.name: float(rng.uniform(p.low, p.high)) for p in PRIORS}


def with_parameters(scenario: Scenario, parameters: Mapping[str, float]) -> Scenario:
    """``scenario`` with one draw of the priors in place."""
    population = replace(
        scenario.population,
        mpc_income=parameters["mpc_income"],
        search_rate=parameters["search_rate"],
        skill_sigma=parameters["skill_sigma"],
    )
    technology = replace(
        scenario.technology,
        price_adjustment=parameters["price_adjustment"],
        capital_elasticity=parameters["capital_elasticity"],
    )
    return replace(scenario, population=population, technology=technology)


@dataclass(frozen=True, slots=True)
class Members:
    """The real members, in simulated currency units (one unit: mean weekly sales per member)."""

    balances: tuple[float, ...]
    credit_limits: tuple[float, ...]
    sales: tuple[float, ...]  # each member's sales per week
    commons_fund: float  # the fund of the real collective
    asset_weights: Mapping[str, float]  # the commons' assets by the category they serve
    commons_share: float  # share of sales made with the commons' assets (usage log)


class CalibratedEconomy(Economy):
    """The economy of one real collective; see the module docstring."""

    def __init__(
        self,
        scenario: Scenario,
        members: Members,
        *,
        agents: int,
        rng: np.random.Generator,
    ) -> None:
        super().__init__(scenario, agents=agents, rng=rng)
        count = len(members.balances)
        who = np.arange(agents) % count
        self.members = members
        self.member_of = who
        self.turnover = 0.0
        levy = float(scenario.policy.levy_rate)
        sales = np.asarray(members.sales, dtype=np.float64)[who]
        if not sales.size or sales.sum() <= 0:
            sales = np.ones(agents)
        relative = np.maximum(sales / sales.mean(), SKILL_FLOOR)
        self._set_skills(relative)
        self._place_assets(members)
        self.limits = np.asarray(members.credit_limits, dtype=np.float64)[who]
        self.set_balances(
            np.asarray(members.balances, dtype=np.float64), commons_fund=self._fund(members)
        )
        income = sales * (1.0 - levy) + scenario.policy.basic_income
        spending = sales + scenario.policy.basic_income  # what members were seen to trade
        room = self.agents.wealth + self.limits
        mpc = scenario.population.mpc_income
        self.mpc_wealth = np.clip(
            np.divide(spending - mpc * income, room, out=np.ones(agents), where=room > 0),
            MPC_WEALTH_FLOOR,
            1.0,
        )
        self.agents.income[:] = income
        self._start_at_own_prices(float(sales.sum()))

    def _fund(self, members: Members) -> float:
        return members.commons_fund * self.agents.size / len(members.balances)

    def _set_skills(self, relative: FloatArray) -> None:
        """Skills in the current category proportional to what each member sold."""
        a = self.agents
        alpha = self.scenario.technology.capital_elasticity
        target = relative ** (1.0 / (1.0 - alpha))
        scale = target / np.maximum(a.efficiency, 1e-12)
        a.skill *= scale[:, None]
        a.refresh_efficiency()

    def _place_assets(self, members: Members) -> None:
        """A ``commons_share`` of the capital is the collective's assets, where they serve."""
        names = [s.name for s in self.scenario.sectors]
        weights = np.array([members.asset_weights.get(n, 0.0) for n in names], np.float64)
        share = members.commons_share if weights.sum() > 0 else 0.0
        if share <= 0:
            return
        own = self.commons_capital * (1.0 - share)
        total = float(self.commons_capital.sum())
        self.commons_capital = own + share * total * (weights / weights.sum())[None, :]

    def _start_at_own_prices(self, spending: float) -> None:
        """Scale each sector's productivity so its output is worth its demand at price 1."""
        _, supply, _ = self._produce_in_commons()
        wanted = self.shares * spending
        self.productivity = np.divide(
            self.productivity * wanted, supply, out=self.productivity.copy(), where=supply > 0
        )
        self._bids = None

    def restore(self) -> None:
        """Put the members' balances and the fund back to what was observed (after a burn-in)."""
        self.set_balances(
            np.asarray(self.members.balances, dtype=np.float64),
            commons_fund=self._fund(self.members),
        )

    def apply(self, policy: PolicySettings, *, credit_limits: Sequence[float]) -> None:
        """Change the collective's policy (and each member's credit limit) from the next step."""
        self.limits = np.asarray(credit_limits, dtype=np.float64)[self.member_of]
        self.scenario = replace(self.scenario, policy=policy)
        budget = policy.services_share > 0 or policy.services_budget > 0
        self.service = self.scenario.sector_index(policy.service_sector) if budget else -1

    def burn_in(self, weeks: int, *, on_step: Callable[[], None] | None = None) -> None:
        """Let prices, the commons' allocation and incomes settle at the observed balances.

        The balances and the fund are put back every week: what the current policy does to the
        money stock from now on is the baseline's to show, not the burn-in's.
        """
        for _ in range(weeks):
            self.step()
            self.restore()
            if on_step is not None:
                on_step()

    def _spending(self) -> FloatArray:
        """Calibrated spending, up to the spendable balance plus last week's income.

        Members earn and spend through the week; the simulator books a week's purchases before
        its sales, so the week's income counts as spendable (the ledger's per-payment limit
        check is finer than a weekly step).
        """
        a = self.agents
        room = np.maximum(a.wealth + self.limits, 0.0)
        mpc = self.scenario.population.mpc_income
        wanted = mpc * a.income + self.mpc_wealth * room
        return np.asarray(np.minimum(wanted, room + np.maximum(a.income, 0.0)), np.float64)

    def _plan_commons(self, revenue: FloatArray, seller_fill: FloatArray) -> None:
        self.turnover = float(revenue.sum())
        super()._plan_commons(revenue, seller_fill)

    def step(self) -> dict[str, float]:
        """One week, with the week's turnover (every sale, to members and to the fund)."""
        row = super().step()
        row["turnover"] = self.turnover
        return row

    def balances(self) -> FloatArray:
        """Every agent's balance now (currency units)."""
        return np.asarray(self.agents.wealth, dtype=np.float64).copy()


def ks_distance(a: Sequence[float] | FloatArray, b: Sequence[float] | FloatArray) -> float:
    """The two-sample Kolmogorov-Smirnov distance: the largest gap between the two CDFs."""
    x, y = np.sort(np.asarray(a, np.float64)), np.sort(np.asarray(b, np.float64))
    if not x.size or not y.size:
        return 0.0
    grid = np.concatenate([x, y])
    gap = np.searchsorted(x, grid, side="right") / x.size
    gap -= np.searchsorted(y, grid, side="right") / y.size
    return float(np.abs(gap).max())
