"""The enterprise pages without a browser: every page, and every refusal next to its cause."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cybermutual.domain.governance.kinds import ENTERPRISE_KINDS, ProposalKind
from cybermutual.domain.market.deals import Action
from cybermutual.domain.market.listings import ListingKind
from cybermutual.services.container import Services
from tests.api.helpers import COLLECTIVE, Member
from tests.helpers import FakeClock
from tests.web.helpers import Visitor, alert, text_of

SLUG = "riverside"
E = f"/c/{SLUG}/enterprises"


def id_of(services: Services, who: Visitor) -> str:
    with services.uow(readonly=True) as uow:
        found = uow.people.by_email(who.email)
    assert found is not None
    return found[0].id


@pytest.fixture
def people(app: FastAPI, visitor: Callable[..., Visitor]) -> list[Visitor]:
    """Riverside holds capital in a mixed way (enterprises may own some); Ada, Bo and Cy
    joined it through the pages."""
    founder = Member(TestClient(app), "Founder")
    charter = {**COLLECTIVE["charter"], "capital_mode": "mixed"}
    assert founder.post("/collectives", json={**COLLECTIVE, "charter": charter}).status_code == 201
    joined = [visitor(name) for name in ("Ada", "Bo", "Cy")]
    for who in joined:
        assert who.submit(f"/c/{SLUG}/join").status_code == 303
    return joined


def found(who: Visitor, name: str = "Rye Co-op", kind: str = "cooperative") -> str:
    reply = who.submit(E, {"name": name, "kind": kind, "description": "Sourdough"})
    assert reply.status_code == 303, alert(reply)
    matched = re.fullmatch(rf"{E}/([0-9a-f]{{32}})", reply.headers["location"])
    assert matched, reply.headers["location"]
    return matched.group(1)


def admit(ada: Visitor, newcomer: Visitor, eid: str, services: Services) -> None:
    """Ada invites; the newcomer accepts on the Enterprises page; Ada votes them in."""
    invited = ada.submit(
        f"{E}/{eid}/invitations", {"member": id_of(services, newcomer), "message": "Join us"}
    )
    assert invited.status_code == 303, alert(invited)
    page = newcomer.get(E)
    assert "Ada invited you to become a worker-owner" in text_of(page)
    accept = re.search(rf'action="({E}/{eid}/invitations/[0-9a-f]+/accept)"', page.text)
    assert accept
    accepted = newcomer.submit(accept.group(1))
    assert accepted.status_code == 303
    vote_page = accepted.headers["location"]
    assert "Only Rye Co-op's worker-owners vote" in text_of(newcomer.get(vote_page))
    voted = ada.submit(f"{vote_page}/vote", {"choice": "yes"})
    assert voted.status_code == 303, alert(voted)


def test_founding_a_co_op_and_its_page(people: list[Visitor]) -> None:
    ada, _bo, cy = people
    index = ada.get(E)
    assert index.status_code == 200
    assert "No enterprise yet" in text_of(index)
    eid = found(ada)
    page = ada.get(f"{E}/{eid}")
    assert page.status_code == 200
    text = text_of(page)
    assert "Rye Co-op" in text
    assert "Co-operative" in text
    assert "worker-owner" in text
    assert "hours worked" in text  # how the surplus is shared until they vote otherwise
    assert "Rye Co-op" in text_of(cy.get(E))  # every member sees the collective's enterprises
    assert 'aria-current="page">Enterprises' in index.text


def test_founding_refusals_keep_what_was_typed(people: list[Visitor]) -> None:
    ada, _bo, _cy = people
    blank = ada.submit(E, {"name": " ", "kind": "cooperative", "description": "kept text"})
    assert blank.status_code == 422
    assert "name must have 1-120 characters" in alert(blank)
    assert "kept text" in blank.text
    odd = ada.submit(E, {"name": "X", "kind": "guild", "description": ""})
    assert odd.status_code == 422
    assert "co-operative or a firm" in alert(odd)


def test_a_co_op_invites_votes_and_decides_through_its_pages(
    people: list[Visitor], sqlite_services: Services
) -> None:
    ada, bo, cy = people
    eid = found(ada)
    gov = ada.get(f"{E}/{eid}/governance")
    assert gov.status_code == 200
    offered = set(re.findall(r'<option value="([a-z_]+)"', gov.text.split('name="kind"')[1]))
    # every co-op kind has its form, except admission, which comes by invitation
    expected = {k.value for k in ENTERPRISE_KINDS} - {"admit_worker_owner"} | {"resolution"}
    assert expected <= offered
    assert not offered & {k.value for k in ProposalKind} - expected
    admit(ada, bo, eid, sqlite_services)
    assert "Bo" in text_of(ada.get(f"{E}/{eid}/equity"))  # now a worker-owner
    for kind in sorted(expected):  # each kind's own form, with its own fields
        form = ada.get(f"{E}/{eid}/governance?kind={kind}")
        assert form.status_code == 200
        assert "Put it to the vote" in form.text
    assert (
        'name="params.rates.employee"' in ada.get(f"{E}/{eid}/governance?kind=set_wage_rates").text
    )
    assert (
        'name="params.rates.employee"' not in ada.get(f"{E}/{eid}/governance?kind=resolution").text
    )

    # a decision: Cy (no role) cannot propose; a share out of range is refused by its field
    refused = cy.submit(f"{E}/{eid}/governance", {"kind": "resolution", "title": "Hi"})
    assert refused.status_code == 403
    assert "worker_owner of Rye Co-op" in alert(refused)
    too_much = bo.submit(
        f"{E}/{eid}/governance",
        {"kind": "set_reserve_share", "title": "Save more", "params.share": "95"},
    )
    assert too_much.status_code == 422
    assert 'id="e-params.share"' in too_much.text
    assert "Save more" in too_much.text
    made = bo.submit(
        f"{E}/{eid}/governance",
        {"kind": "set_reserve_share", "title": "Save a tenth", "params.share": "10"},
    )
    assert made.status_code == 303, alert(made)
    proposal = made.headers["location"]
    shown = text_of(bo.get(proposal))
    assert "Keep 10.0% of each surplus in the reserve" in shown
    assert "0 of 2 worker-owners have voted" in shown
    assert bo.submit(f"{proposal}/vote", {"choice": "yes"}).status_code == 303
    assert ada.submit(f"{proposal}/vote", {"choice": "yes"}).status_code == 303
    assert "10% of each surplus kept" in text_of(ada.get(f"{E}/{eid}"))
    assert "Save a tenth" in text_of(ada.get(f"{E}/{eid}/governance"))
    assert "Save a tenth" not in text_of(ada.get(f"/c/{SLUG}/governance"))  # the co-op's own


def test_invitation_refusals(people: list[Visitor], sqlite_services: Services) -> None:
    ada, bo, cy = people
    eid = found(ada)
    none_chosen = ada.submit(f"{E}/{eid}/invitations", {"member": ""})
    assert none_chosen.status_code == 422
    assert "choose whom to invite" in alert(none_chosen)
    by_outsider = cy.submit(f"{E}/{eid}/invitations", {"member": id_of(sqlite_services, bo)})
    assert by_outsider.status_code == 403
    ada.submit(f"{E}/{eid}/invitations", {"member": id_of(sqlite_services, bo)})
    again = ada.submit(f"{E}/{eid}/invitations", {"member": id_of(sqlite_services, bo)})
    assert again.status_code == 409
    assert "already have an open invitation" in alert(again)
    invitation = re.search(rf"{E}/{eid}/invitations/([0-9a-f]+)/withdraw", again.text)
    assert invitation
    not_yours = cy.submit(f"{E}/{eid}/invitations/{invitation.group(1)}/accept")
    assert not_yours.status_code == 403
    assert "only the invited member" in alert(not_yours)
    withdrawn = ada.submit(f"{E}/{eid}/invitations/{invitation.group(1)}/withdraw")
    assert withdrawn.status_code == 303
    assert "withdrawn" in text_of(ada.get(f"{E}/{eid}/governance"))


def test_log_approve_close_and_see_each_share(
    people: list[Visitor], sqlite_services: Services, clock: FakeClock
) -> None:
    ada, bo, cy = people
    eid = found(ada)
    admit(ada, bo, eid, sqlite_services)
    for who in (ada, bo):
        offered = ada.submit(
            f"{E}/{eid}/contracts",
            {"member": id_of(sqlite_services, who), "role": "worker_owner", "hourly_wage": "0"},
        )
        assert offered.status_code == 303, alert(offered)
    today = clock.now().date().isoformat()
    for who, hours in ((ada, "3"), (bo, "1")):
        logged = who.submit(f"{E}/{eid}/hours", {"worked_on": today, "hours": hours})
        assert logged.status_code == 303, alert(logged)
    ahead = (clock.now() + timedelta(days=3)).date().isoformat()
    future = bo.submit(f"{E}/{eid}/hours", {"worked_on": ahead, "hours": "2"})
    assert future.status_code == 422
    assert 'id="e-worked_on"' in future.text  # next to the day, not in a box at the top
    bad = bo.submit(f"{E}/{eid}/hours", {"worked_on": today, "hours": "lots", "note": "kept"})
    assert bad.status_code == 422
    assert 'id="e-hours"' in bad.text
    assert "kept" in bad.text
    # Bo approves Ada's hours, Ada approves Bo's; nobody approves their own
    approved = ""
    for approver in (bo, ada):
        page = approver.get(f"{E}/{eid}")
        entry = re.search(rf'action="({E}/{eid}/hours/[0-9a-f]+/approve)"', page.text)
        assert entry
        approved = entry.group(1)
        assert approver.submit(approved).status_code == 303
    outsider = cy.submit(approved)
    assert outsider.status_code == 403  # Cy holds no role that approves hours
    assert "may do this" in alert(outsider)

    # a sale brings revenue: Cy pays the co-op's offer (through the services: it is the market's)
    ids = {n: id_of(sqlite_services, v) for n, v in (("ada", ada), ("bo", bo), ("cy", cy))}
    listing = _offer(sqlite_services, ids["ada"], eid)
    _buy(sqlite_services, listing, buyer=ids["cy"], seller=ids["bo"])

    opened = ada.submit(f"{E}/{eid}/periods", {"ends_on": "tomorrow"})
    assert opened.status_code == 422
    assert 'id="e-ends_on"' in opened.text
    opened = ada.submit(f"{E}/{eid}/periods", {"ends_on": today})
    assert opened.status_code == 303, alert(opened)
    page = ada.get(f"{E}/{eid}")
    close = re.search(rf'action="({E}/{eid}/periods/[0-9a-f]+/close)"', page.text)
    key = re.search(r'name="key" value="([^"]+)"', page.text)
    assert close
    assert key
    early = ada.submit(close.group(1), {"key": key.group(1)})
    assert early.status_code == 409
    assert "period" in alert(early).lower()
    assert ada.submit(close.group(1), {}).status_code == 422  # an out-of-date form
    clock.advance(days=2)
    closed = ada.submit(close.group(1), {"key": key.group(1)})
    assert closed.status_code == 303, alert(closed)
    twice = ada.submit(close.group(1), {"key": key.group(1)})  # a double click pays once
    assert twice.status_code == 303
    period = text_of(ada.get(closed.headers["location"]))
    assert "Profit and loss" in period
    assert "Surplus share" in period
    assert "merit 180" in period
    assert "merit 60" in period
    assert "minutes of approved work (hours worked)" in period  # what merit measures
    assert "6.00 RVC" in period
    assert "2.00 RVC" in period
    income = text_of(bo.get(E))
    assert "My income" in income
    assert "2.00 RVC" in income
    bos_view = text_of(bo.get(closed.headers["location"]))
    assert "6.00 RVC" in bos_view  # worker-owners see every payout of their co-op


def _offer(services: Services, seller: str, eid: str) -> str:
    view = services.market.post_listing(
        SLUG,
        owner=seller,
        kind=ListingKind.OFFER,
        title="Rye loaf",
        description="Baked today",
        category="food",
        price=800,
        quantity=1,
        enterprise_id=eid,
    )
    return view.listing.id


def _buy(services: Services, listing: str, *, buyer: str, seller: str) -> None:
    order = services.market.place_order(
        SLUG, buyer=buyer, listing_id=listing, idempotency_key="buy-1"
    )
    services.market.act(SLUG, actor=seller, order_id=order.id, action=Action.ACCEPT)
    services.market.act(SLUG, actor=seller, order_id=order.id, action=Action.DELIVER)
    services.market.act(
        SLUG, actor=buyer, order_id=order.id, action=Action.CONFIRM, idempotency_key="c-1"
    )


def test_capital_where_the_collective_allows_it_and_the_owner_register(
    people: list[Visitor], sqlite_services: Services
) -> None:
    ada, bo, cy = people
    firm = found(ada, "Mill Ltd", "firm")
    recorded = ada.submit(
        f"{E}/{firm}/capital",
        {"name": "Kneading machine", "value": "500", "labour_hours_replaced": "20"},
    )
    assert recorded.status_code == 303, alert(recorded)
    page = text_of(ada.get(f"{E}/{firm}"))
    assert "Kneading machine" in page
    assert "automation" in page
    assert "replaces 20 h" in page
    bad = ada.submit(f"{E}/{firm}/capital", {"name": "Oven", "value": "lots"})
    assert bad.status_code == 422
    assert 'id="e-value"' in bad.text
    assert "Oven" in bad.text
    no_role = cy.submit(f"{E}/{firm}/capital", {"name": "Van", "value": "5"})
    assert no_role.status_code == 403

    hidden = cy.get(f"{E}/{firm}/equity")
    assert hidden.status_code == 403
    assert "Only Mill Ltd's owners see who owns it" in text_of(hidden)
    granted = ada.submit(
        f"{E}/{firm}/equity", {"member": id_of(sqlite_services, bo), "shares": "25"}
    )
    assert granted.status_code == 303, alert(granted)
    register = text_of(ada.get(f"{E}/{firm}/equity"))
    assert "Bo" in register
    assert "25" in register
    assert "80.0%" in register
    zero = ada.submit(f"{E}/{firm}/equity", {"member": id_of(sqlite_services, bo), "shares": "0"})
    assert zero.status_code == 422
    assert 'id="e-shares"' in zero.text
    assert bo.get(f"{E}/{firm}/equity").status_code == 200  # now an owner, Bo sees it


def test_the_collective_report_and_its_csv(people: list[Visitor]) -> None:
    ada, _bo, _cy = people
    found(ada)
    page = ada.get(f"{E}/report")
    assert page.status_code == 200
    text = text_of(page)
    assert "wage share" in text
    assert "Gini of member income" in text
    assert "pay ratio" in text
    assert f'href="{E}/report.csv"' in page.text
    csv = ada.get(f"{E}/report.csv")
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    header, row = csv.text.strip().split("\r\n")
    assert header.split(",")[:3] == ["enterprises", "wages", "profit_shares"]
    assert row.split(",")[0] == "1"


def test_a_missing_enterprise_is_the_friendly_404_and_strangers_are_sent_to_sign_in(
    people: list[Visitor], app: FastAPI
) -> None:
    ada, _bo, _cy = people
    missing = ada.get(f"{E}/{'f' * 32}")
    assert missing.status_code == 404
    assert "enterprise" in text_of(missing).lower()
    stranger = Visitor(app, "Stranger").get(E)
    assert stranger.status_code == 303
    assert "/signin" in stranger.headers["location"]
    outsider = Visitor(app, "Out").sign_up().get(E)
    assert outsider.status_code == 200
    assert "Join Riverside" in text_of(outsider)


def test_an_offer_is_sold_by_an_enterprise_its_role_lets_you_sell_for(
    people: list[Visitor], sqlite_services: Services
) -> None:
    ada, _bo, cy = people
    eid = found(ada)
    assert f'href="/c/{SLUG}/market/new?enterprise={eid}"' in ada.get(f"{E}/{eid}").text
    form = ada.get(f"/c/{SLUG}/market/new?enterprise={eid}")
    assert "Sold by" in text_of(form)
    assert f'<option value="{eid}" selected>Rye Co-op</option>' in form.text
    offer = {
        "kind": "offer",
        "title": "Rye loaf",
        "description": "Baked today",
        "category": "food",
        "price": "8",
        "quantity": "3",
    }
    posted = ada.submit(f"/c/{SLUG}/market/new", {**offer, "enterprise": eid})
    assert posted.status_code == 303, alert(posted)
    listing_id = posted.headers["location"].rsplit("/", 1)[1]
    view = sqlite_services.market.listing(SLUG, listing_id, viewer=id_of(sqlite_services, ada))
    assert view.listing.enterprise_id == eid
    assert "Sold by" not in text_of(cy.get(f"/c/{SLUG}/market/new"))  # no enterprise to sell for
    forged = cy.submit(f"/c/{SLUG}/market/new", {**offer, "enterprise": eid})
    assert forged.status_code == 403
    assert "Rye loaf" in forged.text  # what was typed is kept
