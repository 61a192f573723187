"""Request (``XCreate``) and response (``XPublic``) bodies, kept apart from domain values."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

T = TypeVar("T")


class Strict(BaseModel):
    """Request bodies refuse unknown fields."""

    model_config = ConfigDict(extra="forbid")


class PagePublic(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page")


class RegisterCreate(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    display_name: str = Field(max_length=200)


class MyMembershipPublic(BaseModel):
    collective: str = Field(description="the collective's slug")
    name: str = Field(description="the collective's name")
    status: str
    joined_at: datetime
    left_at: datetime | None


class PersonPublic(BaseModel):
    id: str
    email: str
    display_name: str
    memberships: list[MyMembershipPublic] = Field(
        default_factory=list, description="your collectives, any status (GET /me)"
    )


class TokenPublic(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"


class CurrencyCreate(Strict):
    code: str = Field(max_length=10, examples=["HRS"])
    name: str = Field(max_length=80, examples=["Hours"])
    decimals: StrictInt = Field(default=2, ge=0, le=6)


class CurrencyPublic(BaseModel):
    code: str
    name: str
    decimals: int


class CharterCreate(Strict):
    default_credit_limit: StrictInt = Field(default=0, description="minor units")
    admission: Literal["open", "approval"] = "open"
    levy_rate: str = Field(default="0", max_length=20, examples=["0.05"])
    capital_mode: Literal["commons", "private", "mixed"] = "commons"
    quorum: str = Field(
        default="0.2", max_length=10, description="share of eligible voters who must vote"
    )
    threshold: str = Field(
        default="0.5", max_length=10, description="passes when yes > threshold x (yes + no)"
    )
    supermajority: str = Field(
        default="0.6667", max_length=10, description="the threshold of amend_charter, expel_member"
    )
    approvals_needed: StrictInt = Field(default=1, description="approvals to admit a newcomer")
    claim_confirm_days: StrictInt = Field(
        default=7, description="a public-service claim confirms itself after this many days"
    )
    basic_income: StrictInt = Field(default=0, description="minor units per member and period")
    basic_income_period: Literal["week", "month"] = "month"
    text: str = Field(default="", max_length=20_000, description="the charter's own words")
    budget_rounds_open_to: Literal["members", "proposal"] = Field(
        default="proposal",
        description="who may open a participatory budget round: any active member, or only "
        "a passed open_budget_round proposal",
    )
    market_visibility: Literal["public", "members"] | None = Field(
        default=None,
        description="who may read the market (listings, tasks, reviews, reputations): "
        "'public' (anyone signed in) or 'members'; default 'members' when admission is "
        "'approval', else 'public'",
    )
    max_round_horizon_days: StrictInt = Field(
        default=90, ge=1, le=3660, description="how far ahead an allocation round may start"
    )
    allocation_budgets: Literal["equal", "productivity", "mix"] = Field(
        default="equal",
        description="the facilitator's token budgets: equal for every bidder, weighted by "
        "measured productivity (sales per unit of the commons used, from the usage log), "
        "or a mix of the two",
    )
    allocation_productivity_weight: str = Field(
        default="0",
        max_length=10,
        examples=["0.5"],
        description="for allocation_budgets 'mix': the weight of productivity, strictly "
        "between 0 and 1 (equal means 0, productivity means 1)",
    )
    credit_limit_rule: Literal["fixed", "turnover"] = Field(
        default="fixed",
        description="'fixed': limits change by vote only; 'turnover': reviewed every week to "
        "credit_limit_multiple x the member's sales over the last credit_limit_weeks, within "
        "[credit_limit_floor, credit_limit_cap], never below what the member owes",
    )
    credit_limit_multiple: str = Field(default="1", max_length=20, examples=["0.5"])
    credit_limit_weeks: StrictInt = Field(default=13, description="the trailing window, 1-52")
    credit_limit_floor: StrictInt = Field(default=0, description="minor units")
    credit_limit_cap: StrictInt = Field(default=10**15, description="minor units")
    demurrage_rate: str = Field(
        default="0",
        max_length=20,
        examples=["0.005"],
        description="per week, on the available balance above demurrage_threshold, paid to "
        "commons_fund (0 to 0.1; 0: none)",
    )
    demurrage_threshold: StrictInt = Field(default=0, description="minor units")
    dormant_weeks: StrictInt = Field(
        default=0,
        description="a member in debt with no trade for this many weeks is given notice, then "
        "the debt is written off against commons_fund (0: never)",
    )
    dormant_grace_weeks: StrictInt = Field(
        default=4, description="weeks between the notice and the write-off, 1-52"
    )


class CharterPublic(BaseModel):
    default_credit_limit: int
    admission: str
    levy_rate: str
    capital_mode: str
    quorum: str
    threshold: str
    supermajority: str
    approvals_needed: int
    claim_confirm_days: int
    basic_income: int
    basic_income_period: str
    text: str
    budget_rounds_open_to: str
    market_visibility: str
    max_round_horizon_days: int
    allocation_budgets: str = "equal"
    allocation_productivity_weight: str = "0"
    credit_limit_rule: str
    credit_limit_multiple: str
    credit_limit_weeks: int
    credit_limit_floor: int
    credit_limit_cap: int
    demurrage_rate: str
    demurrage_threshold: int
    dormant_weeks: int
    dormant_grace_weeks: int


class CollectiveCreate(Strict):
    slug: str = Field(max_length=50, examples=["riverside"])
    name: str = Field(max_length=120)
    currency: CurrencyCreate
    charter: CharterCreate = Field(default_factory=CharterCreate)


class StatsPublic(BaseModel):
    active_members: int
    posted_transfers: int
    volume: int
    volume_30d: int
    commons_fund: int
    last_activity: datetime | None
    demurrage: int = Field(default=0, description="paid into the commons fund, in all")
    written_off: int = Field(default=0, description="dormant debts the fund took, in all")


class CollectivePublic(BaseModel):
    slug: str
    name: str
    currency: CurrencyPublic
    charter: CharterPublic
    created_at: datetime | None
    stats: StatsPublic


class MembershipPublic(BaseModel):
    collective: str
    member_id: str
    member_name: str | None = Field(default=None, description="display name")
    status: str
    joined_at: datetime
    left_at: datetime | None


class DeparturePublic(MembershipPublic):
    listings_closed: list[str] = Field(
        description="your open listings, closed on leaving (rejoining reopens none)"
    )
    quotes_withdrawn: int = Field(description="your open quotes on requests, withdrawn")
    applications_withdrawn: int = Field(description="your open task applications, withdrawn")
    warnings: list[str] = Field(description="what your leaving leaves undone")


class MemberPublic(BaseModel):
    member_id: str
    display_name: str
    status: str
    joined_at: datetime


class AccountPublic(BaseModel):
    balance: int
    available: int
    reserved: int
    credit_limit: int | None = Field(
        description="how far below 0 you may go (None: no floor); 0 after leaving"
    )
    currency: CurrencyPublic
    membership: str


class TransferCreate(Strict):
    to: str = Field(max_length=64, description="the payee's member id")
    amount: StrictInt = Field(description="minor units, > 0")
    memo: str = Field(default="", max_length=500)
    pending: StrictBool = Field(
        default=False, description="reserve now, release later with POST .../post"
    )


class TransferPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    from_: str = Field(alias="from")
    from_name: str | None = Field(default=None, description="the payer's display name")
    to: str
    to_name: str | None = Field(default=None, description="the payee's display name")
    amount: int
    memo: str
    status: str
    kind: str
    levy: int = Field(description="levy paid by the payee to the commons fund on this payment")
    created_at: datetime
    settled_at: datetime | None


class StatementLinePublic(BaseModel):
    """One posting of your statement: what it did to your balance, and the balance it left."""

    transfer_id: str
    posted_at: datetime
    kind: str = Field(description="the transfer's kind: payment, escrow, levy, basic_income, ...")
    purpose: str = Field(
        description="what it was for: payment, released_hold, order, levy, basic_income, "
        "public_service, clearing, wage, profit_share"
    )
    amount: int = Field(description="minor units: + received, - paid")
    balance_after: int = Field(description="your balance right after it, in minor units")
    memo: str
    counterparty_id: str | None = Field(description="the other member; null for a system account")
    counterparty_name: str
    order_id: str | None = Field(default=None, description="the order an escrow paid for")
    listing_id: str | None = None


class BatchItemCreate(Strict):
    to: str = Field(max_length=64, description="the payee's member id")
    amount: StrictInt = Field(description="minor units, > 0")
    memo: str = Field(default="", max_length=500)


class BatchCreate(Strict):
    """Several payments from your account, posted all together or not at all."""

    payments: list[BatchItemCreate] = Field(
        min_length=1,
        max_length=1000,
        description="the payments, in order; a refusal gives the failing one's 0-based index",
        examples=[[{"to": "<member id>", "amount": 1200, "memo": "veg box"}]],
    )


class VerificationProblemPublic(BaseModel):
    kind: str = Field(examples=["escrow_not_pending"])
    ids: dict[str, str] = Field(description="what the problem is about, e.g. order, transfer")
    message: str


class VerificationPublic(BaseModel):
    ok: bool
    entries: int  # every entry, sealed or not
    head: str  # the hash of the last sealed entry
    problems: list[VerificationProblemPublic]
    #: entries committed but not yet chained by the sealer (counted, not a problem)
    unsealed: int = 0
