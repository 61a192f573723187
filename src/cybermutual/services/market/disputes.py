"""Disputes: a jury of peers drawn at random when a party disputes a deal, votes kept secret
until the verdict (``domain.market.secret_ballot``), or a settlement the parties agree on; either
way the escrow is settled as decided."""

from __future__ import annotations

from dataclasses import dataclass

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import AlreadyDisputed, DisputeNotFound
from cybermutual.domain.idempotency import check_key
from cybermutual.domain.market import deals, disputes
from cybermutual.domain.market.deals import Action, Order
from cybermutual.domain.market.disputes import Dispute, Vote
from cybermutual.domain.market.secret_ballot import DisputeSeen, seen_by
from cybermutual.services.bookkeeping import Books
from cybermutual.services.idempotency import IdempotentRequest
from cybermutual.services.ids import new_id
from cybermutual.services.inbox import notify
from cybermutual.services.loading import check_limit, load_collective
from cybermutual.services.market.escrow import apply_step
from cybermutual.services.market.loading import (
    FindOrder,
    current_assignment,
    known_member_collective,
    load_order,
    rules_of,
)
from cybermutual.services.market.use_case import MarketUseCase
from cybermutual.services.ports import Page, UnitOfWork


@dataclass(frozen=True, slots=True)
class DisputeView:
    """A dispute and its order, as the viewer may see them (votes secret until the verdict)."""

    dispute: DisputeSeen
    order: Order


def _seen(dispute: Dispute, order: Order, viewer: str) -> DisputeView:
    return DisputeView(seen_by(dispute, viewer), order)


def _load_dispute(
    uow: UnitOfWork, collective: Collective, dispute_id: str, *, lock: bool = False
) -> Dispute:
    found = uow.market.disputes.get(dispute_id, lock=lock)
    if found is None or found.collective_id != collective.id:
        raise DisputeNotFound("no such dispute in this collective", dispute=dispute_id)
    return found


def vacate_jury_seats(books: Books, uow: UnitOfWork, *, member_id: str) -> None:
    """``member_id`` has just left the collective: each open jury seat they hold without a
    vote goes to the next member of that dispute's draw, or, with nobody left to draw, the
    remaining jurors decide (settling the escrow at once if their votes already do).

    ``books`` must hold the locks of the member and of every party to those disputes
    (``jury_seat_parties`` says who they are), taken before this is called."""
    collective = books.collective
    eligible = disputes.eligible_jurors(
        uow.market.disputes.jury_candidates(collective.id), leaving=member_id
    )
    for found in uow.market.disputes.open_seats_of(collective.id, member_id):
        dispute = _load_dispute(uow, collective, found.id, lock=True)
        order = load_order(uow, collective, dispute.order_id, lock=True)
        dispute, events = disputes.vacate_seat(
            dispute, order, juror=member_id, eligible=eligible, now=books.now
        )
        if not dispute.is_open:
            step = deals.transition(order, Action.RESOLVE, actor=None, now=books.now)
            uow.market.orders.save(apply_step(books, uow, step, seller_share=dispute.seller_share))
        uow.market.disputes.save(dispute)
        notify(uow, collective, events, now=books.now)


def jury_seat_parties(uow: UnitOfWork, collective: Collective, member_id: str) -> set[str]:
    """The buyers and sellers of the open disputes where ``member_id`` holds an unvoted seat."""
    seats = uow.market.disputes.open_seats_of(collective.id, member_id)
    found = uow.market.orders.by_ids([d.order_id for d in seats])
    return {m for o in found.values() for m in (o.buyer_id, o.seller_id)}


