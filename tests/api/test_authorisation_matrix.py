"""Who may call what: every route of the OpenAPI document, as every kind of caller.

One collective, *hillside* (admission by approval, so its market is for members only), is set
up once per database. Each row of ``MATRIX`` builds its request (fresh objects where a call
changes something, so rows never depend on each other) and states the status each caller gets:

- ``anonymous``: no token;
- ``outsider``: signed in, a member of another collective only;
- ``pending``: asked to join hillside, not approved yet;
- ``leaver``: was a member of hillside and left (keeps read access to their own account);
- ``member``: an active member with no part in the object the route is about;
- ``party``: the person the route is for: the owner of a listing, the seller or buyer of an
  order, the juror of a dispute, ... (``None`` where nobody is more than a member).

A route in the OpenAPI document without a row here fails ``test_every_route_has_a_row``.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cybermutual.api.app import create_app
from cybermutual.bootstrap import build_services
from cybermutual.domain.collective import Admission, Charter
from cybermutual.domain.market.deals import Action
from cybermutual.domain.market.listings import ListingKind
from cybermutual.domain.market.rules import MarketRules
from cybermutual.domain.money import Currency
from cybermutual.domain.people import Person
from cybermutual.services.container import Services
from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import upgrade
from tests.helpers import FAST_PASSWORDS, FakeClock, truncate_all

CALLERS = ("anonymous", "outsider", "pending", "leaver", "member", "party")
H = "/collectives/hillside"
_keys = itertools.count()


@dataclass
class Call:
    method: str
    path: str
    json: Any = None
    data: dict[str, str] | None = None
    key: bool = False  # send a fresh Idempotency-Key
    party: Person | None = None  # who "party" is for this object
    outsider: Person | None = None  # a fresh outsider, where the call would make them join
    member: Person | None = None  # a member with no part in it, if the usual one has


@dataclass
class World:
    services: Services
    client: TestClient
    clock: FakeClock
    people: dict[str, Person] = field(default_factory=dict)
    round_id: str = ""
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def by_id(self, person_id: str) -> Person:
        return next(p for p in self.people.values() if p.id == person_id)

    @property
    def founder(self) -> Person:
        return self.people["founder"]

    @property
    def buyer(self) -> Person:
        return self.people["buyer"]

    # --- fresh objects, made through the services (fast, and not what is under test) ----

    def listing(self, kind: ListingKind = ListingKind.OFFER, *, owner: str = "founder") -> str:
        return self.services.market.post_listing(
            "hillside",
            owner=self.people[owner].id,
            kind=kind,
            title="Oak stool",
            description="Hand made",
            category="crafts",
            price=100,
            quantity=50 if kind is ListingKind.OFFER else None,
        ).listing.id

    def order(self, *upto: Action) -> str:
        order = self.services.market.place_order(
            "hillside",
            buyer=self.buyer.id,
            listing_id=self.listing(),
            idempotency_key=f"o{next(_keys)}",
        )
        for action in upto:
            self.services.market.act(
                "hillside",
                actor=self.founder.id,
                order_id=order.id,
                action=action,
                idempotency_key=f"a{next(_keys)}",
            )
        return order.id

    def quote(self) -> str:
        return self.services.market.quote(
            "hillside",
            quoter=self.buyer.id,
            listing_id=self.listing(ListingKind.REQUEST),
            price=90,
        ).id

    def application(self) -> tuple[str, str]:
        task = self.listing(ListingKind.TASK)
        made = self.services.market.apply("hillside", applicant=self.buyer.id, listing_id=task)
        return task, made.id

    def assigned_task(self, *, submitted: bool = False) -> str:
        task, application = self.application()
        self.services.market.assign(
            "hillside",
            actor=self.founder.id,
            listing_id=task,
            application_id=application,
            idempotency_key=f"t{next(_keys)}",
        )
        if submitted:
            order = self.services.market.task_order(
                "hillside", viewer=self.buyer.id, listing_id=task
            )
            self.services.market.act(
                "hillside", actor=self.buyer.id, order_id=order.id, action=Action.DELIVER
            )
        return task

    def dispute(self) -> tuple[str, Person, Person]:
        """A disputed order; its one juror, and the active member who is not on the jury."""
        order = self.order(Action.ACCEPT, Action.DELIVER)
        view = self.services.market.open_dispute(
            "hillside",
            actor=self.buyer.id,
            order_id=order,
            reason="It wobbles",
            idempotency_key=f"d{next(_keys)}",
        )
        (juror,) = (j.member_id for j in view.dispute.jurors)
        bystander = next(p for p in (self.people["member"], self.people["juror"]) if p.id != juror)
        return view.dispute.id, self.by_id(juror), bystander

    def pending_transfer(self) -> str:
        return self.services.ledger.pay(
            "hillside",
            payer=self.buyer.id,
            payee=self.founder.id,
            amount=10,
            idempotency_key=f"p{next(_keys)}",
            pending=True,
        ).transfer.id

    def asset(self) -> str:
        return self.services.commons.contribute(
            "hillside",
            member_id=self.founder.id,
            name="Lathe",
            category="woodworking",
            capacity=10,
            unit="hours",
        ).id

    def round(self) -> str:
        """The one allocation round in progress (a collective has one at a time)."""
        return self.round_id

    def bid(self) -> tuple[str, str]:
        asset, round_ = self.asset(), self.round()
        made = self.services.allocation.place_bid(
            "hillside",
            round_,
            member_id=self.buyer.id,
            asset_id=asset,
            max_units=2,
            output_category="crafts",
        )
        return round_, made.id


def _round_body(w: World) -> dict[str, str]:
    now = w.clock.now()
    return {
        "period_start": (now + timedelta(days=1)).isoformat(),
        "period_end": (now + timedelta(days=8)).isoformat(),
        "bids_close_at": (now + timedelta(hours=12)).isoformat(),
    }


OFFER = {
    "kind": "offer",
    "title": "Oak stool",
    "description": "",
    "category": "crafts",
    "price": 100,
    "quantity": 3,
}
OK, CREATED, ACCEPTED, GONE = 200, 201, 202, 204
UNAUTH, FORBIDDEN, NOT_FOUND, CONFLICT = 401, 403, 404, 409


def _row(
    anonymous: int,
    outsider: int,
    pending: int,
    leaver: int,
    member: int,
    party: int | None = None,
) -> dict[str, int | None]:
    return dict(zip(CALLERS, (anonymous, outsider, pending, leaver, member, party), strict=True))


Build = Callable[[World], Call]
#: (method, OpenAPI path) -> (request builder, expected status per caller)
MATRIX: dict[tuple[str, str], tuple[Build, dict[str, int | None]]] = {}


def route(method: str, path: str, expect: dict[str, int | None]) -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        MATRIX[(method, "/api/v1" + path)] = (build, expect)
        return build

    return register


# --- people and collectives -------------------------------------------------------------

S = "/collectives/{slug}"


@route("GET", "/health", _row(OK, OK, OK, OK, OK))
def _health(w: World) -> Call:
    return Call("GET", "/health")


@route("POST", "/auth/register", _row(CREATED, CREATED, CREATED, CREATED, CREATED))
def _register(w: World) -> Call:
    n = next(_keys)
    body = {"email": f"new{n}@example.org", "password": "correct horse", "display_name": "N"}
    return Call("POST", "/auth/register", json=body)


@route("POST", "/auth/token", _row(UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH))
def _token(w: World) -> Call:  # a wrong password, whoever asks (the form carries no token)
    return Call("POST", "/auth/token", data={"username": f"x{next(_keys)}@e.org", "password": "x"})


@route("DELETE", "/auth/token", _row(UNAUTH, GONE, GONE, GONE, GONE))
def _logout(w: World) -> Call:
    return Call("DELETE", "/auth/token")  # the runner logs that caller in again afterwards


@route("GET", "/me", _row(UNAUTH, OK, OK, OK, OK))
def _me(w: World) -> Call:
    return Call("GET", "/me")


@route("GET", "/inbox", _row(UNAUTH, OK, OK, OK, OK))
def _inbox_everywhere(w: World) -> Call:
    return Call("GET", "/inbox")


@route("POST", "/inbox/read", _row(UNAUTH, OK, OK, OK, OK))
def _read_everywhere(w: World) -> Call:
    return Call("POST", "/inbox/read", json={})


@route("POST", "/collectives", _row(UNAUTH, CREATED, CREATED, CREATED, CREATED))
def _create(w: World) -> Call:
    currency = {"code": "NEW", "name": "New hours"}
    body = {"slug": f"new-{next(_keys)}", "name": "New", "currency": currency}
    return Call("POST", "/collectives", json=body)


@route("GET", "/collectives", _row(OK, OK, OK, OK, OK))
def _directory(w: World) -> Call:
    return Call("GET", "/collectives")


@route("GET", S, _row(OK, OK, OK, OK, OK))
def _profile(w: World) -> Call:  # the public profile and aggregate statistics
    return Call("GET", H)


@route("POST", S + "/memberships", _row(UNAUTH, ACCEPTED, CONFLICT, ACCEPTED, CONFLICT))
def _join(w: World) -> Call:
    stranger = w.services.auth.register(
        email=f"stranger{next(_keys)}@example.org", password="correct horse", display_name="S"
    )
    return Call("POST", f"{H}/memberships", outsider=stranger)


@route("GET", S + "/memberships", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK))
def _members(w: World) -> Call:
    return Call("GET", f"{H}/memberships")


@route("GET", S + "/memberships/me", _row(UNAUTH, FORBIDDEN, OK, OK, OK))
def _my_membership(w: World) -> Call:
    return Call("GET", f"{H}/memberships/me")


@route("DELETE", S + "/memberships/me", _row(UNAUTH, FORBIDDEN, OK, CONFLICT, OK))
def _leave(w: World) -> Call:
    return Call("DELETE", f"{H}/memberships/me")  # the runner restores who left


@route(
    "POST",
    S + "/memberships/{member_id}/approve",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
)
def _approve(w: World) -> Call:
    newcomer = w.services.auth.register(
        email=f"wants{next(_keys)}@example.org", password="correct horse", display_name="W"
    )
    w.services.collectives.join("hillside", member_id=newcomer.id)
    return Call("POST", f"{H}/memberships/{newcomer.id}/approve")


# --- ledger -----------------------------------------------------------------------------


@route("GET", S + "/accounts/me", _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK))
def _account(w: World) -> Call:
    return Call("GET", f"{H}/accounts/me")


@route("GET", S + "/accounts/me/statement", _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK))
def _statement(w: World) -> Call:
    return Call("GET", f"{H}/accounts/me/statement")


@route("POST", S + "/transfers", _row(UNAUTH, FORBIDDEN, FORBIDDEN, CREATED, CREATED))
def _pay(w: World) -> Call:  # a leaver may still spend a positive balance
    return Call("POST", f"{H}/transfers", json={"to": w.founder.id, "amount": 1}, key=True)


@route("GET", S + "/transfers", _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK))
def _transfers(w: World) -> Call:
    return Call("GET", f"{H}/transfers")


@route(
    "GET",
    S + "/transfers/{transfer_id}",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, OK),
)
def _one_transfer(w: World) -> Call:  # only its payer and payee know it exists
    return Call("GET", f"{H}/transfers/{w.pending_transfer()}", party=w.buyer)


@route("POST", S + "/transfers/batch", _row(UNAUTH, FORBIDDEN, FORBIDDEN, CREATED, CREATED))
def _batch(w: World) -> Call:
    body = {"payments": [{"to": w.founder.id, "amount": 1}]}
    return Call("POST", f"{H}/transfers/batch", json=body, key=True)


@route(
    "POST",
    S + "/transfers/{transfer_id}/post",
    _row(UNAUTH, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK),
)
def _post(w: World) -> Call:
    return Call("POST", f"{H}/transfers/{w.pending_transfer()}/post", key=True, party=w.buyer)


@route(
    "POST",
    S + "/transfers/{transfer_id}/void",
    _row(UNAUTH, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK),
)
def _void(w: World) -> Call:
    return Call("POST", f"{H}/transfers/{w.pending_transfer()}/void", key=True, party=w.founder)


@route("GET", S + "/ledger/verify", _row(OK, OK, OK, OK, OK))
def _verify(w: World) -> Call:  # public proof: the journal's head and totals
    return Call("GET", f"{H}/ledger/verify")


# --- the commons (what a collective holds in common is public; using it is for members) ----


@route("POST", S + "/assets", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _contribute(w: World) -> Call:
    body = {"name": "Saw", "category": "woodworking", "capacity": 5, "unit": "hours"}
    return Call("POST", f"{H}/assets", json=body)


@route("GET", S + "/assets", _row(OK, OK, OK, OK, OK))
def _assets(w: World) -> Call:
    return Call("GET", f"{H}/assets")


@route("GET", S + "/assets/{asset_id}", _row(OK, OK, OK, OK, OK))
def _asset(w: World) -> Call:
    return Call("GET", f"{H}/assets/{w.asset()}")


@route("PATCH", S + "/assets/{asset_id}", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK))
def _revise(w: World) -> Call:
    return Call("PATCH", f"{H}/assets/{w.asset()}", json={"location": "Shed"})


def _refuse_sale(method: str) -> Build:
    def build(w: World) -> Call:
        return Call(method, f"{H}/assets/{w.asset()}/sell", json={})

    return build


for _method in ("POST", "PUT", "PATCH"):  # never for sale, whoever asks
    route(_method, S + "/assets/{asset_id}/{action}", _row(422, 422, 422, 422, 422))(
        _refuse_sale(_method)
    )


# a member reaches the commons' own rule: one round at a time (409 round_in_progress)
@route("POST", S + "/allocation-rounds", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CONFLICT))
def _open_round(w: World) -> Call:
    return Call("POST", f"{H}/allocation-rounds", json=_round_body(w))


@route("GET", S + "/allocation-rounds", _row(OK, OK, OK, OK, OK))
def _rounds(w: World) -> Call:
    return Call("GET", f"{H}/allocation-rounds")


@route("GET", S + "/allocation-rounds/{round_id}", _row(OK, OK, OK, OK, OK))
def _round(w: World) -> Call:
    return Call("GET", f"{H}/allocation-rounds/{w.round()}")


# anyone may check that a round's published seed draws its published units
@route("GET", S + "/allocation-rounds/{round_id}/lottery", _row(OK, OK, OK, OK, OK))
def _round_lottery(w: World) -> Call:
    return Call("GET", f"{H}/allocation-rounds/{w.round()}/lottery")


def _round_step(step: str, expected_for_member: int) -> None:
    @route(
        "POST",
        S + "/allocation-rounds/{round_id}/" + step,
        _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, expected_for_member),
    )
    def build(w: World) -> Call:
        return Call("POST", f"{H}/allocation-rounds/{w.round()}/{step}")


# a member reaches the round's own rules (bidding still open, nothing computed yet): 409
for _step in ("compute", "publish", "rerun", "close"):
    _round_step(_step, CONFLICT)


# only the opener (the founder) may cancel while they are a member; the runner opens a new one
@route(
    "POST",
    S + "/allocation-rounds/{round_id}/cancel",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
)
def _cancel_round(w: World) -> Call:
    return Call("POST", f"{H}/allocation-rounds/{w.round()}/cancel", party=w.founder)


@route(
    "POST",
    S + "/allocation-rounds/{round_id}/bids",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED),
)
def _place_bid(w: World) -> Call:
    asset, round_ = w.asset(), w.round()
    return Call(
        "POST",
        f"{H}/allocation-rounds/{round_}/bids",
        json={"asset_id": asset, "max_units": 1, "output_category": "crafts"},
    )


@route(
    "GET",
    S + "/allocation-rounds/{round_id}/bids",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
)
def _bids(w: World) -> Call:
    return Call("GET", f"{H}/allocation-rounds/{w.round()}/bids")


@route(
    "DELETE",
    S + "/allocation-rounds/{round_id}/bids/{bid_id}",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, GONE),
)
def _withdraw_bid(w: World) -> Call:
    round_, bid = w.bid()
    return Call("DELETE", f"{H}/allocation-rounds/{round_}/bids/{bid}", party=w.buyer)


@route(
    "GET",
    S + "/allocation-rounds/{round_id}/allocations",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
)
def _allocations(w: World) -> Call:
    return Call("GET", f"{H}/allocation-rounds/{w.round()}/allocations")


@route(
    "POST",
    S + "/allocation-rounds/{round_id}/allocations/{allocation_id}/decline",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND),
)
def _decline(w: World) -> Call:
    return Call("POST", f"{H}/allocation-rounds/{w.round()}/allocations/nothing-here/decline")


@route("POST", S + "/usage", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _log_usage(w: World) -> Call:
    body = {"asset_id": w.asset(), "units": 1, "output_category": "crafts"}
    return Call("POST", f"{H}/usage", json=body)


@route("GET", S + "/usage", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK))
def _usage(w: World) -> Call:
    return Call("GET", f"{H}/usage")


# A member gets past authorisation to the estimate, which refuses this world's single payment as
# too little trade to calibrate to (422 ``calibration_mismatch``; tests/sim/test_calibration.py).
@route("POST", S + "/policy-impact", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, 422))
def _impact(w: World) -> Call:
    return Call("POST", f"{H}/policy-impact", json={"levy_rate": "0.05", "seeds": 1, "steps": 4})


# --- the market (hillside admits by approval, so its market is for members only) ----------


@route("GET", S + "/market/categories", _row(OK, OK, OK, OK, OK))
def _categories(w: World) -> Call:  # the shape of the market, not its contents
    return Call("GET", f"{H}/market/categories")


@route("GET", S + "/market/rules", _row(OK, OK, OK, OK, OK))
def _rules(w: World) -> Call:
    return Call("GET", f"{H}/market/rules")


@route("POST", S + "/listings", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _post_listing(w: World) -> Call:
    return Call("POST", f"{H}/listings", json=OFFER)


@route("GET", S + "/listings", _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK))
def _browse(w: World) -> Call:
    return Call("GET", f"{H}/listings?status=any")


@route("GET", S + "/listings/{listing_id}", _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK))
def _listing(w: World) -> Call:
    return Call("GET", f"{H}/listings/{w.listing()}")


@route(
    "PATCH",
    S + "/listings/{listing_id}",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
)
def _edit_listing(w: World) -> Call:
    return Call("PATCH", f"{H}/listings/{w.listing()}", json={"price": 120}, party=w.founder)


@route(
    "POST",
    S + "/listings/{listing_id}/close",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
)
def _close_listing(w: World) -> Call:
    return Call("POST", f"{H}/listings/{w.listing()}/close", party=w.founder)


@route("POST", S + "/orders", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _order(w: World) -> Call:
    return Call("POST", f"{H}/orders", json={"listing_id": w.listing()}, key=True)


@route("GET", S + "/orders", _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK))
def _orders(w: World) -> Call:  # each sees their own
    return Call("GET", f"{H}/orders")


@route(
    "GET",
    S + "/orders/{order_id}",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, OK),
)
def _get_order(w: World) -> Call:
    return Call("GET", f"{H}/orders/{w.order()}", party=w.buyer)


def _order_step(action: str, actor: str, *before: Action, member: int = FORBIDDEN) -> None:
    @route(
        "POST",
        S + "/orders/{order_id}/" + action,
        _row(UNAUTH, FORBIDDEN, FORBIDDEN, member, member, OK),
    )
    def build(w: World) -> Call:
        return Call(
            "POST", f"{H}/orders/{w.order(*before)}/{action}", key=True, party=w.people[actor]
        )


_order_step("accept", "founder")
_order_step("decline", "founder")
_order_step("cancel", "buyer")
_order_step("deliver", "founder", Action.ACCEPT)
_order_step("confirm", "buyer", Action.ACCEPT, Action.DELIVER)


@route(
    "POST",
    S + "/listings/{listing_id}/quotes",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED),
)
def _give_quote(w: World) -> Call:
    request = w.listing(ListingKind.REQUEST)
    return Call("POST", f"{H}/listings/{request}/quotes", json={"price": 80})


@route(
    "GET",
    S + "/listings/{listing_id}/quotes",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK, OK),
)
def _quotes(w: World) -> Call:  # the requester sees all; anyone else only their own
    return Call("GET", f"{H}/listings/{w.listing(ListingKind.REQUEST)}/quotes", party=w.founder)


@route(
    "POST",
    S + "/quotes/{quote_id}/accept",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED),
)
def _accept_quote(w: World) -> Call:
    return Call("POST", f"{H}/quotes/{w.quote()}/accept", key=True, party=w.founder)


@route(
    "POST",
    S + "/quotes/{quote_id}/withdraw",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
)
def _withdraw_quote(w: World) -> Call:
    return Call("POST", f"{H}/quotes/{w.quote()}/withdraw", party=w.buyer)


@route("POST", S + "/tasks", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _post_task(w: World) -> Call:
    body = {"title": "Fix the gate", "category": "repairs", "reward": 50}
    return Call("POST", f"{H}/tasks", json=body)


@route("GET", S + "/tasks", _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK))
def _tasks(w: World) -> Call:
    return Call("GET", f"{H}/tasks")


@route("GET", S + "/tasks/{task_id}", _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK))
def _task(w: World) -> Call:
    return Call("GET", f"{H}/tasks/{w.listing(ListingKind.TASK)}")


@route(
    "POST",
    S + "/tasks/{task_id}/applications",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED),
)
def _apply(w: World) -> Call:
    return Call("POST", f"{H}/tasks/{w.listing(ListingKind.TASK)}/applications", json={})


@route(
    "GET",
    S + "/tasks/{task_id}/applications",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK, OK),
)
def _applications(w: World) -> Call:  # the poster sees all; an applicant only their own
    task, _ = w.application()
    return Call("GET", f"{H}/tasks/{task}/applications", party=w.founder)


@route(
    "POST",
    S + "/tasks/{task_id}/assign",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED),
)
def _assign(w: World) -> Call:
    task, application = w.application()
    return Call(
        "POST",
        f"{H}/tasks/{task}/assign",
        json={"application_id": application},
        key=True,
        party=w.founder,
    )


@route(
    "GET",
    S + "/tasks/{task_id}/assignment",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, OK),
)
def _assignment(w: World) -> Call:
    return Call("GET", f"{H}/tasks/{w.assigned_task()}/assignment", party=w.buyer)


@route(
    "POST",
    S + "/tasks/{task_id}/submit",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, OK),
)
def _submit(w: World) -> Call:
    return Call("POST", f"{H}/tasks/{w.assigned_task()}/submit", key=True, party=w.buyer)


@route(
    "POST",
    S + "/tasks/{task_id}/approve",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, OK),
)
def _approve_task(w: World) -> Call:
    task = w.assigned_task(submitted=True)
    return Call("POST", f"{H}/tasks/{task}/approve", key=True, party=w.founder)


@route(
    "POST",
    S + "/disputes",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED),
)
def _open_dispute(w: World) -> Call:
    order = w.order(Action.ACCEPT, Action.DELIVER)
    body = {"order_id": order, "reason": "It wobbles"}
    return Call("POST", f"{H}/disputes", json=body, key=True, party=w.buyer)


@route(
    "POST",
    S + "/orders/{order_id}/dispute",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED),
)
def _dispute_order(w: World) -> Call:
    order = w.order(Action.ACCEPT, Action.DELIVER)
    return Call(
        "POST", f"{H}/orders/{order}/dispute", json={"reason": "Wobbly"}, key=True, party=w.buyer
    )


@route(
    "POST",
    S + "/tasks/{task_id}/dispute",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, CREATED),
)
def _dispute_task(w: World) -> Call:
    task = w.assigned_task(submitted=True)
    return Call(
        "POST", f"{H}/tasks/{task}/dispute", json={"reason": "Not done"}, key=True, party=w.founder
    )


@route("GET", S + "/disputes", _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK))
def _disputes(w: World) -> Call:  # each sees the disputes they are in
    return Call("GET", f"{H}/disputes")


@route(
    "GET",
    S + "/disputes/{dispute_id}",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, OK),
)
def _get_dispute(w: World) -> Call:
    dispute, juror, bystander = w.dispute()
    return Call("GET", f"{H}/disputes/{dispute}", party=juror, member=bystander)


@route(
    "POST",
    S + "/disputes/{dispute_id}/votes",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
)
def _vote(w: World) -> Call:
    dispute, juror, bystander = w.dispute()
    return Call(
        "POST",
        f"{H}/disputes/{dispute}/votes",
        json={"vote": "split"},
        key=True,
        party=juror,
        member=bystander,
    )


@route(
    "POST",
    S + "/disputes/{dispute_id}/settlement",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
)
def _settle(w: World) -> Call:
    dispute, _juror, bystander = w.dispute()
    return Call(
        "POST",
        f"{H}/disputes/{dispute}/settlement",
        json={"seller_share": 50},
        key=True,
        party=w.buyer,
        member=bystander,
    )


@route(
    "POST",
    S + "/reviews",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, CREATED),
)
def _review(w: World) -> Call:
    order = w.order(Action.ACCEPT, Action.DELIVER)
    w.services.market.act(
        "hillside",
        actor=w.buyer.id,
        order_id=order,
        action=Action.CONFIRM,
        idempotency_key="r" + str(next(_keys)),
    )
    return Call("POST", f"{H}/reviews", json={"order_id": order, "stars": 4}, party=w.buyer)


@route("GET", S + "/reviews", _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK))
def _reviews(w: World) -> Call:
    return Call("GET", f"{H}/reviews?member={w.founder.id}")


@route("GET", S + "/reputation/{member_id}", _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK))
def _reputation(w: World) -> Call:
    return Call("GET", f"{H}/reputation/{w.founder.id}")


# a profile shows standing (joined, left) as the member list does: for active members only
@route("GET", S + "/members/{member_id}", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK))
def _member_profile(w: World) -> Call:
    return Call("GET", f"{H}/members/{w.founder.id}")


@route("GET", S + "/inbox", _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK))
def _inbox(w: World) -> Call:
    return Call("GET", f"{H}/inbox")


@route("POST", S + "/inbox/read", _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK))
def _mark_read(w: World) -> Call:
    return Call("POST", f"{H}/inbox/read", json={})


# --- self-government (proposals, votes, delegation, policies, public services) ------------


def _proposal(w: World, *, author: str = "founder") -> str:
    return w.services.proposals.propose(
        "hillside",
        author=w.people[author].id,
        kind="resolution",
        title="Hold a fair",
        body="",
        params={},
    ).proposal.id


def _service(w: World, *, provider: str | None = None) -> str:
    """A fresh service, funded by a proposal every eligible member voted for."""
    params = {
        "name": "Clinic",
        "category": "health",
        "rate_per_unit": 10,
        "budget_per_period": 1000,
        "period": "month",
    }
    view = w.services.proposals.propose(
        "hillside",
        author=w.founder.id,
        kind="fund_service",
        title="Clinic",
        body="",
        params=params,
    )
    with w.services.uow(readonly=True) as uow:
        voters = sorted(uow.governance.voters(view.proposal.id))
    for voter in voters:
        w.services.votes.vote("hillside", voter=voter, proposal_id=view.proposal.id, choice="yes")
    policy = w.services.proposals.proposal(
        "hillside", viewer=w.founder.id, proposal_id=view.proposal.id
    ).policy
    assert policy is not None
    service_id: str = policy.changes[0]["to"]["id"]
    if provider is not None:
        w.services.public_services.add_provider(
            "hillside", member=w.people[provider].id, service_id=service_id
        )
    return service_id


def _claim(w: World) -> tuple[str, str]:
    """A claim the founder (provider) filed for the buyer (recipient)."""
    service = _service(w, provider="founder")
    made = w.services.public_services.file_claim(
        "hillside", provider=w.founder.id, service_id=service, recipient=w.buyer.id, units=2
    )
    return service, made.claim.id


MEMBERS_ONLY = _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)
MEMBERS_AND_LEAVERS_READ = _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK)
ONLY_THE_PARTY = _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)


@route("POST", S + "/proposals", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _propose(w: World) -> Call:
    return Call("POST", f"{H}/proposals", json={"kind": "resolution", "title": "A fair"})


@route("GET", S + "/proposals", MEMBERS_AND_LEAVERS_READ)
def _proposals(w: World) -> Call:
    return Call("GET", f"{H}/proposals")


@route("GET", S + "/proposals/{proposal_id}", MEMBERS_AND_LEAVERS_READ)
def _one_proposal(w: World) -> Call:
    return Call("GET", f"{H}/proposals/{_proposal(w)}")


@route("POST", S + "/proposals/{proposal_id}/withdraw", ONLY_THE_PARTY)
def _withdraw_proposal(w: World) -> Call:  # only its author, while nobody has voted
    return Call("POST", f"{H}/proposals/{_proposal(w)}/withdraw", party=w.founder)


@route(
    "POST",
    S + "/proposals/{proposal_id}/comments",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED),
)
def _comment(w: World) -> Call:
    return Call("POST", f"{H}/proposals/{_proposal(w)}/comments", json={"body": "Yes, in May"})


@route("GET", S + "/proposals/{proposal_id}/comments", MEMBERS_AND_LEAVERS_READ)
def _comments(w: World) -> Call:
    return Call("GET", f"{H}/proposals/{_proposal(w)}/comments")


@route("POST", S + "/proposals/{proposal_id}/votes", MEMBERS_ONLY)
def _vote_on_proposal(w: World) -> Call:
    return Call("POST", f"{H}/proposals/{_proposal(w)}/votes", json={"choice": "yes"})


@route("GET", S + "/proposals/{proposal_id}/impact", MEMBERS_AND_LEAVERS_READ)
def _proposal_impact(w: World) -> Call:
    return Call("GET", f"{H}/proposals/{_proposal(w)}/impact")


@route("GET", S + "/delegations/me", MEMBERS_ONLY)
def _my_delegation(w: World) -> Call:
    return Call("GET", f"{H}/delegations/me")


@route("PUT", S + "/delegations/me", MEMBERS_ONLY)
def _delegate(w: World) -> Call:
    return Call("PUT", f"{H}/delegations/me", json={"to": w.people["juror"].id})


@route("DELETE", S + "/delegations/me", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, GONE))
def _undelegate(w: World) -> Call:
    return Call("DELETE", f"{H}/delegations/me")


@route("GET", S + "/policies", MEMBERS_AND_LEAVERS_READ)
def _policies(w: World) -> Call:
    return Call("GET", f"{H}/policies")


@route("GET", S + "/services", MEMBERS_AND_LEAVERS_READ)
def _services(w: World) -> Call:
    return Call("GET", f"{H}/services")


@route("GET", S + "/services/{service_id}", MEMBERS_AND_LEAVERS_READ)
def _one_service(w: World) -> Call:
    return Call("GET", f"{H}/services/{_service(w)}")


@route(
    "POST",
    S + "/services/{service_id}/providers",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED),
)
def _provide(w: World) -> Call:
    return Call("POST", f"{H}/services/{_service(w)}/providers")


@route(
    "DELETE",
    S + "/services/{service_id}/providers/me",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, GONE),
)
def _stop_providing(w: World) -> Call:
    service = _service(w, provider="founder")
    return Call("DELETE", f"{H}/services/{service}/providers/me", party=w.founder)


@route(
    "POST",
    S + "/services/{service_id}/claims",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED),
)
def _file_claim(w: World) -> Call:  # only a provider
    service = _service(w, provider="founder")
    body = {"recipient": w.buyer.id, "units": 1}
    return Call("POST", f"{H}/services/{service}/claims", json=body, party=w.founder)


@route("GET", S + "/services/{service_id}/claims", MEMBERS_AND_LEAVERS_READ)
def _claims(w: World) -> Call:  # the caller's own claims only
    return Call("GET", f"{H}/services/{_service(w)}/claims")


@route(
    "GET",
    S + "/services/{service_id}/claims/{claim_id}",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, OK),
)
def _one_claim(w: World) -> Call:  # its provider and recipient only: nobody else learns of it
    service, claim = _claim(w)
    return Call("GET", f"{H}/services/{service}/claims/{claim}", party=w.buyer)


@route("POST", S + "/services/{service_id}/claims/{claim_id}/confirm", ONLY_THE_PARTY)
def _confirm_claim(w: World) -> Call:  # the recipient
    service, claim = _claim(w)
    return Call("POST", f"{H}/services/{service}/claims/{claim}/confirm", key=True, party=w.buyer)


@route("POST", S + "/services/{service_id}/claims/{claim_id}/reject", ONLY_THE_PARTY)
def _reject_claim(w: World) -> Call:  # the recipient
    service, claim = _claim(w)
    return Call("POST", f"{H}/services/{service}/claims/{claim}/reject", party=w.buyer)


@route("POST", S + "/services/{service_id}/claims/{claim_id}/withdraw", ONLY_THE_PARTY)
def _withdraw_claim(w: World) -> Call:  # the provider
    service, claim = _claim(w)
    return Call("POST", f"{H}/services/{service}/claims/{claim}/withdraw", party=w.founder)


# --- participatory budget rounds (hillside's charter opens them to members) --------------

R = S + "/budget-rounds"


def _budget_round(w: World) -> str:
    """A fresh open round the founder opened, with one project."""
    opened = w.services.budget_rounds.open(
        "hillside",
        opener=w.founder.id,
        title="Works",
        budget=1000,
        rule="equal_shares",
        closes_at=w.clock.now() + timedelta(days=3),
    )
    return opened.round.id


def _project(w: World, round_id: str) -> str:
    return w.services.budget_rounds.propose_project(
        "hillside", proposer=w.founder.id, round_id=round_id, name="Benches", cost=100
    ).id


def _closed_round(w: World) -> str:
    """A round imported from a Pabulib file: closed at once, with its result."""
    return w.services.budget_rounds.import_pabulib(
        "hillside", importer=w.founder.id, text=PABULIB
    ).round.id


PABULIB = (
    "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\na;6\nb;4\n"
    "VOTES\nvoter_id;vote\n1;a\n2;a,b\n"
)


def _round_closes(w: World) -> str:
    return (w.clock.now() + timedelta(days=3)).isoformat()


@route("POST", R, _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _open_budget_round(w: World) -> Call:
    body = {"title": "Works", "budget": 1000, "closes_at": _round_closes(w)}
    return Call("POST", f"{H}/budget-rounds", json=body)


@route("POST", R + "/import", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _import_budget_round(w: World) -> Call:
    return Call("POST", f"{H}/budget-rounds/import", json={"pabulib": PABULIB})


@route("GET", R, MEMBERS_AND_LEAVERS_READ)
def _budget_rounds(w: World) -> Call:
    return Call("GET", f"{H}/budget-rounds")


@route("GET", R + "/{round_id}", MEMBERS_AND_LEAVERS_READ)
def _one_budget_round(w: World) -> Call:
    return Call("GET", f"{H}/budget-rounds/{_budget_round(w)}")


@route("POST", R + "/{round_id}/cancel", ONLY_THE_PARTY)
def _cancel_budget_round(w: World) -> Call:  # whoever opened it, while nobody has voted
    return Call("POST", f"{H}/budget-rounds/{_budget_round(w)}/cancel", party=w.founder)


@route("POST", R + "/{round_id}/projects", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _propose_budget_project(w: World) -> Call:
    body = {"name": "Benches", "cost": 100}
    return Call("POST", f"{H}/budget-rounds/{_budget_round(w)}/projects", json=body)


@route("PUT", R + "/{round_id}/ballots/me", MEMBERS_ONLY)
def _budget_ballot(w: World) -> Call:  # members active when it opened
    round_id = _budget_round(w)
    body = {"approve": [_project(w, round_id)]}
    return Call("PUT", f"{H}/budget-rounds/{round_id}/ballots/me", json=body)


@route("GET", R + "/{round_id}/result", MEMBERS_AND_LEAVERS_READ)
def _budget_result(w: World) -> Call:
    return Call("GET", f"{H}/budget-rounds/{_closed_round(w)}/result")


@route("GET", R + "/{round_id}/pabulib", MEMBERS_AND_LEAVERS_READ)
def _budget_pabulib(w: World) -> Call:
    return Call("GET", f"{H}/budget-rounds/{_closed_round(w)}/pabulib")


# --- supply chains: goods, recipes, chain plans and their links ------------------------------

G = S + "/goods"
RC = S + "/recipes"
CP = S + "/chain-plans"


def _good(w: World) -> str:
    return w.services.chains.declare_good(
        "hillside", member_id=w.founder.id, name=f"Stool {next(_keys)}", unit="stool",
        category="crafts",
    ).id  # fmt: skip


def _recipe(w: World, good: str | None = None) -> str:
    made = w.services.chains.declare_recipe(
        "hillside",
        producer=w.founder.id,
        name="Turn a stool",
        inputs={},
        outputs={good or _good(w): 1},
        capacity=5,
        price=100,
    )
    return made.recipe.id


def _chain_plan(w: World) -> tuple[str, str]:
    """A plan the buyer asked for; its one link is the founder's."""
    good = _good(w)
    _recipe(w, good)
    view = w.services.chains.plan_chain(
        "hillside",
        requester=w.buyer.id,
        good_id=good,
        quantity=1,
        by=w.clock.now() + timedelta(days=10),
    )
    return view.plan.id, view.links[0].link.id


