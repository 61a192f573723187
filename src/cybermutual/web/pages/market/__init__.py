"""The market's pages: browse and post (``browse``), a listing and what one does on it
(``listing``), deals and disputes (``deals``). One router; the order of the imports is the order
the routes are matched in (``/market/new`` and ``/market/mine`` before ``/market/{listing_id}``)."""

from cybermutual.web.pages.market import browse, deals, listing  # noqa: F401  (registers routes)
from cybermutual.web.pages.market.common import router

__all__ = ["router"]
