"""Templates, the filters they share (money, times), and how a page or a refusal is rendered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from cybermutual import __version__
from cybermutual.api.problems import status_of
from cybermutual.domain.errors import DomainError
from cybermutual.domain.money import Currency
from cybermutual.web.sessions import (
    CSRF_FIELD,
    CSRF_HEADER,
    FLASH_COOKIE,
    current_viewer,
    remember_csrf,
)

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
env = templates.env
env.globals.update(version=__version__, csrf_field=CSRF_FIELD, csrf_header=CSRF_HEADER)


def money(minor_units: int | None, currency: Currency, *, sign: bool = False) -> str:
    """``1,234.50 RIV``: the collective's currency with its decimals (and ``+`` when asked)."""
    if minor_units is None:
        return "—"
    value = Decimal(minor_units).scaleb(-currency.decimals)
    text = f"{value:,.{currency.decimals}f} {currency.code}"
    return f"+{text}" if sign and minor_units > 0 else text


def amount_input(minor_units: int | None, currency: Currency) -> str:
    """An amount as a form field shows it: ``12.50`` (no grouping, no code)."""
    if minor_units is None:
        return ""
    return f"{Decimal(minor_units).scaleb(-currency.decimals):.{currency.decimals}f}"


@pass_context
def when(context: Context, moment: datetime | None, style: str = "datetime") -> str:
    """A moment in the viewer's time zone: ``29 Nov 2026, 19:40`` (``date`` or ``time`` only)."""
    if moment is None:
        return "—"
    viewer = context.get("viewer")
    local = moment.astimezone(viewer.tz) if viewer is not None else moment
    if style == "date":
        return local.strftime("%-d %b %Y")
    if style == "time":
        return local.strftime("%H:%M")
    return local.strftime("%-d %b %Y, %H:%M")


def iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat()


def percent(value: Decimal | float | str | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{Decimal(str(value)) * 100:.{digits}f}%"


env.filters.update(money=money, amount_input=amount_input, when=when, iso=iso, percent=percent)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refusal to show next to what caused it: the message, the field (if the domain named
    one) and the stable code (the same as the API's)."""

    message: str
    code: str
    field: str | None = None

    @classmethod
    def of(cls, error: DomainError) -> Refusal:
        field = error.context.get("field")
        return cls(error.detail, error.code, field if isinstance(field, str) else None)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HTMLResponse:
    """``template`` with the viewer, the request and ``context``; sets the CSRF cookie the
    page's forms carry if the browser had none."""
    viewer = current_viewer(request)
    hooks: list[Any] = getattr(request.app.state, "page_context", [])
    partial = request.headers.get("HX-Request") == "true"  # htmx swaps part of a page
    flash = None if partial else request.cookies.get(FLASH_COOKIE)
    values: dict[str, Any] = {"viewer": viewer, "flash": unquote(flash) if flash else None}
    for hook in hooks:
        values.update(hook(request, viewer))
    # the named components (components/ui.html), bound to this viewer: every template, page or
    # fragment, calls them as ``ui.field(...)`` without importing them
    values["ui"] = env.get_template("components/ui.html").make_module({"viewer": viewer})
    values.update(context or {})
    response = templates.TemplateResponse(request, template, values, status_code=status)
    remember_csrf(request, response, viewer)
    if flash:
        response.delete_cookie(FLASH_COOKIE)
    return response


def refused(
    request: Request,
    template: str,
    error: DomainError,
    context: dict[str, Any],
    *,
    status: int | None = None,
) -> HTMLResponse:
    """The form again, with what was typed kept and the refusal shown next to its cause (with
    the status the API would answer, unless ``status`` says otherwise)."""
    shown = status_of(error) if status is None else status
    return render(request, template, {**context, "refusal": Refusal.of(error)}, status=shown)
