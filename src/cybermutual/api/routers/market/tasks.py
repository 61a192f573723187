"""Tasks over HTTP: posted, applied for, assigned (the reward held), submitted, approved."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from cybermutual.api.deps import CurrentMember, IdempotencyKey, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.params import COLLECTIVE_PATH, Cursor, Limit, OptionalKey
from cybermutual.api.routers.market.mappers import application_public, order_public, task_public
from cybermutual.api.schemas import PagePublic
from cybermutual.api.schemas_market import (
    ApplicationCreate,
    ApplicationPublic,
    AssignCreate,
    OrderPublic,
    TaskCreate,
    TaskPublic,
)
from cybermutual.domain.market.deals import Action
from cybermutual.domain.market.listings import ListingKind
from cybermutual.services.market.ports import ListingQuery

router = APIRouter(tags=["market"], route_class=NamedRoute)


@router.post(
    f"{COLLECTIVE_PATH}/tasks", status_code=status.HTTP_201_CREATED, response_model=TaskPublic
)
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


@router.get(f"{COLLECTIVE_PATH}/tasks", response_model=PagePublic[TaskPublic])
def open_tasks(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PagePublic[TaskPublic]:
    """Open tasks, newest first."""
    page = services.market.search(
        slug,
        ListingQuery(text=q, kind=ListingKind.TASK, limit=limit, cursor=cursor),
        viewer=person.id,
    )
    return PagePublic(items=[task_public(v) for v in page.items], next_cursor=page.next_cursor)


@router.get(f"{COLLECTIVE_PATH}/tasks/{{task_id}}", response_model=TaskPublic)
def get_task(slug: str, task_id: str, person: CurrentMember, services: ServicesDep) -> TaskPublic:
    """One task (open or not), with its reward."""
    return task_public(services.market.task(slug, task_id, viewer=person.id))


@router.post(
    f"{COLLECTIVE_PATH}/tasks/{{task_id}}/applications",
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


@router.get(
    f"{COLLECTIVE_PATH}/tasks/{{task_id}}/applications", response_model=list[ApplicationPublic]
)
def applications(
    slug: str, task_id: str, person: CurrentMember, services: ServicesDep
) -> list[ApplicationPublic]:
    found = services.market.applications(slug, viewer=person.id, listing_id=task_id)
    return [application_public(a) for a in found]


@router.post(
    f"{COLLECTIVE_PATH}/tasks/{{task_id}}/assign",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderPublic,
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


@router.get(f"{COLLECTIVE_PATH}/tasks/{{task_id}}/assignment", response_model=OrderPublic)
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


@router.post(f"{COLLECTIVE_PATH}/tasks/{{task_id}}/submit", response_model=OrderPublic)
def submit(
    slug: str, task_id: str, person: CurrentMember, services: ServicesDep, key: OptionalKey = None
) -> OrderPublic:
    """Worker: hand in the work."""
    return _task_act(services, slug, person.id, task_id, Action.DELIVER, key)


@router.post(f"{COLLECTIVE_PATH}/tasks/{{task_id}}/approve", response_model=OrderPublic)
def approve(
    slug: str, task_id: str, person: CurrentMember, services: ServicesDep, key: IdempotencyKey
) -> OrderPublic:
    """Poster: approve the work; the reward is posted to the worker."""
    return _task_act(services, slug, person.id, task_id, Action.CONFIRM, key)
