"""What if: a member asks what a policy would do to the collective, watches the simulator run,
and reads the plots and figures with their intervals.

The estimate is the policy-impact service's (the same the API's ``policy-impact`` endpoint and
the proposals show); ``services.estimates`` runs it in the simulation pool and remembers it, so
the page can poll its progress. What an estimate reports is read in one place,
:func:`read_estimate`, so a change in its shape is adapted there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cybermutual.domain.errors import DomainError, InvalidValue
from cybermutual.domain.money import Currency
from cybermutual.services.container import Services
from cybermutual.services.estimate_jobs import EstimateRequest, EstimateState, EstimateStatus
from cybermutual.services.policy_impact import PolicyChange
from cybermutual.web import forms
from cybermutual.web.pages.context import collective_context
from cybermutual.web.rendering import Refusal, amount_input, money, refused, render
from cybermutual.web.routing import FormDep, page_router, see_other
from cybermutual.web.sessions import MemberDep, ServicesDep, Viewer, ViewerDep

router = page_router()
#: The simulation sizes offered (each estimate also stays within the service's work limit).
SEEDS = (4, 8, 16)
WEEKS = (13, 26, 52, 104)
DEFAULT_SEEDS = 8
DEFAULT_WEEKS = 52


# --- what an estimate reports, read once --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Spread:
    """A figure's middle value and its interval."""

    mid: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Point:
    """A metric after ``weeks`` weeks: without the policy, with it, and the paired change."""

    weeks: int
    without: Spread
    with_policy: Spread
    change: Spread


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    label: str
    kind: str  # "money" (minor units), "index" (0..1), "amount" (basket units)
    meaning: str
    points: list[Point]

    @property
    def last(self) -> Point:
        return self.points[-1]

    def series(self, decimals: int = 0) -> str:
        """The chart's data: the change over time, its middle and its interval, from week 0
        (the same economy with and without the policy, so no change yet); money in the
        currency's units (``decimals`` places of minor units)."""
        weeks = [0, *(p.weeks for p in self.points)]
        scale = 10.0**-decimals if self.kind == "money" else 1.0

        def line(pick: str) -> list[float]:
            return [0.0, *(getattr(p.change, pick) * scale for p in self.points)]

        return json.dumps(
            {
                "x": weeks,
                "xlabel": "weeks from now",
                "time": False,
                "precise": True,
                "band": [2, 3],
                "lines": [
                    {"label": "Change (middle)", "y": line("mid")},
                    {"label": "Interval low", "y": line("low"), "dash": [6, 4]},
                    {"label": "Interval high", "y": line("high"), "dash": [6, 4]},
                ],
            }
        )


@dataclass(frozen=True, slots=True)
class EstimateView:
    metrics: list[Metric]
    seeds: int | None
    steps: int | None
    interval: str
    notes: list[str]
    refusal: str | None


#: What the page plots, in order: key in the estimate, label, kind, what it means.
METRICS = (
    (
        "median_consumption",
        "Median consumption",
        "amount",
        "what the typical member consumes a week",
    ),
    ("gini_income", "Inequality of income", "index", "Gini: 0 everyone equal, 1 one takes all"),
    ("gini_wealth", "Inequality of wealth", "index", "Gini of balances"),
    ("commons_fund", "Commons fund", "money", "what the fund holds"),
    ("turnover", "Trade a week", "money", "what members pay each other a week"),
)


def _spread(data: Any) -> Spread | None:
    if not isinstance(data, Mapping):
        return None
    mid, low, high = data.get("median", data.get("mean")), data.get("low"), data.get("high")
    if (
        isinstance(mid, int | float)
        and isinstance(low, int | float)
        and isinstance(high, int | float)
    ):
        return Spread(float(mid), float(low), float(high))
    return None


def _point(weeks: int, data: Any) -> Point | None:
    if not isinstance(data, Mapping):
        return None
    parts = [_spread(data.get(k)) for k in ("without", "with_policy", "change")]
    if parts[0] is None or parts[1] is None or parts[2] is None:
        return None
    return Point(weeks, parts[0], parts[1], parts[2])


def read_estimate(result: Mapping[str, Any]) -> EstimateView:
    """The estimate's figures as the page shows them: every horizon it reports (``horizons``,
    by weeks) or, failing those, the end of the run; a refusal reason if it carries one."""
    refusal = result.get("refusal") or result.get("refused")
    if isinstance(refusal, Mapping):
        refusal = refusal.get("detail") or refusal.get("reason") or refusal.get("code")
    horizons = result.get("horizons")
    if isinstance(horizons, Mapping) and horizons:
        moments = sorted((int(k), v) for k, v in horizons.items() if str(k).isdigit())
    else:
        moments = [(int(result.get("steps") or 0), result)]
    metrics = []
    for key, label, kind, meaning in METRICS:
        points = [p for weeks, data in moments if (p := _point(weeks, data.get(key))) is not None]
        if points:
            metrics.append(Metric(key, label, kind, meaning, points))
    notes = result.get("notes")
    interval = result.get("interval")
    return EstimateView(
        metrics=metrics,
        seeds=result.get("seeds") if isinstance(result.get("seeds"), int) else None,
        steps=result.get("steps") if isinstance(result.get("steps"), int) else None,
        interval=interval if isinstance(interval, str) else "95% interval over the runs",
        notes=[str(n) for n in notes] if isinstance(notes, list) else [],
        refusal=str(refusal) if refusal else None,
    )


# --- the pages ----------------------------------------------------------------------------------


def _form_defaults(services: Services, slug: str) -> dict[str, str]:
    return {"seeds": str(DEFAULT_SEEDS), "steps": str(DEFAULT_WEEKS)}


