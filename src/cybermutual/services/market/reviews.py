"""Reviews of finished deals, and the reputations they add up to."""

from __future__ import annotations

from collections.abc import Sequence

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import MemberNotFound
from cybermutual.domain.market import reviews
from cybermutual.domain.market.reviews import Reputation, Review, prior_milli, reputation
from cybermutual.services.ids import new_id
from cybermutual.services.inbox import notify
from cybermutual.services.loading import check_limit, load_collective
from cybermutual.services.market.loading import (
    known_member_collective,
    load_order,
    market_reader,
    visible_order,
)
from cybermutual.services.market.use_case import MarketUseCase
from cybermutual.services.ports import Page, UnitOfWork


def reputations(
    uow: UnitOfWork, collective: Collective, member_ids: Sequence[str]
) -> dict[str, Reputation]:
    """Each member's reputation, shrunk toward the collective's mean (two queries)."""
    star_sum, count = uow.market.reviews.totals(collective.id)
    prior = prior_milli(star_sum, count)
    found = uow.market.reviews.reputations(collective.id, member_ids)
    return {m: reputation(m, *found.get(m, (0, 0)), prior=prior) for m in member_ids}


class ReviewUseCases(MarketUseCase):
    """Review a finished deal; read reviews and reputations."""

    def reputation(self, slug: str, member_id: str, *, viewer: str) -> Reputation:
        """A member's (or former member's) reputation; anyone else is ``member_not_found``."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            market_reader(uow, collective, viewer)
            membership = uow.memberships.get(collective.id, member_id)
            if membership is None or membership.status.value == "pending":
                raise MemberNotFound(
                    f"no member '{member_id}' in this collective", member=member_id
                )
            return reputations(uow, collective, [member_id])[member_id]

    def review(
        self, slug: str, *, author: str, order_id: str, stars: int, text: str = ""
    ) -> Review:
        """Review the other side of a finished deal, once."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = known_member_collective(uow, slug, author)
            visible_order(uow, collective, order_id, author)
            # locked, so the same author's reviews sent at once are checked one after the other
            order = load_order(uow, collective, order_id, lock=True)
            made, event = reviews.write_review(
                order,
                review_id=new_id(),
                author=author,
                stars=stars,
                text=text,
                now=now,
                already=uow.market.reviews.exists(order.id, author),
            )
            uow.market.reviews.add(made)
            notify(uow, collective, [event], now=now)
            uow.commit()
        return made

    def reviews_of(
        self,
        slug: str,
        *,
        member_id: str,
        viewer: str,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Review]:
        """Reviews a member received, newest first (to whoever may read the market)."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            market_reader(uow, collective, viewer)
            return uow.market.reviews.of_subject(
                collective.id, member_id, limit=check_limit(limit), cursor=cursor
            )
