"""The ledger through the service layer, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from cybermutual.domain.errors import (
    AlreadyMember,
    CreditLimitExceeded,
    DebtOutstanding,
    IdempotencyKeyReused,
    InvalidTransition,
    NotAllowed,
    NotAMember,
    PayeeNotAMember,
    SelfTransfer,
)
from cybermutual.domain.ledger import TransferStatus
from cybermutual.services.container import Services
from cybermutual.services.ledger import PaymentOrder
from tests.helpers import members, person


def balances(services: Services, slug: str, *people_ids: str) -> list[int]:
    return [services.ledger.account(slug, member_id=p).account.balance for p in people_ids]


def test_pay_moves_money_and_journal_verifies(services: Services) -> None:
    slug, (a, b) = members(services, 2)
    view = services.ledger.pay(slug, payer=a.id, payee=b.id, amount=2_500, idempotency_key="k1")
    assert (view.payer, view.payee, view.transfer.status) == (a.id, b.id, TransferStatus.POSTED)
    assert balances(services, slug, a.id, b.id) == [-2_500, 2_500]
    result = services.ledger.verify(slug)
    assert result.ok, result.problems
    assert result.entries == 1


def test_payment_beyond_the_credit_limit_is_refused_and_changes_nothing(services: Services) -> None:
    slug, (a, b) = members(services, 2, credit_limit=1_000)
    services.ledger.pay(slug, payer=a.id, payee=b.id, amount=600, idempotency_key="k1")
    with pytest.raises(CreditLimitExceeded):
        services.ledger.pay(slug, payer=a.id, payee=b.id, amount=401, idempotency_key="k2")
    assert balances(services, slug, a.id, b.id) == [-600, 600]
    services.ledger.pay(slug, payer=a.id, payee=b.id, amount=400, idempotency_key="k3")
    assert balances(services, slug, a.id, b.id) == [-1_000, 1_000]
    assert services.ledger.verify(slug).ok


def test_idempotent_retry_returns_the_original_and_posts_once(services: Services) -> None:
    slug, (a, b) = members(services, 2)
    first = services.ledger.pay(slug, payer=a.id, payee=b.id, amount=100, idempotency_key="same")
    again = services.ledger.pay(slug, payer=a.id, payee=b.id, amount=100, idempotency_key="same")
    assert again.transfer.id == first.transfer.id
    assert balances(services, slug, a.id) == [-100]
    with pytest.raises(IdempotencyKeyReused):
        services.ledger.pay(slug, payer=a.id, payee=b.id, amount=101, idempotency_key="same")
    assert services.ledger.verify(slug).entries == 1


def test_levy_is_its_own_entry_linked_to_the_payment(services: Services) -> None:
    slug, (a, b) = members(services, 2, levy_rate="0.05")
    view = services.ledger.pay(slug, payer=a.id, payee=b.id, amount=1_999, idempotency_key="k")
    assert view.levy == 99  # floor(1999 * 0.05)
    assert balances(services, slug, a.id, b.id) == [-1_999, 1_900]
    assert services.collectives.profile(slug).stats.commons_fund == 99
    assert services.ledger.verify(slug).entries == 2
    entries = services.ledger.transfers(slug, member_id=b.id).items
    assert sorted(
        (e.payer, e.payee, e.transfer.amount, e.transfer.kind.value) for e in entries
    ) == sorted([(a.id, b.id, 1_999, "payment"), (b.id, "commons_fund", 99, "levy")])


def test_pending_reserves_then_posts_or_voids(services: Services) -> None:
    slug, (a, b) = members(services, 2, credit_limit=1_000)
    held = services.ledger.pay(
        slug, payer=a.id, payee=b.id, amount=800, idempotency_key="p", pending=True
    )
    account = services.ledger.account(slug, member_id=a.id).account
    assert (account.balance, account.reserved, account.available) == (0, 800, -800)
    with pytest.raises(CreditLimitExceeded):
        services.ledger.pay(slug, payer=a.id, payee=b.id, amount=201, idempotency_key="q")
    with pytest.raises(NotAllowed):
        services.ledger.settle(
            slug, actor=b.id, transfer_id=held.transfer.id, post=True, idempotency_key="s0"
        )
    posted = services.ledger.settle(
        slug, actor=a.id, transfer_id=held.transfer.id, post=True, idempotency_key="s1"
    )
    assert posted.transfer.status is TransferStatus.POSTED
    assert balances(services, slug, a.id, b.id) == [-800, 800]
    with pytest.raises(InvalidTransition):
        services.ledger.settle(
            slug, actor=a.id, transfer_id=held.transfer.id, post=False, idempotency_key="s2"
        )
    retried = services.ledger.settle(  # a retry of the release answers as the first time did
        slug, actor=a.id, transfer_id=held.transfer.id, post=True, idempotency_key="s1"
    )
    assert retried.transfer.status is TransferStatus.POSTED
    second = services.ledger.pay(
        slug, payer=a.id, payee=b.id, amount=150, idempotency_key="r", pending=True
    )
    services.ledger.settle(
        slug, actor=b.id, transfer_id=second.transfer.id, post=False, idempotency_key="s3"
    )
    account = services.ledger.account(slug, member_id=a.id).account
    assert (account.balance, account.reserved) == (-800, 0)
    assert services.ledger.verify(slug).ok


def test_batch_is_all_or_nothing(services: Services) -> None:
    slug, (a, b, c) = members(services, 3, credit_limit=1_000)
    good = [PaymentOrder(a.id, b.id, 300), PaymentOrder(b.id, c.id, 200)]
    assert len(services.ledger.post_many(slug, good)) == 2
    bad = [PaymentOrder(a.id, c.id, 500), PaymentOrder(a.id, b.id, 500)]  # second breaks a's limit
    with pytest.raises(CreditLimitExceeded):
        services.ledger.post_many(slug, bad)
    assert balances(services, slug, a.id, b.id, c.id) == [-300, 100, 200]
    assert services.ledger.verify(slug).entries == 2


def test_leave_rejoin_and_spend_after_leaving(services: Services) -> None:
    slug, (a, b) = members(services, 2)
    services.ledger.pay(slug, payer=a.id, payee=b.id, amount=500, idempotency_key="k")
    with pytest.raises(DebtOutstanding):
        services.collectives.leave(slug, member_id=a.id)
    services.collectives.leave(slug, member_id=b.id)
    with pytest.raises(PayeeNotAMember):  # nobody can pay a leaver (the payee is named)
        services.ledger.pay(slug, payer=a.id, payee=b.id, amount=1, idempotency_key="x")
    services.ledger.pay(slug, payer=b.id, payee=a.id, amount=200, idempotency_key="y")
    with pytest.raises(CreditLimitExceeded):  # a leaver spends what they hold, no more
        services.ledger.pay(slug, payer=b.id, payee=a.id, amount=301, idempotency_key="z")
    again = services.collectives.join(slug, member_id=b.id)
    assert again.is_active
    assert balances(services, slug, b.id) == [300]  # same account, nothing lost
    with pytest.raises(AlreadyMember):
        services.collectives.join(slug, member_id=b.id)
    assert services.ledger.verify(slug).ok


def test_self_payment_and_strangers_are_refused(services: Services) -> None:
    slug, (a, _) = members(services, 2)
    stranger = person(services, "stranger")
    with pytest.raises(SelfTransfer):
        services.ledger.pay(slug, payer=a.id, payee=a.id, amount=1, idempotency_key="k")
    with pytest.raises(NotAMember):
        services.ledger.pay(slug, payer=stranger.id, payee=a.id, amount=1, idempotency_key="k")
    with pytest.raises(PayeeNotAMember):  # the stranger is named, not the caller blamed
        services.ledger.pay(slug, payer=a.id, payee=stranger.id, amount=1, idempotency_key="k")
