"""What every enterprise use case opens with (the enterprise, the caller's roles, a period) and
the checks several share: an active member named, a firm's majority owner, the worker-owners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cybermutual.domain.collective import Collective
from cybermutual.domain.enterprise.kinds import Enterprise, Power, Role, require_power
from cybermutual.domain.enterprise.pay import PayPeriod, holdings
from cybermutual.domain.errors import (
    EnterpriseNotFound,
    MemberNotFound,
    NotPermitted,
    PeriodNotFound,
)
from cybermutual.domain.ledger import Account
from cybermutual.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Acting:
    """An enterprise, and the roles the caller holds in it now."""

    enterprise: Enterprise
    roles: frozenset[Role]

    def require(self, power: Power) -> None:
        require_power(self.roles, power, enterprise=self.enterprise)


def load_enterprise(
    uow: UnitOfWork, collective: Collective, enterprise_id: str, *, lock: bool = False
) -> Enterprise:
    enterprise = uow.enterprises.get(collective.id, enterprise_id, lock=lock)
    if enterprise is None:
        raise EnterpriseNotFound(f"no enterprise {enterprise_id}", enterprise=enterprise_id)
    return enterprise


def acting(uow: UnitOfWork, collective: Collective, enterprise_id: str, member_id: str) -> Acting:
    enterprise = load_enterprise(uow, collective, enterprise_id)
    return Acting(enterprise, uow.enterprises.roles_of(enterprise.id, member_id))


def load_period(uow: UnitOfWork, enterprise: Enterprise, period_id: str) -> PayPeriod:
    period = uow.enterprises.get_period(enterprise.id, period_id)
    if period is None:
        raise PeriodNotFound(f"no pay period {period_id} in {enterprise.name}", period=period_id)
    return period


def enterprise_account(uow: UnitOfWork, enterprise: Enterprise) -> Account:
    account = uow.enterprises.account(enterprise.collective_id, enterprise.id)
    if account is None:  # pragma: no cover - created with the enterprise
        raise EnterpriseNotFound("this enterprise has no account", enterprise=enterprise.id)
    return account


class EnterpriseUseCase:
    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock


def acting_seller(
    uow: UnitOfWork, collective: Collective, enterprise_id: str, member_id: str
) -> Enterprise:
    """The enterprise ``member_id`` sells for on the market (``not_permitted`` without a role
    that sells)."""
    act = acting(uow, collective, enterprise_id, member_id)
    act.require(Power.SELL)
    return act.enterprise


def acting_in(
    uow: UnitOfWork, collective: Collective, enterprise_id: str, member_id: str, *, doing: str
) -> Enterprise:
    """The enterprise, if ``member_id`` holds any role in it (``not_permitted`` otherwise):
    what its people may all do, such as using its commons shares."""
    act = acting(uow, collective, enterprise_id, member_id)
    if not act.roles:
        raise NotPermitted(
            f"only the people of {act.enterprise.name} may {doing}", enterprise=act.enterprise.id
        )
    return act.enterprise


def require_member(uow: UnitOfWork, collective: Collective, member_id: str) -> None:
    membership = uow.memberships.get(collective.id, member_id)
    if membership is None or not membership.is_active:
        raise MemberNotFound(
            "that person is not an active member of this collective", member=member_id
        )


def require_majority(uow: UnitOfWork, enterprise_id: str, actor: str, *, now: datetime) -> None:
    """A firm's owners decide by shares: only an owner holding a majority of the vested shares
    issues new ones or changes the terms (a minority owner cannot dilute the others)."""
    vested = holdings(uow.enterprises.grants(enterprise_id), now)
    if 2 * vested.get(actor, 0) <= sum(vested.values()):
        raise NotPermitted(
            "only an owner holding a majority of the vested shares may do this",
            enterprise=enterprise_id,
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
