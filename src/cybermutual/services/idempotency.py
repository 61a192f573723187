"""Idempotent requests: a retry with the same key and body gets the first answer, once.

Every money-moving use case follows one sequence: check the ``Idempotency-Key``, fingerprint
what was asked, take the request's locks, look for an earlier answer under them (replay it, or
refuse the key reused with another body), and, once the work is done, record the answer in the
same transaction. ``IdempotentRequest`` holds that sequence; the use case says where its locks
are, because only it knows which rows the request touches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cybermutual.domain.idempotency import IdempotencyRecord, check_key, fingerprint, replayed
from cybermutual.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class IdempotentRequest:
    """One request by ``actor`` under ``key``; ``request`` is the fingerprint of its body."""

    actor: str
    key: str
    request: str

    @classmethod
    def of(
        cls, actor: str, key: str, operation: str, body: Mapping[str, object]
    ) -> IdempotentRequest:
        """The key checked (``invalid_value`` if malformed) and the body fingerprinted."""
        check_key(key)
        return cls(actor, key, fingerprint(operation, body))

    def earlier(self, uow: UnitOfWork, collective_id: str) -> str | None:
        """What the first request with this key produced (an id), if there was one; call it
        under the request's locks, so a duplicate that committed meanwhile is seen. The same key
        with another body is refused (``idempotency_key_reused``)."""
        return replayed(uow.idempotency.get(collective_id, self.actor, self.key), self.request)

    def record(self, uow: UnitOfWork, collective_id: str, result_id: str, *, now: datetime) -> None:
        """Remember the answer (``result_id``), in the transaction that produced it."""
        uow.idempotency.add(
            IdempotencyRecord(collective_id, self.actor, self.key, self.request, result_id),
            now=now,
        )