@route("POST", G, _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _declare_good(w: World) -> Call:
    body = {"name": f"Bench {next(_keys)}", "unit": "bench", "category": "crafts"}
    return Call("POST", f"{H}/goods", json=body)


@route("GET", G, MEMBERS_AND_LEAVERS_READ)
def _goods(w: World) -> Call:
    return Call("GET", f"{H}/goods")


@route("GET", G + "/{good_id}", MEMBERS_AND_LEAVERS_READ)
def _one_good(w: World) -> Call:
    return Call("GET", f"{H}/goods/{_good(w)}")


@route("POST", RC, _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _declare_recipe(w: World) -> Call:
    body = {"name": "Turn a stool", "outputs": {_good(w): 1}, "capacity": 3, "price": 90}
    return Call("POST", f"{H}/recipes", json=body)


@route("GET", RC, MEMBERS_AND_LEAVERS_READ)
def _recipes(w: World) -> Call:
    return Call("GET", f"{H}/recipes?producer=me")


@route("GET", RC + "/{recipe_id}", MEMBERS_AND_LEAVERS_READ)
def _one_recipe(w: World) -> Call:
    return Call("GET", f"{H}/recipes/{_recipe(w)}")


@route("PATCH", RC + "/{recipe_id}", ONLY_THE_PARTY)
def _revise_recipe(w: World) -> Call:  # its producer only
    return Call("PATCH", f"{H}/recipes/{_recipe(w)}", json={"price": 120}, party=w.founder)


@route("POST", CP, _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _ask_for_a_chain(w: World) -> Call:
    good = _good(w)
    _recipe(w, good)
    by = (w.clock.now() + timedelta(days=10)).isoformat()
    return Call("POST", f"{H}/chain-plans", json={"good": good, "quantity": 1, "by": by})


@route("GET", CP + "/{plan_id}", MEMBERS_AND_LEAVERS_READ)
def _one_chain_plan(w: World) -> Call:
    plan, _ = _chain_plan(w)
    return Call("GET", f"{H}/chain-plans/{plan}?format=valueflows")


@route("POST", CP + "/{plan_id}/links/{link_id}/accept", ONLY_THE_PARTY)
def _accept_link(w: World) -> Call:  # the link's producer only
    plan, link = _chain_plan(w)
    return Call("POST", f"{H}/chain-plans/{plan}/links/{link}/accept", party=w.founder)


@route("POST", CP + "/{plan_id}/links/{link_id}/decline", ONLY_THE_PARTY)
def _decline_link(w: World) -> Call:
    plan, link = _chain_plan(w)
    return Call("POST", f"{H}/chain-plans/{plan}/links/{link}/decline", party=w.founder)


@route("POST", CP + "/{plan_id}/cancel", ONLY_THE_PARTY)
def _cancel_chain(w: World) -> Call:  # its requester only
    plan, _ = _chain_plan(w)
    return Call("POST", f"{H}/chain-plans/{plan}/cancel", party=w.buyer)


@route("GET", S + "/chains", MEMBERS_AND_LEAVERS_READ)
def _chains(w: World) -> Call:
    return Call("GET", f"{H}/chains?mine=true")


# --- federation: keys (public), a member's signed history, its verification ---------------


def _founders_export(w: World) -> dict[str, Any]:
    """The founder's signed history in hillside (valid; anyone else attaching it is refused)."""
    envelope = w.services.history.export(
        "hillside", member_id=w.founder.id, base_url="http://testserver"
    )
    return envelope.as_json()


@route("GET", S + "/keys", _row(OK, OK, OK, OK, OK))
def _keys_of(w: World) -> Call:
    return Call("GET", H + "/keys")


@route("GET", S + "/me/export", _row(UNAUTH, FORBIDDEN, FORBIDDEN, OK, OK))
def _my_export(w: World) -> Call:  # leavers keep their history to take along
    return Call("GET", H + "/me/export")


@route("POST", "/exports/verify", _row(UNAUTH, OK, OK, OK, OK))
def _verify_export(w: World) -> Call:
    return Call("POST", "/exports/verify", json=_founders_export(w))


@route(
    "POST",
    S + "/memberships/me/histories",
    _row(UNAUTH, FORBIDDEN, 422, FORBIDDEN, 422, party=422),
)
def _attach_history(w: World) -> Call:  # 422: not yours (export_not_yours), or the owner's
    # history in hillside itself (invalid_value: one brings a history from another collective)
    return Call(
        "POST",
        H + "/memberships/me/histories",
        json={"export": _founders_export(w)},
        party=w.founder,
    )


@route(
    "GET",
    S + "/memberships/{member_id}/histories",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, party=OK),
)
def _member_histories(w: World) -> Call:
    return Call("GET", f"{H}/memberships/{w.founder.id}/histories", party=w.founder)


# --- enterprises (issue 14) -----------------------------------------------------------------

EN = S + "/enterprises"
ENT = EN + "/{enterprise_id}"
FOR_THE_ENTERPRISE = _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)


def _enterprise(w: World, kind: str = "cooperative", **extra: Any) -> str:
    """A fresh enterprise the founder (the row's party) founded."""
    from cybermutual.domain.enterprise.kinds import EnterpriseKind

    return w.services.enterprises.create(
        "hillside", founder=w.founder.id, kind=EnterpriseKind(kind), name="Works", **extra
    ).enterprise.id


def _contract(w: World, enterprise: str) -> str:
    """The juror's contract with a fresh enterprise, from now on."""
    return w.services.enterprises.offer_contract(
        "hillside",
        actor=w.founder.id,
        enterprise_id=enterprise,
        member=w.people["juror"].id,
        hourly_wage=10,
    ).id


def _logged_hours(w: World) -> tuple[str, str]:
    enterprise = _enterprise(w)
    contract = _contract(w, enterprise)
    entry = w.services.enterprises.log_hours(
        "hillside",
        member=w.people["juror"].id,
        enterprise_id=enterprise,
        contract_id=contract,
        worked_at=w.clock.now(),
        hours=Decimal(1),
    )
    return enterprise, entry.id


def _ended_period(w: World) -> tuple[str, str]:
    """An enterprise founded an hour ago whose first period ended a minute ago (the shared
    clock is set back while it is made, and put back exactly)."""
    now = w.clock.moment
    w.clock.moment = now - timedelta(hours=1)
    try:
        enterprise = _enterprise(w)
        period = w.services.enterprises.open_period(
            "hillside",
            actor=w.founder.id,
            enterprise_id=enterprise,
            ends_at=now - timedelta(minutes=1),
        )
    finally:
        w.clock.moment = now
    return enterprise, period.id


def _open_period(w: World, enterprise: str) -> str:
    return w.services.enterprises.open_period(
        "hillside",
        actor=w.founder.id,
        enterprise_id=enterprise,
        ends_at=w.clock.now() + timedelta(days=1),
    ).id


@route("POST", EN, _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _found_enterprise(w: World) -> Call:
    return Call("POST", f"{H}/enterprises", json={"kind": "cooperative", "name": "Bakery"})


@route("GET", EN, MEMBERS_AND_LEAVERS_READ)
def _enterprises(w: World) -> Call:
    return Call("GET", f"{H}/enterprises")


@route("GET", ENT, MEMBERS_AND_LEAVERS_READ)
def _one_enterprise(w: World) -> Call:
    return Call("GET", f"{H}/enterprises/{_enterprise(w)}")


@route("PATCH", ENT, FOR_THE_ENTERPRISE)
def _change_terms(w: World) -> Call:  # a firm's majority owner
    body = {"reserve_share": "0.1"}
    return Call("PATCH", f"{H}/enterprises/{_enterprise(w, 'firm')}", json=body, party=w.founder)


@route("POST", ENT + "/roles", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _appoint(w: World) -> Call:
    body = {"member": w.people["juror"].id, "role": "employee"}
    return Call("POST", f"{H}/enterprises/{_enterprise(w)}/roles", json=body, party=w.founder)


@route("DELETE", ENT + "/roles/{role}/{member_id}", FOR_THE_ENTERPRISE)
def _dismiss(w: World) -> Call:
    enterprise = _enterprise(w)
    _contract(w, enterprise)  # the juror is an employee from now on
    path = f"{H}/enterprises/{enterprise}/roles/employee/{w.people['juror'].id}"
    return Call("DELETE", path, party=w.founder)


@route(
    "POST", ENT + "/contracts", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED)
)
def _offer_contract(w: World) -> Call:
    body = {"member": w.people["juror"].id, "hourly_wage": 10}
    return Call("POST", f"{H}/enterprises/{_enterprise(w)}/contracts", json=body, party=w.founder)


@route("GET", ENT + "/contracts", MEMBERS_AND_LEAVERS_READ)
def _contracts(w: World) -> Call:
    return Call("GET", f"{H}/enterprises/{_enterprise(w)}/contracts")


@route("POST", ENT + "/contracts/{contract_id}/end", FOR_THE_ENTERPRISE)
def _end_contract(w: World) -> Call:
    enterprise = _enterprise(w)
    path = f"{H}/enterprises/{enterprise}/contracts/{_contract(w, enterprise)}/end"
    return Call("POST", path, party=w.founder)


@route("POST", ENT + "/hours", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _log_hours(w: World) -> Call:  # only the member on the contract logs on it
    enterprise = _enterprise(w)
    body = {
        "contract": _contract(w, enterprise),
        "worked_at": w.clock.now().isoformat(),
        "hours": "1",
    }
    return Call("POST", f"{H}/enterprises/{enterprise}/hours", json=body, party=w.people["juror"])


@route("GET", ENT + "/hours", MEMBERS_AND_LEAVERS_READ)
def _hours(w: World) -> Call:
    return Call("GET", f"{H}/enterprises/{_enterprise(w)}/hours")


@route("POST", ENT + "/hours/{entry_id}/{action}", FOR_THE_ENTERPRISE)
def _approve_hours(w: World) -> Call:  # only the enterprise approves hours
    enterprise, entry = _logged_hours(w)
    return Call("POST", f"{H}/enterprises/{enterprise}/hours/{entry}/approve", party=w.founder)


@route("POST", ENT + "/payments", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _pay_supplier(w: World) -> Call:  # only owners and worker-owners spend its money
    body = {"to": w.people["juror"].id, "amount": 10, "memo": "flour"}
    path = f"{H}/enterprises/{_enterprise(w)}/payments"
    return Call("POST", path, json=body, key=True, party=w.founder)


@route("POST", ENT + "/periods", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _new_period(w: World) -> Call:
    body = {"ends_at": (w.clock.now() + timedelta(days=7)).isoformat()}
    return Call("POST", f"{H}/enterprises/{_enterprise(w)}/periods", json=body, party=w.founder)


@route("GET", ENT + "/periods", MEMBERS_AND_LEAVERS_READ)
def _periods(w: World) -> Call:
    return Call("GET", f"{H}/enterprises/{_enterprise(w)}/periods")


@route("GET", ENT + "/periods/{period_id}", MEMBERS_AND_LEAVERS_READ)
def _one_period(w: World) -> Call:
    enterprise = _enterprise(w)
    return Call("GET", f"{H}/enterprises/{enterprise}/periods/{_open_period(w, enterprise)}")


@route("POST", ENT + "/periods/{period_id}/close", FOR_THE_ENTERPRISE)
def _close_period(w: World) -> Call:
    enterprise, period = _ended_period(w)
    path = f"{H}/enterprises/{enterprise}/periods/{period}/close"
    return Call("POST", path, key=True, party=w.founder)


@route(
    "POST",
    ENT + "/periods/{period_id}/ratings",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, GONE),
)
def _rate(w: World) -> Call:  # only worker-owners rate each other
    enterprise = _enterprise(w, cofounders=(w.people["juror"].id,))
    path = f"{H}/enterprises/{enterprise}/periods/{_open_period(w, enterprise)}/ratings"
    body = {"member": w.people["juror"].id, "score": 7}
    return Call("POST", path, json=body, party=w.founder)


@route("GET", ENT + "/payouts", MEMBERS_AND_LEAVERS_READ)
def _payouts(w: World) -> Call:
    return Call("GET", f"{H}/enterprises/{_enterprise(w)}/payouts")


@route("GET", ENT + "/equity", FOR_THE_ENTERPRISE)
def _owner_register(w: World) -> Call:  # only owners see the owner register
    return Call("GET", f"{H}/enterprises/{_enterprise(w, 'firm')}/equity", party=w.founder)


@route("POST", ENT + "/equity", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED))
def _grant(w: World) -> Call:
    body = {"member": w.people["juror"].id, "shares": 10}
    return Call(
        "POST", f"{H}/enterprises/{_enterprise(w, 'firm')}/equity", json=body, party=w.founder
    )


@route("POST", ENT + "/capital", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, 422))
def _capital(w: World) -> Call:  # hillside holds capital in common: even the owner is refused
    body = {"name": "Kiln", "value": 100}
    return Call(
        "POST", f"{H}/enterprises/{_enterprise(w, 'firm')}/capital", json=body, party=w.founder
    )


@route("GET", ENT + "/capital", MEMBERS_AND_LEAVERS_READ)
def _capital_list(w: World) -> Call:
    return Call("GET", f"{H}/enterprises/{_enterprise(w)}/capital")


@route("GET", ENT + "/reports", MEMBERS_AND_LEAVERS_READ)
def _pnl(w: World) -> Call:
    return Call("GET", f"{H}/enterprises/{_enterprise(w)}/reports")


@route("GET", S + "/me/income", MEMBERS_AND_LEAVERS_READ)
def _income(w: World) -> Call:
    return Call("GET", f"{H}/me/income")


@route("GET", S + "/enterprise-report", MEMBERS_AND_LEAVERS_READ)
def _enterprise_report(w: World) -> Call:
    return Call("GET", f"{H}/enterprise-report")


# --- a co-operative's own governance: its proposals and invitations (issue 14) -------------


def _invitation(w: World) -> tuple[str, str]:
    """A fresh co-op of the founder's, inviting the juror (who has not answered)."""
    enterprise = _enterprise(w)
    made = w.services.coop.invite(
        "hillside", enterprise_id=enterprise, inviter=w.founder.id, member=w.people["juror"].id
    )
    return enterprise, made.invitation.id


@route(
    "POST", ENT + "/proposals", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED)
)
def _coop_propose(w: World) -> Call:  # worker-owners only (not_permitted for a member)
    body = {"kind": "resolution", "title": "Open on Sundays"}
    return Call("POST", f"{H}/enterprises/{_enterprise(w)}/proposals", json=body, party=w.founder)


@route("GET", ENT + "/proposals", MEMBERS_AND_LEAVERS_READ)
def _coop_proposals(w: World) -> Call:
    return Call("GET", f"{H}/enterprises/{_enterprise(w)}/proposals")


@route(
    "POST", ENT + "/invitations", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED)
)
def _coop_invite(w: World) -> Call:
    body = {"member": w.people["juror"].id}
    return Call("POST", f"{H}/enterprises/{_enterprise(w)}/invitations", json=body, party=w.founder)


