"""Issue #8 item 13: the levy cannot be dodged by splitting a payment.

What holds, exactly: with the payee's remainder carried (``levy_due``), the levies on any
sequence of receipts equal the levy on their total taken at once from the same remainder, and
leave the same remainder. From a zero remainder that is ``floor(total * rate)``: never less, so
splitting saves nothing, and never more than one minor unit above it from any remainder.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cybermutual.domain.ledger import LEVY_SCALE, levy_due, levy_for
from cybermutual.services.container import Services
from cybermutual.services.ledger import PaymentOrder
from tests.helpers import examples, members

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


_slugs = itertools.count()


@settings(max_examples=examples(25), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rate=st.sampled_from(["0.02", "0.035", "0.123457", "0.5"]),
    parts=st.lists(st.integers(1, 5_000), min_size=1, max_size=12),
    batched=st.booleans(),
)
def test_through_the_ledger_splitting_saves_nothing_and_verify_agrees(
    sqlite_services: Services, rate: str, parts: list[int], batched: bool
) -> None:
    services = sqlite_services
    slug, (payer, payee) = members(
        services, 2, slug=f"split-{next(_slugs)}", credit_limit=10**9, levy_rate=rate
    )
    if batched:
        services.ledger.pay_batch(
            slug,
            payer=payer.id,
            payments=[PaymentOrder(payer.id, payee.id, a) for a in parts],
            idempotency_key="b",
        )
    else:
        for n, amount in enumerate(parts):
            services.ledger.pay(
                slug, payer=payer.id, payee=payee.id, amount=amount, idempotency_key=f"p{n}"
            )
    received = services.ledger.account(slug, member_id=payee.id).account.balance
    assert sum(parts) - received == levy_for(sum(parts), Decimal(rate))
    result = services.ledger.verify(slug)
    assert result.ok, result.problems
