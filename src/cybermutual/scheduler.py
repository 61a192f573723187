"""The in-process scheduler of ``serve``: runs ``services.tick`` every few seconds on a thread.

The tick is idempotent by (what, period), so several servers may each run one: nothing is done
twice. An exception in one tick is logged and the next tick runs as usual. Each round also seals
journal entries left unsealed (a crash between a commit and its sealing, or sealing left to the
background with ``CYBERMUTUAL_SEAL_AFTER_COMMIT=false``).
"""

from __future__ import annotations

import logging
import threading

from cybermutual.services.container import Services

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, services: Services, *, every: float) -> None:
        if every <= 0:
            raise ValueError("the scheduler needs a positive interval")
        self._services = services
        self._every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._federation: threading.Thread | None = None
        self.ticks = 0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="cybermutual-tick", daemon=True)
        self._thread.start()
        # federation has its own loop: a payment another server waits for must not wait behind
        # an impact estimate of the governance tick
        self._federation = threading.Thread(
            target=self._run_federation, name="cybermutual-federation", daemon=True
        )
        self._federation.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._federation is not None:
            self._federation.join(timeout)
            self._federation = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                report = self._services.tick.tick()
                if (
                    report.closed
                    or report.claims_paid
                    or report.basic_income_paid
                    or report.demurrage_charged
                    or report.debts_written_off
                ):
                    log.info("tick: %s", report.as_dict())
            except Exception:  # a failing tick must not stop the next one
                log.exception("tick failed")
            try:
                self._services.ledger.seal()
            except Exception:
                log.exception("sealing the journals failed")
            self.ticks += 1
            self._stop.wait(self._every)

    def _run_federation(self) -> None:
        """What links and cross-payments still owe other servers (``FederationService.tick``)."""
        while not self._stop.is_set():
            try:
                report = self._services.federation.tick()
                if report.errors:
                    log.warning("federation tick: %s", report.as_dict())
            except Exception:  # a failing round must not stop the next one
                log.exception("federation tick failed")
            self._stop.wait(self._every)