@route("GET", ENT + "/invitations", MEMBERS_AND_LEAVERS_READ)
def _coop_invitations(w: World) -> Call:
    return Call("GET", f"{H}/enterprises/{_invitation(w)[0]}/invitations")


@route("POST", ENT + "/invitations/{invitation_id}/accept", FOR_THE_ENTERPRISE)
def _coop_accept(w: World) -> Call:  # only the invited member answers
    enterprise, invitation = _invitation(w)
    path = f"{H}/enterprises/{enterprise}/invitations/{invitation}/accept"
    return Call("POST", path, party=w.people["juror"])


@route("POST", ENT + "/invitations/{invitation_id}/decline", FOR_THE_ENTERPRISE)
def _coop_decline(w: World) -> Call:
    enterprise, invitation = _invitation(w)
    path = f"{H}/enterprises/{enterprise}/invitations/{invitation}/decline"
    return Call("POST", path, party=w.people["juror"])


@route("POST", ENT + "/invitations/{invitation_id}/withdraw", FOR_THE_ENTERPRISE)
def _coop_withdraw(w: World) -> Call:  # a worker-owner takes it back
    enterprise, invitation = _invitation(w)
    path = f"{H}/enterprises/{enterprise}/invitations/{invitation}/withdraw"
    return Call("POST", path, party=w.founder)


