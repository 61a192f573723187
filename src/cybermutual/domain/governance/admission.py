"""Admission by approval: a pending member becomes active after ``approvals_needed`` approvals
from distinct active members (the charter's number, changed by ``set_admission``)."""

from __future__ import annotations

from collections.abc import Set

from cybermutual.domain.errors import InvalidValue


def admitted(approvers: Set[str], *, candidate: str, approvals_needed: int) -> bool:
    """Enough distinct approvers, none of them the candidate."""
    if approvals_needed < 1:
        raise InvalidValue("approvals_needed is at least 1")
    return len(approvers - {candidate}) >= approvals_needed
