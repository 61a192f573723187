"""The commons pages without a browser: assets, rounds, bidding with the token budget, the
facilitator's shares and reasons, declining, the usage log, and every refusal they show."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cybermutual.domain.commons.rounds import AllocationRound, RoundStatus
from cybermutual.domain.commons.shares import PassSummary
from cybermutual.services.commons_rounds import RoundReport
from cybermutual.web.pages.commons import read_round_result
from tests.api.helpers import COLLECTIVE, Member
from tests.helpers import FakeClock
from tests.web.helpers import Visitor, text_of

SLUG = COLLECTIVE["slug"]
C = f"/c/{SLUG}/commons"


class Commons:
    """Riverside with a lathe (10 hours a period), its founder Ada (API) and a member (pages)."""

    def __init__(self, app: FastAPI, visitor: Visitor, clock: FakeClock) -> None:
        self.clock = clock
        self.ada = Member(TestClient(app), "Ada")
        assert self.ada.post("/collectives", json=COLLECTIVE).status_code == 201
        self.me = visitor
        assert self.me.submit(f"/c/{SLUG}/join").status_code == 303
        reply = self.ada.post(
            f"/collectives/{SLUG}/assets",
            json={
                "name": "Wood lathe",
                "category": "tools",
                "capacity": 10,
                "unit": "hours",
                "output_categories": ["crafts", "repairs"],
            },
        )
        assert reply.status_code == 201, reply.text
        self.lathe: str = reply.json()["id"]

    def open_round(self) -> str:
        now = self.clock.now()
        reply = self.ada.post(
            f"/collectives/{SLUG}/allocation-rounds",
            json={
                "bids_close_at": (now + timedelta(days=1)).isoformat(),
                "period_start": (now + timedelta(days=2)).isoformat(),
                "period_end": (now + timedelta(days=9)).isoformat(),
                "token_budget": 100,
            },
        )
        assert reply.status_code == 201, reply.text
        return str(reply.json()["id"])

    def ada_bids(self, round_id: str, units: int) -> None:
        reply = self.ada.post(
            f"/collectives/{SLUG}/allocation-rounds/{round_id}/bids",
            json={"asset_id": self.lathe, "max_units": units, "output_category": "crafts"},
        )
        assert reply.status_code == 201, reply.text

    def bid(self, round_id: str, units: str, **more: str) -> Any:
        form = {"asset_id": self.lathe, "max_units": units, "output_category": "crafts", **more}
        return self.me.submit(f"{C}/rounds/{round_id}/bids", form)


@pytest.fixture
def commons(app: FastAPI, visitor: Callable[..., Visitor], clock: FakeClock) -> Commons:
    return Commons(app, visitor("Grace"), clock)


def alert(page: Any) -> str:
    """Every refusal shown on the page (``role="alert"``), whole, as text."""
    found = re.findall(r'role="alert"[^>]*>(.*?)</(?:div|small)>', page.text, flags=re.S)
    assert found, f"no refusal on the page:\n{page.text[:2000]}"
    return html.unescape(" ".join(re.sub(r"<[^>]+>", "", f).strip() for f in found))


def _left(page: Any) -> str:
    found = re.search(r"<strong>([^<]+)</strong> of ([^<]+) tokens left", page.text)
    assert found, page.text[:3000]
    return found.group(1)


# --- the commons page ---------------------------------------------------------------------------


def test_anyone_sees_the_assets_and_rounds_but_only_members_the_usage_log(
    app: FastAPI, commons: Commons
) -> None:
    round_id = commons.open_round()
    stranger = Visitor(app, "Stranger")
    page = stranger.get(C)
    assert page.status_code == 200
    text = text_of(page)
    assert "Wood lathe" in text
    assert "10 hours per period" in text
    assert "crafts, repairs" in text
    assert "Taking bids" in text
    assert "Members read the usage log" in text
    assert "the facilitator (a program that follows the charter, not a person)" in text
    assert "Add an asset" not in text
    assert "Record use" not in text

    member_page = text_of(commons.me.get(C))
    assert "Add an asset" in member_page
    assert "Usage log" in member_page
    assert "Bid in this round" in member_page
    assert "Open a round" not in member_page  # one round at a time
    round_page = text_of(commons.me.get(f"{C}/rounds/{round_id}"))
    assert "Tokens are not money" in round_page  # the word explained where it is first used


def test_a_member_adds_an_asset(commons: Commons) -> None:
    reply = commons.me.submit(
        f"{C}/assets",
        {
            "name": "Cargo bike",
            "category": "vehicles",
            "capacity": "7",
            "unit": "days",
            "output_categories": "delivery, repairs",
            "location": "Yard",
        },
    )
    assert reply.status_code == 303
    page = commons.me.get(reply.headers["location"])
    assert "Cargo bike is now held in common" in text_of(page)
    assert "delivery, repairs" in text_of(page)


def test_adding_an_asset_with_no_capacity_is_refused_next_to_the_capacity(
    commons: Commons,
) -> None:
    page = commons.me.submit(
        f"{C}/assets", {"name": "Kiln", "category": "tools", "capacity": "0", "unit": "hours"}
    )
    assert page.status_code == 422
    assert 'id="e-capacity"' in page.text
    assert "from 1 to" in alert(page)
    assert 'value="Kiln"' in page.text  # what was typed is kept


def test_no_commons_in_a_private_collective(app: FastAPI, visitor: Callable[..., Visitor]) -> None:
    ada = Member(TestClient(app), "Ada")
    charter = {**COLLECTIVE["charter"], "capital_mode": "private"}
    assert ada.post("/collectives", json={**COLLECTIVE, "charter": charter}).status_code == 201
    me = visitor("Linus")
    me.submit(f"/c/{SLUG}/join")
    assert "keeps capital privately owned" in text_of(me.get(C))
    page = me.submit(
        f"{C}/assets", {"name": "Kiln", "category": "tools", "capacity": "5", "unit": "hours"}
    )
    assert page.status_code == 422
    assert "capital_mode 'private'" in alert(page)


def test_a_member_opens_a_round_in_their_own_time_zone(commons: Commons) -> None:
    commons.me.client.cookies.set("cm_tz", "Europe/Berlin")
    page = commons.me.get(C)
    assert 'name="bids_close_at"' in page.text  # offered with defaults
    reply = commons.me.submit(
        f"{C}/rounds",
        {
            "bids_close_at": "2026-11-03T18:00",
            "period_start": "2026-11-04T00:00",
            "period_end": "2026-11-11T00:00",
            "token_budget": "50",
        },
    )
    assert reply.status_code == 303, reply.text
    round_page = commons.me.get(reply.headers["location"])
    text = text_of(round_page)
    assert "The round is open" in text
    assert "3 Nov 2026, 18:00" in text  # Berlin, as typed (17:00 UTC)
    rounds = commons.ada.get(f"/collectives/{SLUG}/allocation-rounds").json()["items"]
    assert rounds[0]["bids_close_at"].startswith("2026-11-03T17:00")
    assert rounds[0]["token_budget"] == 50


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("bids_close_at", "2026-11-05T00:00", "no later than period_start"),
        ("bids_close_at", "soon", "enter a date and time"),
        ("period_end", "2026-11-03T00:00", "period_end must be after period_start"),
        ("token_budget", "0", "from 1 to"),
    ],
)
def test_opening_a_round_badly_is_refused_next_to_the_field(
    commons: Commons, field: str, value: str, said: str
) -> None:
    form = {
        "bids_close_at": "2026-11-03T18:00",
        "period_start": "2026-11-04T00:00",
        "period_end": "2026-11-11T00:00",
        "token_budget": "100",
        field: value,
    }
    page = commons.me.submit(f"{C}/rounds", form)
    assert page.status_code == 422
    assert f'id="e-{field}"' in page.text
    assert said in alert(page)
    assert f'value="{value}"' in page.text
    assert '<details class="form-panel" open>' in page.text  # the form stays open


def test_a_second_round_while_one_is_open_is_refused(commons: Commons) -> None:
    commons.open_round()
    page = commons.me.submit(
        f"{C}/rounds",
        {
            "bids_close_at": "2026-11-20T18:00",
            "period_start": "2026-11-21T00:00",
            "period_end": "2026-11-28T00:00",
            "token_budget": "100",
        },
    )
    assert page.status_code == 409
    assert "Not done" in text_of(page)


def test_opening_a_round_needs_a_signed_in_member(app: FastAPI, commons: Commons) -> None:
    stranger = Visitor(app, "Stranger")
    reply = stranger.submit(f"{C}/rounds", {"token_budget": "100"})
    assert reply.status_code == 303
    assert reply.headers["location"].startswith("/signin")
    outsider = Visitor(app, "Outsider").sign_up()
    page = outsider.submit(
        f"{C}/rounds",
        {
            "bids_close_at": "2026-11-03T18:00",
            "period_start": "2026-11-04T00:00",
            "period_end": "2026-11-11T00:00",
            "token_budget": "100",
        },
    )
    assert page.status_code == 403


# --- bidding ------------------------------------------------------------------------------------


def test_a_member_bids_and_sees_what_is_left_of_the_budget(commons: Commons) -> None:
    round_id = commons.open_round()
    page = commons.me.get(f"{C}/rounds/{round_id}")
    assert page.status_code == 200
    assert _left(page) == "100"
    assert "Type a bid to see" in page.text
    assert 'hx-get="/c/riverside/commons/rounds/' in page.text  # the budget follows typing

    assert commons.bid(round_id, "6").status_code == 303
    page = commons.me.get(f"{C}/rounds/{round_id}")
    assert "Your bid is in" in text_of(page)
    assert "Withdraw bid for Wood lathe" in page.text
    assert _left(page) == "100"  # alone on the lathe, 6 of 10 hours fit: free


def test_the_budget_box_follows_the_bid_being_typed(commons: Commons) -> None:
    round_id = commons.open_round()
    commons.ada_bids(round_id, 8)
    base = f"{C}/rounds/{round_id}/forecast?asset_id={commons.lathe}&output_category=crafts"
    fits = commons.me.get(f"{base}&max_units=2", headers={"HX-Request": "true"})
    assert fits.status_code == 200
    assert "<html" not in fits.text  # a fragment for htmx
    assert _left(fits) == "100"  # 2 + 8 fit in 10: free
    contested = commons.me.get(f"{base}&max_units=9", headers={"HX-Request": "true"})
    assert float(_left(contested)) < 5  # 9 + 8 > 10: the lathe has a price, the budget buys it
    assert "tokens" in text_of(contested)
    assert "/unit" in contested.text
    # nothing was placed by typing
    assert (
        commons.ada.get(f"/collectives/{SLUG}/allocation-rounds/{round_id}/bids").json()["items"][
            0
        ]["member_id"]
        == commons.ada.id
    )
    assert "You have not bid yet" in text_of(commons.me.get(f"{C}/rounds/{round_id}"))


def test_the_budget_box_says_why_a_typed_bid_would_be_refused(commons: Commons) -> None:
    round_id = commons.open_round()
    base = f"{C}/rounds/{round_id}/forecast?asset_id={commons.lathe}&output_category=crafts"
    too_many = commons.me.get(f"{base}&max_units=50")
    assert "max_units must be 1..10" in too_many.text
    not_a_number = commons.me.get(f"{base}&max_units=lots")
    assert "enter a whole number" in not_a_number.text
    assert _left(not_a_number) == "100"  # the budget still shows


@pytest.mark.parametrize(
    ("form", "status", "said", "beside"),
    [
        ({"max_units": "50"}, 422, "max_units must be 1..10", "max_units"),
        ({"max_units": "3", "min_units": "5"}, 422, "min_units must be 0..max_units", "min_units"),
        ({"max_units": "x"}, 422, "enter a whole number", "max_units"),
        ({"max_units": "3", "output_category": "food"}, 422, "serves crafts, repairs", None),
    ],
)
def test_a_bad_bid_is_refused_next_to_the_bid(
    commons: Commons, form: dict[str, str], status: int, said: str, beside: str | None
) -> None:
    round_id = commons.open_round()
    page = commons.bid(round_id, **{"units": form.pop("max_units"), **form})
    assert page.status_code == status
    assert said in alert(page)
    if beside is not None:
        assert f'id="e-{beside}"' in page.text
    else:  # in the box at the top of the bid form
        bid_form = page.text[page.text.index('id="bid-h"') :]
        assert 'id="refusal"' in bid_form[: bid_form.index("</form>")]
    assert _left(page) == "100"


def test_bidding_after_bids_close_is_refused(commons: Commons) -> None:
    round_id = commons.open_round()
    commons.clock.advance(days=1, seconds=1)
    page = commons.bid(round_id, "3")
    assert page.status_code == 409
    assert "no longer takes bids" in alert(page)
    assert "Share out now" in page.text


def test_a_member_withdraws_a_bid(commons: Commons) -> None:
    round_id = commons.open_round()
    commons.bid(round_id, "4")
    bids = commons.ada.get(f"/collectives/{SLUG}/allocation-rounds/{round_id}/bids").json()
    mine = bids["items"][0]["id"]
    reply = commons.me.submit(f"{C}/rounds/{round_id}/bids/{mine}/withdraw")
    assert reply.status_code == 303
    assert "You have not bid yet" in text_of(commons.me.get(f"{C}/rounds/{round_id}"))
    again = commons.me.submit(f"{C}/rounds/{round_id}/bids/{mine}/withdraw")
    assert again.status_code == 404


# --- the facilitator's shares -------------------------------------------------------------------


def _shared_out(commons: Commons) -> str:
    round_id = commons.open_round()
    commons.ada_bids(round_id, 8)
    commons.bid(round_id, "6")
    commons.clock.advance(days=1, seconds=1)
    return round_id


def test_sharing_out_too_early_is_refused(commons: Commons) -> None:
    round_id = commons.open_round()
    page = commons.me.submit(f"{C}/rounds/{round_id}/compute")
    assert page.status_code == 409
    assert "bidding" in alert(page).lower()


def test_a_member_reads_their_allocation_with_its_reasons_and_declines_it(
    commons: Commons,
) -> None:
    round_id = _shared_out(commons)
    page = commons.me.get(f"{C}/rounds/{round_id}")
    assert "Bidding closed" in text_of(page)
    computed = commons.me.submit(f"{C}/rounds/{round_id}/compute")
    assert computed.status_code == 303
    page = commons.me.get(f"{C}/rounds/{round_id}")
    text = text_of(page)
    assert "The facilitator shared out the round" in text
    assert "Publish the shares" in text
    assert "My allocation" in text
    assert "hours of Wood lathe" in text
    assert "tokens per unit" in text  # contested: it has a price
    assert "A different bid:" in text
    assert "fully shared out" in text
    assert "Equilibrium gap" in text
    assert "envy" not in text.lower().replace("envy-free", "")  # never the old name
    assert "Price of fairness" in text
    assert "Everyone's shares" in text
    assert "Ada" in text
    assert "Grace" in text
    assert "Decline" not in text  # not binding yet: nothing to decline

    assert commons.me.submit(f"{C}/rounds/{round_id}/publish").status_code == 303
    page = commons.me.get(f"{C}/rounds/{round_id}")
    decline = re.search(r'action="([^"]+/decline)"', page.text)
    assert decline, page.text
    assert "Record use" in text_of(page)
    reply = commons.me.submit(decline.group(1))
    assert reply.status_code == 303
    page = commons.me.get(reply.headers["location"])
    text = text_of(page)
    assert "You declined" in text
    assert "Declined" in text
    assert "Share out declined units" in text

    twice = commons.me.submit(decline.group(1))
    assert twice.status_code == 409
    assert alert(twice)

    assert commons.me.submit(f"{C}/rounds/{round_id}/rerun").status_code == 303
    page = commons.me.get(f"{C}/rounds/{round_id}")
    assert "Pass 2" in text_of(page)
    assert "Share out declined units" not in text_of(page)


def test_closing_before_the_period_ends_is_refused(commons: Commons) -> None:
    round_id = _shared_out(commons)
    commons.me.submit(f"{C}/rounds/{round_id}/compute")
    commons.me.submit(f"{C}/rounds/{round_id}/publish")
    page = commons.me.submit(f"{C}/rounds/{round_id}/close")
    assert page.status_code == 409
    assert alert(page)
    commons.clock.advance(days=9)
    assert commons.me.submit(f"{C}/rounds/{round_id}/close").status_code == 303
    assert "Closed" in text_of(commons.me.get(f"{C}/rounds/{round_id}"))


def test_a_member_records_use_of_their_share_and_not_more(commons: Commons) -> None:
    round_id = _shared_out(commons)
    commons.me.submit(f"{C}/rounds/{round_id}/compute")
    commons.me.submit(f"{C}/rounds/{round_id}/publish")
    form = {
        "round_id": round_id,
        "asset_id": commons.lathe,
        "output_category": "crafts",
        "note": "six bowls",
    }
    page = commons.me.submit(f"{C}/usage", {**form, "units": "10"})
    assert page.status_code == 422
    assert "usage" in page.text
    assert alert(page)
    assert 'value="six bowls"' in page.text
    assert "My allocation" in page.text
    reply = commons.me.submit(f"{C}/usage", {**form, "units": "1"})
    assert reply.status_code == 303
    log = text_of(commons.me.get(C))
    assert "six bowls" in log
    assert "Grace" in log
    page = commons.me.get(C).text
    # the use in the asset's own unit, not a bare number
    assert re.search(r'data-label="Used"[^>]*>1 hour<', page)


def test_recording_use_outside_a_round_is_refused_next_to_the_units(commons: Commons) -> None:
    page = commons.me.submit(
        f"{C}/usage", {"asset_id": commons.lathe, "units": "0", "output_category": "crafts"}
    )
    assert page.status_code == 422
    assert 'id="e-units"' in page.text
    assert (
        commons.me.submit(
            f"{C}/usage", {"asset_id": commons.lathe, "units": "2", "output_category": "crafts"}
        ).status_code
        == 303
    )


def test_a_member_cancels_the_round_they_opened(commons: Commons) -> None:
    commons.me.client.cookies.set("cm_tz", "UTC")
    reply = commons.me.submit(
        f"{C}/rounds",
        {
            "bids_close_at": "2026-11-03T18:00",
            "period_start": "2026-11-04T00:00",
            "period_end": "2026-11-11T00:00",
            "token_budget": "100",
        },
    )
    round_id = reply.headers["location"].rsplit("/", 1)[-1]
    assert "Cancel the round" in commons.me.get(f"{C}/rounds/{round_id}").text
    reply = commons.me.submit(f"{C}/rounds/{round_id}/cancel")
    assert reply.status_code == 303
    assert reply.headers["location"] == C
    assert "Open a round" in text_of(commons.me.get(C))


def test_someone_else_cannot_cancel_a_round_they_did_not_open(commons: Commons) -> None:
    round_id = commons.open_round()  # Ada's
    assert "Cancel the round" not in commons.me.get(f"{C}/rounds/{round_id}").text
    page = commons.me.submit(f"{C}/rounds/{round_id}/cancel")
    assert page.status_code == 403
    assert alert(page)


def test_a_round_seen_from_outside_and_missing_rounds(app: FastAPI, commons: Commons) -> None:
    round_id = commons.open_round()
    stranger = Visitor(app, "Stranger")
    page = stranger.get(f"{C}/rounds/{round_id}")
    assert page.status_code == 200
    assert "Sign in" in text_of(page)
    assert "Place bid" not in page.text
    missing = commons.me.get(f"{C}/rounds/nope")
    assert missing.status_code == 404
    assert "Page not found" in missing.text
    step = commons.me.submit(f"{C}/rounds/{round_id}/sell")
    assert step.status_code == 404


# --- the one reader of the facilitator's report --------------------------------------------------


def _report(summary: dict[str, Any]) -> RoundReport:
    moment = datetime(2026, 11, 1)
    round_ = AllocationRound(
        id="r",
        collective_id="c",
        period_start=moment,
        period_end=moment,
        bids_close_at=moment,
        token_budget=100,
        status=RoundStatus.COMPUTED,
        opened_by="m",
        opened_at=moment,
    )
    return RoundReport(round_, [PassSummary("r", 1, {}, summary, moment)], [], {}, [])


def test_the_reader_takes_the_equilibrium_gap_under_either_name() -> None:
    before = read_round_result(
        _report({"envy": 0.004, "envy_tolerance": 0.005}), {}, freed_units=False
    )
    assert before.passes[0].equilibrium_gap == 0.004
    assert before.passes[0].gap_tolerance == 0.005
    after = read_round_result(
        _report(
            {
                "equilibrium_gap": 0.002,
                "equilibrium_gap_tolerance": 0.005,
                "ef1": True,
                "lottery": {"seed": "1234"},
            }
        ),
        {},
        freed_units=False,
    )
    assert after.passes[0].equilibrium_gap == 0.002
    assert after.passes[0].ef1 is True
    assert after.passes[0].lottery_seed == "1234"
    bare = read_round_result(_report({}), {}, freed_units=False)
    assert bare.passes[0].equilibrium_gap is None
    assert bare.passes[0].converged is None


def test_a_member_names_the_sales_a_use_produced(commons: Commons) -> None:
    paid = commons.ada.post(
        f"/collectives/{SLUG}/transfers",
        key="bowls",
        json={"to": _my_id(commons), "amount": 850, "memo": "two bowls"},
    )
    assert paid.status_code == 201, paid.text
    page = commons.me.get(C)
    assert "Sales it produced" in page.text
    assert "8.50 RVC from Ada" in text_of(page)
    sale = f"sale_{paid.json()['id']}"
    form = {"asset_id": commons.lathe, "units": "2", "output_category": "crafts", sale: "1"}
    reply = commons.me.submit(f"{C}/usage", form)
    assert reply.status_code == 303
    page = commons.me.get(C)
    assert "8.50 RVC" in text_of(page)  # in the log, as the use's sales
    assert sale not in page.text  # named once: no longer offered


def test_naming_a_payment_that_is_no_sale_is_refused(commons: Commons) -> None:
    form = {
        "asset_id": commons.lathe,
        "units": "2",
        "output_category": "crafts",
        "note": "bowls",
        "sale_not-a-payment": "1",
    }
    page = commons.me.submit(f"{C}/usage", form)
    assert page.status_code == 422
    assert "a sale is a posted payment you received" in alert(page)
    assert 'value="bowls"' in page.text


def _my_id(commons: Commons) -> str:
    members = commons.ada.get(f"/collectives/{SLUG}/memberships").json()["items"]
    return str(next(m["member_id"] for m in members if m["display_name"] == "Grace"))


def test_members_keep_an_asset_s_state_up_to_date(commons: Commons) -> None:
    path = f"{C}/assets/{commons.lathe}/status"
    page = commons.me.get(C)
    assert "Mark Wood lathe under maintenance" in page.text
    reply = commons.me.submit(path, {"status": "maintenance"})
    assert reply.status_code == 303
    page = commons.me.get(C)
    assert "Wood lathe is under maintenance" in text_of(page)
    assert "Mark Wood lathe available" in page.text
    round_id = commons.open_round()
    refused = commons.bid(round_id, "2")
    assert refused.status_code == 422
    assert "under maintenance" in alert(refused)
    assert commons.me.submit(path, {"status": "retired"}).status_code == 303
    page = commons.me.get(C)
    assert "retired" in text_of(page)
    assert "Mark Wood lathe" not in page.text  # nothing more to do with it
    again = commons.me.submit(path, {"status": "available"})
    assert again.status_code == 409
    assert alert(again)


def test_an_unknown_asset_state_is_refused(commons: Commons) -> None:
    page = commons.me.submit(f"{C}/assets/{commons.lathe}/status", {"status": "sold"})
    assert page.status_code == 422
    assert "available, maintenance or retired" in alert(page)
    missing = commons.me.submit(f"{C}/assets/nope/status", {"status": "retired"})
    assert missing.status_code == 404
