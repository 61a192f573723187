"""How many password guesses anyone gets: per account and client, with an exponential back-off.

Every login attempt is counted against *buckets* before its password is checked (so parallel
guesses cannot all slip in before the first is counted), and a success takes back what its
client had counted (its failures were the owner's own typos):

- ``(account, client)``: ``FREE_TRIES_PER_CLIENT`` tries, then one more try after 1, 2, 4, ...
  minutes (at most ``MAX_DELAY`` apart). Always applies.
- ``(account, any client)``: ``FREE_TRIES_PER_ACCOUNT`` failures from clients the account has
  never logged in from, then the same back-off. A guesser with many addresses slows down
  strangers, never the owner's known clients.
- ``(any account, client)``: ``FREE_TRIES_PER_ADDRESS`` failures from one address across every
  email (someone spraying random emails), then the same back-off; known clients skip it too.

A *client* is a device that carries the server's device cookie, or else the address the API
sees. A client is *known* to an account once it logged in successfully (for
``KNOWN_CLIENT_FOR``). Failures are forgotten ``FORGET_AFTER`` the last one; nothing ever locks
an account for good, and no stranger can lock its owner out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cybermutual.domain.errors import TooManyAttempts

FREE_TRIES_PER_CLIENT = 5
FREE_TRIES_PER_ACCOUNT = 20
FREE_TRIES_PER_ADDRESS = 50
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
FORGET_AFTER = timedelta(hours=24)
KNOWN_CLIENT_FOR = timedelta(days=90)
#: Stands for "every account" or "every client" in a bucket's key.
ANY = "*"


@dataclass(frozen=True, slots=True)
class Bucket:
    """Failed attempts counted under one key: (email or ANY, client or ANY)."""

    email: str
    client: str
    failures: int = 0
    last_failure_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.email, self.client)

    @property
    def free_tries(self) -> int:
        if self.email == ANY:
            return FREE_TRIES_PER_ADDRESS
        if self.client == ANY:
            return FREE_TRIES_PER_ACCOUNT
        return FREE_TRIES_PER_CLIENT

    def current(self, *, now: datetime) -> Bucket:
        """The bucket with its failures forgotten once ``FORGET_AFTER`` has passed."""
        if self.last_failure_at is not None and now - self.last_failure_at >= FORGET_AFTER:
            return replace(self, failures=0, last_failure_at=None)
        return self

    def retry_at(self, *, now: datetime) -> datetime | None:
        """When the next try is allowed, or None if it is allowed now."""
        bucket = self.current(now=now)
        if bucket.failures < bucket.free_tries or bucket.last_failure_at is None:
            return None
        extra = bucket.failures - bucket.free_tries
        delay = min(BASE_DELAY * (2 ** min(extra, 20)), MAX_DELAY)
        allowed = bucket.last_failure_at + delay
        return allowed if allowed > now else None


def bucket_keys(email: str, client: str, *, known: bool) -> list[tuple[str, str]]:
    """The buckets an attempt on ``email`` from ``client`` counts against."""
    if known:
        return [(email, client)]
    return [(email, client), (email, ANY), (ANY, client)]


def check_attempt(buckets: Sequence[Bucket], *, now: datetime) -> None:
    """Refuse the attempt (``too_many_login_attempts``) while any of its buckets must wait."""
    waits = [at for b in buckets if (at := b.retry_at(now=now)) is not None]
    if waits:
        seconds = max(1, int((max(waits) - now).total_seconds() + 0.999))
        raise TooManyAttempts(
            f"too many failed logins; try again in {seconds} seconds",
            retry_after_seconds=seconds,
        )


def count_attempt(bucket: Bucket, *, now: datetime) -> Bucket:
    """Count an attempt as failed until its password is found right."""
    current = bucket.current(now=now)
    return replace(current, failures=current.failures + 1, last_failure_at=now)


def forgive_attempts(buckets: Sequence[Bucket]) -> list[Bucket]:
    """A success: the client proved to be the owner, so its own failures (this attempt's
    count among them) were the owner's typos. Its bucket starts afresh, and the shared
    buckets take back what it had added to them."""
    own = next(b for b in buckets if ANY not in b.key)
    return [
        replace(b, failures=0, last_failure_at=None)
        if b is own
        else replace(b, failures=max(0, b.failures - own.failures))
        for b in buckets
    ]
