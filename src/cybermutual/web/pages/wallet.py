"""The wallet: balance, what is held, the statement with its running balance, the balance over
time, paying a member chosen by name (reviewed, then confirmed once), and the statement as CSV."""

from __future__ import annotations

import csv
import io
import secrets
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from cybermutual.domain.errors import (
    AmountOutOfRange,
    CreditLimitExceeded,
    DomainError,
    IdempotencyKeyReused,
    InvalidValue,
    MemberNotFound,
    NotAMember,
    PayeeNotAMember,
    SelfTransfer,
)
from cybermutual.domain.membership import MembershipStatus
from cybermutual.domain.money import Currency
from cybermutual.domain.statement import Purpose, spreadsheet_text
from cybermutual.services.container import Services
from cybermutual.services.wallet import StatementLine, Wallet
from cybermutual.web import forms
from cybermutual.web.pages.context import collective_context
from cybermutual.web.rendering import refused, render
from cybermutual.web.routing import FormDep, page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer

router = page_router()
PAYEES = 200  # members offered in the list at once; more are found by name
PAGE = 25

#: Which field of the payment form a refusal is about (the API's body names the same fields).
_FIELD_OF: tuple[tuple[type[DomainError], str], ...] = (
    (CreditLimitExceeded, "amount"),
    (AmountOutOfRange, "amount"),
    (SelfTransfer, "to"),
    (PayeeNotAMember, "to"),
    (MemberNotFound, "to"),
)

PURPOSES = {
    Purpose.PAYMENT: "Payment",
    Purpose.RELEASED_HOLD: "Held payment, released",
    Purpose.ORDER: "Order",
    Purpose.LEVY: "Levy",
    Purpose.BASIC_INCOME: "Basic income",
    Purpose.PUBLIC_SERVICE: "Public service claim",
    Purpose.CLEARING: "Clearing",
    Purpose.WAGE: "Wage",
    Purpose.PROFIT_SHARE: "Profit share",
}


def _placed(error: DomainError) -> DomainError:
    """The refusal, naming the form field it is about when the domain did not."""
    if isinstance(error.context.get("field"), str):
        return error
    for kind, field in _FIELD_OF:
        if isinstance(error, kind):
            error.context = {**error.context, "field": field}
            break
    return error


def _payees(
    services: Services, slug: str, viewer: Viewer, *, find: str, chosen: str
) -> dict[str, Any]:
    """The members one may pay, by name (names shared by several are told apart by when each
    joined), and whether there are more than the list shows."""
    page = services.collectives.members(
        slug,
        viewer_id=viewer.id,
        status=MembershipStatus.ACTIVE,
        limit=PAYEES,
        name=find or None,
    )
    found = [(m, p) for m, p in page.items if p.id != viewer.id]
    if chosen and chosen != viewer.id and all(p.id != chosen for _, p in found):
        with suppress(DomainError):  # an old link to someone gone: the list goes without them
            found.insert(
                0, services.collectives.member(slug, viewer_id=viewer.id, member_id=chosen)
            )
    shared = Counter(p.display_name for _, p in found)
    options = [
        (
            p.id,
            p.display_name
            if shared[p.display_name] == 1
            else f"{p.display_name} (joined {m.joined_at:%-d %b %Y})",
        )
        for m, p in found
    ]
    return {"payees": options, "more_payees": page.next_cursor is not None, "find": find}


def _wallet_context(
    services: Services,
    slug: str,
    viewer: Viewer,
    *,
    cursor: str | None = None,
    values: dict[str, str] | None = None,
    find: str = "",
) -> dict[str, Any]:
    context = collective_context(services, slug, viewer, "wallet")
    wallet = services.ledger.wallet(slug, member_id=viewer.id, limit=PAGE, cursor=cursor)
    typed = {"to": "", "amount": "", "memo": "", **(values or {})}
    payees = (
        _payees(services, slug, viewer, find=find, chosen=typed["to"])
        if wallet.membership.status is MembershipStatus.ACTIVE
        else {"payees": [], "more_payees": False, "find": find}
    )
    return {
        **context,
        **payees,
        # one key per hold form: a double click releases or cancels once
        "hold_keys": {h.transfer.id: secrets.token_urlsafe(24) for h in wallet.holds},
        "wallet": wallet,
        "values": typed,
        "cursor": cursor,
        "purposes": PURPOSES,
        "chart": _chart(wallet),
    }


