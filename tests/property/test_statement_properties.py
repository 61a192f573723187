"""Whatever an account's history, its statement read backwards from today's balance, a page at
a time, shows the balances the postings really left; and its balance series starts at zero and
ends at today's balance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cybermutual.domain.ledger import Transfer, TransferKind, TransferStatus
from cybermutual.domain.statement import (
    balance_before,
    balance_series,
    change_of,
    running_balances,
)
from tests.helpers import examples

MINE, OTHER = "mine", "other"
START = datetime(2026, 1, 1, tzinfo=UTC)

movements = st.lists(
    st.tuples(
        st.integers(1, 10**6),
        st.booleans(),  # received (True) or paid
        st.sampled_from(list(TransferStatus)),
    ),
    max_size=40,
)


def _history(moves: list[tuple[int, bool, TransferStatus]]) -> list[Transfer]:
    """The transfers, oldest first, one minute apart."""
    return [
        Transfer(
            id=f"{n:032x}",
            collective_id="c",
            debit_account_id=OTHER if received else MINE,
            credit_account_id=MINE if received else OTHER,
            amount=amount,
            kind=TransferKind.PAYMENT,
            status=status,
            memo="",
            created_at=START + timedelta(minutes=n),
            settled_at=START + timedelta(minutes=n),
        )
        for n, (amount, received, status) in enumerate(moves)
    ]


@settings(max_examples=examples(300), deadline=None)
@given(movements, st.integers(1, 7))
def test_pages_read_backwards_show_the_balance_each_posting_left(
    moves: list[tuple[int, bool, TransferStatus]], page_size: int
) -> None:
    history = _history(moves)
    forward, balance = [], 0
    for t in history:
        balance += change_of(t, MINE)
        forward.append(balance)

    newest_first = list(reversed(history))
    read, after = [], balance
    for start in range(0, len(newest_first), page_size):
        page = running_balances(
            newest_first[start : start + page_size], MINE, balance_after_newest=after
        )
        read.extend(page)
        after = balance_before(page, balance_after_newest=after)

    assert [p.balance_after for p in reversed(read)] == forward
    assert after == 0  # before the first posting, as every account starts
    assert all(p.change == 0 for p in read if p.transfer.status is not TransferStatus.POSTED)


@settings(max_examples=examples(200), deadline=None)
@given(movements)
def test_the_balance_series_runs_from_zero_to_the_balance_now(
    moves: list[tuple[int, bool, TransferStatus]],
) -> None:
    history = _history(moves)
    balance = sum(change_of(t, MINE) for t in history)
    lines = running_balances(list(reversed(history)), MINE, balance_after_newest=balance)
    now = START + timedelta(days=1)
    series = balance_series(lines, now=now, balance_now=balance, complete=True)
    assert (series[-1].at, series[-1].balance) == (now, balance)
    assert series[0].balance == 0
    assert [p.at for p in series] == sorted(p.at for p in series)
