"""Properties of federation's pure rules: exact rates that never create money, and the
cross-payment's two-phase commit under any ordering, duplication and loss of its messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cybermutual.domain.errors import (
    InvalidTransition,
    InvalidValue,
    LinkLimitExceeded,
    LinkNotActive,
    MessageRefused,
)
from cybermutual.domain.federation.links import (
    Link,
    LinkEvent,
    LinkState,
    Peer,
    Terms,
    check_incoming,
    check_outgoing,
    next_state,
)
from cybermutual.domain.federation.messages import FIELDS, check_shape
from cybermutual.domain.federation.payments import (
    TRANSITIONS,
    Ledger,
    PaymentState,
    Side,
    Step,
    needs_sending,
    step,
)
from cybermutual.domain.federation.rate import MAX_RATE, Rate
from cybermutual.domain.money import MAX_AMOUNT

rates = st.builds(
    lambda n, d: Rate(Fraction(n, d)),
    st.integers(1, 10**6),
    st.integers(1, 10**6),
).filter(lambda r: 1 / MAX_RATE <= r.value <= MAX_RATE)
decimals = st.integers(0, 6)
amounts = st.integers(1, 10**12)


@given(rates, amounts, decimals, decimals)
def test_the_payee_never_gets_more_than_the_exact_value(
    rate: Rate, amount: int, ours: int, theirs: int
) -> None:
    exact = amount * rate.factor(ours=ours, theirs=theirs)
    converted = rate.convert(amount, ours=ours, theirs=theirs)
    assert converted <= exact < converted + 1  # rounded down, by less than one minor unit
    assert rate.remainder(amount, ours=ours, theirs=theirs) == exact - converted


@given(rates, amounts, decimals, decimals)
def test_there_and_back_never_gains(rate: Rate, amount: int, ours: int, theirs: int) -> None:
    there = rate.convert(amount, ours=ours, theirs=theirs)
    if not 0 < there <= MAX_AMOUNT:  # what a link refuses to carry (check_convertible)
        return
    assert rate.convert_back(there, ours=ours, theirs=theirs) <= amount


@given(st.lists(st.tuples(rates, decimals), min_size=1, max_size=6), amounts, decimals)
def test_no_sequence_of_conversions_creates_money(
    hops: list[tuple[Rate, int]], amount: int, start: int
) -> None:
    """Along any chain of links, what arrives is worth at most what left, valued at the exact
    rates (a cycle whose rates multiply to 1 can only lose the roundings)."""
    value = Fraction(amount)  # in the start currency's minor units, at exact rates
    held, held_decimals = amount, start
    worth = Fraction(1)  # start minor units per current minor unit
    for rate, next_decimals in hops:
        if not 0 < held <= MAX_AMOUNT:
            break  # nothing left to carry, or more than a link carries
        factor = rate.factor(ours=held_decimals, theirs=next_decimals)
        held = rate.convert(held, ours=held_decimals, theirs=next_decimals)
        worth /= factor
        held_decimals = next_decimals
        assert held * worth <= value


@given(rates)
def test_a_rate_reads_back_and_matches_its_inverse(rate: Rate) -> None:
    assert Rate.parse(str(rate)) == rate
    assert rate.matches(rate.inverse)
    assert rate.inverse.inverse == rate


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.5", Fraction(3, 2)),
        ("3/2", Fraction(3, 2)),
        ("2", Fraction(2)),
        (" 0.001 ", Fraction(1, 1000)),
    ],
)
def test_rates_are_read_exactly(text: str, value: Fraction) -> None:
    assert Rate.parse(text).value == value


@pytest.mark.parametrize(
    "text", ["0", "-1", "1/0", "1.5/2", "abc", "1e3", "", "2000000", 1.5, True]
)
def test_nonsense_rates_are_refused(text: object) -> None:
    with pytest.raises(InvalidValue):
        Rate.parse(text)


# --- the two-phase commit under a hostile network ----------------------------------------------


@dataclass
class World:
    """One cross-payment: the origin's and destination's persisted states, what each ledger did
    with its hold, and the messages in flight (a message may be delivered many times, or lost)."""

    can_hold: bool
    origin: PaymentState = PaymentState.PREPARING
    origin_done: bool = False
    dest: PaymentState | None = None
    origin_ledger: list[Ledger] = field(default_factory=list)
    dest_ledger: list[Ledger] = field(default_factory=list)
    to_dest: list[Step] = field(default_factory=list)
    to_origin: list[tuple[str, PaymentState | None]] = field(default_factory=list)

    def origin_on(self, event: Step) -> None:
        self.origin, ledger = step(Side.ORIGIN, self.origin, event)
        if ledger is not Ledger.NONE:
            self.origin_ledger.append(ledger)

    def dest_on(self, message: Step) -> None:
        if message is Step.PREPARE and self.dest is None:
            event = Step.PREPARE_OK if self.can_hold else Step.PREPARE_NO
        else:
            event = message
        try:
            self.dest, ledger = step(Side.DESTINATION, self.dest, event)
        except InvalidTransition:
            # a commit for a payment this side never held: only a forged message could ask it
            assert message is Step.COMMIT
            assert self.dest is None
            self.to_origin.append(("refused_commit", None))
            return
        if ledger is not Ledger.NONE:
            self.dest_ledger.append(ledger)
        if message is Step.PREPARE:
            self.to_origin.append(("prepare_answer", self.dest))
        else:
            self.to_origin.append(("ack", self.dest))

    def origin_receives(self, answer: tuple[str, PaymentState | None]) -> None:
        what, state = answer
        if what == "prepare_answer":
            # a late answer to a duplicated prepare (the destination may have committed since)
            # changes nothing: the service decides only a payment still preparing (``_decide``)
            if self.origin is PaymentState.PREPARING:
                self.origin_on(Step.PREPARED if state is PaymentState.PREPARED else Step.REFUSED)
        elif what == "ack" and self.origin.final:
            self.origin_done = True
        elif what == "status":  # the destination asked; the origin answers with its state
            if self.origin is PaymentState.COMMITTED:
                self.to_dest.append(Step.COMMIT)
            elif self.origin is PaymentState.ABORTED:
                self.to_dest.append(Step.ABORT)

    def resend(self) -> None:
        due = needs_sending(Side.ORIGIN, self.origin, peer_done=self.origin_done)
        if due is not None:
            self.to_dest.append(due)

    def check_safety(self) -> None:
        assert not (
            self.dest is PaymentState.COMMITTED and self.origin is not PaymentState.COMMITTED
        )
        assert not (
            self.origin is PaymentState.COMMITTED
            and self.dest in (None, PaymentState.REFUSED, PaymentState.ABORTED)
        )
        assert len(self.origin_ledger) <= 1  # the origin's hold settled once
        assert len(self.dest_ledger) <= 2  # hold, then settle
        assert self.dest_ledger.count(Ledger.HOLD) <= 1


actions = st.lists(
    st.one_of(
        st.tuples(st.just("deliver_to_dest"), st.integers(0, 20), st.booleans()),
        st.tuples(st.just("deliver_to_origin"), st.integers(0, 20), st.booleans()),
        st.tuples(st.just("drop"), st.integers(0, 20), st.booleans()),
        st.tuples(st.just("resend"), st.just(0), st.just(False)),
        st.tuples(st.just("timeout"), st.just(0), st.just(False)),
        st.tuples(st.just("ask_origin"), st.just(0), st.just(False)),
        st.tuples(st.just("crash"), st.just(0), st.just(False)),
    ),
    max_size=40,
)


@settings(max_examples=300)
@given(can_hold=st.booleans(), script=actions)
def test_both_sides_always_end_the_same_way(
    can_hold: bool, script: list[tuple[str, int, bool]]
) -> None:
    """Whatever the network does (reorder, duplicate, lose) and whenever a server restarts
    (losing what was in flight, never what it committed), once messages flow again both sides
    end committed or both end without the payment, and each hold is settled exactly once."""
    w = World(can_hold=can_hold)
    w.to_dest.append(Step.PREPARE)
    for action, index, keep in script:
        if action == "deliver_to_dest" and w.to_dest:
            message = w.to_dest[index % len(w.to_dest)]
            if not keep:
                w.to_dest.remove(message)
            w.dest_on(message)
        elif action == "deliver_to_origin" and w.to_origin:
            answer = w.to_origin[index % len(w.to_origin)]
            if not keep:
                w.to_origin.remove(answer)
            w.origin_receives(answer)
        elif action == "drop" and (w.to_dest or w.to_origin):
            queue = w.to_dest if keep and w.to_dest else w.to_origin or w.to_dest
            queue.pop(index % len(queue))
        elif action == "resend":
            w.resend()
        elif action == "timeout" and w.origin is PaymentState.PREPARING:
            w.origin_on(Step.TIMEOUT)
        elif action == "ask_origin" and w.dest is PaymentState.PREPARED:
            w.to_origin.append(("status", None))
        elif action == "crash":
            w.to_dest.clear()
            w.to_origin.clear()
        w.check_safety()
    # the network heals: each side's background loop runs until nothing is owed
    for _ in range(20):
        if w.origin is PaymentState.PREPARING and not w.to_dest:
            w.origin_on(Step.TIMEOUT)  # or its deadline passes
        w.resend()
        if w.dest is PaymentState.PREPARED:
            w.to_origin.append(("status", None))
        while w.to_dest or w.to_origin:
            if w.to_dest:
                w.dest_on(w.to_dest.pop(0))
            if w.to_origin:
                w.origin_receives(w.to_origin.pop(0))
            w.check_safety()
        if w.origin.final and w.origin_done and w.dest is not PaymentState.PREPARED:
            break
    committed = w.origin is PaymentState.COMMITTED
    assert w.origin.final
    assert w.origin_done
    assert (w.dest is PaymentState.COMMITTED) is committed
    assert w.origin_ledger == [Ledger.POST if committed else Ledger.VOID]
    if committed:
        assert w.dest_ledger == [Ledger.HOLD, Ledger.POST]
    else:
        assert w.dest_ledger in ([], [Ledger.HOLD, Ledger.VOID])


def test_every_transition_of_the_table_is_reachable_by_name() -> None:
    """The table is the whole protocol: each row is a (side, state, step) that can happen."""
    for (side, state, event), (after, _) in TRANSITIONS.items():
        assert step(side, state, event)[0] is after
    with pytest.raises(InvalidTransition):
        step(Side.DESTINATION, PaymentState.COMMITTED, Step.ABORT)  # never after a commit
    with pytest.raises(InvalidTransition):
        step(Side.DESTINATION, PaymentState.ABORTED, Step.COMMIT)


# --- a link's limits and its closing rule -----------------------------------------------------


def _link(state: LinkState, limit_out: int, limit_in: int) -> Link:
    return Link(
        id="l",
        collective_id="c",
        peer=Peer("peer"),
        state=state,
        terms=Terms(Rate(Fraction(1)), limit_out, limit_in),
        account_id="a",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


flows = st.lists(st.tuples(st.booleans(), st.integers(1, 5_000)), max_size=60)


@given(st.integers(0, 20_000), st.integers(0, 20_000), flows)
def test_accepted_payments_keep_the_position_within_both_limits(
    limit_out: int, limit_in: int, payments: list[tuple[bool, int]]
) -> None:
    link = _link(LinkState.ACTIVE, limit_out, limit_in)
    position = 0
    for outgoing, amount in payments:
        try:
            if outgoing:
                check_outgoing(link, position=position, held_out=0, amount=amount)
                position += amount
            else:
                check_incoming(link, position=position, held_in=0, amount=amount)
                position -= amount
        except (LinkLimitExceeded, LinkNotActive):
            continue
        assert -limit_in <= position <= limit_out


@given(st.integers(-20_000, 20_000), flows)
def test_a_closing_link_only_moves_toward_zero(
    start: int, payments: list[tuple[bool, int]]
) -> None:
    link = _link(LinkState.CLOSING, 0, 0)
    position = start
    for outgoing, amount in payments:
        before = abs(position)
        try:
            if outgoing:
                check_outgoing(link, position=position, held_out=0, amount=amount)
                position += amount
            else:
                check_incoming(link, position=position, held_in=0, amount=amount)
                position -= amount
        except LinkNotActive:
            continue
        assert abs(position) < before  # strictly toward zero ...
        assert (position >= 0) == (start >= 0) or position == 0  # ... and never past it


@pytest.mark.parametrize(
    "state", [LinkState.AWAITING_PEER, LinkState.OFFERED, LinkState.SUSPENDED, LinkState.CLOSED]
)
def test_a_link_not_agreed_or_suspended_carries_nothing(state: LinkState) -> None:
    with pytest.raises(LinkNotActive):
        check_outgoing(_link(state, 10, 10), position=0, held_out=0, amount=1)
    with pytest.raises(LinkNotActive):
        check_incoming(_link(state, 10, 10), position=0, held_in=0, amount=1)


def test_the_link_table_refuses_what_it_does_not_name() -> None:
    assert next_state(None, LinkEvent.WE_PASS) is LinkState.AWAITING_PEER
    assert next_state(LinkState.OFFERED, LinkEvent.WE_PASS) is LinkState.ACTIVE
    with pytest.raises(InvalidTransition):
        next_state(None, LinkEvent.SUSPEND)  # nothing to suspend
    with pytest.raises(InvalidTransition):
        next_state(LinkState.CLOSING, LinkEvent.WE_PASS)  # a frozen link is not reopened


@given(
    st.dictionaries(
        st.sampled_from([*sorted(FIELDS), "extra"]),
        st.one_of(
            st.text(max_size=5),
            st.integers(),
            st.none(),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        ),
        max_size=9,
    )
)
def test_any_malformed_message_is_refused_by_name(message: dict[str, object]) -> None:
    if set(message) != FIELDS:
        with pytest.raises(MessageRefused) as refused:
            check_shape(message)
        assert refused.value.context["reason"] == "malformed"
