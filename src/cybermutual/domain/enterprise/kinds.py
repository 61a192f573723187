"""Enterprises: worker co-operatives and firms inside a collective, and who may act for them.

An enterprise has its own ledger account (``AccountKind.ENTERPRISE``, owned by the enterprise's
id) and people in roles. What each role may do is one table, ``PERMISSIONS``, so the API, the
pages and the tests read the same answer. Whether an enterprise may own capital is the
collective's ``capital_mode``: under ``commons`` the means of production belong to the collective
and an enterprise bids for their use like a member; under ``private`` or ``mixed`` it may own
capital assets, including automation recorded with the labour hours it replaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from cybermutual.domain.collective import CapitalMode
from cybermutual.domain.errors import CapitalNotAllowed, InvalidValue, NotPermitted
from cybermutual.domain.money import MAX_AMOUNT


class EnterpriseKind(StrEnum):
    COOPERATIVE = "cooperative"  # owned and governed by its worker-owners, one person one vote
    FIRM = "firm"  # owned by shareholders; employees are paid wages


class Role(StrEnum):
    WORKER_OWNER = "worker_owner"  # a co-operative's member: works, votes, shares the surplus
    OWNER = "owner"  # a firm's shareholder (an employee with vested equity is one too)
    MANAGER = "manager"  # runs the work: approves hours, acts on the market
    EMPLOYEE = "employee"  # works for wages


class Power(StrEnum):
    SELL = "sell"  # post listings and act on orders for the enterprise
    APPROVE_HOURS = "approve_hours"
    MANAGE_CONTRACTS = "manage_contracts"  # offer and end contracts, appoint managers/employees
    CLOSE_PERIODS = "close_periods"  # open and close pay periods (which pays wages and shares)
    SEE_OWNERS = "see_owners"  # read the owner register, grant equity (firm)
    OWN_CAPITAL = "own_capital"  # record capital assets the enterprise owns
    SPEND = "spend"  # pay a supplier from the enterprise's account (a cost of the period)
    BID = "bid"  # bid for the commons for the enterprise, from one's own token budget


_ALL = frozenset(Power)
#: Who may do what, by role; anyone holding several roles has the union.
PERMISSIONS: dict[Role, frozenset[Power]] = {
    Role.WORKER_OWNER: _ALL,
    Role.OWNER: _ALL,
    Role.MANAGER: frozenset({Power.SELL, Power.APPROVE_HOURS, Power.MANAGE_CONTRACTS, Power.BID}),
    Role.EMPLOYEE: frozenset({Power.SELL}),
}
#: Roles that are ownership: the surplus (co-op) or the profit (firm) goes to them.
OWNER_ROLES = {EnterpriseKind.COOPERATIVE: Role.WORKER_OWNER, EnterpriseKind.FIRM: Role.OWNER}
#: Roles each kind has at all (a firm has no worker-owners, a co-op no shareholders).
KIND_ROLES = {
    EnterpriseKind.COOPERATIVE: frozenset({Role.WORKER_OWNER, Role.MANAGER, Role.EMPLOYEE}),
    EnterpriseKind.FIRM: frozenset({Role.OWNER, Role.MANAGER, Role.EMPLOYEE}),
}


class MeritMetric(StrEnum):
    """How a co-operative shares its surplus among its worker-owners (``pay.merits``)."""

    HOURS = "hours"  # approved hours worked in the period
    PRODUCTIVITY = "hours_x_productivity"  # hours x (sales attributed / hour) = sales attributed
    PEER_RATINGS = "peer_ratings"  # the mean rating the other worker-owners gave
    MIX = "mix"  # a weighted mix of the three, each first taken as a share of its total


@dataclass(frozen=True, slots=True)
class MixWeights:
    """Weights of a ``mix`` metric: whole numbers, at least one above zero."""

    hours: int = 1
    productivity: int = 0
    ratings: int = 0

    def __post_init__(self) -> None:
        for name in ("hours", "productivity", "ratings"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
                raise InvalidValue(f"mix weight {name} must be 0..1000", field=f"mix.{name}")
        if self.hours + self.productivity + self.ratings == 0:
            raise InvalidValue("a mix needs at least one weight above zero", field="mix")


#: the reserve share may keep at most this much of a surplus (the rest is always shared)
MAX_RESERVE_SHARE = Decimal("0.9")


def check_reserve_share(share: Decimal) -> Decimal:
    if not share.is_finite() or not Decimal(0) <= share <= MAX_RESERVE_SHARE:
        raise InvalidValue(
            f"reserve_share must be between 0 and {MAX_RESERVE_SHARE}", field="reserve_share"
        )
    if share != share.quantize(Decimal("0.0001")):
        raise InvalidValue("reserve_share has at most 4 decimals", field="reserve_share")
    return share


def check_wage(wage: int) -> int:
    if isinstance(wage, bool) or not isinstance(wage, int) or not 0 <= wage <= MAX_AMOUNT:
        raise InvalidValue(f"hourly wage must be 0..{MAX_AMOUNT} minor units", field="hourly_wage")
    return wage


def check_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise InvalidValue("name must have 1-120 characters", field="name")
    return name


@dataclass(frozen=True, slots=True)
class Enterprise:
    """A co-operative or a firm; its money is the ledger account owned by ``id``.

    ``reserve`` is the part of the account's balance kept back from past surpluses (it absorbs a
    loss first); ``loss_carried`` is a loss the reserve could not absorb, taken from the next
    surpluses before anything is shared (``pay.settle_period``).
    """

    id: str
    collective_id: str
    kind: EnterpriseKind
    name: str
    description: str
    created_by: str
    created_at: datetime
    reserve_share: Decimal = Decimal(0)
    merit_metric: MeritMetric = MeritMetric.HOURS
    mix: MixWeights = MixWeights()
    reserve: int = 0
    loss_carried: int = 0
    #: hourly wage each role is paid by default when a contract names none (a co-op votes these)
    wage_rates: tuple[tuple[Role, int], ...] = ()

    @property
    def owner_role(self) -> Role:
        return OWNER_ROLES[self.kind]

    def default_wage(self, role: Role) -> int | None:
        return dict(self.wage_rates).get(role)


@dataclass(frozen=True, slots=True)
class Position:
    """A member's role in an enterprise; ``ended_at`` set once it ended (kept for the record)."""

    enterprise_id: str
    member_id: str
    role: Role
    since: datetime
    ended_at: datetime | None = None

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


