"""Bodies of the federation's keys, signed exports and their verification."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


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
