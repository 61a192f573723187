"""Bodies of the federation's keys, signed exports and their verification."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cybermutual.api.schemas import Strict


class PublicKeyPublic(BaseModel):
    key_id: str = Field(description="the first 32 hex digits of the fingerprint")
    algorithm: str = Field(examples=["ed25519"])
    public_key: str = Field(description="the raw 32-byte Ed25519 key, base64url without padding")
    fingerprint: str = Field(description="SHA-256 of the raw public key, hex")
    created_at: datetime
    retired_at: datetime | None = Field(
        description="set once rotated: the key then verifies only what it signed before"
    )
    current: bool


class KeysPublic(BaseModel):
    collective: str = Field(description="the collective's slug")
    keys: list[PublicKeyPublic] = Field(description="the current key first, then retired ones")


class IssuerPublic(BaseModel):
    slug: str
    base_url: str
    name: str = Field(description="the issuing collective's name, as signed")


class VerifiedHistoryPublic(BaseModel):
    """What a verified export proves about a member (figures read from the signed payload)."""

    issuer: IssuerPublic
    key_id: str
    issued_at: datetime
    verified_at: datetime
    digest: str = Field(description="SHA-256 of the signed bytes: names this export")
    member_name: str
    status: str = Field(description="the member's status at the issuer: active | left")
    joined_at: datetime
    left_at: datetime | None
    reviews: int
    average_milli: int | None = Field(description="average stars received, in thousandths")
    score_milli: int = Field(description="the issuer's Bayesian reputation, thousandths of a star")
    trades: int
    turnover: int = Field(description="minor units of the issuer's currency")
    currency_code: str
    currency_decimals: int
    levies_paid: int
    paid_to_commons_fund: int
    assets_contributed: int = Field(description="means of production brought into its commons")


class SignedExport(BaseModel):
    """A signed envelope; see ``docs/federation.md`` for the bytes signed."""

    model_config = ConfigDict(extra="allow")

    payload: dict[str, Any]
    key_id: str
    signature: str
    issuer: dict[str, Any]


class AttachCreate(Strict):
    export: dict[str, Any] = Field(
        description="your signed history from another collective (GET .../me/export there)"
    )


class JoinCreate(Strict):
    export: dict[str, Any] | None = Field(
        default=None,
        description="optional: your signed history from another collective, verified and "
        "shown to members with your request",
    )
