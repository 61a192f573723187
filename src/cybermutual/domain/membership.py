"""Joining, approval, leaving and rejoining a collective.

Membership is voluntary both ways: anyone may leave at any time once they owe nothing, and
nothing they own is lost by leaving. A leaver keeps their account (read access, and they may
still spend a positive balance); rejoining restores the same account.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from cybermutual.domain.collective import Admission
from cybermutual.domain.errors import (
    AlreadyMember,
    DebtOutstanding,
    HoldsOutstanding,
    InvalidTransition,
    MemberNotFound,
    NotAllowed,
    NotAMember,
    PayeeNotAMember,
)


class MembershipStatus(StrEnum):
    PENDING = "pending"  # asked to join a collective with admission by approval
    ACTIVE = "active"
    LEFT = "left"
    EXPELLED = "expelled"  # by a passed expel_member vote; may not rejoin


@dataclass(frozen=True, slots=True)
class Membership:
    """One person's standing in one collective."""

    collective_id: str
    member_id: str
    status: MembershipStatus
    joined_at: datetime
    left_at: datetime | None = None
    approved_by: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status is MembershipStatus.ACTIVE

    @property
    def has_departed(self) -> bool:
        """Left, or expelled by a vote: may spend down a positive balance, nothing more."""
        return self.status in (MembershipStatus.LEFT, MembershipStatus.EXPELLED)


def join(
    existing: Membership | None,
    *,
    collective_id: str,
    member_id: str,
    admission: Admission,
    now: datetime,
    founder: bool = False,
) -> Membership:
    """Ask to join (or rejoin): active at once, or pending when admission needs approval."""
    if existing is not None and existing.status is MembershipStatus.EXPELLED:
        raise NotAllowed("the members voted to expel you; you cannot rejoin this collective")
    if existing is not None and existing.status is not MembershipStatus.LEFT:
        raise AlreadyMember(
            f"membership is already {existing.status.value}", status=existing.status.value
        )
    status = (
        MembershipStatus.PENDING
        if admission is Admission.APPROVAL and not founder
        else MembershipStatus.ACTIVE
    )
    return Membership(collective_id, member_id, status, joined_at=now)


def approve(candidate: Membership, *, approver: Membership | None, now: datetime) -> Membership:
    """An active member admits a pending one."""
    if approver is None or not approver.is_active:
        raise NotAMember("only active members can approve new members")
    if candidate.status is not MembershipStatus.PENDING:
        raise InvalidTransition(f"membership is {candidate.status.value}, not pending")
    return replace(
        candidate, status=MembershipStatus.ACTIVE, joined_at=now, approved_by=approver.member_id
    )


def leave(membership: Membership, *, balance: int, reserved: int, now: datetime) -> Membership:
    """Leave, refused while the member owes the collective anything or has money held.

    A hold (an order or task in escrow, a pending payment) is a promise to members who stay, so
    it is finished or cancelled first: a leaver never has a hold, only a balance of 0 or more.
    """
    if membership.has_departed:
        raise InvalidTransition(f"already {membership.status.value}")
    if balance - reserved < 0:
        raise DebtOutstanding(
            "settle a negative balance (including amounts held for pending payments) "
            "before leaving",
            balance=balance,
            reserved=reserved,
        )
    if reserved > 0:
        raise HoldsOutstanding(
            f"{reserved} is held for your open orders, tasks or pending payments: finish or "
            "cancel them before leaving",
            reserved=reserved,
        )
    return replace(membership, status=MembershipStatus.LEFT, left_at=now)


def expel(membership: Membership, *, now: datetime) -> Membership:
    """A passed ``expel_member`` vote ends a membership; the account and its history stay."""
    if membership.status in (MembershipStatus.LEFT, MembershipStatus.EXPELLED):
        raise InvalidTransition(f"the membership is already {membership.status.value}")
    return replace(membership, status=MembershipStatus.EXPELLED, left_at=now)


def require_joined(membership: Membership | None) -> Membership:
    """The membership, in any status (pending, active, left); ``not_a_member`` if none."""
    if membership is None:
        raise NotAMember("you have not joined this collective")
    return membership


def require_active(membership: Membership | None) -> Membership:
    """The membership, if it is active; ``not_a_member`` otherwise."""
    if membership is None or not membership.is_active:
        raise NotAMember("you are not an active member of this collective")
    return membership


def require_payee(
    membership: Membership | None,
    *,
    member_id: str,
    display_name: str | None,
    role: str = "payee",
    **context: object,
) -> Membership:
    """The membership of someone the caller wants to pay, if it is active.

    A refusal names that person (never the caller): ``member_not_found`` when nobody has this id
    (``display_name`` is None), ``payee_not_a_member`` when they exist but are not an active member.
    """
    if membership is not None and membership.is_active:
        return membership
    if display_name is None:
        raise MemberNotFound(
            f"the {role} '{member_id}' is not a member of this collective (no such member id)",
            member=member_id,
            role=role,
            **context,
        )
    state = (
        "has left"
        if membership is not None and membership.status is MembershipStatus.LEFT
        else ("is awaiting approval" if membership is not None else "is not a member")
    )
    raise PayeeNotAMember(
        f"the {role} {display_name} ({member_id}) {state}; they can be paid only as an "
        "active member of this collective",
        member=member_id,
        name=display_name,
        role=role,
        **context,
    )
