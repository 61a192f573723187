"""Enterprises: creating one, its roles, its contracts and hours, its equity and capital.

An enterprise's money is a ledger account owned by the enterprise's id (``AccountKind.ENTERPRISE``,
credit limit from the charter's default); its people hold roles (``domain.enterprise.kinds``).
Pay periods, payouts, incomes and reports are ``enterprise_pay``. The functions taking a unit of
work (``admit_worker_owner``, ``remove_worker_owner``, ``set_terms``, ``worker_owners``) are
what a co-operative's own governance applies when its worker-owners decide.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from cybermutual.domain.collective import Collective
from cybermutual.domain.enterprise import contracts as work
from cybermutual.domain.enterprise.kinds import (
    Enterprise,
    EnterpriseKind,
    MeritMetric,
    MixWeights,
    Position,
    Power,
    Role,
    check_name,
    check_reserve_share,
    check_role,
    check_wage,
)
from cybermutual.domain.enterprise.pay import new_grant
from cybermutual.domain.errors import (
    InvalidValue,
    MemberNotFound,
    NotPermitted,
)
from cybermutual.domain.ledger import Account, AccountKind
from cybermutual.domain.ledger import set_credit_limit as set_account_limit
from cybermutual.services.enterprise_common import (
    EnterpriseUseCase,
    acting,
    enterprise_account,
    load_enterprise,
    require_majority,
    require_member,
    worker_owners,
)
from cybermutual.services.enterprise_ownership import OwnershipUseCases
from cybermutual.services.enterprise_pay import EnterprisePay
from cybermutual.services.enterprise_work import WorkUseCases
from cybermutual.services.governance_proposals import require_active_or_former
from cybermutual.services.ids import new_id
from cybermutual.services.loading import active_member_collective, check_limit, load_collective
from cybermutual.services.ports import Page, UnitOfWork

#: shares a firm's founder holds when they name no number
DEFAULT_FOUNDER_SHARES = 100


@dataclass(frozen=True, slots=True)
class PersonInRole:
    member_id: str
    name: str
    role: Role
    since: datetime


@dataclass(frozen=True, slots=True)
class EnterpriseView:
    enterprise: Enterprise
    account: Account
    people: list[PersonInRole]
    your_roles: frozenset[Role]


def admit_worker_owner(
    uow: UnitOfWork,
    collective: Collective,
    enterprise: Enterprise,
    member_id: str,
    *,
    now: datetime,
) -> None:
    """Make ``member_id`` a worker-owner of a co-operative (as its worker-owners decided)."""
    if enterprise.kind is not EnterpriseKind.COOPERATIVE:
        raise InvalidValue("only a co-operative has worker-owners", field="role")
    require_member(uow, collective, member_id)
    if Role.WORKER_OWNER in uow.enterprises.roles_of(enterprise.id, member_id):
        return
    uow.enterprises.add_position(
        new_id(), Position(enterprise.id, member_id, Role.WORKER_OWNER, now)
    )


def remove_worker_owner(
    uow: UnitOfWork, enterprise: Enterprise, member_id: str, *, now: datetime
) -> None:
    """End ``member_id``'s place as a worker-owner (as the worker-owners decided); the last one
    cannot be removed, a co-operative always has someone to govern it."""
    current = worker_owners(uow, enterprise)
    if member_id not in current:
        raise MemberNotFound("that member is not a worker-owner here", member=member_id)
    if len(current) == 1:
        raise InvalidValue("a co-operative keeps at least one worker-owner", field="member")
    uow.enterprises.end_position(enterprise.id, member_id, Role.WORKER_OWNER, at=now)


def set_terms(
    uow: UnitOfWork,
    enterprise: Enterprise,
    *,
    wage_rates: dict[Role, int] | None = None,
    reserve_share: Decimal | None = None,
    merit_metric: MeritMetric | None = None,
    mix: MixWeights | None = None,
) -> Enterprise:
    """Change the enterprise's wage rates, reserve share or merit metric (what is not given
    stays); applies from the next period close."""
    changed = enterprise
    if wage_rates is not None:
        for role, wage in wage_rates.items():
            check_role(enterprise, role)
            check_wage(wage)
        rates = dict(enterprise.wage_rates) | wage_rates
        changed = replace(changed, wage_rates=tuple(sorted(rates.items())))
    if reserve_share is not None:
        changed = replace(changed, reserve_share=check_reserve_share(reserve_share))
    if merit_metric is not None:
        changed = replace(changed, merit_metric=merit_metric)
    if mix is not None:
        changed = replace(changed, mix=mix)
    if changed != enterprise:
        uow.enterprises.save(changed)
    return changed


def set_credit_limit(uow: UnitOfWork, enterprise: Enterprise, limit: int) -> Account:
    """The enterprise's account's new credit limit (as the collective decided). Lowering it
    below the current debt is allowed: sales still arrive, only spending stops."""
    account = set_account_limit(enterprise_account(uow, enterprise), limit)
    uow.accounts.set_credit_limit(account.id, account.credit_limit)
    return account


class EnterpriseService(EnterprisePay, WorkUseCases, OwnershipUseCases, EnterpriseUseCase):
    """Every enterprise use case, as the edges call them."""

    # --- the enterprise ---------------------------------------------------------------------

    def create(
        self,
        slug: str,
        *,
        founder: str,
        kind: EnterpriseKind,
        name: str,
        description: str = "",
        cofounders: tuple[str, ...] = (),
        founder_shares: int = DEFAULT_FOUNDER_SHARES,
        reserve_share: Decimal = Decimal(0),
        merit_metric: MeritMetric = MeritMetric.HOURS,
        mix: MixWeights | None = None,
    ) -> EnterpriseView:
        """Found an enterprise: a co-op's founders (the caller and ``cofounders``) are its first
        worker-owners; a firm's founder its first owner, holding ``founder_shares``."""
        if len(description) > 2000:
            raise InvalidValue("description must have at most 2000 characters", field="description")
        if kind is EnterpriseKind.FIRM and cofounders:
            raise InvalidValue("a firm's further owners are given equity", field="cofounders")
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, founder)
            founders = [founder, *dict.fromkeys(c for c in cofounders if c != founder)]
            for member in founders[1:]:
                require_member(uow, collective, member)
            enterprise = Enterprise(
                id=new_id(),
                collective_id=collective.id,
                kind=kind,
                name=check_name(name),
                description=description.strip(),
                created_by=founder,
                created_at=now,
                reserve_share=check_reserve_share(reserve_share),
                merit_metric=merit_metric,
                mix=mix or MixWeights(),
            )
            uow.enterprises.add(enterprise)
            uow.accounts.add(
                Account(
                    id=new_id(),
                    collective_id=collective.id,
                    kind=AccountKind.ENTERPRISE,
                    owner_id=enterprise.id,
                    credit_limit=collective.charter.default_credit_limit,
                )
            )
            for member in founders:
                uow.enterprises.add_position(
                    new_id(), Position(enterprise.id, member, enterprise.owner_role, now)
                )
            if kind is EnterpriseKind.FIRM:
                uow.enterprises.add_grant(
                    new_grant(
                        grant_id=new_id(),
                        enterprise_id=enterprise.id,
                        member_id=founder,
                        shares=founder_shares,
                        granted_by=founder,
                        now=now,
                    )
                )
            view = self._view(uow, enterprise, founder)
            uow.commit()
        return view

    @staticmethod
    def _view(uow: UnitOfWork, enterprise: Enterprise, viewer: str) -> EnterpriseView:
        positions = uow.enterprises.positions(enterprise.id)
        names = uow.people.names({p.member_id for p in positions})
        return EnterpriseView(
            enterprise,
            enterprise_account(uow, enterprise),
            [
                PersonInRole(p.member_id, names.get(p.member_id, ""), p.role, p.since)
                for p in positions
            ],
            frozenset(p.role for p in positions if p.member_id == viewer),
        )

    def names(self, enterprise_ids: set[str]) -> dict[str, str]:
        """Enterprises' names by id (those that exist)."""
        with self._uow(readonly=True) as uow:
            return uow.enterprises.names(enterprise_ids)

    def enterprises(
        self, slug: str, *, viewer: str, limit: int = 50, cursor: str | None = None
    ) -> Page[EnterpriseView]:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            page = uow.enterprises.of_collective(
                collective.id, limit=check_limit(limit), cursor=cursor
            )
            return Page([self._view(uow, e, viewer) for e in page.items], page.next_cursor)

    def enterprise(self, slug: str, *, viewer: str, enterprise_id: str) -> EnterpriseView:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            return self._view(uow, load_enterprise(uow, collective, enterprise_id), viewer)

    def change_terms(
        self,
        slug: str,
        *,
        actor: str,
        enterprise_id: str,
        wage_rates: dict[Role, int] | None = None,
        reserve_share: Decimal | None = None,
    ) -> EnterpriseView:
        """A firm's majority owner sets its wage rates and reserve share. A co-operative's terms
        are its worker-owners' decision, taken by their vote (``set_terms`` applies it)."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, actor)
            act = acting(uow, collective, enterprise_id, actor)
            if act.enterprise.kind is EnterpriseKind.COOPERATIVE:
                raise NotPermitted(
                    "a co-operative's terms are changed by a vote of its worker-owners",
                    enterprise=enterprise_id,
                )
            act.require(Power.SEE_OWNERS)
            require_majority(uow, enterprise_id, actor, now=now)
            enterprise = load_enterprise(uow, collective, enterprise_id, lock=True)
            changed = set_terms(uow, enterprise, wage_rates=wage_rates, reserve_share=reserve_share)
            view = self._view(uow, changed, actor)
            uow.commit()
        return view

    # --- roles ------------------------------------------------------------------------------

    def appoint(
        self, slug: str, *, actor: str, enterprise_id: str, member: str, role: Role
    ) -> EnterpriseView:
        """Give a member a role: a manager or an employee (by someone who manages contracts).
        Ownership is not appointed: a firm's owners hold equity, a co-op's worker-owners are
        admitted by a vote of the worker-owners."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, actor)
            act = acting(uow, collective, enterprise_id, actor)
            act.require(Power.MANAGE_CONTRACTS)
            check_role(act.enterprise, role)
            if role is act.enterprise.owner_role:
                how = (
                    "by a vote of its worker-owners"
                    if act.enterprise.kind is EnterpriseKind.COOPERATIVE
                    else "by a grant of equity"
                )
                raise NotPermitted(
                    f"a {role.value.replace('_', '-')} is admitted {how}, not appointed",
                    enterprise=enterprise_id,
                )
            require_member(uow, collective, member)
            if role not in uow.enterprises.roles_of(enterprise_id, member):
                uow.enterprises.add_position(new_id(), Position(enterprise_id, member, role, now))
            view = self._view(uow, act.enterprise, actor)
            uow.commit()
        return view

    def dismiss(
        self, slug: str, *, actor: str, enterprise_id: str, member: str, role: Role
    ) -> EnterpriseView:
        """End a manager's or employee's role (or leave one's own role of that kind)."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, actor)
            act = acting(uow, collective, enterprise_id, actor)
            if member != actor:
                act.require(Power.MANAGE_CONTRACTS)
            if role is act.enterprise.owner_role:
                raise NotPermitted(
                    "ownership ends by the enterprise's own decision, not by dismissal",
                    enterprise=enterprise_id,
                )
            if not uow.enterprises.end_position(enterprise_id, member, role, at=now):
                raise MemberNotFound(f"that member is not a {role.value} here", member=member)
            for contract in uow.enterprises.contracts(enterprise_id, member_id=member):
                if contract.role is role and contract.covers(now):  # the work ends with the role
                    uow.enterprises.save_contract(work.end_contract(contract, at=now))
            view = self._view(uow, act.enterprise, actor)
            uow.commit()
        return view

    # --- what co-operative governance applies -----------------------------------------------

    def worker_owners(self, slug: str, *, enterprise_id: str) -> list[str]:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            return worker_owners(uow, load_enterprise(uow, collective, enterprise_id))

    def admit_worker_owner(self, slug: str, *, enterprise_id: str, member: str) -> None:
        """Apply a decision of the worker-owners (the caller checked it was taken)."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            enterprise = load_enterprise(uow, collective, enterprise_id, lock=True)
            admit_worker_owner(uow, collective, enterprise, member, now=now)
            uow.commit()

    def remove_worker_owner(self, slug: str, *, enterprise_id: str, member: str) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            enterprise = load_enterprise(uow, collective, enterprise_id, lock=True)
            remove_worker_owner(uow, enterprise, member, now=now)
            uow.commit()

    def set_credit_limit(self, slug: str, *, enterprise_id: str, limit: int) -> Account:
        """Apply the collective's decision on an enterprise's credit limit."""
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            enterprise = load_enterprise(uow, collective, enterprise_id)
            account = set_credit_limit(uow, enterprise, limit)
            uow.commit()
        return account

    def set_terms(
        self,
        slug: str,
        *,
        enterprise_id: str,
        wage_rates: dict[Role, int] | None = None,
        reserve_share: Decimal | None = None,
        merit_metric: MeritMetric | None = None,
        mix: MixWeights | None = None,
    ) -> Enterprise:
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            enterprise = load_enterprise(uow, collective, enterprise_id, lock=True)
            changed = set_terms(
                uow,
                enterprise,
                wage_rates=wage_rates,
                reserve_share=reserve_share,
                merit_metric=merit_metric,
                mix=mix,
            )
            uow.commit()
        return changed
