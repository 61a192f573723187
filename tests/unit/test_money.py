from __future__ import annotations

from decimal import Decimal

import pytest

from cybermutual.domain.collective import Charter, check_slug, parse_levy_rate
from cybermutual.domain.errors import AmountOutOfRange, CurrencyMismatch, InvalidValue
from cybermutual.domain.ledger import levy_for
from cybermutual.domain.money import MAX_AMOUNT, Amount, Currency, check_amount


def test_currency_formats_and_parses_exactly() -> None:
    hours = Currency("HRS", "Hours", 2)
    assert hours.format(-1250) == "-12.50 HRS"
    assert hours.parse("12.5") == 1250
    assert Currency("SEED", "Seeds", 0).format(7) == "7 SEED"
    with pytest.raises(InvalidValue):
        hours.parse("0.001")
    with pytest.raises(InvalidValue):
        hours.parse("twelve")


@pytest.mark.parametrize("code", ["hrs", "H", "1AB", "TOOLONGCODE1", "H-R"])
def test_bad_currency_codes(code: str) -> None:
    with pytest.raises(InvalidValue):
        Currency(code, "x")


def test_amounts_add_only_within_one_currency() -> None:
    assert Amount(5, "HRS") + Amount(7, "HRS") == Amount(12, "HRS")
    assert -Amount(5, "HRS") == Amount(-5, "HRS")
    with pytest.raises(CurrencyMismatch):
        Amount(1, "HRS") - Amount(1, "RVC")


@pytest.mark.parametrize("value", [0, -1, MAX_AMOUNT + 1, True, 1.0])
def test_check_amount_refuses(value: object) -> None:
    with pytest.raises(AmountOutOfRange):
        check_amount(value)  # type: ignore[arg-type]


def test_levy_never_exceeds_the_rate() -> None:
    assert levy_for(1999, Decimal("0.05")) == 99
    assert levy_for(19, Decimal("0.05")) == 0
    assert levy_for(100, Decimal("0")) == 0
    assert levy_for(MAX_AMOUNT, Decimal("0.999999")) == MAX_AMOUNT * 999999 // 1000000


@pytest.mark.parametrize("rate", ["1", "-0.1", "abc", "NaN", "Infinity", "0.1234567"])
def test_bad_levy_rates(rate: str) -> None:
    with pytest.raises(InvalidValue):
        parse_levy_rate(rate)


def test_charter_normalises_the_rate() -> None:
    assert Charter(levy_rate="0.050").levy_rate == Decimal("0.05")  # type: ignore[arg-type]
    with pytest.raises(InvalidValue):
        Charter(default_credit_limit=-1)


@pytest.mark.parametrize("slug", ["ab", "-abc", "abc-", "Abc", "a b c", "x" * 51])
def test_bad_slugs(slug: str) -> None:
    with pytest.raises(InvalidValue):
        check_slug(slug)
