"""Fetching another server's keys over HTTP (federation_http.HttpKeyDirectory) from a small
local server: keys read, and every way it can go wrong a refusal, never a crash."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cybermutual.domain.errors import IssuerUnreachable, UnknownKey
from cybermutual.federation_http import MAX_BYTES, HttpKeyDirectory

KEY = {
    "key_id": "ab" * 16,
    "algorithm": "ed25519",
    "public_key": "A" * 43,
    "fingerprint": "ab" * 32,
    "created_at": "2026-11-01T12:00:00+00:00",
    "retired_at": None,
    "current": True,
}
ANSWERS: dict[str, tuple[int, bytes]] = {
    "/api/v1/collectives/riverside/keys": (200, json.dumps({"keys": [KEY]}).encode()),
    "/api/v1/collectives/garbled/keys": (200, b"<html>not json</html>"),
    "/api/v1/collectives/wrong/keys": (200, b'{"keys": [{"key_id": 1}]}'),
    "/api/v1/collectives/huge/keys": (200, b" " * (MAX_BYTES + 10)),
    "/api/v1/collectives/broken/keys": (500, b"{}"),
}


class Keys(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, body = ANSWERS.get(self.path, (404, b'{"code": "collective_not_found"}'))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def peer() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_keys_are_read_from_the_issuers_server(peer: str) -> None:
    (key,) = HttpKeyDirectory(allow_private=True).fetch(peer, "riverside")
    assert key.key_id == KEY["key_id"]
    assert key.is_current


@pytest.mark.parametrize(
    ("slug", "error"),
    [
        ("nowhere", UnknownKey),  # 404: it lists no such collective
        ("garbled", IssuerUnreachable),
        ("wrong", IssuerUnreachable),
        ("huge", IssuerUnreachable),
        ("broken", IssuerUnreachable),
        ("Not a slug/..", UnknownKey),
    ],
)
def test_what_goes_wrong_is_a_refusal(peer: str, slug: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        HttpKeyDirectory(allow_private=True, timeout=2).fetch(peer, slug)


def test_a_private_address_is_not_asked_unless_allowed(peer: str) -> None:
    with pytest.raises(UnknownKey, match="private network"):
        HttpKeyDirectory().fetch(peer, "riverside")
    for url in ("file:///etc/passwd", "ftp://example.org", "riverside"):
        with pytest.raises(UnknownKey, match="not http"):
            HttpKeyDirectory().fetch(url, "riverside")


def test_a_server_that_does_not_answer_is_unreachable() -> None:
    with pytest.raises(IssuerUnreachable):
        HttpKeyDirectory(allow_private=True, timeout=1).fetch("http://127.0.0.1:9", "riverside")
