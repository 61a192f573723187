"""Everything periodic in self-government, as one ``tick`` over what is due at the clock's time.

- close proposals whose time has come, or on which every eligible voter has now spoken;
- close budget rounds whose time has come (recording the result, raising service budgets);
- confirm the service claims whose recipients let the timeout pass, then pay what fits;
- pay this period's basic income to whoever has not had it;
- confirm the market's delivered orders whose confirmation period is over;
- the money rules (``services/money_rules.py``): review credit limits under the turnover rule
  and charge demurrage, once a week each, and give notice of and write off dormant debts;
- re-plan supply chains whose links were not answered in time, and move open chains on;
- compute a few pending impact estimates (``impacts=True``).

Each is idempotent by (what, period): closing is guarded by the proposal's status, a claim is
paid once by its status under the fund's lock, and basic income once per member and period by
its register. Running ``tick`` twice, or on two servers at once, does nothing more than once.
``serve`` runs it every few seconds (``Scheduler``); ``cybermutual tick`` runs it for cron.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from cybermutual.domain.errors import DomainError
from cybermutual.services.basic_income import pay_basic_income
from cybermutual.services.budget_round_closing import close_if_due as close_round_if_due
from cybermutual.services.chains import ChainService
from cybermutual.services.governance_closing import close_if_due
from cybermutual.services.governance_impact import ProposalImpactService
from cybermutual.services.loading import load_collective
from cybermutual.services.market import MarketService
from cybermutual.services.money_rules import (
    charge_demurrage,
    review_credit_limits,
    settle_dormant_debts,
)
from cybermutual.services.ports import Clock, UnitOfWorkFactory
from cybermutual.services.public_services import auto_confirm_due, pay_waiting

log = logging.getLogger(__name__)


@dataclass(slots=True)
class TickReport:
    closed: list[str] = field(default_factory=list)  # proposal ids
    rounds_closed: list[str] = field(default_factory=list)  # budget round ids
    claims_confirmed: int = 0
    claims_paid: int = 0
    claims_waiting: int = 0
    basic_income_paid: int = 0
    orders_confirmed: int = 0
    credit_limits_changed: int = 0
    demurrage_charged: int = 0  # minor units
    debts_noticed: int = 0
    debts_written_off: int = 0  # members
    impacts: int = 0
    chains_replanned: int = 0  # chain plans whose links' time to decide ran out
    chains_moved: int = 0  # open chains that completed or stopped
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "closed": self.closed,
            "rounds_closed": self.rounds_closed,
            "claims_confirmed": self.claims_confirmed,
            "claims_paid": self.claims_paid,
            "claims_waiting": self.claims_waiting,
            "basic_income_paid": self.basic_income_paid,
            "orders_confirmed": self.orders_confirmed,
            "credit_limits_changed": self.credit_limits_changed,
            "demurrage_charged": self.demurrage_charged,
            "debts_noticed": self.debts_noticed,
            "debts_written_off": self.debts_written_off,
            "impacts": self.impacts,
            "chains_replanned": self.chains_replanned,
            "chains_moved": self.chains_moved,
            "errors": self.errors,
        }


class TickService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        clock: Clock,
        impacts: ProposalImpactService,
        market: MarketService | None = None,
        chains: ChainService | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._impacts = impacts
        self._market = market
        self._chains = chains

    def tick(self, *, impacts: bool = True) -> TickReport:
        report = TickReport()
        with self._uow(readonly=True) as uow:
            open_in = uow.governance.collectives_with_open()
            slugs = uow.governance.slugs(open_in)
        for cid in open_in:
            self._guarded(report, slugs[cid], self._close)
        # after the proposals: one that just passed may have opened a round
        with self._uow(readonly=True) as uow:
            rounds_in = uow.budget_rounds.collectives_with_open_rounds()
            slugs = uow.governance.slugs(rounds_in)
        for cid in rounds_in:
            self._guarded(report, slugs[cid], self._close_rounds)
        # read after the closings: a proposal that just passed may have started a service
        # or a basic income that is due at once
        with self._uow(readonly=True) as uow:
            claims_in = uow.public_services.collectives_with_waiting()
            income_in = uow.governance.collectives_with_basic_income()
            orders_in = uow.governance.collectives_with_due_orders(now=self._clock.now())
            slugs = uow.governance.slugs(claims_in + income_in + orders_in)
        for cid in claims_in:
            self._guarded(report, slugs[cid], self._claims)
        for cid in income_in:
            self._guarded(report, slugs[cid], self._basic_income)
        if self._market is not None:
            for cid in orders_in:
                self._guarded(report, slugs[cid], self._orders)
        with self._uow(readonly=True) as uow:
            rules_in = uow.money_rules.collectives_with_rules()
            slugs = uow.governance.slugs(rules_in)
        for cid in rules_in:
            self._guarded(report, slugs[cid], self._money_rules)
        if self._chains is not None:
            self._guarded(report, "chains", self._supply_chains)
        if impacts:
            try:
                report.impacts = self._impacts.compute_pending()
            except DomainError as exc:  # one estimate's trouble never stops the tick
                report.errors.append(f"impact: {exc.code}: {exc.detail}")
        return report

    @staticmethod
    def _guarded(report: TickReport, slug: str, step: Callable[[str, TickReport], None]) -> None:
        try:
            step(slug, report)
        except DomainError as exc:  # one collective's trouble never stops the others
            log.warning("tick: %s: %s", slug, exc.detail)
            report.errors.append(f"{slug}: {exc.code}: {exc.detail}")
        except Exception as exc:  # nor does a database refusal (rolled back; the next tick retries)
            log.exception("tick: %s", slug)
            report.errors.append(f"{slug}: {type(exc).__name__}")

    def _close(self, slug: str, report: TickReport) -> None:
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            open_ids = [p.id for p in uow.governance.open_proposals(collective.id)]
        for proposal_id in open_ids:  # one transaction each: a closing applies its own effect
            with self._uow() as uow:
                collective = load_collective(uow, slug)
                proposal = uow.governance.proposal(collective.id, proposal_id)
                if proposal is None:
                    continue
                closed = close_if_due(uow, collective, proposal, now=now)
                uow.commit()
            if closed is not None:
                report.closed.append(closed.id)

    def _close_rounds(self, slug: str, report: TickReport) -> None:
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            due = [r.id for r in uow.budget_rounds.open_rounds(collective.id) if r.is_due(now)]
        for round_id in due:  # one transaction each
            with self._uow() as uow:
                collective = load_collective(uow, slug)
                budget_round = uow.budget_rounds.round(collective.id, round_id)
                if budget_round is None:
                    continue
                closed = close_round_if_due(uow, collective, budget_round, now=now)
                uow.commit()
            if closed is not None:
                report.rounds_closed.append(closed.id)

    def _claims(self, slug: str, report: TickReport) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            report.claims_confirmed += auto_confirm_due(uow, collective, now=now)
            run = pay_waiting(uow, collective, now=now)
            uow.commit()
        report.claims_paid += run.paid
        report.claims_waiting += run.waiting

    def _orders(self, slug: str, report: TickReport) -> None:
        assert self._market is not None
        report.orders_confirmed += self._market.auto_confirm_due(slug)

    def _money_rules(self, slug: str, report: TickReport) -> None:
        """Each rule in its own transaction: one rule's trouble leaves the others done."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            report.credit_limits_changed += review_credit_limits(uow, collective, now=now)
            uow.commit()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            report.demurrage_charged += charge_demurrage(uow, collective, now=now)
            uow.commit()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            run = settle_dormant_debts(uow, collective, now=now)
            uow.commit()
        report.debts_noticed += run.noticed
        report.debts_written_off += run.written_off

    def _supply_chains(self, _: str, report: TickReport) -> None:
        """Re-plan chains whose producers let the time to decide pass; move open ones on."""
        assert self._chains is not None
        report.chains_replanned += self._chains.expire_due()
        report.chains_moved += self._chains.progress_open()

    def _basic_income(self, slug: str, report: TickReport) -> None:
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            run = pay_basic_income(uow, collective, now=self._clock.now())
            uow.commit()
        report.basic_income_paid += run.paid
