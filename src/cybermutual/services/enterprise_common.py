"""What every enterprise use case opens with: the enterprise, the caller's roles, a period."""

from __future__ import annotations

from dataclasses import dataclass

from cybermutual.domain.collective import Collective
from cybermutual.domain.enterprise.kinds import Enterprise, Power, Role, require_power
from cybermutual.domain.enterprise.pay import PayPeriod
from cybermutual.domain.errors import EnterpriseNotFound, PeriodNotFound
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
