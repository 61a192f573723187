"""A cross-payment's two-phase commit, as two transition tables (origin and destination).

The **origin** (the payer's collective) coordinates and decides; the **destination** holds and
follows. Every step is recorded before the message it causes is sent, so a server that restarts
finds in its own rows what it still owes its peer (``needs_sending``), and every message is safe
to receive twice (duplicates answer with the state already reached).

Origin:  ``preparing`` (payer -> link account held) -- prepared --> ``committed`` (posted);
         -- refused / timed out --> ``aborted`` (voided). Then it tells the destination until it
         acknowledges (``peer_done``).
Destination: a ``prepare`` holds link account -> payee (``prepared``) or is ``refused``;
         ``commit`` posts it, ``abort`` voids it; an abort before any prepare leaves an
         ``aborted`` tombstone, so a late prepare is refused instead of holding money.

The origin never decides commit without the destination's ``prepared``; once ``prepared``, the
destination never lets go by itself: in doubt, it asks the origin (``status``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from cybermutual.domain.errors import InvalidTransition

#: How long the origin keeps asking the destination to prepare before it decides to abort.
PREPARE_TIMEOUT = timedelta(minutes=2)
#: Retries back off exponentially from one second up to this.
MAX_BACKOFF = timedelta(seconds=60)


class Side(StrEnum):
    ORIGIN = "origin"
    DESTINATION = "destination"


class PaymentState(StrEnum):
    PREPARING = "preparing"  # origin: held here, asking the destination
    PREPARED = "prepared"  # destination: held here, waiting for the origin's decision
    COMMITTED = "committed"
    ABORTED = "aborted"
    REFUSED = "refused"  # destination: never held (a closed link, a limit, no such member)

    @property
    def final(self) -> bool:
        return self in (PaymentState.COMMITTED, PaymentState.ABORTED, PaymentState.REFUSED)


class Step(StrEnum):
    PREPARE = "prepare"  # destination receives it
    PREPARE_OK = "prepare_ok"  # destination: could hold
    PREPARE_NO = "prepare_no"  # destination: could not
    PREPARED = "prepared"  # origin receives the destination's yes
    REFUSED = "refused"  # origin receives the destination's no
    TIMEOUT = "timeout"  # origin: no answer within the deadline
    COMMIT = "commit"  # destination receives the decision
    ABORT = "abort"  # destination receives the decision


class Ledger(StrEnum):
    """What the step does to this side's hold."""

    HOLD = "hold"
    POST = "post"
    VOID = "void"
    NONE = "none"


P = PaymentState
St = Step
L = Ledger
#: (side, state or None for no row yet, step) -> (next state, what it does to the ledger).
TRANSITIONS: dict[tuple[Side, PaymentState | None, Step], tuple[PaymentState, Ledger]] = {
    (Side.ORIGIN, P.PREPARING, St.PREPARED): (P.COMMITTED, L.POST),
    (Side.ORIGIN, P.PREPARING, St.REFUSED): (P.ABORTED, L.VOID),
    (Side.ORIGIN, P.PREPARING, St.TIMEOUT): (P.ABORTED, L.VOID),
    (Side.ORIGIN, P.COMMITTED, St.PREPARED): (P.COMMITTED, L.NONE),  # a late duplicate
    (Side.ORIGIN, P.ABORTED, St.PREPARED): (P.ABORTED, L.NONE),  # too late: it gets an abort
    (Side.ORIGIN, P.ABORTED, St.REFUSED): (P.ABORTED, L.NONE),
    (Side.ORIGIN, P.ABORTED, St.TIMEOUT): (P.ABORTED, L.NONE),
    (Side.DESTINATION, None, St.PREPARE_OK): (P.PREPARED, L.HOLD),
    (Side.DESTINATION, None, St.PREPARE_NO): (P.REFUSED, L.NONE),
    (Side.DESTINATION, None, St.ABORT): (P.ABORTED, L.NONE),  # tombstone
    (Side.DESTINATION, P.PREPARED, St.PREPARE): (P.PREPARED, L.NONE),
    (Side.DESTINATION, P.PREPARED, St.COMMIT): (P.COMMITTED, L.POST),
    (Side.DESTINATION, P.PREPARED, St.ABORT): (P.ABORTED, L.VOID),
    (Side.DESTINATION, P.COMMITTED, St.PREPARE): (P.COMMITTED, L.NONE),
    (Side.DESTINATION, P.COMMITTED, St.COMMIT): (P.COMMITTED, L.NONE),
    (Side.DESTINATION, P.ABORTED, St.PREPARE): (P.ABORTED, L.NONE),
    (Side.DESTINATION, P.ABORTED, St.ABORT): (P.ABORTED, L.NONE),
    (Side.DESTINATION, P.REFUSED, St.PREPARE): (P.REFUSED, L.NONE),
    (Side.DESTINATION, P.REFUSED, St.ABORT): (P.REFUSED, L.NONE),
}


