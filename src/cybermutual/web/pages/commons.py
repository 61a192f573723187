"""The commons: its assets, its allocation rounds, bidding with a token budget, one's allocation
with the facilitator's reasons, declining a share, and the usage log.

Every rule is the allocation service's (``services/commons_rounds.py``) or the commons service's
(``services/commons.py``); the pages parse forms and show what they answer. What the facilitator
reported about a round is read in one place, :func:`read_round_result`, so a change in its
figures is adapted there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cybermutual.domain.commons.assets import Asset, AssetStatus
from cybermutual.domain.commons.rounds import DEFAULT_BUDGET, AllocationRound, RoundStatus
from cybermutual.domain.commons.shares import Share
from cybermutual.domain.enterprise.kinds import PERMISSIONS, Power
from cybermutual.domain.errors import DomainError, InvalidValue, RoundNotFound
from cybermutual.services.commons import SaleOption
from cybermutual.services.commons_rounds import BidDraft, BudgetForecast, RoundReport
from cybermutual.services.container import Services
from cybermutual.web import forms
from cybermutual.web.pages.context import collective_context
from cybermutual.web.rendering import Refusal, refused, render
from cybermutual.web.routing import FormDep, page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer, ViewerDep

router = page_router()
ROUNDS_SHOWN = 10
USAGE_SHOWN = 20
#: The steps anyone may take on a round, by the button that asks for them.
ROUND_STEPS = ("compute", "publish", "rerun", "close", "cancel")


# --- what the facilitator reported, read once ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShareView:
    """One share as a member reads it."""

    id: str
    member_id: str
    member_name: str
    asset_id: str
    asset_name: str
    unit: str
    units: int
    pass_no: int
    declined: bool
    asked_max: int | None
    asked_min: int | None
    fractional: float | None
    price: float
    value: float
    reason: str
    productivity_relative: float | None
    own_weight: float | None
    units_logged: int | None
    sales_logged: int | None
    demand_category: str | None
    demand_index: float | None
    open_requests: int | None
    recent_sales: int | None
    different_bid: str  # what asking otherwise would have done, in plain words
    enterprise_name: str | None = None  # the enterprise holding the share, if bid for one
    enterprise_id: str | None = None


@dataclass(frozen=True, slots=True)
class PassView:
    """One facilitator pass: its prices and the round's figures."""

    number: int
    prices: list[tuple[str, float]]  # asset name, tokens per unit
    equilibrium_gap: float | None
    gap_tolerance: float | None
    converged: bool | None
    price_of_fairness: float | None
    bidders: int | None
    lottery_seed: str | None
    ef1: bool | None


@dataclass(frozen=True, slots=True)
class RoundResult:
    passes: list[PassView]
    shares: list[ShareView]
    awaiting_rerun: bool  # declined units no pass has shared out again yet

    def of(self, member_id: str) -> list[ShareView]:
        return [s for s in self.shares if s.member_id == member_id]


