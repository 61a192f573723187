"""Request and response bodies of participatory budget rounds."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictInt

from cybermutual.api.schemas import Strict


class BudgetRoundCreate(Strict):
    title: str = Field(max_length=400, examples=["Summer works"])
    budget: StrictInt = Field(description="minor units the round may spend from commons_fund")
    rule: Literal["equal_shares", "greedy"] = "equal_shares"
    closes_at: datetime = Field(description="between 1 minute and 90 days from now")


class BudgetRoundImport(Strict):
    pabulib: str = Field(
        max_length=900_000, description="the text of a Pabulib .pb file (approval ballots)"
    )


class ProjectCreate(Strict):
    name: str = Field(max_length=400)
    cost: StrictInt = Field(description="minor units; at most the round's budget")
    description: str = Field(default="", max_length=5000)
    service_id: str | None = Field(
        default=None,
        max_length=64,
        description="a public service whose budget for the period this project would raise",
    )


class BallotCreate(Strict):
    approve: list[str] = Field(
        max_length=500, description="ids of the projects you approve ([] withdraws your ballot)"
    )


class ProjectPublic(BaseModel):
    id: str
    name: str
    cost: int
    description: str
    proposed_by: str | None
    proposed_by_name: str | None = None
    service_id: str | None
    created_at: datetime


class BudgetRoundPublic(BaseModel):
    id: str
    title: str
    budget: int
    rule: str
    status: Literal["open", "closed", "cancelled"]
    source: str = Field(description="members | proposal | import")
    proposal_id: str | None
    opened_by: str
    opened_by_name: str | None = None
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    projects: list[ProjectPublic]
    my_ballot: list[str] | None = Field(
        description="your own approvals (null if you have none); nobody else's is ever shown"
    )
    can_vote: bool = Field(description="you were a member when it opened, and it is open")
    eligible: int = Field(description="members who may vote in it")
    ballots: int | None = Field(description="how many voted: public once closed")
    selected: list[str] | None = Field(description="the winners, once closed")
    funded: bool | None = Field(description="whether the fund could cover the budget")


class BallotPublic(BaseModel):
    round: str
    approve: list[str]
    cast_at: datetime | None


class VerdictPublic(BaseModel):
    id: str
    name: str
    cost: int
    approvals: int
    selected: bool
    reason: str = Field(description="selected | unaffordable | did_not_fit | no_supporters")
    detail: str
    round: int | None
    rho: str | None
    price_per_supporter: str | None
    supporters_remaining: str | None


class PaymentPublic(BaseModel):
    project: str
    amount: str = Field(description="an exact fraction of minor units, such as '1000/3'")


class ShareOfVoterPublic(BaseModel):
    share: str | None = Field(description="your equal share of the budget (None under greedy)")
    paid: list[PaymentPublic]
    total_paid: str
    approved_winners: list[str]


class EffectPublic(BaseModel):
    project: str
    action: str = Field(description="service_budget_raised | recorded | not_funded")
    detail: str
    service: str | None = None
    period: str | None = None


class BudgetResultPublic(BaseModel):
    round: str
    rule: str
    completion: str
    budget: int
    selected: list[str] = Field(description="in order of purchase")
    cost: int
    share: str | None
    completion_steps: int
    stopped_because: str
    voters: int = Field(description="ballots counted")
    eligible: int
    funded: bool
    funded_reason: str
    projects: list[VerdictPublic]
    effects: list[EffectPublic]
    my_share: ShareOfVoterPublic | None = Field(
        description="what you paid from your equal share (only your own is ever shown)"
    )
