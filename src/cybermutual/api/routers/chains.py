"""Supply chains: goods, recipes, chain plans (with ValueFlows export), links, chains."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse, Response

from cybermutual.api.deps import CurrentMember, ServicesDep
from cybermutual.api.schemas import PagePublic
from cybermutual.api.schemas_chains import (
    ChainPlanCreate,
    ChainPlanPublic,
    Flow,
    GoodCreate,
    GoodPublic,
    LinkPublic,
    RecipeCreate,
    RecipePublic,
    RecipeUpdate,
)
from cybermutual.domain.supply.goods import Good
from cybermutual.services.chains import LinkView, PlanView, RecipeView

router = APIRouter(tags=["supply chains"])
Limit = Annotated[int, Query(ge=1, le=200)]
S = "/collectives/{slug}"
JSON_LD = "application/ld+json"


def good_public(good: Good) -> GoodPublic:
    return GoodPublic(
        id=good.id,
        name=good.name,
        unit=good.unit,
        category=good.category,
        created_by=good.created_by,
        created_at=good.created_at,
    )


def recipe_public(view: RecipeView) -> RecipePublic:
    r = view.recipe

    def flows(items: tuple[tuple[str, int], ...]) -> list[Flow]:
        return [
            Flow(
                id=g,
                name=view.goods[g].name if g in view.goods else g,
                quantity=q,
                unit=view.goods[g].unit if g in view.goods else "",
            )
            for g, q in items
        ]

    return RecipePublic(
        id=r.id,
        producer=r.producer_id,
        producer_name=view.producer_name,
        enterprise=r.enterprise_id,
        enterprise_name=view.enterprise_name or None,
        name=r.name,
        inputs=flows(r.inputs),
        outputs=flows(r.outputs),
        commons=[
            Flow(id=a, name=view.asset_names.get(a, a), quantity=h, unit="hours")
            for a, h in r.commons
        ],
        labour_hours=str(r.labour_hours),
        capacity=r.capacity,
        price=r.price,
        price_per_run=r.price_per_run,
        active=r.active,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def link_public(view: LinkView) -> LinkPublic:
    k = view.link
    return LinkPublic(
        id=k.id,
        recipe=k.recipe_id,
        recipe_name=view.recipe_name,
        producer=k.maker_id,
        producer_name=view.producer_name,
        acting_member=k.producer_id if k.enterprise_id else None,
        producer_kind="enterprise" if view.by_enterprise else "member",
        good=k.good_id,
        good_name=view.good.name,
        unit=view.good.unit,
        runs=k.runs,
        quantity=k.quantity,
        unit_price=k.unit_price,
        amount=k.amount,
        status=k.status.value,
        step=k.step,
        depends_on=list(k.depends_on),
        commons=[{"asset": a, "hours": h} for a, h in k.commons],
        why=k.why,
        decided_at=k.decided_at,
        order=k.order_id,
        order_status=view.order_status,
    )


def plan_public(view: PlanView) -> ChainPlanPublic:
    p = view.plan
    return ChainPlanPublic(
        id=p.id,
        requester=p.requester_id,
        requester_name=view.requester_name,
        good=p.good_id,
        good_name=view.good.name,
        unit=view.good.unit,
        quantity=p.quantity,
        by=p.by,
        budget=p.budget,
        status=p.status.value,
        revision=p.revision,
        cost=p.cost,
        accept_by=p.accept_by,
        reason=p.reason,
        explanation=p.explanation,
        links=[link_public(v) for v in view.links],
        earlier_links=[link_public(v) for v in view.earlier],
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


# goods


@router.post(f"{S}/goods", status_code=status.HTTP_201_CREATED, response_model=GoodPublic)
def declare_good(
    slug: str, body: GoodCreate, person: CurrentMember, services: ServicesDep
) -> GoodPublic:
    """Declare a good members make or use (its name is unique in the collective)."""
    good = services.chains.declare_good(
        slug, member_id=person.id, name=body.name, unit=body.unit, category=body.category
    )
    return good_public(good)


@router.get(f"{S}/goods", response_model=list[GoodPublic])
def goods(slug: str, person: CurrentMember, services: ServicesDep) -> list[GoodPublic]:
    """Every good of the collective, by name."""
    return [good_public(g) for g in services.chains.goods(slug, viewer=person.id)]


@router.get(f"{S}/goods/{{good_id}}", response_model=GoodPublic)
def good(slug: str, good_id: str, person: CurrentMember, services: ServicesDep) -> GoodPublic:
    return good_public(services.chains.good(slug, good_id, viewer=person.id))


# recipes


@router.post(f"{S}/recipes", status_code=status.HTTP_201_CREATED, response_model=RecipePublic)
def declare_recipe(
    slug: str, body: RecipeCreate, person: CurrentMember, services: ServicesDep
) -> RecipePublic:
    """Declare what you can make from what: inputs, outputs, capacity and your asking price."""
    view = services.chains.declare_recipe(
        slug,
        producer=person.id,
        name=body.name,
        inputs=body.inputs,
        outputs=body.outputs,
        commons=body.commons,
        labour_hours=body.labour_hours,
        capacity=body.capacity,
        price=body.price,
        enterprise=body.enterprise,
    )
    return recipe_public(view)


@router.get(f"{S}/recipes", response_model=list[RecipePublic])
def recipes(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    producer: Annotated[str | None, Query(description="a member id, or 'me'")] = None,
    include_withdrawn: bool = False,
) -> list[RecipePublic]:
    """Declared recipes (``producer=me``: what I can make)."""
    who = person.id if producer == "me" else producer
    found = services.chains.recipes(
        slug, viewer=person.id, producer=who, active=None if include_withdrawn else True
    )
    return [recipe_public(v) for v in found]


@router.get(f"{S}/recipes/{{recipe_id}}", response_model=RecipePublic)
def recipe(slug: str, recipe_id: str, person: CurrentMember, services: ServicesDep) -> RecipePublic:
    return recipe_public(services.chains.recipe(slug, recipe_id, viewer=person.id))


@router.patch(f"{S}/recipes/{{recipe_id}}", response_model=RecipePublic)
def revise_recipe(
    slug: str, recipe_id: str, body: RecipeUpdate, person: CurrentMember, services: ServicesDep
) -> RecipePublic:
    """The producer changes their recipe (``active: false`` withdraws it from planning)."""
    changes = body.model_dump(exclude_unset=True)
    view = services.chains.revise_recipe(slug, recipe_id, actor=person.id, **changes)
    return recipe_public(view)


# chain plans


@router.post(
    f"{S}/chain-plans", status_code=status.HTTP_201_CREATED, response_model=ChainPlanPublic
)
def plan_chain(
    slug: str, body: ChainPlanCreate, person: CurrentMember, services: ServicesDep
) -> ChainPlanPublic:
    """Ask the facilitator for a chain that makes ``quantity`` of ``good`` by ``by``.

    Refused with ``chain_infeasible`` (the ``shortfall`` in ``context``: which good, how many
    units short) or ``over_budget`` (the ``cost`` in ``context``). The plan's links each wait
    for their producer's answer until ``accept_by``.
    """
    view = services.chains.plan_chain(
        slug,
        requester=person.id,
        good_id=body.good,
        quantity=body.quantity,
        by=body.by,
        budget=body.budget,
    )
    return plan_public(view)


@router.get(
    f"{S}/chain-plans/{{plan_id}}",
    response_model=ChainPlanPublic,
    responses={200: {"content": {JSON_LD: {}}}},
)
def chain_plan(
    slug: str,
    plan_id: str,
    person: CurrentMember,
    services: ServicesDep,
    format: Annotated[
        Literal["json", "valueflows"], Query(description="valueflows: ValueFlows JSON-LD")
    ] = "json",
) -> ChainPlanPublic | Response:
    """A plan with its links and why each was chosen; ``?format=valueflows`` as JSON-LD."""
    if format == "valueflows":
        document = services.chains.valueflows(slug, plan_id, viewer=person.id)
        return JSONResponse(document, media_type=JSON_LD)
    return plan_public(services.chains.plan(slug, plan_id, viewer=person.id))


@router.post(
    f"{S}/chain-plans/{{plan_id}}/links/{{link_id}}/accept", response_model=ChainPlanPublic
)
def accept_link(
    slug: str, plan_id: str, link_id: str, person: CurrentMember, services: ServicesDep
) -> ChainPlanPublic:
    """The producer accepts their link; the last acceptance opens the chain's orders."""
    view = services.chains.decide(slug, plan_id, link_id, actor=person.id, accept=True)
    return plan_public(view)


