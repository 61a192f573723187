"""What a collective signs, and how: canonical JSON, key ids, fingerprints, signed envelopes.

A collective signs documents about itself (a member's portable history, a message to a peer
server) with its own Ed25519 key. Everything here is pure: the key pairs and the signing itself
live in ``services/keys.py``; this module fixes the bytes that are signed, so any server (or a
treasurer with a script) computes the same bytes from the same document.

Canonical JSON (the bytes signed)
    ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` encoded as
    UTF-8: keys sorted by code point, no spaces, non-ASCII characters written as themselves.
    Only objects with string keys, arrays, strings, integers, ``true``/``false`` and ``null``
    are allowed, nested at most 32 deep; floats are refused (money is integer minor units and a
    rate is a decimal string), so no two languages can print one number two ways.

Encodings
    Public keys (raw 32 bytes) and signatures (raw 64 bytes) are base64url without padding.
    A key's fingerprint is the SHA-256 of its raw public key, in hex; its id is the first 32 hex
    digits of the fingerprint (so an id names one key on every server).

A signed envelope
    ``{"payload": {...}, "key_id": "...", "signature": "...", "issuer": {"slug", "base_url"}}``.
    The signature covers ``canonical_json({"issuer": ..., "key_id": ..., "payload": ...})``:
    everything but the signature itself, so neither the issuer nor the key id can be swapped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cybermutual.domain.errors import SignatureInvalid

ALGORITHM = "ed25519"
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
KEY_ID_HEX = 32

_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


MAX_DEPTH = 32  # nesting of arrays and objects: a signed document needs a handful


def _check(value: Any, path: str, depth: int = 0) -> None:
    """Refuse what canonical JSON does not carry (floats, non-string keys, other types, nesting
    deeper than ``MAX_DEPTH``)."""
    if depth > MAX_DEPTH:
        raise ValueError(f"{path}: nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        raise ValueError(f"{path}: floats are not signed (use integers or decimal strings)")
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]", depth + 1)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{path}: object keys must be strings")
            _check(item, f"{path}.{key}", depth + 1)
        return
    raise ValueError(f"{path}: {type(value).__name__} is not JSON")


def canonical_json(value: Any) -> bytes:
    """The one byte string for a JSON value (see the module): sorted keys, no spaces, UTF-8."""
    _check(value, "$")
    return _CANONICAL.encode(value).encode("utf-8")


def b64encode(raw: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64decode(text: str, *, size: int) -> bytes:
    """Decode base64url (padding optional) of exactly ``size`` bytes; ``signature_invalid``
    for anything else."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SignatureInvalid("not base64url") from exc
    if len(raw) != size or b64encode(raw) != text.rstrip("="):
        raise SignatureInvalid(f"expected {size} bytes of base64url")
    return raw


def fingerprint(public_key: bytes) -> str:
    """SHA-256 of the raw public key, in hex."""
    return hashlib.sha256(public_key).hexdigest()


def key_id_of(public_key: bytes) -> str:
    """A key's id: the first 32 hex digits of its fingerprint."""
    return fingerprint(public_key)[:KEY_ID_HEX]


def grouped(fingerprint_hex: str, *, groups: int = 8) -> str:
    """A fingerprint to read aloud or compare by eye: ``ab12 cd34 ...`` (first groups)."""
    return " ".join(fingerprint_hex[i : i + 4] for i in range(0, groups * 4, 4))


@dataclass(frozen=True, slots=True)
class PublicKey:
    """One of a collective's public keys: current until ``retired_at``, then listed only to
    verify what it signed before."""

    key_id: str
    collective_id: str
    public_key: str  # base64url of the raw 32 bytes
    created_at: datetime
    retired_at: datetime | None = None
    algorithm: str = ALGORITHM

    @property
    def raw(self) -> bytes:
        return b64decode(self.public_key, size=PUBLIC_KEY_BYTES)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.raw)

    @property
    def is_current(self) -> bool:
        return self.retired_at is None

    def valid_at(self, moment: datetime) -> bool:
        """Whether the key was in use at ``moment`` (a retired key signs nothing newer)."""
        return self.created_at <= moment and (self.retired_at is None or moment < self.retired_at)


@dataclass(frozen=True, slots=True)
class Issuer:
    """Who signed: a collective on a server (``base_url`` like ``https://coop.example``)."""

    slug: str
    base_url: str

    def as_json(self) -> dict[str, str]:
        return {"slug": self.slug, "base_url": self.base_url}


@dataclass(frozen=True, slots=True)
class Envelope:
    """A signed document (see the module for the bytes signed)."""

    payload: Mapping[str, Any]
    key_id: str
    signature: str
    issuer: Issuer

    def signed_bytes(self) -> bytes:
        return signing_input(self.payload, key_id=self.key_id, issuer=self.issuer)

    def as_json(self) -> dict[str, Any]:
        return {
            "payload": dict(self.payload),
            "key_id": self.key_id,
            "signature": self.signature,
            "issuer": self.issuer.as_json(),
        }


def signing_input(payload: Mapping[str, Any], *, key_id: str, issuer: Issuer) -> bytes:
    """The bytes an envelope's signature covers."""
    return canonical_json({"issuer": issuer.as_json(), "key_id": key_id, "payload": payload})


def parse_envelope(document: Any) -> Envelope:
    """An envelope from parsed JSON; ``signature_invalid`` naming what is missing or wrong."""
    if not isinstance(document, Mapping):
        raise SignatureInvalid("a signed document is a JSON object", field="export")
    payload = document.get("payload")
    key_id = document.get("key_id")
    signature = document.get("signature")
    issuer = document.get("issuer")
    if not isinstance(payload, Mapping):
        raise SignatureInvalid("the signed document has no payload object", field="export")
    if not isinstance(key_id, str) or not key_id or len(key_id) > 64:
        raise SignatureInvalid("the signed document has no key_id", field="export")
    if not isinstance(signature, str) or not signature or len(signature) > 200:
        raise SignatureInvalid("the signed document has no signature", field="export")
    if not isinstance(issuer, Mapping):
        raise SignatureInvalid("the signed document names no issuer", field="export")
    slug, base_url = issuer.get("slug"), issuer.get("base_url")
    if not isinstance(slug, str) or not slug or not isinstance(base_url, str) or not base_url:
        raise SignatureInvalid("the issuer needs a slug and a base_url", field="export")
    try:
        canonical_json(payload)
    except ValueError as exc:
        raise SignatureInvalid(f"the payload is not canonical JSON: {exc}", field="export") from exc
    return Envelope(payload, key_id, signature, Issuer(slug, base_url))
