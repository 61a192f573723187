"""The payments a member may still name as the sales of a use (both databases)."""

from __future__ import annotations

import pytest

from cybermutual.domain.errors import InvalidValue, NotAMember
from cybermutual.services.container import Services
from tests.helpers import members, person


def test_payments_received_are_offered_until_a_use_names_them(services: Services) -> None:
    slug, people = members(services, 3)
    ada, bo, cy = (p.id for p in people)
    lathe = services.commons.contribute(
        slug, member_id=ada, name="Lathe", category="tools", capacity=10, unit="hours"
    )
    first = services.ledger.pay(
        slug, payer=bo, payee=ada, amount=1_200, memo="bowls", idempotency_key="a"
    )
    second = services.ledger.pay(slug, payer=cy, payee=ada, amount=300, idempotency_key="b")
    services.ledger.pay(slug, payer=ada, payee=bo, amount=50, idempotency_key="c")  # paid out
    offered = services.commons.claimable_sales(slug, member_id=ada)
    assert [(s.transfer_id, s.payer_id, s.amount) for s in offered] == [
        (second.transfer.id, cy, 300),
        (first.transfer.id, bo, 1_200),
    ]
    assert offered[1].memo == "bowls"

    record = services.commons.log_usage(
        slug,
        member_id=ada,
        asset_id=lathe.id,
        units=3,
        output_category="crafts",
        sales=[first.transfer.id],
    )
    assert record.sales_value == 1_200
    left = services.commons.claimable_sales(slug, member_id=ada)
    assert [s.transfer_id for s in left] == [second.transfer.id]
    with pytest.raises(InvalidValue):  # named once only
        services.commons.log_usage(
            slug,
            member_id=ada,
            asset_id=lathe.id,
            units=1,
            output_category="crafts",
            sales=[first.transfer.id],
        )
    assert services.commons.claimable_sales(slug, member_id=cy) == []
    with pytest.raises(NotAMember):
        services.commons.claimable_sales(slug, member_id=person(services, "out").id)
