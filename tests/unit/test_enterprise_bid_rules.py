"""Who may bid for an enterprise, and who may withdraw, decline or use what it won (issue 14).

Pure rules: the ``bid`` power in ``PERMISSIONS``; an enterprise's bid withdrawn and its share
declined by anyone with a role in it; the units it holds kept apart from its bidder's own.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cybermutual.domain.commons import rounds as rules
from cybermutual.domain.commons.rounds import Bid, RoundStatus
from cybermutual.domain.commons.shares import Share, decline, held_units
from cybermutual.domain.enterprise.kinds import PERMISSIONS, Power, Role
from cybermutual.domain.errors import NotAllowed

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ROUND = rules.open_round(
    round_id="r1",
    collective_id="c1",
    opened_by="ana",
    period_start=T0 + timedelta(days=2),
    period_end=T0 + timedelta(days=9),
    bids_close_at=T0 + timedelta(days=1),
    now=T0,
)
PUBLISHED = replace(ROUND, status=RoundStatus.PUBLISHED)
BID = Bid("b1", "r1", "ana", "lathe", 5, 0, "crafts", None, T0, enterprise_id="coop")
SHARE = Share("s1", "r1", "ana", "lathe", "b1", 4, 1, 0.0, 1.0, enterprise_id="coop")


@pytest.mark.parametrize(
    ("role", "bids"),
    [(Role.WORKER_OWNER, True), (Role.OWNER, True), (Role.MANAGER, True), (Role.EMPLOYEE, False)],
)
def test_the_roles_that_act_for_an_enterprise_bid_for_it(role: Role, bids: bool) -> None:
    assert (Power.BID in PERMISSIONS[role]) is bids


def test_an_enterprises_bid_is_withdrawn_by_its_people_only() -> None:
    assert rules.withdraw_bid(ROUND, BID, member_id="ben", now=T0, in_enterprise=True) == BID
    with pytest.raises(NotAllowed):
        rules.withdraw_bid(ROUND, BID, member_id="cy", now=T0, in_enterprise=False)
    with pytest.raises(NotAllowed):  # Ana bid for it, but has left the co-op since
        rules.withdraw_bid(ROUND, BID, member_id="ana", now=T0, in_enterprise=False)
    own = replace(BID, enterprise_id=None)
    with pytest.raises(NotAllowed):  # a colleague has no say over Ana's own bid
        rules.withdraw_bid(ROUND, own, member_id="ben", now=T0, in_enterprise=True)


def test_an_enterprises_share_is_declined_by_its_people_only() -> None:
    assert decline(SHARE, PUBLISHED, member_id="ben", now=T0, in_enterprise=True).is_declined
    with pytest.raises(NotAllowed):
        decline(SHARE, PUBLISHED, member_id="cy", now=T0, in_enterprise=False)
    with pytest.raises(NotAllowed):  # the bidder who has left the co-op
        decline(SHARE, PUBLISHED, member_id="ana", now=T0, in_enterprise=False)
    with pytest.raises(NotAllowed):
        decline(
            replace(SHARE, enterprise_id=None),
            PUBLISHED,
            member_id="ben",
            now=T0,
            in_enterprise=True,
        )


def test_what_a_member_won_for_an_enterprise_is_the_enterprises() -> None:
    own = replace(SHARE, id="s2", bid_id="b2", units=3, enterprise_id=None)
    other = replace(SHARE, id="s3", member_id="ben", units=2)  # Ben bid for the co-op too
    shares = [SHARE, own, other]
    assert held_units(shares, member_id="ana", asset_id="lathe") == 3
    assert held_units(shares, member_id=None, asset_id="lathe", enterprise_id="coop") == 6
    assert held_units(shares, member_id="ben", asset_id="lathe") == 0
