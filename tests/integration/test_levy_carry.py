"""Issue #8 item 13 through the ledger: a batch of small payments pays the levy of its total,
so do separate single payments, and ``verify`` recomputes every levy and remainder."""

from __future__ import annotations

from sqlalchemy import Engine, text

from cybermutual.domain.ledger import TransferKind
from cybermutual.services.container import Services
from cybermutual.services.ledger import PaymentOrder
from tests.helpers import members


def _levies(services: Services, slug: str) -> int:
    with services.uow(readonly=True) as uow:
        collective = uow.collectives.by_slug(slug)
        assert collective is not None
        return sum(
            t.amount for t in uow.transfers.all_of(collective.id) if t.kind is TransferKind.LEVY
        )


def test_splitting_a_payment_saves_no_levy(services: Services) -> None:
    slug, (a, b, c) = members(services, 3, credit_limit=100_000, levy_rate="0.02")
    services.ledger.pay(slug, payer=a.id, payee=b.id, amount=49_000, idempotency_key="one")
    assert _levies(services, slug) == 980
    services.ledger.pay_batch(
        slug,
        payer=a.id,
        payments=[PaymentOrder(a.id, c.id, 49)] * 1_000,
        idempotency_key="batch",
    )
    assert _levies(services, slug) == 980 + 980
    for n in range(100):  # and one at a time: 4,900 in payments of 49 pays 98
        services.ledger.pay(slug, payer=b.id, payee=c.id, amount=49, idempotency_key=f"s{n}")
    assert _levies(services, slug) == 980 + 980 + 98
    assert services.ledger.account(slug, member_id=c.id).account.balance == 49_000 + 4_900 - 1_078
    result = services.ledger.verify(slug)
    assert result.ok, result.problems


def test_verify_recomputes_the_remainders(services: Services, engine: Engine) -> None:
    slug, (a, b) = members(services, 2, credit_limit=100_000, levy_rate="0.02")
    services.ledger.pay(slug, payer=a.id, payee=b.id, amount=49, idempotency_key="k")
    account = services.ledger.account(slug, member_id=b.id).account
    assert account.levy_carry == 980_000  # 0.98 of a minor unit still owed
    with engine.begin() as conn:  # someone forgives it behind the ledger's back
        conn.execute(text("UPDATE accounts SET levy_carry = 0 WHERE id = :id"), {"id": account.id})
    problems = services.ledger.verify(slug).problems
    assert [(p.kind, p.ids) for p in problems] == [("levy_carry_mismatch", {"account": account.id})]
