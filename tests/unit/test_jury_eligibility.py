"""Who may sit on a jury is a domain rule, decided over the memberships the store fetched."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from cybermutual.domain.market.disputes import draw_jury, eligible_jurors
from cybermutual.domain.membership import Membership, MembershipStatus

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _member(member_id: str, status: MembershipStatus = MembershipStatus.ACTIVE) -> Membership:
    return Membership("c1", member_id, status, NOW)


def test_only_active_members_outside_the_deal_and_not_leaving_are_eligible() -> None:
    candidates = [
        _member("zoe"),
        _member("ann"),
        _member("pending", MembershipStatus.PENDING),
        _member("gone", MembershipStatus.LEFT),
        _member("buyer"),
        _member("seller"),
        _member("leaver"),
    ]
    assert eligible_jurors(candidates, parties=("buyer", "seller"), leaving="leaver") == [
        "ann",
        "zoe",
    ]
    assert eligible_jurors(candidates) == ["ann", "buyer", "leaver", "seller", "zoe"]


@given(
    statuses=st.dictionaries(
        st.text("abcdef", min_size=1, max_size=3), st.sampled_from(list(MembershipStatus))
    ),
    seed=st.text("0123456789abcdef", min_size=64, max_size=64),
    size=st.integers(1, 5),
)
def test_a_jury_is_drawn_only_from_eligible_members(
    statuses: dict[str, MembershipStatus], seed: str, size: int
) -> None:
    candidates = [_member(m, s) for m, s in statuses.items()]
    parties = sorted(statuses)[:2]
    jury = draw_jury(
        eligible_jurors(candidates, parties=parties), parties=parties, size=size, seed=seed
    )
    assert all(statuses[j] is MembershipStatus.ACTIVE for j in jury)
    assert not set(jury) & set(parties)
    assert len(jury) == min(
        size,
        sum(s is MembershipStatus.ACTIVE for s in statuses.values())
        - sum(statuses[p] is MembershipStatus.ACTIVE for p in parties),
    )
