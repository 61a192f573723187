"""What the market's pages share: their router, the names of the people shown, and reading
the form fields every market form has (kinds, amounts, quantities)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cybermutual.domain.errors import CreditLimitExceeded, DomainError, InvalidValue
from cybermutual.domain.market.listings import ListingKind
from cybermutual.domain.money import Currency
from cybermutual.services.container import Services
from cybermutual.web import forms
from cybermutual.web.rendering import money, refused
from cybermutual.web.routing import page_router

router = page_router()

#: How each kind is named on the pages, and what its price is called.
KINDS = {
    ListingKind.OFFER: ("Offer", "Price"),
    ListingKind.REQUEST: ("Request", "Budget"),
    ListingKind.TASK: ("Task", "Reward"),
}


def names_of(services: Services, ids: Iterable[str | None]) -> dict[str, str]:
    """Display names of these people, in one query (members see names, never ids)."""
    return services.auth.names(i for i in ids if i)


def category_names(services: Services, slug: str) -> dict[str, str]:
    """The collective's categories, slug to name, in its order."""
    return {c.slug: c.name for c in services.market.categories(slug)}


def new_key() -> str:
    """An idempotency key for a form that moves money: posting the same form twice (a double
    click, a resent request) does the thing once."""
    return uuid.uuid4().hex


def key_of(form: dict[str, str]) -> str:
    return form.get("key") or new_key()


def kind_of(text: str, *, field: str = "kind") -> ListingKind:
    try:
        return ListingKind(text)
    except ValueError:
        raise InvalidValue("choose an offer, a request or a task", field=field) from None


def quantity_of(text: str, *, field: str = "quantity") -> int:
    return forms.whole(text or "1", field=field, low=1, high=10_000)


def price_of(currency: Currency, text: str, *, field: str = "price") -> int:
    return forms.amount(currency, text, field=field)


def optional_price(currency: Currency, text: str | None, *, field: str) -> int | None:
    """A price filter: empty means none."""
    if not text or not text.strip():
        return None
    return forms.amount(currency, text, field=field, positive=False)


def tags_of(text: str) -> list[str]:
    """Tags typed as words separated by commas or spaces (the domain checks each)."""
    return [t for t in text.replace(",", " ").split() if t]


def listing_names(services: Services, *groups: Iterable[Any]) -> dict[str, str]:
    """Names of everyone these values mention (owners, buyers, sellers, quoters, ...)."""
    ids: set[str] = set()
    for group in groups:
        for value in group:
            for attr in ("owner_id", "buyer_id", "seller_id", "quoter_id", "applicant_id"):
                found = getattr(value, attr, None)
                if isinstance(found, str):
                    ids.add(found)
    return names_of(services, ids)


def in_currency(error: DomainError, currency: Currency) -> DomainError:
    """A refusal whose amounts the domain gave in minor units, told in the currency
    (``needs 25.00 RVC`` rather than ``needs 2500``); any other refusal as it is."""
    if isinstance(error, CreditLimitExceeded):
        amount, available = error.context.get("amount"), error.context.get("available")
        limit = error.context.get("credit_limit")
        if isinstance(amount, int) and isinstance(available, int) and isinstance(limit, int):
            headroom = max(available + limit, 0)
            return CreditLimitExceeded(
                f"this needs {money(amount, currency)} but only {money(headroom, currency)} "
                "is available within your credit limit",
                **error.context,
            )
    return error


def refused_on(
    request: Request,
    template: str,
    context: dict[str, Any],
    error: DomainError,
    *,
    action: str,
    values: dict[str, str],
) -> Response:
    """A listing's or a deal's page again, the refusal beside the form it came from (amounts in
    the currency), what was typed and the form's one-time key kept."""
    return refused(
        request,
        template,
        in_currency(error, context["currency"]),
        {**context, "values": values, "action": action, "key": values.get("key", context["key"])},
    )
