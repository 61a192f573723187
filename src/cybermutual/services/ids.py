"""Identifiers for new records."""

from __future__ import annotations

import secrets
import time


def new_id() -> str:
    """A fresh opaque identifier: 32 hex digits, time-ordered like a UUIDv7.

    48 bits of milliseconds then 80 random bits, so new rows land at the end of their indexes
    instead of at random places (which slows every insert once a table outgrows the cache).
    """
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"
