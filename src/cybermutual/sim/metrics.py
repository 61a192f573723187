"""What the simulator measures each step, and the table that holds it.

Definitions (also in docs/simulator.md):

- consumption: real units of the consumption basket bought, plus free services received;
- gini_income: Gini of this step's incomes;
- gini_wealth: Gini of net worth = balance + credit limit (what a member can spend: under mutual
  credit balances start at 0 and sum to 0, so a Gini of raw balances means nothing) + the equity
  of the enterprises a person owns (capital, robots and cash of a traditional firm to its owner; a
  co-op's split equally among its worker-owners). The commons belongs to nobody individually and
  is not counted;
- unemployment: share of people with no labour income this step;
- wage_share: wages and self-employed earnings over the value of sales;
- worker_income_share: the same plus profit shares paid to workers (co-ops, employee equity);
- automation_share: robots' share of the efficiency units of labour used in production;
- output: units sold, summed over sectors at base prices;
- coop_share: share of the employed who work in co-operatives;
- capital_per_head, robots_per_head: capital units and robots per person, held by the commons or
  by living firms (the stock a regime builds or runs down; every regime starts with the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from cybermutual.sim.agents import sum_by
from cybermutual.sim.inequality import gini, median

if TYPE_CHECKING:
    from cybermutual.sim.economy import Economy

BASE_COLUMNS = (
    "step",
    "mean_consumption",
    "median_consumption",
    "gini_income",
    "gini_wealth",
    "unemployment",
    "wage_share",
    "worker_income_share",
    "automation_share",
    "output",
    "coop_share",
    "commons_fund",
    "price_index",
    "firms",
    "largest_firm",
    "capital_per_head",
    "robots_per_head",
)
#: The metrics ``compare`` and ``policy_impact`` summarise.
HEADLINE = (
    "mean_consumption",
    "median_consumption",
    "gini_income",
    "gini_wealth",
    "unemployment",
    "wage_share",
    "automation_share",
    "output",
    "coop_share",
    "capital_per_head",
)


@dataclass(frozen=True, slots=True)
class StepFlows:
    """Aggregates of one step that the metrics need and the state does not keep."""

    sales: float
    labour_income: float
    worker_profit: float
    output: float
    labour_units: float
    robot_units: float
    price_index: float
    commons_fund: float


def measure(economy: Economy, flows: StepFlows) -> dict[str, float]:
    """One row of metrics for the step that has just ended."""
    a, f = economy.agents, economy.firms
    n = a.size
    employed = a.employer >= 0
    in_coop = employed & f.coop[np.where(employed, a.employer, 0)]
    working = int(np.count_nonzero(a.labour_income > 0))
    sizes = np.bincount(a.employer[employed], minlength=f.slots)[f.alive]
    sales = flows.sales if flows.sales > 0 else np.nan
    inputs = flows.labour_units + flows.robot_units
    capital, robots = economy.capital_stock()
    row: dict[str, float] = {
        "step": float(economy.t),
        "mean_consumption": float(a.consumption.mean()),
        "median_consumption": median(a.consumption),
        "gini_income": gini(a.income),
        "gini_wealth": gini(net_worth(economy, flows.price_index)),
        "unemployment": 1.0 - working / n,
        "wage_share": flows.labour_income / sales,
        "worker_income_share": (flows.labour_income + flows.worker_profit) / sales,
        "automation_share": flows.robot_units / inputs if inputs > 0 else 0.0,
        "output": flows.output,
        "coop_share": float(in_coop.sum()) / max(int(employed.sum()), 1),
        "commons_fund": flows.commons_fund,
        "price_index": flows.price_index,
        "firms": float(f.alive.sum()),
        "largest_firm": float(sizes.max()) if sizes.size else 0.0,
        "capital_per_head": capital / n,
        "robots_per_head": robots / n,
    }
    heads = np.bincount(a.collective, minlength=economy.scenario.population.collectives)
    for c, size in enumerate(heads):
        row[f"collective_{c}_size"] = float(size)
    return row


def net_worth(economy: Economy, price_index: float) -> npt.NDArray[np.float64]:
    """Balance + credit limit + equity in owned enterprises, per person."""
    a, f = economy.agents, economy.firms
    tech = economy.scenario.technology
    worth = a.wealth + economy.scenario.policy.credit_limit
    if not f.alive.any():
        return worth
    equity = np.where(
        f.alive, price_index * (f.capital + tech.robot_price * f.robots) + f.cash, 0.0
    )
    employed = a.employer >= 0
    firm_of = np.where(employed, a.employer, 0)
    heads = sum_by(firm_of, employed.astype(np.float64), f.slots)
    shared = f.coop & (heads > 0)
    per_head = np.divide(equity, heads, out=np.zeros(f.slots), where=shared)
    worth = worth + np.where(employed, per_head[firm_of], 0.0)
    return worth + sum_by(f.owner, np.where(shared, 0.0, equity), a.size)


class MetricsTable:
    """Rows of metrics, one per step, kept as columns of floats."""

    def __init__(self) -> None:
        self.columns: dict[str, list[float]] = {}

    def append(self, row: dict[str, float]) -> None:
        """Add one step's row (every row has the same keys)."""
        for key, value in row.items():
            self.columns.setdefault(key, []).append(value)

    def __len__(self) -> int:
        return len(self.columns.get("step", []))

    def column(self, name: str) -> npt.NDArray[np.float64]:
        """The values of one metric over the steps."""
        return np.asarray(self.columns[name], dtype=np.float64)

    def to_arrow(self) -> pa.Table:
        """The table as a pyarrow Table (``step`` as int64, the rest float64)."""
        data = {
            k: pa.array(v, type=pa.int64() if k == "step" else pa.float64())
            for k, v in self.columns.items()
        }
        if "step" in data:
            data["step"] = pa.array([int(x) for x in self.columns["step"]], type=pa.int64())
        return pa.table(data)

    def equals(self, other: MetricsTable) -> bool:
        """Bit-for-bit equality of every value (NaN equals NaN)."""
        if self.columns.keys() != other.columns.keys():
            return False
        return all(
            np.array_equal(self.column(k), other.column(k), equal_nan=True) for k in self.columns
        )
