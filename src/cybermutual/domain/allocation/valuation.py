"""What a unit of an asset is worth in a member's hands: ``v = productivity * demand``.

Productivity is the sales value a member produced per unit of the asset used, from the usage
log. A newcomer's few logged units say little, so the estimate is shrunk toward the collective
mean for that asset (empirical Bayes, Buhlmann credibility)::

    rate[i,a] = (sales[i,a] + k * mean[a]) / (units[i,a] + k),   own weight Z = units / (units + k)

with ``k = prior_units`` (default 10 units): after 10 logged units a member's own record and the
collective mean count equally; with none, the member is valued at the mean. ``mean[a]`` is the
pooled rate of everybody's use of the asset when that use has led to sales; otherwise (nobody
has used the asset, or its logged use has led to no sales yet) the pooled rate of every asset's
use, and ``default_rate`` when no use at all has led to sales. ``collective_basis`` on the
estimate says which (``"asset"``, ``"pooled"``, ``"default"``).

Why an asset used without sales falls back like an unused one: a mean of 0 is no prior at all.
Shrinking toward it values every newcomer's use at exactly 0 (and a bid worth 0 receives
nothing, however idle the asset), whereas logged use without sales mostly means the output was
not sold through the market (a kitchen cooking for the street, repairs done for free) or not
yet. So the asset's level is taken from the collective as a whole, and the members' own records
still count: a member with logged use and no sales is shrunk from that level toward 0 by their
own weight, below a newcomer. The price of the choice is a jump: the asset's first sale replaces
the pooled level by the asset's own (usually far lower) rate.

Demand is an index per output category, 1 for the average category in the round::

    index[c] = (open_requests[c] + recent_sales[c] + prior) / mean over categories of the same

(values in currency; ``prior`` keeps a category nobody has asked for yet above zero).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cybermutual.domain.errors import InvalidValue

DEFAULT_PRIOR_UNITS = 10.0
DEFAULT_DEMAND_PRIOR = 1.0


@dataclass(frozen=True, slots=True)
class UsageObservation:
    """A member used ``units`` of an asset and it led to ``sales_value`` of sales: what the
    valuation sees of a logged ``commons.UsageRecord`` (or of a simulated one)."""

    member: str
    asset: str
    units: float
    sales_value: float

    def __post_init__(self) -> None:
        if not self.units >= 0 or not self.sales_value >= 0:
            raise InvalidValue("usage units and sales value must not be negative")


@dataclass(frozen=True, slots=True)
class ProductivityEstimate:
    """The shrunk rate (sales value per unit) and how it was reached."""

    member: str
    asset: str
    rate: float
    own_rate: float | None
    collective_rate: float
    units_logged: float
    own_weight: float
    collective_basis: str = "asset"


@dataclass(frozen=True, slots=True)
class DemandSignal:
    """Currency value of open requests and of recent sales in an output category."""

    category: str
    open_requests: float
    recent_sales: float

    def __post_init__(self) -> None:
        if not self.open_requests >= 0 or not self.recent_sales >= 0:
            raise InvalidValue("demand signals must not be negative")


@dataclass(frozen=True, slots=True)
class DemandEstimate:
    """A category's demand index (1 = average) and the signals behind it."""

    category: str
    index: float
    open_requests: float
    recent_sales: float


@dataclass(frozen=True, slots=True)
class BidRequest:
    """What a member asks for: units of an asset, to produce in an output category."""

    member: str
    asset: str
    output: str
    max_units: float
    min_units: float = 0.0


@dataclass(frozen=True, slots=True)
class Valuation:
    """The value per unit the facilitator sees for one bid, with its two factors."""

    request: BidRequest
    value_per_unit: float
    productivity: ProductivityEstimate
    demand: DemandEstimate


