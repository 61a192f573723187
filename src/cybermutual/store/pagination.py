"""Opaque cursors for keyset pagination, and the "newest first" keyset every list uses."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.money import MAX_AMOUNT


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


def cursor_moment(text: object) -> datetime:
    """A cursor's timestamp, in UTC; ``invalid_value`` for anything a page never wrote."""
    try:
        moment = datetime.fromisoformat(str(text))
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment.astimezone(UTC)  # out of range in UTC: OverflowError
    except (ValueError, OverflowError) as exc:
        raise InvalidValue("invalid cursor", field="cursor") from exc


def cursor_int(value: object) -> int:
    """A cursor's price or score: an integer the columns can hold."""
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_AMOUNT:
        raise InvalidValue("invalid cursor", field="cursor")
    return value


def newest_after(moment: Any, ident: Any, cursor: str | None) -> list[ColumnElement[bool]]:
    """The keyset condition of a list sorted by (``moment`` desc, ``ident`` desc)."""
    if cursor is None:
        return []
    raw, last_id = decode_cursor(cursor, 2)
    at = cursor_moment(raw)
    return [or_(moment < at, and_(moment == at, ident < str(last_id)))]


def newest_cursor(items: list[Any], limit: int, moment: str) -> tuple[list[Any], str | None]:
    """The page's items and the cursor after them (``None`` when this was the last page)."""
    if len(items) <= limit:
        return items, None
    kept = items[:limit]
    last = kept[-1]
    return kept, encode_cursor(getattr(last, moment).isoformat(), last.id)
