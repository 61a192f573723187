"""What servers sign and how a receiver refuses replays.

A message is a JSON object ``{kind, sender, recipient, key_id, timestamp, nonce, body}``; its
signature (Ed25519, made by the sending collective's key) is over ``canonical(message)``: UTF-8
JSON with sorted keys and no spaces. So changing any byte of the body, the key id, the time or
the nonce breaks the signature. A receiver accepts a message only when its timestamp is within
``MAX_SKEW`` of its own clock and its nonce was not seen from that sender before (nonces are
remembered for longer than the window, so a replay is refused either way).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cybermutual.domain.errors import MessageRefused

MAX_SKEW = timedelta(minutes=5)
#: How long a nonce is remembered: past this, the timestamp alone refuses the message.
NONCE_MEMORY = 2 * MAX_SKEW
FIELDS = frozenset({"kind", "sender", "recipient", "key_id", "timestamp", "nonce", "body"})


class MessageKind(StrEnum):
    LINK_OFFER = "link_offer"
    LINK_ACCEPT = "link_accept"
    LINK_SUSPEND = "link_suspend"
    LINK_CLOSE = "link_close"
    PREPARE = "prepare"
    COMMIT = "commit"
    ABORT = "abort"
    STATUS = "status"  # the destination asks what the origin decided


def canonical(message: dict[str, Any]) -> bytes:
    """The exact bytes a signature covers."""
    return json.dumps(
        message, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def check_shape(message: object) -> dict[str, Any]:
    """A message with exactly the known fields, of the right types; else refused."""
    if not isinstance(message, dict) or set(message) != FIELDS:
        raise MessageRefused("not a federation message", reason="malformed")
    if not all(isinstance(message[f], str) for f in FIELDS - {"body"}):
        raise MessageRefused("not a federation message", reason="malformed")
    if not isinstance(message["body"], dict):
        raise MessageRefused("a message's body is an object", reason="malformed")
    try:
        MessageKind(message["kind"])
    except ValueError:
        raise MessageRefused(
            f"unknown message kind {message['kind']!r}", reason="malformed"
        ) from None
    if not 16 <= len(message["nonce"]) <= 64:
        raise MessageRefused("a nonce has 16 to 64 characters", reason="malformed")
    return message


def check_fresh(message: dict[str, Any], *, now: datetime) -> datetime:
    """The message's time, if it is within ``MAX_SKEW`` of ``now``."""
    try:
        sent = datetime.fromisoformat(message["timestamp"])
    except ValueError:
        raise MessageRefused("the timestamp is not ISO 8601", reason="malformed") from None
    if sent.tzinfo is None:
        raise MessageRefused("the timestamp needs a time zone", reason="malformed")
    if abs(now - sent) > MAX_SKEW:
        raise MessageRefused(
            "the message is too old (or from the future): refused as a possible replay",
            reason="stale",
        )
    return sent
