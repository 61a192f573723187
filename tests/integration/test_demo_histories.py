"""The demo's Hillside Growers came from Riverside Makers with their histories, verified."""

from __future__ import annotations

from pathlib import Path

from cybermutual.bootstrap import build_services
from cybermutual.demo import DEMO_PASSWORDS, seed
from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import upgrade


def test_the_demos_growers_brought_verified_histories(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    upgrade(engine)
    seed(
        lambda clock: build_services(engine, clock=clock, passwords=DEMO_PASSWORDS),
        payments=40,
        estimate=False,
    )
    services = build_services(engine, passwords=DEMO_PASSWORDS)
    with services.uow(readonly=True) as uow:
        hill = uow.collectives.by_slug("hillside-growers")
        assert hill is not None
        members = uow.memberships.list(hill.id, status=None, limit=10, cursor=None).items
        histories = uow.verified_histories.of_members(hill.id, [m.member_id for m, _ in members])
    brought = [found for found in histories.values() if found]
    assert len(members) == 4
    assert len(brought) == 3  # everyone but the founder, who started it
    for (history,) in brought:
        assert history.issuer_name == "Riverside Makers"
        assert history.summary.member_name in {p.display_name for _, p in members}
    engine.dispose()