@route("GET", S + "/enterprise-invitations/me", MEMBERS_AND_LEAVERS_READ)
def _my_coop_invitations(w: World) -> Call:
    return Call("GET", f"{H}/enterprise-invitations/me")


# --- the world, once per database ---------------------------------------------------------


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    if request.param == "sqlite":
        engine: Engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('matrix')}/m.db")
        upgrade(engine)
    else:
        engine = request.getfixturevalue("postgres_engine")
        truncate_all(engine)
    clock = FakeClock()
    services = build_services(
        engine,
        clock=clock,
        passwords=FAST_PASSWORDS,
        token_ttl=timedelta(days=3650),
        jury_rng=random.Random(8),
    )
    with TestClient(create_app(services)) as client:
        w = World(services, client, clock)
        for role in ("founder", "buyer", "member", "juror", "pending", "leaver", "outsider"):
            w.people[role] = services.auth.register(
                email=f"{role}@matrix.example.org", password="correct horse", display_name=role
            )
            _sign_in(w, role)
        ids = {role: p.id for role, p in w.people.items()}
        services.collectives.create(
            founder_id=ids["founder"],
            slug="hillside",
            name="Hillside",
            currency=Currency("HIL", "Hillside hours", 2),
            charter=Charter(
                default_credit_limit=1_000_000,
                admission=Admission.APPROVAL,
                budget_rounds_open_to="members",
            ),
        )
        services.market.set_rules("hillside", MarketRules(jury_size=1))
        now = clock.now()
        w.round_id = services.allocation.open_round(
            "hillside",
            member_id=ids["founder"],
            period_start=now + timedelta(days=1),
            period_end=now + timedelta(days=8),
            bids_close_at=now + timedelta(hours=12),
        ).id
        for role in ("buyer", "member", "juror", "leaver"):
            services.collectives.join("hillside", member_id=ids[role])
            services.collectives.approve(
                "hillside", approver_id=ids["founder"], member_id=ids[role]
            )
        services.ledger.pay(
            "hillside", payer=ids["founder"], payee=ids["leaver"], amount=500, idempotency_key="l"
        )
        services.collectives.leave("hillside", member_id=ids["leaver"])
        services.collectives.join("hillside", member_id=ids["pending"])
        services.collectives.create(
            founder_id=ids["outsider"],
            slug="elsewhere",
            name="Elsewhere",
            currency=Currency("ELS", "Elsewhere hours", 2),
            charter=Charter(),
        )
        yield w
    if request.param == "sqlite":
        engine.dispose()


