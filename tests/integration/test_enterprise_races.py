"""Several servers closing one enterprise's pay period at the same moment pay its wages and
shares exactly once, on both databases (the close locks the enterprise's account and every
payee's, then re-reads the period under those locks)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Engine, func, select

from cybermutual.bootstrap import build_services
from cybermutual.domain.enterprise.contracts import HoursAction
from cybermutual.domain.enterprise.kinds import EnterpriseKind
from cybermutual.domain.errors import StorageUnavailable
from cybermutual.services.container import Services
from cybermutual.store.tables import enterprise_payouts, transfers
from tests.helpers import FAST_PASSWORDS, SERVERS, FakeClock, count_rows, members, together


def test_closing_a_period_on_many_servers_at_once_pays_once(
    services: Services, engine: Engine, clock: FakeClock
) -> None:
    slug, people = members(services, 3)
    ana, ben, cy = (p.id for p in people)
    coop = services.enterprises.create(
        slug, founder=ana, kind=EnterpriseKind.COOPERATIVE, name="Rye", cofounders=(ben,)
    ).enterprise.id
    for member in (ana, ben, cy):
        contract = services.enterprises.offer_contract(
            slug, actor=ana, enterprise_id=coop, member=member, hourly_wage=60
        )
        clock.advance(minutes=1)
        entry = services.enterprises.log_hours(
            slug,
            member=member,
            enterprise_id=coop,
            contract_id=contract.id,
            worked_at=clock.now(),
            hours=Decimal(2),
        )
        services.enterprises.decide_hours(
            slug,
            actor=ben if member == ana else ana,
            enterprise_id=coop,
            entry_id=entry.id,
            action=HoursAction.APPROVE,
        )
    period = services.enterprises.open_period(
        slug, actor=ana, enterprise_id=coop, ends_at=clock.now() + timedelta(hours=1)
    )
    clock.advance(hours=2)
    fleet = [services] + [
        build_services(engine, clock=clock, passwords=FAST_PASSWORDS) for _ in range(SERVERS - 1)
    ]
    closers = iter(range(SERVERS))

    def close(s: Services) -> None:
        n = next(closers)
        s.enterprises.close_period(
            slug,
            actor=(ana, ben)[n % 2],
            enterprise_id=coop,
            period_id=period.id,
            idempotency_key=f"close-{n}",
        )

    failures = together(fleet, close)
    assert not [f for f in failures if not isinstance(f, StorageUnavailable)]
    # three wages of 120, paid once; no surplus (no revenue), so no shares; a loss carried
    assert count_rows(engine, select(func.count()).where(transfers.c.kind == "wage")) == 3
    assert count_rows(engine, select(func.count()).select_from(enterprise_payouts)) == 3
    view = services.enterprises.enterprise(slug, viewer=ana, enterprise_id=coop)
    assert (view.account.balance, view.enterprise.loss_carried) == (-360, 360)
    assert services.ledger.verify(slug).ok
