"""Exchange rates between two collectives' currencies, exact, and the one rounding rule.

A rate says how many *whole units* of the peer's currency one whole unit of ours is worth
(``"3/2"``: 1 RVC = 1.5 HLC). It is an exact ``Fraction``, never a float. Amounts move in minor
units, so converting ``a`` minor units of ours (``ours`` decimals) into the peer's minor units is

    exact(a) = a * rate * 10**(theirs - ours)

and the amount credited is ``floor(exact(a))``: **rounding is always toward the payer**. The
receiving side never gets more than the exact value, so no sequence of conversions creates money;
what is rounded away (less than one minor unit of the receiving currency) stays with the payer's
side as part of the link's position, and is shown as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.money import MAX_AMOUNT, MAX_DECIMALS, check_amount

#: No rate below 1/MAX_RATE or above MAX_RATE: a link between currencies a million times apart
#: is almost certainly a mistake in the proposal.
MAX_RATE = Fraction(10**6)
_RATE = re.compile(r"^\s*(\d{1,12})(?:\.(\d{1,12}))?(?:\s*/\s*(\d{1,12}))?\s*$")


@dataclass(frozen=True, slots=True)
class Rate:
    """One unit of our currency is worth ``value`` units of the peer's."""

    value: Fraction

    def __post_init__(self) -> None:
        if not 1 / MAX_RATE <= self.value <= MAX_RATE:
            raise InvalidValue(
                f"a rate is between 1/{MAX_RATE} and {MAX_RATE}", field="params.rate"
            )

    @classmethod
    def parse(cls, text: object) -> Rate:
        """``"1.5"``, ``"3/2"`` or ``"2"``; refuses floats, zero, negatives and junk."""
        if isinstance(text, bool) or not isinstance(text, str | int):
            raise InvalidValue(
                'a rate is a string: a decimal like "1.5" or a fraction like "3/2"',
                field="params.rate",
            )
        match = _RATE.match(str(text))
        if match is None:
            raise InvalidValue(
                f'not a rate: {text!r} (a decimal like "1.5" or a fraction like "3/2")',
                field="params.rate",
            )
        whole, decimals, denominator = match.groups()
        value = Fraction(int(whole + (decimals or "")), 10 ** len(decimals or ""))
        if denominator is not None:
            if decimals is not None or int(denominator) == 0:
                raise InvalidValue(f"not a rate: {text!r}", field="params.rate")
            value /= int(denominator)
        if value == 0:
            raise InvalidValue("a rate must be above 0", field="params.rate")
        return cls(value)

    def __str__(self) -> str:
        """The canonical text: ``"3/2"``, or ``"2"`` for a whole number."""
        return str(self.value)

    @property
    def inverse(self) -> Rate:
        """The same rate seen from the peer's side."""
        return Rate(1 / self.value)

    def matches(self, peer: Rate) -> bool:
        """The peer's proposal states the same rate from its own side."""
        return self.value * peer.value == 1

    def factor(self, *, ours: int, theirs: int) -> Fraction:
        """Minor units of theirs per minor unit of ours."""
        for decimals in (ours, theirs):
            if not 0 <= decimals <= MAX_DECIMALS:
                raise InvalidValue(f"decimals must be 0..{MAX_DECIMALS}")
        return self.value * Fraction(10) ** (theirs - ours)

    def convert(self, amount: int, *, ours: int, theirs: int) -> int:
        """What the peer's side credits for ``amount`` of ours: rounded down (toward the payer)."""
        check_amount(amount)
        exact = amount * self.factor(ours=ours, theirs=theirs)
        return exact.numerator // exact.denominator

    def convert_back(self, amount: int, *, ours: int, theirs: int) -> int:
        """What our side credits for ``amount`` of the peer's (rounded down again)."""
        return self.inverse.convert(amount, ours=theirs, theirs=ours)

    def remainder(self, amount: int, *, ours: int, theirs: int) -> Fraction:
        """What rounding kept back, in the peer's minor units (0 <= remainder < 1)."""
        exact = amount * self.factor(ours=ours, theirs=theirs)
        return exact - self.convert(amount, ours=ours, theirs=theirs)


def check_convertible(amount: int, rate: Rate, *, ours: int, theirs: int) -> int:
    """The converted amount, refused when it rounds to nothing or leaves the allowed range."""
    converted = rate.convert(amount, ours=ours, theirs=theirs)
    if converted <= 0:
        raise InvalidValue(
            "this amount is worth less than one minor unit of the peer's currency",
            field="amount",
        )
    if converted > MAX_AMOUNT:
        raise InvalidValue("the converted amount is too large", field="amount")
    return converted
