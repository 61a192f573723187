"""Invariants of the pure ledger: random operations, refused ones never half-applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from cybermutual.domain import journal
from cybermutual.domain.errors import DomainError
from cybermutual.domain.ledger import (
    Account,
    AccountKind,
    Transfer,
    TransferKind,
    TransferStatus,
    open_transfer,
    post_pending,
    void_pending,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)
ACCOUNTS = 5


@dataclass
class Book:
    """An in-memory book driven only through the domain's functions."""

    accounts: dict[str, Account]
    transfers: dict[str, Transfer] = field(default_factory=dict)
    entries: list[journal.JournalEntry] = field(default_factory=list)
    head: journal.ChainHead = field(default_factory=lambda: journal.ChainHead("c"))

    def record(self, transfer: Transfer, *, settles: bool = False) -> None:
        entry, self.head = journal.record(self.head, transfer, at=NOW, settles_reservation=settles)
        self.entries.append(entry)
        self.transfers[transfer.id] = transfer


def fresh(limits: list[int]) -> Book:
    return Book(
        {
            f"a{i}": Account(f"a{i}", "c", AccountKind.MEMBER, f"m{i}", credit_limit=limit)
            for i, limit in enumerate(limits)
        }
    )


operation = st.one_of(
    st.tuples(
        st.just("pay"),
        st.integers(0, ACCOUNTS - 1),
        st.integers(0, ACCOUNTS - 1),
        st.integers(-5, 2_000),
        st.booleans(),
    ),
    st.tuples(st.just("settle"), st.integers(0, 50), st.booleans()),
)


def replay(book: Book, ops: list[tuple[object, ...]]) -> int:
    refused = 0
    for op in ops:
        before = dict(book.accounts)
        try:
            if op[0] == "pay":
                _, i, j, amount, pending = op
                movement = open_transfer(
                    transfer_id=f"t{len(book.transfers)}",
                    debit=book.accounts[f"a{i}"],
                    credit=book.accounts[f"a{j}"],
                    amount=amount,  # type: ignore[arg-type]
                    kind=TransferKind.PAYMENT,
                    memo="",
                    now=NOW,
                    pending=bool(pending),
                )
                settles = False
            else:
                _, index, post = op
                transfer = book.transfers.get(f"t{index}")
                if transfer is None:
                    continue
                settle = post_pending if post else void_pending
                movement = settle(
                    transfer,
                    book.accounts[transfer.debit_account_id],
                    book.accounts[transfer.credit_account_id],
                    now=NOW,
                )
                settles = True
        except DomainError:
            refused += 1
            assert book.accounts == before  # a refusal changes nothing
            continue
        book.accounts[movement.debit.id] = movement.debit
        book.accounts[movement.credit.id] = movement.credit
        book.record(movement.transfer, settles=settles)
    return refused


@given(
    st.lists(st.integers(0, 5_000), min_size=ACCOUNTS, max_size=ACCOUNTS),
    st.lists(operation, max_size=60),
)
def test_balances_sum_to_zero_and_the_journal_proves_them(
    limits: list[int], ops: list[tuple[object, ...]]
) -> None:
    book = fresh(limits)
    replay(book, ops)
    assert sum(a.balance for a in book.accounts.values()) == 0
    for account in book.accounts.values():
        assert account.available >= -(account.credit_limit or 0)  # never overdrawn by a debit
        assert account.reserved == sum(
            t.amount
            for t in book.transfers.values()
            if t.status is TransferStatus.PENDING and t.debit_account_id == account.id
        )
    result = journal.verify(
        book.entries, book.accounts.values(), transfers=book.transfers.values(), head=book.head
    )
    assert result.ok, result.problems
    assert result.entries == len(book.entries)


@given(st.lists(operation, min_size=1, max_size=40), st.data())
def test_any_tampering_with_the_journal_is_detected(
    ops: list[tuple[object, ...]], data: st.DataObject
) -> None:
    book = fresh([3_000] * ACCOUNTS)
    replay(book, ops)
    if not book.entries:
        return
    index = data.draw(st.integers(0, len(book.entries) - 1))
    victim = book.entries[index]
    forged = data.draw(
        st.sampled_from(
            [
                {"amount": victim.amount + 1},
                {"credit_account_id": victim.debit_account_id},
                {"at_us": victim.at_us + 1},
                {"kind": "levy"},
            ]
        )
    )
    from dataclasses import replace

    book.entries[index] = replace(victim, **forged)  # type: ignore[arg-type]
    result = journal.verify(book.entries, book.accounts.values(), head=book.head)
    assert not result.ok
