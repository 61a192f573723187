"""Group commit: concurrent requests of one kind share a transaction, each answered on its own.

A server answers many payments at once (one thread per request). Instead of each taking the
ledger's locks, writing and flushing its own transaction, the first caller becomes the *leader*:
it takes every request waiting for the same key (a collective), runs them through one unit of
work and one commit, and hands each caller its own result or refusal. Then it passes leadership
to the next waiting caller. A lone request is processed at once, alone: nothing ever waits for a
batch to fill. The handler decides per request; one refusal never affects another.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Req = TypeVar("Req")
Res = TypeVar("Res")


@dataclass(eq=False)
class Ticket(Generic[Req, Res]):
    """One waiting request and, once handled, its outcome."""

    key: Hashable
    request: Req
    result: Res | None = None
    error: BaseException | None = None
    lead: bool = False
    settled: bool = False
    wake: threading.Event = field(default_factory=threading.Event)

    def resolve(self, result: Res) -> None:
        self.result, self.settled = result, True

    def refuse(self, error: BaseException) -> None:
        self.error, self.settled = error, True


class GroupCommit(Generic[Req, Res]):
    """Runs ``handle(tickets)`` for batches of same-key requests, one batch at a time per key."""

    def __init__(
        self, handle: Callable[[Sequence[Ticket[Req, Res]]], None], *, max_batch: int = 256
    ) -> None:
        self._handle = handle
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._waiting: dict[Hashable, list[Ticket[Req, Res]]] = {}
        self._busy: set[Hashable] = set()

    def submit(self, key: Hashable, request: Req) -> Res:
        """Handle ``request`` (alone or with others of the same ``key``); its result or error."""
        ticket: Ticket[Req, Res] = Ticket(key, request)
        with self._lock:
            self._waiting.setdefault(key, []).append(ticket)
            if key not in self._busy:
                self._busy.add(key)
                ticket.lead = True
        while not ticket.settled:
            if ticket.lead:
                self._lead(key)
            else:
                ticket.wake.wait()
                ticket.wake.clear()
        if ticket.error is not None:
            raise ticket.error
        return ticket.result  # type: ignore[return-value]

    def _lead(self, key: Hashable) -> None:
        # let callers that are already runnable (just answered, about to ask again) join this
        # batch: yielding the interpreter once costs microseconds and halves the transactions
        waiting = 0
        for _ in range(4):  # at most a few yields, and only while callers keep arriving
            time.sleep(0)
            with self._lock:
                now_waiting = len(self._waiting[key])
            if now_waiting == waiting or now_waiting >= self._max_batch:
                break
            waiting = now_waiting
        with self._lock:
            queue = self._waiting[key]
            batch, self._waiting[key] = queue[: self._max_batch], queue[self._max_batch :]
        try:
            self._handle(batch)
        except BaseException as exc:  # the transaction failed as a whole: nobody got an answer
            for ticket in batch:
                if not ticket.settled:
                    ticket.refuse(exc)
        finally:
            for ticket in batch:
                if not ticket.settled:  # a handler that forgot one must not hang its caller
                    ticket.refuse(RuntimeError("request was not handled"))
                ticket.lead = False
            with self._lock:
                rest = self._waiting[key]
                if rest:
                    rest[0].lead = True  # hand leadership to the next caller in line
                    rest[0].wake.set()
                else:
                    del self._waiting[key]
                    self._busy.discard(key)
            for ticket in batch:
                ticket.wake.set()
