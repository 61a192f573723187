"""The market over HTTP: listings and search, orders with escrow, quotes, tasks."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, status

from cybermutual.api.deps import CurrentMember, IdempotencyKey, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.schemas import PagePublic
from cybermutual.api.schemas_market import (
    ApplicationCreate,
    ApplicationPublic,
    AssignCreate,
    CategoryPublic,
    ListingCreate,
    ListingPublic,
    ListingUpdate,
    MarketRulesPublic,
    OrderCreate,
    OrderPublic,
    QuoteCreate,
    QuotePublic,
    ReputationPublic,
    TaskCreate,
    TaskPublic,
)
from cybermutual.domain.market.deals import Action, Order, OrderStatus
from cybermutual.domain.market.listings import ListingKind, ListingStatus
from cybermutual.domain.market.proposals import Application, Quote
from cybermutual.domain.market.reviews import Reputation
from cybermutual.services.market import ListingEdit, ListingView
from cybermutual.services.market.ports import ListingQuery, ListingSort

router = APIRouter(tags=["market"], route_class=NamedRoute)
Limit = Annotated[int, Query(ge=1, le=200)]
Price = Annotated[int | None, Query(ge=0, le=10**15)]
OptionalKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Optional here (this call moves no money); makes a retry safe.",
    ),
]
C = "/collectives/{slug}"


def reputation_public(rep: Reputation) -> ReputationPublic:
    """A member without reviews has no score (the ranking still places them at the mean)."""
    if rep.count == 0:
        return ReputationPublic(score=None, average=None, count=0, summary="no reviews yet")
    reviews = "1 review" if rep.count == 1 else f"{rep.count} reviews"
    return ReputationPublic(
        score=rep.score,
        average=None if rep.average_milli is None else rep.average_milli / 1000,
        count=rep.count,
        summary=f"{rep.score:.1f} stars from {reviews}",
    )


def listing_public(view: ListingView) -> ListingPublic:
    item = view.listing
    return ListingPublic(
        id=item.id,
        kind=item.kind.value,
        status=item.status.value,
        owner_id=item.owner_id,
        owner_reputation=reputation_public(view.owner_reputation),
        title=item.title,
        description=item.description,
        category=item.category,
        tags=list(item.tags),
        price=item.price,
        quantity=item.quantity,
        location=item.location,
        asset_id=item.asset_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def task_public(view: ListingView) -> TaskPublic:
    return TaskPublic(**listing_public(view).model_dump(), reward=view.listing.price)


def order_public(order: Order) -> OrderPublic:
    return OrderPublic(
        id=order.id,
        kind=order.kind.value,
        status=order.status.value,
        listing_id=order.listing_id,
        buyer_id=order.buyer_id,
        seller_id=order.seller_id,
        quantity=order.quantity,
        unit_price=order.unit_price,
        amount=order.amount,
        escrow_transfer_id=order.escrow_id,
        payout_transfer_id=order.payout_id,
        quote_id=order.quote_id,
        application_id=order.application_id,
        note=order.note,
        created_at=order.created_at,
        updated_at=order.updated_at,
        delivered_at=order.delivered_at,
        closed_at=order.closed_at,
        auto_confirm_at=order.auto_confirm_at,
    )


def quote_public(quote: Quote) -> QuotePublic:
    return QuotePublic(
        id=quote.id,
        listing_id=quote.listing_id,
        quoter_id=quote.quoter_id,
        price=quote.price,
        message=quote.message,
        status=quote.status.value,
        order_id=quote.order_id,
        created_at=quote.created_at,
    )


def application_public(application: Application) -> ApplicationPublic:
    return ApplicationPublic(
        id=application.id,
        listing_id=application.listing_id,
        applicant_id=application.applicant_id,
        message=application.message,
        status=application.status.value,
        created_at=application.created_at,
    )


# --- categories, rules, listings --------------------------------------------------------


@router.get(f"{C}/market/categories", response_model=list[CategoryPublic])
def categories(slug: str, services: ServicesDep) -> list[CategoryPublic]:
    """The collective's listing categories."""
    return [CategoryPublic(slug=c.slug, name=c.name) for c in services.market.categories(slug)]


