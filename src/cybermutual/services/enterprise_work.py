"""Work in an enterprise: contracts (member, hourly wage, start, end) and the hours logged on
them, which someone the enterprise lets approve hours approves or rejects."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from cybermutual.domain.enterprise import contracts as work
from cybermutual.domain.enterprise.contracts import Contract, HoursAction, HoursEntry, HoursStatus
from cybermutual.domain.enterprise.kinds import (
    PERMISSIONS,
    Position,
    Power,
    Role,
    check_role,
    powers,
)
from cybermutual.domain.errors import (
    ContractNotFound,
    HoursNotFound,
    InvalidValue,
)
from cybermutual.services.enterprise_common import (
    Acting,
    EnterpriseUseCase,
    acting,
    load_enterprise,
    require_member,
)
from cybermutual.services.governance_proposals import require_active_or_former
from cybermutual.services.ids import new_id
from cybermutual.services.loading import active_member_collective, check_limit, load_collective
from cybermutual.services.ports import UnitOfWork


class WorkUseCases(EnterpriseUseCase):
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
            require_member(uow, collective, member)
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
            if role not in held:  # working there gives the role the contract names
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


def _powers(act: Acting) -> frozenset[Power]:
    return powers(act.roles)
