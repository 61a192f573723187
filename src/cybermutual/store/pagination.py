"""Opaque cursors for keyset pagination, and the "newest first" keyset every list uses.

A cursor is a base64 JSON array of scalars. It is not signed (a forged one can only move a
page boundary within what the caller may already read), so it is parsed as untrusted input:
without recursion (3,000 nested brackets gave a RecursionError), only strings and integers,
no NUL and no lone surrogate (PostgreSQL cannot store either), and a bounded length.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.money import MAX_AMOUNT


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


#: Far above any cursor a page writes (two ids, a timestamp or a name of at most 200 characters).
MAX_CURSOR = 2000
_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The values packed in ``cursor``; ``invalid_value`` if it was not made here."""
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError("too long")
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        values = _flat_array(text)
    except ValueError as exc:
        raise InvalidValue("invalid cursor", field="cursor") from exc
    if len(values) != arity or not all(_plain(v) for v in values):
        raise InvalidValue("invalid cursor", field="cursor")
    return values


def _flat_array(text: str) -> list[Any]:
    """A JSON array whose items are all scalars, read item by item (never recursively)."""
    at = _skip_space(text, 0)
    if text[at : at + 1] != "[":
        raise ValueError("not an array")
    at = _skip_space(text, at + 1)
    values: list[Any] = []
    if text[at : at + 1] == "]":
        at += 1
    else:
        while True:
            if text[at : at + 1] in ("[", "{"):
                raise ValueError("nested")
            value, at = _DECODER.raw_decode(text, at)
            values.append(value)
            at = _skip_space(text, at)
            mark = text[at : at + 1]
            at = _skip_space(text, at + 1)
            if mark == "]":
                break
            if mark != ",":
                raise ValueError("not an array")
    if _skip_space(text, at) != len(text):
        raise ValueError("trailing data")
    return values


def _skip_space(text: str, at: int) -> int:
    space = _SPACE.match(text, at)
    return at if space is None else space.end()


def _plain(value: object) -> bool:
    """A value a page could have written: text the databases can store, or a bounded integer."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode()
        except UnicodeEncodeError:  # a lone surrogate from a "\ud800" escape
            return False
        return True
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_AMOUNT


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
