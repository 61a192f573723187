"""What federation needs from storage, from its peers and from the collectives' keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cybermutual.domain.federation.links import Link, Netting, Peer
from cybermutual.domain.federation.payments import CrossPayment, Side


@dataclass(frozen=True, slots=True)
class Held:
    """What is held on a link for payments still in flight, each way (ours)."""

    out: int = 0
    into: int = 0


class FederationStore(Protocol):
    def add_link(self, link: Link, *, outbox: str | None) -> None: ...

    def save_link(self, link: Link, *, outbox: str | None) -> None: ...

    def link(self, link_id: str) -> tuple[Link, str | None] | None:
        """A link and the message it still owes its peer."""
        ...

    def lock_link(self, link_id: str) -> tuple[Link, str | None] | None:
        """The same, held until the unit of work ends (one writer per link)."""
        ...

    def link_to(self, collective_id: str, peer: Peer) -> Link | None: ...

    def links_of(self, collective_id: str) -> list[Link]: ...

    def with_outbox(self, *, limit: int) -> list[tuple[Link, str]]: ...

    def clearable(self) -> list[tuple[str, str]]:
        """(link id, link account id) of every link that carries or still holds a position."""
        ...

    def add_payment(self, payment: CrossPayment) -> None: ...

    def save_payment(self, payment: CrossPayment) -> None: ...

    def payment(self, collective_id: str, side: Side, ref: str) -> CrossPayment | None: ...

    def lock_payment(self, collective_id: str, side: Side, ref: str) -> CrossPayment | None: ...

    def payment_by_id(self, payment_id: str) -> CrossPayment | None: ...

    def due(self, *, now: datetime, limit: int) -> list[CrossPayment]:
        """Origin payments that still owe their peer a message, due by ``now``; destination
        payments in doubt, due by ``now``."""
        ...

    def held(self, link_id: str) -> Held: ...

    def open_holds(self, collective_id: str) -> set[str]:
        """The transfer ids held by this collective's cross-payments still in flight."""
        ...

    def of_member(
        self, collective_id: str, member_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[CrossPayment], str | None]: ...

    def of_link(self, link_id: str) -> list[CrossPayment]: ...

    def remember_nonce(self, key_id: str, nonce: str, *, now: datetime) -> bool:
        """Record a nonce; False when it was seen already (a replay)."""
        ...

    def forget_nonces(self, *, before: datetime) -> int: ...

    def flows(self, link_id: str, *, since: datetime, until: datetime) -> Netting:
        """Committed payments decided in ``[since, until)``, each way."""
        ...

    def add_clearing(
        self, link_id: str, period_key: str, netting: Netting, *, position: int, now: datetime
    ) -> bool:
        """Record a period's netting once; False if it was recorded already."""
        ...

    def clearings(self, link_id: str, *, limit: int) -> list[tuple[str, Netting, int]]: ...


class CollectiveKeys(Protocol):
    """Each collective's signing key (Ed25519): sign as it, and check a peer's signature."""

    def sign(self, slug: str, data: bytes) -> tuple[str, str]:
        """(key id, signature in base64url)."""
        ...

    def public_key(self, slug: str) -> tuple[str, str]:
        """(key id, raw public key in base64url)."""
        ...

    def verify(self, public_key: str, data: bytes, signature: str) -> bool: ...


class PeerTransport(Protocol):
    """Delivers a signed message to a peer and returns its JSON answer; ``url=None``: this
    server. Raises ``PeerUnreachable`` when there is no answer, ``PeerAnswered`` on a refusal."""

    def send(self, url: str | None, message: dict[str, Any]) -> dict[str, Any]: ...

    def public_key(self, url: str | None, slug: str) -> tuple[str, str]:
        """The peer collective's current (key id, public key), as its server publishes it."""
        ...


class PeerAnswered(Exception):
    """The peer answered with a problem document (a refusal, not an outage)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {body.get('code')}: {body.get('detail')}")
        self.status = status
        self.body = body

    @property
    def code(self) -> str:
        return str(self.body.get("code", ""))
