"""A bounded pool for simulations a request asks for (policy impact), so none can hog the server.

It owns three limits, each refused at once rather than queued without end:

- ``workers`` threads run simulations; at most ``queue`` more wait for one
  (``simulator_busy``, 503 with Retry-After, when both are full);
- each member has at most ``per_member`` simulations running or waiting
  (``too_many_simulations``, 429 with Retry-After);
- a caller that goes away cancels its job: a waiting job never starts, a running one stops at
  its next simulated step (the simulator calls back once per step).

Threads rather than processes: a job must stop when its caller leaves, which a thread does at
its next step, and the simulator spends its time in numpy, which releases the interpreter lock
on the large arrays. With one worker (the default) a burst of calls costs the server at most
one core.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from cybermutual.domain.errors import SimulatorBusy, TooManySimulations

T = TypeVar("T")


class SimulationCancelled(Exception):
    """Raised inside a job at its next step once its caller has gone."""


@dataclass(eq=False)
class SimulationJob(Generic[T]):
    """A submitted simulation: wait on ``future``; ``cancel()`` when nobody wants it any more."""

    future: Future[T]
    cancelled: threading.Event = field(default_factory=threading.Event)
    #: simulated steps done so far (the simulator calls ``check`` once per step): progress
    steps_done: int = 0

    def cancel(self) -> None:
        self.cancelled.set()
        self.future.cancel()  # only succeeds while the job is still waiting

    def check(self) -> None:
        """Called by the simulator once per step."""
        if self.cancelled.is_set():
            raise SimulationCancelled
        self.steps_done += 1  # one writer (the job's thread); readers only show it


class SimulationPool:
    def __init__(
        self, *, workers: int = 1, queue: int = 4, per_member: int = 1, retry_after: int = 10
    ) -> None:
        if workers < 1 or queue < 0 or per_member < 1:
            raise ValueError("workers and per_member must be positive, queue not negative")
        self.workers = workers
        self.capacity = workers + queue
        self.per_member = per_member
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._admitted = 0
        self._by_member: dict[str, int] = {}
        self._jobs: set[SimulationJob[Any]] = set()
        self._executor: ThreadPoolExecutor | None = None
        self._stopped_early = 0

    @property
    def stopped_early(self) -> int:
        """Jobs that stopped before their end because they were cancelled (client gone)."""
        with self._lock:
            return self._stopped_early

    @property
    def admitted(self) -> int:
        """Jobs running or waiting."""
        with self._lock:
            return self._admitted

    def submit(self, member_id: str, work: Callable[[SimulationJob[T]], T]) -> SimulationJob[T]:
        """Run ``work(job)`` on a worker; it should call ``job.check()`` between steps."""
        with self._lock:
            if self._by_member.get(member_id, 0) >= self.per_member:
                raise TooManySimulations(
                    f"you already have {self.per_member} simulation(s) running; "
                    "wait for it to finish",
                    retry_after_seconds=self.retry_after,
                    limit=self.per_member,
                )
            if self._admitted >= self.capacity:
                raise SimulatorBusy(
                    "the simulator is busy; try again shortly",
                    retry_after_seconds=self.retry_after,
                )
            self._admitted += 1
            self._by_member[member_id] = self._by_member.get(member_id, 0) + 1
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="simulation")
            executor = self._executor
        job: SimulationJob[T] = SimulationJob(Future())

        def run() -> T:
            try:
                job.check()
                return work(job)
            except SimulationCancelled:
                with self._lock:
                    self._stopped_early += 1
                raise

        try:
            inner = executor.submit(run)
        except RuntimeError:  # shut down
            self._release(member_id, job)
            raise
        job.future = inner
        with self._lock:
            self._jobs.add(job)
        inner.add_done_callback(lambda _: self._release(member_id, job))
        return job

    def _release(self, member_id: str, job: SimulationJob[Any]) -> None:
        with self._lock:
            self._jobs.discard(job)
            self._admitted -= 1
            left = self._by_member.get(member_id, 1) - 1
            if left:
                self._by_member[member_id] = left
            else:
                self._by_member.pop(member_id, None)

    def shutdown(self) -> None:
        """Stop every job (the server is stopping); a later ``submit`` starts afresh."""
        with self._lock:
            executor, self._executor = self._executor, None
            jobs = list(self._jobs)
        for job in jobs:
            job.cancel()
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
