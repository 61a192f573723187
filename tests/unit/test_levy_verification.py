"""``verify`` recomputes every levy from the journal, by the rule in force at each entry."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from cybermutual.domain import journal
from cybermutual.domain.ledger import (
    Account,
    AccountKind,
    Transfer,
    TransferKind,
    TransferStatus,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)
RATE = Decimal("0.02")


def _entries(amounts: list[tuple[str, int]]) -> list[journal.JournalEntry]:
    head, entries = journal.ChainHead("c"), []
    for n, (kind, amount) in enumerate(amounts):
        debit, credit = ("b", "fund") if kind == "levy" else ("a", "b")
        transfer = Transfer(
            f"t{n}", "c", debit, credit, amount, TransferKind(kind), TransferStatus.POSTED, "", NOW
        )
        entry, head = journal.record(head, transfer, at=NOW)
        entries.append(entry)
    return entries


def _accounts(entries: list[journal.JournalEntry], carry: int) -> list[Account]:
    balance = {"a": 0, "b": 0, "fund": 0}
    for e in entries:
        balance[e.debit_account_id] -= e.amount
        balance[e.credit_account_id] += e.amount
    return [
        Account("a", "c", AccountKind.MEMBER, "ma", balance["a"], credit_limit=None),
        Account("b", "c", AccountKind.MEMBER, "mb", balance["b"], levy_carry=carry),
        Account("fund", "c", AccountKind.COMMONS_FUND, None, balance["fund"]),
    ]


def test_levies_before_the_carry_were_rounded_payment_by_payment() -> None:
    # three payments of 49 at 2%: 0.98 each. Before migration 0004 (entries 1 and 2) nothing
    # was levied; from entry 3 on the remainder is carried: 0.98 owed, no levy yet.
    entries = _entries([("payment", 49), ("payment", 49), ("payment", 49)])
    accounts = _accounts(entries, carry=980_000)
    legacy = journal.LevyRule(RATE, "fund", carry_from=2)
    assert journal.verify(entries, accounts, levy=legacy).ok
    # the same journal read as if the remainder had always been carried: two levies missing
    always = journal.verify(entries, accounts, levy=journal.LevyRule(RATE, "fund"))
    assert [p.kind for p in always.problems] == ["levy_wrong", "levy_wrong", "levy_carry_mismatch"]


def test_a_carried_levy_is_journaled_right_after_its_payment() -> None:
    entries = _entries([("payment", 49), ("payment", 49), ("levy", 1)])
    accounts = _accounts(entries, carry=960_000)  # 1.96 owed: 1 paid, 0.96 carried
    assert journal.verify(entries, accounts, levy=journal.LevyRule(RATE, "fund")).ok
    wrong = _entries([("payment", 49), ("payment", 49), ("levy", 2)])
    result = journal.verify(wrong, _accounts(wrong, 960_000), levy=journal.LevyRule(RATE, "fund"))
    assert [p.kind for p in result.problems] == ["levy_wrong", "levy_wrong"]
