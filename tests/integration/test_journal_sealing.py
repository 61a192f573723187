"""The sequencer: entries written unsealed are counted by ``verify``, sealed in position order
(gaps and late commits included), and a sealed entry changed afterwards fails ``verify``."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from cybermutual.bootstrap import build_services
from cybermutual.domain.ledger import TransferKind
from cybermutual.services.bookkeeping import Books
from cybermutual.services.container import Services
from cybermutual.services.ledger import SEAL_GRACE_US
from cybermutual.services.loading import load_collective
from cybermutual.store.uow import SqlUnitOfWork
from tests.helpers import FAST_PASSWORDS, FakeClock, members


@pytest.fixture
def deferred(engine: Engine, clock: FakeClock) -> Services:
    """Services whose entries wait for a sealer (none runs unless the test calls one)."""
    return build_services(
        engine,
        clock=clock,
        passwords=FAST_PASSWORDS,
        journal_sealing="deferred",
        seal_after_commit=False,
    )


def _pay(services: Services, slug: str, payer: str, payee: str, amount: int, key: str) -> None:
    services.ledger.pay(slug, payer=payer, payee=payee, amount=amount, idempotency_key=key)


def test_an_unsealed_tail_is_counted_then_sealed(deferred: Services) -> None:
    slug, (a, b) = members(deferred, 2, levy_rate="0.05")
    genesis = deferred.ledger.head(slug)
    _pay(deferred, slug, a.id, b.id, 300, "k1")
    _pay(deferred, slug, b.id, a.id, 100, "k2")

    waiting = deferred.ledger.verify(slug)
    assert waiting.ok, waiting.problems
    assert (waiting.entries, waiting.unsealed) == (4, 4)  # two payments, two levies
    assert deferred.ledger.head(slug) == genesis  # nothing chained yet

    assert deferred.ledger.seal() == 4
    sealed = deferred.ledger.verify(slug)
    assert sealed.ok, sealed.problems
    assert (sealed.entries, sealed.unsealed) == (4, 0)
    assert deferred.ledger.head(slug).seq == 4
    assert sealed.head == deferred.ledger.head(slug).hash
    assert deferred.ledger.seal() == 0  # nothing left


@pytest.mark.parametrize("sealing", ["deferred", "opportunistic"])
def test_a_lone_writer_leaves_no_tail(engine: Engine, clock: FakeClock, sealing: str) -> None:
    """Sealed right after its commit (deferred), or in its own transaction (opportunistic)."""
    services = build_services(
        engine, clock=clock, passwords=FAST_PASSWORDS, journal_sealing=sealing
    )
    slug, (a, b) = members(services, 2)
    _pay(services, slug, a.id, b.id, 300, "k1")
    result = services.ledger.verify(slug)
    assert result.ok, result.problems
    assert (result.entries, result.unsealed, services.ledger.head(slug).seq) == (1, 0, 1)


def test_tampering_with_a_sealed_entry_fails_verify(deferred: Services, engine: Engine) -> None:
    slug, (a, b, c) = members(deferred, 3)
    _pay(deferred, slug, a.id, b.id, 300, "k1")
    deferred.ledger.seal()
    _pay(deferred, slug, b.id, c.id, 100, "k2")  # an unsealed tail after the sealed entry
    with engine.begin() as conn:  # the payee of the sealed entry rewritten to c
        conn.execute(
            text(
                "UPDATE journal_entries SET credit_account_id = "
                "(SELECT credit_account_id FROM journal_entries WHERE seq IS NULL) "
                "WHERE seq = 1"
            )
        )
    result = deferred.ledger.verify(slug)
    assert not result.ok
    assert "chain_broken" in {p.kind for p in result.problems}


def test_the_sealer_leaves_nothing_behind_unnoticed(
    deferred: Services, engine: Engine, clock: FakeClock
) -> None:
    """An entry a sealer passed over (written long before what it sealed) is a problem."""
    slug, (a, b) = members(deferred, 2)
    _pay(deferred, slug, a.id, b.id, 300, "old")
    with engine.connect() as conn:
        position = conn.execute(text("SELECT max(position) FROM journal_entries")).scalar()
    clock.advance(seconds=SEAL_GRACE_US // 1_000_000 + 1)
    _pay(deferred, slug, b.id, a.id, 100, "new")
    with engine.begin() as conn:  # hidden from the sealer, as if it committed too late
        conn.execute(
            text("UPDATE journal_entries SET seq = -1 WHERE position = :p"), {"p": position}
        )
    deferred.ledger.seal()
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE journal_entries SET seq = NULL WHERE position = :p"), {"p": position}
        )
    result = deferred.ledger.verify(slug)
    assert result.unsealed == 1
    assert "unsealed_stale" in {p.kind for p in result.problems}
    deferred.ledger.seal()  # the next sealer seals it after all
    assert deferred.ledger.verify(slug).ok


@pytest.mark.postgres
def test_gaps_and_late_commits_seal_in_a_verifiable_order(
    deferred: Services, engine: Engine
) -> None:
    """A rolled-back writer leaves a gap in the positions; a writer that took its position
    early but committed late is sealed after the ones that committed first. Both verify."""
    if engine.dialect.name != "postgresql":
        pytest.skip("positions come from a sequence on PostgreSQL only")
    slug, (a, b, c, d) = members(deferred, 4)

    def write(payer: str, payee: str, amount: int) -> tuple[object, int]:
        uow = deferred.uow()
        uow.__enter__()
        collective = load_collective(uow, slug)
        books = Books(uow, collective, now=deferred.clock.now())
        books.lock_members([payer, payee])
        books.move(
            books.account_of(payer), books.account_of(payee), amount, kind=TransferKind.PAYMENT
        )
        books.close()
        assert isinstance(uow, SqlUnitOfWork)
        position = uow.connection.execute(
            text("SELECT max(position) FROM journal_entries WHERE seq IS NULL")
        ).scalar_one()
        return uow, int(position)

    rolled_back, gap = write(a.id, b.id, 50)
    rolled_back.__exit__(None, None, None)  # type: ignore[attr-defined]
    early, early_position = write(a.id, b.id, 200)  # position taken, not committed yet
    late, late_position = write(c.id, d.id, 300)
    assert gap < early_position < late_position
    late.commit()  # type: ignore[attr-defined]
    late.__exit__(None, None, None)  # type: ignore[attr-defined]
    assert deferred.ledger.seal() == 1  # the later position first: the earlier is not visible
    early.commit()  # type: ignore[attr-defined]
    early.__exit__(None, None, None)  # type: ignore[attr-defined]
    assert deferred.ledger.seal() == 1

    result = deferred.ledger.verify(slug)
    assert result.ok, result.problems
    assert (result.entries, result.unsealed) == (2, 0)
    with engine.connect() as conn:
        order = conn.execute(text("SELECT position FROM journal_entries ORDER BY seq")).scalars()
        assert list(order) == [late_position, early_position]


def test_a_status_changed_behind_the_journal_fails_verify(
    services: Services, engine: Engine
) -> None:
    """The streamed status check (two id-ordered streams merged) still finds each transfer."""
    slug, (a, b, c) = members(services, 3)
    for n in range(5):
        _pay(services, slug, (a, b, c)[n % 3].id, (b, c, a)[n % 3].id, 10 + n, f"k{n}")
    with engine.begin() as conn:
        tampered = conn.execute(
            text("SELECT id FROM transfers ORDER BY id LIMIT 1 OFFSET 2")
        ).scalar_one()
        conn.execute(
            text("UPDATE transfers SET status = 'voided' WHERE id = :id"), {"id": tampered}
        )
    result = services.ledger.verify(slug)
    assert [(p.kind, p.ids.get("transfer")) for p in result.problems] == [
        ("status_not_journaled", tampered)
    ]
