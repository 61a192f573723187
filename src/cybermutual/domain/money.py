"""Currencies and exact amounts in integer minor units. Never floats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from cybermutual.domain.errors import AmountOutOfRange, CurrencyMismatch, InvalidValue

#: Largest amount a single transfer, limit or balance may hold: it keeps every sum of
#: balances far inside a signed 64-bit column.
MAX_AMOUNT = 10**15
MAX_DECIMALS = 6
_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")


@dataclass(frozen=True, slots=True)
class Currency:
    """A collective's own unit of account; ``decimals`` digits after the point."""

    code: str
    name: str
    decimals: int = 2

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise InvalidValue(
                "currency code must be 2-10 capital letters or digits, starting with a letter",
                field="currency.code",
            )
        if not self.name.strip() or len(self.name) > 80:
            raise InvalidValue("currency name must have 1-80 characters", field="currency.name")
        if not 0 <= self.decimals <= MAX_DECIMALS:
            raise InvalidValue(f"decimals must be 0..{MAX_DECIMALS}", field="currency.decimals")

    def format(self, minor_units: int) -> str:
        """Render ``minor_units`` as a decimal string with the currency code: ``-12.50 HRS``."""
        return f"{Decimal(minor_units).scaleb(-self.decimals):.{self.decimals}f} {self.code}"

    def parse(self, text: str) -> int:
        """Read a decimal string into minor units, refusing extra precision."""
        try:
            value = Decimal(text.strip())
        except InvalidOperation as exc:
            raise InvalidValue(f"not a number: {text!r}") from exc
        if not value.is_finite():
            raise InvalidValue(f"not a number: {text!r}")
        scaled = value.scaleb(self.decimals)
        if scaled != scaled.to_integral_value(ROUND_DOWN):
            raise InvalidValue(f"{text!r} has more than {self.decimals} decimals")
        return check_amount(int(scaled), allow_negative=True)


@dataclass(frozen=True, slots=True)
class Amount:
    """An exact sum of money in one currency."""

    minor_units: int
    currency: str

    def __add__(self, other: Amount) -> Amount:
        _same_currency(self, other)
        return Amount(self.minor_units + other.minor_units, self.currency)

    def __sub__(self, other: Amount) -> Amount:
        _same_currency(self, other)
        return Amount(self.minor_units - other.minor_units, self.currency)

    def __neg__(self) -> Amount:
        return Amount(-self.minor_units, self.currency)


def _same_currency(a: Amount, b: Amount) -> None:
    if a.currency != b.currency:
        raise CurrencyMismatch(f"cannot combine {a.currency} with {b.currency}")


def check_amount(value: int, *, allow_negative: bool = False, allow_zero: bool = False) -> int:
    """Return ``value`` if it is a whole number of minor units inside the allowed range."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise AmountOutOfRange("amounts are whole numbers of minor units")
    low = -MAX_AMOUNT if allow_negative else (0 if allow_zero else 1)
    if not low <= value <= MAX_AMOUNT:
        raise AmountOutOfRange(f"amount must be between {low} and {MAX_AMOUNT}", amount=value)
    return value
