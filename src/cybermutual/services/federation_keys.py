"""The collectives' signing keys (``services/keys.py``) as federation's ``CollectiveKeys``."""

from __future__ import annotations

from cybermutual.domain.errors import CollectiveNotFound
from cybermutual.services.keys import KeyService, verify


class KeyServiceKeys:
    """Signs server messages with the collective's current key; checks a peer's."""

    def __init__(self, keys: KeyService) -> None:
        self._keys = keys

    def sign(self, slug: str, data: bytes) -> tuple[str, str]:
        signature = self._keys.sign(slug, data)
        return signature.key_id, signature.signature

    def public_key(self, slug: str) -> tuple[str, str]:
        current = [k for k in self._keys.keys(slug) if k.is_current]
        if not current:
            raise CollectiveNotFound("this collective has no signing key", slug=slug)
        return current[0].key_id, current[0].public_key

    def verify(self, public_key: str, data: bytes, signature: str) -> bool:
        return verify(public_key, data, signature)
