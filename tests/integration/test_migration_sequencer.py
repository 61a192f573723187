"""Migration 0014_sequencer on a database with a journal: every entry keeps its place and hash
(``position = seq``), the head is untouched, the ledger verifies, and new payments take
positions after the old ones (on PostgreSQL the sequence starts above every ``seq``)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, text

from cybermutual.services.container import Services
from cybermutual.store.migrate import alembic_config, upgrade
from tests.helpers import members


def test_an_existing_journal_keeps_its_chain(services: Services, engine: Engine) -> None:
    slug, (a, b) = members(services, 2, levy_rate="0.05")
    for n in range(3):
        services.ledger.pay(slug, payer=a.id, payee=b.id, amount=100 + n, idempotency_key=f"{n}")
    head = services.ledger.head(slug)

    command.downgrade(alembic_config(engine), "0013_wallet")
    with engine.connect() as conn:
        before = conn.execute(text("SELECT seq, hash FROM journal_entries ORDER BY seq")).all()
    upgrade(engine)

    with engine.connect() as conn:
        after = conn.execute(
            text("SELECT seq, hash, position, part FROM journal_entries ORDER BY seq")
        ).all()
    assert [(r.seq, r.hash) for r in after] == [tuple(r) for r in before]
    assert all((r.position, r.part) == (r.seq, 0) for r in after)
    assert services.ledger.head(slug) == head
    assert services.ledger.verify(slug).ok

    services.ledger.pay(slug, payer=b.id, payee=a.id, amount=50, idempotency_key="after")
    result = services.ledger.verify(slug)
    assert result.ok, result.problems
    assert (result.entries, result.unsealed) == (len(after) + 2, 0)  # a payment and its levy
