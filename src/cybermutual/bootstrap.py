"""The one composition root: engine, unit of work, clock, hasher, services, apps."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from cybermutual.config import Settings
from cybermutual.domain.federation.payments import MAX_BACKOFF, PREPARE_TIMEOUT
from cybermutual.federation_http import HttpKeyDirectory
from cybermutual.peers import PeerClient
from cybermutual.services.auth import AuthService
from cybermutual.services.budget_rounds import BudgetRoundService
from cybermutual.services.chain_planner import plan_chain
from cybermutual.services.chains import ChainService
from cybermutual.services.collectives import CollectiveService
from cybermutual.services.commons import CommonsService
from cybermutual.services.commons_facilitation import DomainFacilitator
from cybermutual.services.commons_rounds import AllocationService
from cybermutual.services.container import Services
from cybermutual.services.coop_invitations import CoopService
from cybermutual.services.enterprises import EnterpriseService
from cybermutual.services.estimate_jobs import EstimateJobs
from cybermutual.services.federation import FederationService
from cybermutual.services.federation_keys import KeyServiceKeys
from cybermutual.services.governance_impact import ProposalImpactService
from cybermutual.services.governance_proposals import ProposalService
from cybermutual.services.governance_tick import TickService
from cybermutual.services.governance_votes import VoteService
from cybermutual.services.health import HealthService
from cybermutual.services.history_export import HistoryService, KeyDirectory
from cybermutual.services.keys import KeySealer, KeyService, SecretSealer
from cybermutual.services.ledger import LedgerService
from cybermutual.services.market import MarketService
from cybermutual.services.money_supply import MoneySupplyService
from cybermutual.services.policy_impact import DEFAULT_WORK_LIMIT, PolicyImpactService
from cybermutual.services.ports import Clock
from cybermutual.services.public_services import PublicServicesService
from cybermutual.services.simulation_pool import SimulationPool
from cybermutual.store.engine import make_engine
from cybermutual.store.faults import STORAGE_FAULTS
from cybermutual.store.health import WriteProbe
from cybermutual.store.migrate import schema_revision, upgrade
from cybermutual.store.uow import SqlUnitOfWorkFactory


class SystemClock:
    """The wall clock, in UTC; only the edges read it."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class Argon2Passwords:
    """argon2id with the library's recommended parameters."""

    def __init__(self, hasher: Argon2Hasher | None = None) -> None:
        self._hasher = hasher or Argon2Hasher()

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def build_services(
    engine: Engine,
    *,
    clock: Clock | None = None,
    passwords: Argon2Passwords | None = None,
    token_ttl: timedelta = timedelta(days=30),
    simulation_pool: SimulationPool | None = None,
    simulation_work_limit: int = DEFAULT_WORK_LIMIT,
    jury_rng: random.Random | None = None,
    key_sealer: KeySealer | None = None,
    public_url: str | None = None,
    key_directory: KeyDirectory | None = None,
    federation_timeout: timedelta = PREPARE_TIMEOUT,
    federation_retry: timedelta = MAX_BACKOFF,
    journal_sealing: str = "auto",
    seal_after_commit: bool = True,
) -> Services:
    """Wire every service over ``engine``.

    ``jury_rng`` draws the seeds of jury draws: a CSPRNG (``secrets.SystemRandom``) unless a
    test passes a seeded ``random.Random`` to reproduce draws. ``key_sealer`` seals the
    collectives' private keys (``SecretSealer(CYBERMUTUAL_KEY_SECRET)``); ``public_url`` is this
    server's address as peers reach it, named in what it signs; ``key_directory`` fetches
    other servers' public keys (over HTTP by default).
    """
    clock = clock or SystemClock()
    sealer = key_sealer or SecretSealer(None)
    uow = SqlUnitOfWorkFactory(engine, sealing=journal_sealing, seal_after_commit=seal_after_commit)
    policy_impact = PolicyImpactService(
        uow, clock=clock, pool=simulation_pool, work_limit=simulation_work_limit
    )
    proposal_impact = ProposalImpactService(uow, clock=clock, policy_impact=policy_impact)
    market = MarketService(uow, clock=clock, rng=jury_rng or secrets.SystemRandom())
    chains = ChainService(uow, clock=clock, planner=plan_chain)
    keys = KeyService(uow, clock=clock, sealer=sealer, base_url=public_url)
    federation = FederationService(
        uow,
        clock=clock,
        keys=KeyServiceKeys(keys),
        public_url=public_url,
        prepare_timeout=federation_timeout,
        longest_wait=federation_retry,
    )
    federation.transport = PeerClient(federation)
    return Services(
        uow=uow,
        clock=clock,
        auth=AuthService(
            uow, clock=clock, hasher=passwords or Argon2Passwords(), token_ttl=token_ttl
        ),
        collectives=CollectiveService(uow, clock=clock, sealer=sealer),
        ledger=LedgerService(uow, clock=clock),
        commons=CommonsService(uow, clock=clock),
        allocation=AllocationService(uow, clock=clock, facilitator=DomainFacilitator()),
        market=market,
        policy_impact=policy_impact,
        health=HealthService(probe_writes=WriteProbe(engine)),
        faults=STORAGE_FAULTS,
        proposals=ProposalService(uow, clock=clock),
        votes=VoteService(uow, clock=clock),
        public_services=PublicServicesService(uow, clock=clock),
        proposal_impact=proposal_impact,
        budget_rounds=BudgetRoundService(uow, clock=clock),
        tick=TickService(uow, clock=clock, impacts=proposal_impact, market=market, chains=chains),
        money_supply=MoneySupplyService(uow, clock=clock),
        estimates=EstimateJobs(policy_impact, clock=clock),
        chains=chains,
        keys=keys,
        history=HistoryService(
            uow, clock=clock, keys=keys, directory=key_directory or HttpKeyDirectory()
        ),
        federation=federation,
        enterprises=EnterpriseService(uow, clock=clock),
        coop=CoopService(uow, clock=clock),
    )


