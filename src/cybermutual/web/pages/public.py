"""Pages anyone may see: the landing page, the directory of collectives, starting a collective."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from fastapi.responses import Response

from cybermutual.domain.collective import Admission, Charter, MarketVisibility, decimal_of
from cybermutual.domain.errors import DomainError, InvalidValue
from cybermutual.domain.money import Currency
from cybermutual.web import forms
from cybermutual.web.rendering import refused, render
from cybermutual.web.routing import FormDep, page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, ViewerDep

router = page_router()
E = TypeVar("E", Admission, MarketVisibility)

START_DEFAULTS = {
    "name": "",
    "slug": "",
    "currency.code": "",
    "currency.name": "",
    "currency.decimals": "2",
    "charter.default_credit_limit": "100",
    "charter.admission": "open",
    "charter.levy_rate": "0",
    "charter.market_visibility": "",
    "charter.text": "",
}


@router.get("/")
def landing(request: Request, viewer: ViewerDep, services: ServicesDep) -> Response:
    """What the system is, and the way in."""
    page = services.collectives.directory(limit=6)
    return render(request, "public/landing.html", {"featured": page.items})


@router.get("/collectives")
def directory(
    request: Request,
    viewer: ViewerDep,
    services: ServicesDep,
    cursor: str | None = None,
    sort: str = "members",
) -> Response:
    """Every collective with its public figures, to compare before joining."""
    page = services.collectives.directory(limit=50, cursor=cursor)
    keys = {
        "members": lambda p: -p.stats.active_members,
        "volume": lambda p: -p.stats.volume_30d,
        "newest": lambda p: (
            -(p.collective.created_at.timestamp() if p.collective.created_at else 0)
        ),
        "name": lambda p: p.collective.name.casefold(),
    }
    profiles = sorted(page.items, key=keys.get(sort, keys["members"]))
    return render(
        request,
        "public/directory.html",
        {
            "profiles": profiles,
            "next_cursor": page.next_cursor,
            "sort": sort if sort in keys else "members",
            "section": "directory",
        },
    )


@router.get("/collectives/new")
def start_form(request: Request, viewer: MemberDep) -> Response:
    return render(request, "public/start.html", {"values": START_DEFAULTS, "section": "directory"})


@router.post("/collectives/new")
def start(request: Request, viewer: MemberDep, services: ServicesDep, form: FormDep) -> Response:
    """Start a collective from the form; the founder becomes its first member."""
    values = {**START_DEFAULTS, **form}
    try:
        decimals = forms.whole(values["currency.decimals"], field="currency.decimals", high=6)
        currency = Currency(
            values["currency.code"].strip().upper(), values["currency.name"].strip(), decimals
        )
        visibility = values["charter.market_visibility"]
        charter = Charter(
            default_credit_limit=forms.amount(
                currency,
                values["charter.default_credit_limit"] or "0",
                field="charter.default_credit_limit",
                positive=False,
            ),
            admission=_choice(Admission, values["charter.admission"], "charter.admission"),
            levy_rate=decimal_of(
                forms.percent(values["charter.levy_rate"], field="charter.levy_rate"),
                "charter.levy_rate",
            ),
            market_visibility=None
            if not visibility
            else _choice(MarketVisibility, visibility, "charter.market_visibility"),
            text=values["charter.text"].strip()[:20_000],
        )
        if charter.default_credit_limit < 0:
            raise InvalidValue(
                "the credit limit cannot be negative", field="charter.default_credit_limit"
            )
        collective = services.collectives.create(
            founder_id=viewer.id,
            slug=values["slug"].strip().lower(),
            name=values["name"],
            currency=currency,
            charter=charter,
        )
    except DomainError as error:
        return refused(
            request,
            "public/start.html",
            error,
            {"values": values, "section": "directory"},
        )
    return see_other(f"/c/{collective.slug}", flash=f"{collective.name} is open. Welcome!")


def _choice(kind: type[E], text: str, field: str) -> E:
    try:
        return kind(text)
    except ValueError:
        raise InvalidValue(
            f"choose one of {', '.join(k.value for k in kind)}", field=field
        ) from None