@router.post(
    f"{S}/chain-plans/{{plan_id}}/links/{{link_id}}/decline", response_model=ChainPlanPublic
)
def decline_link(
    slug: str, plan_id: str, link_id: str, person: CurrentMember, services: ServicesDep
) -> ChainPlanPublic:
    """The producer declines their link: the chain is planned again without them."""
    view = services.chains.decide(slug, plan_id, link_id, actor=person.id, accept=False)
    return plan_public(view)


@router.post(f"{S}/chain-plans/{{plan_id}}/cancel", response_model=ChainPlanPublic)
def cancel_chain(
    slug: str, plan_id: str, person: CurrentMember, services: ServicesDep
) -> ChainPlanPublic:
    """The requester calls off a chain still waiting for answers (``409`` once it is open)."""
    return plan_public(services.chains.cancel(slug, plan_id, actor=person.id))


@router.get(f"{S}/chains", response_model=PagePublic[ChainPlanPublic])
def chains(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    mine: bool = False,
    include_finished: bool = False,
    limit: Limit = 50,
    cursor: str | None = None,
) -> PagePublic[ChainPlanPublic]:
    """Chains in progress (proposed or open), newest first; ``mine``: those you are part of."""
    page = services.chains.chains(
        slug,
        viewer=person.id,
        in_progress=not include_finished,
        mine=mine,
        limit=limit,
        cursor=cursor,
    )
    return PagePublic(items=[plan_public(v) for v in page.items], next_cursor=page.next_cursor)
