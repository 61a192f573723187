"""A deal's page for its two parties (each step they may take next, a dispute, a review after
it ends) and a dispute's page for its parties and jurors (the jury's secret vote, a settlement)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cybermutual.domain.errors import DomainError, InvalidValue, NotFound
from cybermutual.domain.market.deals import Action
from cybermutual.domain.market.disputes import Vote
from cybermutual.services.container import Services
from cybermutual.web import forms
from cybermutual.web.pages.context import collective_context
from cybermutual.web.pages.market.common import key_of, names_of, new_key, refused_on, router
from cybermutual.web.rendering import refused, render
from cybermutual.web.routing import FormDep, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer

#: The steps a party takes by a button on a deal's page (disputes have their own form).
STEPS = {
    a.value: a
    for a in (Action.ACCEPT, Action.DECLINE, Action.CANCEL, Action.DELIVER, Action.CONFIRM)
}
DONE = {
    Action.ACCEPT: ("Order accepted. Deliver it when it is ready.", "Accepted."),
    Action.DECLINE: ("Order declined; the buyer's money is released.", "Declined."),
    Action.CANCEL: ("Cancelled; the held money is released.", "Dropped; the task reopens."),
    Action.DELIVER: (
        "Marked as delivered. The buyer confirms to release the payment.",
        "Work submitted. The poster approves to release the reward.",
    ),
    Action.CONFIRM: (
        "Confirmed: the payment is released to the seller.",
        "Approved: the reward is released to the worker.",
    ),
}


def deal_context(services: Services, slug: str, viewer: Viewer, order_id: str) -> dict[str, Any]:
    deal = services.market.deal(slug, viewer=viewer.id, order_id=order_id)
    people = [deal.order.buyer_id, deal.order.seller_id]
    if deal.dispute is not None:
        people += [j.member_id for j in deal.dispute.jurors]
    return {
        **collective_context(services, slug, viewer, "market"),
        "deal": deal,
        "order": deal.order,
        "listing": deal.listing,
        "is_buyer": deal.order.buyer_id == viewer.id,
        "names": names_of(services, people),
        "key": new_key(),
        "values": {},
        "action": "",
    }


def _deal_refused(
    request: Request,
    services: Services,
    slug: str,
    viewer: Viewer,
    order_id: str,
    error: DomainError,
    *,
    action: str,
    values: dict[str, str],
) -> Response:
    context = deal_context(services, slug, viewer, order_id)
    return refused_on(request, "market/deal.html", context, error, action=action, values=values)


@router.get("/c/{slug}/market/deals/{order_id}")
def deal_page(
    request: Request, slug: str, order_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    return render(request, "market/deal.html", deal_context(services, slug, viewer, order_id))


@router.post("/c/{slug}/market/deals/{order_id}/step")
def step(
    request: Request,
    slug: str,
    order_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """Accept, decline, cancel, deliver (submit the work) or confirm (approve it)."""
    try:
        action = STEPS.get(form.get("step", ""))
        if action is None:
            raise InvalidValue("choose a step to take", field="step")
        changed = services.market.act(
            slug, actor=viewer.id, order_id=order_id, action=action, idempotency_key=key_of(form)
        )
    except DomainError as error:
        return _deal_refused(
            request, services, slug, viewer, order_id, error, action="step", values=form
        )
    task = changed.kind.value == "task"
    return see_other(f"/c/{slug}/market/deals/{order_id}", flash=DONE[action][1 if task else 0])


@router.post("/c/{slug}/market/deals/{order_id}/dispute")
def dispute(
    request: Request,
    slug: str,
    order_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """A party disputes the deal; a jury of members is drawn."""
    try:
        reason = form.get("reason", "").strip()
        if not reason:
            raise InvalidValue("say what went wrong", field="reason")
        opened = services.market.open_dispute(
            slug, actor=viewer.id, order_id=order_id, reason=reason, idempotency_key=key_of(form)
        )
    except DomainError as error:
        return _deal_refused(
            request, services, slug, viewer, order_id, error, action="dispute", values=form
        )
    return see_other(
        f"/c/{slug}/market/disputes/{opened.dispute.id}",
        flash="Disputed. A jury of members will decide; the money stays held until then.",
    )


@router.post("/c/{slug}/market/deals/{order_id}/review")
def review(
    request: Request,
    slug: str,
    order_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """Review the other side of a finished deal, once."""
    try:
        services.market.review(
            slug,
            author=viewer.id,
            order_id=order_id,
            stars=forms.whole(form.get("stars", ""), field="stars", low=1, high=5),
            text=form.get("text", ""),
        )
    except DomainError as error:
        return _deal_refused(
            request, services, slug, viewer, order_id, error, action="review", values=form
        )
    return see_other(f"/c/{slug}/market/deals/{order_id}", flash="Thank you for your review.")


def dispute_context(
    services: Services, slug: str, viewer: Viewer, dispute_id: str
) -> dict[str, Any]:
    """A dispute for a party or a juror, as the secret ballot lets them see it."""
    seen = services.market.dispute(slug, viewer=viewer.id, dispute_id=dispute_id)
    d, order = seen.dispute, seen.order
    try:
        title = services.market.listing(slug, order.listing_id, viewer=viewer.id).listing.title
    except NotFound:
        title = ""
    me = next((j for j in d.jurors if j.member_id == viewer.id), None)
    people = [order.buyer_id, order.seller_id, d.opened_by, d.proposed_by or ""]
    return {
        **collective_context(services, slug, viewer, "market"),
        "dispute": d,
        "order": order,
        "title": title,
        "juror": me,
        "is_party": order.role_of(viewer.id) is not None,
        "names": names_of(services, people + [j.member_id for j in d.jurors]),
        "votes": [(v.value, label) for v, label in VOTES.items()],
        "key": new_key(),
        "values": {},
        "action": "",
    }


VOTES = {
    Vote.RELEASE: "Release: the seller is paid",
    Vote.REFUND: "Refund: the buyer gets the money back",
    Vote.SPLIT: "Split: half each",
}


def _dispute_refused(
    request: Request,
    services: Services,
    slug: str,
    viewer: Viewer,
    dispute_id: str,
    error: DomainError,
    *,
    action: str,
    values: dict[str, str],
) -> Response:
    context = dispute_context(services, slug, viewer, dispute_id)
    return refused(
        request,
        "market/dispute.html",
        error,
        {**context, "values": values, "action": action, "key": values.get("key", context["key"])},
    )


@router.get("/c/{slug}/market/disputes/{dispute_id}")
def dispute_page(
    request: Request, slug: str, dispute_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    return render(
        request, "market/dispute.html", dispute_context(services, slug, viewer, dispute_id)
    )


@router.post("/c/{slug}/market/disputes/{dispute_id}/vote")
def vote(
    request: Request,
    slug: str,
    dispute_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """A juror's secret vote; the deciding one settles the held money."""
    try:
        choice = form.get("vote", "")
        if choice not in {v.value for v in Vote}:
            raise InvalidValue("choose release, refund or split", field="vote")
        decided = services.market.vote(
            slug,
            juror=viewer.id,
            dispute_id=dispute_id,
            vote=Vote(choice),
            idempotency_key=key_of(form),
        )
    except DomainError as error:
        return _dispute_refused(
            request, services, slug, viewer, dispute_id, error, action="vote", values=form
        )
    flash = "Your vote is cast; it stays secret until the dispute is decided."
    if not decided.dispute.is_open:
        flash = "Your vote is cast, and it decided the dispute."
    return see_other(f"/c/{slug}/market/disputes/{dispute_id}", flash=flash)


@router.post("/c/{slug}/market/disputes/{dispute_id}/settle")
def settle(
    request: Request,
    slug: str,
    dispute_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """A party proposes the seller's share; the same proposal from the other settles it."""
    context = collective_context(services, slug, viewer, "market")
    try:
        share = forms.amount(
            context["currency"], form.get("seller_share", ""), field="seller_share", positive=False
        )
        settled = services.market.propose_settlement(
            slug,
            actor=viewer.id,
            dispute_id=dispute_id,
            seller_share=share,
            idempotency_key=key_of(form),
        )
    except DomainError as error:
        return _dispute_refused(
            request, services, slug, viewer, dispute_id, error, action="settle", values=form
        )
    flash = "Settled by agreement." if not settled.dispute.is_open else "Your proposal is sent."
    return see_other(f"/c/{slug}/market/disputes/{dispute_id}", flash=flash)
