"""What the services need from the outside world, as protocols.

The store implements these over SQLAlchemy; the composition root (``bootstrap``) plugs them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Generic, Protocol, Self, TypeVar

from cybermutual.domain.collective import Charter, Collective
from cybermutual.domain.commons import (
    AllocationRound,
    Asset,
    AssetStatus,
    Bid,
    CategoryDemand,
    PassSummary,
    Share,
    UsageRecord,
    UsageStats,
)
from cybermutual.domain.idempotency import IdempotencyRecord
from cybermutual.domain.journal import ChainHead, Draft, EntryEvent, JournalEntry
from cybermutual.domain.ledger import Account, AccountKind, Transfer, TransferStatus
from cybermutual.domain.login_throttle import Bucket
from cybermutual.domain.membership import Membership, MembershipStatus
from cybermutual.domain.people import Person

if TYPE_CHECKING:
    from cybermutual.services.budget_round_ports import BudgetRoundStore
    from cybermutual.services.chain_ports import ChainStore
    from cybermutual.services.enterprise_ports import EnterpriseStore
    from cybermutual.services.federation_ports import FederationStore
    from cybermutual.services.governance_ports import GovernanceStore, PublicServiceStore
    from cybermutual.services.key_ports import KeyRepository, VerifiedHistoryRepository
    from cybermutual.services.market.ports import MarketStore
    from cybermutual.services.money_rule_ports import MoneyRuleStore

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list; pass ``next_cursor`` back to get the next one."""

    items: Sequence[T]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class CollectiveStats:
    """Public aggregate figures of a collective (never anyone's own entries)."""

    active_members: int
    posted_transfers: int
    volume: int
    volume_30d: int
    commons_fund: int
    last_activity: datetime | None
    #: what the money rules moved, in all (issue 13): demurrage into the fund, debts written off
    demurrage: int = 0
    written_off: int = 0


class Clock(Protocol):
    def now(self) -> datetime: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


class PeopleRepository(Protocol):
    def add(self, person: Person, *, password_hash: str) -> None: ...

    def get(self, person_id: str) -> Person | None: ...

    def names(self, person_ids: Iterable[str]) -> dict[str, str]:
        """Display names of these people (ids nobody has are left out)."""
        ...

    def by_email(self, email: str) -> tuple[Person, str] | None: ...

    def set_password(self, person_id: str, password_hash: str) -> None: ...

    def add_token(
        self, token_hash: str, person_id: str, *, now: datetime, expires: datetime, scope: str
    ) -> None: ...

    def person_for_token(self, token_hash: str, *, now: datetime, scope: str) -> Person | None:
        """Whose unexpired token of ``scope`` this is."""
        ...

    def revoke_token(self, token_hash: str) -> None: ...

    def revoke_tokens_of(self, person_id: str, *, keep: str) -> None:
        """Revoke every token of the person but the one hashed ``keep``."""
        ...

    def lock_throttle(self, keys: Sequence[tuple[str, str]]) -> list[Bucket]:
        """The login-throttle buckets under these keys (empty if new), in the order asked,
        locked until the unit of work ends."""
        ...

    def save_throttle(self, buckets: Sequence[Bucket]) -> None:
        """Store these buckets (an empty one is deleted)."""
        ...

    def known_clients(self, email: str, clients: Sequence[str], *, since: datetime) -> set[str]:
        """Which of these clients logged in to ``email`` successfully after ``since``."""
        ...

    def remember_clients(self, email: str, clients: Sequence[str], *, now: datetime) -> None: ...

    def purge(
        self, *, throttle_before: datetime, known_before: datetime, now: datetime, limit: int
    ) -> int:
        """Delete at most ``limit`` of each: stale throttle buckets, clients unseen since
        ``known_before``, tokens expired by ``now``; how many rows went."""
        ...


class CollectiveRepository(Protocol):
    def add(self, collective: Collective) -> None: ...

    def by_slug(self, slug: str) -> Collective | None: ...

    def directory(self, *, limit: int, cursor: str | None) -> Page[Collective]: ...

    def stats(self, collective: Collective, *, now: datetime) -> CollectiveStats: ...

    def stats_of(self, of: Sequence[Collective], *, now: datetime) -> dict[str, CollectiveStats]:
        """``stats`` of a page of collectives at once, by collective id."""
        ...

    def set_charter(self, collective_id: str, charter: Charter) -> None: ...