def _chart(wallet: Wallet) -> dict[str, Any]:
    """The balance over time as ``app.js`` draws it (unix seconds; amounts in currency units,
    a float being only a chart's position: every amount shown as text is exact)."""
    scale = 10**wallet.currency.decimals
    x: list[float] = []
    y: list[float] = []
    for point in wallet.series:  # a balance holds until the next posting: drawn as steps
        if y:
            x.append(point.at.timestamp())
            y.append(y[-1])
        x.append(point.at.timestamp())
        y.append(point.balance / scale)
    return {
        "x": x,
        "y": y,
        "label": f"Balance ({wallet.currency.code})",
        "fill": True,
    }


@router.get("/c/{slug}/wallet")
def wallet_page(
    request: Request,
    slug: str,
    viewer: MemberDep,
    services: ServicesDep,
    cursor: str | None = None,
    find: str = "",
    to: str = "",
    amount: str = "",
    memo: str = "",
) -> Response:
    """The viewer's wallet (``to``, ``amount``, ``memo`` fill the payment form in)."""
    values = {"to": to, "amount": amount, "memo": memo}
    try:
        context = _wallet_context(
            services, slug, viewer, cursor=cursor, values=values, find=find[:200]
        )
    except NotAMember:
        return render(
            request, "wallet/not_member.html", collective_context(services, slug, viewer, "wallet")
        )
    return render(request, "wallet/wallet.html", context)


@router.get("/c/{slug}/wallet/payees")
def payees_fragment(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep, find: str = ""
) -> Response:
    """The list of members to pay, narrowed to the names containing ``find`` (for htmx)."""
    context = collective_context(services, slug, viewer, "wallet")
    chosen = _payees(services, slug, viewer, find=find[:200], chosen="")
    return render(request, "wallet/_payees.html", {**context, **chosen, "values": {"to": ""}})


