"""How this server reaches its peers: HTTP for other servers, a direct call for its own.

The one ``PeerTransport`` bootstrap plugs into ``FederationService``. A peer on this server
(``url=None``) gets the very message a remote one would, through ``FederationService.receive``;
its refusals come back as the same ``PeerAnswered`` an HTTP problem document gives. Anything
that is not an answer (no connection, a timeout, a 5xx, a 429) is ``PeerUnreachable``: the
caller retries later, and never takes it for a refusal.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

from cybermutual.api.problems import problem_body, status_of
from cybermutual.domain.errors import ConcurrentChange, DomainError, PeerUnreachable, Unavailable
from cybermutual.services.federation_ports import PeerAnswered

if TYPE_CHECKING:
    from cybermutual.services.federation import FederationService

log = logging.getLogger(__name__)
MESSAGES = "/federation/v1/messages"
#: Refusals that only say "not now" (a race for one row): retried, never taken for an answer.
_TRANSIENT = frozenset({"concurrent_change", "levy_rate_changed"})
#: Answers larger than this are not read (a peer answers with a few hundred bytes).
MAX_ANSWER = 1_000_000


class PeerClient:
    """``PeerTransport`` over HTTP (stdlib ``urllib``: one request per message, no pool)."""

    def __init__(self, local: FederationService, *, timeout: float = 5.0) -> None:
        self._local = local
        self._timeout = timeout

    def send(self, url: str | None, message: dict[str, Any]) -> dict[str, Any]:
        if url is None:
            try:
                return self._local.receive(message)
            except (PeerUnreachable, Unavailable, ConcurrentChange):
                raise PeerUnreachable("the peer cannot answer now", retry_after_seconds=1) from None
            except DomainError as refusal:
                status = status_of(refusal)
                body = problem_body(
                    status, code=refusal.code, title=refusal.title, detail=refusal.detail
                )
                raise PeerAnswered(status, body) from None
            except Exception as error:  # a database refusal on the peer's side: as an outage
                log.warning("federation: a local peer failed to answer: %r", error)
                raise PeerUnreachable("the peer cannot answer now", retry_after_seconds=1) from None
        data = json.dumps(message, separators=(",", ":")).encode()
        return self._request(url + MESSAGES, data)

    def public_key(self, url: str | None, slug: str) -> tuple[str, str]:
        if url is None:
            return self._local.public_key(slug)
        answer = self._request(f"{url}/federation/v1/collectives/{urllib.parse.quote(slug)}/key")
        key_id, public_key = answer.get("key_id"), answer.get("public_key")
        if not isinstance(key_id, str) or not isinstance(public_key, str):
            raise PeerUnreachable("the peer published no usable key", retry_after_seconds=30)
        return key_id, public_key

    def _request(self, url: str, data: bytes | None = None) -> dict[str, Any]:
        request = urllib.request.Request(
            url,
            data=data,
            method="POST" if data is not None else "GET",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as reply:
                return _json(reply.read(MAX_ANSWER))
        except urllib.error.HTTPError as error:
            body = _json(error.read(MAX_ANSWER), strict=False)
            if error.code >= 500 or error.code in (408, 429) or body.get("code") in _TRANSIENT:
                raise PeerUnreachable(
                    f"{url} answered {error.code}", retry_after_seconds=5
                ) from None
            raise PeerAnswered(error.code, body) from None
        except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as error:
            raise PeerUnreachable(f"{url}: {error}", retry_after_seconds=5) from None


def _json(raw: bytes, *, strict: bool = True) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        if strict:
            raise PeerUnreachable("the peer's answer is not a JSON object", retry_after_seconds=5)
        return {}
    return value
