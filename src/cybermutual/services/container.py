"""Every use case of the system, as the edges (API, web, CLI) receive them from bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cybermutual.domain.errors import DomainError
from cybermutual.services.auth import AuthService
from cybermutual.services.collectives import CollectiveService
from cybermutual.services.commons import CommonsService
from cybermutual.services.commons_rounds import AllocationService
from cybermutual.services.health import HealthService
from cybermutual.services.ledger import LedgerService
from cybermutual.services.market import MarketService
from cybermutual.services.policy_impact import PolicyImpactService
from cybermutual.services.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class StorageFaults:
    """The storage driver's own exceptions, and what one means as a domain error (a race, storage
    that cannot write), if anything: the store knows its driver, the edges ask it through here."""

    kinds: tuple[type[Exception], ...]
    translate: Callable[[BaseException], DomainError | None]


@dataclass(frozen=True, slots=True)
class Services:
    uow: UnitOfWorkFactory
    clock: Clock
    auth: AuthService
    collectives: CollectiveService
    ledger: LedgerService
    commons: CommonsService
    allocation: AllocationService
    market: MarketService
    policy_impact: PolicyImpactService
    health: HealthService
    faults: StorageFaults
