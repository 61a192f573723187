"""Federation: links between collectives and payments across them, on one server or several.

``FederationService`` owns this server's side of every link: the link accounts' positions, the
cross-payments its members send (it is their *origin*: it holds, asks, decides, tells) and those
its members receive (the *destination*: it holds when asked, posts or voids as told, and asks
the origin when in doubt), and the signed messages between servers (``receive`` checks each:
signature over the whole message, fresh timestamp, unseen nonce). Every step is committed before
the message it causes is sent, so ``tick`` (run by ``serve``'s scheduler and by
``cybermutual tick``) finds in the rows whatever is still owed to a peer after a crash, and
resends it with backoff until it is answered. Peers on this same server go through the very same
messages, delivered in-process by the transport.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import (
    CrossPaymentNotFound,
    CrossPaymentRefused,
    DomainError,
    InvalidValue,
    LinkNotActive,
    LinkNotFound,
    MessageRefused,
    PeerUnreachable,
)
from cybermutual.domain.federation import messages as msg
from cybermutual.domain.federation.links import (
    Link,
    LinkEvent,
    LinkState,
    Netting,
    Peer,
    Terms,
    after_suspensions,
    check_incoming,
    check_outgoing,
    next_state,
)
from cybermutual.domain.federation.messages import MessageKind
from cybermutual.domain.federation.payments import (
    MAX_BACKOFF,
    PREPARE_TIMEOUT,
    CrossPayment,
    Ledger,
    PaymentState,
    Side,
    Step,
    step,
)
from cybermutual.domain.federation.rate import Rate, check_convertible
from cybermutual.domain.ledger import TransferKind
from cybermutual.domain.membership import require_active
from cybermutual.domain.money import check_amount
from cybermutual.services.bookkeeping import Books
from cybermutual.services.federation_links import closed, new_link, settled_if_zero
from cybermutual.services.federation_ports import CollectiveKeys, PeerAnswered, PeerTransport
from cybermutual.services.idempotency import IdempotentRequest
from cybermutual.services.ids import new_id
from cybermutual.services.loading import active_member_collective, check_limit, load_collective
from cybermutual.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

#: Offers from other collectives waiting for our members' vote, at most (each is a row and an
#: account: a stranger's server must not be able to fill the database with them).
MAX_OFFERS = 100
#: A destination that holds money waits this long for the decision before it asks the origin.
ASK_AFTER = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class LinkView:
    link: Link
    position: int  # ours: positive, we owe the peer; negative, the peer owes us
    held_out: int
    held_in: int
    currency: str
    #: the peer's position as our records say it must be, in its currency (its mirror)
    peer_position: int
    payments: int
    clearings: list[tuple[str, Netting, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CrossPaymentView:
    payment: CrossPayment
    peer: Peer
    currency: str
    peer_currency: str | None


@dataclass(slots=True)
class FederationReport:
    messages_sent: int = 0
    payments_resolved: int = 0
    clearings: int = 0
    nonces_forgotten: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "messages_sent": self.messages_sent,
            "payments_resolved": self.payments_resolved,
            "clearings": self.clearings,
            "nonces_forgotten": self.nonces_forgotten,
            "errors": self.errors,
        }


def _split(address: str) -> Peer:
    url, _, slug = address.rpartition("#")
    if not slug:
        raise MessageRefused("a sender or recipient is 'URL#slug'", reason="malformed")
    return Peer(slug, url or None)


def _text(body: dict[str, Any], key: str, *, high: int = 500) -> str:
    value = body.get(key)
    if not isinstance(value, str) or len(value) > high:
        raise MessageRefused(f"body.{key} must be text", reason="malformed")
    return value


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MessageRefused(f"body.{key} must be a whole number", reason="malformed")
    return value


class FederationService:
    """This server's side of every link (see the module)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        clock: Clock,
        keys: CollectiveKeys,
        transport: PeerTransport | None = None,
        public_url: str | None = None,
        prepare_timeout: timedelta = PREPARE_TIMEOUT,
        longest_wait: timedelta = MAX_BACKOFF,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.keys = keys
        self.transport = transport  # set by bootstrap (it needs this service for local peers)
        self.public_url = public_url.rstrip("/") if public_url else None
        self.prepare_timeout = prepare_timeout
        self.longest_wait = longest_wait

    # --- what members see -------------------------------------------------------------------

    def links(self, slug: str, *, member_id: str) -> list[LinkView]:
        with self._uow(readonly=True) as uow:
            collective = active_member_collective(uow, slug, member_id)
            return [
                self._link_view(uow, collective, link)
                for link in uow.federation.links_of(collective.id)
            ]

    def link(self, slug: str, *, member_id: str, link_id: str) -> LinkView:
        with self._uow(readonly=True) as uow:
            collective = active_member_collective(uow, slug, member_id)
            link = self._link_of(uow, collective, link_id)
            return self._link_view(uow, collective, link, clearings=True)

    @staticmethod
    def _link_of(uow: UnitOfWork, collective: Collective, link_id: str) -> Link:
        found = uow.federation.link(link_id)
        if found is None or found[0].collective_id != collective.id:
            raise LinkNotFound("no such link in this collective", link=link_id)
        return found[0]

    @staticmethod
    def _link_view(
        uow: UnitOfWork, collective: Collective, link: Link, *, clearings: bool = False
    ) -> LinkView:
        account = uow.accounts.get(link.account_id)
        held = uow.federation.held(link.id)
        payments = uow.federation.of_link(link.id)
        mirror = 0
        for p in payments:
            if p.state is PaymentState.COMMITTED:
                mirror += -p.amount_theirs if p.side is Side.ORIGIN else p.amount_theirs
        return LinkView(
            link=link,
            position=0 if account is None else account.balance,
            held_out=held.out,
            held_in=held.into,
            currency=collective.currency.code,
            peer_position=mirror,
            payments=sum(1 for p in payments if p.state is PaymentState.COMMITTED),
            clearings=uow.federation.clearings(link.id, limit=30) if clearings else [],
        )

    def cross_payments(
        self, slug: str, *, member_id: str, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[CrossPaymentView], str | None]:
        with self._uow(readonly=True) as uow:
            collective = active_member_collective(uow, slug, member_id)
            items, next_cursor = uow.federation.of_member(
                collective.id, member_id, limit=check_limit(limit), cursor=cursor
            )
            return [self._payment_view(uow, collective, p) for p in items], next_cursor

    def cross_payment(self, slug: str, *, member_id: str, payment_id: str) -> CrossPaymentView:
        with self._uow(readonly=True) as uow:
            collective = active_member_collective(uow, slug, member_id)
            p = uow.federation.payment_by_id(payment_id)
            mine = p is not None and (
                (p.side is Side.ORIGIN and p.payer == member_id)
                or (p.side is Side.DESTINATION and p.payee == member_id)
            )
            if p is None or p.collective_id != collective.id or not mine:
                raise CrossPaymentNotFound("no such cross-payment of yours", payment=payment_id)
            return self._payment_view(uow, collective, p)

    @staticmethod
    def _payment_view(uow: UnitOfWork, collective: Collective, p: CrossPayment) -> CrossPaymentView:
        found = uow.federation.link(p.link_id)
        assert found is not None
        link = found[0]
        return CrossPaymentView(p, link.peer, collective.currency.code, link.peer_currency)

    # --- paying across a link (origin) ------------------------------------------------------

    def pay(
        self,
        slug: str,
        *,
        payer: str,
        link_id: str,
        payee: str,
        amount: int,
        memo: str,
        idempotency_key: str,
    ) -> CrossPaymentView:
        """Hold ``amount`` (ours) from the payer on the link, then ask the peer to hold the
        converted amount for ``payee`` (a member id there); both post, or both void.

        Answers once the payment is decided, or still ``preparing`` when the peer did not
        answer (it is then resolved in the background; the same key asks again safely). A
        refusal by the peer is ``cross_payment_refused``, with nothing paid.
        """
        check_amount(amount)
        if not payee or len(payee) > 64:
            raise InvalidValue("to is the payee's member id in the other collective", field="to")
        idem = IdempotentRequest.of(
            payer,
            idempotency_key,
            "cross_pay",
            {"link": link_id, "to": payee, "amount": amount, "memo": memo},
        )
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, payer)
            payment_id = idem.earlier(uow, collective.id)
            if payment_id is None:
                payment_id = self._hold(
                    uow, collective, idem, link_id, payer, payee, amount, memo, now
                )
                uow.commit()
        self.resolve(payment_id)
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            payment = uow.federation.payment_by_id(payment_id)
            assert payment is not None
            view = self._payment_view(uow, collective, payment)
        if payment.state is PaymentState.ABORTED:
            raise CrossPaymentRefused(
                f"nothing was paid: {payment.reason or 'the other collective refused it'}",
                payment=payment.id,
            )
        return view

    def _hold(
        self,
        uow: UnitOfWork,
        collective: Collective,
        idem: IdempotentRequest,
        link_id: str,
        payer: str,
        payee: str,
        amount: int,
        memo: str,
        now: datetime,
    ) -> str:
        found = uow.federation.lock_link(link_id)
        if found is None or found[0].collective_id != collective.id:
            raise LinkNotFound("no such link in this collective", link=link_id)
        link = found[0]
        if link.peer_decimals is None or link.peer_link_id is None:
            raise LinkNotActive("this link is not agreed by both sides yet", link=link.id)
        amount_theirs = check_convertible(
            amount, link.terms.rate, ours=collective.currency.decimals, theirs=link.peer_decimals
        )
        account = uow.accounts.lock([link.account_id])[link.account_id]
        check_outgoing(
            link, position=account.balance, held_out=uow.federation.held(link.id).out, amount=amount
        )
        books = Books(uow, collective, now=now)
        books.adopt(account)
        books.lock_members([payer])
        if (earlier := idem.earlier(uow, collective.id)) is not None:  # a twin committed first
            return earlier
        require_active(books.membership(payer))
        transfer = books.move(
            books.account_of(payer),
            account,
            amount,
            kind=TransferKind.CLEARING,
            memo=memo,
            pending=True,
            initiated_by=payer,
        )
        books.close()
        payment_id = new_id()
        uow.federation.add_payment(
            CrossPayment(
                id=payment_id,
                collective_id=collective.id,
                link_id=link.id,
                side=Side.ORIGIN,
                payment_ref=payment_id,
                state=PaymentState.PREPARING,
                payer=payer,
                payee=payee,
                amount_ours=amount,
                amount_theirs=amount_theirs,
                memo=memo,
                created_at=now,
                deadline=now + self.prepare_timeout,
                next_attempt_at=now,
                transfer_id=transfer.id,
            )
        )
        idem.record(uow, collective.id, payment_id, now=now)
        return payment_id

    # --- driving a payment to its end -------------------------------------------------------

    def resolve(self, payment_id: str) -> bool:
        """Take one payment as far as it can go now (a few messages at most); True when this
        side owes its peer nothing more for it."""
        for _ in range(4):
            with self._uow(readonly=True) as uow:
                p = uow.federation.payment_by_id(payment_id)
                if p is None:
                    return True
                found = uow.federation.link(p.link_id)
            assert found is not None
            link = found[0]
            if p.side is Side.DESTINATION:
                if p.state is not PaymentState.PREPARED:
                    return True
                return self._ask_origin(p, link)
            if p.state is PaymentState.PREPARING:
                if self._clock.now() >= p.deadline:
                    self._decide(
                        p, Step.TIMEOUT, reason="the other collective did not answer in time"
                    )
                    continue
                if not self._prepare(p, link):
                    return False
                continue
            if p.peer_done:
                return True
            return self._tell(p, link)
        return False

    def _slug_of(self, collective_id: str) -> Collective:
        with self._uow(readonly=True) as uow:
            for collective in self._collectives(uow, collective_id):
                return collective
        raise LinkNotFound("the link's collective is gone")

    @staticmethod
    def _collectives(uow: UnitOfWork, collective_id: str) -> list[Collective]:
        slug = uow.governance.slugs([collective_id]).get(collective_id)
        found = uow.collectives.by_slug(slug) if slug else None
        return [found] if found is not None else []

    def _prepare(self, p: CrossPayment, link: Link) -> bool:
        collective = self._slug_of(p.collective_id)
        body = {
            "link": link.peer_link_id,
            "payment": p.payment_ref,
            "payer": p.payer,
            "payee": p.payee,
            "amount": p.amount_ours,
            "converted": p.amount_theirs,
            "memo": p.memo,
        }
        try:
            answer = self._send(collective, link, MessageKind.PREPARE, body)
        except PeerUnreachable:
            self._later(p)
            return False
        except PeerAnswered as refusal:
            self._decide(p, Step.REFUSED, reason=f"{refusal.code}: {refusal.body.get('detail')}")
            return True
        if answer.get("state") == PaymentState.PREPARED.value:
            self._decide(p, Step.PREPARED)
        else:
            self._decide(p, Step.REFUSED, reason=str(answer.get("reason") or "refused"))
        return True

    def _tell(self, p: CrossPayment, link: Link) -> bool:
        collective = self._slug_of(p.collective_id)
        kind = MessageKind.COMMIT if p.state is PaymentState.COMMITTED else MessageKind.ABORT
        body = {"link": link.peer_link_id or "", "payment": p.payment_ref}
        try:
            self._send(collective, link, kind, body)
        except PeerUnreachable:
            self._later(p)
            return False
        except PeerAnswered as refusal:  # a protocol violation: logged, never retried forever
            log.error("federation: %s of %s refused by the peer: %s", kind.value, p.id, refusal)
        with self._uow() as uow:
            current = uow.federation.lock_payment(p.collective_id, p.side, p.payment_ref)
            if current is not None and not current.peer_done:
                uow.federation.save_payment(replace(current, peer_done=True))
                uow.commit()
        return True

    def _ask_origin(self, p: CrossPayment, link: Link) -> bool:
        collective = self._slug_of(p.collective_id)
        try:
            answer = self._send(
                collective,
                link,
                MessageKind.STATUS,
                {"link": link.peer_link_id or "", "payment": p.payment_ref},
            )
        except (PeerUnreachable, PeerAnswered):
            self._later(p)
            return False
        state = answer.get("state")
        if state == PaymentState.COMMITTED.value:
            self._follow(p.collective_id, p.payment_ref, Step.COMMIT)
        elif state in (PaymentState.ABORTED.value, "unknown"):
            self._follow(p.collective_id, p.payment_ref, Step.ABORT)
        else:  # still undecided there
            self._later(p)
            return False
        return True

    def _later(self, p: CrossPayment) -> None:
        with self._uow() as uow:
            current = uow.federation.lock_payment(p.collective_id, p.side, p.payment_ref)
            if current is not None:
                uow.federation.save_payment(
                    current.retry_later(now=self._clock.now(), longest=self.longest_wait)
                )
                uow.commit()

    def _decide(self, p: CrossPayment, event: Step, *, reason: str | None = None) -> None:
        """The origin's decision, committed before anyone is told of it."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, self._slug_of(p.collective_id).slug)
            found = uow.federation.lock_link(p.link_id)
            assert found is not None
            current = uow.federation.lock_payment(p.collective_id, Side.ORIGIN, p.payment_ref)
            if current is None or current.state is not PaymentState.PREPARING:
                return  # decided meanwhile by another worker
            state, ledger = step(Side.ORIGIN, current.state, event)
            self._settle(uow, collective, found[0], current, ledger, member=current.payer, now=now)
            uow.federation.save_payment(current.moved(state, now=now, reason=reason))
            self._maybe_settled(uow, found[0], now=now)
            uow.commit()

    def _follow(self, collective_id: str, ref: str, event: Step) -> dict[str, Any]:
        """The destination applies the origin's decision."""
        now = self._clock.now()
        with self._uow() as uow:
            answer = self._apply_decision(uow, collective_id, ref, event, now=now, body={})
            uow.commit()
        return answer

    def _apply_decision(
        self,
        uow: UnitOfWork,
        collective_id: str,
        ref: str,
        event: Step,
        *,
        now: datetime,
        body: dict[str, Any],
        link: Link | None = None,
    ) -> dict[str, Any]:
        current = uow.federation.lock_payment(collective_id, Side.DESTINATION, ref)
        if current is None:
            if link is None or event is not Step.ABORT:
                raise CrossPaymentNotFound("no such cross-payment here", payment=ref)
            state, _ = step(Side.DESTINATION, None, event)
            uow.federation.add_payment(
                CrossPayment(
                    id=new_id(),
                    collective_id=collective_id,
                    link_id=link.id,
                    side=Side.DESTINATION,
                    payment_ref=ref,
                    state=state,
                    payer="",
                    payee="",
                    amount_ours=0,
                    amount_theirs=0,
                    memo="",
                    created_at=now,
                    deadline=now,
                    next_attempt_at=now,
                    reason="aborted by the origin before it was prepared here",
                    decided_at=now,
                )
            )
            return {"state": state.value}
        state, ledger = step(Side.DESTINATION, current.state, event)
        if ledger is not Ledger.NONE:
            collective = load_collective(uow, self._collectives(uow, collective_id)[0].slug)
            found = uow.federation.lock_link(current.link_id)
            assert found is not None
            self._settle(uow, collective, found[0], current, ledger, member=current.payee, now=now)
            uow.federation.save_payment(current.moved(state, now=now))
            self._maybe_settled(uow, found[0], now=now)
        return {"state": state.value}

    @staticmethod
    def _settle(
        uow: UnitOfWork,
        collective: Collective,
        link: Link,
        p: CrossPayment,
        ledger: Ledger,
        *,
        member: str,
        now: datetime,
    ) -> None:
        if ledger is Ledger.NONE or p.transfer_id is None:
            return
        account = uow.accounts.lock([link.account_id])[link.account_id]
        books = Books(uow, collective, now=now)
        books.adopt(account)
        books.lock_members([member])
        transfer = uow.transfers.get(p.transfer_id)
        assert transfer is not None
        books.settle(transfer, post=ledger is Ledger.POST)
        books.close()

    @staticmethod
    def _maybe_settled(uow: UnitOfWork, link: Link, *, now: datetime) -> None:
        if link.state is not LinkState.CLOSING:
            return
        found = uow.federation.link(link.id)
        assert found is not None
        changed = settled_if_zero(uow, found[0], now=now)
        if changed.state is not found[0].state:
            uow.federation.save_link(changed, outbox=found[1])

    # --- messages ---------------------------------------------------------------------------

    def _seal(
        self, collective: Collective, link: Link, kind: MessageKind, body: dict[str, Any]
    ) -> dict[str, Any]:
        own = "" if link.peer.url is None else (self.public_url or "")
        key_id, _ = self.keys.public_key(collective.slug)
        message = {
            "kind": kind.value,
            "sender": f"{own}#{collective.slug}",
            "recipient": f"{link.peer.url or ''}#{link.peer.slug}",
            "key_id": key_id,
            "timestamp": self._clock.now().isoformat(),
            "nonce": secrets.token_hex(16),
            "body": body,
        }
        signed_by, signature = self.keys.sign(collective.slug, msg.canonical(message))
        if signed_by != key_id:  # the key was rotated in between: sign again with the new one
            return self._seal(collective, link, kind, body)
        return {"message": message, "signature": signature}

    def _send(
        self, collective: Collective, link: Link, kind: MessageKind, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Deliver a signed message and return the peer's answer, once its signature (by the
        peer's key, over the answer and our message's nonce) is checked: an answer that is not
        the peer's counts as no answer at all (the message is resent; nothing is decided)."""
        if self.transport is None:
            raise PeerUnreachable("no transport to other servers", retry_after_seconds=5)
        wire = self._seal(collective, link, kind, body)
        answer = self.transport.send(link.peer.url, wire)
        signed = answer.pop("signature", None)
        data = msg.canonical({"answer": answer, "reply_to": wire["message"]["nonce"]})
        key_id, public = link.peer_key_id, link.peer_public_key
        if not isinstance(signed, dict) or signed.get("key_id") != key_id or public is None:
            key_id, public = self.transport.public_key(link.peer.url, link.peer.slug)
        if (
            not isinstance(signed, dict)
            or signed.get("key_id") != key_id
            or not isinstance(signed.get("value"), str)
            or not self.keys.verify(public, data, signed["value"])
        ):
            log.error("federation: an answer to %s is not signed by %s", kind.value, link.peer)
            raise PeerUnreachable("the peer's answer is not signed by it", retry_after_seconds=5)
        return answer

    def receive(self, wire: object) -> dict[str, Any]:
        """One signed message from a peer server (``POST /federation/v1/messages``)."""
        if (
            not isinstance(wire, dict)
            or set(wire) != {"message", "signature"}
            or not isinstance(wire["signature"], str)
        ):
            raise MessageRefused("a message is {message, signature}", reason="malformed")
        message = msg.check_shape(wire["message"])
        now = self._clock.now()
        msg.check_fresh(message, now=now)
        sender = _split(message["sender"])
        recipient = _split(message["recipient"])
        kind = MessageKind(message["kind"])
        key = self._sender_key(
            recipient.slug, sender, message["key_id"], offer=kind is MessageKind.LINK_OFFER
        )
        if not self.keys.verify(key[1], msg.canonical(message), wire["signature"]):
            raise MessageRefused("the signature does not match the message", reason="bad_signature")
        with self._uow() as uow:
            collective = load_collective(uow, recipient.slug)
            if not uow.federation.remember_nonce(message["key_id"], message["nonce"], now=now):
                raise MessageRefused("this message was received before", reason="replayed")
            answer = self._dispatch(uow, collective, sender, kind, message["body"], key, now=now)
            uow.commit()
        # signed too, and bound to the message it answers (its nonce): not replayable
        key_id, signature = self.keys.sign(
            collective.slug, msg.canonical({"answer": answer, "reply_to": message["nonce"]})
        )
        return {**answer, "signature": {"key_id": key_id, "value": signature}}

    def _sender_key(self, slug: str, sender: Peer, key_id: str, *, offer: bool) -> tuple[str, str]:
        """The sender's public key: the one its link recorded, or, for an offer, the one its
        server publishes (trust on first use, checked again on every offer)."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            link = uow.federation.link_to(collective.id, sender)
        if link is not None and link.peer_key_id == key_id and link.peer_public_key:
            return key_id, link.peer_public_key
        if not offer and (link is None or link.peer_public_key is None):
            raise MessageRefused(
                "no link with the sender: it must offer one first", reason="unknown_sender"
            )
        if self.transport is None:
            raise PeerUnreachable("no transport to other servers", retry_after_seconds=5)
        published = self.transport.public_key(sender.url, sender.slug)
        if published[0] != key_id:
            raise MessageRefused(
                "the message is not signed with the sender's published key", reason="unknown_key"
            )
        return published

    def _dispatch(
        self,
        uow: UnitOfWork,
        collective: Collective,
        sender: Peer,
        kind: MessageKind,
        body: dict[str, Any],
        key: tuple[str, str],
        *,
        now: datetime,
    ) -> dict[str, Any]:
        if kind is MessageKind.LINK_OFFER:
            return self._on_offer(uow, collective, sender, body, key, now=now)
        link = uow.federation.link_to(collective.id, sender)
        if link is None:
            raise LinkNotFound("no link with the sender here")
        locked = uow.federation.lock_link(link.id)
        assert locked is not None
        link, outbox = locked
        if kind is MessageKind.LINK_ACCEPT:
            return self._on_accept(uow, collective, link, outbox, body, key, now=now)
        if kind is MessageKind.LINK_SUSPEND:
            held = body.get("suspended")
            if not isinstance(held, bool):
                raise MessageRefused("body.suspended must be true or false", reason="malformed")
            changed = after_suspensions(replace(link, suspended_by_peer=held), now=now)
            uow.federation.save_link(changed, outbox=outbox)
            return {"state": changed.state.value}
        if kind is MessageKind.LINK_CLOSE:
            changed = closed(uow, link, LinkEvent.PEER_CLOSE, now=now)
            uow.federation.save_link(changed, outbox=outbox)
            return {"state": changed.state.value}
        ref = _text(body, "payment", high=32)
        if kind is MessageKind.PREPARE:
            return self._on_prepare(uow, collective, link, body, ref, now=now)
        if kind is MessageKind.STATUS:
            p = uow.federation.payment(collective.id, Side.ORIGIN, ref)
            return {"state": "unknown" if p is None else p.state.value}
        event = Step.COMMIT if kind is MessageKind.COMMIT else Step.ABORT
        return self._apply_decision(uow, collective.id, ref, event, now=now, body=body, link=link)

    def _peer_terms(self, body: dict[str, Any]) -> tuple[Terms, str, int, str]:
        try:
            rate = Rate.parse(_text(body, "rate", high=60))
        except InvalidValue as exc:
            raise MessageRefused(exc.detail, reason="malformed") from None
        decimals = _int(body, "decimals")
        if not 0 <= decimals <= 6:
            raise MessageRefused("body.decimals must be 0..6", reason="malformed")
        terms = Terms(rate, _int(body, "limit_out"), _int(body, "limit_in"))
        return terms, _text(body, "currency", high=10), decimals, _text(body, "link", high=32)

    def _with_peer(self, link: Link, body: dict[str, Any], key: tuple[str, str]) -> Link:
        terms, currency, decimals, peer_link = self._peer_terms(body)
        return replace(
            link,
            peer_terms=terms,
            peer_currency=currency,
            peer_decimals=decimals,
            peer_link_id=peer_link,
            peer_key_id=key[0],
            peer_public_key=key[1],
        )

    def _terms_body(self, collective: Collective, link: Link) -> dict[str, Any]:
        return {
            "link": link.id,
            "rate": str(link.terms.rate),
            "limit_out": link.terms.limit_out,
            "limit_in": link.terms.limit_in,
            "currency": collective.currency.code,
            "decimals": collective.currency.decimals,
        }

    def _on_offer(
        self,
        uow: UnitOfWork,
        collective: Collective,
        sender: Peer,
        body: dict[str, Any],
        key: tuple[str, str],
        *,
        now: datetime,
    ) -> dict[str, Any]:
        terms, *_ = self._peer_terms(body)
        existing = uow.federation.link_to(collective.id, sender)
        if existing is None:
            waiting = [
                link
                for link in uow.federation.links_of(collective.id)
                if link.state is LinkState.OFFERED
            ]
            if len(waiting) >= MAX_OFFERS:
                raise LinkNotActive(
                    f"this collective has {MAX_OFFERS} offers its members have not voted on; "
                    "offer again later",
                    reason="too_many_offers",
                )
            # not agreed by our members yet: no limits of ours until they pass open_link
            ours = Terms(terms.rate.inverse, 0, 0)
            link = new_link(uow, collective, sender, ours, LinkState.OFFERED, now=now)
            link = self._with_peer(link, body, key)
            uow.federation.add_link(link, outbox=None)
            return {"state": link.state.value, **self._terms_body(collective, link)}
        locked = uow.federation.lock_link(existing.id)
        assert locked is not None
        link, outbox = locked
        state = next_state(link.state, LinkEvent.PEER_OFFER)
        changed = self._with_peer(link, body, key)
        if link.state is LinkState.AWAITING_PEER:
            if changed.terms_match:
                changed = changed.with_state(LinkState.ACTIVE, now=now)
                outbox = None  # this answer is our accept
        elif link.state is LinkState.CLOSED:
            changed = replace(
                changed,
                suspended_by_us=False,
                suspended_by_peer=False,
                activated_at=None,
                closed_at=None,
            ).with_state(state, now=now)
            changed = replace(changed, terms=Terms(terms.rate.inverse, 0, 0))
            uow.accounts.set_credit_limit(link.account_id, 0)
        elif link.state in (LinkState.ACTIVE, LinkState.SUSPENDED, LinkState.CLOSING):
            changed = replace(changed, peer_terms=changed.peer_terms)  # its new limits, noted
        uow.federation.save_link(changed, outbox=outbox)
        return {"state": changed.state.value, **self._terms_body(collective, changed)}

    def _on_accept(
        self,
        uow: UnitOfWork,
        collective: Collective,
        link: Link,
        outbox: str | None,
        body: dict[str, Any],
        key: tuple[str, str],
        *,
        now: datetime,
    ) -> dict[str, Any]:
        next_state(link.state, LinkEvent.PEER_ACCEPT)
        changed = self._with_peer(link, body, key)
        if link.state is LinkState.AWAITING_PEER and changed.terms_match:
            changed = changed.with_state(LinkState.ACTIVE, now=now)
            if outbox == MessageKind.LINK_OFFER.value:
                outbox = None
        uow.federation.save_link(changed, outbox=outbox)
        return {"state": changed.state.value, **self._terms_body(collective, changed)}

    def _on_prepare(
        self,
        uow: UnitOfWork,
        collective: Collective,
        link: Link,
        body: dict[str, Any],
        ref: str,
        *,
        now: datetime,
    ) -> dict[str, Any]:
        existing = uow.federation.lock_payment(collective.id, Side.DESTINATION, ref)
        if existing is not None:
            state, _ = step(Side.DESTINATION, existing.state, Step.PREPARE)
            return {"state": state.value, "reason": existing.reason}
        payer = _text(body, "payer", high=64)
        payee = _text(body, "payee", high=64)
        amount = _int(body, "amount")
        converted = _int(body, "converted")
        memo = _text(body, "memo")
        reason: str | None = None
        transfer_id: str | None = None
        try:
            if link.peer_decimals is None:
                raise LinkNotActive("this link is not agreed by both sides yet", link=link.id)
            ours = link.terms.rate.convert_back(
                check_amount(amount), ours=collective.currency.decimals, theirs=link.peer_decimals
            )
            if ours != converted:
                raise InvalidValue(
                    f"the payment converts to {ours} here, not {converted}: the rates differ"
                )
            account = uow.accounts.lock([link.account_id])[link.account_id]
            check_incoming(
                link,
                position=account.balance,
                held_in=uow.federation.held(link.id).into,
                amount=ours,
            )
            books = Books(uow, collective, now=now)
            books.adopt(account)
            books.lock_members([payee])
            books.require_payee(payee)
            transfer = books.move(
                account,
                books.account_of(payee),
                ours,
                kind=TransferKind.CLEARING,
                memo=memo,
                pending=True,
            )
            books.close()
            transfer_id = transfer.id
            state, _ = step(Side.DESTINATION, None, Step.PREPARE_OK)
        except DomainError as refusal:
            state, _ = step(Side.DESTINATION, None, Step.PREPARE_NO)
            reason = f"{refusal.code}: {refusal.detail}"
            ours = converted
        uow.federation.add_payment(
            CrossPayment(
                id=new_id(),
                collective_id=collective.id,
                link_id=link.id,
                side=Side.DESTINATION,
                payment_ref=ref,
                state=state,
                payer=payer,
                payee=payee,
                amount_ours=ours if state is PaymentState.PREPARED else 0,
                amount_theirs=amount,
                memo=memo,
                created_at=now,
                deadline=now,
                next_attempt_at=now + min(ASK_AFTER, self.longest_wait),
                transfer_id=transfer_id,
                reason=reason,
                decided_at=now if state.final else None,
            )
        )
        return {"state": state.value, "reason": reason}

    # --- the background ---------------------------------------------------------------------

    def tick(self, *, limit: int = 200) -> FederationReport:
        """Deliver what links owe their peers, drive due payments, net yesterday's flows."""
        report = FederationReport()
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            outboxes = uow.federation.with_outbox(limit=limit)
            due = uow.federation.due(now=now, limit=limit)
        for link, _kind in outboxes:
            try:
                if self.deliver(link.id):
                    report.messages_sent += 1
            except DomainError as exc:
                report.errors.append(f"link {link.id}: {exc.code}: {exc.detail}")
        for p in due:
            try:
                if self.resolve(p.id):
                    report.payments_resolved += 1
            except DomainError as exc:
                report.errors.append(f"payment {p.id}: {exc.code}: {exc.detail}")
        report.clearings = self.net(now=now)
        with self._uow() as uow:
            report.nonces_forgotten = uow.federation.forget_nonces(before=now - msg.NONCE_MEMORY)
            uow.commit()
        return report

    def deliver(self, link_id: str) -> bool:
        """Send the message a link owes its peer; True once the peer has answered it."""
        with self._uow(readonly=True) as uow:
            found = uow.federation.link(link_id)
            if found is None or found[1] is None:
                return False
            link, outbox = found
            assert outbox is not None
            collective = self._collectives(uow, link.collective_id)[0]
        kind = MessageKind(outbox)
        body = self._terms_body(collective, link)
        if kind is MessageKind.LINK_SUSPEND:
            body = {"link": link.peer_link_id or "", "suspended": link.suspended_by_us}
        elif kind is MessageKind.LINK_CLOSE:
            body = {"link": link.peer_link_id or ""}
        try:
            answer = self._send(collective, link, kind, body)
        except PeerUnreachable:
            return False
        except PeerAnswered as refusal:
            log.warning("federation: %s for link %s refused: %s", kind.value, link.id, refusal)
            answer = None
        now = self._clock.now()
        with self._uow() as uow:
            locked = uow.federation.lock_link(link.id)
            assert locked is not None
            current, still = locked
            if still != outbox:
                return True  # a newer vote changed what is owed; the next tick sends that
            if answer is not None and kind in (MessageKind.LINK_OFFER, MessageKind.LINK_ACCEPT):
                current = self._answered(current, answer, now=now)
            uow.federation.save_link(current, outbox=None)
            uow.commit()
        return True

    def _answered(self, link: Link, answer: dict[str, Any], *, now: datetime) -> Link:
        try:
            changed = self._with_peer(
                link, answer, (link.peer_key_id or "", link.peer_public_key or "")
            )
        except MessageRefused:
            return link
        if link.peer_public_key is None:  # learn the peer's key now, for its messages to come
            key = (
                self.transport.public_key(link.peer.url, link.peer.slug) if self.transport else None
            )
            if key is not None:
                changed = replace(changed, peer_key_id=key[0], peer_public_key=key[1])
        if (
            answer.get("state") == LinkState.ACTIVE.value
            and link.state is LinkState.AWAITING_PEER
            and changed.terms_match
        ):
            changed = changed.with_state(LinkState.ACTIVE, now=now)
        return changed

    def net(self, *, now: datetime) -> int:
        """Record each link's netting for every finished day since it was last recorded
        (yesterday, normally): gross flows each way, the net, the position at the end."""
        day = now.date()
        period_key = (day - timedelta(days=1)).isoformat()
        start = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo)
        recorded = 0
        with self._uow() as uow:
            for link_id, account_id in uow.federation.clearable():
                flows = uow.federation.flows(link_id, since=start, until=start + timedelta(days=1))
                account = uow.accounts.get(account_id)
                position = 0 if account is None else account.balance
                if uow.federation.add_clearing(
                    link_id, period_key, flows, position=position, now=now
                ):
                    recorded += 1
            uow.commit()
        return recorded

    # --- keys, for the peers' first contact -------------------------------------------------

    def public_key(self, slug: str) -> tuple[str, str]:
        return self.keys.public_key(slug)
