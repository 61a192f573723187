"""The login throttle's rules, without a database (issue #8, items 7 and 8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cybermutual.domain.errors import TooManyAttempts
from cybermutual.domain.login_throttle import (
    ANY,
    FORGET_AFTER,
    MAX_DELAY,
    Bucket,
    bucket_keys,
    check_attempt,
    count_attempt,
    forgive_attempts,
)

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


def _failed(bucket: Bucket, times: int, *, at: datetime = NOW) -> Bucket:
    for _ in range(times):
        bucket = count_attempt(bucket, now=at)
    return bucket


def _wait(buckets: list[Bucket], now: datetime = NOW) -> int:
    try:
        check_attempt(buckets, now=now)
    except TooManyAttempts as refused:
        return refused.retry_after_seconds
    return 0


def test_known_clients_count_only_against_their_own_bucket() -> None:
    assert bucket_keys("a@x.org", "ip:1", known=True) == [("a@x.org", "ip:1")]
    assert bucket_keys("a@x.org", "ip:1", known=False) == [
        ("a@x.org", "ip:1"),
        ("a@x.org", ANY),
        (ANY, "ip:1"),
    ]


def test_the_back_off_doubles_up_to_an_hour() -> None:
    bucket = _failed(Bucket("a@x.org", "ip:1"), 5)
    waits = []
    for _ in range(9):
        waits.append(_wait([bucket]))
        bucket = _failed(bucket, 1)
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]


def test_failures_are_forgotten_a_day_after_the_last() -> None:
    bucket = _failed(Bucket("a@x.org", "ip:1"), 30)
    assert _wait([bucket], NOW + FORGET_AFTER - timedelta(seconds=1)) == 0  # an hour has passed
    assert count_attempt(bucket, now=NOW + FORGET_AFTER).failures == 1


def test_a_success_clears_its_client_and_takes_back_its_share_elsewhere() -> None:
    own = _failed(Bucket("a@x.org", "ip:1"), 3)
    account = _failed(Bucket("a@x.org", ANY), 12)
    address = _failed(Bucket(ANY, "ip:1"), 3)
    cleared = forgive_attempts([own, account, address])
    assert [b.failures for b in cleared] == [0, 9, 0]


@given(st.lists(st.integers(0, 90), max_size=60))
def test_a_client_never_gets_more_than_five_tries_before_waiting(gaps: list[int]) -> None:
    """Whatever the timing, tries allowed within any minute of the first five are at most 5,
    and no wait is ever longer than MAX_DELAY."""
    bucket = Bucket("a@x.org", "ip:1")
    now = NOW
    allowed = []
    for gap in gaps:
        now += timedelta(seconds=gap)
        wait = _wait([bucket], now)
        assert wait <= MAX_DELAY.total_seconds()
        if wait == 0:
            allowed.append(now)
            bucket = count_attempt(bucket, now=now)
    for n in range(len(allowed) - 5):
        assert allowed[n + 5] - allowed[n + 4] >= timedelta(minutes=1) or (
            allowed[n + 5] - allowed[n] >= FORGET_AFTER
        )


def test_a_refusal_says_how_long_to_wait() -> None:
    with pytest.raises(TooManyAttempts) as refused:
        check_attempt([_failed(Bucket("a@x.org", "ip:1"), 6)], now=NOW + timedelta(seconds=30))
    assert refused.value.retry_after_seconds == 90
