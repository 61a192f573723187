"""``policy-impact`` is no CPU bomb (issue #8, items 10 and 12).

``seeds=32, steps=520`` cost 35 s of CPU, three in parallel never finished in 120 s and ran on
after the client left. Each estimate now has a work budget, runs in a bounded pool, and stops
when its caller goes away.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cybermutual.api.app import create_app
from cybermutual.bootstrap import build_services
from cybermutual.services.container import Services
from cybermutual.services.policy_impact import PolicyChange
from cybermutual.services.simulation_pool import SimulationCancelled, SimulationJob, SimulationPool
from tests.api.helpers import COLLECTIVE, Member
from tests.helpers import FAST_PASSWORDS, FakeClock, assert_problem

IMPACT = "/collectives/riverside/policy-impact"


@pytest.fixture
def pool() -> Iterator[SimulationPool]:
    pool = SimulationPool(workers=1, queue=1, per_member=1, retry_after=7)
    yield pool
    pool.shutdown()


@pytest.fixture
def small_services(engine: Engine, clock: FakeClock, pool: SimulationPool) -> Services:
    return build_services(engine, clock=clock, passwords=FAST_PASSWORDS, simulation_pool=pool)


@pytest.fixture
def api(small_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(small_services)) as client:
        yield client


def _blocker(pool: SimulationPool, member_id: str) -> tuple[SimulationJob[None], threading.Event]:
    release = threading.Event()

    def work(job: SimulationJob[None]) -> None:
        while not release.wait(0.01):
            job.check()

    return pool.submit(member_id, work), release


def test_the_work_of_one_estimate_is_capped(api: TestClient) -> None:
    ada = Member(api, "Ada")
    ada.post("/collectives", json=COLLECTIVE)
    started = time.process_time()
    reply = ada.post(IMPACT, json={"levy_rate": "0.05", "seeds": 32, "steps": 520})
    assert time.process_time() - started < 2
    assert_problem(reply, 422, "simulation_too_large")
    context = reply.json()["context"]
    assert context["work_limit"] == 2_100_000
    assert context["work"] == 32 * 520 * 500
    assert "2,100,000" in reply.json()["detail"]


def _trade(api: TestClient, ada: Member) -> Member:
    """A second member and a few payments: an estimate is calibrated to the collective's trade."""
    bo = Member(api, "Bo")
    assert bo.post("/collectives/riverside/memberships").status_code == 201
    for k in range(6):
        payer, payee = (ada, bo) if k % 2 else (bo, ada)
        reply = payer.post(
            "/collectives/riverside/transfers",
            key=f"trade-{k}",
            json={"to": payee.id, "amount": 200 + 10 * k, "memo": "bread"},
        )
        assert reply.status_code == 201, reply.text
    return bo


def test_a_zero_service_budget_is_estimated(api: TestClient) -> None:
    ada = Member(api, "Ada")
    ada.post("/collectives", json=COLLECTIVE)
    # without trade there is nothing to calibrate to: a reason, never a 500
    reply = ada.post(IMPACT, json={"services": {"food": 0}, "seeds": 2, "steps": 4})
    assert_problem(reply, 422, "no_trade_to_calibrate")
    _trade(api, ada)
    reply = ada.post(IMPACT, json={"services": {"food": 0}, "seeds": 2, "steps": 4})
    assert reply.status_code == 200, reply.text


def test_a_full_pool_answers_503_with_retry_after(api: TestClient, pool: SimulationPool) -> None:
    ada = Member(api, "Ada")
    ada.post("/collectives", json=COLLECTIVE)
    _trade(api, ada)
    jobs = [_blocker(pool, "someone"), _blocker(pool, "someone else")]  # one runs, one waits
    try:
        reply = ada.post(IMPACT, json={"levy_rate": "0.05", "seeds": 1, "steps": 4})
        assert_problem(reply, 503, "simulator_busy")
        assert reply.headers["retry-after"] == "7"
    finally:
        for job, release in jobs:
            release.set()
            job.future.result(timeout=5)
    assert pool.admitted == 0
    ok = ada.post(IMPACT, json={"levy_rate": "0.05", "seeds": 1, "steps": 4})
    assert ok.status_code == 200, ok.text


