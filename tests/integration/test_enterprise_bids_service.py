"""An enterprise's bids in the allocation service on both databases: ``allocate --collective``
names the enterprise holding a share, and the table it prints says whom the share is for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cybermutual import cli
from cybermutual.domain.enterprise.kinds import EnterpriseKind
from cybermutual.services.container import Services
from tests.helpers import FakeClock, members


def test_the_round_report_names_the_enterprise_holding_a_share(
    services: Services, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug, people = members(services, 3)
    ana, ben, cy = (p.id for p in people)
    coop = services.enterprises.create(
        slug, founder=ana, kind=EnterpriseKind.COOPERATIVE, name="Rye & Co", cofounders=(ben,)
    ).enterprise.id
    lathe = services.commons.contribute(
        slug, member_id=cy, name="Lathe", category="tools", capacity=12, unit="hours"
    )
    round_ = services.allocation.open_round(
        slug,
        member_id=cy,
        period_start=clock.now() + timedelta(days=2),
        period_end=clock.now() + timedelta(days=9),
        bids_close_at=clock.now() + timedelta(days=1),
    )
    for member_id, enterprise_id in ((ben, coop), (cy, None)):
        services.allocation.place_bid(
            slug,
            round_.id,
            member_id=member_id,
            asset_id=lathe.id,
            max_units=8,
            output_category="crafts",
            enterprise_id=enterprise_id,
        )
    clock.advance(days=1, seconds=1)
    report = services.allocation.allocate_collective(slug)
    held = {s.enterprise_id: s for s in report.shares}
    assert set(held) == {coop, None}
    assert held[coop].member_id == ben
    assert report.enterprises == {coop: "Rye & Co"}
    assert sum(s.units for s in report.shares) == 12
    # the enterprise's page lists the share it holds
    listed = services.allocation.enterprise_shares(slug, coop, viewer_id=cy)
    assert [(h.share.id, h.asset_name) for h in listed] == [(held[coop].id, "Lathe")]

    # what `cybermutual allocate --collective` prints, on this round (computed again)
    monkeypatch.setattr(cli, "_existing", lambda _url=None: services)
    monkeypatch.setattr(cli, "console", Console(width=400))  # one row a line, unwrapped
    printed = CliRunner().invoke(cli.app, ["allocate", "--collective", slug])
    assert printed.exit_code == 0, printed.output
    assert "for Rye & Co" in printed.output
