"""Work: contracts (member, enterprise, hourly wage, start, end) and the hours logged on them.

A member logs hours on their own contract; someone holding ``approve_hours`` in the enterprise
approves or rejects them (``HOURS_TRANSITIONS``); the next pay period closed after the work
pays every approved, unpaid entry. Hours are kept in whole minutes, so a wage is exact:
``floor(hourly_wage * minutes / 60)`` per contract and period (the floor is taken once, on the
period's total, never per entry).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from cybermutual.domain.enterprise.kinds import Role, check_wage
from cybermutual.domain.errors import InvalidTransition, InvalidValue, NotPermitted

#: one entry covers at most a day
MAX_ENTRY_MINUTES = 24 * 60


@dataclass(frozen=True, slots=True)
class Contract:
    id: str
    enterprise_id: str
    member_id: str
    role: Role
    hourly_wage: int
    starts_at: datetime
    ends_at: datetime | None
    created_at: datetime
    created_by: str

    def covers(self, moment: datetime) -> bool:
        return self.starts_at <= moment and (self.ends_at is None or moment < self.ends_at)


def new_contract(
    *,
    contract_id: str,
    enterprise_id: str,
    member_id: str,
    role: Role,
    hourly_wage: int,
    starts_at: datetime,
    ends_at: datetime | None,
    now: datetime,
    created_by: str,
) -> Contract:
    if role not in (Role.EMPLOYEE, Role.MANAGER, Role.WORKER_OWNER, Role.OWNER):
        raise InvalidValue("unknown role", field="role")
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidValue("a contract ends after it starts", field="ends_at")
    return Contract(
        id=contract_id,
        enterprise_id=enterprise_id,
        member_id=member_id,
        role=role,
        hourly_wage=check_wage(hourly_wage),
        starts_at=starts_at,
        ends_at=ends_at,
        created_at=now,
        created_by=created_by,
    )


def end_contract(contract: Contract, *, at: datetime) -> Contract:
    if contract.ends_at is not None and contract.ends_at <= at:
        raise InvalidTransition("this contract has already ended", contract=contract.id)
    return replace(contract, ends_at=max(at, contract.starts_at))


class HoursStatus(StrEnum):
    LOGGED = "logged"  # waiting for the enterprise
    APPROVED = "approved"  # will be paid at the next period close
    REJECTED = "rejected"
    PAID = "paid"  # a closed period paid it (``period_id``)


class HoursAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    PAY = "pay"


#: Every legal step of logged hours: (from, action) -> to. Only a period close pays.
HOURS_TRANSITIONS: dict[tuple[HoursStatus, HoursAction], HoursStatus] = {
    (HoursStatus.LOGGED, HoursAction.APPROVE): HoursStatus.APPROVED,
    (HoursStatus.LOGGED, HoursAction.REJECT): HoursStatus.REJECTED,
    (HoursStatus.APPROVED, HoursAction.PAY): HoursStatus.PAID,
}


@dataclass(frozen=True, slots=True)
class HoursEntry:
    id: str
    contract_id: str
    enterprise_id: str
    member_id: str
    worked_at: datetime
    minutes: int
    note: str
    status: HoursStatus
    logged_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    period_id: str | None = None


def minutes_of(hours: Decimal) -> int:
    """Hours as whole minutes (``7.5`` -> 450); a fraction of a minute is refused."""
    if not hours.is_finite():
        raise InvalidValue("hours must be a number", field="hours")
    minutes = hours * 60
    if minutes != minutes.to_integral_value():
        raise InvalidValue("hours must come to whole minutes", field="hours")
    if not 0 < minutes <= MAX_ENTRY_MINUTES:
        raise InvalidValue("one entry logs more than 0 and at most 24 hours", field="hours")
    return int(minutes)


def log_hours(
    *,
    entry_id: str,
    contract: Contract,
    member_id: str,
    worked_at: datetime,
    hours: Decimal,
    note: str,
    now: datetime,
) -> HoursEntry:
    if member_id != contract.member_id:
        raise NotPermitted("only the member on a contract logs hours on it", contract=contract.id)
    if worked_at > now:
        raise InvalidValue("hours are logged once they are worked", field="worked_at")
    if not contract.covers(worked_at):
        raise InvalidValue("the contract does not cover that time", field="worked_at")
    if len(note) > 500:
        raise InvalidValue("note must have at most 500 characters", field="note")
    return HoursEntry(
        id=entry_id,
        contract_id=contract.id,
        enterprise_id=contract.enterprise_id,
        member_id=member_id,
        worked_at=worked_at,
        minutes=minutes_of(hours),
        note=note,
        status=HoursStatus.LOGGED,
        logged_at=now,
    )


def decide_hours(
    entry: HoursEntry,
    action: HoursAction,
    *,
    by: str,
    now: datetime,
    period_id: str | None = None,
    sole_approver: bool = False,
) -> HoursEntry:
    """Take one step of ``HOURS_TRANSITIONS``.

    Nobody approves their own hours, unless they are the only one in the enterprise who may
    approve hours at all (a one-person co-op or firm).
    """
    to = HOURS_TRANSITIONS.get((entry.status, action))
    if to is None:
        raise InvalidTransition(
            f"hours that are {entry.status.value} cannot be {action.value}d",
            status=entry.status.value,
        )
    if action is HoursAction.PAY:
        return replace(entry, status=to, period_id=period_id)
    if by == entry.member_id and not sole_approver:
        raise NotPermitted("someone else in the enterprise approves your hours", entry=entry.id)
    return replace(entry, status=to, decided_by=by, decided_at=now)


def wage_for(hourly_wage: int, minutes: int) -> int:
    """The wage for ``minutes`` of work: exact, rounded down to the minor unit."""
    return hourly_wage * minutes // 60
