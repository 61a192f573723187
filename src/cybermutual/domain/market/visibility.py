"""Who may read a collective's market, decided by its charter's ``market_visibility``.

- Active members, and leavers (who finish their deals): everything, in either kind of market.
- Anyone else signed in (an outsider, a member of another collective, a pending applicant):
  in a ``public`` market, open listings and tasks, reviews and reputations; in a ``members``
  market, nothing (``403 not_a_member``).

Closed listings (the collective's trading history) are for members in either case. Deals,
quotes, applications, disputes and the inbox are only ever for the people in them.
"""

from __future__ import annotations

from enum import StrEnum

from cybermutual.domain.collective import Charter, MarketVisibility
from cybermutual.domain.errors import NotAMember
from cybermutual.domain.market.listings import Listing, ListingStatus
from cybermutual.domain.membership import Membership, MembershipStatus


class MarketAccess(StrEnum):
    FULL = "full"  # members and leavers
    SHOP_WINDOW = "shop_window"  # anyone signed in, on a public market: open listings only


def market_access(charter: Charter, membership: Membership | None) -> MarketAccess:
    """What this viewer may read of the market; ``not_a_member`` if nothing."""
    if membership is not None and membership.status is not MembershipStatus.PENDING:
        return MarketAccess.FULL
    if charter.visibility is MarketVisibility.PUBLIC:
        return MarketAccess.SHOP_WINDOW
    raise NotAMember("this collective's market is open to its members only")


def require_full_access(access: MarketAccess, *, what: str) -> None:
    if access is not MarketAccess.FULL:
        raise NotAMember(f"{what} are shown to members of this collective only")


def can_see(access: MarketAccess, listing: Listing) -> bool:
    return access is MarketAccess.FULL or listing.status is ListingStatus.OPEN
