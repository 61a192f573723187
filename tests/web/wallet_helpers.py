"""What the wallet, inbox and profile page tests share: a collective started and joined through
the forms, a visitor's person id, the services behind the app."""

from __future__ import annotations

import itertools
import re
from typing import Any

from fastapi import FastAPI

from cybermutual.services.container import Services
from tests.web.helpers import Visitor

_slugs = itertools.count()


def services_of(app: FastAPI) -> Services:
    found: Services = app.state.services
    return found


def person_id(visitor: Visitor) -> str:
    """The visitor's own id, from their profile page (``data-person-id``)."""
    page = visitor.get("/profile")
    found = re.search(r'data-person-id="([^"]+)"', page.text)
    assert found, page.text[:1000]
    return found.group(1)


def riverside(founder: Visitor, *joiners: Visitor, credit_limit: str = "100") -> str:
    """A collective started by ``founder`` through the form, joined by ``joiners``; its slug."""
    slug = f"riverside-{next(_slugs)}"
    reply = founder.submit(
        "/collectives/new",
        {
            "name": "Riverside",
            "slug": slug,
            "currency.code": "RVC",
            "currency.name": "Riverside credit",
            "currency.decimals": "2",
            "charter.default_credit_limit": credit_limit,
            "charter.admission": "open",
            "charter.levy_rate": "0",
        },
    )
    assert reply.status_code == 303, reply.text
    for joiner in joiners:
        assert joiner.submit(f"/c/{slug}/join").status_code == 303
    return slug


def confirm_key(page: Any) -> str:
    """The one-time key a confirmation page carries."""
    found = re.search(r'name="key" value="([^"]+)"', page.text)
    assert found, page.text[:2000]
    return found.group(1)


def options(page: Any, name: str) -> list[tuple[str, str]]:
    """The (value, text) options of the select called ``name``."""
    select = re.search(rf'<select[^>]*name="{re.escape(name)}".*?</select>', page.text, re.S)
    assert select, page.text[:2000]
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0))
