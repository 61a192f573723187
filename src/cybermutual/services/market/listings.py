"""Listings: offers, requests and tasks posted, edited, closed, browsed and searched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import InvalidValue, ListingNotFound
from cybermutual.domain.market import listings, visibility
from cybermutual.domain.market.listings import Listing, ListingKind, ListingStatus
from cybermutual.domain.market.reviews import Reputation, prior_milli
from cybermutual.services.enterprise_common import acting_seller
from cybermutual.services.ids import new_id
from cybermutual.services.loading import active_member_collective, check_limit, load_collective
from cybermutual.services.market.loading import (
    categories_of,
    known_member_collective,
    load_listing,
    market_reader,
)
from cybermutual.services.market.ports import ListingQuery
from cybermutual.services.market.reviews import reputations
from cybermutual.services.market.use_case import MarketUseCase
from cybermutual.services.ports import Page, UnitOfWork


@dataclass(frozen=True, slots=True)
class ListingView:
    listing: Listing
    owner_reputation: Reputation


@dataclass(frozen=True, slots=True)
class ListingEdit:
    """An owner's changes; ``None`` keeps a field."""

    title: str | None = None
    description: str | None = None
    category: str | None = None
    tags: Sequence[str] | None = None
    price: int | None = None
    quantity: int | None = None
    location: str | None = None


class ListingUseCases(MarketUseCase):
    """Post, edit, close, read and search listings (offers, requests, tasks)."""

    def post_listing(
        self,
        slug: str,
        *,
        owner: str,
        kind: ListingKind,
        title: str,
        description: str,
        category: str,
        price: int,
        tags: Sequence[str] = (),
        quantity: int | None = None,
        location: str | None = None,
        asset_id: str | None = None,
        enterprise_id: str | None = None,
    ) -> ListingView:
        """Put an offer, a request or a task on the market; never an asset of the commons.
        An offer may be an enterprise's (``enterprise_id``), posted by someone whose role there
        lets them sell: its sales are paid to the enterprise's account."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, owner)
            if enterprise_id is not None:
                acting_seller(uow, collective, enterprise_id, owner)
            if asset_id is not None:
                self._refuse_commons(uow, collective, asset_id)
            listing = listings.post(
                listing_id=new_id(),
                collective_id=collective.id,
                owner_id=owner,
                kind=kind,
                title=title,
                description=description,
                category=category,
                categories=categories_of(uow, collective, seed=True),
                tags=tags,
                price=price,
                now=now,
                quantity=quantity,
                location=location,
                asset_id=asset_id,
                enterprise_id=enterprise_id,
            )
            uow.market.listings.add(listing)
            view = self._listing_views(uow, collective, [listing])[0]
            uow.commit()
        return view

    @staticmethod
    def _refuse_commons(uow: UnitOfWork, collective: Collective, asset_id: str) -> None:
        from cybermutual.domain.commons.assets import refuse_sale

        asset = uow.assets.get(asset_id)
        if asset is not None and asset.collective_id == collective.id:
            refuse_sale(asset_id, action="list")

    def edit_listing(
        self, slug: str, *, actor: str, listing_id: str, edit: ListingEdit
    ) -> ListingView:
        with self._uow() as uow:
            collective = known_member_collective(uow, slug, actor)
            current = load_listing(uow, collective, listing_id, lock=True)
            changed = listings.revise(
                current,
                actor=actor,
                now=self._clock.now(),
                categories=categories_of(uow, collective, seed=True),
                title=edit.title,
                description=edit.description,
                category=edit.category,
                tags=edit.tags,
                price=edit.price,
                quantity=edit.quantity,
                location=edit.location,
            )
            uow.market.listings.save(changed)
            view = self._listing_views(uow, collective, [changed])[0]
            uow.commit()
        return view

    def close_listing(self, slug: str, *, actor: str, listing_id: str) -> ListingView:
        with self._uow() as uow:
            collective = known_member_collective(uow, slug, actor)
            current = load_listing(uow, collective, listing_id, lock=True)
            closed = listings.close(current, actor=actor, now=self._clock.now())
            uow.market.listings.save(closed)
            view = self._listing_views(uow, collective, [closed])[0]
            uow.commit()
        return view

    def listing(self, slug: str, listing_id: str, *, viewer: str) -> ListingView:
        """A listing, as far as the charter's ``market_visibility`` shows it to ``viewer``."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            access = market_reader(uow, collective, viewer)
            listing = load_listing(uow, collective, listing_id)
            if not visibility.can_see(access, listing):
                raise ListingNotFound("no such open listing in this collective", listing=listing_id)
            return self._listing_views(uow, collective, [listing])[0]

    def task(self, slug: str, task_id: str, *, viewer: str) -> ListingView:
        """A listing of kind task; any other listing is not a task (``listing_not_found``)."""
        view = self.listing(slug, task_id, viewer=viewer)
        if view.listing.kind is not ListingKind.TASK:
            raise ListingNotFound("no such task in this collective (it is another kind of listing)")
        return view

    def search(self, slug: str, query: ListingQuery, *, viewer: str) -> Page[ListingView]:
        """Browse and search the collective's listings (open ones unless asked otherwise).

        Closed listings are for members; others see open ones, if the market is public."""
        check_limit(query.limit)
        for value in (query.min_price, query.max_price):
            if value is not None and value < 0:
                raise InvalidValue("prices are not negative", field="price")
        if query.text is not None and len(query.text) > 200:
            raise InvalidValue("a search has at most 200 characters", field="q")
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            access = market_reader(uow, collective, viewer)
            if query.status is not ListingStatus.OPEN:
                visibility.require_full_access(access, what="closed listings")
            return search_listings(uow, collective, query)

    @staticmethod
    def _listing_views(
        uow: UnitOfWork, collective: Collective, items: Sequence[Listing]
    ) -> list[ListingView]:
        return listing_views(uow, collective, items)


def listing_views(
    uow: UnitOfWork, collective: Collective, items: Sequence[Listing]
) -> list[ListingView]:
    """The listings with their owners' reputations (two queries, however many listings)."""
    reps = reputations(uow, collective, sorted({i.owner_id for i in items}))
    return [ListingView(i, reps[i.owner_id]) for i in items]


def search_listings(
    uow: UnitOfWork, collective: Collective, query: ListingQuery
) -> Page[ListingView]:
    """A page of the search, ranked with the collective's reputation prior."""
    star_sum, count = uow.market.reviews.totals(collective.id)
    page = uow.market.listings.search(collective.id, query, prior=prior_milli(star_sum, count))
    return Page(listing_views(uow, collective, page.items), page.next_cursor)
