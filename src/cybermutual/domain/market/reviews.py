"""Reviews after a deal, and reputation as a Bayesian average.

A member's reputation shrinks their own average toward the collective's mean by ``PRIOR_WEIGHT``
imaginary reviews, so one five-star review does not outrank fifty four-star ones. Scores are
exact integers in thousandths of a star (``milli``), computed the same way in SQL for sorting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cybermutual.domain.errors import AlreadyReviewed, InvalidTransition, InvalidValue, NotAParty
from cybermutual.domain.market.deals import Order, OrderStatus
from cybermutual.domain.market.events import EventKind, MarketEvent

PRIOR_WEIGHT = 3
DEFAULT_PRIOR_MILLI = 3_000  # three stars, until a collective has reviews of its own
REVIEWABLE = frozenset({OrderStatus.COMPLETED, OrderStatus.RESOLVED})


@dataclass(frozen=True, slots=True)
class Review:
    id: str
    collective_id: str
    order_id: str
    author_id: str
    subject_id: str
    stars: int
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Reputation:
    """``score_milli`` is the Bayesian average in thousandths of a star; ``count`` reviews."""

    member_id: str
    score_milli: int
    count: int
    average_milli: int | None

    @property
    def score(self) -> float:
        return self.score_milli / 1000


def write_review(
    order: Order,
    *,
    review_id: str,
    author: str,
    stars: int,
    text: str,
    now: datetime,
    already: bool,
) -> tuple[Review, MarketEvent]:
    """Each side of a finished deal may review the other once."""
    if order.role_of(author) is None:
        raise NotAParty("only the buyer and the seller can review a deal")
    if order.status not in REVIEWABLE:
        raise InvalidTransition(
            f"a deal can be reviewed once it is finished; this one is {order.status.value}",
            status=order.status.value,
        )
    if already:
        raise AlreadyReviewed("you have already reviewed this deal")
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise InvalidValue("stars must be 1..5", field="stars")
    text = text.strip()
    if len(text) > 2000:
        raise InvalidValue("a review has at most 2000 characters", field="text")
    subject = order.other_party(author)
    review = Review(review_id, order.collective_id, order.id, author, subject, stars, text, now)
    event = MarketEvent(
        EventKind.REVIEW_RECEIVED,
        (subject,),
        "review",
        review.id,
        f"{{actor}} gave you {stars} stars.",
        author,
    )
    return review, event


def prior_milli(star_sum: int, count: int) -> int:
    """The collective's mean rating in milli-stars (three stars while it has none)."""
    return DEFAULT_PRIOR_MILLI if count == 0 else (1000 * star_sum) // count


def bayesian_milli(star_sum: int, count: int, *, prior: int) -> int:
    """``(w * prior + sum) / (w + n)`` in milli-stars, rounded down."""
    return (PRIOR_WEIGHT * prior + 1000 * star_sum) // (PRIOR_WEIGHT + count)


def reputation(member_id: str, star_sum: int, count: int, *, prior: int) -> Reputation:
    return Reputation(
        member_id,
        bayesian_milli(star_sum, count, prior=prior),
        count,
        None if count == 0 else (1000 * star_sum) // count,
    )