def _number(data: Any, *keys: str) -> float | None:
    """``data[k1][k2]...`` as a float, or None where the facilitator did not report it."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return float(data) if isinstance(data, int | float) and not isinstance(data, bool) else None


def _different_bid(received: int, cap: float | None, price: float, unit: str) -> str:
    if price > 0:
        return (
            f"Others wanted this too: it was fully shared out at {price:.3g} tokens per "
            f"{unit.rstrip('s') or 'unit'}. Asking for more would have cost that much of your "
            "budget per unit, taken from what your other bids received; asking for less frees "
            "tokens for your other bids."
        )
    if cap is not None and received >= cap:
        return (
            "Everyone's bids fit, so it was free: you received all you asked, and asking for "
            "more (up to what was left) would have got you more at no cost in tokens."
        )
    return (
        "It was free (nobody was turned away), so a bigger bid would not have cost tokens; "
        "a minimum that could not be met can leave a bid with less."
    )


def read_round_result(
    report: RoundReport, names: dict[str, str], *, freed_units: bool
) -> RoundResult:
    """The facilitator's passes and shares as the pages show them: the one reader of the
    ``summary`` and ``explanation`` it publishes (missing figures are shown as not reported)."""
    assets: dict[str, Asset] = dict(report.assets)
    passes = []
    for p in report.passes:
        summary: dict[str, Any] = dict(p.summary)
        gap = _number(summary, "equilibrium_gap")
        if gap is None:
            gap = _number(summary, "envy")  # before issue 13: the same figure, named envy
        tolerance = _number(summary, "equilibrium_gap_tolerance") or _number(
            summary, "envy_tolerance"
        )
        lottery = summary.get("lottery")
        seed = lottery.get("seed") if isinstance(lottery, dict) else summary.get("seed")
        ef1 = summary.get("ef1")
        passes.append(
            PassView(
                number=p.pass_no,
                prices=sorted(
                    (assets[a].name if a in assets else a, float(v)) for a, v in p.prices.items()
                ),
                equilibrium_gap=gap,
                gap_tolerance=tolerance,
                converged=summary.get("converged")
                if isinstance(summary.get("converged"), bool)
                else None,
                price_of_fairness=_number(summary, "price_of_fairness"),
                bidders=int(summary["bidders"])
                if isinstance(summary.get("bidders"), int)
                else None,
                lottery_seed=None if seed is None else str(seed),
                ef1=ef1 if isinstance(ef1, bool) else None,
            )
        )
    shares = [_share_view(s, assets, names, report.enterprises) for s in report.shares]
    shares.sort(key=lambda s: (s.asset_name, s.member_name, s.pass_no))
    return RoundResult(passes=passes, shares=shares, awaiting_rerun=freed_units)


def _share_view(
    share: Share,
    assets: dict[str, Asset],
    names: dict[str, str],
    enterprises: Mapping[str, str] | None = None,
) -> ShareView:
    why: dict[str, Any] = dict(share.explanation)
    asked = why.get("asked") if isinstance(why.get("asked"), dict) else {}
    asset = assets.get(share.asset_id)
    unit = asset.unit if asset is not None else "units"
    cap = _number(asked, "cap")
    return ShareView(
        id=share.id,
        member_id=share.member_id,
        member_name=names.get(share.member_id, "a former member"),
        asset_id=share.asset_id,
        asset_name=asset.name if asset is not None else "a retired asset",
        unit=unit,
        units=share.units,
        pass_no=share.pass_no,
        declined=share.is_declined,
        asked_max=int(v) if (v := _number(asked, "max_units")) is not None else None,
        asked_min=int(v) if (v := _number(asked, "min_units")) is not None else None,
        fractional=_number(why, "fractional_share"),
        price=share.price_per_unit,
        value=share.value_per_unit,
        reason=str(why.get("reason", "")),
        productivity_relative=_number(why, "productivity", "relative_to_mean"),
        own_weight=_number(why, "productivity", "own_weight"),
        units_logged=int(v) if (v := _number(why, "productivity", "units_logged")) else None,
        sales_logged=int(v) if (v := _number(why, "productivity", "sales_logged")) else None,
        demand_category=str(why["demand"]["category"])
        if isinstance(why.get("demand"), dict) and "category" in why["demand"]
        else None,
        demand_index=_number(why, "demand", "index"),
        open_requests=int(v)
        if (v := _number(why, "demand", "open_requests")) is not None
        else None,
        recent_sales=int(v) if (v := _number(why, "demand", "recent_sales")) is not None else None,
        different_bid=_different_bid(share.units, cap, share.price_per_unit, unit),
        enterprise_name=None
        if share.enterprise_id is None
        else (enterprises or {}).get(share.enterprise_id, "an enterprise"),
        enterprise_id=share.enterprise_id,
    )


# --- reading forms ------------------------------------------------------------------------------


def _moment(text: str, viewer: Viewer, *, field: str) -> datetime:
    """A moment typed in a ``datetime-local`` field, in the viewer's time zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValue("enter a date and time", field=field) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=viewer.tz)


