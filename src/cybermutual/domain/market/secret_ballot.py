"""A dispute as one viewer may see it: the ballot is secret until the verdict.

While a dispute is open, each juror sees their own vote and only *whether* the others voted;
nobody (the parties included) sees how anyone else voted, the running tally, or the seed of the
draw (only its commitment, so the draw can be checked later but no replacement predicted).
Once it is closed, everything is shown. Every front end (the API, pages, a CLI) shows a dispute
through ``seen_by``, so none of them can reveal a vote the others hide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cybermutual.domain.market.disputes import Dispute, DisputeStatus, Vote


@dataclass(frozen=True, slots=True)
class JurorSeen:
    member_id: str
    voted: bool
    vote: Vote | None  # the viewer's own, or anyone's once the dispute is closed
    seated: bool  # False once the juror left before voting (their seat went to the next draw)


@dataclass(frozen=True, slots=True)
class DisputeSeen:
    id: str
    collective_id: str
    order_id: str
    opened_by: str
    reason: str
    status: DisputeStatus
    jury_draw: str
    commitment: str  # sha256 of the seed: public from the draw on
    seed: str | None  # revealed when the dispute closes
    jurors: tuple[JurorSeen, ...]
    tally: dict[Vote, int] | None  # only once closed
    outcome: Vote | None
    seller_share: int | None
    proposed_by: str | None
    proposed_share: int | None
    created_at: datetime
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status is DisputeStatus.OPEN


def seen_by(dispute: Dispute, viewer: str) -> DisputeSeen:
    """``dispute`` as ``viewer`` may see it (a party, a juror, or anyone the service allows)."""
    closed = not dispute.is_open
    return DisputeSeen(
        id=dispute.id,
        collective_id=dispute.collective_id,
        order_id=dispute.order_id,
        opened_by=dispute.opened_by,
        reason=dispute.reason,
        status=dispute.status,
        jury_draw=dispute.jury_draw,
        commitment=dispute.commitment,
        seed=dispute.seed if closed else None,
        jurors=tuple(
            JurorSeen(
                member_id=j.member_id,
                voted=j.vote is not None,
                vote=j.vote if closed or j.member_id == viewer else None,
                seated=j.seated,
            )
            for j in dispute.jurors
        ),
        tally=dispute.tally() if closed else None,
        outcome=dispute.outcome,
        seller_share=dispute.seller_share,
        proposed_by=dispute.proposed_by,
        proposed_share=dispute.proposed_share,
        created_at=dispute.created_at,
        closed_at=dispute.closed_at,
    )
