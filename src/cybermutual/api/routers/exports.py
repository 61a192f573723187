"""Federation: a collective's public keys, a member's signed history, and its verification."""

from __future__ import annotations

from fastapi import APIRouter

from cybermutual.api.deps import ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.schemas_export import KeysPublic, PublicKeyPublic
from cybermutual.domain.signing import PublicKey

router = APIRouter(tags=["federation"], route_class=NamedRoute)


def key_public(key: PublicKey) -> PublicKeyPublic:
    return PublicKeyPublic(
        key_id=key.key_id,
        algorithm=key.algorithm,
        public_key=key.public_key,
        fingerprint=key.fingerprint,
        created_at=key.created_at,
        retired_at=key.retired_at,
        current=key.is_current,
    )


@router.get("/collectives/{slug}/keys", response_model=KeysPublic)
def keys(slug: str, services: ServicesDep) -> KeysPublic:
    """The collective's public signing keys (public: anyone verifies what it signs). Canonical
    JSON, encodings and the signed envelope are described in ``docs/federation.md``."""
    return KeysPublic(collective=slug, keys=[key_public(k) for k in services.keys.keys(slug)])
