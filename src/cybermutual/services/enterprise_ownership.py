"""Ownership: a firm's owner register and equity grants (with vesting), a co-op's worker-owners
as its register, and the capital an enterprise owns where the collective allows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cybermutual.domain.enterprise.kinds import (
    CapitalAsset,
    EnterpriseKind,
    Position,
    Power,
    Role,
    new_capital,
)
from cybermutual.domain.enterprise.pay import Grant, holdings, new_grant
from cybermutual.domain.errors import (
    InvalidValue,
)
from cybermutual.services.enterprise_common import (
    EnterpriseUseCase,
    acting,
    load_enterprise,
    require_majority,
    require_member,
    worker_owners,
)
from cybermutual.services.governance_proposals import require_active_or_former
from cybermutual.services.ids import new_id
from cybermutual.services.loading import active_member_collective, load_collective


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


class OwnershipUseCases(EnterpriseUseCase):
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
        """A firm's majority owner grants shares (new ones: every holding is diluted alike),
        vesting linearly from ``vest_start`` to ``vest_end``; the holder becomes an owner. A
        minority owner cannot issue shares (to themself, say) and dilute the others."""
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
            require_member(uow, collective, member)
            require_majority(uow, enterprise_id, actor, now=now)
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
