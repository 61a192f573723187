"""The allocation service on both databases: ``allocate --collective``, demand from the market."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import insert

from cybermutual.domain.allocation import (
    DEFAULT_TOLERANCE as TOLERANCE,
)
from cybermutual.domain.allocation import (
    BidRequest,
    Bids,
    UsageObservation,
    WarmStart,
    fisher_equilibrium,
    lottery_rng,
    round_to_units,
    value_bids,
)
from cybermutual.domain.errors import RoundNotFound
from cybermutual.services.commons_rounds import RoundReport
from cybermutual.services.container import Services
from cybermutual.store.tables import listings
from tests.helpers import FakeClock, members


def _round_with_bids(services: Services, clock: FakeClock) -> tuple[str, str, list[str]]:
    slug, people = members(services, 3)
    ids = [p.id for p in people]
    lathe = services.commons.contribute(
        slug, member_id=ids[0], name="Lathe", category="tools", capacity=12, unit="hours"
    )
    round_ = services.allocation.open_round(
        slug,
        member_id=ids[1],
        period_start=clock.now() + timedelta(days=2),
        period_end=clock.now() + timedelta(days=9),
        bids_close_at=clock.now() + timedelta(days=1),
    )
    for member_id, units, output in zip(
        ids, (6, 8, 4), ("crafts", "repairs", "crafts"), strict=True
    ):
        services.allocation.place_bid(
            slug,
            round_.id,
            member_id=member_id,
            asset_id=lathe.id,
            max_units=units,
            output_category=output,
        )
    return slug, lathe.id, ids


def test_allocate_collective_computes_the_open_round(services: Services, clock: FakeClock) -> None:
    slug, lathe, ids = _round_with_bids(services, clock)
    clock.advance(days=1, seconds=1)
    report = services.allocation.allocate_collective(slug)
    assert report.round.status.value == "computed"
    assert report.round.computed_by == "facilitator"
    assert sum(s.units for s in report.shares) == 12
    assert {s.member_id for s in report.shares} == set(ids)
    assert all(s.explanation["reason"] for s in report.shares)
    assert report.passes[0].prices[lathe] > 0


def test_no_open_round_to_allocate(services: Services) -> None:
    slug, _ = members(services, 1)
    with pytest.raises(RoundNotFound):
        services.allocation.allocate_collective(slug)


def test_open_requests_raise_demand_for_their_category(
    services: Services, clock: FakeClock
) -> None:
    slug, _, ids = _round_with_bids(services, clock)
    collective = services.collectives.profile(slug).collective
    with services.uow() as uow:
        conn = uow.connection  # type: ignore[attr-defined]
        conn.execute(
            insert(listings),
            [
                {
                    "id": f"req{n}",
                    "collective_id": collective.id,
                    "owner_id": ids[2],
                    "kind": "request",
                    "status": "open",
                    "title": "Wanted: bowls",
                    "description": "turned bowls",
                    "category": "crafts",
                    "tags": "",
                    "price": 1000,
                    "created_at": clock.now(),
                    "updated_at": clock.now(),
                }
                for n in range(3)
            ],
        )
        uow.commit()
    clock.advance(days=1, seconds=1)
    report = services.allocation.allocate_collective(slug)
    demand = {s.member_id: s.explanation["demand"] for s in report.shares}
    assert demand[ids[0]]["open_requests"] == 3
    assert demand[ids[1]]["open_requests"] == 0
    assert demand[ids[0]]["index"] > demand[ids[1]]["index"]


# --- the facilitator behind the service is the domain's: same inputs, same equilibrium ---------


def _use(
    services: Services, slug: str, member: str, buyer: str, asset: str, units: int, sale: int
) -> None:
    """``member`` used ``units`` of ``asset`` and sold something for ``sale`` to ``buyer``."""
    sales = []
    if sale:
        paid = services.ledger.pay(
            slug, payer=buyer, payee=member, amount=sale, idempotency_key=f"{member}{asset}"
        )
        sales.append(paid.transfer.id)
    services.commons.log_usage(
        slug, member_id=member, asset_id=asset, units=units, output_category="crafts", sales=sales
    )


def _bid_round(
    services: Services,
    clock: FakeClock,
    slug: str,
    opener: str,
    bids: list[tuple[str, str, int, int]],
) -> str:
    round_ = services.allocation.open_round(
        slug,
        member_id=opener,
        period_start=clock.now() + timedelta(days=2),
        period_end=clock.now() + timedelta(days=9),
        bids_close_at=clock.now() + timedelta(days=1),
    )
    for member_id, asset_id, max_units, min_units in bids:
        services.allocation.place_bid(
            slug,
            round_.id,
            member_id=member_id,
            asset_id=asset_id,
            max_units=max_units,
            min_units=min_units,
            output_category="crafts",
        )
    return round_.id


def test_a_round_agrees_with_the_domain_equilibrium_on_the_same_inputs(
    services: Services, clock: FakeClock
) -> None:
    slug, people = members(services, 4, credit_limit=100_000)
    ids = [p.id for p in people]
    capacity = {"lathe": 12, "kiln": 8, "van": 5}
    asset = {
        name: services.commons.contribute(
            slug, member_id=ids[0], name=name, category="tools", capacity=units, unit="hours"
        ).id
        for name, units in capacity.items()
    }
    usage = [  # (member, asset, units, sales)
        (0, "lathe", 6, 3000),
        (1, "lathe", 2, 200),
        (2, "kiln", 4, 1600),
        (3, "kiln", 3, 0),
    ]
    for who, name, units, sale in usage:
        _use(services, slug, ids[who], ids[(who + 1) % 4], asset[name], units, sale)
    wanted = [  # (member, asset, max, min)
        (0, "lathe", 8, 0),
        (1, "lathe", 10, 3),
        (2, "lathe", 5, 0),
        (0, "kiln", 6, 2),
        (2, "kiln", 6, 0),
        (3, "kiln", 8, 0),
        (1, "van", 4, 0),
        (3, "van", 2, 0),
    ]
    bids = [(ids[m], asset[a], hi, lo) for m, a, hi, lo in wanted]
    first = _bid_round(services, clock, slug, ids[0], bids)
    clock.advance(days=1, seconds=1)
    report = services.allocation.allocate_collective(slug)
    assert report.round.id == first

    # the same inputs, built by hand, solved by the domain directly (in bid-id order, as the
    # facilitator reads them, and with the round's published lottery seed)
    placed = {(b.member_id, b.asset_id): b.id for b in report.bids}
    bids.sort(key=lambda b: placed[b[0], b[1]])
    assert report.round.seed is not None
    member_ids = sorted(set(ids))
    asset_ids = sorted(asset.values())
    requests = [BidRequest(m, a, "crafts", float(hi), float(lo)) for m, a, hi, lo in bids]
    records = [UsageObservation(ids[w], asset[a], u, s) for w, a, u, s in usage]
    values = [v.value_per_unit for v in value_bids(requests, records, [])]
    market = Bids.of(
        [member_ids.index(m) for m, _, _, _ in bids],
        [asset_ids.index(a) for _, a, _, _ in bids],
        values,
        [float(hi) for _, _, hi, _ in bids],
        [float(lo) for _, _, _, lo in bids],
    )
    budgets = np.full(len(member_ids), 100.0)  # every member's token budget
    cap = np.array([float(capacity[n]) for a in asset_ids for n, i in asset.items() if i == a])
    direct = fisher_equilibrium(market, budgets, cap)
    whole = round_to_units(market, cap, direct.units, rng=lottery_rng(report.round.seed))

    _assert_agrees(report, bids, values, direct.units, direct.prices, whole, asset_ids)
    (summary,) = [p.summary for p in report.passes]
    assert summary["iterations"] == direct.iterations
    assert summary["equilibrium_gap"] == pytest.approx(direct.equilibrium_gap, abs=1e-12)
    assert summary["converged"] is True
    assert summary["equilibrium_gap"] <= summary["equilibrium_gap_tolerance"]
    assert summary["lottery"]["seed"] == report.round.lottery_seed
    assert summary["warm_start"] is False
    _assert_no_unit_idle_while_a_bid_could_take_it(report, capacity, asset, bids)

    # the next round starts from this round's prices, exactly as the domain would
    services.allocation.publish(slug, first, member_id=ids[1])
    clock.advance(days=9)
    services.allocation.close(slug, first, member_id=ids[2])
    _bid_round(services, clock, slug, ids[3], bids)
    clock.advance(days=1, seconds=1)
    again = services.allocation.allocate_collective(slug)
    warm = WarmStart(prices=np.array([report.passes[0].prices[a] for a in asset_ids]))
    resumed = fisher_equilibrium(market, budgets, cap, warm_start=warm)
    assert again.round.seed is not None
    assert again.round.seed != report.round.seed
    whole = round_to_units(market, cap, resumed.units, rng=lottery_rng(again.round.seed))
    _assert_agrees(again, bids, values, resumed.units, resumed.prices, whole, asset_ids)
    assert again.passes[0].summary["warm_start"] is True
    assert again.passes[0].summary["iterations"] == resumed.iterations
    # warm or cold, both are equilibria to the tolerance: the same Nash welfare within it
    assert resumed.nash_welfare == pytest.approx(direct.nash_welfare, rel=2 * TOLERANCE)


def _assert_no_unit_idle_while_a_bid_could_take_it(
    report: RoundReport,
    capacity: dict[str, int],
    asset: dict[str, str],
    bids: list[tuple[str, str, int, int]],
) -> None:
    held = {(s.member_id, s.asset_id): s.units for s in report.shares}
    for name, asset_id in asset.items():
        idle = capacity[name] - sum(u for (_, a), u in held.items() if a == asset_id)
        assert idle >= 0
        for member_id, a, hi, lo in bids:
            if a == asset_id and held[member_id, a] < hi:
                assert idle < max(1, lo - held[member_id, a])  # not even its minimum fits


def _assert_agrees(
    report: RoundReport,
    bids: list[tuple[str, str, int, int]],
    values: list[float],
    units: Any,
    prices: Any,
    whole: Any,
    asset_ids: list[str],
) -> None:
    share = {(s.member_id, s.asset_id): s for s in report.shares}
    assert len(share) == len(bids) == len(report.shares)
    for k, (member_id, asset_id, _, _) in enumerate(bids):
        s = share[member_id, asset_id]
        assert s.value_per_unit == pytest.approx(values[k], rel=1e-12)
        assert s.explanation["fractional_share"] == pytest.approx(units[k], rel=1e-9, abs=1e-9)
        assert s.units == whole[k]
        assert s.price_per_unit == pytest.approx(prices[asset_ids.index(asset_id)], rel=1e-9)
    for a, asset_id in enumerate(asset_ids):
        assert report.passes[0].prices[asset_id] == pytest.approx(prices[a], rel=1e-9)


def test_a_bid_gets_its_minimum_or_nothing_and_reruns_keep_to_the_bids(
    services: Services, clock: FakeClock
) -> None:
    slug, people = members(services, 4)
    ids = [p.id for p in people]
    lathe = services.commons.contribute(
        slug, member_id=ids[0], name="Lathe", category="tools", capacity=12, unit="hours"
    ).id
    wanted = {ids[0]: (8, 0), ids[1]: (9, 5), ids[2]: (6, 0), ids[3]: (7, 2)}
    round_id = _bid_round(
        services, clock, slug, ids[0], [(m, lathe, hi, lo) for m, (hi, lo) in wanted.items()]
    )
    clock.advance(days=1, seconds=1)
    report = services.allocation.compute(slug, round_id, member_id=ids[1])
    first = {s.member_id: s for s in report.shares}
    assert sum(s.units for s in first.values()) == 12  # oversubscribed: a positive price...
    assert report.passes[0].prices[lathe] > 0  # ...only on an asset used to the last unit
    for m, s in first.items():
        assert s.units <= wanted[m][0]
        assert s.units == 0 or s.units >= wanted[m][1]
    assert first[ids[1]].units == 0  # its minimum of 5 did not fit beside the others' shares
    assert "minimum of 5 did not fit" in first[ids[1]].explanation["reason"]
    # its fractional share did not stay idle: the others took it, none below its own share
    freed = first[ids[1]].explanation["fractional_share"]
    assert freed > 2
    others = [s for m, s in first.items() if m != ids[1]]
    gained = sum(s.units - s.explanation["fractional_share"] for s in others)
    assert gained == pytest.approx(freed, abs=1e-6)
    assert all(s.units > s.explanation["fractional_share"] - 1 for s in others)
    services.allocation.publish(slug, round_id, member_id=ids[2])

    def held(report: RoundReport) -> dict[str, int]:
        total = dict.fromkeys(ids, 0)
        for s in report.shares:
            if not s.is_declined:
                total[s.member_id] += s.units
        return total

    services.allocation.decline(slug, round_id, first[ids[0]].id, member_id=ids[0])
    second = services.allocation.rerun(slug, round_id, member_id=ids[3])
    pass2 = [s for s in second.shares if s.pass_no == 2]
    assert ids[0] not in {s.member_id for s in pass2}  # who declined is left out
    assert sum(s.units for s in pass2) == first[ids[0]].units  # others can take it all
    assert second.passes[1].summary["pass"] == 2
    for m, total in held(second).items():
        assert total <= wanted[m][0]
        assert total == 0 or total >= wanted[m][1]
    assert sum(held(second).values()) == 12

    # a member declines their second-pass share too: pass 3 leaves both decliners out
    again = next(s for s in pass2 if s.units > 0)
    services.allocation.decline(slug, round_id, again.id, member_id=again.member_id)
    third = services.allocation.rerun(slug, round_id, member_id=ids[3])
    pass3 = [s for s in third.shares if s.pass_no == 3]
    assert {s.member_id for s in pass3}.isdisjoint({ids[0], again.member_id})
    for m, total in held(third).items():
        assert total <= wanted[m][0]
        assert total == 0 or total >= wanted[m][1]
    assert [p.pass_no for p in third.passes] == [1, 2, 3]


def test_use_without_sales_does_not_leave_an_asset_idle(
    services: Services, clock: FakeClock
) -> None:
    slug, people = members(services, 3)
    ids = [p.id for p in people]
    kitchen = services.commons.contribute(
        slug, member_id=ids[0], name="Kitchen", category="kitchens", capacity=10, unit="hours"
    ).id
    _use(services, slug, ids[0], ids[1], kitchen, 5, 0)  # cooked for the street, sold nothing
    round_id = _bid_round(services, clock, slug, ids[0], [(m, kitchen, 6, 0) for m in ids])
    clock.advance(days=1, seconds=1)
    report = services.allocation.compute(slug, round_id, member_id=ids[2])
    assert sum(s.units for s in report.shares) == 10
    assert all(s.units >= 3 for s in report.shares)  # equal budgets, equal shares
    assert all(s.value_per_unit > 0 for s in report.shares)
    # the newcomers, who have not used the kitchen, are valued at the collective's level, not
    # at the kitchen's 0 sales per hour, and the one who cooked without selling a little lower
    value = {s.member_id: s.value_per_unit for s in report.shares}
    assert value[ids[1]] == value[ids[2]] > value[ids[0]]
    for newcomer in ids[1:]:
        share = next(s for s in report.shares if s.member_id == newcomer)
        assert share.units >= 3
        assert share.explanation["productivity"]["collective_basis"] == "default"
        assert "no use of any asset has led to a sale yet" in share.explanation["reason"]