class MembershipRepository(Protocol):
    def get(self, collective_id: str, member_id: str) -> Membership | None: ...

    def get_many(self, collective_id: str, member_ids: Iterable[str]) -> dict[str, Membership]:
        """The memberships of these people that exist, by member id."""
        ...

    def active_ids(self, collective_id: str) -> set[str]:
        """Every active member's id, in one streamed read (a round of a million bidders)."""
        ...

    def save(self, membership: Membership) -> None: ...

    def of_person(self, member_id: str) -> list[tuple[str, str, Membership]]:
        """Every membership of one person, as (collective slug, collective name, membership)."""
        ...

    def list(
        self,
        collective_id: str,
        *,
        status: MembershipStatus | None,
        limit: int,
        cursor: str | None,
        name: str | None = None,
    ) -> Page[tuple[Membership, Person]]:
        """Members by name; ``name``: only those whose name contains it (any case)."""
        ...


class AccountRepository(Protocol):
    def add(self, account: Account) -> None: ...

    def get(self, account_id: str) -> Account | None: ...

    def of_member(self, collective_id: str, member_id: str) -> Account | None: ...

    def system(self, collective_id: str, kind: AccountKind) -> Account: ...

    def lock_members(
        self, collective_id: str, member_ids: Sequence[str], *, system: Sequence[AccountKind] = ()
    ) -> tuple[dict[str, Account], dict[str, Membership]]:
        """Lock these members' accounts (and these system kinds'), by account id, and return
        the members' memberships (by member id) read under the same lock."""
        ...

    def lock(self, account_ids: Sequence[str]) -> dict[str, Account]:
        """Load and lock these accounts (in one fixed order) until the unit of work ends."""
        ...

    def save_balances(self, accounts: Sequence[Account]) -> None: ...

    def set_credit_limit(self, account_id: str, credit_limit: int | None) -> None: ...

    def all_of(self, collective_id: str) -> list[Account]: ...

    def owners(self, account_ids: Sequence[str]) -> dict[str, str | None]: ...

    def parties(self, account_ids: Sequence[str]) -> dict[str, str]:
        """Who holds each account: the member's id, or the system account's kind."""
        ...


class TransferRepository(Protocol):
    def add(self, transfers: Sequence[Transfer]) -> None: ...

    def get(self, transfer_id: str) -> Transfer | None: ...

    def of_batch(self, batch_id: str) -> list[Transfer]: ...

    def levies_of(self, parent_ids: Sequence[str]) -> dict[str, int]:
        """The levy charged on each of these payments, by payment id."""
        ...

    def settle(self, transfer: Transfer) -> None:
        """Store a pending transfer's new status and settlement time."""
        ...

    def of_account(self, account_id: str, *, limit: int, cursor: str | None) -> Page[Transfer]: ...

    def all_of(self, collective_id: str) -> Iterator[Transfer]: ...

    def statuses_of(self, collective_id: str) -> Iterator[tuple[str, TransferStatus]]:
        """Every transfer's (id, status), in id order, streamed."""
        ...

    def postings_of(self, account_id: str, *, limit: int, cursor: str | None) -> Page[Transfer]:
        """The posted transfers that changed this account, newest posting first."""
        ...

    def change_before(self, account_id: str, cursor: str) -> int:
        """What the postings listed before ``cursor`` (newer ones, and the one it points at)
        did to this account's balance, summed."""
        ...

    def escrowed_deals(self, transfer_ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """The deal each of these transfers is the escrow of, by transfer id: (order id,
        listing id, listing title); one query for a page of them."""
        ...

    def pending_of_account(self, account_id: str) -> list[Transfer]:
        """The reservations still open that this account pays or is paid, oldest first."""
        ...

    def pending_of(self, collective_id: str) -> list[Transfer]:
        """Every reservation still open in the collective."""
        ...


class JournalRepository(Protocol):
    def open(self, head: ChainHead) -> None:
        """Start a collective's journal at ``head`` (its genesis), so it can always be locked."""
        ...

    def lock_head(self, collective_id: str) -> ChainHead:
        """Wait for every writer half-way, seal everything, and hold the journal at that head
        to the end of the transaction (what this transaction writes follows it directly)."""
        ...

    def head(self, collective_id: str) -> ChainHead:
        """The last sealed entry."""
        ...

    def levy_carry_from(self, collective_id: str) -> int:
        """The sequence number after which levies carry each payee's remainder (see verify)."""
        ...

    def enter(self, collective_id: str) -> None:
        """Take the right to write entries; what the entries depend on is read after this."""
        ...

    def write(self, collective_id: str, drafts: Sequence[Draft]) -> None:
        """Write a transaction's entries, sealed now or right after the commit."""
        ...

    def seal_pending(self, collective_id: str, *, wait: bool = True) -> int | None:
        """Seal what is committed and unsealed; how many (None: another sealer is at work)."""
        ...

    def has_unsealed(self, collective_id: str) -> bool: ...

    def unsealed_collectives(self) -> list[str]: ...

    def sealed_at_us(self, collective_id: str) -> int | None: ...

    def entries(self, collective_id: str) -> Iterator[JournalEntry]:
        """The sealed entries, in chain order, streamed."""
        ...

    def last_events(self, collective_id: str) -> Iterator[tuple[str, EntryEvent]]:
        """Each transfer's last journaled event, in transfer id order, streamed."""
        ...

    def unsealed_entries(self, collective_id: str) -> Iterator[Draft]:
        """The unsealed tail, in the order it will be sealed, streamed."""
        ...


class IdempotencyRepository(Protocol):
    def get(self, collective_id: str, member_id: str, key: str) -> IdempotencyRecord | None: ...

    def get_many(
        self, collective_id: str, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], IdempotencyRecord]:
        """The records of these (member id, key) pairs that exist."""
        ...

    def add(self, record: IdempotencyRecord, *, now: datetime) -> None: ...

    def add_many(self, records: Sequence[IdempotencyRecord], *, now: datetime) -> None: ...


