"""Random interleavings of every market action by random actors (hypothesis state machine).

Whatever happens: money is neither created nor destroyed, every escrow is settled exactly once
when its order ends and stays pending until then, refusals carry a stable code and change
nothing, and the ledger verifies at the end.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import Engine

from cybermutual.bootstrap import build_services
from cybermutual.domain.errors import DomainError
from cybermutual.domain.ledger import TransferStatus
from cybermutual.domain.market.deals import Action, OrderStatus
from cybermutual.domain.market.disputes import Vote
from cybermutual.domain.market.listings import ListingKind
from cybermutual.services.container import Services
from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import upgrade
from tests.helpers import FAST_PASSWORDS, FakeClock, collective, examples, person

STABLE = {
    "invalid_transition",
    "not_a_party",
    "not_the_seller",
    "not_the_buyer",
    "not_the_owner",
    "not_a_juror",
    "not_a_member",
    "already_voted",
    "already_disputed",
    "already_applied",
    "credit_limit_exceeded",
    "insufficient_quantity",
    "listing_closed",
    "own_listing",
    "wrong_listing_kind",
    "invalid_value",
}
_engine: Engine | None = None
_slugs = itertools.count()


def engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = make_engine("sqlite://")
        upgrade(_engine)
    return _engine


class MarketMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.services: Services = build_services(
            engine(), clock=self.clock, passwords=FAST_PASSWORDS, jury_rng=random.Random(7)
        )  # a seeded jury draw
        self.people = [person(self.services, f"p{i}") for i in range(6)]
        self.slug = collective(
            self.services, self.people[0], slug=f"market-{next(_slugs)}", credit_limit=2_000
        )
        for p in self.people[1:]:
            self.services.collectives.join(self.slug, member_id=p.id)
        self.outsider = person(self.services, "outsider")
        self.listings: list[str] = []
        self.tasks: list[str] = []
        self.orders: list[str] = []
        self.disputes: list[str] = []
        self.keys = itertools.count()

    # --- helpers ----------------------------------------------------------------------------

    def who(self, index: int) -> str:
        everyone = [*self.people, self.outsider]
        return everyone[index % len(everyone)].id

    def snapshot(self) -> tuple[Any, ...]:
        with self.services.uow(readonly=True) as uow:
            c = uow.collectives.by_slug(self.slug)
            assert c is not None
            accounts = tuple((a.id, a.balance, a.reserved) for a in uow.accounts.all_of(c.id))
            orders = tuple(
                (o.id, o.status) for i in self.orders if (o := uow.market.orders.get(i)) is not None
            )
        return accounts, orders

    def attempt(self, call: Any) -> Any:
        before = self.snapshot()
        try:
            return call()
        except DomainError as error:
            refused = error
        assert refused.code in STABLE, (refused.code, refused.detail)
        assert self.snapshot() == before  # a refusal changes nothing
        return None

    def party(self, order_id: str, index: int) -> str:
        """Mostly the buyer or the seller (by ``index``), sometimes anyone at all."""
        with self.services.uow(readonly=True) as uow:
            order = uow.market.orders.get(order_id)
        assert order is not None
        return [order.buyer_id, order.seller_id, self.who(index)][index % 3]

    def juror(self, dispute_id: str, index: int) -> str:
        with self.services.uow(readonly=True) as uow:
            dispute = uow.market.disputes.get(dispute_id)
        assert dispute is not None
        seats = [j.member_id for j in dispute.jurors]
        return [*seats, self.who(index)][index % (len(seats) + 1)]

    def dispute_party(self, dispute_id: str, index: int) -> str:
        with self.services.uow(readonly=True) as uow:
            dispute = uow.market.disputes.get(dispute_id)
        assert dispute is not None
        return self.party(dispute.order_id, index)

    @staticmethod
    def recent(ids: list[str], pick: int) -> str:
        """Mostly one of the last three (so deals get carried through), sometimes any."""
        if pick % 4 == 0:
            return ids[pick % len(ids)]
        return ids[-1 - pick % min(3, len(ids))]

    def key(self) -> str:
        return f"k{next(self.keys)}"

    # --- rules ------------------------------------------------------------------------------

    @initialize()
    def stock_the_market(self) -> None:
        self.post_offer(0, 250, None)
        self.post_offer(1, 400, 3)
        self.post_task(2, 300)
        self.order(3, 0, 1)
        self.order(4, 1, 2)

    @rule(owner=st.integers(0, 6), price=st.integers(1, 900), qty=st.none() | st.integers(0, 3))
    def post_offer(self, owner: int, price: int, qty: int | None) -> None:
        view = self.attempt(
            lambda: self.services.market.post_listing(
                self.slug,
                owner=self.who(owner),
                kind=ListingKind.OFFER,
                title="Handmade thing",
                description="made with care",
                category="crafts",
                price=price,
                quantity=qty,
            )
        )
        if view is not None:
            self.listings.append(view.listing.id)

    @rule(owner=st.integers(0, 6), reward=st.integers(1, 900))
    def post_task(self, owner: int, reward: int) -> None:
        view = self.attempt(
            lambda: self.services.market.post_listing(
                self.slug,
                owner=self.who(owner),
                kind=ListingKind.TASK,
                title="Small job",
                description="",
                category="home",
                price=reward,
            )
        )
        if view is not None:
            self.tasks.append(view.listing.id)

    @rule(buyer=st.integers(0, 6), pick=st.integers(0, 50), qty=st.integers(1, 3))
    def order(self, buyer: int, pick: int, qty: int) -> None:
        if not self.listings:
            return
        listing = self.listings[pick % len(self.listings)]
        made = self.attempt(
            lambda: self.services.market.place_order(
                self.slug,
                buyer=self.who(buyer),
                listing_id=listing,
                quantity=qty,
                idempotency_key=self.key(),
            )
        )
        if made is not None:
            self.orders.append(made.id)

    @rule(worker=st.integers(0, 6), poster=st.integers(0, 6), pick=st.integers(0, 50))
    def apply_and_assign(self, worker: int, poster: int, pick: int) -> None:
        if not self.tasks:
            return
        task = self.tasks[pick % len(self.tasks)]
        application = self.attempt(
            lambda: self.services.market.apply(
                self.slug, applicant=self.who(worker), listing_id=task
            )
        )
        if application is None:
            return
        made = self.attempt(
            lambda: self.services.market.assign(
                self.slug,
                actor=self.who(poster),
                listing_id=task,
                application_id=application.id,
                idempotency_key=self.key(),
            )
        )
        if made is not None:
            self.orders.append(made.id)

    @rule(
        actor=st.integers(0, 6),
        pick=st.integers(0, 50),
        action=st.sampled_from(
            [Action.ACCEPT, Action.DECLINE, Action.CANCEL, Action.DELIVER, Action.CONFIRM]
        ),
    )
    def act(self, actor: int, pick: int, action: Action) -> None:
        if self.orders:
            order = self.recent(self.orders, pick)
            self.attempt(
                lambda: self.services.market.act(
                    self.slug,
                    actor=self.party(order, actor),
                    order_id=order,
                    action=action,
                    idempotency_key=self.key(),
                )
            )

    @rule(pick=st.integers(0, 50))
    def carry_through(self, pick: int) -> None:
        """The next natural step of a deal, by the right party."""
        if not self.orders:
            return
        order_id = self.recent(self.orders, pick)
        with self.services.uow(readonly=True) as uow:
            order = uow.market.orders.get(order_id)
        assert order is not None
        step = {
            OrderStatus.PLACED: (Action.ACCEPT, order.seller_id),
            OrderStatus.ACCEPTED: (Action.DELIVER, order.seller_id),
            OrderStatus.DELIVERED: (Action.CONFIRM, order.buyer_id),
        }.get(order.status)
        if order.status is OrderStatus.DISPUTED:
            with self.services.uow(readonly=True) as uow:
                dispute = uow.market.disputes.of_order(order_id)
            assert dispute is not None
            juror = next(j.member_id for j in dispute.jurors if j.vote is None)
            vote = list(Vote)[pick % 3]
            self.attempt(
                lambda: self.services.market.vote(
                    self.slug,
                    juror=juror,
                    dispute_id=dispute.id,
                    vote=vote,
                    idempotency_key=self.key(),
                )
            )
        if step is not None:
            action, actor = step
            self.attempt(
                lambda: self.services.market.act(
                    self.slug,
                    actor=actor,
                    order_id=order_id,
                    action=action,
                    idempotency_key=self.key(),
                )
            )

    @rule(actor=st.integers(0, 6), pick=st.integers(0, 50))
    def dispute(self, actor: int, pick: int) -> None:
        if self.orders:
            order = self.recent(self.orders, pick)
            view = self.attempt(
                lambda: self.services.market.open_dispute(
                    self.slug,
                    actor=self.party(order, actor),
                    order_id=order,
                    reason="not as agreed",
                    idempotency_key=self.key(),
                )
            )
            if view is not None:
                parties = {view.order.buyer_id, view.order.seller_id}
                assert not parties & {j.member_id for j in view.dispute.jurors}
                self.disputes.append(view.dispute.id)

    @rule(juror=st.integers(0, 6), pick=st.integers(0, 50), vote=st.sampled_from(list(Vote)))
    def vote(self, juror: int, pick: int, vote: Vote) -> None:
        if self.disputes:
            dispute = self.recent(self.disputes, pick)
            self.attempt(
                lambda: self.services.market.vote(
                    self.slug,
                    juror=self.juror(dispute, juror),
                    dispute_id=dispute,
                    vote=vote,
                    idempotency_key=self.key(),
                )
            )

    @rule(
        actor=st.integers(0, 6),
        pick=st.integers(0, 50),
        share=st.sampled_from([0, 1, 150, 300, 3000]),
    )
    def settle(self, actor: int, pick: int, share: int) -> None:
        if self.disputes:
            dispute = self.recent(self.disputes, pick)
            self.attempt(
                lambda: self.services.market.propose_settlement(
                    self.slug,
                    actor=self.dispute_party(dispute, actor),
                    dispute_id=dispute,
                    seller_share=share,
                    idempotency_key=self.key(),
                )
            )

    @rule(days=st.integers(1, 20))
    def time_passes(self, days: int) -> None:
        self.clock.advance(days=days)
        self.services.market.auto_confirm_due(self.slug)

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def money_is_conserved_and_escrows_match(self) -> None:
        with self.services.uow(readonly=True) as uow:
            c = uow.collectives.by_slug(self.slug)
            assert c is not None
            accounts = uow.accounts.all_of(c.id)
            assert sum(a.balance for a in accounts) == 0
            pending: dict[str, int] = {}
            for t in uow.transfers.all_of(c.id):
                if t.status is TransferStatus.PENDING:
                    pending[t.debit_account_id] = pending.get(t.debit_account_id, 0) + t.amount
            assert {a.id: a.reserved for a in accounts if a.reserved} == pending
            for order_id in self.orders:
                order = uow.market.orders.get(order_id)
                assert order is not None
                escrow = uow.transfers.get(order.escrow_id)
                assert escrow is not None
                if not order.status.is_terminal:
                    assert escrow.status is TransferStatus.PENDING
                elif order.status is OrderStatus.COMPLETED:
                    assert escrow.status is TransferStatus.POSTED
                elif order.status in (OrderStatus.DECLINED, OrderStatus.CANCELLED):
                    assert escrow.status is TransferStatus.VOIDED
                else:
                    assert escrow.status is not TransferStatus.PENDING
                    if order.payout_id is not None:
                        assert escrow.status is TransferStatus.VOIDED

    def teardown(self) -> None:
        assert self.services.ledger.verify(self.slug).ok


MarketMachine.TestCase.settings = settings(
    max_examples=examples(30), stateful_step_count=60, deadline=None, derandomize=True
)
TestMarketMachine = MarketMachine.TestCase