def _local(moment: datetime, viewer: Viewer) -> str:
    """A moment as a ``datetime-local`` field shows it."""
    return moment.astimezone(viewer.tz).strftime("%Y-%m-%dT%H:%M")


def _asset_options(assets: Any) -> list[tuple[str, str]]:
    """Available assets as a select offers them: by name, with their unit."""
    return [(a.id, f"{a.name} ({a.unit})") for a in assets if a.is_available]


def _payers(sales: list[SaleOption]) -> list[str]:
    return [s.payer_id for s in sales if s.payer_id is not None]


def _sales(form: dict[str, str]) -> list[str]:
    """The payments ticked as sales (a checkbox ``sale_<transfer id>`` each)."""
    return [key.removeprefix("sale_") for key in form if key.startswith("sale_")]


def _categories(text: str) -> list[str]:
    return [c.strip() for c in text.replace(";", ",").split(",") if c.strip()]


# --- the commons page ---------------------------------------------------------------------------


def _round_defaults(services: Services, viewer: Viewer) -> dict[str, str]:
    """A round a member might open: bids close in two days at 18:00, the period is the week
    after."""
    now = services.clock.now().astimezone(viewer.tz)
    close = (now + timedelta(days=2)).replace(hour=18, minute=0, second=0, microsecond=0)
    start = (close + timedelta(days=1)).replace(hour=0)
    return {
        "bids_close_at": _local(close, viewer),
        "period_start": _local(start, viewer),
        "period_end": _local(start + timedelta(days=7), viewer),
        "token_budget": str(DEFAULT_BUDGET),
    }


def _commons_context(
    services: Services, slug: str, viewer: Viewer, typed: dict[str, str] | None = None
) -> dict[str, Any]:
    context = collective_context(services, slug, viewer, "commons")
    assets = services.commons.assets(slug, limit=100).items
    rounds = services.allocation.rounds(slug, limit=ROUNDS_SHOWN).items
    usage: list[Any] = []
    names: dict[str, str] = {}
    sales: list[SaleOption] = []
    if context["is_member"]:
        usage = list(services.commons.usage(slug, viewer_id=viewer.id, limit=USAGE_SHOWN).items)
        sales = services.commons.claimable_sales(slug, member_id=viewer.id)
        names = services.auth.names([*(u.member_id for u in usage), *_payers(sales)])
    by_id = {a.id: a for a in assets}
    typed = typed or {}
    return {
        **context,
        "assets": assets,
        "assets_by_id": by_id,
        "available": [a for a in assets if a.is_available],
        "asset_options": _asset_options(assets),
        "rounds": rounds,
        "in_progress": [r for r in rounds if r.is_in_progress],
        "usage": usage,
        "names": names,
        "sales": sales,
        "commons_enabled": context["collective"].charter.capital_mode.value != "private",
        "now": services.clock.now(),
        "typed": {**_round_defaults(services, viewer), **typed},
        "form": typed.get("form", ""),
    }


@router.get("/c/{slug}/commons")
def commons(request: Request, slug: str, viewer: ViewerDep, services: ServicesDep) -> Response:
    return render(request, "commons/commons.html", _commons_context(services, slug, viewer))