class DatabaseNotReady(Exception):
    """The database a command needs is missing, unreachable or older than this code."""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def upgrade_database(settings: Settings) -> None:
    """Apply every pending migration to the configured database."""
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def open_existing(settings: Settings) -> Services:
    """Services over a database that must already exist at this code's schema; never creates
    or migrates one (``DatabaseNotReady`` says what is wrong, in one line)."""
    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        raise DatabaseNotReady(f"no database at {path}")
    engine = _engine(settings)
    try:
        current, head = schema_revision(engine)
    except Exception as exc:  # an unreachable server, a file that is not a database, ...
        raise DatabaseNotReady(
            f"cannot open {settings.database_url}: {exc}".splitlines()[0]
        ) from exc
    if current is None:
        raise DatabaseNotReady(
            f"{settings.database_url} holds no cybermutual data (run `cybermutual db upgrade`)"
        )
    if current != head:
        raise DatabaseNotReady(
            f"{settings.database_url} is at schema {current}, this version needs {head}: "
            "run `cybermutual db upgrade` first"
        )
    return _services(engine, settings)


def seeding(settings: Settings, *, passwords: Argon2Passwords) -> Callable[[Clock], Services]:
    """Services on the configured (migrated) database at any clock: for seeding history."""
    engine = _engine(settings)
    upgrade(engine)
    sealer = SecretSealer(settings.key_secret)
    return lambda clock: build_services(
        engine, clock=clock, passwords=passwords, key_sealer=sealer, public_url=settings.public_url
    )


def _engine(settings: Settings) -> Engine:
    return make_engine(settings.database_url, pool_size=settings.db_pool_size)


def build(settings: Settings | None = None, *, migrate: bool = True) -> Services:
    """Services for ``settings`` (from the environment by default), migrations applied."""
    settings = settings or Settings()
    engine = _engine(settings)
    if migrate:
        upgrade(engine)
    return _services(engine, settings)


def _services(engine: Engine, settings: Settings) -> Services:
    return build_services(
        engine,
        token_ttl=timedelta(hours=settings.token_ttl_hours),
        simulation_pool=SimulationPool(
            workers=settings.simulation_workers,
            queue=settings.simulation_queue,
            per_member=settings.simulations_per_member,
        ),
        simulation_work_limit=settings.simulation_work_limit,
        key_sealer=SecretSealer(settings.key_secret),
        public_url=settings.public_url,
        key_directory=HttpKeyDirectory(allow_private=settings.federation_allow_private),
        federation_timeout=timedelta(seconds=settings.federation_timeout),
        federation_retry=timedelta(seconds=settings.federation_retry_seconds),
        journal_sealing=settings.journal_sealing,
        seal_after_commit=settings.seal_after_commit,
    )


def worker_app() -> FastAPI:
    """The app of one server process of ``serve --workers N`` (uvicorn calls this in each).

    The supervisor migrated the database and runs the tick; a worker only serves requests.
    """
    return build_app(build(migrate=False))


def build_app(services: Services) -> FastAPI:
    from cybermutual.api.app import create_app

    return create_app(services)
