"""The market's storage, one repository module per capability, and ``SqlMarket`` (``uow.market``):
all of them on one connection.

listings   listings, categories, full-text search       orders     orders and tasks' assignments
proposals  quotes and task applications                 disputes   disputes and their jurors
reviews    reviews and reputation totals                inbox      the inbox
rules      jury size and the auto-confirmation period
"""

from sqlalchemy import Connection

from cybermutual.store.market.disputes import SqlDisputes
from cybermutual.store.market.inbox import SqlInbox
from cybermutual.store.market.listings import SqlListings
from cybermutual.store.market.orders import SqlOrders
from cybermutual.store.market.proposals import SqlApplications, SqlQuotes
from cybermutual.store.market.reviews import SqlReviews
from cybermutual.store.market.rules import SqlMarketRules


class SqlMarket:
    """``uow.market``: the market's repositories on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.listings = SqlListings(conn)
        self.orders = SqlOrders(conn)
        self.quotes = SqlQuotes(conn)
        self.applications = SqlApplications(conn)
        self.disputes = SqlDisputes(conn)
        self.reviews = SqlReviews(conn)
        self.inbox = SqlInbox(conn)
        self.rules = SqlMarketRules(conn)


__all__ = ["SqlMarket"]