def _sign_in(w: World, role: str) -> None:
    token = w.services.auth.login(
        email=w.people[role].email, password="correct horse", client="matrix"
    ).token
    w.headers[role] = {"Authorization": f"Bearer {token}"}


def _restore(w: World, role: str, call: Call, status: int) -> None:
    """Undo what a row did to the shared world: a logout, a leave, a join, a cancelled round."""
    if "/allocation-rounds/" in call.path and call.path.endswith("/cancel") and status == OK:
        now = w.clock.now()
        w.round_id = w.services.allocation.open_round(
            "hillside",
            member_id=w.founder.id,
            period_start=now + timedelta(days=1),
            period_end=now + timedelta(days=8),
            bids_close_at=now + timedelta(hours=12),
        ).id
    if call.method == "DELETE" and call.path == "/auth/token" and status == GONE:
        _sign_in(w, role)
    if call.path.endswith("/memberships/me") and call.method == "DELETE" and status == OK:
        person = w.people[role]
        w.services.collectives.join("hillside", member_id=person.id)
        if role != "pending":
            w.services.collectives.approve(
                "hillside", approver_id=w.founder.id, member_id=person.id
            )
    if (
        call.path.endswith("/memberships")
        and call.method == "POST"
        and status == ACCEPTED
        and role != "stranger"
    ):
        w.services.collectives.leave("hillside", member_id=w.people[role].id)


