"""Issue #8 item 13: the levy cannot be dodged by splitting a payment.

What holds, exactly: with the payee's remainder carried (``levy_due``), the levies on any
sequence of receipts equal the levy on their total taken at once from the same remainder, and
leave the same remainder. From a zero remainder that is ``floor(total * rate)``: never less, so
splitting saves nothing, and never more than one minor unit above it from any remainder.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cybermutual.domain.ledger import LEVY_SCALE, levy_due, levy_for

rates = st.integers(0, LEVY_SCALE - 1).map(lambda n: Decimal(n) / LEVY_SCALE)
amounts = st.integers(1, 10**12)


@given(rate=rates, parts=st.lists(amounts, min_size=1, max_size=60), carry=st.integers(0, 999_999))
def test_any_split_pays_what_the_whole_pays(rate: Decimal, parts: list[int], carry: int) -> None:
    start, paid = carry, 0
    for amount in parts:
        levy, carry = levy_due(amount, rate, carry)
        paid += levy
        assert 0 <= carry < LEVY_SCALE
    whole, whole_carry = levy_due(sum(parts), rate, start)
    assert (paid, carry) == (whole, whole_carry)
    assert levy_for(sum(parts), rate) <= paid <= levy_for(sum(parts), rate) + 1


@given(rate=rates, parts=st.lists(amounts, min_size=1, max_size=60))
def test_from_nothing_owed_the_levy_is_exactly_the_rate_of_the_total(
    rate: Decimal, parts: list[int]
) -> None:
    carry, paid = 0, 0
    for amount in parts:
        levy, carry = levy_due(amount, rate, carry)
        paid += levy
    assert paid == levy_for(sum(parts), rate)
    # and the remainder is the part of a minor unit still owed, exactly
    assert paid * LEVY_SCALE + carry == sum(parts) * int(rate * LEVY_SCALE)


def test_the_split_of_the_issue() -> None:
    """At 2%, one payment of 49,000 and 1,000 payments of 49 both pay 980."""
    rate = Decimal("0.02")
    carry, paid = 0, 0
    for _ in range(1_000):
        levy, carry = levy_due(49, rate, carry)
        paid += levy
    assert paid == levy_due(49_000, rate, 0)[0] == 980
    assert carry == 0
