"""Supply chains: goods and recipes ("what I can make"), asking for a chain (with a live answer
whether it can be made), a plan's page (its links, prices, why each producer, the bottleneck,
what each input is worth), the links waiting for my answer, and chains in progress.

Every rule is the chain service's (``services/chains.py``); the pages parse forms and show what
it answers.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from cybermutual.domain.commons.assets import AssetStatus
from cybermutual.domain.errors import DomainError, InvalidValue
from cybermutual.services.container import Services
from cybermutual.web import forms
from cybermutual.web.pages.context import collective_context
from cybermutual.web.rendering import refused, render
from cybermutual.web.routing import FormDep, page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer

router = page_router()
CHAINS_SHOWN = 30
INPUT_ROWS = 3  # input goods a recipe form offers at once (edit to change more)
C = "/c/{slug}/chains"


def _base(services: Services, slug: str, viewer: Viewer) -> dict[str, Any]:
    return collective_context(services, slug, viewer, "chains")


# --- chains: my links, ask for one, chains in progress ---------------------------------------


def _chains_page(
    request: Request,
    services: Services,
    slug: str,
    viewer: Viewer,
    *,
    values: dict[str, str] | None = None,
    error: DomainError | None = None,
    cursor: str | None = None,
) -> Response:
    context = _base(services, slug, viewer)
    goods = services.chains.goods(slug, viewer=viewer.id)
    page = services.chains.chains(slug, viewer=viewer.id, limit=CHAINS_SHOWN, cursor=cursor)
    by = (services.clock.now() + timedelta(days=14)).date().isoformat()
    context.update(
        goods=goods,
        my_links=services.chains.my_links(slug, member_id=viewer.id),
        chains=page.items,
        next_cursor=page.next_cursor,
        values=values or {"quantity": "1", "by": by, "good": goods[0].id if goods else ""},
    )
    if error is not None:
        return refused(request, "chains/chains.html", error, context)
    return render(request, "chains/chains.html", context)


@router.get(C)
def chains_page(
    request: Request,
    slug: str,
    viewer: MemberDep,
    services: ServicesDep,
    cursor: str | None = None,
) -> Response:
    return _chains_page(request, services, slug, viewer, cursor=cursor)


def _by(text: str) -> datetime:
    """A date (the end of that day, UTC) or a date and time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValue("enter a date, like 2027-01-31", field="by") from None
    if len(text.strip()) <= 10:
        moment = datetime.combine(moment.date(), time(23, 59), tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _budget(services: Services, slug: str, text: str) -> int | None:
    if not text.strip():
        return None
    currency = services.collectives.profile(slug).collective.currency
    return forms.amount(currency, text, field="budget")


@router.post(C)
def ask(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    try:
        view = services.chains.plan_chain(
            slug,
            requester=viewer.id,
            good_id=form.get("good", ""),
            quantity=forms.whole(form.get("quantity", ""), field="quantity", low=1, high=10_000),
            by=_by(form.get("by", "")),
            budget=_budget(services, slug, form.get("budget", "")),
        )
    except DomainError as error:
        return _chains_page(request, services, slug, viewer, values=form, error=error)
    return see_other(
        f"/c/{slug}/chains/{view.plan.id}",
        flash=f"Planned: {len(view.links)} producers are asked to accept their links.",
    )


@router.get(C + "/feasibility")
def feasibility(
    request: Request,
    slug: str,
    viewer: MemberDep,
    services: ServicesDep,
    good: str = "",
    quantity: str = "1",
    budget: str = "",
) -> Response:
    """The ask form's live answer (an htmx fragment): can it be made, and for how much."""
    context = _base(services, slug, viewer)
    try:
        answer = services.chains.feasibility(
            slug,
            viewer=viewer.id,
            good_id=good,
            quantity=forms.whole(quantity or "0", field="quantity", low=1, high=10_000),
            budget=_budget(services, slug, budget),
        )
    except DomainError as error:
        context.update(answer=None, problem=error.detail)
    else:
        context.update(answer=answer, problem=None)
    return render(request, "chains/_feasibility.html", context)


# --- goods and recipes --------------------------------------------------------------------


def _recipes_page(
    request: Request,
    services: Services,
    slug: str,
    viewer: Viewer,
    *,
    form_name: str = "",
    values: dict[str, str] | None = None,
    error: DomainError | None = None,
) -> Response:
    context = _base(services, slug, viewer)
    context.update(
        goods=services.chains.goods(slug, viewer=viewer.id),
        mine=services.chains.my_recipes(slug, member_id=viewer.id),
        recipes=services.chains.recipes(slug, viewer=viewer.id),
        assets=_assets(services, slug),
        makers=[("", "Yourself"), *services.chains.sells_for(slug, member_id=viewer.id)],
        form=form_name,
        values=values or {"output_qty": "1", "capacity": "1", "labour_hours": "0"},
        input_rows=range(1, INPUT_ROWS + 1),
    )
    if error is not None:
        return refused(request, "chains/recipes.html", error, context)
    return render(request, "chains/recipes.html", context)


def _assets(services: Services, slug: str) -> list[Any]:
    try:
        return list(services.commons.assets(slug, status=AssetStatus.AVAILABLE, limit=200).items)
    except DomainError:
        return []


@router.get(C + "/recipes")
def recipes_page(request: Request, slug: str, viewer: MemberDep, services: ServicesDep) -> Response:
    return _recipes_page(request, services, slug, viewer)


@router.post(C + "/goods")
def declare_good(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    try:
        good = services.chains.declare_good(
            slug,
            member_id=viewer.id,
            name=form.get("name", ""),
            unit=form.get("unit", ""),
            category=form.get("category", ""),
        )
    except DomainError as error:
        return _recipes_page(
            request, services, slug, viewer, form_name="good", values=form, error=error
        )
    return see_other(f"/c/{slug}/chains/recipes", flash=f"Added the good {good.name}.")


def _quantities(form: dict[str, str], good_key: str, qty_key: str, *, field: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for n in range(0, INPUT_ROWS + 1):
        suffix = f"_{n}" if n else ""
        good = form.get(good_key + suffix, "").strip()
        if not good:
            continue
        qty = forms.whole(form.get(qty_key + suffix, "") or "0", field=field, low=1, high=10_000)
        if good in found:
            raise InvalidValue("the same good is named twice", field=field)
        found[good] = qty
    return found


def _recipe_fields(services: Services, slug: str, form: dict[str, str]) -> dict[str, Any]:
    currency = services.collectives.profile(slug).collective.currency
    outputs = _quantities(form, "output_good", "output_qty", field="outputs")
    if not outputs:
        raise InvalidValue("choose the good it makes", field="outputs")
    commons = {}
    if form.get("asset", "").strip():
        commons[form["asset"].strip()] = forms.whole(
            form.get("asset_hours", "") or "0", field="commons", low=1, high=10_000
        )
    try:
        hours = Decimal(form.get("labour_hours", "0").strip() or "0")
    except ArithmeticError:
        raise InvalidValue("enter hours, like 1.5", field="labour_hours") from None
    return {
        "name": form.get("name", ""),
        "inputs": _quantities(form, "input_good", "input_qty", field="inputs"),
        "outputs": outputs,
        "commons": commons,
        "labour_hours": hours,
        "capacity": forms.whole(form.get("capacity", ""), field="capacity", low=1, high=10_000),
        "price": forms.amount(currency, form.get("price", ""), field="price"),
    }


def _made_by(form: dict[str, str]) -> dict[str, Any]:
    enterprise = form.get("enterprise", "").strip()
    return {"enterprise": enterprise} if enterprise else {}


@router.post(C + "/recipes")
def declare_recipe(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    try:
        view = services.chains.declare_recipe(
            slug, producer=viewer.id, **_recipe_fields(services, slug, form), **_made_by(form)
        )
    except DomainError as error:
        return _recipes_page(
            request, services, slug, viewer, form_name="recipe", values=form, error=error
        )
    whose = f"{view.enterprise_name}'s" if view.enterprise_name else "your"
    return see_other(
        f"/c/{slug}/chains/recipes",
        flash=f"Declared {whose} recipe '{view.recipe.name}'.",
    )


def _edit_page(
    request: Request,
    services: Services,
    slug: str,
    recipe_id: str,
    viewer: Viewer,
    *,
    values: dict[str, str] | None = None,
    error: DomainError | None = None,
) -> Response:
    context = _base(services, slug, viewer)
    view = services.chains.recipe(slug, recipe_id, viewer=viewer.id)
    r = view.recipe
    if values is None:
        values = {
            "name": r.name,
            "capacity": str(r.capacity),
            "labour_hours": str(r.labour_hours),
            "price": r.price,  # type: ignore[dict-item]
            "active": "on" if r.active else "",
        }
    context.update(view=view, values=values)
    if error is not None:
        return refused(request, "chains/recipe_edit.html", error, context)
    return render(request, "chains/recipe_edit.html", context)


@router.get(C + "/recipes/{recipe_id}")
def edit_recipe_page(
    request: Request, slug: str, recipe_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    return _edit_page(request, services, slug, recipe_id, viewer)


@router.post(C + "/recipes/{recipe_id}")
def edit_recipe(
    request: Request,
    slug: str,
    recipe_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    currency = services.collectives.profile(slug).collective.currency
    try:
        try:
            hours = Decimal(form.get("labour_hours", "0").strip() or "0")
        except ArithmeticError:
            raise InvalidValue("enter hours, like 1.5", field="labour_hours") from None
        view = services.chains.revise_recipe(
            slug,
            recipe_id,
            actor=viewer.id,
            name=form.get("name", ""),
            capacity=forms.whole(form.get("capacity", ""), field="capacity", low=1, high=10_000),
            labour_hours=hours,
            price=forms.amount(currency, form.get("price", ""), field="price"),
            active=form.get("active") == "on",
        )
    except DomainError as error:
        return _edit_page(request, services, slug, recipe_id, viewer, values=form, error=error)
    return see_other(f"/c/{slug}/chains/recipes", flash=f"Saved '{view.recipe.name}'.")


# --- a plan and its links -----------------------------------------------------------------


@router.get(C + "/{plan_id}")
def plan_page(
    request: Request, slug: str, plan_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    context = _base(services, slug, viewer)
    view = services.chains.plan(slug, plan_id, viewer=viewer.id)
    context.update(view=view, now=services.clock.now())
    return render(request, "chains/plan.html", context)


@router.get(C + "/{plan_id}/valueflows.jsonld")
def plan_valueflows(slug: str, plan_id: str, viewer: MemberDep, services: ServicesDep) -> Response:
    document = services.chains.valueflows(slug, plan_id, viewer=viewer.id)
    return JSONResponse(document, media_type="application/ld+json")


@router.post(C + "/{plan_id}/cancel")
def cancel(
    request: Request, slug: str, plan_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    try:
        services.chains.cancel(slug, plan_id, actor=viewer.id)
    except DomainError as error:
        context = _base(services, slug, viewer)
        context.update(
            view=services.chains.plan(slug, plan_id, viewer=viewer.id), now=services.clock.now()
        )
        return refused(request, "chains/plan.html", error, context)
    return see_other(f"/c/{slug}/chains/{plan_id}", flash="Cancelled: nothing was ordered.")


@router.post(C + "/{plan_id}/links/{link_id}/{verb}")
def decide(
    request: Request,
    slug: str,
    plan_id: str,
    link_id: str,
    verb: str,
    viewer: MemberDep,
    services: ServicesDep,
) -> Response:
    if verb not in ("accept", "decline"):
        raise InvalidValue("a link is accepted or declined", field="verb")
    try:
        view = services.chains.decide(
            slug, plan_id, link_id, actor=viewer.id, accept=verb == "accept"
        )
    except DomainError as error:
        context = _base(services, slug, viewer)
        context.update(
            view=services.chains.plan(slug, plan_id, viewer=viewer.id), now=services.clock.now()
        )
        return refused(request, "chains/plan.html", error, context)
    if verb == "accept":
        note = (
            "Accepted. Every link said yes: the chain is open."
            if view.plan.status.value == "open"
            else "Accepted: the chain opens once every producer has said yes."
        )
    else:
        note = "Declined: the chain is planned again without you."
    return see_other(f"/c/{slug}/chains/{plan_id}", flash=note)
