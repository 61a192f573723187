"""Migration 0005_escrow on a database with market history: every order's escrow becomes an
``escrow``, the journal (and so its head) is untouched, and the ledger still verifies."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, text

from cybermutual.domain.market.deals import Action
from cybermutual.domain.market.listings import ListingKind
from cybermutual.services.container import Services
from cybermutual.store.migrate import alembic_config, upgrade
from tests.helpers import members


def test_existing_escrows_get_their_kind_and_the_ledger_verifies(
    services: Services, engine: Engine
) -> None:
    slug, (seller, buyer) = members(services, 2, credit_limit=10_000, levy_rate="0.02")
    listing = services.market.post_listing(
        slug,
        owner=seller.id,
        kind=ListingKind.OFFER,
        title="Lamp",
        description="",
        category="crafts",
        price=1_000,
        quantity=5,
    ).listing
    held = services.market.place_order(
        slug, buyer=buyer.id, listing_id=listing.id, idempotency_key="held"
    )
    done = services.market.place_order(
        slug, buyer=buyer.id, listing_id=listing.id, idempotency_key="done"
    )
    for action in (Action.ACCEPT, Action.DELIVER):
        services.market.act(slug, actor=seller.id, order_id=done.id, action=action)
    services.market.act(slug, actor=buyer.id, order_id=done.id, action=Action.CONFIRM)
    services.ledger.pay(slug, payer=buyer.id, payee=seller.id, amount=250, idempotency_key="p")
    head = services.ledger.head(slug)

    command.downgrade(alembic_config(engine), "0003")  # back to how 0003 stored it all
    with engine.connect() as conn:
        kinds = dict(conn.execute(text("SELECT id, kind FROM transfers")).all())
    assert {kinds[held.escrow_id], kinds[done.escrow_id]} == {"payment"}
    upgrade(engine)

    with engine.connect() as conn:
        kinds = dict(conn.execute(text("SELECT id, kind FROM transfers")).all())
    assert (kinds[held.escrow_id], kinds[done.escrow_id]) == ("escrow", "escrow")
    assert sorted(kinds.values()).count("payment") == 1  # the direct payment stays one
    assert services.ledger.head(slug) == head
    result = services.ledger.verify(slug)
    assert result.ok, result.problems
