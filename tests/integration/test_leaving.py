"""Issue #9 item 9 through the services: leaving ties up its loose ends and says what it leaves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cybermutual.domain.errors import HoldsOutstanding, ListingClosed, NotAMember
from cybermutual.domain.market.listings import ListingKind, ListingStatus
from cybermutual.domain.market.proposals import ApplicationStatus, QuoteStatus
from cybermutual.services.container import Services
from cybermutual.services.market.ports import ListingQuery
from tests.helpers import FakeClock, members


def _listing(services: Services, slug: str, owner: str, kind: ListingKind, title: str) -> str:
    return services.market.post_listing(
        slug,
        owner=owner,
        kind=kind,
        title=title,
        description="",
        category="repairs",
        price=800,
    ).listing.id


def test_a_leaver_leaves_no_listing_quote_or_application_open(services: Services) -> None:
    slug, (ada, bo) = members(services, 2, credit_limit=5_000)
    offer = _listing(services, slug, bo.id, ListingKind.OFFER, "Bike tune-up")
    request = _listing(services, slug, ada.id, ListingKind.REQUEST, "Fix a chair")
    task = _listing(services, slug, ada.id, ListingKind.TASK, "Paint the fence")
    quote = services.market.quote(slug, quoter=bo.id, listing_id=request, price=700)
    application = services.market.apply(slug, applicant=bo.id, listing_id=task)

    departure = services.collectives.leave(slug, member_id=bo.id)

    assert departure.listings_closed == (offer,)
    assert (departure.quotes_withdrawn, departure.applications_withdrawn) == (1, 1)
    assert departure.warnings == ()
    assert (
        services.market.listing(slug, offer, viewer=ada.id).listing.status is ListingStatus.CLOSED
    )
    found = services.market.search(slug, ListingQuery(text="bike"), viewer=ada.id)
    assert found.items == []
    with pytest.raises(ListingClosed):
        services.market.place_order(slug, buyer=ada.id, listing_id=offer, idempotency_key="o")
    (withdrawn,) = services.market.quotes(slug, viewer=ada.id, listing_id=request)
    assert (withdrawn.id, withdrawn.status) == (quote.id, QuoteStatus.WITHDRAWN)
    (gone,) = services.market.applications(slug, viewer=ada.id, listing_id=task)
    assert (gone.id, gone.status) == (application.id, ApplicationStatus.WITHDRAWN)
    # rejoining restores the account and reopens nothing
    services.collectives.join(slug, member_id=bo.id)
    assert (
        services.market.listing(slug, offer, viewer=ada.id).listing.status is ListingStatus.CLOSED
    )
    assert services.ledger.account(slug, member_id=bo.id).account.credit_limit == 5_000


def test_a_leaver_shows_no_credit_limit_and_cannot_hold(services: Services) -> None:
    slug, (ada, bo) = members(services, 2, credit_limit=5_000)
    services.ledger.pay(slug, payer=ada.id, payee=bo.id, amount=300, idempotency_key="p")
    services.collectives.leave(slug, member_id=bo.id)
    view = services.ledger.account(slug, member_id=bo.id)
    assert (view.account.credit_limit, view.account.available) == (0, 300)
    with pytest.raises(NotAMember):
        services.market.place_order(
            slug,
            buyer=bo.id,
            listing_id=_listing(services, slug, ada.id, ListingKind.OFFER, "Jam"),
            idempotency_key="o",
        )


def test_leaving_while_money_is_held_is_refused(services: Services) -> None:
    slug, (ada, bo) = members(services, 2, credit_limit=5_000)
    services.ledger.pay(slug, payer=ada.id, payee=bo.id, amount=900, idempotency_key="p")
    services.ledger.pay(
        slug, payer=bo.id, payee=ada.id, amount=100, pending=True, idempotency_key="h"
    )
    with pytest.raises(HoldsOutstanding):
        services.collectives.leave(slug, member_id=bo.id)


def test_leaving_mid_round_warns_that_the_bids_no_longer_count(
    services: Services, clock: FakeClock
) -> None:
    slug, (ada, bo) = members(services, 2)
    lathe = services.commons.contribute(
        slug, member_id=ada.id, name="Lathe", category="tools", capacity=12, unit="hours"
    )
    round_ = services.allocation.open_round(
        slug,
        member_id=ada.id,
        period_start=clock.now() + timedelta(days=2),
        period_end=clock.now() + timedelta(days=9),
        bids_close_at=clock.now() + timedelta(days=1),
    )
    services.allocation.place_bid(
        slug, round_.id, member_id=ada.id, asset_id=lathe.id, max_units=6, output_category="crafts"
    )
    departure = services.collectives.leave(slug, member_id=ada.id)
    assert len(departure.warnings) == 1
    assert round_.id in departure.warnings[0]
    last = services.collectives.leave(slug, member_id=bo.id)
    assert any("last active member" in w for w in last.warnings)
