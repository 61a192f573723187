"""``MarketService``: every market use case behind one object, as the composition root
(``bootstrap``) builds it and the edges (API, pages, CLI) call it. Each capability lives in its
own module; this class only puts them together, with the market's rules and categories."""

from __future__ import annotations

from cybermutual.domain.market.listings import Category
from cybermutual.domain.market.rules import MarketRules
from cybermutual.services.loading import load_collective
from cybermutual.services.market.deal_views import DealViewUseCases
from cybermutual.services.market.disputes import DisputeUseCases
from cybermutual.services.market.inbox import InboxUseCases
from cybermutual.services.market.listings import ListingUseCases
from cybermutual.services.market.loading import categories_of, rules_of
from cybermutual.services.market.members import MemberProfileUseCases
from cybermutual.services.market.orders import OrderUseCases
from cybermutual.services.market.quotes import QuoteUseCases
from cybermutual.services.market.reviews import ReviewUseCases
from cybermutual.services.market.tasks import TaskUseCases


class MarketService(
    DealViewUseCases,
    ListingUseCases,
    OrderUseCases,
    QuoteUseCases,
    TaskUseCases,
    DisputeUseCases,
    ReviewUseCases,
    MemberProfileUseCases,
    InboxUseCases,
):
    """The market of one deployment: listings and search, orders with escrow, quotes, tasks,
    disputes with juries, reviews, member profiles, the inbox, and deals with their next steps
    (see each ``*UseCases`` class)."""

    def rules(self, slug: str) -> MarketRules:
        with self._uow(readonly=True) as uow:
            return rules_of(uow, load_collective(uow, slug))

    def set_rules(self, slug: str, rules: MarketRules) -> MarketRules:
        """Change jury size and confirmation period (operators now; passed proposals later)."""
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            uow.market.rules.save(collective.id, rules, now=self._clock.now())
            uow.commit()
        return rules

    def categories(self, slug: str) -> list[Category]:
        with self._uow(readonly=True) as uow:
            return categories_of(uow, load_collective(uow, slug))
