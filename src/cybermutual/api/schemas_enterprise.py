"""Request and response bodies of the enterprises API (co-operatives and firms)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, StrictInt

from cybermutual.api.schemas import Strict

Kind = Literal["cooperative", "firm"]
RoleName = Literal["worker_owner", "owner", "manager", "employee"]
Metric = Literal["hours", "hours_x_productivity", "peer_ratings", "mix"]
Amount = Field(ge=0, le=10**15)


class MixCreate(Strict):
    hours: StrictInt = Field(default=1, ge=0, le=1000)
    productivity: StrictInt = Field(default=0, ge=0, le=1000)
    ratings: StrictInt = Field(default=0, ge=0, le=1000)


class EnterpriseCreate(Strict):
    kind: Kind
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=2000)
    cofounders: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="a co-operative's other founding worker-owners (member ids)",
    )
    founder_shares: StrictInt = Field(
        default=100, ge=1, le=10**12, description="a firm's shares held by its founder"
    )
    reserve_share: Decimal = Field(
        default=Decimal(0), ge=0, le=Decimal("0.9"), description="kept of each surplus, 0..0.9"
    )
    merit_metric: Metric = "hours"
    mix: MixCreate | None = None


class PersonInRolePublic(BaseModel):
    member_id: str
    member_name: str | None = None
    role: RoleName
    since: datetime


class EnterprisePublic(BaseModel):
    id: str
    kind: Kind
    name: str
    description: str
    created_at: datetime
    created_by: str
    balance: int
    available: int
    credit_limit: int | None
    reserve: int
    loss_carried: int
    reserve_share: str
    merit_metric: Metric
    mix: MixCreate
    wage_rates: dict[str, int]
    people: list[PersonInRolePublic]
    your_roles: list[RoleName]


class TermsUpdate(Strict):
    wage_rates: dict[RoleName, StrictInt] | None = Field(
        default=None, description="hourly wage per role, for contracts that name none"
    )
    reserve_share: Decimal | None = Field(default=None, ge=0, le=Decimal("0.9"))


class RoleCreate(Strict):
    member: str = Field(max_length=64)
    role: RoleName


class ContractCreate(Strict):
    member: str = Field(max_length=64)
    hourly_wage: StrictInt | None = Field(default=None, ge=0, le=10**15)
    role: RoleName | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None


class ContractPublic(BaseModel):
    id: str
    enterprise: str
    member_id: str
    member_name: str | None = None
    role: RoleName
    hourly_wage: int
    starts_at: datetime
    ends_at: datetime | None
    created_at: datetime


class HoursCreate(Strict):
    contract: str = Field(max_length=64)
    worked_at: AwareDatetime
    hours: Decimal = Field(gt=0, le=24, description="e.g. 7.5; whole minutes")
    note: str = Field(default="", max_length=500)


class HoursPublic(BaseModel):
    id: str
    contract: str
    member_id: str
    member_name: str | None = None
    worked_at: datetime
    hours: str
    minutes: int
    note: str
    status: Literal["logged", "approved", "rejected", "paid"]
    logged_at: datetime
    decided_at: datetime | None
    period: str | None


class SupplierPaymentCreate(Strict):
    to: str = Field(max_length=64, description="the member paid")
    amount: StrictInt = Field(gt=0, le=10**15, description="minor units")
    memo: str = Field(default="", max_length=400)


class PeriodCreate(Strict):
    ends_at: AwareDatetime


class FiguresPublic(BaseModel):
    revenue: int
    wages: int
    costs: int
    result: int = Field(description="revenue - wages - costs; negative: a loss")
    loss_recovered: int
    reserve_added: int
    reserve_used: int
    shared: int = Field(description="paid out as surplus shares or dividends")
    reserve_after: int
    loss_carried_after: int


class PayoutPublic(BaseModel):
    id: str
    period: str
    member_id: str
    member_name: str | None = None
    kind: Literal["wage", "surplus_share", "dividend"]
    amount: int
    hours: str | None
    basis: str
    transfer: str | None
    paid_at: datetime


class PeriodPublic(BaseModel):
    id: str
    seq: int
    starts_at: datetime
    ends_at: datetime
    status: Literal["open", "closed"]
    closed_at: datetime | None
    figures: FiguresPublic | None
    payouts: list[PayoutPublic] = Field(default_factory=list)


class RatingCreate(Strict):
    member: str = Field(max_length=64)
    score: StrictInt = Field(ge=0, le=10)


class GrantCreate(Strict):
    member: str = Field(max_length=64)
    shares: StrictInt = Field(ge=1, le=10**12)
    vest_start: AwareDatetime | None = None
    vest_end: AwareDatetime | None = None


class GrantPublic(BaseModel):
    id: str
    member_id: str
    member_name: str | None = None
    shares: int
    granted_at: datetime
    vest_start: datetime | None
    vest_end: datetime | None


class HoldingPublic(BaseModel):
    member_id: str
    member_name: str | None = None
    shares: int
    vested: int


class RegisterPublic(BaseModel):
    holdings: list[HoldingPublic]
    grants: list[GrantPublic]
    total_vested: int


class CapitalCreate(Strict):
    name: str = Field(max_length=120)
    value: StrictInt = Field(ge=0, le=10**15)
    labour_hours_replaced: StrictInt = Field(default=0, ge=0, le=1_000_000)


class CapitalPublic(BaseModel):
    id: str
    name: str
    value: int
    labour_hours_replaced: int
    automation: bool
    acquired_at: datetime


class IncomePublic(BaseModel):
    enterprise: str
    enterprise_name: str
    kind: Kind
    roles: list[RoleName]
    wages: int
    hours: str
    shares: int
    total: int
    last_paid_at: datetime | None


class MeasuresPublic(BaseModel):
    since: datetime | None
    until: datetime | None
    enterprises: int
    wages: int
    profit_shares: int
    wage_share: Decimal | None
    profit_share: Decimal | None
    pay_ratio: Decimal | None = Field(description="highest to lowest hourly earnings")
    income_gini: Decimal | None = Field(description="over every active member's income")
    workers: int
    owner_workers: int
    owner_worker_share: Decimal | None
    automation_capital: int
    automation_capital_per_worker: Decimal | None
