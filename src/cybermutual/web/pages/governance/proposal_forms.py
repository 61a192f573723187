"""The new-proposal form: one set of fields per kind, read into the ``params`` the service takes.

Reading is all this module does: amounts and percentages as a person types them become minor
units and decimal strings, each refusal naming the form field it came from (the fields are named
like the domain's own, ``params.rate``, so the domain's refusals land next to them too). Whether
the values are allowed is decided by the service, exactly as for the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.money import Currency
from cybermutual.web import forms


@dataclass(frozen=True, slots=True)
class Kind:
    key: str
    label: str
    summary: str


#: The kinds a member may propose, in the order the form offers them.
KINDS: tuple[Kind, ...] = (
    Kind(
        "set_levy", "Change the levy", "The share of every payment that goes to the commons fund."
    ),
    Kind("basic_income", "Basic income", "Every member receives an amount each week or month."),
    Kind("fund_service", "Fund a public service", "Free at the point of use, paid by the fund."),
    Kind("end_service", "End a public service", "It takes no new providers or claims."),
    Kind("set_credit_limit", "Credit limit", "How far below zero members (or the fund) may go."),
    Kind("set_admission", "Admission", "Whether anyone may join, or members approve newcomers."),
    Kind("open_budget_round", "Open a budget round", "Members propose projects and choose."),
    Kind(
        "set_allocation_budgets",
        "Commons token budgets",
        "Weigh members' budgets in commons allocation rounds.",
    ),
    Kind(
        "set_credit_limit_rule",
        "Credit limits that follow trade",
        "Fixed limits, or limits reviewed weekly from each member's recent sales.",
    ),
    Kind(
        "set_demurrage",
        "Demurrage",
        "A small weekly fee on large balances, paid into the commons fund.",
    ),
    Kind(
        "set_dormant_debt",
        "Dormant debts",
        "Write off the debts of members who stopped trading, against the fund.",
    ),
    Kind(
        "open_link",
        "Open a link to another collective",
        "Trade with its members at an exchange rate, within limits both sides vote on.",
    ),
    Kind("suspend_link", "Suspend a link", "No new payments across it until members resume it."),
    Kind(
        "close_link",
        "Close a link",
        "Closed at once if nothing is owed; otherwise frozen until the position is back to zero.",
    ),
    Kind("amend_charter", "Amend the charter", "Change the charter's text (supermajority)."),
    Kind("expel_member", "Expel a member", "They keep their account but cannot rejoin."),
    Kind(
        "resolution", "Resolution", "A decision recorded in the history, with no automatic effect."
    ),
)
KIND_KEYS = frozenset(k.key for k in KINDS)

#: How long members may vote (hours), as the form offers it.
VOTING_PERIODS: tuple[tuple[str, str], ...] = (
    ("24", "1 day"),
    ("72", "3 days"),
    ("168", "7 days"),
    ("336", "14 days"),
    ("720", "30 days"),
)
#: How long a budget round runs after the vote that opens it (days).
ROUND_PERIODS: tuple[tuple[str, str], ...] = (
    ("7", "1 week"),
    ("14", "2 weeks"),
    ("30", "30 days"),
    ("60", "60 days"),
)
WEIGHT_PREFIX = "params.weights."

DEFAULTS: dict[str, str] = {
    "title": "",
    "body": "",
    "voting_hours": "168",
    "params.rate": "",
    "params.amount": "",
    "params.member": "",
    "params.admission": "approval",
    "params.approvals_needed": "1",
    "params.period": "month",
    "params.name": "",
    "params.category": "",
    "params.rate_per_unit": "",
    "params.budget_per_period": "",
    "params.service": "",
    "params.text": "",
    "params.title": "",
    "params.budget": "",
    "params.rule": "equal_shares",
    "round_days": "14",
    "params.credit_rule": "turnover",
    "params.multiple": "1",
    "params.weeks": "13",
    "params.floor": "",
    "params.cap": "",
    "params.threshold": "0",
    "params.dormant_weeks": "26",
    "params.grace_weeks": "4",
    "params.peer": "",
    "params.peer_url": "",
    "params.limit_out": "",
    "params.limit_in": "",
    "params.link": "",
}
#: Every field the form may show (a refusal naming one is shown next to it, not at the top).
FIELDS: tuple[str, ...] = tuple(DEFAULTS)


@dataclass(frozen=True, slots=True)
class Draft:
    """What the service is asked to open."""

    kind: str
    title: str
    body: str
    params: dict[str, Any]
    closes_at: datetime


def kind_of(text: str) -> str:
    if text not in KIND_KEYS:
        raise InvalidValue("choose what the proposal should do", field="kind")
    return text


def draft(values: dict[str, str], *, currency: Currency, now: datetime) -> Draft:
    """The proposal a filled-in form asks for (refusing what cannot be read, by field)."""
    kind = kind_of(values.get("kind", ""))
    hours = forms.whole(values.get("voting_hours", ""), field="voting_hours", low=1, high=90 * 24)
    closes_at = now + timedelta(hours=hours)
    params = _PARAMS[kind](values, currency, closes_at)
    return Draft(kind, values.get("title", ""), values.get("body", ""), params, closes_at)


def _money(values: dict[str, str], key: str, currency: Currency, *, positive: bool) -> int:
    return forms.amount(currency, values.get(key, ""), field=key, positive=positive)


def _set_levy(values: dict[str, str], currency: Currency, closes_at: datetime) -> dict[str, Any]:
    rate = forms.percent(values.get("params.rate", ""), field="params.rate")
    return {"rate": str(rate.normalize() if rate else 0)}


def _set_credit_limit(
    values: dict[str, str], currency: Currency, closes_at: datetime
) -> dict[str, Any]:
    params: dict[str, Any] = {"amount": _money(values, "params.amount", currency, positive=False)}
    member = values.get("params.member", "")
    if member:
        params["member"] = member
    return params


def _set_admission(
    values: dict[str, str], currency: Currency, closes_at: datetime
) -> dict[str, Any]:
    approvals = forms.whole(
        values.get("params.approvals_needed", "1"), field="params.approvals_needed", low=1
    )
    return {"admission": values.get("params.admission", ""), "approvals_needed": approvals}


def _basic_income(
    values: dict[str, str], currency: Currency, closes_at: datetime
) -> dict[str, Any]:
    return {
        "amount": _money(values, "params.amount", currency, positive=False),
        "period": values.get("params.period", ""),
    }


def _fund_service(
    values: dict[str, str], currency: Currency, closes_at: datetime
) -> dict[str, Any]:
    return {
        "name": values.get("params.name", ""),
        "category": values.get("params.category", ""),
        "rate_per_unit": _money(values, "params.rate_per_unit", currency, positive=True),
        "budget_per_period": _money(values, "params.budget_per_period", currency, positive=True),
        "period": values.get("params.period", ""),
    }


def _end_service(values: dict[str, str], currency: Currency, closes_at: datetime) -> dict[str, Any]:
    return {"service": values.get("params.service", "")}


def _set_allocation_budgets(
    values: dict[str, str], currency: Currency, closes_at: datetime
) -> dict[str, Any]:
    """Each member's weight as typed; a blank or 1 leaves the member at the equal budget."""
    weights = {
        key.removeprefix(WEIGHT_PREFIX): text.strip()
        for key, text in values.items()
        if key.startswith(WEIGHT_PREFIX) and text.strip() not in ("", "1")
    }
    return {"weights": weights}


