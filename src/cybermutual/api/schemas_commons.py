"""Request and response bodies of the commons: assets, allocation rounds, bids, shares, usage."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StrictInt, model_validator

from cybermutual.api.schemas import Strict
from cybermutual.domain.commons.assets import refuse_forbidden_fields


class NotForSale(Strict):
    """A body that would price an asset or hand it to someone is refused as such, not as a typo."""

    @model_validator(mode="before")
    @classmethod
    def _commons_not_for_sale(cls, data: Any) -> Any:
        if isinstance(data, dict):
            refuse_forbidden_fields(str(k) for k in data)
        return data


class AssetCreate(NotForSale):
    name: str = Field(max_length=120, examples=["Wood lathe"])
    category: str = Field(max_length=60, examples=["woodworking"])
    capacity: StrictInt = Field(ge=1, le=1_000_000, description="whole units per period")
    unit: str = Field(max_length=60, examples=["hours"])
    location: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=2000)
    output_categories: list[str] = Field(
        default_factory=list, max_length=20, description="what it helps make; empty: anything"
    )


class AssetUpdate(NotForSale):
    name: str | None = Field(default=None, max_length=120)
    capacity: StrictInt | None = Field(default=None, ge=1, le=1_000_000)
    location: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    output_categories: list[str] | None = Field(default=None, max_length=20)
    status: Literal["available", "maintenance", "retired"] | None = None


class AssetPublic(BaseModel):
    id: str
    name: str
    category: str
    capacity: int
    unit: str
    location: str
    description: str
    output_categories: list[str]
    status: str
    owner: Literal["collective"] = "collective"
    contributed_by: str | None
    contributed_by_name: str | None = Field(default=None, description="display name")
    contributed_at: datetime


class RoundCreate(Strict):
    period_start: AwareDatetime
    period_end: AwareDatetime
    bids_close_at: AwareDatetime
    token_budget: StrictInt = Field(
        default=100, ge=1, le=1_000_000, description="tokens per member; not currency"
    )


class PassPublic(BaseModel):
    pass_no: int
    prices: dict[str, float] = Field(description="tokens per unit, by asset id")
    summary: dict[str, Any] = Field(
        description="the pass's figures: equilibrium_gap (the solver's gap, not envy) and "
        "equilibrium_gap_tolerance, iterations, converged, nash_welfare; on the whole units "
        "handed out: bundle_envy, bundle_envy_relative, envious_pairs, most_envious, ef1, "
        "ef1_violations, welfare_whole_units, utilitarian_welfare_whole_units, "
        "welfare_given_up, welfare_given_up_share; lottery {seed, pass, generator, "
        "capacities}; budgets {rule, productivity_weight, token_budget, description, "
        "min_tokens, max_tokens}"
    )
    computed_at: datetime


class RoundPublic(BaseModel):
    id: str
    period_start: datetime
    period_end: datetime
    bids_close_at: datetime
    token_budget: int
    status: str
    passes: int
    opened_by: str
    opened_at: datetime
    computed_by: str | None
    computed_at: datetime | None
    published_by: str | None
    published_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    cancelled_by: str | None = None
    cancelled_at: datetime | None = None
    lottery_seed: str | None = Field(
        default=None,
        description="seed of the lottery that rounds shares to whole units (a decimal "
        "integer, drawn once when the round is first computed); pass p draws from "
        "numpy.random.default_rng(numpy.random.SeedSequence([seed, p]))",
    )


class LotteryPassPublic(BaseModel):
    pass_no: int
    seed: str | None
    checked: bool = Field(description="false for a pass stored before seeds were kept")
    shares: int
    matches: bool = Field(description="the published seed re-draws exactly the stored units")
    differing: list[str] = Field(description="ids of shares the re-draw does not reproduce")


class LotteryCheckPublic(BaseModel):
    round_id: str
    lottery_seed: str | None
    generator: str
    passes: list[LotteryPassPublic]


class BidCreate(Strict):
    asset_id: str = Field(max_length=64)
    max_units: StrictInt = Field(ge=1, le=1_000_000)
    min_units: StrictInt = Field(default=0, ge=0, le=1_000_000)
    output_category: str | None = Field(default=None, max_length=60)
    listing_id: str | None = Field(default=None, max_length=64)
    enterprise: str | None = Field(
        default=None,
        max_length=64,
        description="bid for this enterprise (a role with the bid power there): from your own "
        "token budget, for a share the enterprise holds",
    )


class BidPublic(BaseModel):
    id: str
    round_id: str
    member_id: str
    member_name: str | None = Field(default=None, description="display name")
    asset_id: str
    max_units: int
    min_units: int
    output_category: str
    listing_id: str | None
    placed_at: datetime
    enterprise_id: str | None = Field(default=None, description="the enterprise bid for")
    enterprise_name: str | None = None


class AllocationPublic(BaseModel):
    id: str
    member_id: str
    member_name: str | None = Field(default=None, description="display name")
    asset_id: str
    asset_name: str
    unit: str
    bid_id: str | None
    units: int
    pass_no: int
    price_per_unit: float = Field(description="tokens, never currency")
    value_per_unit: float
    declined: bool
    declined_at: datetime | None
    explanation: dict[str, Any]
    enterprise_id: str | None = Field(
        default=None, description="the enterprise holding the share (its member bid for it)"
    )
    enterprise_name: str | None = None


class AllocationsPublic(BaseModel):
    round: RoundPublic
    passes: list[PassPublic]
    allocations: list[AllocationPublic]


class UsageCreate(Strict):
    asset_id: str = Field(max_length=64)
    units: StrictInt = Field(ge=1, le=1_000_000)
    output_category: str = Field(max_length=60)
    round_id: str | None = Field(default=None, max_length=64)
    sales: list[str] = Field(
        default_factory=list, max_length=100, description="ids of payments you received for it"
    )
    note: str = Field(default="", max_length=500)
    enterprise: str | None = Field(
        default=None,
        max_length=64,
        description="use of this enterprise's share (a role there); sales are payments its "
        "account received",
    )


class SalePublic(BaseModel):
    transfer_id: str
    amount: int


class UsagePublic(BaseModel):
    id: str
    member_id: str
    member_name: str | None = Field(default=None, description="display name")
    asset_id: str
    round_id: str | None
    units: int
    output_category: str
    sales: list[SalePublic]
    sales_value: int
    note: str
    logged_at: datetime
    enterprise_id: str | None = None
