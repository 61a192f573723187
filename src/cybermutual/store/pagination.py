"""Opaque cursors for keyset pagination."""

from __future__ import annotations

import base64
import json
from typing import Any

from cybermutual.domain.errors import InvalidValue


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The values packed in ``cursor``; ``invalid_value`` if it was not made here."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError as exc:
        raise InvalidValue("invalid cursor", field="cursor") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidValue("invalid cursor", field="cursor")
    return values
