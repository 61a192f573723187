"""The market's use cases, one module per capability, behind one facade: ``MarketService``.

listings      offers, requests and tasks; browse and search
orders        orders with escrow, and each step a party takes on a deal
auto_confirm  delivered orders confirmed once their period is over
quotes        requests answered with quotes, one accepted as an order
tasks         applications and assignment
disputes      juries, secret votes, settlements
reviews       reviews and reputations
members       a member's market profile
inbox         what needs a member's attention
deal_views    deals with the steps their parties may take next
escrow        the price reserved when a deal opens, settled as it ends
loading       loading what a use case works on, and who may
ports         what the market needs from storage
"""

from cybermutual.services.market.deal_views import DealView
from cybermutual.services.market.disputes import DisputeView
from cybermutual.services.market.inbox import InboxPage
from cybermutual.services.market.listings import ListingEdit, ListingView
from cybermutual.services.market.members import MemberProfile
from cybermutual.services.market.service import MarketService

__all__ = [
    "DealView",
    "DisputeView",
    "InboxPage",
    "ListingEdit",
    "ListingView",
    "MarketService",
    "MemberProfile",
]
