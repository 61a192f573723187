"""Asking another server for a collective's public keys, over HTTP(S).

``HttpKeyDirectory`` is the ``services.history_export.KeyDirectory`` that ``bootstrap`` plugs in:
``GET {base_url}/api/v1/collectives/{slug}/keys``, with a timeout and a size limit, only to
``http``/``https`` addresses (and, unless ``allow_private`` is set, never to a loopback,
private or link-local address: a verification request must not make this server probe its own
network). Anything that goes wrong is ``issuer_unreachable`` (try later) or ``unknown_key``
(the server answered, and lists no such collective).
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

from cybermutual.domain.errors import IssuerUnreachable, UnknownKey
from cybermutual.domain.signing import PublicKey

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_BYTES = 64 * 1024
RETRY_AFTER = 60


def keys_from_json(body: Any, *, slug: str) -> list[PublicKey]:
    """Public keys from a ``GET .../keys`` answer (``issuer_unreachable`` if it is not one)."""
    try:
        return [
            PublicKey(
                key_id=str(k["key_id"]),
                collective_id=slug,
                public_key=str(k["public_key"]),
                created_at=datetime.fromisoformat(k["created_at"]),
                retired_at=datetime.fromisoformat(k["retired_at"]) if k["retired_at"] else None,
                algorithm=str(k["algorithm"]),
            )
            for k in body["keys"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise IssuerUnreachable(
            "the issuer's server answered something other than its keys",
            retry_after_seconds=RETRY_AFTER,
        ) from exc


class HttpKeyDirectory:
    def __init__(self, *, timeout: float = 5.0, allow_private: bool = False) -> None:
        self._timeout = timeout
        self._allow_private = allow_private

    def fetch(self, base_url: str, slug: str) -> list[PublicKey]:
        url = self._keys_url(base_url, slug)
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as reply:
                raw = reply.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise UnknownKey(f"{base_url} has no collective '{slug}'", field="export") from exc
            raise self._unreachable(base_url, f"it answered {exc.code}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise self._unreachable(base_url, str(exc)) from exc
        if len(raw) > MAX_BYTES:
            raise self._unreachable(base_url, "its answer is too large")
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise self._unreachable(base_url, "its answer is not JSON") from exc
        return keys_from_json(body, slug=slug)

    def _keys_url(self, base_url: str, slug: str) -> str:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UnknownKey(f"the issuer's address {base_url!r} is not http(s)", field="export")
        if not _SLUG.match(slug):
            raise UnknownKey(f"'{slug}' is not a collective's slug", field="export")
        if not self._allow_private:
            self._refuse_private(parts.hostname, base_url)
        return f"{base_url.rstrip('/')}/api/v1/collectives/{slug}/keys"

    def _refuse_private(self, host: str, base_url: str) -> None:
        try:
            found = socket.getaddrinfo(host, None)
        except OSError as exc:
            raise self._unreachable(base_url, "its name does not resolve") from exc
        for *_, address in found:
            ip = ipaddress.ip_address(address[0])
            if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved:
                raise UnknownKey(
                    f"the issuer's address {base_url} is on a private network "
                    "(set CYBERMUTUAL_FEDERATION_ALLOW_PRIVATE=true to trust such peers)",
                    field="export",
                )

    @staticmethod
    def _unreachable(base_url: str, why: str) -> IssuerUnreachable:
        return IssuerUnreachable(
            f"cannot fetch the keys of {base_url}: {why}", retry_after_seconds=RETRY_AFTER
        )
