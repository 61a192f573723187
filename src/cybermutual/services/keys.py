"""Each collective's signing keys: made with the collective, rotated, listed, used to sign.

``KeyService`` owns the key pairs. A collective gets an Ed25519 key pair when it is created
(migration ``0014_export`` gave one to every collective made before); ``rotate`` makes a new
current key and retires the old one, which stays listed so what it signed still verifies. The
private key is sealed by a ``KeySealer`` before it is stored (AES-256-GCM under
``CYBERMUTUAL_KEY_SECRET`` when that is set) and never leaves this module: no API, page or
export returns it.

What is signed, and how it is encoded, is written down in ``domain/signing.py`` (canonical JSON,
base64url, key ids). Inside a unit of work that already holds the collective (a federation
message sent in the same transaction as a payment), call ``sign_in(uow, collective_id, data)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from cybermutual.domain.errors import CollectiveNotFound, SignatureInvalid
from cybermutual.domain.signing import (
    PUBLIC_KEY_BYTES,
    SIGNATURE_BYTES,
    Envelope,
    Issuer,
    PublicKey,
    b64decode,
    b64encode,
    key_id_of,
    signing_input,
)
from cybermutual.services.key_ports import StoredKey
from cybermutual.services.loading import load_collective
from cybermutual.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Signature:
    key_id: str
    signature: str  # base64url of the 64 raw bytes


class KeySealer(Protocol):
    """Seals a private key for storage and opens it again (``key_id`` binds the two)."""

    def seal(self, private_key: bytes, *, key_id: str) -> str: ...

    def open(self, sealed: str, *, key_id: str) -> bytes: ...


class SecretSealer:
    """AES-256-GCM under a key derived (HKDF-SHA256) from a server secret; without a secret,
    keys are stored as they are (``plain:``), readable only by whoever can read the database.

    Sealed text is ``aesgcm:<base64url(nonce || ciphertext)>`` or ``plain:<base64url(key)>``;
    both open whatever the current secret, so setting a secret later needs no migration (keys
    made from then on, and by ``rotate``, are sealed).
    """

    def __init__(self, secret: str | None) -> None:
        self._aead = (
            AESGCM(
                HKDF(
                    algorithm=SHA256(), length=32, salt=None, info=b"cybermutual collective keys"
                ).derive(secret.encode())
            )
            if secret
            else None
        )

    @classmethod
    def from_environment(cls) -> SecretSealer:
        """For the migration, which has no settings object: ``CYBERMUTUAL_KEY_SECRET``."""
        return cls(os.environ.get("CYBERMUTUAL_KEY_SECRET") or None)

    def seal(self, private_key: bytes, *, key_id: str) -> str:
        if self._aead is None:
            return "plain:" + b64encode(private_key)
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, private_key, key_id.encode())
        return "aesgcm:" + b64encode(nonce + sealed)

    def open(self, sealed: str, *, key_id: str) -> bytes:
        kind, _, body = sealed.partition(":")
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        if kind == "plain":
            return raw
        if kind != "aesgcm" or self._aead is None:
            raise RuntimeError(
                f"the private key {key_id} is sealed: set CYBERMUTUAL_KEY_SECRET to the secret "
                "it was sealed with"
            )
        try:
            return self._aead.decrypt(raw[:12], raw[12:], key_id.encode())
        except InvalidTag as exc:
            raise RuntimeError(
                f"the private key {key_id} does not open with this CYBERMUTUAL_KEY_SECRET"
            ) from exc


def new_key(collective_id: str, *, sealer: KeySealer, now: datetime) -> StoredKey:
    """A fresh Ed25519 key pair for a collective, its private half sealed."""
    private = Ed25519PrivateKey.generate()
    raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    raw_private = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    key_id = key_id_of(raw_public)
    public = PublicKey(key_id, collective_id, b64encode(raw_public), created_at=now)
    return StoredKey(public, sealer.seal(raw_private, key_id=key_id))


def sign_bytes(private_key: bytes, data: bytes) -> str:
    """The Ed25519 signature of ``data``, base64url."""
    return b64encode(Ed25519PrivateKey.from_private_bytes(private_key).sign(data))


def verify(public_key: str, payload: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64url) is ``public_key``'s (base64url) over ``payload``.

    False for any malformed key or signature: a caller never has to catch anything.
    """
    try:
        raw_key = b64decode(public_key, size=PUBLIC_KEY_BYTES)
        raw_signature = b64decode(signature, size=SIGNATURE_BYTES)
        Ed25519PublicKey.from_public_bytes(raw_key).verify(raw_signature, payload)
    except (SignatureInvalid, InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def create_key(uow: UnitOfWork, collective_id: str, *, sealer: KeySealer, now: datetime) -> None:
    """Give a new collective its first key (in the unit of work that creates it)."""
    uow.keys.add(new_key(collective_id, sealer=sealer, now=now))


def sign_in(uow: UnitOfWork, collective_id: str, data: bytes, *, sealer: KeySealer) -> Signature:
    """Sign ``data`` with the collective's current key, inside the caller's unit of work."""
    current = uow.keys.current(collective_id)
    if current is None:
        raise CollectiveNotFound("this collective has no signing key", collective=collective_id)
    private = sealer.open(current.sealed_private_key, key_id=current.public.key_id)
    return Signature(current.public.key_id, sign_bytes(private, data))


class KeyService:
    """Keys of every collective on this server (see the module)."""

    def __init__(
        self, uow: UnitOfWorkFactory, *, clock: Clock, sealer: KeySealer, base_url: str | None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.sealer = sealer
        self.base_url = base_url.rstrip("/") if base_url else None

    def keys(self, slug: str) -> list[PublicKey]:
        """The collective's public keys, the current one first, then the retired newest first."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            return uow.keys.of_collective(collective.id)

    def sign(self, slug: str, data: bytes) -> Signature:
        """Sign ``data`` with the collective's current key."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            return sign_in(uow, collective.id, data, sealer=self.sealer)

    def sign_envelope(self, slug: str, payload: Mapping[str, Any], *, base_url: str) -> Envelope:
        """``payload`` in a signed envelope from ``slug`` on the server at ``base_url``."""
        issuer = Issuer(slug, base_url.rstrip("/"))
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            current = uow.keys.current(collective.id)
            if current is None:
                raise CollectiveNotFound("this collective has no signing key", collective=slug)
            key_id = current.public.key_id
            private = self.sealer.open(current.sealed_private_key, key_id=key_id)
        data = signing_input(payload, key_id=key_id, issuer=issuer)
        return Envelope(payload, key_id, sign_bytes(private, data), issuer)

    def rotate(self, slug: str) -> PublicKey:
        """A new current key; the old one is retired now and stays listed for verification."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            uow.keys.retire_current(collective.id, at=now)
            made = new_key(collective.id, sealer=self.sealer, now=now)
            uow.keys.add(made)
            uow.commit()
        return made.public
