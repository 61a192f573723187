"""A state machine over the real service stack (SQLite): membership and money, interleaved.

Join, leave, rejoin, pay, reserve, post, void, credit-limit changes and idempotent retries in
random order. After every step: balances sum to zero, no debit took an account below its limit,
the journal verifies, and a retried request never posts twice. A refused step must be refused
with a code that step may give (``MAY_REFUSE``) and must change nothing: a payment wrongly
refused fails the test instead of passing unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from cybermutual.bootstrap import build_services
from cybermutual.domain.errors import DomainError
from cybermutual.domain.ledger import TransferStatus
from cybermutual.domain.membership import MembershipStatus
from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import upgrade
from tests.helpers import FAST_PASSWORDS, FakeClock, examples, members

PEOPLE = 4
T = TypeVar("T")

#: What each step may be refused with, given the random state it runs in; anything else is a bug.
MAY_REFUSE: dict[str, frozenset[str]] = {
    "pay": frozenset(
        {
            "amount_out_of_range",  # zero or negative amounts are drawn on purpose
            "self_transfer",
            "credit_limit_exceeded",
            "payee_not_a_member",  # the payee left
            "not_allowed",  # a leaver may spend, but not hold money for later
        }
    ),
    "settle": frozenset(
        {
            "invalid_transition",  # settled already
            "not_allowed",  # only the payer releases
        }
    ),
    "leave": frozenset({"debt_outstanding", "holds_outstanding", "invalid_transition"}),
    "rejoin": frozenset({"already_member"}),
    "account": frozenset(),
    "change_limit": frozenset({"amount_out_of_range", "invalid_value"}),
}


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.engine = make_engine("sqlite://")
        upgrade(self.engine)
        self.clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
        self.services = build_services(self.engine, clock=self.clock, passwords=FAST_PASSWORDS)
        self.slug, people = members(self.services, PEOPLE, credit_limit=1_000, levy_rate="0.1")
        self.ids = [p.id for p in people]
        self.posted: dict[str, str] = {}  # idempotency key -> transfer id it produced
        self.requests: dict[str, tuple[int, int, int, bool]] = {}
        self.pending: list[tuple[str, int, int]] = []  # (transfer id, payer, payee index)
        self.keys = 0

    def teardown(self) -> None:
        if hasattr(self, "engine"):
            self.engine.dispose()

    def _try(self, step: str, action: Callable[[], T]) -> T | None:
        """``action``'s result, or None when it was refused as ``step`` may be, changing nothing."""
        head = self.services.ledger.head(self.slug)
        try:
            return action()
        except DomainError as error:
            refusal = error
        assert refusal.code in MAY_REFUSE[step], (step, refusal.code, refusal.detail)
        assert self.services.ledger.head(self.slug) == head, "a refusal changed the journal"
        return None

    @rule(
        i=st.integers(0, PEOPLE - 1),
        j=st.integers(0, PEOPLE - 1),
        amount=st.integers(-10, 1_500),
        pending=st.booleans(),
    )
    def pay(self, i: int, j: int, amount: int, pending: bool) -> None:
        self.keys += 1
        key = f"k{self.keys}"
        view = self._try(
            "pay",
            lambda: self.services.ledger.pay(
                self.slug,
                payer=self.ids[i],
                payee=self.ids[j],
                amount=amount,
                idempotency_key=key,
                pending=pending,
            ),
        )
        if view is not None:
            payer = self.services.ledger.account(self.slug, member_id=self.ids[i]).account
            floor = payer.credit_limit if payer.credit_limit is not None else 0
            standing = self.services.collectives.membership(self.slug, member_id=self.ids[i])
            if standing is not None and standing.status is MembershipStatus.LEFT:
                floor = 0
            assert payer.available >= -floor  # a debit never takes anyone past their limit
            self.posted[key] = view.transfer.id
            self.requests[key] = (i, j, amount, pending)
            if pending:
                self.pending.append((view.transfer.id, i, j))

    @precondition(lambda self: bool(self.posted))
    @rule(data=st.data())
    def retry(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.posted)))
        i, j, amount, pending = self.requests[key]
        before = self.services.ledger.verify(self.slug).entries
        view = self.services.ledger.pay(
            self.slug,
            payer=self.ids[i],
            payee=self.ids[j],
            amount=amount,
            idempotency_key=key,
            pending=pending,
        )
        assert view.transfer.id == self.posted[key]
        assert self.services.ledger.verify(self.slug).entries == before

    @precondition(lambda self: bool(self.pending))
    @rule(data=st.data(), post=st.booleans(), by_payee=st.booleans())
    def settle(self, data: st.DataObject, post: bool, by_payee: bool) -> None:
        transfer_id, payer, payee = data.draw(st.sampled_from(self.pending))
        actor = self.ids[payee] if by_payee else self.ids[payer]
        self._try(
            "settle",
            lambda: self.services.ledger.settle(
                self.slug,
                actor=actor,
                transfer_id=transfer_id,
                post=post,
                idempotency_key=f"s{self.keys}-{transfer_id}-{post}-{by_payee}",
            ),
        )

    @rule(i=st.integers(0, PEOPLE - 1))
    def leave(self, i: int) -> None:
        self._try(
            "leave", lambda: self.services.collectives.leave(self.slug, member_id=self.ids[i])
        )

    @rule(i=st.integers(0, PEOPLE - 1))
    def rejoin(self, i: int) -> None:
        before = self._try(
            "account", lambda: self.services.ledger.account(self.slug, member_id=self.ids[i])
        )
        joined = self._try(
            "rejoin", lambda: self.services.collectives.join(self.slug, member_id=self.ids[i])
        )
        if joined is not None:
            after = self.services.ledger.account(self.slug, member_id=self.ids[i])
            assert before is not None
            assert after.account.id == before.account.id
            assert after.account.balance == before.account.balance

    @rule(i=st.integers(0, PEOPLE - 1), limit=st.integers(-1, 2_000))
    def change_limit(self, i: int, limit: int) -> None:
        self._try(
            "change_limit",
            lambda: self.services.ledger.set_credit_limit(
                self.slug, member_id=self.ids[i], credit_limit=limit
            ),
        )

    @rule(days=st.integers(0, 3))
    def time_passes(self, days: int) -> None:
        self.clock.advance(days=days, seconds=1)

    @invariant()
    def books_balance(self) -> None:
        if not hasattr(self, "services"):
            return
        result = self.services.ledger.verify(self.slug)
        assert result.ok, result.problems
        with self.services.uow(readonly=True) as uow:
            collective = uow.collectives.by_slug(self.slug)
            assert collective is not None
            accounts = uow.accounts.all_of(collective.id)
            statuses = {
                member_id: uow.memberships.get(collective.id, member_id) for member_id in self.ids
            }
        assert sum(a.balance for a in accounts) == 0
        for account in accounts:
            if account.owner_id is None:
                continue
            membership = statuses[account.owner_id]
            assert membership is not None
            if membership.status is MembershipStatus.LEFT:
                assert account.available >= 0  # a leaver owes nothing, and never will
        for transfer_id, _, _ in self.pending:
            with self.services.uow(readonly=True) as uow:
                transfer = uow.transfers.get(transfer_id)
            assert transfer is not None
            if transfer.status is not TransferStatus.PENDING:
                assert transfer.settled_at is not None


LedgerMachine.TestCase.settings = settings(
    max_examples=examples(25), stateful_step_count=25, deadline=None
)
TestLedgerMachine = LedgerMachine.TestCase
