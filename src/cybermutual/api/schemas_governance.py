"""Request and response bodies of self-government: proposals, votes, delegation, policies,
impact estimates, public services and their claims."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictInt

from cybermutual.api.schemas import Strict


class ProposalCreate(Strict):
    kind: str = Field(
        max_length=40,
        examples=["set_levy"],
        description="set_levy | set_credit_limit | set_admission | basic_income | fund_service "
        "| end_service | set_allocation_budgets | amend_charter | expel_member | resolution "
        "| open_budget_round | set_credit_limit_rule | set_demurrage | set_dormant_debt; in a "
        "co-operative (.../enterprises/{id}/proposals): remove_worker_owner | set_wage_rates | "
        "set_reserve_share | set_merit_metric | resolution (admit_worker_owner opens when an "
        "invited member accepts)",
    )
    title: str = Field(max_length=400)
    body: str = Field(default="", max_length=20_000)
    params: dict[str, Any] = Field(default_factory=dict, examples=[{"rate": "0.02"}])
    closes_at: datetime | None = Field(
        default=None, description="default: 7 days from now; between 1 minute and 90 days"
    )


class CountsPublic(BaseModel):
    yes: int
    no: int
    abstain: int


class TallyPublic(BaseModel):
    yes: int
    no: int
    abstain: int
    eligible: int
    voted: int
    turnout: str = Field(description="voted / eligible, 4 decimals")
    direct: CountsPublic
    delegated: CountsPublic


class ChangePublic(BaseModel):
    field: str
    from_: Any = Field(alias="from")
    to: Any


class ProposalPublic(BaseModel):
    id: str
    kind: str
    title: str
    body: str
    params: dict[str, Any]
    status: Literal["open", "passed", "failed", "withdrawn"]
    outcome: str | None = Field(
        description="passed | quorum_not_met | threshold_not_met | tied | withdrawn"
    )
    author: str
    author_name: str
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    my_vote: str | None = Field(description="your own vote; nobody else's is ever shown")
    can_vote: bool = Field(description="you were a member when it opened, and it is open")
    eligible: int = Field(
        description="members who may vote on it (counts stay hidden until the close)"
    )
    voted_so_far: int = Field(
        default=0,
        description="how many voted directly so far (never who or how; delegated votes are "
        "counted at the close)",
    )
    tally: TallyPublic | None = Field(description="public once the proposal is closed")
    impact_status: str = Field(description="none | pending | ready | failed")
    changes: list[ChangePublic] | None = Field(
        default=None, description="what a passed proposal changed"
    )
    enterprise: str | None = Field(
        default=None,
        description="the co-operative whose worker-owners (only) vote on it; null: the "
        "collective's own decision",
    )


class CommentCreate(Strict):
    body: str = Field(max_length=5000)


class CommentPublic(BaseModel):
    id: str
    author: str
    author_name: str
    body: str
    created_at: datetime


class VoteCreate(Strict):
    choice: Literal["yes", "no", "abstain"]


class VotePublic(BaseModel):
    proposal: str
    choice: str
    cast_at: datetime
    proposal_status: str = Field(description="closed at once if every voter has now spoken")


class DelegationCreate(Strict):
    to: str = Field(max_length=64, description="the member id of your delegate")


class DelegatorPublic(BaseModel):
    member: str
    member_name: str
    since: datetime


class DelegationPublic(BaseModel):
    to: str | None
    to_name: str | None
    since: datetime | None
    delegators: list[DelegatorPublic] = Field(description="members who delegate to you")


class PolicyPublic(BaseModel):
    proposal: str
    kind: str
    title: str
    applied: bool
    note: str
    applied_at: datetime
    tally: TallyPublic | None
    changes: list[ChangePublic]


class ImpactPublic(BaseModel):
    proposal: str
    status: str = Field(description="none | pending | ready | failed")
    estimate: dict[str, Any] | None = Field(
        description=(
            "with and without the policy after 13, 52 and 260 weeks, each change with the range "
            "of 90% of the draws; when failed, {error, code, context} says why"
        )
    )


class ProviderPublic(BaseModel):
    member: str
    member_name: str


class ServicePublic(BaseModel):
    id: str
    name: str
    category: str
    rate_per_unit: int
    budget_per_period: int
    period: str
    status: str
    proposal: str
    created_at: datetime
    ended_at: datetime | None
    providers: list[ProviderPublic]
    period_key: str
    spent_this_period: int
    budget_this_period: int = Field(
        description="budget_per_period plus what budget rounds' results added to this period"
    )


class ClaimCreate(Strict):
    recipient: str = Field(max_length=64)
    units: StrictInt = Field(ge=1, le=1_000_000)
    note: str = Field(default="", max_length=2000)


class ClaimPublic(BaseModel):
    id: str
    service: str
    provider: str
    provider_name: str
    recipient: str
    recipient_name: str
    units: int
    amount: int
    status: str = Field(description="filed | waiting | paid | rejected | withdrawn")
    status_reason: str | None = Field(
        description="awaiting_confirmation | budget_exhausted | fund_insufficient"
    )
    note: str
    filed_at: datetime
    auto_confirm_at: datetime | None
    confirmed_at: datetime | None
    paid_at: datetime | None
    transfer: str | None


# --- a co-operative's invitations (issue 14) ---------------------------------------------------


class InvitationCreate(Strict):
    member: str = Field(max_length=64, description="the member invited to become a worker-owner")
    message: str = Field(default="", max_length=2_000)


class InvitationPublic(BaseModel):
    id: str
    enterprise: str
    enterprise_name: str
    member: str
    member_name: str
    invited_by: str
    invited_by_name: str
    message: str
    status: Literal["pending", "accepted", "declined", "withdrawn", "admitted", "rejected"] = Field(
        description="accepted: the worker-owners are voting (``proposal``)"
    )
    created_at: datetime
    answered_at: datetime | None
    proposal: str | None = Field(description="the admission vote, once the member accepted")
    vote_status: str | None = Field(description="open | passed | failed | withdrawn")
