"""``cybermutual ledger verify SLUG`` prints what the ledger no longer backs and exits 1."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cybermutual.bootstrap import build_services
from cybermutual.cli import app
from cybermutual.domain.market.deals import Action
from cybermutual.domain.market.listings import ListingKind
from cybermutual.store.engine import make_engine
from tests.helpers import FAST_PASSWORDS, members, void_behind_the_back

runner = CliRunner()


def test_verify_lists_an_order_whose_escrow_was_voided(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    services = build_services(make_engine(url), passwords=FAST_PASSWORDS)
    slug, (seller, buyer) = members(services, 2)
    listing = services.market.post_listing(
        slug,
        owner=seller.id,
        kind=ListingKind.OFFER,
        title="Lamp",
        description="",
        category="crafts",
        price=700,
    ).listing
    order = services.market.place_order(
        slug, buyer=buyer.id, listing_id=listing.id, idempotency_key="o"
    )
    services.market.act(slug, actor=seller.id, order_id=order.id, action=Action.ACCEPT)
    assert runner.invoke(app, ["ledger", "verify", slug, "--database-url", url]).exit_code == 0

    void_behind_the_back(services, slug, order)
    bad = runner.invoke(app, ["ledger", "verify", slug, "--database-url", url])
    assert bad.exit_code == 1
    assert "escrow_not_pending" in bad.output
    assert order.id in bad.output
    assert "does NOT verify (1 problems)" in bad.output
