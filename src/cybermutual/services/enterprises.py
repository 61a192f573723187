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
from cybermutual.domain.enterprise.contracts import Contract, HoursAction, HoursEntry, HoursStatus
from cybermutual.domain.enterprise.kinds import (
    PERMISSIONS,
    CapitalAsset,
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
    new_capital,
    powers,
)
from cybermutual.domain.enterprise.pay import Grant, holdings, new_grant
from cybermutual.domain.errors import (
    ContractNotFound,
    HoursNotFound,
    InvalidValue,
    MemberNotFound,
    NotPermitted,
)
from cybermutual.domain.ledger import Account, AccountKind
from cybermutual.services.enterprise_common import (
    Acting,
    EnterpriseUseCase,
    acting,
    enterprise_account,
    load_enterprise,
)
from cybermutual.services.enterprise_pay import EnterprisePay
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


@dataclass(frozen=True, slots=True)
class Holding:
    member_id: str
    name: str
    shares: int
    vested: int


@dataclass(frozen=True, slots=True)
class Register:
    """A firm's owner register (or a co-op's worker-owners, one share each)."""

    holdings: list[Holding]
    grants: list[Grant]
    total_vested: int


def _require_member(uow: UnitOfWork, collective: Collective, member_id: str) -> None:
    membership = uow.memberships.get(collective.id, member_id)
    if membership is None or not membership.is_active:
        raise MemberNotFound(
            "that person is not an active member of this collective", member=member_id
        )


def worker_owners(uow: UnitOfWork, enterprise: Enterprise) -> list[str]:
    """A co-operative's current worker-owners (a firm's current owners), by member id."""
    return sorted(
        {
            p.member_id
            for p in uow.enterprises.positions(enterprise.id)
            if p.role is enterprise.owner_role
        }
    )


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
    _require_member(uow, collective, member_id)
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