def estimate_productivity(
    usage: Iterable[UsageObservation],
    pairs: Iterable[tuple[str, str]],
    *,
    prior_units: float = DEFAULT_PRIOR_UNITS,
    default_rate: float = 1.0,
) -> dict[tuple[str, str], ProductivityEstimate]:
    """Shrunk productivity for each ``(member, asset)`` pair asked about."""
    if not prior_units > 0 or not default_rate > 0:
        raise InvalidValue("prior_units and default_rate must be positive")
    units: dict[tuple[str, str], float] = defaultdict(float)
    sales: dict[tuple[str, str], float] = defaultdict(float)
    asset_units: dict[str, float] = defaultdict(float)
    asset_sales: dict[str, float] = defaultdict(float)
    for record in usage:
        units[record.member, record.asset] += record.units
        sales[record.member, record.asset] += record.sales_value
        asset_units[record.asset] += record.units
        asset_sales[record.asset] += record.sales_value
    total_units = sum(asset_units.values())
    total_sales = sum(asset_sales.values())
    pooled, pooled_basis = default_rate, "default"
    if total_units > 0 and total_sales > 0:
        pooled, pooled_basis = total_sales / total_units, "pooled"
    estimates: dict[tuple[str, str], ProductivityEstimate] = {}
    for member, asset in pairs:
        used = units.get((member, asset), 0.0)
        mean, basis = pooled, pooled_basis
        if asset_units.get(asset, 0.0) > 0 and asset_sales.get(asset, 0.0) > 0:
            mean, basis = asset_sales[asset] / asset_units[asset], "asset"
        sold = sales.get((member, asset), 0.0)
        estimates[member, asset] = ProductivityEstimate(
            member=member,
            asset=asset,
            rate=(sold + prior_units * mean) / (used + prior_units),
            own_rate=sold / used if used > 0 else None,
            collective_rate=mean,
            units_logged=used,
            own_weight=used / (used + prior_units),
            collective_basis=basis,
        )
    return estimates


def demand_index(
    signals: Iterable[DemandSignal],
    categories: Iterable[str],
    *,
    prior: float = DEFAULT_DEMAND_PRIOR,
) -> dict[str, DemandEstimate]:
    """Demand index per category asked about (signals of other categories are ignored)."""
    if not prior > 0:
        raise InvalidValue("the demand prior must be positive")
    requests: dict[str, float] = defaultdict(float)
    sold: dict[str, float] = defaultdict(float)
    for signal in signals:
        requests[signal.category] += signal.open_requests
        sold[signal.category] += signal.recent_sales
    wanted = list(dict.fromkeys(categories))
    raw = {c: requests.get(c, 0.0) + sold.get(c, 0.0) + prior for c in wanted}
    mean = sum(raw.values()) / len(raw) if raw else 1.0
    return {
        c: DemandEstimate(c, raw[c] / mean, requests.get(c, 0.0), sold.get(c, 0.0)) for c in wanted
    }


def value_bids(
    requests: Sequence[BidRequest],
    usage: Iterable[UsageObservation],
    signals: Iterable[DemandSignal],
    *,
    prior_units: float = DEFAULT_PRIOR_UNITS,
    demand_prior: float = DEFAULT_DEMAND_PRIOR,
    default_rate: float = 1.0,
) -> list[Valuation]:
    """``v = productivity * demand`` for every request, in order."""
    productivity = estimate_productivity(
        usage,
        [(r.member, r.asset) for r in requests],
        prior_units=prior_units,
        default_rate=default_rate,
    )
    demand = demand_index(signals, [r.output for r in requests], prior=demand_prior)
    return [_valuation(r, productivity, demand) for r in requests]


def _valuation(
    request: BidRequest,
    productivity: Mapping[tuple[str, str], ProductivityEstimate],
    demand: Mapping[str, DemandEstimate],
) -> Valuation:
    rate = productivity[request.member, request.asset]
    index = demand[request.output]
    return Valuation(request, rate.rate * index.index, rate, index)
