"""A state machine over the real service stack (SQLite): membership and money, interleaved.

Join, leave, rejoin, pay, reserve, post, void, credit-limit changes and idempotent retries in
random order. After every step: balances sum to zero, no debit took an account below its limit,
the journal verifies, and a retried request never posts twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from cybermutual.bootstrap import build_services
from cybermutual.domain.errors import DomainError
from cybermutual.domain.ledger import TransferStatus
from cybermutual.domain.membership import MembershipStatus
from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import upgrade
from tests.conftest import FAST_PASSWORDS, FakeClock
from tests.helpers import members

PEOPLE = 4


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.engine = make_engine("sqlite://")
        upgrade(self.engine)
        self.clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
        self.services = build_services(self.engine, clock=self.clock, passwords=FAST_PASSWORDS)
        self.slug, people = members(self.services, PEOPLE, credit_limit=1_000, levy_rate="0.1")
        self.ids = [p.id for p in people]
        self.posted: dict[str, int] = {}  # idempotency key -> transfer id it produced
        self.requests: dict[str, tuple[int, int, int, bool]] = {}
        self.pending: list[tuple[str, int]] = []  # (transfer id, payer index)
        self.keys = 0

    def teardown(self) -> None:
        if hasattr(self, "engine"):
            self.engine.dispose()

    def _try(self, action: object) -> object:
        try:
            return action()  # type: ignore[operator]
        except DomainError:
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
            lambda: self.services.ledger.pay(
                self.slug,
                payer=self.ids[i],
                payee=self.ids[j],
                amount=amount,
                idempotency_key=key,
                pending=pending,
            )
        )
        if view is not None:
            payer = self.services.ledger.account(self.slug, member_id=self.ids[i]).account
            floor = payer.credit_limit if payer.credit_limit is not None else 0
            if self.services.collectives.membership(self.slug, member_id=self.ids[i]).status is (  # type: ignore[union-attr]
                MembershipStatus.LEFT
            ):
                floor = 0
            assert payer.available >= -floor  # a debit never takes anyone past their limit
            self.posted[key] = view.transfer.id  # type: ignore[attr-defined]
            self.requests[key] = (i, j, amount, pending)
            if pending:
                self.pending.append((view.transfer.id, i))  # type: ignore[attr-defined]

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
        transfer_id, payer = data.draw(st.sampled_from(self.pending))
        actor = self.ids[(payer + 1) % PEOPLE] if by_payee else self.ids[payer]
        self._try(
            lambda: self.services.ledger.settle(
                self.slug,
                actor=actor,
                transfer_id=transfer_id,
                post=post,
                idempotency_key=f"s{self.keys}-{transfer_id}-{post}-{by_payee}",
            )
        )

    @rule(i=st.integers(0, PEOPLE - 1))
    def leave(self, i: int) -> None:
        self._try(lambda: self.services.collectives.leave(self.slug, member_id=self.ids[i]))

    @rule(i=st.integers(0, PEOPLE - 1))
    def rejoin(self, i: int) -> None:
        before = self._try(lambda: self.services.ledger.account(self.slug, member_id=self.ids[i]))
        if self._try(lambda: self.services.collectives.join(self.slug, member_id=self.ids[i])):
            after = self.services.ledger.account(self.slug, member_id=self.ids[i])
            assert before is not None
            assert after.account.id == before.account.id  # type: ignore[attr-defined]
            assert after.account.balance == before.account.balance  # type: ignore[attr-defined]

    @rule(i=st.integers(0, PEOPLE - 1), limit=st.integers(-1, 2_000))
    def change_limit(self, i: int, limit: int) -> None:
        self._try(
            lambda: self.services.ledger.set_credit_limit(
                self.slug, member_id=self.ids[i], credit_limit=limit
            )
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
        for transfer_id, _ in self.pending:
            with self.services.uow(readonly=True) as uow:
                transfer = uow.transfers.get(transfer_id)
            assert transfer is not None
            if transfer.status is not TransferStatus.PENDING:
                assert transfer.settled_at is not None


LedgerMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=25, deadline=None)
TestLedgerMachine = LedgerMachine.TestCase
