"""Bodies of the federation API: links, their positions, cross-payments (issue 17)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, StrictInt

from cybermutual.api.schemas import Strict


class TermsPublic(BaseModel):
    rate: str = Field(description="one unit of this side's currency in the other's, exact")
    limit_out: int
    limit_in: int


class ClearingPublic(BaseModel):
    day: date
    paid_out: int
    paid_in: int
    payments_out: int
    payments_in: int
    net: int = Field(description="paid_out - paid_in: what the day added to the position")
    netted: int = Field(description="what opposite flows cancelled that day")
    position: int = Field(description="the position at the end of the netting")


class LinkPublic(BaseModel):
    id: str
    peer: str = Field(description="the other collective's slug")
    peer_url: str | None = Field(description="its server (null: this server)")
    state: str
    terms: TermsPublic
    peer_terms: TermsPublic | None = Field(description="the other side's, as it offered them")
    currency: str
    peer_currency: str | None
    position: int = Field(
        description="this side's link account: > 0 our members owe the peer's, < 0 the reverse"
    )
    peer_position: int = Field(
        description="the other side's link account as our records say it must stand (its "
        "mirror), in its currency"
    )
    held_out: int = Field(description="held for outgoing payments still in flight")
    held_in: int = Field(description="held for incoming payments still in flight")
    payments: int = Field(description="committed cross-payments, both ways")
    suspended_by_us: bool
    suspended_by_peer: bool
    created_at: datetime
    activated_at: datetime | None
    closed_at: datetime | None
    clearings: list[ClearingPublic] = Field(default_factory=list)


class CrossPaymentCreate(Strict):
    link: str = Field(max_length=32, description="the link's id (GET .../links)")
    to: str = Field(max_length=64, description="the payee's member id in the other collective")
    amount: StrictInt = Field(description="minor units of this collective's currency, > 0")
    memo: str = Field(default="", max_length=500)


class CrossPaymentPublic(BaseModel):
    id: str
    ref: str = Field(description="the paying side's id for it, the same on both servers")
    link: str
    direction: str = Field(description="out: paid by a member here; in: received here")
    state: str = Field(description="preparing | prepared | committed | aborted | refused")
    payer: str
    payee: str
    amount: int = Field(description="in this collective's currency")
    converted: int = Field(description="in the other collective's currency")
    currency: str
    peer_currency: str | None
    peer: str
    memo: str
    reason: str | None
    created_at: datetime
    decided_at: datetime | None


class FederationKeyPublic(BaseModel):
    key_id: str
    public_key: str = Field(description="raw Ed25519 public key, base64url")


class FederationAnswer(BaseModel):
    """A peer server's answer to a signed message."""

    state: str | None = None
    extra: dict[str, Any] | None = None