def _amend_charter(
    values: dict[str, str], currency: Currency, closes_at: datetime
) -> dict[str, Any]:
    return {"text": values.get("params.text", "")}


def _expel_member(
    values: dict[str, str], currency: Currency, closes_at: datetime
) -> dict[str, Any]:
    return {"member": values.get("params.member", "")}


def _resolution(values: dict[str, str], currency: Currency, closes_at: datetime) -> dict[str, Any]:
    return {}


def _open_budget_round(
    values: dict[str, str], currency: Currency, closes_at: datetime
) -> dict[str, Any]:
    days = forms.whole(values.get("round_days", ""), field="round_days", low=1, high=89)
    return {
        "title": values.get("params.title", ""),
        "budget": _money(values, "params.budget", currency, positive=True),
        "rule": values.get("params.rule", ""),
        "closes_at": (closes_at + timedelta(days=days)).isoformat(),
    }


def _set_credit_limit_rule(
    values: dict[str, str], currency: Currency, closes_at: datetime
) -> dict[str, Any]:
    rule = values.get("params.credit_rule", "")
    if rule != "turnover":
        return {"rule": rule}
    params: dict[str, Any] = {
        "rule": rule,
        "multiple": values.get("params.multiple", "").strip(),
        "weeks": forms.whole(values.get("params.weeks", ""), field="params.weeks", low=1, high=52),
    }
    for key in ("floor", "cap"):
        if values.get(f"params.{key}", "").strip():
            params[key] = _money(values, f"params.{key}", currency, positive=False)
    return params


def _set_demurrage(
    values: dict[str, str], currency: Currency, closes_at: datetime
) -> dict[str, Any]:
    rate = forms.percent(values.get("params.rate", ""), field="params.rate")
    threshold = _money(values, "params.threshold", currency, positive=False)
    return {"rate": str(rate.normalize() if rate else 0), "threshold": threshold}


def _set_dormant_debt(
    values: dict[str, str], currency: Currency, closes_at: datetime
) -> dict[str, Any]:
    weeks = forms.whole(values.get("params.dormant_weeks", ""), field="params.dormant_weeks")
    grace = forms.whole(values.get("params.grace_weeks", ""), field="params.grace_weeks")
    return {"weeks": weeks, "grace_weeks": grace}


def _open_link(values: dict[str, str], currency: Currency, closes_at: datetime) -> dict[str, Any]:
    params: dict[str, Any] = {
        "peer": values.get("params.peer", "").strip(),
        "rate": values.get("params.rate", "").strip(),
        "limit_out": _money(values, "params.limit_out", currency, positive=False),
        "limit_in": _money(values, "params.limit_in", currency, positive=False),
    }
    if url := values.get("params.peer_url", "").strip():
        params["peer_url"] = url
    return params


def _link(values: dict[str, str], currency: Currency, closes_at: datetime) -> dict[str, Any]:
    return {"link": values.get("params.link", "").strip()}


_PARAMS = {
    "set_levy": _set_levy,
    "set_credit_limit": _set_credit_limit,
    "set_admission": _set_admission,
    "basic_income": _basic_income,
    "fund_service": _fund_service,
    "end_service": _end_service,
    "set_allocation_budgets": _set_allocation_budgets,
    "amend_charter": _amend_charter,
    "expel_member": _expel_member,
    "resolution": _resolution,
    "open_budget_round": _open_budget_round,
    "set_credit_limit_rule": _set_credit_limit_rule,
    "set_demurrage": _set_demurrage,
    "set_dormant_debt": _set_dormant_debt,
    "open_link": _open_link,
    "suspend_link": _link,
    "close_link": _link,
}
