"""Rules every front end must get the same: decided behind the services, not in the routers."""

from __future__ import annotations

import pytest

from cybermutual.domain.errors import CommonsNotForSale, NotAMember, NotFound
from cybermutual.domain.membership import MembershipStatus
from cybermutual.services.container import Services
from tests.helpers import members, person


def test_your_own_membership_is_not_a_member_until_you_join(services: Services) -> None:
    slug, (founder, *_others) = members(services, 2)
    assert services.collectives.own_membership(slug, member_id=founder.id).status is (
        MembershipStatus.ACTIVE
    )
    stranger = person(services, "stranger")
    with pytest.raises(NotAMember):
        services.collectives.own_membership(slug, member_id=stranger.id)


def test_only_the_ways_to_sell_an_asset_are_refused_as_such(services: Services) -> None:
    slug, (founder, *_others) = members(services, 2)
    lathe = services.commons.contribute(
        slug, member_id=founder.id, name="Lathe", category="tools", capacity=12, unit="hours"
    )
    with pytest.raises(CommonsNotForSale):
        services.commons.refuse_sale(slug, lathe.id, action="SELL")
    with pytest.raises(NotFound) as unknown:
        services.commons.refuse_sale(slug, lathe.id, action="paint")
    assert unknown.value.code == "not_found"