class DisputeUseCases(MarketUseCase):
    """Open a dispute (on an order or a task), vote, propose a settlement, read disputes."""

    def open_dispute(
        self, slug: str, *, actor: str, order_id: str, reason: str, idempotency_key: str
    ) -> DisputeView:
        """A party disputes an accepted or delivered order; a jury is drawn at once."""
        return self._open_dispute(
            slug,
            actor=actor,
            reason=reason,
            key=idempotency_key,
            find=lambda uow, collective: load_order(uow, collective, order_id),
        )

    def dispute_task(
        self, slug: str, *, actor: str, task_id: str, reason: str, idempotency_key: str
    ) -> DisputeView:
        """The task's poster or worker disputes its current assignment, in one transaction."""
        return self._open_dispute(
            slug,
            actor=actor,
            reason=reason,
            key=idempotency_key,
            find=lambda uow, collective: current_assignment(
                uow, collective, viewer=actor, task_id=task_id
            ),
        )

    def _open_dispute(
        self, slug: str, *, actor: str, reason: str, key: str, find: FindOrder
    ) -> DisputeView:
        check_key(key)
        now = self._clock.now()
        with self._uow() as uow:
            collective = known_member_collective(uow, slug, actor)
            order = find(uow, collective)
            body = {"order": order.id, "reason": reason}
            idem = IdempotentRequest.of(actor, key, "market.dispute", body)
            books = Books(uow, collective, now=now)
            books.lock_members(order.accounts)
            earlier = idem.earlier(uow, collective.id)
            if earlier is not None:
                dispute = _load_dispute(uow, collective, earlier)
                return _seen(dispute, load_order(uow, collective, dispute.order_id), actor)
            order = load_order(uow, collective, order.id, lock=True)
            if uow.market.disputes.of_order(order.id) is not None and order.role_of(actor):
                raise AlreadyDisputed("this order has already been disputed")
            step = deals.transition(order, Action.DISPUTE, actor=actor, now=now)
            seed = f"{self._rng.getrandbits(256):064x}"  # a CSPRNG in production
            parties = (order.buyer_id, order.seller_id)
            candidates = uow.market.disputes.jury_candidates(collective.id)
            jury = disputes.draw_jury(
                disputes.eligible_jurors(candidates, parties=parties),
                parties=parties,
                size=rules_of(uow, collective).jury_size,
                seed=seed,
            )
            dispute, events = disputes.open_dispute(
                step.order,
                dispute_id=new_id(),
                actor=actor,
                reason=reason,
                seed=seed,
                jury=jury,
                now=now,
            )
            uow.market.orders.save(step.order)
            uow.market.disputes.add(dispute)
            notify(uow, collective, events, now=now)
            idem.record(uow, collective.id, dispute.id, now=now)
            uow.commit()
        return _seen(dispute, step.order, actor)

    def vote(
        self, slug: str, *, juror: str, dispute_id: str, vote: Vote, idempotency_key: str
    ) -> DisputeView:
        """A juror votes; the deciding vote settles the escrow as the majority says."""
        idem = IdempotentRequest.of(
            juror, idempotency_key, "market.vote", {"dispute": dispute_id, "vote": vote.value}
        )
        # read first; a juror who leaves meanwhile has their seat vacated, which refuses too
        is_member = self._is_active(slug, juror)
        return self._close_or_record(
            slug,
            actor=juror,
            dispute_id=dispute_id,
            idem=idem,
            change=lambda d, o, now: disputes.cast_vote(
                d, o, juror=juror, vote=vote, now=now, juror_is_member=is_member
            ),
        )

    def _is_active(self, slug: str, member_id: str) -> bool:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            found = uow.memberships.get(collective.id, member_id)
        return found is not None and found.is_active

    def propose_settlement(
        self, slug: str, *, actor: str, dispute_id: str, seller_share: int, idempotency_key: str
    ) -> DisputeView:
        """A party proposes the seller's share; the same proposal from the other settles it."""
        idem = IdempotentRequest.of(
            actor, idempotency_key, "market.settle", {"dispute": dispute_id, "share": seller_share}
        )
        return self._close_or_record(
            slug,
            actor=actor,
            dispute_id=dispute_id,
            idem=idem,
            change=lambda d, o, now: disputes.propose_settlement(
                d, o, actor=actor, seller_share=seller_share, now=now
            ),
        )

    def _close_or_record(
        self,
        slug: str,
        *,
        actor: str,
        dispute_id: str,
        idem: IdempotentRequest,
        change: disputes.DisputeChange,
    ) -> DisputeView:
        now = self._clock.now()
        with self._uow() as uow:
            collective = known_member_collective(uow, slug, actor)
            dispute = _load_dispute(uow, collective, dispute_id)
            order = load_order(uow, collective, dispute.order_id)
            books = Books(uow, collective, now=now)
            books.lock_members(order.accounts)
            earlier = idem.earlier(uow, collective.id)
            if earlier is not None:
                dispute = _load_dispute(uow, collective, earlier)
                return _seen(dispute, load_order(uow, collective, dispute.order_id), actor)
            dispute = _load_dispute(uow, collective, dispute_id, lock=True)
            order = load_order(uow, collective, dispute.order_id, lock=True)
            dispute, events = change(dispute, order, now)
            if not dispute.is_open:
                step = deals.transition(order, Action.RESOLVE, actor=None, now=now)
                order = apply_step(books, uow, step, seller_share=dispute.seller_share)
                books.close()
                uow.market.orders.save(order)
            uow.market.disputes.save(dispute)
            notify(uow, collective, events, now=now)
            idem.record(uow, collective.id, dispute.id, now=now)
            uow.commit()
        return _seen(dispute, order, actor)

    def dispute(self, slug: str, *, viewer: str, dispute_id: str) -> DisputeView:
        """A dispute, for its parties and its jurors."""
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, viewer)
            dispute = _load_dispute(uow, collective, dispute_id)
            order = load_order(uow, collective, dispute.order_id)
            if order.role_of(viewer) is None and dispute.juror(viewer) is None:
                raise DisputeNotFound("no such dispute among yours", dispute=dispute_id)
            return _seen(dispute, order, viewer)

    def disputes(
        self,
        slug: str,
        *,
        member_id: str,
        open_only: bool = False,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[DisputeView]:
        """Disputes where the caller is a party or a juror."""
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, member_id)
            page = uow.market.disputes.involving(
                collective.id,
                member_id,
                open_only=open_only,
                limit=check_limit(limit),
                cursor=cursor,
            )
            found = uow.market.orders.by_ids([d.order_id for d in page.items])  # one query
            views = [_seen(d, found[d.order_id], member_id) for d in page.items]
            return Page(views, page.next_cursor)