def check_role(enterprise: Enterprise, role: Role) -> Role:
    if role not in KIND_ROLES[enterprise.kind]:
        raise InvalidValue(
            f"a {enterprise.kind.value} has no '{role.value}' role",
            field="role",
            allowed=sorted(r.value for r in KIND_ROLES[enterprise.kind]),
        )
    return role


def powers(roles: frozenset[Role] | set[Role]) -> frozenset[Power]:
    return frozenset().union(*(PERMISSIONS[r] for r in roles)) if roles else frozenset()


def require_power(
    roles: frozenset[Role] | set[Role], power: Power, *, enterprise: Enterprise
) -> None:
    """Refuse with ``not_permitted`` unless one of ``roles`` grants ``power``."""
    if power not in powers(roles):
        allowed = sorted(r.value for r, p in PERMISSIONS.items() if power in p)
        raise NotPermitted(
            f"only a {' or '.join(allowed)} of {enterprise.name} may do this",
            enterprise=enterprise.id,
            power=power.value,
        )


def require_capital_allowed(capital_mode: CapitalMode, enterprise: Enterprise) -> None:
    """Under ``commons`` the collective owns the means of production; enterprises bid for them."""
    if capital_mode is CapitalMode.COMMONS:
        raise CapitalNotAllowed(
            f"this collective holds its means of production in common: {enterprise.name} "
            "cannot own capital, it bids for the commons in allocation rounds instead",
            capital_mode=capital_mode.value,
            enterprise=enterprise.id,
        )


@dataclass(frozen=True, slots=True)
class CapitalAsset:
    """Capital an enterprise owns (``private``/``mixed`` collectives only).

    ``labour_hours_replaced`` > 0 marks automation: the hours of work per period it replaces.
    """

    id: str
    enterprise_id: str
    name: str
    value: int
    labour_hours_replaced: int
    acquired_at: datetime

    @property
    def is_automation(self) -> bool:
        return self.labour_hours_replaced > 0


def new_capital(
    *,
    asset_id: str,
    enterprise: Enterprise,
    capital_mode: CapitalMode,
    name: str,
    value: int,
    labour_hours_replaced: int,
    now: datetime,
) -> CapitalAsset:
    require_capital_allowed(capital_mode, enterprise)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT:
        raise InvalidValue(f"value must be 0..{MAX_AMOUNT} minor units", field="value")
    if (
        isinstance(labour_hours_replaced, bool)
        or not isinstance(labour_hours_replaced, int)
        or not 0 <= labour_hours_replaced <= 1_000_000
    ):
        raise InvalidValue(
            "labour_hours_replaced must be 0..1000000", field="labour_hours_replaced"
        )
    return CapitalAsset(
        id=asset_id,
        enterprise_id=enterprise.id,
        name=check_name(name),
        value=value,
        labour_hours_replaced=labour_hours_replaced,
        acquired_at=now,
    )