@router.post("/c/{slug}/commons/assets")
def add_asset(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    """A member brings an asset into the commons: from now on the collective owns it."""
    try:
        asset = services.commons.contribute(
            slug,
            member_id=viewer.id,
            name=form.get("name", ""),
            category=form.get("category", ""),
            capacity=forms.whole(form.get("capacity", ""), field="capacity", low=1),
            unit=form.get("unit", "").strip(),
            location=form.get("location", ""),
            description=form.get("description", ""),
            output_categories=_categories(form.get("output_categories", "")),
        )
    except DomainError as error:
        context = _commons_context(services, slug, viewer, {**form, "form": "asset"})
        return refused(request, "commons/commons.html", error, context)
    return see_other(
        f"/c/{slug}/commons#assets-h", flash=f"{asset.name} is now held in common. Thank you!"
    )


_STATUS_DONE = {
    AssetStatus.AVAILABLE: "{} is available again.",
    AssetStatus.MAINTENANCE: "{} is under maintenance: it is not shared out until it is back.",
    AssetStatus.RETIRED: "{} is retired: it stays on record and is never shared out again.",
}


@router.post("/c/{slug}/commons/assets/{asset_id}/status")
def asset_status(
    request: Request,
    slug: str,
    asset_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    """Any active member keeps the record of an asset's state up to date."""
    try:
        try:
            status = AssetStatus(form.get("status", ""))
        except ValueError:
            raise InvalidValue(
                "status must be available, maintenance or retired", field="status"
            ) from None
        asset = services.commons.revise(slug, asset_id, member_id=viewer.id, status=status)
    except DomainError as error:
        context = _commons_context(services, slug, viewer)
        return refused(request, "commons/commons.html", error, context)
    return see_other(f"/c/{slug}/commons#assets-h", flash=_STATUS_DONE[status].format(asset.name))


@router.post("/c/{slug}/commons/rounds")
def open_round(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    try:
        round_ = services.allocation.open_round(
            slug,
            member_id=viewer.id,
            bids_close_at=_moment(form.get("bids_close_at", ""), viewer, field="bids_close_at"),
            period_start=_moment(form.get("period_start", ""), viewer, field="period_start"),
            period_end=_moment(form.get("period_end", ""), viewer, field="period_end"),
            token_budget=forms.whole(form.get("token_budget", ""), field="token_budget", low=1),
        )
    except DomainError as error:
        context = _commons_context(services, slug, viewer, {**form, "form": "round"})
        return refused(request, "commons/commons.html", error, context)
    return see_other(
        f"/c/{slug}/commons/rounds/{round_.id}",
        flash="The round is open: members can bid until bidding closes.",
    )


@router.post("/c/{slug}/commons/usage")
def log_usage(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    """Record use of an asset (within a round's share, when a round is named)."""
    round_id = form.get("round_id") or None
    try:
        record = services.commons.log_usage(
            slug,
            member_id=viewer.id,
            asset_id=form.get("asset_id", ""),
            units=forms.whole(form.get("units", ""), field="units", low=1),
            output_category=form.get("output_category", ""),
            round_id=round_id,
            sales=_sales(form),
            note=form.get("note", ""),
            enterprise_id=form.get("enterprise") or None,
        )
    except DomainError as error:
        if round_id is not None:
            context = _round_context(services, slug, round_id, viewer, typed={**form})
            return refused(request, "commons/round.html", error, context)
        context = _commons_context(services, slug, viewer, {**form, "form": "usage"})
        return refused(request, "commons/commons.html", error, context)
    back = f"/c/{slug}/commons/rounds/{round_id}" if round_id else f"/c/{slug}/commons"
    return see_other(f"{back}#usage-h", flash=f"Recorded {record.units} units of use.")


# --- a round ------------------------------------------------------------------------------------


def _forecast(
    services: Services,
    slug: str,
    round_: AllocationRound,
    viewer: Viewer,
    draft: BidDraft | None = None,
) -> tuple[BudgetForecast | None, Refusal | None]:
    """The viewer's budget against the bids as they stand (with ``draft``), or why not."""
    try:
        return services.allocation.forecast(slug, round_.id, member_id=viewer.id, draft=draft), None
    except DomainError as error:
        return None, Refusal.of(error)


def _my_enterprises(services: Services, slug: str, viewer: Viewer) -> dict[str, tuple[str, bool]]:
    """The enterprises the viewer holds a role in: name, and whether a role lets them bid."""
    views = services.enterprises.enterprises(slug, viewer=viewer.id, limit=200).items
    return {
        v.enterprise.id: (
            v.enterprise.name,
            any(Power.BID in PERMISSIONS[role] for role in v.your_roles),
        )
        for v in views
        if v.your_roles
    }


def _round_context(
    services: Services,
    slug: str,
    round_id: str,
    viewer: Viewer,
    *,
    typed: dict[str, str] | None = None,
) -> dict[str, Any]:
    context = collective_context(services, slug, viewer, "commons")
    member = context["is_member"]
    report = services.allocation.report(slug, round_id, viewer_id=viewer.id if member else None)
    round_ = report.round
    now = services.clock.now()
    bidding = round_.status is RoundStatus.OPEN and now < round_.bids_close_at
    theirs = _my_enterprises(services, slug, viewer) if member else {}
    # your bids, and those for an enterprise you work in (its people may withdraw them)
    mine = [
        b
        for b in report.bids
        if member and (b.member_id == viewer.id or (b.enterprise_id or "") in theirs)
    ]
    bid_for = [(eid, name) for eid, (name, bids) in theirs.items() if bids]
    forecast = refusal = None
    if member and bidding:
        forecast, refusal = _forecast(services, slug, round_, viewer)
    result = None
    if member:
        people = {s.member_id for s in report.shares} | {round_.opened_by}
        result = read_round_result(
            report,
            services.auth.names(people),
            freed_units=any(s.awaiting_rerun for s in report.shares),
        )
    sales: list[SaleOption] = []
    if result is not None and round_.status in (RoundStatus.PUBLISHED, RoundStatus.CLOSED):
        sales = services.commons.claimable_sales(slug, member_id=viewer.id)
    assets = dict(report.assets)
    biddable = [a for a in assets.values() if a.is_available]
    held = (
        {}
        if result is None
        else {
            s.asset_id: s.asset_name
            for s in result.of(viewer.id)
            if not s.declined and s.units and s.enterprise_id is None
        }
    )
    # shares held by an enterprise the viewer works in: any of its people records their use
    theirs_held = [
        s
        for s in (result.shares if result is not None else [])
        if s.enterprise_id in theirs and not s.declined and s.units
    ]
    used_for = sorted(
        {(s.enterprise_id or "", theirs[s.enterprise_id or ""][0]) for s in theirs_held}
    )
    own_held = bool(held)
    held.update({s.asset_id: s.asset_name for s in theirs_held})
    return {
        **context,
        "round": round_,
        "now": now,
        "bidding": bidding,
        "bidders": len({b.member_id for b in report.bids}),
        "my_bids": mine,
        "bid_for_options": [("", "Yourself"), *bid_for] if bid_for else [],
        "enterprise_names": dict(report.enterprises),
        "assets_by_id": assets,
        "biddable": biddable,
        "biddable_options": _asset_options(biddable),
        "output_options": sorted({c for a in biddable for c in a.output_categories}),
        "held_options": list(held.items()),
        "used_for_options": ([("", "Yourself")] if own_held else []) + used_for if used_for else [],
        "forecast": forecast,
        "forecast_refusal": refusal,
        "result": result,
        "opener_name": services.auth.names([round_.opened_by]).get(round_.opened_by, "a member"),
        "typed": typed or {},
        "sales": sales,
        "names": services.auth.names(_payers(sales)),
    }


def _draft(form: dict[str, str]) -> BidDraft:
    return BidDraft(
        asset_id=form.get("asset_id", ""),
        max_units=forms.whole(form.get("max_units", ""), field="max_units", low=1),
        min_units=forms.whole(form.get("min_units") or "0", field="min_units"),
        output_category=form.get("output_category", ""),
        enterprise_id=form.get("enterprise") or None,
    )


@router.get("/c/{slug}/commons/rounds/{round_id}")
def round_page(
    request: Request, slug: str, round_id: str, viewer: ViewerDep, services: ServicesDep
) -> Response:
    return render(request, "commons/round.html", _round_context(services, slug, round_id, viewer))


@router.get("/c/{slug}/commons/rounds/{round_id}/forecast")
def forecast(
    request: Request, slug: str, round_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    """The budget box again for the bid being typed (htmx swaps it in as one types)."""
    context = collective_context(services, slug, viewer, "commons")
    round_ = services.allocation.report(slug, round_id, viewer_id=viewer.id).round
    typed = dict(request.query_params)
    try:
        draft = _draft(typed)
    except DomainError as error:
        found, refusal = _forecast(services, slug, round_, viewer)
        refusal = Refusal.of(error)
    else:
        found, refusal = _forecast(services, slug, round_, viewer, draft)
    return render(
        request,
        "commons/_budget.html",
        {**context, "round": round_, "forecast": found, "forecast_refusal": refusal},
    )


@router.post("/c/{slug}/commons/rounds/{round_id}/bids")
def place_bid(
    request: Request,
    slug: str,
    round_id: str,
    viewer: MemberDep,
    services: ServicesDep,
    form: FormDep,
) -> Response:
    try:
        draft = _draft(form)
        services.allocation.place_bid(
            slug,
            round_id,
            member_id=viewer.id,
            asset_id=draft.asset_id,
            max_units=draft.max_units,
            min_units=draft.min_units,
            output_category=draft.output_category,
            enterprise_id=draft.enterprise_id,
        )
    except DomainError as error:
        context = _round_context(services, slug, round_id, viewer, typed={**form, "form": "bid"})
        return refused(request, "commons/round.html", error, context)
    return see_other(f"/c/{slug}/commons/rounds/{round_id}#bids-h", flash="Your bid is in.")


@router.post("/c/{slug}/commons/rounds/{round_id}/bids/{bid_id}/withdraw")
def withdraw_bid(
    request: Request,
    slug: str,
    round_id: str,
    bid_id: str,
    viewer: MemberDep,
    services: ServicesDep,
) -> Response:
    try:
        services.allocation.withdraw_bid(slug, round_id, bid_id, member_id=viewer.id)
    except DomainError as error:
        context = _round_context(services, slug, round_id, viewer)
        return refused(request, "commons/round.html", error, context)
    return see_other(f"/c/{slug}/commons/rounds/{round_id}#bids-h", flash="Bid withdrawn.")


@router.post("/c/{slug}/commons/rounds/{round_id}/allocations/{share_id}/decline")
def decline(
    request: Request,
    slug: str,
    round_id: str,
    share_id: str,
    viewer: MemberDep,
    services: ServicesDep,
) -> Response:
    try:
        share = services.allocation.decline(slug, round_id, share_id, member_id=viewer.id)
    except DomainError as error:
        context = _round_context(services, slug, round_id, viewer)
        return refused(request, "commons/round.html", error, context)
    return see_other(
        f"/c/{slug}/commons/rounds/{round_id}#mine-h",
        flash=f"You declined {share.units} units; a re-run shares them among the others.",
    )


_DONE = {
    "compute": "The facilitator shared out the round: check the proposed shares, then publish.",
    "publish": "Published: the shares are binding now. Members may still decline theirs.",
    "rerun": "The declined units were shared out again.",
    "close": "The round is closed.",
    "cancel": "The round is cancelled; its bids are released.",
}


@router.post("/c/{slug}/commons/rounds/{round_id}/{step}")
def round_step(
    request: Request,
    slug: str,
    round_id: str,
    step: str,
    viewer: MemberDep,
    services: ServicesDep,
) -> Response:
    """Compute, publish, re-run, close or cancel: any active member may, when the clock says."""
    if step not in ROUND_STEPS:
        raise RoundNotFound("no such step for a round", step=step)
    act = {
        "compute": services.allocation.compute,
        "publish": services.allocation.publish,
        "rerun": services.allocation.rerun,
        "close": services.allocation.close,
        "cancel": services.allocation.cancel_round,
    }[step]
    try:
        act(slug, round_id, member_id=viewer.id)
    except DomainError as error:
        context = _round_context(services, slug, round_id, viewer)
        return refused(request, "commons/round.html", error, context)
    target = f"/c/{slug}/commons/rounds/{round_id}"
    return see_other(target if step != "cancel" else f"/c/{slug}/commons", flash=_DONE[step])
