"""``serve --workers 8`` (PostgreSQL; 2 on SQLite): payments near the credit limits through
several server processes never overdraw, a retried key posts once, and the journal verifies.
Before it starts, a process is killed (``kill -9``) between committing a payment and sealing
its entry: the restarted server seals it."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import Engine

from cybermutual.services.container import Services
from tests.helpers import members

WORKERS = 8
CLIENTS = 8
PAYMENTS = 12  # per client
LIMIT = 500

_CRASH = textwrap.dedent(
    """
    import os, signal, sys
    from cybermutual.bootstrap import build_services
    from cybermutual.store.engine import make_engine

    url, slug, payer, payee = sys.argv[1:]
    services = build_services(
        make_engine(url), journal_sealing="deferred", seal_after_commit=False
    )
    services.ledger.pay(slug, payer=payer, payee=payee, amount=40, idempotency_key="crash")
    os.kill(os.getpid(), signal.SIGKILL)  # committed, not sealed: the sealer never runs
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@contextmanager
def _serve(url: str, port: int, log: Path, workers: int) -> Iterator[str]:
    env = {**os.environ, "CYBERMUTUAL_TICK_SECONDS": "1", "CYBERMUTUAL_DB_POOL_SIZE": "4"}
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                *(sys.executable, "-c", "from cybermutual.cli import app; app()", "serve"),
                *("--workers", str(workers), "--port", str(port), "--database-url", url),
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"serve --workers did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _pay_through(
    base: str, slug: str, ids: list[str], tokens: list[str]
) -> tuple[list[str], list[str], list[str]]:
    """Every client pays at random near the limits, the first payment with one shared key."""
    posted: list[str] = []
    failures: list[str] = []
    once: list[str] = []
    start = threading.Barrier(CLIENTS)

    def client(n: int) -> None:
        rng = random.Random(n)
        with httpx.Client(base_url=f"{base}/api/v1", timeout=60) as http:
            start.wait()
            for i in range(PAYMENTS):
                payer, payee = rng.sample(range(len(ids)), 2)
                amount, key = rng.randint(1, 200), f"{n}-{i}"
                if i == 0:  # every client sends this one first, with one key
                    payer, payee, amount, key = 0, 1, 150, "same-everywhere"
                answer = http.post(
                    f"/collectives/{slug}/transfers",
                    json={"to": ids[payee], "amount": amount},
                    headers={
                        "Authorization": f"Bearer {tokens[payer]}",
                        "Idempotency-Key": key,
                        "Content-Type": "application/json",
                    },
                )
                if answer.status_code == 201:
                    (once if i == 0 else posted).append(answer.json()["id"])
                elif "credit_limit_exceeded" not in answer.text:
                    failures.append(f"{answer.status_code} {answer.text}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return posted, once, failures


@pytest.mark.slow
def test_eight_server_processes_after_a_crash(services: Services, url: str, tmp_path: Path) -> None:
    slug, people = members(services, 4, credit_limit=LIMIT)
    ids = [p.id for p in people]

    crashed = subprocess.run(
        [sys.executable, "-c", _CRASH, url, slug, ids[0], ids[1]], capture_output=True, timeout=60
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr.decode()
    left = services.ledger.verify(slug)
    assert left.ok, left.problems
    assert (left.entries, left.unsealed) == (1, 1)

    # eight processes on PostgreSQL, where operators run many; two on SQLite (one writer at a
    # time whatever the count, and each process takes seconds to start on a busy machine)
    workers = WORKERS if url.startswith("postgresql") else 2
    with _serve(url, _free_port(), tmp_path / "serve.log", workers) as base:
        assert services.ledger.verify(slug).unsealed == 0  # sealed as the server started
        tokens = [
            httpx.post(
                f"{base}/api/v1/auth/token",
                data={"username": p.email, "password": "correct horse"},
                timeout=30,
            ).json()["access_token"]
            for p in people
        ]
        posted, once, failures = _pay_through(base, slug, ids, tokens)
        assert failures == []
        assert len(set(once)) == 1  # one key through eight processes: one payment
        result = httpx.get(f"{base}/api/v1/collectives/{slug}/ledger/verify").json()
        assert result["ok"], result

    result = services.ledger.verify(slug)
    assert result.ok, result.problems
    assert result.entries == 1 + 1 + len(posted)
    assert result.unsealed == 0
    for p in people:
        account = services.ledger.account(slug, member_id=p.id).account
        assert account.balance >= -LIMIT
