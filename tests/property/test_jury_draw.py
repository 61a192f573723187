"""The jury draw from a seed, as properties (issue #8, item 15)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cybermutual.domain.market.disputes import draw_jury

members = st.sets(st.text("abcdef0123456789", min_size=4, max_size=8), max_size=30)
seeds = st.text("0123456789abcdef", min_size=64, max_size=64)


@given(members, members, st.integers(1, 15), seeds)
def test_a_draw_is_distinct_eligible_members_only(
    candidates: set[str], parties: set[str], size: int, seed: str
) -> None:
    jury = draw_jury(candidates, parties=parties, size=size, seed=seed)
    assert len(set(jury)) == len(jury) == min(size, len(candidates - parties))
    assert set(jury) <= candidates - parties


@given(members, st.integers(1, 14), seeds)
def test_a_replacement_is_the_next_in_the_same_draw(
    candidates: set[str], size: int, seed: str
) -> None:
    """Drawing one more, excluding those already drawn, continues the same ranking: the
    replacement for a juror who left is as checkable as the first draw."""
    jury = draw_jury(candidates, parties=(), size=size, seed=seed)
    more = draw_jury(candidates, parties=(), size=size + 1, seed=seed)
    replacement = draw_jury(candidates, parties=(), size=1, seed=seed, exclude=jury)
    assert more == jury + replacement


@given(members, seeds)
def test_the_order_candidates_come_in_does_not_matter(candidates: set[str], seed: str) -> None:
    forward = draw_jury(sorted(candidates), parties=(), size=5, seed=seed)
    backward = draw_jury(sorted(candidates, reverse=True), parties=(), size=5, seed=seed)
    assert forward == backward
