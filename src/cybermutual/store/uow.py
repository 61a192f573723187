"""The unit of work over SQLAlchemy: one connection, one transaction, every repository."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction

from cybermutual.store.budget_rounds import SqlBudgetRounds
from cybermutual.store.chains import SqlChains
from cybermutual.store.collectives import SqlCollectives, SqlMemberships
from cybermutual.store.commons import SqlAssets, SqlDemand, SqlUsage
from cybermutual.store.commons_rounds import SqlAllocationRounds
from cybermutual.store.economy import SqlEconomy
from cybermutual.store.engine import READONLY
from cybermutual.store.enterprises import SqlEnterprises
from cybermutual.store.federation import SqlFederation
from cybermutual.store.governance import SqlGovernance
from cybermutual.store.idempotency import SqlIdempotency
from cybermutual.store.journal import Sealing, SqlJournal, seal_after_commit, sealing_for
from cybermutual.store.keys import SqlKeys, SqlVerifiedHistories
from cybermutual.store.ledger import SqlAccounts, SqlTransfers
from cybermutual.store.market import SqlMarket
from cybermutual.store.money_rules import SqlMoneyRules
from cybermutual.store.people import SqlPeople
from cybermutual.store.public_services import SqlPublicServices


class SqlUnitOfWork:
    """``with uow: ...; uow.commit()``; leaving the block without commit rolls back."""

    people: SqlPeople
    collectives: SqlCollectives
    memberships: SqlMemberships
    accounts: SqlAccounts
    transfers: SqlTransfers
    journal: SqlJournal
    idempotency: SqlIdempotency
    market: SqlMarket
    assets: SqlAssets
    allocation_rounds: SqlAllocationRounds
    usage: SqlUsage
    demand: SqlDemand
    economy: SqlEconomy
    governance: SqlGovernance
    public_services: SqlPublicServices
    budget_rounds: SqlBudgetRounds
    money_rules: SqlMoneyRules
    chains: SqlChains
    federation: SqlFederation
    keys: SqlKeys
    verified_histories: SqlVerifiedHistories
    enterprises: SqlEnterprises

    def __init__(
        self,
        engine: Engine,
        *,
        readonly: bool = False,
        sealing: Sealing = Sealing.INLINE,
        seal_after_commit: bool = True,
    ) -> None:
        self._engine = engine
        self._readonly = readonly
        self._sealing = sealing
        self._seal_after_commit = seal_after_commit
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None

    def __enter__(self) -> Self:
        conn = self._engine.connect()
        if self._readonly:
            conn = conn.execution_options(**{READONLY: True})
            if conn.dialect.name == "postgresql":
                # one snapshot for the whole read, as SQLite's deferred BEGIN gives: ``verify``
                # compares the journal, accounts, orders and reservations read one after the
                # other, and must not see a payment half-way between them
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
        self._conn = conn
        self._tx = conn.begin()
        self.people = SqlPeople(conn)
        self.collectives = SqlCollectives(conn)
        self.memberships = SqlMemberships(conn)
        self.accounts = SqlAccounts(conn)
        self.transfers = SqlTransfers(conn)
        self.journal = SqlJournal(conn, sealing=self._sealing)
        self.idempotency = SqlIdempotency(conn)
        self.market = SqlMarket(conn)
        self.assets = SqlAssets(conn)
        self.allocation_rounds = SqlAllocationRounds(conn)
        self.usage = SqlUsage(conn)
        self.demand = SqlDemand(conn)
        self.economy = SqlEconomy(conn)
        self.governance = SqlGovernance(conn)
        self.public_services = SqlPublicServices(conn)
        self.budget_rounds = SqlBudgetRounds(conn)
        self.money_rules = SqlMoneyRules(conn)
        self.chains = SqlChains(conn)
        self.federation = SqlFederation(conn)
        self.keys = SqlKeys(conn)
        self.verified_histories = SqlVerifiedHistories(conn)
        self.enterprises = SqlEnterprises(conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None
        assert self._tx is not None
        try:
            if self._tx.is_active:
                self._tx.rollback()
        finally:
            self._conn.close()
            self._conn = self._tx = None

    def commit(self) -> None:
        """Commit; then seal the journal entries this transaction wrote unsealed (deferred
        sealing), unless a background sealer is left to do it."""
        assert self._tx is not None, "commit outside the unit of work"
        self._tx.commit()
        unsealed, self.journal.unsealed = self.journal.unsealed, set()
        if unsealed and self._seal_after_commit:
            assert self._conn is not None
            seal_after_commit(self._conn, unsealed)

    @property
    def connection(self) -> Connection:
        """The open connection, for repositories added by later capabilities."""
        assert self._conn is not None, "outside the unit of work"
        return self._conn


class SqlUnitOfWorkFactory:
    """Makes a unit of work per use case; the composition root holds one of these."""

    def __init__(
        self, engine: Engine, *, sealing: str = "auto", seal_after_commit: bool = True
    ) -> None:
        self.engine = engine
        #: how journal entries are chained (``store.journal.Sealing``); ``auto`` by database
        self.sealing = sealing_for(engine, sealing)
        #: False: entries wait for the background sealer (``cybermutual ledger seal``, serve)
        self.seal_after_commit = seal_after_commit

    def __call__(self, *, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine,
            readonly=readonly,
            sealing=self.sealing,
            seal_after_commit=self.seal_after_commit,
        )
