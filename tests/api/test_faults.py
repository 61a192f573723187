"""Faults a real server meets (issue #8, item 16): storage that cannot write, unexpected
errors, response headers, a public verify that is cheap to repeat.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from cybermutual.api.app import create_app
from cybermutual.bootstrap import build_services
from cybermutual.services.container import Services
from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import upgrade
from tests.api.helpers import COLLECTIVE, Member
from tests.helpers import FAST_PASSWORDS, assert_problem

C = "/collectives/riverside"


def _app_on(url: str) -> tuple[Engine, Services, TestClient]:
    engine = make_engine(url)
    services = build_services(engine, passwords=FAST_PASSWORDS)
    return engine, services, TestClient(create_app(services))


def test_api_answers_are_not_sniffed_or_cached(client: TestClient, member: Any) -> None:
    ada = member("Ada")
    ada.post("/collectives", json=COLLECTIVE)
    for reply in (
        ada.get(f"{C}/accounts/me"),
        client.get("/api/v1/collectives/nowhere"),
        ada.post("/collectives", content=b"{", headers={"Content-Type": "application/json"}),
        client.get("/api/v1/health"),
        client.get("/api/v1/x", params={"q": "\x00"}),
    ):
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert reply.headers["cache-control"] == "no-store"


def test_health_says_ok_when_the_database_can_write(client: TestClient) -> None:
    reply = client.get("/api/v1/health")
    assert reply.status_code == 200
    assert reply.json()["storage"] == "writable"


def test_an_unexpected_error_is_a_problem_that_closes_the_connection(
    client: TestClient, services: Services, member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = member("Ada")
    ada.post("/collectives", json=COLLECTIVE)

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(services.ledger, "account", broken)
    reply = ada.get(f"{C}/accounts/me")
    assert_problem(reply, 500, "internal_error")
    assert reply.headers["connection"] == "close"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert "a bug" not in reply.text


def test_a_read_only_sqlite_database_is_503_and_fails_the_health_check(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    writable = make_engine(f"sqlite:///{path}")
    upgrade(writable)
    with TestClient(create_app(build_services(writable, passwords=FAST_PASSWORDS))) as client:
        ada = Member(client, "Ada")
    writable.dispose()
    engine, _, client = _app_on(f"sqlite:///file:{path}?mode=ro&uri=true")
    with client:
        token = client.post(
            "/api/v1/auth/token", data={"username": ada.email, "password": "correct horse"}
        )
        # reading still works; writing is 503 with Retry-After, never a 500
        reply = client.post(
            "/api/v1/collectives",
            json=COLLECTIVE,
            headers={"Authorization": ada.headers["Authorization"]},
        )
        assert_problem(reply, 503, "storage_unavailable")
        assert int(reply.headers["retry-after"]) > 0
        assert token.status_code in (200, 503)
        health = client.get("/api/v1/health")
        assert_problem(health, 503, "storage_unavailable")
        assert "retry-after" in health.headers
    engine.dispose()


def test_a_full_sqlite_disk_is_503(tmp_path: Path) -> None:
    path = tmp_path / "full.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    services = build_services(engine, passwords=FAST_PASSWORDS)
    with TestClient(create_app(services)) as client:
        ada = Member(client, "Ada")
        with engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

        @event.listens_for(engine, "connect")
        def _full(dbapi_connection: Any, _record: Any) -> None:  # the disk is now full
            dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

        engine.dispose()  # every connection from now on sees the full disk
        reply = ada.post("/collectives", json={**COLLECTIVE, "name": "x" * 120, "slug": "a" * 50})
        for n in range(40):  # grow until a page is needed
            if reply.status_code != 201:
                break
            reply = ada.post("/collectives", json={**COLLECTIVE, "slug": f"c{n:03d}-" + "b" * 40})
        assert_problem(reply, 503, "storage_unavailable")
    engine.dispose()


def test_a_locked_sqlite_database_fails_the_health_check_quickly(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    engine, _, client = _app_on(f"sqlite:///{path}")
    upgrade(engine)
    other = make_engine(f"sqlite:///{path}")
    with client, other.connect() as holder:
        holder.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock, held
        started = time.monotonic()
        reply = client.get("/api/v1/health")
        assert_problem(reply, 503, "storage_unavailable")
        assert time.monotonic() - started < 5
        holder.rollback()
        assert client.get("/api/v1/health").status_code == 200
    other.dispose()
    engine.dispose()


@pytest.mark.postgres
def test_a_read_only_postgresql_database_is_503(postgres_server: Any) -> None:
    url = postgres_server.create_database("faults_read_only")
    engine, _, client = _app_on(url)
    upgrade(engine)
    with client:
        ada = Member(client, "Ada")
        with engine.connect() as conn:
            name = conn.exec_driver_sql("SELECT current_database()").scalar()
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
            conn.commit()
        engine.dispose()  # new sessions are read-only
        assert_problem(ada.post("/collectives", json=COLLECTIVE), 503, "storage_unavailable")
        assert_problem(client.get("/api/v1/health"), 503, "storage_unavailable")
    engine.dispose()


def test_verify_is_cached_until_the_head_moves(
    client: TestClient, services: Services, member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, bo = member("Ada"), member("Bo")
    ada.post("/collectives", json=COLLECTIVE)
    bo.post(f"{C}/memberships")
    ada.post(f"{C}/transfers", key="k1", json={"to": bo.id, "amount": 5, "memo": "tea"})
    from cybermutual.domain import journal

    replays = []
    real = journal.verify

    def counted(*args: Any, **kw: Any) -> Any:
        replays.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(journal, "verify", counted)
    first = client.get(f"/api/v1{C}/ledger/verify").json()
    for _ in range(5):
        assert client.get(f"/api/v1{C}/ledger/verify").json() == first
    assert len(replays) == 1
    ada.post(f"{C}/transfers", key="k2", json={"to": bo.id, "amount": 5, "memo": "tea"})
    moved = client.get(f"/api/v1{C}/ledger/verify").json()
    assert len(replays) == 2
    assert moved["ok"]
    assert moved["entries"] > first["entries"]
    assert moved["head"] != first["head"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def live(services: Services) -> Iterator[tuple[int, Services]]:
    app = create_app(services)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield port, services
    server.should_exit = True
    thread.join(timeout=10)


def test_a_500_over_keep_alive_says_connection_close(
    live: tuple[int, Services], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, services = live

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(services.collectives, "directory", broken)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(b"GET /api/v1/collectives HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += conn.recv(4096)
        head = answer.split(b"\r\n\r\n")[0].lower()
        assert head.startswith(b"http/1.1 500")
        assert b"connection: close" in head
        assert b"content-type: application/problem+json" in head


def test_an_unknown_database_error_is_a_500_problem_that_closes_the_connection(
    client: TestClient, services: Services, member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import ProgrammingError

    ada = member("Ada")
    ada.post("/collectives", json=COLLECTIVE)

    def broken(*_: Any, **__: Any) -> Any:
        raise ProgrammingError("SELECT nonsense", {}, Exception("syntax error"))

    monkeypatch.setattr(services.ledger, "account", broken)
    reply = ada.get(f"{C}/accounts/me")
    assert_problem(reply, 500, "internal_error")
    assert reply.headers["connection"] == "close"
    assert "nonsense" not in reply.text