class EnterpriseService(EnterprisePay, EnterpriseUseCase):
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
                _require_member(uow, collective, member)
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
            _require_member(uow, collective, member)
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

    # --- contracts and hours ----------------------------------------------------------------

    def offer_contract(
        self,
        slug: str,
        *,
        actor: str,
        enterprise_id: str,
        member: str,
        hourly_wage: int | None = None,
        role: Role | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> Contract:
        """A contract for ``member`` at ``hourly_wage`` (or the enterprise's rate for the role).
        A member may hold contracts with several enterprises at once (a dual wage)."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, actor)
            act = acting(uow, collective, enterprise_id, actor)
            act.require(Power.MANAGE_CONTRACTS)
            _require_member(uow, collective, member)
            held = uow.enterprises.roles_of(enterprise_id, member)
            role = role or (
                act.enterprise.owner_role if act.enterprise.owner_role in held else Role.EMPLOYEE
            )
            check_role(act.enterprise, role)
            if role is act.enterprise.owner_role and role not in held:
                raise InvalidValue(f"{member} is not a {role.value} here", field="role")
            wage = hourly_wage if hourly_wage is not None else act.enterprise.default_wage(role)
            if wage is None:
                raise InvalidValue(
                    "name an hourly_wage: the enterprise has no rate for this role",
                    field="hourly_wage",
                )
            contract = work.new_contract(
                contract_id=new_id(),
                enterprise_id=enterprise_id,
                member_id=member,
                role=role,
                hourly_wage=wage,
                starts_at=starts_at or now,
                ends_at=ends_at,
                now=now,
                created_by=actor,
            )
            uow.enterprises.add_contract(contract)
            if not held:  # working there gives the role the contract names
                uow.enterprises.add_position(new_id(), Position(enterprise_id, member, role, now))
            uow.commit()
        return contract

    def end_contract(
        self, slug: str, *, actor: str, enterprise_id: str, contract_id: str
    ) -> Contract:
        """End a contract now (the member themself, or someone who manages contracts)."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, actor)
            act = acting(uow, collective, enterprise_id, actor)
            contract = self._contract(uow, enterprise_id, contract_id)
            if contract.member_id != actor:
                act.require(Power.MANAGE_CONTRACTS)
            ended = work.end_contract(contract, at=now)
            uow.enterprises.save_contract(ended)
            uow.commit()
        return ended

    @staticmethod
    def _contract(uow: UnitOfWork, enterprise_id: str, contract_id: str) -> Contract:
        contract = uow.enterprises.get_contract(enterprise_id, contract_id)
        if contract is None:
            raise ContractNotFound(f"no contract {contract_id} here", contract=contract_id)
        return contract

    def contracts(self, slug: str, *, viewer: str, enterprise_id: str) -> list[Contract]:
        """All the enterprise's contracts for those who run it; one's own for anyone else."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            act = acting(uow, collective, enterprise_id, viewer)
            if Power.MANAGE_CONTRACTS in _powers(act):
                return uow.enterprises.contracts(enterprise_id)
            return uow.enterprises.contracts(enterprise_id, member_id=viewer)

    def log_hours(
        self,
        slug: str,
        *,
        member: str,
        enterprise_id: str,
        contract_id: str,
        worked_at: datetime,
        hours: Decimal,
        note: str = "",
    ) -> HoursEntry:
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, member)
            load_enterprise(uow, collective, enterprise_id)
            contract = self._contract(uow, enterprise_id, contract_id)
            entry = work.log_hours(
                entry_id=new_id(),
                contract=contract,
                member_id=member,
                worked_at=worked_at,
                hours=hours,
                note=note,
                now=now,
            )
            uow.enterprises.add_hours(entry)
            uow.commit()
        return entry

    def decide_hours(
        self, slug: str, *, actor: str, enterprise_id: str, entry_id: str, action: HoursAction
    ) -> HoursEntry:
        """Approve or reject logged hours: only someone the enterprise lets approve hours."""
        if action is HoursAction.PAY:
            raise InvalidValue("hours are paid by closing a period", field="action")
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, actor)
            act = acting(uow, collective, enterprise_id, actor)
            act.require(Power.APPROVE_HOURS)
            entry = uow.enterprises.get_hours(enterprise_id, entry_id, lock=True)
            if entry is None:
                raise HoursNotFound(f"no hours {entry_id} here", hours=entry_id)
            approvers = {
                p.member_id
                for p in uow.enterprises.positions(enterprise_id)
                if Power.APPROVE_HOURS in PERMISSIONS[p.role]
            }
            decided = work.decide_hours(
                entry, action, by=actor, now=now, sole_approver=approvers == {actor}
            )
            uow.enterprises.save_hours([decided])
            uow.commit()
        return decided

    def hours(
        self,
        slug: str,
        *,
        viewer: str,
        enterprise_id: str,
        status: HoursStatus | None = None,
        limit: int = 200,
    ) -> list[HoursEntry]:
        """Everyone's hours for those who approve them; one's own for anyone else."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            act = acting(uow, collective, enterprise_id, viewer)
            mine = None if Power.APPROVE_HOURS in _powers(act) else viewer
            return uow.enterprises.hours(
                enterprise_id, status=status, member_id=mine, limit=check_limit(limit)
            )

    # --- equity and capital -----------------------------------------------------------------

    def register(self, slug: str, *, viewer: str, enterprise_id: str) -> Register:
        """The owner register: only owners (a co-op's worker-owners) see it."""
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            act = acting(uow, collective, enterprise_id, viewer)
            act.require(Power.SEE_OWNERS)
            if act.enterprise.kind is EnterpriseKind.COOPERATIVE:
                owners = worker_owners(uow, act.enterprise)
                names = uow.people.names(owners)
                held = [Holding(m, names.get(m, ""), 1, 1) for m in owners]
                return Register(held, [], len(held))
            grants = uow.enterprises.grants(enterprise_id)
            vested = holdings(grants, now)
            total: dict[str, int] = {}
            for grant in grants:
                total[grant.member_id] = total.get(grant.member_id, 0) + grant.shares
            names = uow.people.names(total)
            held = [Holding(m, names.get(m, ""), total[m], vested.get(m, 0)) for m in sorted(total)]
            return Register(held, grants, sum(vested.values()))

    def grant_equity(
        self,
        slug: str,
        *,
        actor: str,
        enterprise_id: str,
        member: str,
        shares: int,
        vest_start: datetime | None = None,
        vest_end: datetime | None = None,
    ) -> Grant:
        """A firm's owner grants shares (new ones: every holding is diluted alike), vesting
        linearly from ``vest_start`` to ``vest_end``; the holder becomes an owner."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, actor)
            act = acting(uow, collective, enterprise_id, actor)
            act.require(Power.SEE_OWNERS)
            if act.enterprise.kind is not EnterpriseKind.FIRM:
                raise InvalidValue(
                    "a co-operative has no shares: its worker-owners are admitted by vote",
                    field="enterprise",
                )
            _require_member(uow, collective, member)
            grant = new_grant(
                grant_id=new_id(),
                enterprise_id=enterprise_id,
                member_id=member,
                shares=shares,
                granted_by=actor,
                now=now,
                vest_start=vest_start,
                vest_end=vest_end,
            )
            uow.enterprises.add_grant(grant)
            if Role.OWNER not in uow.enterprises.roles_of(enterprise_id, member):
                uow.enterprises.add_position(
                    new_id(), Position(enterprise_id, member, Role.OWNER, now)
                )
            uow.commit()
        return grant

    def add_capital(
        self,
        slug: str,
        *,
        actor: str,
        enterprise_id: str,
        name: str,
        value: int,
        labour_hours_replaced: int = 0,
    ) -> CapitalAsset:
        """Record capital the enterprise owns: refused (``capital_not_allowed``) where the
        collective holds its means of production in common."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, actor)
            act = acting(uow, collective, enterprise_id, actor)
            act.require(Power.OWN_CAPITAL)
            asset = new_capital(
                asset_id=new_id(),
                enterprise=act.enterprise,
                capital_mode=collective.charter.capital_mode,
                name=name,
                value=value,
                labour_hours_replaced=labour_hours_replaced,
                now=now,
            )
            uow.enterprises.add_capital(asset)
            uow.commit()
        return asset

    def capital(self, slug: str, *, viewer: str, enterprise_id: str) -> list[CapitalAsset]:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            return uow.enterprises.capital(load_enterprise(uow, collective, enterprise_id).id)


def _powers(act: Acting) -> frozenset[Power]:
    return powers(act.roles)