def _ask(w: World, caller: str, build: Build) -> tuple[int, str]:
    call = build(w)
    if caller == "anonymous":
        role = None
    elif caller == "party":
        assert call.party is not None, "a row with a party must name them"
        role = next(r for r, p in w.people.items() if p.id == call.party.id)
    elif caller == "member" and call.member is not None:
        role = next(r for r, p in w.people.items() if p.id == call.member.id)
    elif caller == "outsider" and call.outsider is not None:
        w.people["stranger"] = call.outsider
        _sign_in(w, "stranger")
        role = "stranger"
    else:
        role = caller
    headers = {} if role is None else dict(w.headers[role])
    if call.key:
        headers["Idempotency-Key"] = f"k{next(_keys)}"
    reply = w.client.request(
        call.method, "/api/v1" + call.path, json=call.json, data=call.data, headers=headers
    )
    if role is not None:
        _restore(w, role, call, reply.status_code)
    code = reply.json().get("code", "") if reply.status_code >= 400 and reply.content else ""
    return reply.status_code, code


# --- federation (issue 17): hillside has no links, so a member asking for one finds none -----


@route("GET", S + "/links", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK))
def _links(w: World) -> Call:
    return Call("GET", f"{H}/links")


@route("GET", S + "/links/{link_id}", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND))
def _link(w: World) -> Call:
    return Call("GET", f"{H}/links/nolink")


@route("POST", S + "/cross-payments", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND))
def _pay_across(w: World) -> Call:
    body = {"link": "nolink", "to": w.founder.id, "amount": 1}
    return Call("POST", f"{H}/cross-payments", json=body, key=True)


@route("GET", S + "/cross-payments", _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK))
def _cross_payments(w: World) -> Call:
    return Call("GET", f"{H}/cross-payments")


@route(
    "GET",
    S + "/cross-payments/{payment_id}",
    _row(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND),
)
def _cross_payment(w: World) -> Call:
    return Call("GET", f"{H}/cross-payments/nopayment")


def test_every_route_has_a_row(world: World) -> None:
    documented = {
        (method.upper(), path)
        for path, operations in world.client.get("/api/v1/openapi.json").json()["paths"].items()
        for method in operations
    }
    assert documented == set(MATRIX)


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_each_caller_gets_what_the_table_says(world: World, route: tuple[str, str]) -> None:
    build, expected = MATRIX[route]
    found: dict[str, Any] = {}
    for caller in CALLERS:
        if expected[caller] is None:
            continue
        status, code = _ask(world, caller, build)
        found[caller] = status if status == expected[caller] else (status, code)
    assert found == {c: s for c, s in expected.items() if s is not None}