def _whatif_context(
    services: Services, slug: str, viewer: Viewer, typed: Mapping[str, str] | None = None
) -> dict[str, Any]:
    context = collective_context(services, slug, viewer, "what-if")
    recent = []
    if context["is_member"]:
        recent = [
            (status, _asked(status.request, context["currency"]))
            for status in services.estimates.mine(slug, member_id=viewer.id)
        ]
    return {
        **context,
        "recent": recent,
        "typed": {**_form_defaults(services, slug), **(typed or {})},
        "seed_options": [(str(n), f"{n} runs") for n in SEEDS],
        "week_options": [(str(n), f"{n} weeks") for n in WEEKS],
    }


def _amount(currency: Currency, text: str, *, field: str) -> int | None:
    """An amount of 0 or more, or None for an empty field (today's setting)."""
    if not text.strip():
        return None
    value = forms.amount(currency, text, field=field, positive=False)
    if value < 0:
        raise InvalidValue("enter an amount of 0 or more", field=field)
    return value


def _request(form: Mapping[str, str], services: Services, slug: str) -> EstimateRequest:
    """The policy asked about; an empty field keeps the collective's current setting."""
    currency = services.collectives.profile(slug).collective.currency
    levy = form.get("levy_rate", "").strip()
    service = form.get("service_category", "").strip()
    budget = form.get("service_budget", "")
    services_change = None
    if service or budget.strip():
        weekly = _amount(currency, budget, field="service_budget")
        if weekly is None:
            raise InvalidValue("enter the service's budget a week", field="service_budget")
        if not service:
            raise InvalidValue("name the service's category", field="service_category")
        services_change = {service: weekly}
    return EstimateRequest(
        change=PolicyChange(
            levy_rate=None if not levy else str(forms.percent(levy, field="levy_rate")),
            basic_income=_amount(currency, form.get("basic_income", ""), field="basic_income"),
            credit_limit=_amount(currency, form.get("credit_limit", ""), field="credit_limit"),
            services=services_change,
        ),
        seeds=forms.whole(form.get("seeds", ""), field="seeds", low=1, high=32),
        steps=forms.whole(form.get("steps", ""), field="steps", low=4, high=520),
    )


def _asked(request: EstimateRequest, currency: Currency) -> list[str]:
    """What was asked, in words, for the page that shows the estimate."""
    change = request.change
    words = []
    if change.levy_rate is not None:
        words.append(f"a levy of {(Decimal(change.levy_rate) * 100).normalize():f}%")
    if change.basic_income is not None:
        words.append(f"a basic income of {money(change.basic_income, currency)} a week")
    if change.credit_limit is not None:
        words.append(f"a credit limit of {money(change.credit_limit, currency)}")
    for category, budget in (change.services or {}).items():
        words.append(f"free {category} worth {money(budget, currency)} a week")
    return words or ["no change (today's settings)"]


@router.get("/c/{slug}/what-if")
def what_if(request: Request, slug: str, viewer: ViewerDep, services: ServicesDep) -> Response:
    return render(request, "whatif/whatif.html", _whatif_context(services, slug, viewer))


@router.post("/c/{slug}/what-if")
def run_estimate(
    request: Request, slug: str, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    try:
        status = services.estimates.start(slug, _request(form, services, slug), member_id=viewer.id)
    except DomainError as error:
        context = _whatif_context(services, slug, viewer, form)
        return refused(request, "whatif/whatif.html", error, context)
    return see_other(f"/c/{slug}/what-if/{status.id}")


def _estimate_context(
    services: Services, slug: str, viewer: Viewer, status: EstimateStatus
) -> dict[str, Any]:
    currency = services.collectives.profile(slug).collective.currency
    context = _whatif_context(services, slug, viewer, _typed_back(status.request, currency))
    view = read_estimate(status.result) if status.result is not None else None
    refusal = Refusal.of(status.refusal) if status.refusal is not None else None
    if view is not None and view.refusal and refusal is None:
        refusal = Refusal(view.refusal, "estimate_refused")
    return {
        **context,
        "estimate": status,
        "running": status.state is EstimateState.RUNNING,
        "view": view if refusal is None else None,
        "refusal": refusal,
        "asked": _asked(status.request, context["currency"]),
    }


def _typed_back(request: EstimateRequest, currency: Currency) -> dict[str, str]:
    """The form as it was filled in, to run a variation."""
    change = request.change
    typed = {"seeds": str(request.seeds), "steps": str(request.steps)}
    if change.levy_rate is not None:
        typed["levy_rate"] = f"{(Decimal(change.levy_rate) * 100).normalize():f}"
    for name in ("basic_income", "credit_limit"):
        value = getattr(change, name)
        if value is not None:
            typed[name] = amount_input(value, currency)
    for category, budget in (change.services or {}).items():
        typed["service_category"] = category
        typed["service_budget"] = amount_input(budget, currency)
    return typed


@router.get("/c/{slug}/what-if/{estimate_id}")
def estimate_page(
    request: Request, slug: str, estimate_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    status = services.estimates.status(slug, estimate_id, member_id=viewer.id)
    return render(
        request, "whatif/estimate.html", _estimate_context(services, slug, viewer, status)
    )


@router.get("/c/{slug}/what-if/{estimate_id}/progress")
def progress(
    request: Request, slug: str, estimate_id: str, viewer: MemberDep, services: ServicesDep
) -> Response:
    """How far the runs got (htmx polls it); once they are done, the whole page again."""
    status = services.estimates.status(slug, estimate_id, member_id=viewer.id)
    context = collective_context(services, slug, viewer, "what-if")
    response = render(request, "whatif/_progress.html", {**context, "estimate": status})
    if status.state is not EstimateState.RUNNING:
        response.headers["HX-Refresh"] = "true"  # htmx reloads the page, which shows the result
    return response
