"""The order state machine, tested from its own table: every (state, action, role) either is a row
of ``TRANSITIONS`` and does exactly what the row says, or is refused with a stable code."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from cybermutual.domain.errors import (
    DomainError,
    InvalidTransition,
    NotAParty,
    NotTheBuyer,
    NotTheSeller,
)
from cybermutual.domain.market.deals import (
    TERMINAL,
    TRANSITIONS,
    Action,
    DealKind,
    Escrow,
    Order,
    OrderStatus,
    Role,
    next_actions,
    transition,
)

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
BUYER, SELLER, STRANGER = "buyer", "seller", "stranger"
ACTOR = {Role.BUYER: BUYER, Role.SELLER: SELLER, Role.SYSTEM: None}


def order(status: OrderStatus, kind: DealKind = DealKind.ORDER) -> Order:
    return Order(
        id="o1",
        collective_id="c1",
        kind=kind,
        listing_id="l1",
        buyer_id=BUYER,
        seller_id=SELLER,
        quantity=2,
        unit_price=150,
        amount=300,
        status=status,
        escrow_id="t1",
        created_at=NOW - timedelta(days=1),
        updated_at=NOW - timedelta(days=1),
    )


CASES = list(itertools.product(OrderStatus, Action, Role, DealKind))


@pytest.mark.parametrize(("status", "action", "role", "kind"), CASES)
def test_every_move_follows_the_table(
    status: OrderStatus, action: Action, role: Role, kind: DealKind
) -> None:
    before = order(status, kind)
    rule = TRANSITIONS.get((status, action))
    if rule is not None and role in rule.roles:
        step = transition(before, action, actor=ACTOR[role], now=NOW)
        assert step.order.status is rule.to
        assert step.escrow is rule.escrow
        assert step.order.updated_at == NOW
        assert (step.order.closed_at is not None) == (rule.to in TERMINAL)
        if rule.to is OrderStatus.DELIVERED:
            assert step.order.auto_confirm_at is not None
            assert step.order.auto_confirm_at > NOW
        else:
            assert step.order.auto_confirm_at is None
        assert (step.order.amount, step.order.escrow_id) == (before.amount, before.escrow_id)
        return
    with pytest.raises(DomainError) as refused:
        transition(before, action, actor=ACTOR[role], now=NOW)
    assert isinstance(refused.value, InvalidTransition | NotTheBuyer | NotTheSeller)
    assert refused.value.code in {"invalid_transition", "not_the_buyer", "not_the_seller"}


@pytest.mark.parametrize("action", list(Action))
def test_a_stranger_is_never_a_party(action: Action) -> None:
    with pytest.raises(NotAParty):
        transition(order(OrderStatus.PLACED), action, actor=STRANGER, now=NOW)


def test_terminal_states_have_no_way_out() -> None:
    assert not [key for key in TRANSITIONS if key[0] in TERMINAL]


def _paths(status: OrderStatus, escrow: tuple[Escrow, ...]) -> list[tuple[Escrow, ...]]:
    if status in TERMINAL:
        return [escrow]
    return [
        path
        for (start, _), rule in TRANSITIONS.items()
        if start is status
        for path in _paths(rule.to, (*escrow, rule.escrow))
    ]


@pytest.mark.parametrize("start", [OrderStatus.PLACED, OrderStatus.ACCEPTED])
def test_every_path_to_an_end_settles_the_escrow_exactly_once(start: OrderStatus) -> None:
    paths = _paths(start, ())
    assert paths
    for path in paths:
        settled = [e for e in path if e is not Escrow.KEEP]
        assert len(settled) == 1, path
        assert path[-1] is not Escrow.KEEP, path


def test_every_non_terminal_state_can_still_end() -> None:
    for status in set(OrderStatus) - TERMINAL:
        assert _paths(status, ()), status


@pytest.mark.parametrize(
    ("status", "role", "kind"), list(itertools.product(OrderStatus, Role, DealKind))
)
def test_the_next_steps_offered_are_exactly_those_the_table_takes(
    status: OrderStatus, role: Role, kind: DealKind
) -> None:
    """What a page offers a party (``next_actions``) is what ``transition`` would take from
    them now, and nothing it would refuse; the system's own steps are never offered."""
    actor = ACTOR[role]
    if actor is None:  # the system takes its own steps; nobody is offered them
        return
    before = order(status, kind)
    offered = set(next_actions(before, actor))
    assert not offered & {Action.AUTO_CONFIRM, Action.RESOLVE}
    for action in set(Action) - {Action.AUTO_CONFIRM, Action.RESOLVE}:
        try:
            transition(before, action, actor=actor, now=NOW)
        except DomainError:
            assert action not in offered, (status, role, action)
        else:
            assert action in offered, (status, role, action)


def test_a_stranger_is_offered_nothing() -> None:
    for status in OrderStatus:
        assert next_actions(order(status), STRANGER) == ()