@router.post("/c/{slug}/wallet/pay")
def review_payment(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    """The confirmation step: what would be paid to whom, and what it would leave."""
    values = {k: form.get(k, "").strip() for k in ("to", "amount", "memo")}
    try:
        context = collective_context(services, slug, viewer, "wallet")
        currency: Currency = context["currency"]
        if not values["to"]:
            raise InvalidValue("choose who to pay", field="to")
        amount = forms.amount(currency, values["amount"])
        preview = services.ledger.preview_payment(
            slug, payer=viewer.id, payee=values["to"], amount=amount, memo=values["memo"]
        )
    except DomainError as error:
        return _refused(request, services, slug, viewer, error, values)
    # one key per confirmation page: a double click, or a retry of this page, pays once
    key = secrets.token_urlsafe(24)
    return render(
        request,
        "wallet/confirm.html",
        {**context, "preview": preview, "values": values, "key": key},
    )


@router.post("/c/{slug}/wallet/pay/confirm")
def confirm_payment(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    values = {k: form.get(k, "").strip() for k in ("to", "amount", "memo")}
    try:
        currency = services.collectives.profile(slug).collective.currency
        amount = forms.amount(currency, values["amount"])
        if not values["to"]:
            raise InvalidValue("choose who to pay", field="to")
        key = form.get("key", "")
        if not key:
            raise InvalidValue("this confirmation has expired: review the payment again")
        view = services.ledger.pay(
            slug,
            payer=viewer.id,
            payee=values["to"],
            amount=amount,
            memo=values["memo"],
            idempotency_key=key,
        )
    except IdempotencyKeyReused:
        again = InvalidValue("this confirmation was made for another payment: review it again")
        return _refused(request, services, slug, viewer, again, values)
    except DomainError as error:
        return _refused(request, services, slug, viewer, error, values)
    name = services.auth.names([view.payee]).get(view.payee, "the member")
    what = f" for “{values['memo']}”" if values["memo"] else ""
    return see_other(
        f"/c/{slug}/wallet",
        flash=f"Paid {currency.format(view.transfer.amount)} to {name}{what}.",
    )


def _refused(
    request: Request,
    services: Services,
    slug: str,
    viewer: Viewer,
    error: DomainError,
    values: dict[str, str],
) -> Response:
    """The wallet again, with what was typed kept and the refusal next to its field."""
    try:
        context = _wallet_context(services, slug, viewer, values=values)
    except NotAMember:
        return refused(
            request,
            "wallet/not_member.html",
            error,
            collective_context(services, slug, viewer, "wallet"),
        )
    return refused(
        request, "wallet/wallet.html", _worded(_placed(error), context["currency"]), context
    )


def _worded(error: DomainError, currency: Currency) -> DomainError:
    """The domain counts in minor units; a person reads the currency: ``12.50 RVC``."""
    if isinstance(error, CreditLimitExceeded):
        limit = error.context.get("credit_limit")
        available = error.context.get("available")
        if isinstance(limit, int) and isinstance(available, int):
            spendable = currency.format(max(available + limit, 0))
            error.detail = (
                f"this is more than you can spend now: {spendable}, within your credit limit "
                f"of {currency.format(limit)}"
            )
    return error


@router.post("/c/{slug}/wallet/holds/{transfer_id}/release")
def release_hold(
    request: Request,
    slug: str,
    transfer_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """Release a payment one holds to its payee."""
    return _settle(request, services, slug, viewer, transfer_id, form, post=True)


@router.post("/c/{slug}/wallet/holds/{transfer_id}/cancel")
def cancel_hold(
    request: Request,
    slug: str,
    transfer_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """Cancel a held payment (its payer), or decline it (its payee): nothing moves."""
    return _settle(request, services, slug, viewer, transfer_id, form, post=False)


def _settle(
    request: Request,
    services: Services,
    slug: str,
    viewer: Viewer,
    transfer_id: str,
    form: dict[str, str],
    *,
    post: bool,
) -> Response:
    try:
        key = form.get("key", "")
        if not key:
            raise InvalidValue("this form has expired: try again")
        view = services.ledger.settle(
            slug, actor=viewer.id, transfer_id=transfer_id[:64], post=post, idempotency_key=key
        )
    except DomainError as error:
        return _refused(request, services, slug, viewer, error, {})
    amount = services.collectives.profile(slug).collective.currency.format(view.transfer.amount)
    if post:
        name = services.auth.names([view.payee]).get(view.payee, "the member")
        return see_other(f"/c/{slug}/wallet", flash=f"Released {amount} to {name}.")
    return see_other(f"/c/{slug}/wallet", flash=f"The hold of {amount} is cancelled.")


CSV_HEADER = (
    "posted_at",
    "what",
    "counterparty",
    "memo",
    "amount",
    "balance_after",
    "currency",
    "transfer_id",
)


_text_cell = spreadsheet_text


def _csv_rows(currency: Currency, lines: list[StatementLine]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    def number(minor_units: int) -> str:
        return currency.format(minor_units).removesuffix(f" {currency.code}")

    writer.writerow(CSV_HEADER)
    yield flush()
    for line in lines:
        p = line.posting
        what = PURPOSES[line.purpose]
        if line.deal is not None:
            what = f"{what}: {line.deal.title}"
        writer.writerow(
            (
                p.posted_at.isoformat(),
                _text_cell(what),
                _text_cell(line.counterparty.name),
                "" if line.purpose is Purpose.LEVY else _text_cell(p.transfer.memo),
                number(p.change),
                number(p.balance_after),
                currency.code,
                p.transfer.id,
            )
        )
        yield flush()


@router.get("/c/{slug}/wallet.csv")
def wallet_csv(slug: str, viewer: MemberDep, services: ServicesDep) -> Response:
    """The viewer's whole statement, newest first, as a spreadsheet reads it."""
    currency, lines = services.ledger.statement_export(slug, member_id=viewer.id)
    filename = f"{slug}-statement.csv"
    return StreamingResponse(
        _csv_rows(currency, lines),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )
