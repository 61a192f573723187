"""Public services: free at the point of use, paid from ``commons_fund``.

A passed ``fund_service`` creates a service with a rate per unit and a budget per period. Its
providers file claims ``{recipient, units}``; the recipient confirms (or the claim auto-confirms
after the charter's timeout), and the fund pays ``units x rate_per_unit`` to the provider when
the claim fits both the service's budget for the current period and the fund's headroom (its
balance down to its credit limit, 0 unless a vote set another). A claim that does not fit waits,
saying why, and is paid when a later period or new money makes room.

Claims are paid strictly in the order they were confirmed: a waiting claim is never overtaken
by a later, smaller one of the same service (``budget_exhausted``) or of any service
(``fund_insufficient``), so a large claim cannot starve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from cybermutual.domain.errors import (
    ClaimExceedsBudget,
    InvalidTransition,
    InvalidValue,
    NotAProvider,
    NotTheRecipient,
    ServiceEnded,
)
from cybermutual.domain.governance.kinds import FundService, Period
from cybermutual.domain.money import check_amount

DEFAULT_CLAIM_CONFIRM_DAYS = 7
MAX_UNITS = 1_000_000


class ServiceStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class PublicService:
    id: str
    collective_id: str
    name: str
    category: str
    rate_per_unit: int
    budget_per_period: int
    period: Period
    status: ServiceStatus
    proposal_id: str
    created_at: datetime
    ended_at: datetime | None = None


def found(
    effect: FundService, *, service_id: str, collective_id: str, proposal_id: str, now: datetime
) -> PublicService:
    return PublicService(
        id=service_id,
        collective_id=collective_id,
        name=effect.name,
        category=effect.category,
        rate_per_unit=effect.rate_per_unit,
        budget_per_period=effect.budget_per_period,
        period=effect.period,
        status=ServiceStatus.ACTIVE,
        proposal_id=proposal_id,
        created_at=now,
    )


def end(service: PublicService, *, now: datetime) -> PublicService:
    """No new providers or claims; claims already confirmed are still paid."""
    if service.status is ServiceStatus.ENDED:
        raise ServiceEnded("the service has already ended")
    return replace(service, status=ServiceStatus.ENDED, ended_at=now)


class ClaimStatus(StrEnum):
    FILED = "filed"  # waiting for the recipient
    WAITING = "waiting"  # confirmed; paid as soon as it fits (see status_reason)
    PAID = "paid"
    REJECTED = "rejected"  # the recipient says it did not happen
    WITHDRAWN = "withdrawn"  # the provider took it back


class ClaimAction(StrEnum):
    CONFIRM = "confirm"
    AUTO_CONFIRM = "auto_confirm"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    PAY = "pay"


class ClaimRole(StrEnum):
    PROVIDER = "provider"
    RECIPIENT = "recipient"
    SYSTEM = "system"


class WaitReason(StrEnum):
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    BUDGET_EXHAUSTED = "budget_exhausted"  # the service's budget for this period is spent
    FUND_INSUFFICIENT = "fund_insufficient"  # commons_fund cannot pay it within its limit


#: Every legal step of a claim: (from, action) -> (to, who may take it).
CLAIM_TRANSITIONS: dict[tuple[ClaimStatus, ClaimAction], tuple[ClaimStatus, ClaimRole]] = {
    (ClaimStatus.FILED, ClaimAction.CONFIRM): (ClaimStatus.WAITING, ClaimRole.RECIPIENT),
    (ClaimStatus.FILED, ClaimAction.AUTO_CONFIRM): (ClaimStatus.WAITING, ClaimRole.SYSTEM),
    (ClaimStatus.FILED, ClaimAction.REJECT): (ClaimStatus.REJECTED, ClaimRole.RECIPIENT),
    (ClaimStatus.FILED, ClaimAction.WITHDRAW): (ClaimStatus.WITHDRAWN, ClaimRole.PROVIDER),
    (ClaimStatus.WAITING, ClaimAction.PAY): (ClaimStatus.PAID, ClaimRole.SYSTEM),
}


@dataclass(frozen=True, slots=True)
class Claim:
    id: str
    collective_id: str
    service_id: str
    provider_id: str
    recipient_id: str
    units: int
    amount: int
    status: ClaimStatus
    status_reason: str | None
    filed_at: datetime
    auto_confirm_at: datetime | None
    confirmed_at: datetime | None = None
    paid_at: datetime | None = None
    paid_period: str | None = None
    transfer_id: str | None = None
    note: str = ""


def file_claim(
    service: PublicService,
    *,
    claim_id: str,
    provider: str,
    is_provider: bool,
    recipient: str,
    units: int,
    now: datetime,
    confirm_days: int = DEFAULT_CLAIM_CONFIRM_DAYS,
    note: str = "",
) -> Claim:
    """A provider's claim for ``units`` of service given to ``recipient``."""
    if service.status is ServiceStatus.ENDED:
        raise ServiceEnded("the service has ended; it takes no new claims")
    if not is_provider:
        raise NotAProvider("only the service's providers may file claims")
    if recipient == provider:
        raise InvalidValue("a provider cannot claim for serving themselves", field="recipient")
    if isinstance(units, bool) or not isinstance(units, int) or not 1 <= units <= MAX_UNITS:
        raise InvalidValue(f"units must be 1..{MAX_UNITS}", field="units")
    if len(note) > 2000:
        raise InvalidValue("a note has at most 2000 characters", field="note")
    amount = check_amount(units * service.rate_per_unit)
    if amount > service.budget_per_period:
        raise ClaimExceedsBudget(
            f"{units} units cost {amount}, more than the service's budget of "
            f"{service.budget_per_period} per {service.period.value}; file smaller claims",
            amount=amount,
            budget_per_period=service.budget_per_period,
        )
    return Claim(
        id=claim_id,
        collective_id=service.collective_id,
        service_id=service.id,
        provider_id=provider,
        recipient_id=recipient,
        units=units,
        amount=amount,
        status=ClaimStatus.FILED,
        status_reason=WaitReason.AWAITING_CONFIRMATION.value,
        filed_at=now,
        auto_confirm_at=now + timedelta(days=confirm_days),
        note=note,
    )


def act(claim: Claim, action: ClaimAction, *, actor: str | None, now: datetime) -> Claim:
    """Confirm, reject, withdraw or auto-confirm a claim (``actor=None``: the system)."""
    step = CLAIM_TRANSITIONS.get((claim.status, action))
    role = (
        ClaimRole.SYSTEM
        if actor is None
        else ClaimRole.RECIPIENT
        if actor == claim.recipient_id
        else ClaimRole.PROVIDER
        if actor == claim.provider_id
        else None
    )
    if step is not None and role is not step[1]:
        if step[1] is ClaimRole.RECIPIENT:
            raise NotTheRecipient(f"only the recipient may {action.value} this claim")
        if step[1] is ClaimRole.PROVIDER:
            raise NotAProvider(f"only the provider may {action.value} this claim")
        raise InvalidTransition(f"only the system may {action.value} a claim")
    if step is None:
        raise InvalidTransition(
            f"cannot {action.value} a claim that is {claim.status.value}",
            status=claim.status.value,
            action=action.value,
        )
    to = step[0]
    if to is ClaimStatus.WAITING:
        return replace(claim, status=to, confirmed_at=now, auto_confirm_at=None, status_reason=None)
    return replace(claim, status=to, auto_confirm_at=None, status_reason=None)


@dataclass(frozen=True, slots=True)
class Plan:
    """What one payment run does: claims to pay now, and why each of the others waits."""

    pay: tuple[Claim, ...]
    wait: tuple[tuple[Claim, WaitReason], ...]


def plan_payments(
    waiting: Sequence[Claim],
    *,
    services: Mapping[str, PublicService],
    spent: Mapping[str, int],
    fund_headroom: int | None,
    raised: Mapping[str, int] | None = None,
) -> Plan:
    """Pay waiting claims in confirmation order while they fit the period budget and the fund.

    ``spent`` is what each service has paid in its current period; ``fund_headroom`` is how much
    the fund may still pay out (None: no floor); ``raised`` what budget rounds added to each
    service's budget for its current period.
    """
    extra = raised or {}
    ordered = sorted(waiting, key=lambda c: (c.confirmed_at or c.filed_at, c.id))
    used = dict(spent)
    headroom = fund_headroom
    blocked_services: set[str] = set()
    fund_blocked = False
    pay: list[Claim] = []
    wait: list[tuple[Claim, WaitReason]] = []
    for claim in ordered:
        service = services[claim.service_id]
        if claim.service_id in blocked_services or (
            used.get(service.id, 0) + claim.amount
            > service.budget_per_period + extra.get(service.id, 0)
        ):
            blocked_services.add(claim.service_id)
            wait.append((claim, WaitReason.BUDGET_EXHAUSTED))
            continue
        if fund_blocked or (headroom is not None and claim.amount > headroom):
            fund_blocked = True
            wait.append((claim, WaitReason.FUND_INSUFFICIENT))
            continue
        used[service.id] = used.get(service.id, 0) + claim.amount
        if headroom is not None:
            headroom -= claim.amount
        pay.append(claim)
    return Plan(tuple(pay), tuple(wait))


def paid(claim: Claim, *, transfer_id: str, period_key: str, now: datetime) -> Claim:
    step = CLAIM_TRANSITIONS.get((claim.status, ClaimAction.PAY))
    if step is None:
        raise InvalidTransition(f"cannot pay a claim that is {claim.status.value}")
    return replace(
        claim,
        status=step[0],
        status_reason=None,
        paid_at=now,
        paid_period=period_key,
        transfer_id=transfer_id,
    )


def waits(claim: Claim, reason: WaitReason) -> Claim:
    return replace(claim, status_reason=reason.value)
