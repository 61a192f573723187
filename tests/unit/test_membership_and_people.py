from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cybermutual.domain import membership as m
from cybermutual.domain.collective import Admission
from cybermutual.domain.errors import (
    AlreadyMember,
    DebtOutstanding,
    InvalidTransition,
    InvalidValue,
    NotAMember,
    TooManyAttempts,
)
from cybermutual.domain.login_throttle import Bucket, check_attempt, count_attempt
from cybermutual.domain.people import normalize_email

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def joined(admission: Admission = Admission.OPEN) -> m.Membership:
    return m.join(None, collective_id="c", member_id="p", admission=admission, now=NOW)


def test_open_admission_is_immediate_and_approval_waits() -> None:
    assert joined().status is m.MembershipStatus.ACTIVE
    pending = joined(Admission.APPROVAL)
    assert pending.status is m.MembershipStatus.PENDING
    approver = m.Membership("c", "q", m.MembershipStatus.ACTIVE, NOW)
    assert m.approve(pending, approver=approver, now=NOW).approved_by == "q"
    with pytest.raises(NotAMember):
        m.approve(pending, approver=pending, now=NOW)
    with pytest.raises(InvalidTransition):
        m.approve(joined(), approver=approver, now=NOW)


def test_leaving_needs_no_debt_including_reservations() -> None:
    with pytest.raises(DebtOutstanding):
        m.leave(joined(), balance=-1, reserved=0, now=NOW)
    with pytest.raises(DebtOutstanding):
        m.leave(joined(), balance=100, reserved=101, now=NOW)
    left = m.leave(joined(), balance=0, reserved=0, now=NOW)
    assert left.status is m.MembershipStatus.LEFT
    with pytest.raises(InvalidTransition):
        m.leave(left, balance=0, reserved=0, now=NOW)
    back = m.join(left, collective_id="c", member_id="p", admission=Admission.OPEN, now=NOW)
    assert back.is_active
    with pytest.raises(AlreadyMember):
        m.join(back, collective_id="c", member_id="p", admission=Admission.OPEN, now=NOW)


def test_failed_logins_block_for_a_window_then_lift() -> None:
    bucket = Bucket("ada@example.org", "ip:203.0.113.7")
    for k in (4, 3, 2, 1):
        bucket = count_attempt(bucket, now=NOW - timedelta(minutes=k))
    check_attempt([bucket], now=NOW)  # four failures: still allowed
    bucket = count_attempt(bucket, now=NOW)
    with pytest.raises(TooManyAttempts) as blocked:
        check_attempt([bucket], now=NOW)
    assert 0 < blocked.value.retry_after_seconds <= 15 * 60
    check_attempt([bucket], now=NOW + timedelta(minutes=15))


def test_emails_normalise() -> None:
    assert normalize_email("  Ada@Example.ORG ") == "ada@example.org"
    for bad in ["", "ada", "ada@", "@x.org", "a b@x.org"]:
        with pytest.raises(InvalidValue):
            normalize_email(bad)
