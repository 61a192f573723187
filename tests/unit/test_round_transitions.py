"""The allocation round's transition table is what the rule functions do."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cybermutual.domain.commons import rounds as rules
from cybermutual.domain.commons.rounds import TRANSITIONS, RoundAction, RoundStatus
from cybermutual.domain.errors import InvalidTransition, InvalidValue, NotAllowed

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ROUND = rules.open_round(
    round_id="r1",
    collective_id="c1",
    opened_by="m1",
    period_start=T0 + timedelta(days=2),
    period_end=T0 + timedelta(days=9),
    bids_close_at=T0 + timedelta(days=1),
    now=T0,
)
LATER = T0 + timedelta(days=30)  # bidding closed and the period over: only the state matters


def _act(round_: rules.AllocationRound, action: RoundAction) -> rules.AllocationRound:
    if action is RoundAction.COMPUTE:
        return rules.compute(round_, by="m2", now=LATER, seed=1)
    if action is RoundAction.PUBLISH:
        return rules.publish(round_, by="m2", now=LATER)
    if action is RoundAction.CLOSE:
        return rules.close(round_, by="m2", now=LATER)
    return rules.cancel(round_, by="m1", now=LATER, opener_active=True)


@pytest.mark.parametrize("status", list(RoundStatus))
@pytest.mark.parametrize("action", list(RoundAction))
def test_every_step_follows_the_table(status: RoundStatus, action: RoundAction) -> None:
    round_ = replace(ROUND, status=status)
    to = TRANSITIONS.get((status, action))
    if to is None:
        with pytest.raises(InvalidTransition):
            _act(round_, action)
    else:
        assert _act(round_, action).status is to


def test_only_the_opener_cancels_while_they_are_a_member() -> None:
    with pytest.raises(NotAllowed):
        rules.cancel(ROUND, by="m2", now=T0, opener_active=True)
    done = rules.cancel(ROUND, by="m2", now=T0, opener_active=False)
    assert (done.status, done.cancelled_by, done.cancelled_at) == (RoundStatus.CANCELLED, "m2", T0)


def test_a_cancelled_round_overlaps_nothing_and_blocks_nothing() -> None:
    cancelled = rules.cancel(ROUND, by="m1", now=T0, opener_active=True)
    again = rules.open_round(
        round_id="r2",
        collective_id="c1",
        opened_by="m2",
        period_start=ROUND.period_start,
        period_end=ROUND.period_end,
        bids_close_at=ROUND.bids_close_at,
        now=T0,
        others=[cancelled],
    )
    assert again.status is RoundStatus.OPEN


@pytest.mark.parametrize("days", [91, 365, 3_000_000])
def test_a_round_starts_within_the_horizon(days: int) -> None:
    start = T0 + timedelta(days=min(days, 2_900_000))
    with pytest.raises(InvalidValue):
        rules.check_schedule(
            period_start=start,
            period_end=start + timedelta(days=1),
            bids_close_at=start,
            now=T0,
            horizon_days=90,
        )
