"""A member's market profile: who they are, their standing, reputation and open listings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cybermutual.domain.errors import MemberNotFound
from cybermutual.domain.market.reviews import Reputation
from cybermutual.domain.membership import Membership, MembershipStatus
from cybermutual.domain.people import Person
from cybermutual.services.loading import active_member_collective
from cybermutual.services.market.listings import ListingView, search_listings
from cybermutual.services.market.ports import ListingQuery
from cybermutual.services.market.reviews import reputations
from cybermutual.services.market.use_case import MarketUseCase

PROFILE_LISTINGS = 20


@dataclass(frozen=True, slots=True)
class MemberProfile:
    person: Person
    membership: Membership
    reputation: Reputation
    listings: Sequence[ListingView]  # their open listings, the first ``PROFILE_LISTINGS``
    more_listings: bool


class MemberProfileUseCases(MarketUseCase):
    """A member's profile, read in one unit of work."""

    def member_profile(self, slug: str, *, viewer: str, member_id: str) -> MemberProfile:
        """For active members; a pending applicant or a stranger is ``member_not_found``."""
        with self._uow(readonly=True) as uow:
            collective = active_member_collective(uow, slug, viewer)
            membership = uow.memberships.get(collective.id, member_id)
            person = uow.people.get(member_id)
            if (
                membership is None
                or person is None
                or (membership.status is MembershipStatus.PENDING)
            ):
                raise MemberNotFound(
                    f"no member '{member_id}' in this collective", member=member_id
                )
            query = ListingQuery(owner_id=member_id, limit=PROFILE_LISTINGS)
            found = search_listings(uow, collective, query)
            return MemberProfile(
                person=person,
                membership=membership,
                reputation=reputations(uow, collective, [member_id])[member_id],
                listings=found.items,
                more_listings=found.next_cursor is not None,
            )
