"""Goods: what a collective's members make and use, each with its unit (``plank``, ``kg``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from cybermutual.domain.commons.assets import normalise_category
from cybermutual.domain.errors import InvalidValue

_UNIT = re.compile(r"^[^\W\d_][\w .\-/]{0,23}$")


@dataclass(frozen=True, slots=True)
class Good:
    id: str
    collective_id: str
    name: str
    unit: str
    category: str
    created_by: str
    created_at: datetime


def _name(text: str) -> str:
    name = " ".join(text.split())
    if not 2 <= len(name) <= 80:
        raise InvalidValue("a good's name has 2-80 characters", field="name")
    return name


def _unit(text: str) -> str:
    unit = " ".join(text.split())
    if not _UNIT.match(unit):
        raise InvalidValue(
            "a unit is 1-24 characters starting with a letter (piece, kg, m2, board-foot)",
            field="unit",
        )
    return unit


def declare(
    *,
    good_id: str,
    collective_id: str,
    name: str,
    unit: str,
    category: str,
    by: str,
    now: datetime,
) -> Good:
    """A new good, validated."""
    return Good(
        id=good_id,
        collective_id=collective_id,
        name=_name(name),
        unit=_unit(unit),
        category=normalise_category(category),
        created_by=by,
        created_at=now,
    )


def name_key(name: str) -> str:
    """What makes two goods' names the same: case and spacing do not."""
    return " ".join(name.split()).casefold()