def test_one_member_runs_one_estimate_at_a_time(api: TestClient, pool: SimulationPool) -> None:
    ada, bo = Member(api, "Ada"), Member(api, "Bo")
    ada.post("/collectives", json=COLLECTIVE)
    bo.post("/collectives/riverside/memberships")
    job, release = _blocker(pool, ada.id)
    try:
        reply = ada.post(IMPACT, json={"levy_rate": "0.05", "seeds": 1, "steps": 4})
        assert_problem(reply, 429, "too_many_simulations")
        assert reply.headers["retry-after"] == "7"
    finally:
        release.set()
        job.future.result(timeout=5)


def test_a_cancelled_estimate_stops_at_its_next_step(small_services: Services) -> None:
    founder = small_services.auth.register(
        email="ada@example.org", password="correct horse", display_name="Ada"
    )
    small_services.collectives.create(founder_id=founder.id, **_collective_args())
    bo = small_services.auth.register(
        email="bo@example.org", password="correct horse", display_name="Bo"
    )
    small_services.collectives.join("riverside", member_id=bo.id)
    for k in range(4):
        payer, payee = (founder, bo) if k % 2 else (bo, founder)
        small_services.ledger.pay(
            "riverside", payer=payer.id, payee=payee.id, amount=300, idempotency_key=f"k{k}"
        )
    job = small_services.policy_impact.submit(
        "riverside", PolicyChange(levy_rate="0.05"), viewer_id=founder.id, seeds=1, steps=520
    )
    time.sleep(0.2)
    job.cancel()
    with pytest.raises(SimulationCancelled):  # it stopped: a finished run would return
        job.future.result(timeout=10)
    assert small_services.policy_impact.pool.admitted == 0
    assert small_services.policy_impact.pool.stopped_early == 1


def _collective_args() -> dict[str, Any]:
    from cybermutual.domain.collective import Charter
    from cybermutual.domain.money import Currency

    return {
        "slug": "riverside",
        "name": "Riverside",
        "currency": Currency("RVC", "Riverside credit", 2),
        "charter": Charter(default_credit_limit=1000),
    }


def test_the_runs_stop_when_the_client_goes_away(
    small_services: Services, pool: SimulationPool
) -> None:
    """Over a real socket: the client sends an estimate and hangs up; the pool empties."""
    app = create_app(small_services)
    with TestClient(app) as client:
        ada = Member(client, "Ada")
        ada.post("/collectives", json=COLLECTIVE)
        _trade(client, ada)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)

        def request(body: bytes) -> bytes:
            return (
                f"POST /api/v1{IMPACT} HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: {ada.headers['Authorization']}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body

        # a client that waits gets its answer (waiting is not mistaken for leaving)
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(request(b'{"levy_rate": "0.05", "seeds": 1, "steps": 40}'))
            answer = b""
            while b"\r\n\r\n" not in answer:
                answer += conn.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
        with socket.create_connection(("127.0.0.1", port)) as conn:
            conn.sendall(request(b'{"levy_rate": "0.05", "seeds": 1, "steps": 520}'))
            deadline = time.monotonic() + 5
            while pool.admitted == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert pool.admitted == 1
        gone = time.monotonic()
        while pool.admitted and time.monotonic() - gone < 5:
            time.sleep(0.02)
        assert pool.admitted == 0
        assert pool.stopped_early == 1  # cancelled when the client left, not run to its end
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_stopping_the_server_stops_running_estimates(small_services: Services) -> None:
    pool = small_services.policy_impact.pool
    with TestClient(create_app(small_services)):
        job, release = _blocker(pool, "someone")
        time.sleep(0.05)
    # the app's shutdown cancelled it: it stops at its next step without being released
    with pytest.raises(SimulationCancelled):
        job.future.result(timeout=5)
    release.set()
    assert pool.admitted == 0
