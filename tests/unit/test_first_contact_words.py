"""Words a newcomer reads (issue #9): task refusals in task terms, demo logins, value per token."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cybermutual.demo import email_of
from cybermutual.domain.errors import InvalidTransition, NotAParty, NotTheBuyer, NotTheSeller
from cybermutual.domain.market.deals import (
    ACTION_ROLES,
    TRANSITIONS,
    Action,
    DealKind,
    Order,
    OrderStatus,
    Role,
    transition,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _deal(kind: DealKind, status: OrderStatus) -> Order:
    return Order(
        id="o", collective_id="c", kind=kind, listing_id="l", buyer_id="poster",
        seller_id="worker", quantity=1, unit_price=10, amount=10, status=status,
        escrow_id="e", created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def _refusal(order: Order, action: Action, actor: str) -> str | None:
    try:
        transition(order, action, actor=actor, now=NOW)
    except (InvalidTransition, NotTheBuyer, NotTheSeller, NotAParty) as refused:
        return refused.detail
    return None


@pytest.mark.parametrize("status", list(OrderStatus))
@pytest.mark.parametrize("action", [a for a in Action if Role.SYSTEM not in ACTION_ROLES[a]])
def test_every_refused_task_step_is_explained_in_task_terms(
    status: OrderStatus, action: Action
) -> None:
    """From the table: whatever a task refuses, it says so without the word 'order'."""
    task = _deal(DealKind.TASK, status)
    for actor in ("poster", "worker", "stranger"):
        detail = _refusal(task, action, actor)
        if detail is None:
            assert (status, action) in TRANSITIONS
            continue
        assert "order" not in detail, detail
        assert "task" in detail, detail


def test_approving_before_the_work_is_submitted_says_what_to_wait_for() -> None:
    with pytest.raises(InvalidTransition) as refused:
        transition(
            _deal(DealKind.TASK, OrderStatus.ACCEPTED), Action.CONFIRM, actor="poster", now=NOW
        )
    assert refused.value.detail == (
        "cannot approve this task: it is assigned, and the worker has not submitted the work "
        "yet; the worker submits it first (POST .../submit)"
    )
    with pytest.raises(InvalidTransition, match="cannot confirm an order that is accepted"):
        transition(
            _deal(DealKind.ORDER, OrderStatus.ACCEPTED), Action.CONFIRM, actor="poster", now=NOW
        )


@given(st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=12))
def test_demo_logins_are_plain_ascii_and_keep_every_letter_that_has_one(first: str) -> None:
    email = email_of(f"{first} Surname")
    local = email.removesuffix("@demo.cybermutual.org")
    assert email.isascii()
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", first.casefold()) if not unicodedata.combining(c)
    )
    assert local == "".join(c for c in plain if c.isascii())


def test_accents_are_transliterated_not_dropped() -> None:
    assert email_of("Lucía Fernández") == "lucia@demo.cybermutual.org"
    assert email_of("Zoë Ångström") == "zoe@demo.cybermutual.org"
    assert email_of("Ćiril Petrović") == "ciril@demo.cybermutual.org"