class AssetRepository(Protocol):
    """The commons' assets (issue 4)."""

    def add(self, asset: Asset) -> None: ...

    def get(self, asset_id: str) -> Asset | None: ...

    def save(self, asset: Asset, *, now: datetime) -> None: ...

    def all_of(self, collective_id: str) -> list[Asset]: ...

    def list(
        self,
        collective_id: str,
        *,
        status: AssetStatus | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Asset]: ...


class AllocationRoundRepository(Protocol):
    """Allocation rounds with their bids, facilitator passes and shares (issue 4)."""

    def add(self, round_: AllocationRound) -> None: ...

    def get(self, round_id: str) -> AllocationRound | None: ...

    def lock(self, round_id: str) -> AllocationRound | None:
        """Load a round and hold it until the unit of work ends (one writer per round)."""
        ...

    def save(self, round_: AllocationRound) -> None: ...

    def of_collective(
        self, collective_id: str, *, limit: int, cursor: str | None
    ) -> Page[AllocationRound]: ...

    def conflicting(
        self, collective_id: str, *, start: datetime, end: datetime
    ) -> list[AllocationRound]:
        """Rounds still in progress, or not cancelled and overlapping ``[start, end)``."""
        ...

    def previous_prices(self, collective_id: str, *, before: datetime) -> PassSummary | None:
        """The first pass of the latest round computed before ``before`` (for a warm start)."""
        ...

    def save_bid(self, bid: Bid) -> None:
        """Store a bid, replacing the member's earlier bid for the same asset in the round."""
        ...

    def bid(self, bid_id: str) -> Bid | None: ...

    def bids(self, round_id: str) -> list[Bid]: ...

    def delete_bid(self, bid_id: str) -> None: ...

    def replace_shares(self, round_id: str, shares: Sequence[Share]) -> None:
        """Drop every share and pass of a round and store these (a fresh computation)."""
        ...

    def add_shares(self, shares: Sequence[Share]) -> None: ...

    def save_share(self, share: Share) -> None: ...

    def share(self, share_id: str) -> Share | None: ...

    def shares(self, round_id: str) -> list[Share]: ...

    def of_enterprise(
        self, enterprise_id: str, *, limit: int
    ) -> list[tuple[AllocationRound, Share]]:
        """The shares an enterprise holds (declined ones too), latest round first."""
        ...

    def save_pass(self, summary: PassSummary) -> None: ...

    def passes(self, round_id: str) -> list[PassSummary]: ...


