"""Pay periods of an enterprise: open, close (wages, then shares), payouts, incomes, reports.

Closing a period is the one use case that moves money: it locks the enterprise's account and
every payee's, then the enterprise row, and re-reads the period under those locks, so two
closers queue and the second finds it closed (it is answered the closed period, and nothing is
paid twice). Either every wage and share of the close is posted, or none is (a close the
enterprise's account cannot cover is refused with ``credit_limit_exceeded``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from cybermutual.domain.enterprise import pay
from cybermutual.domain.enterprise.contracts import HoursAction, HoursStatus, decide_hours
from cybermutual.domain.enterprise.kinds import EnterpriseKind, Power, Role, powers
from cybermutual.domain.enterprise.pay import (
    MAX_RATING,
    MIN_RATING,
    Contribution,
    PayoutKind,
    PayPeriod,
    PeriodStatus,
)
from cybermutual.domain.enterprise.reports import CollectiveMeasures, WorkRecord, measures
from cybermutual.domain.errors import (
    ConcurrentChange,
    InvalidTransition,
    InvalidValue,
    NotPermitted,
)
from cybermutual.domain.ledger import Transfer, TransferKind
from cybermutual.services.bookkeeping import Books
from cybermutual.services.enterprise_common import (
    EnterpriseUseCase,
    acting,
    enterprise_account,
    load_enterprise,
    load_period,
)
from cybermutual.services.enterprise_ports import Payout
from cybermutual.services.governance_proposals import require_active_or_former
from cybermutual.services.idempotency import IdempotentRequest
from cybermutual.services.ids import new_id
from cybermutual.services.loading import active_member_collective, load_collective
from cybermutual.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class PeriodView:
    period: PayPeriod
    payouts: list[Payout]


@dataclass(frozen=True, slots=True)
class IncomeStream:
    """What one enterprise paid a member: wages and shares, over all closed periods."""

    enterprise_id: str
    enterprise_name: str
    kind: EnterpriseKind
    roles: frozenset[Role]
    wages: int
    minutes: int
    shares: int
    last_paid_at: datetime | None


@dataclass(frozen=True, slots=True)
class CollectiveReport:
    since: datetime | None
    until: datetime | None
    measures: CollectiveMeasures
    enterprises: int


def _basis(value: Fraction) -> str:
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def _ordered(payouts: list[Payout]) -> list[Payout]:
    """Newest close first; in each, the wages, then the shares; by member within each."""
    by_member = sorted(payouts, key=lambda p: (p.kind is not PayoutKind.WAGE, p.member_id, p.id))
    return sorted(by_member, key=lambda p: p.paid_at, reverse=True)


def _visible(payouts: list[Payout], roles: frozenset[Role], viewer: str) -> list[Payout]:
    """Everyone's payouts for those who close periods; one's own for anyone else (a firm's
    dividends would otherwise show its owner register to the whole collective)."""
    if Power.CLOSE_PERIODS in powers(roles):
        return payouts
    return [p for p in payouts if p.member_id == viewer]


class EnterprisePay(EnterpriseUseCase):
    def open_period(
        self, slug: str, *, actor: str, enterprise_id: str, ends_at: datetime
    ) -> PayPeriod:
        """The next pay period: from where the last ended (or the founding) to ``ends_at``."""
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, actor)
            act = acting(uow, collective, enterprise_id, actor)
            act.require(Power.CLOSE_PERIODS)
            enterprise = load_enterprise(uow, collective, enterprise_id, lock=True)
            period = pay.next_period(
                period_id=new_id(),
                enterprise=enterprise,
                last=uow.enterprises.last_period(enterprise_id),
                ends_at=ends_at,
            )
            uow.enterprises.add_period(period)
            uow.commit()
        return period

    def periods(self, slug: str, *, viewer: str, enterprise_id: str) -> list[PayPeriod]:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            return uow.enterprises.periods(load_enterprise(uow, collective, enterprise_id).id)

    def period(self, slug: str, *, viewer: str, enterprise_id: str, period_id: str) -> PeriodView:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            act = acting(uow, collective, enterprise_id, viewer)
            period = load_period(uow, act.enterprise, period_id)
            paid = uow.enterprises.payouts(act.enterprise.id, period_id=period.id)
            return PeriodView(period, _ordered(_visible(paid, act.roles, viewer)))

    def rate(
        self,
        slug: str,
        *,
        rater: str,
        enterprise_id: str,
        period_id: str,
        member: str,
        score: int,
    ) -> None:
        """A worker-owner rates another for the period (the ``peer_ratings`` metric); a new
        rating replaces the rater's earlier one, until the period closes."""
        if isinstance(score, bool) or not MIN_RATING <= score <= MAX_RATING:
            raise InvalidValue(f"score must be {MIN_RATING}..{MAX_RATING}", field="score")
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, rater)
            act = acting(uow, collective, enterprise_id, rater)
            owners = {
                p.member_id
                for p in uow.enterprises.positions(enterprise_id)
                if p.role is Role.WORKER_OWNER
            }
            if rater not in owners or act.enterprise.kind is not EnterpriseKind.COOPERATIVE:
                raise NotPermitted(
                    "only a co-operative's worker-owners rate each other", enterprise=enterprise_id
                )
            if member not in owners or member == rater:
                raise InvalidValue("rate another worker-owner of this co-operative", field="member")
            period = load_period(uow, act.enterprise, period_id)
            if period.status is not PeriodStatus.OPEN:
                raise InvalidTransition("this period is closed", period=period_id)
            uow.enterprises.rate(period_id, rater, member, score, at=now)
            uow.commit()

    def close_period(
        self,
        slug: str,
        *,
        actor: str,
        enterprise_id: str,
        period_id: str,
        idempotency_key: str,
    ) -> PeriodView:
        """Pay the period's wages, then the surplus shares (co-op) or dividends (firm)."""
        idem = IdempotentRequest.of(
            actor,
            idempotency_key,
            "enterprise.close",
            {"enterprise": enterprise_id, "period": period_id},
        )
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, actor)
            act = acting(uow, collective, enterprise_id, actor)
            act.require(Power.CLOSE_PERIODS)
            period = load_period(uow, act.enterprise, period_id)
            approved = uow.enterprises.hours(
                enterprise_id, status=HoursStatus.APPROVED, before=period.ends_at
            )
            grants = uow.enterprises.grants(enterprise_id)
            owners = [
                p.member_id
                for p in uow.enterprises.positions(enterprise_id)
                if p.role is Role.WORKER_OWNER
            ]
            payees = {e.member_id for e in approved} | {g.member_id for g in grants} | set(owners)
            books = Books(uow, collective, now=now)
            books.lock_members([enterprise_id, *sorted(payees)])
            if idem.earlier(uow, collective.id) is not None:
                return self._closed(uow, enterprise_id, period_id)
            enterprise = load_enterprise(uow, collective, enterprise_id, lock=True)
            period = load_period(uow, enterprise, period_id)  # under the locks
            if period.status is PeriodStatus.CLOSED:  # closed by an earlier request: pays once
                return self._closed(uow, enterprise_id, period_id)
            # who is paid, again under the locks: hours approved, equity granted or a worker-owner
            # admitted meanwhile would name someone whose account is not locked
            approved = uow.enterprises.hours(
                enterprise_id, status=HoursStatus.APPROVED, before=period.ends_at
            )
            grants = uow.enterprises.grants(enterprise_id)
            owners = [
                p.member_id
                for p in uow.enterprises.positions(enterprise_id)
                if p.role is Role.WORKER_OWNER
            ]
            paid = {e.member_id for e in approved} | {g.member_id for g in grants} | set(owners)
            if not paid <= payees:
                raise ConcurrentChange(
                    "who this close pays changed while it started; send the same request again",
                    period=period_id,
                )
            # a worker-owner who has left the collective no longer works in the co-op: the
            # surplus is shared among those still in it (wages earned are paid all the same,
            # and a firm's shareholders keep their dividends: nothing owned is lost by leaving)
            standing = {m: books.membership(m) for m in owners}
            owners = [m for m in owners if (s := standing[m]) is not None and s.is_active]
            account = enterprise_account(uow, enterprise)
            revenue, costs = uow.enterprises.revenue_and_costs(
                account.id, since=period.starts_at, until=period.ends_at
            )
            minutes: dict[str, int] = defaultdict(int)
            for entry in approved:
                minutes[entry.member_id] += entry.minutes
            sales = uow.enterprises.sales_by_member(
                enterprise_id, since=period.starts_at, until=period.ends_at
            )
            ratings = uow.enterprises.ratings(period.id)
            contributions = [
                Contribution(m, minutes.get(m, 0), sales.get(m, 0), tuple(ratings.get(m, ())))
                for m in owners
            ]
            closing = pay.close_period(
                period,
                enterprise,
                contracts={c.id: c for c in uow.enterprises.contracts(enterprise_id)},
                entries=approved,
                revenue=revenue,
                costs=costs,
                contributions=contributions,
                grants=grants,
                by=actor,
                now=now,
            )
            payouts = self._pay(books, closing, enterprise_name=enterprise.name, actor=actor)
            books.close()
            uow.enterprises.save_hours(
                [
                    decide_hours(e, HoursAction.PAY, by=actor, now=now, period_id=period.id)
                    for e in approved
                ]
            )
            uow.enterprises.save_period(closing.period)
            uow.enterprises.save(closing.enterprise)
            uow.enterprises.add_payouts(payouts)
            idem.record(uow, collective.id, period.id, now=now)
            uow.commit()
            return PeriodView(closing.period, _ordered(payouts))

    @staticmethod
    def _closed(uow: UnitOfWork, enterprise_id: str, period_id: str) -> PeriodView:
        period = uow.enterprises.get_period(enterprise_id, period_id)
        assert period is not None
        return PeriodView(
            period, _ordered(uow.enterprises.payouts(enterprise_id, period_id=period_id))
        )

    @staticmethod
    def _pay(
        books: Books, closing: pay.Closing, *, enterprise_name: str, actor: str
    ) -> list[Payout]:
        period, enterprise = closing.period, closing.enterprise
        now = books.now
        payouts = []
        for line in closing.wages:
            transfer = None
            if line.amount > 0:
                transfer = books.move(
                    books.account_of(enterprise.id),
                    books.account_of(line.member_id),
                    line.amount,
                    kind=TransferKind.WAGE,
                    memo=f"{enterprise_name}: wage, {line.minutes / 60:g} h, period {period.seq}",
                    initiated_by=actor,
                )
            payouts.append(
                Payout(
                    id=new_id(),
                    period_id=period.id,
                    enterprise_id=enterprise.id,
                    member_id=line.member_id,
                    kind=PayoutKind.WAGE,
                    amount=line.amount,
                    basis=f"{line.hourly_wage}/h",
                    paid_at=now,
                    minutes=line.minutes,
                    contract_id=line.contract_id,
                    transfer_id=None if transfer is None else transfer.id,
                )
            )
        kind = (
            PayoutKind.SURPLUS_SHARE
            if enterprise.kind is EnterpriseKind.COOPERATIVE
            else PayoutKind.DIVIDEND
        )
        what = "surplus share" if kind is PayoutKind.SURPLUS_SHARE else "dividend"
        for share in closing.shares:
            transfer = books.move(
                books.account_of(enterprise.id),
                books.account_of(share.member_id),
                share.amount,
                kind=TransferKind.PROFIT_SHARE,
                memo=f"{enterprise_name}: {what}, period {period.seq}",
                initiated_by=actor,
            )
            payouts.append(
                Payout(
                    id=new_id(),
                    period_id=period.id,
                    enterprise_id=enterprise.id,
                    member_id=share.member_id,
                    kind=kind,
                    amount=share.amount,
                    basis=_basis(share.basis)[:64],
                    paid_at=now,
                    transfer_id=transfer.id,
                )
            )
        return payouts

    def pay_supplier(
        self,
        slug: str,
        *,
        actor: str,
        enterprise_id: str,
        to: str,
        amount: int,
        memo: str,
        idempotency_key: str,
    ) -> tuple[Transfer, int]:
        """Pay a member from the enterprise's account (inputs, a supplier, rent): a cost of the
        period. The payee's receipt is levied like any payment."""
        idem = IdempotentRequest.of(
            actor,
            idempotency_key,
            "enterprise.pay",
            {"enterprise": enterprise_id, "to": to, "amount": amount, "memo": memo},
        )
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, actor)
            act = acting(uow, collective, enterprise_id, actor)
            act.require(Power.SPEND)
            books = Books(uow, collective, now=now)
            books.lock_members([enterprise_id, to])
            earlier = idem.earlier(uow, collective.id)
            if earlier is not None:
                found = uow.transfers.get(earlier)
                assert found is not None
                return found, uow.transfers.levies_of([found.id]).get(found.id, 0)
            books.require_payee(to)
            transfer = books.move(
                books.account_of(enterprise_id),
                books.account_of(to),
                amount,
                kind=TransferKind.PAYMENT,
                memo=f"{act.enterprise.name}: {memo}" if memo else act.enterprise.name,
                initiated_by=actor,
            )
            books.close()
            idem.record(uow, collective.id, transfer.id, now=now)
            uow.commit()
        return transfer, books.levies.get(transfer.id, 0)

    def payouts(
        self, slug: str, *, viewer: str, enterprise_id: str, period_id: str | None = None
    ) -> list[Payout]:
        """Every payout for those who close periods; one's own for anyone else."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            act = acting(uow, collective, enterprise_id, viewer)
            everyone = Power.CLOSE_PERIODS in powers(act.roles)
            return _ordered(
                uow.enterprises.payouts(
                    enterprise_id, period_id=period_id, member_id=None if everyone else viewer
                )
            )

    def income(self, slug: str, *, member: str) -> list[IncomeStream]:
        """Each income stream of a member: one per enterprise they work for or own part of."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, member)
            paid = uow.enterprises.payouts_in(collective.id, member_id=member)
            ids = list(
                dict.fromkeys(
                    [
                        *uow.enterprises.enterprises_of_member(collective.id, member),
                        *(p.enterprise_id for p in paid),
                    ]
                )
            )
            streams = []
            for enterprise_id in ids:
                enterprise = load_enterprise(uow, collective, enterprise_id)
                mine = [p for p in paid if p.enterprise_id == enterprise_id]
                wages = [p for p in mine if p.kind is PayoutKind.WAGE]
                streams.append(
                    IncomeStream(
                        enterprise_id=enterprise_id,
                        enterprise_name=enterprise.name,
                        kind=enterprise.kind,
                        roles=uow.enterprises.roles_of(enterprise_id, member),
                        wages=sum(p.amount for p in wages),
                        minutes=sum(p.minutes or 0 for p in wages),
                        shares=sum(p.amount for p in mine if p.kind is not PayoutKind.WAGE),
                        last_paid_at=max((p.paid_at for p in mine), default=None),
                    )
                )
            return streams

    def report(self, slug: str, *, viewer: str, enterprise_id: str) -> list[PeriodView]:
        """The enterprise's P&L per closed period, newest first, with its payouts."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            act = acting(uow, collective, enterprise_id, viewer)
            enterprise = act.enterprise
            paid = _ordered(_visible(uow.enterprises.payouts(enterprise.id), act.roles, viewer))
            by_period: dict[str, list[Payout]] = defaultdict(list)
            for p in paid:
                by_period[p.period_id].append(p)
            return [
                PeriodView(period, by_period.get(period.id, []))
                for period in uow.enterprises.periods(enterprise.id)
                if period.status is PeriodStatus.CLOSED
            ]

    def collective_report(
        self,
        slug: str,
        *,
        viewer: str,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> CollectiveReport:
        """Wage share vs profit share, pay ratio, Gini of member income, owner-workers,
        automation capital per worker: over what enterprises paid in ``[since, until)``."""
        if since is not None and until is not None and until <= since:
            raise InvalidValue("until comes after since", field="until")
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            paid = uow.enterprises.payouts_in(collective.id, since=since, until=until)
            wages: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            shares: dict[str, int] = defaultdict(int)
            for p in paid:
                if p.kind is PayoutKind.WAGE:
                    wages[p.member_id][0] += p.amount
                    wages[p.member_id][1] += p.minutes or 0
                else:
                    shares[p.member_id] += p.amount
            owners = uow.enterprises.current_owners(collective.id)
            members = uow.enterprises.active_members(collective.id)
            found = measures(
                work=[WorkRecord(m, w, mins) for m, (w, mins) in sorted(wages.items())],
                profit_shares=dict(shares),
                members=members,
                owners=owners,
                automation_capital=uow.enterprises.automation_capital(collective.id),
            )
            return CollectiveReport(since, until, found, len(uow.enterprises.all_of(collective.id)))
