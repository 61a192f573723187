"""Reading what a person typed into a form: amounts, whole numbers, percentages.

Each refusal names the form field it came from, so the page can show it next to that field.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.money import Currency


def amount(currency: Currency, text: str, *, field: str = "amount", positive: bool = True) -> int:
    """Minor units from ``12.50`` (grouping commas and the currency code are tolerated)."""
    cleaned = text.replace(",", "").replace(currency.code, "").strip()
    if not cleaned:
        raise InvalidValue("enter an amount", field=field)
    try:
        value = currency.parse(cleaned)
    except InvalidValue as error:
        raise InvalidValue(error.detail, field=field) from None
    if positive and value <= 0:
        raise InvalidValue("the amount must be more than zero", field=field)
    return value


def whole(text: str, *, field: str, low: int = 0, high: int = 10**12) -> int:
    """A whole number within ``low..high``."""
    try:
        value = int(text.strip())
    except ValueError:
        raise InvalidValue("enter a whole number", field=field) from None
    if not low <= value <= high:
        raise InvalidValue(f"enter a number from {low} to {high}", field=field)
    return value


def percent(text: str, *, field: str) -> Decimal:
    """A share from a percentage: ``2.5`` -> ``Decimal('0.025')``."""
    try:
        value = Decimal(text.strip().rstrip("%") or "0")
    except InvalidOperation:
        raise InvalidValue("enter a percentage, like 2.5", field=field) from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise InvalidValue("enter a percentage from 0 to 100", field=field)
    return value / 100