class UsageRepository(Protocol):
    """The usage log of the commons (issue 4)."""

    def add(self, record: UsageRecord) -> None: ...

    def logged_units(
        self,
        round_id: str,
        *,
        member_id: str | None,
        asset_id: str,
        enterprise_id: str | None = None,
    ) -> int:
        """Units logged against a round's shares of an asset: the enterprise's when
        ``enterprise_id`` is named, else the member's own."""
        ...

    def claimed(self, transfer_ids: Sequence[str]) -> set[str]:
        """Which of these payments an earlier usage record already claimed as its sales."""
        ...

    def stats(self, collective_id: str, *, since: datetime) -> list[UsageStats]: ...

    def list(
        self,
        collective_id: str,
        *,
        member_id: str | None,
        asset_id: str | None,
        limit: int,
        cursor: str | None,
    ) -> Page[UsageRecord]: ...


class DemandReader(Protocol):
    """What the market shows of demand, read for the facilitator (issue 4)."""

    def by_category(
        self, collective_id: str, *, since: datetime, now: datetime
    ) -> list[CategoryDemand]:
        """Open requests and sales since ``since``, per output category."""
        ...

    def listing(self, collective_id: str, listing_id: str) -> tuple[str, str, str | None] | None:
        """The owner, category and enterprise (if an enterprise's) of a listing of this
        collective, or None."""
        ...


@dataclass(frozen=True, slots=True)
class TradeRow:
    """Posted trade to one member, summed by how its category is known."""

    payee_id: str | None
    category: str | None  # the listing's or the commons usage's; None for a direct payment
    source: str  # "listing" | "commons_usage" | "direct"
    amount: int


class EconomyReader(Protocol):
    """Aggregates of a collective's economy, for calibrating the simulator."""

    def member_accounts(self, collective_id: str) -> list[tuple[int, int]]:
        """(balance, credit limit) of every active member."""
        ...

    def sales_by_category(self, collective_id: str, *, since: datetime) -> dict[str, int]:
        """Posted payments since ``since`` by market category (``other``: direct payments)."""
        ...

    def members(self, collective_id: str) -> list[tuple[str, int, int]]:
        """(member id, balance, credit limit) of every active member, in a stable order."""
        ...

    def trade(self, collective_id: str, *, since: datetime) -> list[TradeRow]:
        """Posted trade since ``since`` by payee, category (or None) and source."""
        ...

    def seller_categories(self, collective_id: str) -> dict[str, str]:
        """Each member's usual category (their offers, else their logged commons use)."""
        ...

    def asset_weights(self, collective_id: str) -> dict[str, float]:
        """Available commons assets by the categories they serve."""
        ...

    def services_paid(self, collective_id: str, *, since: datetime) -> int:
        """Public-service claims paid since ``since``."""
        ...

    def service_budgets(self, collective_id: str) -> list[tuple[str, int, str]]:
        """(category, budget per period, period) of every active public service."""
        ...


class UnitOfWork(Protocol):
    """One transaction: ``with uow: ...; uow.commit()``; leaving without commit rolls back."""

    @property
    def people(self) -> PeopleRepository: ...

    @property
    def collectives(self) -> CollectiveRepository: ...

    @property
    def memberships(self) -> MembershipRepository: ...

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def transfers(self) -> TransferRepository: ...

    @property
    def journal(self) -> JournalRepository: ...

    @property
    def idempotency(self) -> IdempotencyRepository: ...

    @property
    def market(self) -> MarketStore: ...

    @property
    def assets(self) -> AssetRepository: ...

    @property
    def allocation_rounds(self) -> AllocationRoundRepository: ...

    @property
    def usage(self) -> UsageRepository: ...

    @property
    def demand(self) -> DemandReader: ...

    @property
    def economy(self) -> EconomyReader: ...

    @property
    def governance(self) -> GovernanceStore: ...

    @property
    def public_services(self) -> PublicServiceStore: ...

    @property
    def budget_rounds(self) -> BudgetRoundStore: ...

    @property
    def money_rules(self) -> MoneyRuleStore: ...

    @property
    def chains(self) -> ChainStore: ...

    @property
    def federation(self) -> FederationStore: ...

    @property
    def keys(self) -> KeyRepository: ...

    @property
    def verified_histories(self) -> VerifiedHistoryRepository: ...

    @property
    def enterprises(self) -> EnterpriseStore: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, readonly: bool = False) -> UnitOfWork: ...
