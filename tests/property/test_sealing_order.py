"""The argument of docs/journal.md, as a property: writers take account locks, then a position;
they commit (or roll back) in any order; sealers run at any moment and chain what is committed
in position order. Whatever the interleaving, every account's entries are chained in the order
its lock granted them, every committed entry is chained once, rolled-back positions leave gaps
that change nothing, and the chain verifies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from cybermutual.domain import journal
from cybermutual.domain.ledger import Account, AccountKind, Transfer, TransferKind, TransferStatus

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ACCOUNTS = ["a", "b", "c", "d"]


@dataclass
class Writer:
    number: int
    debit: str
    credit: str
    rolls_back: bool
    position: int | None = None
    done: bool = False


@dataclass
class World:
    writers: list[Writer]
    held: dict[str, int] = field(default_factory=dict)  # account -> writer holding its lock
    next_position: int = 1
    committed: list[Writer] = field(default_factory=list)  # in commit order
    sealed: list[Writer] = field(default_factory=list)  # in chain order

    def step(self, choice: int) -> None:
        """Advance one writer that can move: lock + draw a position, or commit/roll back."""
        movable = [w for w in self.writers if not w.done and self._can_move(w)]
        if not movable:
            return
        writer = movable[choice % len(movable)]
        if writer.position is None:
            for account in (writer.debit, writer.credit):
                self.held[account] = writer.number
            writer.position = self.next_position  # drawn after the locks, monotonic
            self.next_position += 1
            return
        writer.done = True
        for account in (writer.debit, writer.credit):
            del self.held[account]
        if not writer.rolls_back:
            self.committed.append(writer)

    def _can_move(self, w: Writer) -> bool:
        if w.position is not None:
            return True
        return all(self.held.get(a, w.number) == w.number for a in (w.debit, w.credit))

    def seal(self) -> None:
        """A sealer: what is committed and not sealed, in position order."""
        pending = [w for w in self.committed if w not in self.sealed]
        self.sealed += sorted(pending, key=lambda w: w.position or 0)


writers = st.lists(
    st.tuples(st.sampled_from(ACCOUNTS), st.sampled_from(ACCOUNTS), st.booleans()).filter(
        lambda t: t[0] != t[1]
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(writers, st.lists(st.tuples(st.integers(0, 50), st.booleans()), max_size=80))
def test_sealing_by_position_keeps_each_accounts_order(
    plan: list[tuple[str, str, bool]], schedule: list[tuple[int, bool]]
) -> None:
    world = World(
        [Writer(n, d, c, rolls_back=r and n % 3 == 0) for n, (d, c, r) in enumerate(plan)]
    )
    for choice, seal_now in schedule:
        world.step(choice)
        if seal_now:
            world.seal()
    while not all(w.done for w in world.writers):  # the rest finish in order
        world.step(0)
    world.seal()

    assert sorted(w.number for w in world.sealed) == sorted(w.number for w in world.committed)
    for account in ACCOUNTS:
        touched = [w.number for w in world.committed if account in (w.debit, w.credit)]
        chained = [w.number for w in world.sealed if account in (w.debit, w.credit)]
        assert chained == touched, f"account {account} chained out of the order it happened"

    # and the chain those drafts make verifies, balances and all
    drafts, balance = [], dict.fromkeys(ACCOUNTS, 0)
    for w in world.sealed:
        amount = 10 + w.number
        transfer = Transfer(
            f"t{w.number:03d}", "c", w.debit, w.credit, amount,
            TransferKind.PAYMENT, TransferStatus.POSTED, "", NOW,
        )  # fmt: skip
        drafts.append(journal.draft(transfer, at=NOW))
        balance[w.debit] -= amount
        balance[w.credit] += amount
    entries, head = journal.seal(journal.ChainHead("c"), drafts)
    accounts = [Account(a, "c", AccountKind.MEMBER, a, balance[a], 0, None) for a in ACCOUNTS]
    result = journal.verify(entries, accounts, head=head)
    assert result.ok, result.problems
    assert result.entries == len(world.committed)