def step(side: Side, state: PaymentState | None, event: Step) -> tuple[PaymentState, Ledger]:
    """The next state and the ledger's part; a step the table lacks is a protocol violation
    (a commit for a payment refused here, an abort after a commit) and is refused."""
    found = TRANSITIONS.get((side, state, event))
    if found is None:
        now = "unknown" if state is None else state.value
        raise InvalidTransition(
            f"{event.value} does not apply to a {side.value} payment that is {now}",
            state=now,
        )
    return found


def needs_sending(side: Side, state: PaymentState, *, peer_done: bool) -> Step | None:
    """What this side still owes its peer for a payment in ``state`` (resent until answered)."""
    if side is Side.ORIGIN and not peer_done:
        return {
            P.PREPARING: St.PREPARE,
            P.COMMITTED: St.COMMIT,
            P.ABORTED: St.ABORT,
        }.get(state)
    return None


def in_doubt(side: Side, state: PaymentState) -> bool:
    """The destination holds money and only the origin knows what became of it."""
    return side is Side.DESTINATION and state is P.PREPARED


def backoff(attempts: int, *, longest: timedelta = MAX_BACKOFF) -> timedelta:
    """The wait before the next attempt, after ``attempts`` failed ones: 1 s, 2 s, 4 s, ...
    up to ``longest``."""
    return min(timedelta(seconds=2 ** min(attempts, 16)), longest)


@dataclass(frozen=True, slots=True)
class CrossPayment:
    """One side's record of a cross-payment. ``amount_ours`` is in this side's currency, and
    ``amount_theirs`` in the peer's; ``payer``/``payee`` are member ids, the one on the other
    side as the peer named them."""

    id: str
    collective_id: str
    link_id: str
    side: Side
    payment_ref: str  # the origin's id for it, on both sides
    state: PaymentState
    payer: str
    payee: str
    amount_ours: int
    amount_theirs: int
    memo: str
    created_at: datetime
    deadline: datetime
    next_attempt_at: datetime
    transfer_id: str | None = None
    peer_done: bool = False
    reason: str | None = None
    attempts: int = 0
    decided_at: datetime | None = None

    @property
    def outgoing(self) -> bool:
        return self.side is Side.ORIGIN

    def moved(
        self, state: PaymentState, *, now: datetime, reason: str | None = None
    ) -> CrossPayment:
        return replace(
            self,
            state=state,
            reason=reason if reason is not None else self.reason,
            decided_at=now if state.final and self.decided_at is None else self.decided_at,
            attempts=0,
            next_attempt_at=now,
        )

    def retry_later(self, *, now: datetime, longest: timedelta = MAX_BACKOFF) -> CrossPayment:
        return replace(
            self,
            attempts=self.attempts + 1,
            next_attempt_at=now + backoff(self.attempts, longest=longest),
        )
