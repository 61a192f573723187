"""Idempotent requests: the same key with the same body gives the original result once."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from cybermutual.domain.errors import IdempotencyKeyReused, InvalidValue
from cybermutual.domain.journal import canonical_json


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A key once used by ``member_id`` in a collective, and what it produced."""

    collective_id: str
    member_id: str
    key: str
    fingerprint: str
    result_ref: str  # e.g. the transfer id, or a batch id


def check_key(key: str) -> str:
    if not 1 <= len(key) <= 200 or not key.isprintable():
        raise InvalidValue("Idempotency-Key must be 1-200 printable characters")
    return key


def fingerprint(operation: str, request: Mapping[str, object]) -> str:
    """A digest of what was asked, so a reused key with another body can be told apart."""
    return hashlib.sha256(operation.encode() + b"\n" + canonical_json(request)).hexdigest()


def replayed(record: IdempotencyRecord | None, request_fingerprint: str) -> str | None:
    """The earlier result for this key, None if the key is new; refuse a different request."""
    if record is None:
        return None
    if record.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for a different request", key=record.key
        )
    return record.result_ref