@router.get(f"{C}/market/rules", response_model=MarketRulesPublic)
def market_rules(slug: str, services: ServicesDep) -> MarketRulesPublic:
    """Jury size and the days a delivered order waits before it confirms itself."""
    rules = services.market.rules(slug)
    return MarketRulesPublic(jury_size=rules.jury_size, auto_confirm_days=rules.auto_confirm_days)


@router.post(f"{C}/listings", status_code=status.HTTP_201_CREATED, response_model=ListingPublic)
def post_listing(
    slug: str, body: ListingCreate, person: CurrentMember, services: ServicesDep
) -> ListingPublic:
    """Post an offer, a request or a task (never an asset of the commons)."""
    view = services.market.post_listing(
        slug,
        owner=person.id,
        kind=ListingKind(body.kind),
        title=body.title,
        description=body.description,
        category=body.category,
        price=body.price,
        tags=body.tags,
        quantity=body.quantity,
        location=body.location,
        asset_id=body.asset_id,
    )
    return listing_public(view)


@router.get(f"{C}/listings", response_model=PagePublic[ListingPublic])
def browse(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    q: Annotated[
        str | None, Query(max_length=200, description="words, matched as prefixes")
    ] = None,
    kind: Literal["offer", "request", "task"] | None = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    owner: Annotated[str | None, Query(max_length=64)] = None,
    min_price: Price = None,
    max_price: Price = None,
    listing_status: Annotated[Literal["open", "closed", "any"], Query(alias="status")] = "open",
    sort: Literal["newest", "price_asc", "price_desc", "reputation"] = "newest",
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> PagePublic[ListingPublic]:
    """Search and browse: full text, filters, a sort, and a cursor for the next page."""
    page = services.market.search(
        slug,
        ListingQuery(
            text=q,
            kind=None if kind is None else ListingKind(kind),
            category=category,
            owner_id=owner,
            min_price=min_price,
            max_price=max_price,
            status=None if listing_status == "any" else ListingStatus(listing_status),
            sort=ListingSort(sort),
            limit=limit,
            cursor=cursor,
        ),
        viewer=person.id,
    )
    return PagePublic(items=[listing_public(v) for v in page.items], next_cursor=page.next_cursor)


@router.get(f"{C}/listings/{{listing_id}}", response_model=ListingPublic)
def get_listing(
    slug: str, listing_id: str, person: CurrentMember, services: ServicesDep
) -> ListingPublic:
    return listing_public(services.market.listing(slug, listing_id, viewer=person.id))


@router.patch(f"{C}/listings/{{listing_id}}", response_model=ListingPublic)
def edit_listing(
    slug: str, listing_id: str, body: ListingUpdate, person: CurrentMember, services: ServicesDep
) -> ListingPublic:
    """Edit your own open listing (a new price applies to later orders)."""
    view = services.market.edit_listing(
        slug,
        actor=person.id,
        listing_id=listing_id,
        edit=ListingEdit(**body.model_dump(exclude_unset=True)),
    )
    return listing_public(view)


@router.post(f"{C}/listings/{{listing_id}}/close", response_model=ListingPublic)
def close_listing(
    slug: str, listing_id: str, person: CurrentMember, services: ServicesDep
) -> ListingPublic:
    """Take your listing off the market; orders already placed carry on."""
    return listing_public(
        services.market.close_listing(slug, actor=person.id, listing_id=listing_id)
    )


# --- orders -----------------------------------------------------------------------------


@router.post(f"{C}/orders", status_code=status.HTTP_201_CREATED, response_model=OrderPublic)
def place_order(
    slug: str, body: OrderCreate, person: CurrentMember, services: ServicesDep, key: IdempotencyKey
) -> OrderPublic:
    """Order from an offer: the price is held from your account until you confirm."""
    order = services.market.place_order(
        slug,
        buyer=person.id,
        listing_id=body.listing_id,
        quantity=body.quantity,
        note=body.note,
        idempotency_key=key,
    )
    return order_public(order)


@router.get(f"{C}/orders", response_model=PagePublic[OrderPublic])
def my_orders(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    role: Literal["buyer", "seller"] | None = None,
    order_status: Annotated[
        Literal[
            "placed",
            "accepted",
            "delivered",
            "disputed",
            "completed",
            "declined",
            "cancelled",
            "resolved",
        ]
        | None,
        Query(alias="status"),
    ] = None,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> PagePublic[OrderPublic]:
    """Your orders as buyer, seller (or task poster and worker), newest first."""
    page = services.market.orders(
        slug,
        member_id=person.id,
        role=role,
        status=None if order_status is None else OrderStatus(order_status),
        limit=limit,
        cursor=cursor,
    )
    return PagePublic(items=[order_public(o) for o in page.items], next_cursor=page.next_cursor)


@router.get(f"{C}/orders/{{order_id}}", response_model=OrderPublic)
def get_order(
    slug: str, order_id: str, person: CurrentMember, services: ServicesDep
) -> OrderPublic:
    return order_public(services.market.order(slug, viewer=person.id, order_id=order_id))


def _act(
    services: ServicesDep, slug: str, person_id: str, order_id: str, action: Action, key: str | None
) -> OrderPublic:
    return order_public(
        services.market.act(
            slug, actor=person_id, order_id=order_id, action=action, idempotency_key=key
        )
    )


@router.post(f"{C}/orders/{{order_id}}/accept", response_model=OrderPublic)
def accept(
    slug: str, order_id: str, person: CurrentMember, services: ServicesDep, key: OptionalKey = None
) -> OrderPublic:
    """Seller: take the order on."""
    return _act(services, slug, person.id, order_id, Action.ACCEPT, key)


@router.post(f"{C}/orders/{{order_id}}/decline", response_model=OrderPublic)
def decline(
    slug: str, order_id: str, person: CurrentMember, services: ServicesDep, key: IdempotencyKey
) -> OrderPublic:
    """Seller: refuse the order; the buyer's hold is released."""
    return _act(services, slug, person.id, order_id, Action.DECLINE, key)


@router.post(f"{C}/orders/{{order_id}}/cancel", response_model=OrderPublic)
def cancel(
    slug: str, order_id: str, person: CurrentMember, services: ServicesDep, key: IdempotencyKey
) -> OrderPublic:
    """Either side before acceptance, or the seller before delivery; the hold is released."""
    return _act(services, slug, person.id, order_id, Action.CANCEL, key)


@router.post(f"{C}/orders/{{order_id}}/deliver", response_model=OrderPublic)
def deliver(
    slug: str, order_id: str, person: CurrentMember, services: ServicesDep, key: OptionalKey = None
) -> OrderPublic:
    """Seller: mark it delivered; it confirms itself after the charter's period."""
    return _act(services, slug, person.id, order_id, Action.DELIVER, key)


@router.post(f"{C}/orders/{{order_id}}/confirm", response_model=OrderPublic)
def confirm(
    slug: str, order_id: str, person: CurrentMember, services: ServicesDep, key: IdempotencyKey
) -> OrderPublic:
    """Buyer: confirm delivery; the held payment is posted to the seller."""
    return _act(services, slug, person.id, order_id, Action.CONFIRM, key)


# --- requests and quotes ----------------------------------------------------------------


@router.post(
    f"{C}/listings/{{listing_id}}/quotes",
    status_code=status.HTTP_201_CREATED,
    response_model=QuotePublic,
)
def give_quote(
    slug: str, listing_id: str, body: QuoteCreate, person: CurrentMember, services: ServicesDep
) -> QuotePublic:
    """Answer a request with your price."""
    made = services.market.quote(
        slug, quoter=person.id, listing_id=listing_id, price=body.price, message=body.message
    )
    return quote_public(made)


@router.get(f"{C}/listings/{{listing_id}}/quotes", response_model=list[QuotePublic])
def list_quotes(
    slug: str, listing_id: str, person: CurrentMember, services: ServicesDep
) -> list[QuotePublic]:
    """All quotes (the requester) or your own (anyone else)."""
    found = services.market.quotes(slug, viewer=person.id, listing_id=listing_id)
    return [quote_public(q) for q in found]


@router.post(
    f"{C}/quotes/{{quote_id}}/accept",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderPublic,
)
def accept_quote(
    slug: str, quote_id: str, person: CurrentMember, services: ServicesDep, key: IdempotencyKey
) -> OrderPublic:
    """Requester: take this quote; it becomes an accepted order with the price held."""
    order = services.market.accept_quote(
        slug, actor=person.id, quote_id=quote_id, idempotency_key=key
    )
    return order_public(order)


@router.post(f"{C}/quotes/{{quote_id}}/withdraw", response_model=QuotePublic)
def withdraw_quote(
    slug: str, quote_id: str, person: CurrentMember, services: ServicesDep
) -> QuotePublic:
    return quote_public(services.market.withdraw_quote(slug, actor=person.id, quote_id=quote_id))


# --- tasks ------------------------------------------------------------------------------


@router.post(f"{C}/tasks", status_code=status.HTTP_201_CREATED, response_model=TaskPublic)
def post_task(
    slug: str, body: TaskCreate, person: CurrentMember, services: ServicesDep
) -> TaskPublic:
    """Post a small job with a reward (a listing of kind ``task``)."""
    view = services.market.post_listing(
        slug,
        owner=person.id,
        kind=ListingKind.TASK,
        title=body.title,
        description=body.description,
        category=body.category,
        price=body.reward,
        tags=body.tags,
        location=body.location,
    )
    return task_public(view)


@router.get(f"{C}/tasks", response_model=PagePublic[TaskPublic])
def open_tasks(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> PagePublic[TaskPublic]:
    """Open tasks, newest first."""
    page = services.market.search(
        slug,
        ListingQuery(text=q, kind=ListingKind.TASK, limit=limit, cursor=cursor),
        viewer=person.id,
    )
    return PagePublic(items=[task_public(v) for v in page.items], next_cursor=page.next_cursor)


@router.get(f"{C}/tasks/{{task_id}}", response_model=TaskPublic)
def get_task(slug: str, task_id: str, person: CurrentMember, services: ServicesDep) -> TaskPublic:
    """One task (open or not), with its reward."""
    return task_public(services.market.task(slug, task_id, viewer=person.id))


@router.post(
    f"{C}/tasks/{{task_id}}/applications",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationPublic,
)
def apply(
    slug: str, task_id: str, body: ApplicationCreate, person: CurrentMember, services: ServicesDep
) -> ApplicationPublic:
    """Offer to do a task."""
    made = services.market.apply(
        slug, applicant=person.id, listing_id=task_id, message=body.message
    )
    return application_public(made)


@router.get(f"{C}/tasks/{{task_id}}/applications", response_model=list[ApplicationPublic])
def applications(
    slug: str, task_id: str, person: CurrentMember, services: ServicesDep
) -> list[ApplicationPublic]:
    found = services.market.applications(slug, viewer=person.id, listing_id=task_id)
    return [application_public(a) for a in found]


@router.post(
    f"{C}/tasks/{{task_id}}/assign", status_code=status.HTTP_201_CREATED, response_model=OrderPublic
)
def assign(
    slug: str,
    task_id: str,
    body: AssignCreate,
    person: CurrentMember,
    services: ServicesDep,
    key: IdempotencyKey,
) -> OrderPublic:
    """Poster: choose an applicant; the reward is held for them."""
    order = services.market.assign(
        slug,
        actor=person.id,
        listing_id=task_id,
        application_id=body.application_id,
        idempotency_key=key,
    )
    return order_public(order)


@router.get(f"{C}/tasks/{{task_id}}/assignment", response_model=OrderPublic)
def assignment(
    slug: str, task_id: str, person: CurrentMember, services: ServicesDep
) -> OrderPublic:
    """The task's current assignment (an order of kind ``task``)."""
    return order_public(services.market.task_order(slug, viewer=person.id, listing_id=task_id))


def _task_act(
    services: ServicesDep, slug: str, person_id: str, task_id: str, action: Action, key: str | None
) -> OrderPublic:
    return order_public(
        services.market.act_on_task(
            slug, actor=person_id, task_id=task_id, action=action, idempotency_key=key
        )
    )


@router.post(f"{C}/tasks/{{task_id}}/submit", response_model=OrderPublic)
def submit(
    slug: str, task_id: str, person: CurrentMember, services: ServicesDep, key: OptionalKey = None
) -> OrderPublic:
    """Worker: hand in the work."""
    return _task_act(services, slug, person.id, task_id, Action.DELIVER, key)


@router.post(f"{C}/tasks/{{task_id}}/approve", response_model=OrderPublic)
def approve(
    slug: str, task_id: str, person: CurrentMember, services: ServicesDep, key: IdempotencyKey
) -> OrderPublic:
    """Poster: approve the work; the reward is posted to the worker."""
    return _task_act(services, slug, person.id, task_id, Action.CONFIRM, key)
