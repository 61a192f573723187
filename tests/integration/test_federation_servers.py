"""Two real servers, each its own process and database (Riverside on SQLite, Hillside on the
suite's PostgreSQL), linked by both members' votes and paying each other over HTTP; then a storm
of cross-payments both ways during which each server in turn is killed with SIGKILL and started
again. Afterwards nothing is half-done, nothing acknowledged is lost, both ledgers verify and the
link accounts mirror each other. (docs/federation.md, "Two servers", is this test's script.)"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cybermutual.tooling.postgres import EphemeralPostgres

ROOT = Path(__file__).resolve().parents[2]
_names = itertools.count()
pytestmark = pytest.mark.postgres


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """``cybermutual serve`` in its own process; ``kill()`` is SIGKILL, ``start()`` again."""

    def __init__(self, name: str, database_url: str, tmp: Path) -> None:
        self.name = name
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tmp = tmp
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
            "CYBERMUTUAL_DATABASE_URL": database_url,
            "CYBERMUTUAL_PUBLIC_URL": self.url,
            "CYBERMUTUAL_LOG_LEVEL": "warning",
            "CYBERMUTUAL_TICK_SECONDS": "0.3",
            "CYBERMUTUAL_FEDERATION_RETRY_SECONDS": "0.5",
            "CYBERMUTUAL_FEDERATION_TIMEOUT": "60",
            "CYBERMUTUAL_KEY_SECRET": f"secret of {name}",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with (self.tmp / f"{self.name}.log").open("a") as log:  # the child keeps its copy
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cybermutual", "serve", "--port", str(self.port)],
                cwd=self.tmp,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{self.name} did not start:\n{self.log()}")
                time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def log(self) -> str:
        return (self.tmp / f"{self.name}.log").read_text()[-3000:]


def call(
    url: str,
    method: str = "GET",
    body: Any = None,
    token: str | None = None,
    key: str | None = None,
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


class Person:
    def __init__(self, server: Server, name: str) -> None:
        self.server = server
        email = f"{name.lower()}{next(_names)}@example.org"
        status, me = call(
            f"{server.url}/api/v1/auth/register",
            "POST",
            {"email": email, "password": "correct horse", "display_name": name},
        )
        assert status == 201, me
        self.id = me["id"]
        form = urllib.parse.urlencode({"username": email, "password": "correct horse"}).encode()
        with urllib.request.urlopen(f"{server.url}/api/v1/auth/token", data=form) as reply:
            self.token = json.loads(reply.read())["access_token"]

    def get(self, path: str) -> Any:
        status, body = call(f"{self.server.url}/api/v1{path}", token=self.token)
        assert status == 200, body
        return body

    def post(self, path: str, body: Any, key: str | None = None) -> tuple[int, Any]:
        return call(f"{self.server.url}/api/v1{path}", "POST", body, self.token, key)


def until(what: str, check: Any, *, seconds: float = 40) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def collective(slug: str, code: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": slug.capitalize(),
        "currency": {"code": code, "name": f"{slug} credit", "decimals": 2},
        "charter": {"default_credit_limit": 10**7, "admission": "open", "levy_rate": "0"},
    }


def pass_proposal(who: Person, slug: str, params: dict[str, Any]) -> None:
    status, proposal = who.post(
        f"/collectives/{slug}/proposals", {"kind": "open_link", "title": "Link", "params": params}
    )
    assert status == 201, proposal
    status, _ = who.post(f"/collectives/{slug}/proposals/{proposal['id']}/votes", {"choice": "yes"})
    assert status == 200
    assert who.get(f"/collectives/{slug}/proposals/{proposal['id']}")["status"] == "passed"


@pytest.fixture
def servers(postgres_server: EphemeralPostgres, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    riverside = Server("riverside", f"sqlite:///{tmp_path / 'riverside.db'}", tmp_path)
    hillside = Server(
        "hillside",
        postgres_server.create_database(f"hillside_{os.getpid()}_{next(_names)}"),
        tmp_path,
    )
    riverside.start()
    hillside.start()
    try:
        yield riverside, hillside
    finally:
        riverside.stop()
        hillside.stop()


def links_of(who: Person, slug: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = who.get(f"/collectives/{slug}/links")
    return result


def test_two_servers_trade_and_survive_a_crash_of_either(servers: tuple[Server, Server]) -> None:
    a, b = servers
    ada, bo = Person(a, "Ada"), Person(b, "Bo")
    assert ada.post("/collectives", collective("riverside", "RVC"))[0] == 201
    assert bo.post("/collectives", collective("hillside", "HLC"))[0] == 201

    # both votes: Riverside offers (1 RVC = 2 HLC), Hillside passes the same rate from its side
    pass_proposal(
        ada,
        "riverside",
        {"peer": "hillside", "peer_url": b.url, "rate": "2", "limit_out": 10**6, "limit_in": 10**6},
    )
    until("Hillside to see the offer", lambda: links_of(bo, "hillside"))
    assert links_of(bo, "hillside")[0]["state"] == "offered"
    pass_proposal(
        bo,
        "hillside",
        {
            "peer": "riverside",
            "peer_url": a.url,
            "rate": "1/2",
            "limit_out": 2 * 10**6,
            "limit_in": 2 * 10**6,
        },
    )
    until(
        "the link to be active on both sides",
        lambda: (
            links_of(ada, "riverside")[0]["state"]
            == links_of(bo, "hillside")[0]["state"]
            == "active"
        ),
    )
    link_a, link_b = links_of(ada, "riverside")[0]["id"], links_of(bo, "hillside")[0]["id"]

    status, paid = ada.post(
        "/collectives/riverside/cross-payments",
        {"link": link_a, "to": bo.id, "amount": 150},
        "first",
    )
    assert (status, paid["state"], paid["converted"]) == (201, "committed", 300)
    status, paid = bo.post(
        "/collectives/hillside/cross-payments",
        {"link": link_b, "to": ada.id, "amount": 101},
        "back",
    )
    assert (status, paid["converted"]) == (201, 50)  # 50.5 rounded toward the payer

    # the storm: 25 payments each way from two threads; each server is killed once midway
    acknowledged: dict[str, set[str]] = {"riverside": set(), "hillside": set()}
    answered: list[str] = []

    def storm(who: Person, slug: str, link: str, to: str, prefix: str) -> None:
        for n in range(25):
            key = f"{prefix}{n}"
            for _ in range(200):  # a client retries with the same key until it gets an answer
                try:
                    status, body = who.post(
                        f"/collectives/{slug}/cross-payments",
                        {"link": link, "to": to, "amount": 10 + n},
                        key,
                    )
                except OSError:  # the server is down: wait and send the same request again
                    time.sleep(0.2)
                    continue
                if status in (201, 202):  # 202: held, the other server is down: settled later
                    answered.append(key)
                    if status == 201:
                        acknowledged[slug].add(body["ref"])
                    break
                if status >= 500 or status == 503:
                    time.sleep(0.2)
                    continue
                pytest.fail(f"{slug} refused {key}: {status} {body}")
            time.sleep(0.05)

    threads = [
        threading.Thread(target=storm, args=(ada, "riverside", link_a, bo.id, "r")),
        threading.Thread(target=storm, args=(bo, "hillside", link_b, ada.id, "h")),
    ]
    for t in threads:
        t.start()
    until("a third of the storm", lambda: len(answered) >= 16)
    b.kill()  # Hillside (PostgreSQL) dies mid-storm
    b.start()
    until("two thirds of the storm", lambda: len(answered) >= 32)
    a.kill()  # then Riverside (SQLite)
    a.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)

    def settled() -> bool:
        ra, hb = links_of(ada, "riverside")[0], links_of(bo, "hillside")[0]
        held = (ra["held_out"], ra["held_in"], hb["held_out"], hb["held_in"])
        return held == (0, 0, 0, 0)

    until("every payment to be settled on both sides", settled, seconds=90)
    # let the last commit acknowledgements go through, then compare the two ledgers
    time.sleep(1)
    mine_a = {p["ref"]: p for p in page_all(ada, "riverside")}
    mine_b = {p["ref"]: p for p in page_all(bo, "hillside")}
    for ref in set(mine_a) | set(mine_b):
        state_a = mine_a.get(ref, {}).get("state")
        state_b = mine_b.get(ref, {}).get("state")
        assert (state_a == "committed") == (state_b == "committed"), (ref, state_a, state_b)
        assert state_a not in ("preparing", "prepared")  # nothing half-done on either side
        assert state_b not in ("preparing", "prepared")
    for slug, refs in acknowledged.items():
        side = mine_a if slug == "riverside" else mine_b
        assert all(side[ref]["state"] == "committed" for ref in refs), slug
    assert len(answered) == 50
    assert acknowledged["riverside"]
    assert acknowledged["hillside"]

    ra, hb = links_of(ada, "riverside")[0], links_of(bo, "hillside")[0]
    assert ra["peer_position"] == hb["position"]  # the link accounts mirror each other
    assert hb["peer_position"] == ra["position"]
    for who, slug in ((ada, "riverside"), (bo, "hillside")):
        verified = who.get(f"/collectives/{slug}/ledger/verify")
        assert verified["ok"] is True, verified
    committed_out = sum(
        p["amount"]
        for p in mine_a.values()
        if p["direction"] == "out" and p["state"] == "committed"
    )
    committed_in = sum(
        p["amount"] for p in mine_a.values() if p["direction"] == "in" and p["state"] == "committed"
    )
    assert ra["position"] == committed_out - committed_in
    assert ada.get("/collectives/riverside/accounts/me")["balance"] == committed_in - committed_out


def page_all(who: Person, slug: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = who.get(f"/collectives/{slug}/cross-payments?limit=100{cursor}")
        items += page["items"]
        if not page["next_cursor"]:
            return items
        cursor = f"&cursor={page['next_cursor']}"
