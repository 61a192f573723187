"""Whether this server can do its work: the answer ``/health`` gives a load balancer."""

from __future__ import annotations

from collections.abc import Callable

from cybermutual import __version__


class HealthService:
    def __init__(self, *, probe_writes: Callable[[], None]) -> None:
        self._probe_writes = probe_writes

    def check(self) -> dict[str, str]:
        """``ok`` with the version, or ``StorageUnavailable`` when a write would fail now."""
        self._probe_writes()
        return {"status": "ok", "version": __version__, "storage": "writable"}
