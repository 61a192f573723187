"""Every use case of the system, as the edges (API, web, CLI) receive them from bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cybermutual.domain.errors import DomainError
from cybermutual.services.auth import AuthService
from cybermutual.services.budget_rounds import BudgetRoundService
from cybermutual.services.chains import ChainService
from cybermutual.services.collectives import CollectiveService
from cybermutual.services.commons import CommonsService
from cybermutual.services.commons_rounds import AllocationService
from cybermutual.services.coop_invitations import CoopService
from cybermutual.services.enterprises import EnterpriseService
from cybermutual.services.estimate_jobs import EstimateJobs
from cybermutual.services.federation import FederationService
from cybermutual.services.governance_impact import ProposalImpactService
from cybermutual.services.governance_proposals import ProposalService
from cybermutual.services.governance_tick import TickService
from cybermutual.services.governance_votes import VoteService
from cybermutual.services.health import HealthService
from cybermutual.services.history_export import HistoryService
from cybermutual.services.keys import KeyService
from cybermutual.services.ledger import LedgerService
from cybermutual.services.market import MarketService
from cybermutual.services.money_supply import MoneySupplyService
from cybermutual.services.policy_impact import PolicyImpactService
from cybermutual.services.ports import Clock, UnitOfWorkFactory
from cybermutual.services.public_services import PublicServicesService


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
    proposals: ProposalService
    votes: VoteService
    public_services: PublicServicesService
    proposal_impact: ProposalImpactService
    budget_rounds: BudgetRoundService
    tick: TickService
    money_supply: MoneySupplyService
    health: HealthService
    faults: StorageFaults
    estimates: EstimateJobs  # what-if estimates a page started and polls (web/pages/whatif.py)
    chains: ChainService  # supply chains: goods, recipes, chain plans (issue #16)
    keys: KeyService  # each collective's signing keys (federation)
    history: HistoryService  # members' signed exports and their verification (federation)
    federation: FederationService  # links and cross-server payments (issue 17)
    enterprises: EnterpriseService
    coop: CoopService  # invitations to join a co-operative (its votes are ``proposals``)
