"""The simulation pool never admits more than it may, whoever asks and however fast."""

from __future__ import annotations

import threading
from concurrent.futures import CancelledError

import pytest

from cybermutual.domain.errors import SimulatorBusy, TooManySimulations
from cybermutual.services.simulation_pool import SimulationCancelled, SimulationJob, SimulationPool


def test_admission_is_bounded_under_a_burst() -> None:
    pool = SimulationPool(workers=2, queue=3, per_member=2)
    release = threading.Event()
    running = 0
    most = 0
    lock = threading.Lock()

    def work(job: SimulationJob[int]) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        release.wait(5)
        with lock:
            running -= 1
        return 1

    admitted: list[SimulationJob[int]] = []
    refused: list[Exception] = []
    start = threading.Barrier(12)

    def ask(member: str) -> None:
        start.wait()
        try:
            admitted.append(pool.submit(member, work))
        except (SimulatorBusy, TooManySimulations) as exc:
            refused.append(exc)

    threads = [threading.Thread(target=ask, args=(f"m{i % 4}",)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(admitted) == 5  # 2 running + 3 waiting
    assert len(refused) == 7
    assert pool.admitted == 5
    release.set()
    assert sum(job.future.result(timeout=5) for job in admitted) == 5
    assert most <= 2
    assert pool.admitted == 0
    pool.shutdown()


def test_a_waiting_job_cancelled_never_runs() -> None:
    pool = SimulationPool(workers=1, queue=1, per_member=2)
    release = threading.Event()
    ran: list[str] = []

    def work(job: SimulationJob[None]) -> None:
        ran.append("ran")
        release.wait(5)

    first = pool.submit("a", work)
    second = pool.submit("a", work)
    second.cancel()
    release.set()
    first.future.result(timeout=5)
    with pytest.raises((CancelledError, SimulationCancelled)):
        second.future.result(timeout=5)
    assert ran == ["ran"]
    assert pool.admitted == 0
    pool.shutdown()
