"""Ballot secrecy is a domain rule: a dispute as each viewer sees it, whatever the front end."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from cybermutual.domain.market.deals import DealKind, Order, OrderStatus
from cybermutual.domain.market.disputes import (
    Dispute,
    DisputeStatus,
    Juror,
    Vote,
    cast_vote,
    seed_commitment,
)
from cybermutual.domain.market.secret_ballot import seen_by

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
JURORS = ("ju", "jv", "jw")
SEED = "ab" * 32


def _order() -> Order:
    return Order(
        id="o1",
        collective_id="c1",
        kind=DealKind.ORDER,
        listing_id="l1",
        buyer_id="buyer",
        seller_id="seller",
        quantity=1,
        unit_price=1_000,
        amount=1_000,
        escrow_id="t1",
        status=OrderStatus.DISPUTED,
        created_at=NOW,
        updated_at=NOW,
    )


def _open() -> Dispute:
    return Dispute(
        id="d1",
        collective_id="c1",
        order_id="o1",
        opened_by="buyer",
        reason="never arrived",
        status=DisputeStatus.OPEN,
        seed=SEED,
        jurors=tuple(Juror(j) for j in JURORS),
        created_at=NOW,
    )


def test_while_open_a_juror_sees_only_their_own_vote_and_who_has_voted() -> None:
    dispute, _ = cast_vote(_open(), _order(), juror="ju", vote=Vote.REFUND, now=NOW)
    for viewer in ("buyer", "seller", "jv", "jw", "someone"):
        seen = seen_by(dispute, viewer)
        assert [(j.member_id, j.voted, j.vote) for j in seen.jurors] == [
            ("ju", True, None),
            ("jv", False, None),
            ("jw", False, None),
        ]
        assert seen.tally is None
        assert seen.seed is None  # no replacement can be predicted
        assert seen.commitment == seed_commitment(SEED)
    own = seen_by(dispute, "ju")
    assert own.jurors[0].vote is Vote.REFUND
    assert seen_by(dispute, "ju").is_open


def test_the_verdict_reveals_every_vote_the_tally_and_the_seed() -> None:
    dispute, _ = cast_vote(_open(), _order(), juror="ju", vote=Vote.REFUND, now=NOW)
    dispute, _ = cast_vote(dispute, _order(), juror="jv", vote=Vote.REFUND, now=NOW)
    assert dispute.status is DisputeStatus.DECIDED
    seen = seen_by(dispute, "buyer")
    assert not seen.is_open
    assert [j.vote for j in seen.jurors] == [Vote.REFUND, Vote.REFUND, None]
    assert seen.tally == {Vote.RELEASE: 0, Vote.REFUND: 2, Vote.SPLIT: 0}
    assert seen.seed == SEED
    assert seen.outcome is Vote.REFUND
    assert seen.seller_share == 0


@given(
    votes=st.lists(st.sampled_from(list(Vote)), min_size=3, max_size=3),
    voted=st.lists(st.booleans(), min_size=3, max_size=3),
    viewer=st.sampled_from([*JURORS, "buyer", "seller", "outsider"]),
)
def test_no_viewer_ever_sees_another_jurors_vote_before_the_verdict(
    votes: list[Vote], voted: list[bool], viewer: str
) -> None:
    jurors = tuple(
        Juror(j, vote=v if did else None, voted_at=NOW if did else None)
        for j, v, did in zip(JURORS, votes, voted, strict=True)
    )
    dispute = replace(_open(), jurors=jurors)
    seen = seen_by(dispute, viewer)
    for juror, shown in zip(dispute.jurors, seen.jurors, strict=True):
        assert shown.voted == (juror.vote is not None)
        assert shown.vote == (juror.vote if juror.member_id == viewer else None)
