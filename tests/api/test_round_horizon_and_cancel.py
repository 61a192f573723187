"""One member can no longer block the commons (issue #8, item 6), and two 500s of item 10.

A round whose bidding closed in year 9999 blocked every other round, could not be cancelled and
outlived its opener's membership. Rounds now start within the charter's
``max_round_horizon_days`` and can be cancelled before they are published.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import COLLECTIVE, LATHE, open_round, place_bid
from tests.helpers import FakeClock, assert_problem

C = "/collectives/riverside"


def _round(m: Any, clock: FakeClock, *, start: timedelta, length: timedelta) -> Any:
    now = clock.now()
    return m.post(
        f"{C}/allocation-rounds",
        json={
            "period_start": (now + start).isoformat(),
            "period_end": (now + start + length).isoformat(),
            "bids_close_at": (now + start - timedelta(hours=1)).isoformat(),
        },
    )


def test_a_round_cannot_be_scheduled_for_year_9999(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    ada = member("Ada")
    ada.post("/collectives", json=COLLECTIVE)
    charter = client.get(f"/api/v1{C}").json()["charter"]
    assert charter["max_round_horizon_days"] == 90
    reply = ada.post(
        f"{C}/allocation-rounds",
        json={
            "period_start": "9999-12-01T00:00:00+00:00",
            "period_end": "9999-12-08T00:00:00+00:00",
            "bids_close_at": "9999-11-30T00:00:00+00:00",
        },
    )
    assert_problem(reply, 422, "invalid_value")
    assert reply.json()["context"]["max_round_horizon_days"] == 90
    assert_problem(
        _round(ada, clock, start=timedelta(days=91), length=timedelta(days=7)), 422, "invalid_value"
    )
    assert _round(ada, clock, start=timedelta(days=89), length=timedelta(days=7)).status_code == 201


def test_the_horizon_is_a_charter_setting(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    ada = member("Ada")
    charter = {**COLLECTIVE["charter"], "max_round_horizon_days": 400}
    assert ada.post("/collectives", json={**COLLECTIVE, "charter": charter}).status_code == 201
    assert client.get(f"/api/v1{C}").json()["charter"]["max_round_horizon_days"] == 400
    assert (
        _round(ada, clock, start=timedelta(days=300), length=timedelta(days=7)).status_code == 201
    )
    for bad in (0, 3661, "90"):
        wrong = {**COLLECTIVE, "slug": "elsewhere", "charter": {"max_round_horizon_days": bad}}
        assert_problem(ada.post("/collectives", json=wrong), 422, "validation_error")


def test_a_period_end_past_the_calendar_is_refused_not_a_500(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    ada = member("Ada")
    ada.post("/collectives", json=COLLECTIVE)
    now = clock.now()
    reply = ada.post(
        f"{C}/allocation-rounds",
        json={
            "period_start": (now + timedelta(days=2)).isoformat(),
            "period_end": "9999-12-31T23:00:00-05:00",
            "bids_close_at": (now + timedelta(days=1)).isoformat(),
        },
    )
    assert_problem(reply, 422, "invalid_value")
    for start in ("9999-12-31T20:00:00-05:00", "0001-01-01T00:30:00+01:00"):
        reply = ada.post(
            f"{C}/allocation-rounds",
            json={
                "period_start": start,
                "period_end": "9999-12-31T23:00:00-05:00",
                "bids_close_at": start,
            },
        )
        assert_problem(reply, 422, "invalid_value")


def test_the_opener_cancels_a_round_and_its_bids_are_released(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    ada, bo = member("Ada"), member("Bo")
    ada.post("/collectives", json=COLLECTIVE)
    bo.post(f"{C}/memberships")
    lathe = ada.post(f"{C}/assets", json=LATHE).json()["id"]
    round_id = open_round(bo, clock)
    assert place_bid(ada, round_id, lathe, 3, "crafts").status_code == 201
    # the round blocks the next one while it is open
    assert_problem(
        _round(ada, clock, start=timedelta(days=20), length=timedelta(days=7)),
        409,
        "round_in_progress",
    )
    # someone else may not cancel it while its opener is a member
    assert_problem(ada.post(f"{C}/allocation-rounds/{round_id}/cancel"), 403, "not_allowed")

    cancelled = bo.post(f"{C}/allocation-rounds/{round_id}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancelled_by"] == bo.id
    assert ada.get(f"{C}/allocation-rounds/{round_id}/bids").json()["items"] == []
    # nothing more happens to it, and it blocks nothing, not even its own period
    for action in ("compute", "publish", "close", "cancel"):
        assert_problem(
            bo.post(f"{C}/allocation-rounds/{round_id}/{action}"), 409, "invalid_transition"
        )
    assert_problem(place_bid(ada, round_id, lathe, 3, "crafts"), 409, "bidding_closed")
    assert open_round(ada, clock) != round_id


def test_anyone_may_cancel_once_the_opener_has_left(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    ada, bo = member("Ada"), member("Bo")
    ada.post("/collectives", json=COLLECTIVE)
    bo.post(f"{C}/memberships")
    round_id = open_round(bo, clock)
    assert bo.delete(f"{C}/memberships/me").status_code in (200, 204)
    assert_problem(bo.post(f"{C}/allocation-rounds/{round_id}/cancel"), 403, "not_a_member")
    cancelled = ada.post(f"{C}/allocation-rounds/{round_id}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"


def test_a_computed_round_can_be_cancelled_but_not_a_published_one(
    client: TestClient, member: Any, clock: FakeClock
) -> None:
    ada, bo = member("Ada"), member("Bo")
    ada.post("/collectives", json=COLLECTIVE)
    bo.post(f"{C}/memberships")
    lathe = ada.post(f"{C}/assets", json=LATHE).json()["id"]
    first = open_round(ada, clock)
    place_bid(bo, first, lathe, 3, "crafts")
    clock.advance(days=1, hours=1)
    assert ada.post(f"{C}/allocation-rounds/{first}/compute").status_code == 200
    assert ada.post(f"{C}/allocation-rounds/{first}/cancel").json()["status"] == "cancelled"
    assert ada.get(f"{C}/allocation-rounds/{first}/allocations").json()["allocations"] == []

    second = open_round(ada, clock)
    place_bid(bo, second, lathe, 3, "crafts")
    clock.advance(days=1, hours=1)
    ada.post(f"{C}/allocation-rounds/{second}/compute")
    assert ada.post(f"{C}/allocation-rounds/{second}/publish").status_code == 200
    assert_problem(ada.post(f"{C}/allocation-rounds/{second}/cancel"), 409, "invalid_transition")


def test_a_listing_asset_id_longer_than_an_id_is_refused(client: TestClient, member: Any) -> None:
    ada = member("Ada")
    ada.post("/collectives", json=COLLECTIVE)
    listing = {"kind": "offer", "title": "Chairs", "category": "food", "price": 100}
    for length in (33, 40, 64):
        reply = ada.post(f"{C}/listings", json={**listing, "asset_id": "a" * length})
        assert_problem(reply, 422, "validation_error")
    assert ada.post(f"{C}/listings", json={**listing, "asset_id": "a" * 32}).status_code == 201
