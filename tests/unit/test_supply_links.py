"""A chain link's state machine, read from its table; recipes as declared and revised."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cybermutual.domain.errors import (
    InvalidTransition,
    InvalidValue,
    LinkClosed,
    NotTheProducer,
    NotYourLink,
)
from cybermutual.domain.supply import recipes
from cybermutual.domain.supply.links import (
    TRANSITIONS,
    ChainLink,
    LinkAction,
    LinkStatus,
    next_actions,
    transition,
)

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
BY_PRODUCER = (LinkAction.ACCEPT, LinkAction.DECLINE)


def _link(status: LinkStatus) -> ChainLink:
    return ChainLink(
        id="l1",
        plan_id="p1",
        recipe_id="r1",
        producer_id="ana",
        runs=2,
        good_id="planks",
        quantity=8,
        unit_price=250,
        amount=2000,
        status=status,
        step=1,
        depends_on=("l0",),
        commons=(),
        why={},
        created_at=NOW,
    )


@pytest.mark.parametrize("status", list(LinkStatus))
@pytest.mark.parametrize("action", list(LinkAction))
def test_every_step_is_the_tables(status: LinkStatus, action: LinkAction) -> None:
    actor = "ana" if action in BY_PRODUCER else None
    rule = TRANSITIONS.get((status, action))
    if rule is None:
        expected = LinkClosed if action in BY_PRODUCER else InvalidTransition
        with pytest.raises(expected):
            transition(_link(status), action, actor=actor, now=NOW)
        return
    after = transition(_link(status), action, actor=actor, now=NOW)
    assert after.status is rule[0]
    assert (after.decided_at == NOW) == (action in (*BY_PRODUCER, LinkAction.EXPIRE))


@pytest.mark.parametrize("action", BY_PRODUCER)
def test_only_the_producer_decides_whatever_the_state(action: LinkAction) -> None:
    for status in LinkStatus:
        with pytest.raises(NotYourLink):
            transition(_link(status), action, actor="bo", now=NOW)


def test_what_a_producer_may_do_is_read_from_the_table() -> None:
    assert next_actions(_link(LinkStatus.PROPOSED), "ana") == BY_PRODUCER
    assert next_actions(_link(LinkStatus.ACCEPTED), "ana") == (LinkAction.DECLINE,)
    assert next_actions(_link(LinkStatus.ORDERED), "ana") == ()
    assert next_actions(_link(LinkStatus.PROPOSED), "bo") == ()


def _recipe(**changes: object) -> recipes.Recipe:
    fields: dict[str, object] = {
        "recipe_id": "r1",
        "collective_id": "c1",
        "producer_id": "ana",
        "name": "Saw planks",
        "inputs": {"timber": 1},
        "outputs": {"planks": 6, "sawdust": 2},
        "capacity": 10,
        "price": 250,
        "labour_hours": "1.5",
        "now": NOW,
        **changes,
    }
    return recipes.declare(**fields)  # type: ignore[arg-type]


def test_a_run_costs_the_price_per_unit_of_the_first_output_exactly() -> None:
    recipe = _recipe()
    assert recipe.main_output == ("planks", 6)
    assert recipe.price_per_run == 1500
    assert recipe.labour_hours == Decimal("1.50")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"outputs": {}}, "outputs"),
        ({"inputs": {"planks": 1}}, "inputs"),  # an output used as an input
        ({"capacity": 0}, "capacity"),
        ({"price": 0}, "price"),
        ({"inputs": {"timber": 1.5}}, "inputs"),
        ({"labour_hours": "1.555"}, "labour_hours"),
        ({"name": " "}, "name"),
    ],
)
def test_a_recipe_that_cannot_run_is_refused_naming_the_field(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        _recipe(**changes)
    assert refused.value.context["field"] == field


def test_only_its_producer_revises_a_recipe() -> None:
    recipe = _recipe()
    later = datetime(2026, 12, 1, tzinfo=UTC)
    revised = recipes.revise(recipe, actor="ana", now=later, price=300, active=False)
    assert revised.price == 300
    assert not revised.active
    assert revised.created_at == NOW
    assert revised.updated_at == later
    with pytest.raises(NotTheProducer):
        recipes.revise(recipe, actor="bo", now=later, price=1)
