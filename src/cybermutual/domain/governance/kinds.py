"""What a proposal may ask for: its kind, its validated parameters, and the typed effect.

``parse_effect(kind, params)`` is the only way from a request's loose JSON to an effect: it
refuses unknown kinds, missing or unknown keys and out-of-range values with ``invalid_params``
naming the field, and returns a frozen value whose ``params()`` is the canonical form stored with
the proposal (so what members vote on is exactly what will be applied).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit

from cybermutual.domain.collective import MAX_APPROVALS, MAX_CHARTER_TEXT, Admission
from cybermutual.domain.enterprise.kinds import (
    KIND_ROLES,
    MAX_RESERVE_SHARE,
    EnterpriseKind,
    MeritMetric,
    MixWeights,
    Role,
    check_reserve_share,
)
from cybermutual.domain.errors import InvalidParams, InvalidValue
from cybermutual.domain.federation.rate import Rate
from cybermutual.domain.money import MAX_AMOUNT
from cybermutual.domain.money_rules import (
    MAX_DEMURRAGE,
    MAX_DORMANT_WEEKS,
    MAX_GRACE_WEEKS,
    MAX_MULTIPLE,
    MAX_WINDOW_WEEKS,
    CreditLimitRule,
    Demurrage,
    DormantDebtRule,
    TurnoverLimits,
)

#: The highest levy a proposal may set (the issue's bound: half of every payment).
MAX_LEVY = Decimal("0.5")
MAX_WEIGHT = Decimal(1000)
#: ``set_credit_limit {member: "commons_fund"}`` sets the fund's floor instead of a member's.
COMMONS_FUND = "commons_fund"


class ProposalKind(StrEnum):
    SET_LEVY = "set_levy"
    SET_CREDIT_LIMIT = "set_credit_limit"
    SET_ADMISSION = "set_admission"
    BASIC_INCOME = "basic_income"
    FUND_SERVICE = "fund_service"
    END_SERVICE = "end_service"
    SET_ALLOCATION_BUDGETS = "set_allocation_budgets"
    AMEND_CHARTER = "amend_charter"
    EXPEL_MEMBER = "expel_member"
    RESOLUTION = "resolution"
    OPEN_BUDGET_ROUND = "open_budget_round"
    # the money supply (issue 13, ``domain/money_rules.py``)
    SET_CREDIT_LIMIT_RULE = "set_credit_limit_rule"
    SET_DEMURRAGE = "set_demurrage"
    SET_DORMANT_DEBT = "set_dormant_debt"
    # federation (issue 17, ``domain/federation/``)
    OPEN_LINK = "open_link"
    SUSPEND_LINK = "suspend_link"
    CLOSE_LINK = "close_link"
    # a co-operative's own decisions, scoped to the enterprise (issue 14)
    ADMIT_WORKER_OWNER = "admit_worker_owner"
    REMOVE_WORKER_OWNER = "remove_worker_owner"
    SET_WAGE_RATES = "set_wage_rates"
    SET_RESERVE_SHARE = "set_reserve_share"
    SET_MERIT_METRIC = "set_merit_metric"


#: Kinds that need the charter's supermajority rather than its threshold.
SUPERMAJORITY_KINDS = frozenset({ProposalKind.AMEND_CHARTER, ProposalKind.EXPEL_MEMBER})
#: Kinds a co-operative's worker-owners decide, only in a proposal scoped to their enterprise.
ENTERPRISE_KINDS = frozenset(
    {
        ProposalKind.ADMIT_WORKER_OWNER,
        ProposalKind.REMOVE_WORKER_OWNER,
        ProposalKind.SET_WAGE_RATES,
        ProposalKind.SET_RESERVE_SHARE,
        ProposalKind.SET_MERIT_METRIC,
    }
)
#: Kinds a proposal may have when it is scoped to an enterprise (a resolution records any
#: other decision of the co-operative, with no automatic effect).
SCOPED_KINDS = ENTERPRISE_KINDS | {ProposalKind.RESOLUTION}
#: Kinds whose effect the simulator can estimate before the vote.
IMPACT_KINDS = frozenset(
    {
        ProposalKind.SET_LEVY,
        ProposalKind.BASIC_INCOME,
        ProposalKind.FUND_SERVICE,
        ProposalKind.SET_CREDIT_LIMIT,
    }
)


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class SetLevy:
    rate: Decimal
    kind: ProposalKind = field(default=ProposalKind.SET_LEVY, init=False)

    def params(self) -> dict[str, Any]:
        return {"rate": str(self.rate)}


@dataclass(frozen=True, slots=True)
class SetCreditLimit:
    """The default limit (``member=None``), one member's, or the commons fund's floor."""

    amount: int
    member: str | None = None
    kind: ProposalKind = field(default=ProposalKind.SET_CREDIT_LIMIT, init=False)

    @property
    def for_fund(self) -> bool:
        return self.member == COMMONS_FUND

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {"amount": self.amount}
        if self.member is not None:
            out["member"] = self.member
        return out


@dataclass(frozen=True, slots=True)
class SetAdmission:
    admission: Admission
    approvals_needed: int = 1
    kind: ProposalKind = field(default=ProposalKind.SET_ADMISSION, init=False)

    def params(self) -> dict[str, Any]:
        return {"admission": self.admission.value, "approvals_needed": self.approvals_needed}


@dataclass(frozen=True, slots=True)
class BasicIncome:
    """Every active member receives ``amount`` from ``issuance`` each period (0 stops it)."""

    amount: int
    period: Period
    kind: ProposalKind = field(default=ProposalKind.BASIC_INCOME, init=False)

    def params(self) -> dict[str, Any]:
        return {"amount": self.amount, "period": self.period.value}


@dataclass(frozen=True, slots=True)
class FundService:
    name: str
    category: str
    rate_per_unit: int
    budget_per_period: int
    period: Period
    kind: ProposalKind = field(default=ProposalKind.FUND_SERVICE, init=False)

    def params(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "category": self.category,
            "rate_per_unit": self.rate_per_unit,
            "budget_per_period": self.budget_per_period,
            "period": self.period.value,
        }


@dataclass(frozen=True, slots=True)
class EndService:
    service: str
    kind: ProposalKind = field(default=ProposalKind.END_SERVICE, init=False)

    def params(self) -> dict[str, Any]:
        return {"service": self.service}


@dataclass(frozen=True, slots=True)
class SetAllocationBudgets:
    """Relative token budgets for commons rounds; members not named weigh 1 (empty: equal)."""

    weights: tuple[tuple[str, Decimal], ...]
    kind: ProposalKind = field(default=ProposalKind.SET_ALLOCATION_BUDGETS, init=False)

    def params(self) -> dict[str, Any]:
        return {"weights": {member: str(weight) for member, weight in self.weights}}


@dataclass(frozen=True, slots=True)
class AmendCharter:
    text: str
    kind: ProposalKind = field(default=ProposalKind.AMEND_CHARTER, init=False)

    def params(self) -> dict[str, Any]:
        return {"text": self.text}


@dataclass(frozen=True, slots=True)
class ExpelMember:
    member: str
    kind: ProposalKind = field(default=ProposalKind.EXPEL_MEMBER, init=False)

    def params(self) -> dict[str, Any]:
        return {"member": self.member}


@dataclass(frozen=True, slots=True)
class Resolution:
    """A recorded decision with no automatic effect."""

    kind: ProposalKind = field(default=ProposalKind.RESOLUTION, init=False)

    def params(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, slots=True)
class OpenBudgetRound:
    """A participatory budget round: members propose projects and approve them until
    ``closes_at``; ``rule`` decides which the fund pays for."""

    title: str
    budget: int
    rule: str
    closes_at: datetime
    kind: ProposalKind = field(default=ProposalKind.OPEN_BUDGET_ROUND, init=False)

    def params(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "budget": self.budget,
            "rule": self.rule,
            "closes_at": self.closes_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class SetCreditLimitRule:
    """``fixed`` limits, or limits reviewed weekly from each member's trailing sales."""

    rule: CreditLimitRule
    limits: TurnoverLimits | None = None  # the turnover rule's settings
    kind: ProposalKind = field(default=ProposalKind.SET_CREDIT_LIMIT_RULE, init=False)

    def params(self) -> dict[str, Any]:
        if self.limits is None:
            return {"rule": self.rule.value}
        return {
            "rule": self.rule.value,
            "multiple": str(self.limits.multiple),
            "weeks": self.limits.weeks,
            "floor": self.limits.floor,
            "cap": self.limits.cap,
        }


@dataclass(frozen=True, slots=True)
class SetDemurrage:
    """A weekly ``rate`` on the part of each available balance above ``threshold`` (0: none)."""

    demurrage: Demurrage
    kind: ProposalKind = field(default=ProposalKind.SET_DEMURRAGE, init=False)

    def params(self) -> dict[str, Any]:
        return {"rate": str(self.demurrage.rate), "threshold": self.demurrage.threshold}


@dataclass(frozen=True, slots=True)
class SetDormantDebt:
    """Notice after ``weeks`` in debt without trade, write-off ``grace_weeks`` later (0: off)."""

    rule: DormantDebtRule
    kind: ProposalKind = field(default=ProposalKind.SET_DORMANT_DEBT, init=False)

    def params(self) -> dict[str, Any]:
        return {"weeks": self.rule.weeks, "grace_weeks": self.rule.grace_weeks}


@dataclass(frozen=True, slots=True)
class OpenLink:
    """A link to ``peer`` (a slug here, or on the server at ``peer_url``) at ``rate`` (one of our
    units is worth ``rate`` of theirs) with our limits; the peer's members pass the matching one.
    Passed again for a suspended link, it lifts our suspension."""

    peer: str
    peer_url: str | None
    rate: Rate
    limit_out: int
    limit_in: int
    kind: ProposalKind = field(default=ProposalKind.OPEN_LINK, init=False)

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "peer": self.peer,
            "rate": str(self.rate),
            "limit_out": self.limit_out,
            "limit_in": self.limit_in,
        }
        if self.peer_url is not None:
            out["peer_url"] = self.peer_url
        return out


@dataclass(frozen=True, slots=True)
class SuspendLink:
    link: str
    kind: ProposalKind = field(default=ProposalKind.SUSPEND_LINK, init=False)

    def params(self) -> dict[str, Any]:
        return {"link": self.link}


@dataclass(frozen=True, slots=True)
class CloseLink:
    """Close a link by the written rule of ``domain/federation/links.py`` (settle or freeze)."""

    link: str
    kind: ProposalKind = field(default=ProposalKind.CLOSE_LINK, init=False)

    def params(self) -> dict[str, Any]:
        return {"link": self.link}


@dataclass(frozen=True, slots=True)
class AdmitWorkerOwner:
    """The invited member, who has accepted the invitation, becomes a worker-owner."""

    member: str
    invitation: str
    kind: ProposalKind = field(default=ProposalKind.ADMIT_WORKER_OWNER, init=False)

    def params(self) -> dict[str, Any]:
        return {"member": self.member, "invitation": self.invitation}


@dataclass(frozen=True, slots=True)
class RemoveWorkerOwner:
    """A worker-owner stops being one (their contract, if any, is the enterprise's matter)."""

    member: str
    kind: ProposalKind = field(default=ProposalKind.REMOVE_WORKER_OWNER, init=False)

    def params(self) -> dict[str, Any]:
        return {"member": self.member}


@dataclass(frozen=True, slots=True)
class SetWageRates:
    """The co-operative's hourly wage (minor units) by role: what a contract that names no
    wage of its own pays. Roles not named keep their rate."""

    rates: tuple[tuple[Role, int], ...]
    kind: ProposalKind = field(default=ProposalKind.SET_WAGE_RATES, init=False)

    def params(self) -> dict[str, Any]:
        return {"rates": {role.value: wage for role, wage in self.rates}}


@dataclass(frozen=True, slots=True)
class SetReserveShare:
    """The share of each period's result kept in the co-operative's reserve."""

    share: Decimal
    kind: ProposalKind = field(default=ProposalKind.SET_RESERVE_SHARE, init=False)

    def params(self) -> dict[str, Any]:
        return {"share": str(self.share)}


@dataclass(frozen=True, slots=True)
class SetMeritMetric:
    """The metric the next closes share the surplus by; ``mix`` weighs the three others
    (whole-number weights ``hours``, ``productivity``, ``ratings``)."""

    metric: MeritMetric
    mix: MixWeights | None = None
    kind: ProposalKind = field(default=ProposalKind.SET_MERIT_METRIC, init=False)

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {"metric": self.metric.value}
        if self.mix is not None:
            out["mix"] = {
                "hours": self.mix.hours,
                "productivity": self.mix.productivity,
                "ratings": self.mix.ratings,
            }
        return out


Effect = (
    SetLevy
    | SetCreditLimit
    | SetAdmission
    | BasicIncome
    | FundService
    | EndService
    | SetAllocationBudgets
    | AmendCharter
    | ExpelMember
    | Resolution
    | OpenBudgetRound
    | SetCreditLimitRule
    | SetDemurrage
    | SetDormantDebt
    | OpenLink
    | SuspendLink
    | CloseLink
    | AdmitWorkerOwner
    | RemoveWorkerOwner
    | SetWageRates
    | SetReserveShare
    | SetMeritMetric
)


def members_named(effect: Effect) -> tuple[str, ...]:
    """Member ids the effect refers to (each must be a member of the collective)."""
    if isinstance(effect, SetCreditLimit) and effect.member and not effect.for_fund:
        return (effect.member,)
    if isinstance(effect, ExpelMember):
        return (effect.member,)
    if isinstance(effect, SetAllocationBudgets):
        return tuple(member for member, _ in effect.weights)
    if isinstance(effect, AdmitWorkerOwner | RemoveWorkerOwner):
        return (effect.member,)
    return ()


# --- parsing ---------------------------------------------------------------------------------

E = TypeVar("E", bound=StrEnum)


class _Params:
    """Reads one proposal's params, remembering which keys were used."""

    def __init__(self, raw: object) -> None:
        if not isinstance(raw, Mapping) or not all(isinstance(k, str) for k in raw):
            raise InvalidParams("params must be a JSON object", field="params")
        self._raw: Mapping[str, object] = raw
        self._used: set[str] = set()

    def _get(self, key: str, *, required: bool) -> object:
        self._used.add(key)
        if key not in self._raw or self._raw[key] is None:
            if required:
                raise InvalidParams(f"params.{key} is required", field=f"params.{key}")
            return None
        return self._raw[key]

    def integer(
        self, key: str, *, low: int, high: int = MAX_AMOUNT, default: int | None = None
    ) -> int:
        value = self._get(key, required=default is None)
        if value is None:
            assert default is not None
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidParams(
                f"params.{key} must be a whole number from {low} to {high}", field=f"params.{key}"
            )
        return value

    def text(self, key: str, *, high: int, required: bool = True) -> str | None:
        value = self._get(key, required=required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > high:
            raise InvalidParams(
                f"params.{key} must be text of 1 to {high} characters", field=f"params.{key}"
            )
        return value.strip()

    def required_text(self, key: str, *, high: int) -> str:
        value = self.text(key, high=high)
        assert value is not None
        return value

    def choice(self, key: str, enum: type[E], *, default: E | None = None) -> E:
        value = self._get(key, required=default is None)
        if value is None:
            assert default is not None
            return default
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            return enum(value)
        except ValueError:
            options = "|".join(e.value for e in enum)
            raise InvalidParams(
                f"params.{key} must be one of {options}", field=f"params.{key}"
            ) from None

    def decimal(self, key: str, *, low: Decimal, high: Decimal, places: int = 6) -> Decimal:
        return _decimal(self._get(key, required=True), f"params.{key}", low, high, places)

    def mapping(self, key: str) -> Mapping[str, object]:
        value = self._get(key, required=True)
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise InvalidParams(f"params.{key} must be a JSON object", field=f"params.{key}")
        return value

    def done(self) -> None:
        unknown = sorted(set(self._raw) - self._used)
        if unknown:
            raise InvalidParams(
                f"unknown params: {', '.join(unknown)}", field=f"params.{unknown[0]}"
            )


def _decimal(value: object, name: str, low: Decimal, high: Decimal, places: int) -> Decimal:
    """A decimal given as a string (or a whole number), exact, within ``[low, high]``."""
    message = f"{name} must be a decimal string from {low} to {high} with at most {places} decimals"
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidParams(message, field=name)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidParams(message, field=name) from None
    if not number.is_finite() or not low <= number <= high:
        raise InvalidParams(message, field=name)
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise InvalidParams(message, field=name)
    return number.normalize() if number else Decimal(0)


_NAME = 120
_CATEGORY = 40
_ID = 64


def parse_effect(kind: str, params: object) -> Effect:
    """Validate ``params`` for ``kind`` and return the typed effect, or ``invalid_params``."""
    try:
        which = ProposalKind(kind)
    except ValueError:
        options = "|".join(k.value for k in ProposalKind)
        raise InvalidParams(f"kind must be one of {options}", field="kind") from None
    p = _Params({} if params is None else params)
    effect = _PARSERS[which](p)
    p.done()
    return effect


def _set_levy(p: _Params) -> Effect:
    try:
        return SetLevy(p.decimal("rate", low=Decimal(0), high=MAX_LEVY))
    except InvalidParams:  # in percent first: members think of a levy that way
        raise InvalidParams(
            f"a levy is from 0% to {MAX_LEVY * 100:.0f}% of each payment (params.rate: a "
            f"decimal string from 0 to {MAX_LEVY}, at most 6 decimals)",
            field="params.rate",
        ) from None


def _set_credit_limit(p: _Params) -> Effect:
    return SetCreditLimit(p.integer("amount", low=0), p.text("member", high=_ID, required=False))


def _set_admission(p: _Params) -> Effect:
    admission = p.choice("admission", Admission)
    return SetAdmission(
        admission, p.integer("approvals_needed", low=1, high=MAX_APPROVALS, default=1)
    )


def _basic_income(p: _Params) -> Effect:
    return BasicIncome(p.integer("amount", low=0), p.choice("period", Period))


def _fund_service(p: _Params) -> Effect:
    name = p.required_text("name", high=_NAME)
    category = p.required_text("category", high=_CATEGORY).lower()
    rate = p.integer("rate_per_unit", low=1)
    budget = p.integer("budget_per_period", low=1)
    if budget < rate:
        raise InvalidParams(
            "params.budget_per_period must pay at least one unit (>= rate_per_unit)",
            field="params.budget_per_period",
        )
    return FundService(name, category, rate, budget, p.choice("period", Period))


def _end_service(p: _Params) -> Effect:
    return EndService(p.required_text("service", high=_ID))


def _set_allocation_budgets(p: _Params) -> Effect:
    raw = p.mapping("weights")
    if len(raw) > 10_000:
        raise InvalidParams("params.weights names at most 10000 members", field="params.weights")
    weights = tuple(
        sorted(
            (member, _decimal(w, f"params.weights.{member}", Decimal("0.001"), MAX_WEIGHT, 3))
            for member, w in raw.items()
        )
    )
    return SetAllocationBudgets(weights)


def _amend_charter(p: _Params) -> Effect:
    return AmendCharter(p.required_text("text", high=MAX_CHARTER_TEXT))


def _expel_member(p: _Params) -> Effect:
    return ExpelMember(p.required_text("member", high=_ID))


def _resolution(p: _Params) -> Effect:
    return Resolution()


def _open_budget_round(p: _Params) -> Effect:
    title = " ".join(p.required_text("title", high=200).split())
    budget = p.integer("budget", low=1)
    rule = p.text("rule", high=20, required=False) or "equal_shares"
    if rule not in ("equal_shares", "greedy"):
        raise InvalidParams("params.rule must be one of equal_shares|greedy", field="params.rule")
    raw = p.required_text("closes_at", high=40)
    try:
        closes_at = datetime.fromisoformat(raw)
    except ValueError:
        closes_at = None
    if closes_at is None or closes_at.tzinfo is None:
        raise InvalidParams(
            "params.closes_at must be an ISO 8601 time with a time zone",
            field="params.closes_at",
        )
    return OpenBudgetRound(title, budget, rule, closes_at)


def _set_credit_limit_rule(p: _Params) -> Effect:
    rule = p.choice("rule", CreditLimitRule)
    if rule is CreditLimitRule.FIXED:
        return SetCreditLimitRule(rule)
    multiple = p.decimal("multiple", low=Decimal(0), high=MAX_MULTIPLE, places=4)
    weeks = p.integer("weeks", low=1, high=MAX_WINDOW_WEEKS, default=13)
    floor = p.integer("floor", low=0, default=0)
    cap = p.integer("cap", low=0, default=MAX_AMOUNT)
    if floor > cap:
        raise InvalidParams("params.floor must not be above params.cap", field="params.floor")
    return SetCreditLimitRule(rule, TurnoverLimits(multiple, weeks, floor, cap))


def _set_demurrage(p: _Params) -> Effect:
    rate = p.decimal("rate", low=Decimal(0), high=MAX_DEMURRAGE)
    return SetDemurrage(Demurrage(rate, p.integer("threshold", low=0, default=0)))


def _set_dormant_debt(p: _Params) -> Effect:
    weeks = p.integer("weeks", low=0, high=MAX_DORMANT_WEEKS)
    grace = p.integer("grace_weeks", low=1, high=MAX_GRACE_WEEKS, default=4)
    return SetDormantDebt(DormantDebtRule(weeks, grace))


_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def _open_link(p: _Params) -> Effect:
    peer = p.required_text("peer", high=_ID).lower()
    if not _SLUG.match(peer):
        raise InvalidParams("params.peer is a collective's slug", field="params.peer")
    url = p.text("peer_url", high=300, required=False)
    if url is not None:
        url = url.rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise InvalidParams(
                "params.peer_url is the peer server's base URL, like https://hillside.example",
                field="params.peer_url",
            )
    try:
        rate = Rate.parse(p._get("rate", required=True))
    except InvalidValue as exc:
        raise InvalidParams(exc.detail, field="params.rate") from None
    return OpenLink(peer, url, rate, p.integer("limit_out", low=0), p.integer("limit_in", low=0))


def _suspend_link(p: _Params) -> Effect:
    return SuspendLink(p.required_text("link", high=_ID))


def _close_link(p: _Params) -> Effect:
    return CloseLink(p.required_text("link", high=_ID))


def _admit_worker_owner(p: _Params) -> Effect:
    return AdmitWorkerOwner(
        p.required_text("member", high=_ID), p.required_text("invitation", high=_ID)
    )


def _remove_worker_owner(p: _Params) -> Effect:
    return RemoveWorkerOwner(p.required_text("member", high=_ID))


def _set_wage_rates(p: _Params) -> Effect:
    raw = p.mapping("rates")
    roles = sorted(r.value for r in KIND_ROLES[EnterpriseKind.COOPERATIVE])
    if not raw:
        raise InvalidParams(
            f"params.rates names at least one role: {', '.join(roles)}", field="params.rates"
        )
    rates = []
    for name, wage in sorted(raw.items()):
        if name not in roles:
            raise InvalidParams(
                f"params.rates has the roles {', '.join(roles)}; not {name}",
                field=f"params.rates.{name}",
            )
        if isinstance(wage, bool) or not isinstance(wage, int) or not 0 <= wage <= MAX_AMOUNT:
            raise InvalidParams(
                f"params.rates.{name} must be an hourly wage in minor units, from 0 to "
                f"{MAX_AMOUNT}",
                field=f"params.rates.{name}",
            )
        rates.append((Role(name), wage))
    return SetWageRates(tuple(rates))


def _set_reserve_share(p: _Params) -> Effect:
    share = p.decimal("share", low=Decimal(0), high=MAX_RESERVE_SHARE, places=4)
    return SetReserveShare(check_reserve_share(share))


def _set_merit_metric(p: _Params) -> Effect:
    metric = p.choice("metric", MeritMetric)
    if metric is not MeritMetric.MIX:
        if p._get("mix", required=False) not in (None, {}):
            raise InvalidParams("params.mix is only for the mix metric", field="params.mix")
        return SetMeritMetric(metric)
    raw = p.mapping("mix")
    parts = ("hours", "productivity", "ratings")
    unknown = sorted(set(raw) - set(parts))
    if unknown:
        raise InvalidParams(
            f"params.mix has {', '.join(parts)}; not {unknown[0]}",
            field=f"params.mix.{unknown[0]}",
        )
    weights = {}
    for part in parts:
        value = raw.get(part, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
            raise InvalidParams(
                f"params.mix.{part} must be a whole number from 0 to 1000",
                field=f"params.mix.{part}",
            )
        weights[part] = value
    if not any(weights.values()):
        raise InvalidParams("a mix needs at least one weight above 0", field="params.mix")
    return SetMeritMetric(metric, MixWeights(**weights))


_PARSERS = {
    ProposalKind.SET_LEVY: _set_levy,
    ProposalKind.SET_CREDIT_LIMIT: _set_credit_limit,
    ProposalKind.SET_ADMISSION: _set_admission,
    ProposalKind.BASIC_INCOME: _basic_income,
    ProposalKind.FUND_SERVICE: _fund_service,
    ProposalKind.END_SERVICE: _end_service,
    ProposalKind.SET_ALLOCATION_BUDGETS: _set_allocation_budgets,
    ProposalKind.AMEND_CHARTER: _amend_charter,
    ProposalKind.EXPEL_MEMBER: _expel_member,
    ProposalKind.RESOLUTION: _resolution,
    ProposalKind.OPEN_BUDGET_ROUND: _open_budget_round,
    ProposalKind.SET_CREDIT_LIMIT_RULE: _set_credit_limit_rule,
    ProposalKind.SET_DEMURRAGE: _set_demurrage,
    ProposalKind.SET_DORMANT_DEBT: _set_dormant_debt,
    ProposalKind.OPEN_LINK: _open_link,
    ProposalKind.SUSPEND_LINK: _suspend_link,
    ProposalKind.CLOSE_LINK: _close_link,
    ProposalKind.ADMIT_WORKER_OWNER: _admit_worker_owner,
    ProposalKind.REMOVE_WORKER_OWNER: _remove_worker_owner,
    ProposalKind.SET_WAGE_RATES: _set_wage_rates,
    ProposalKind.SET_RESERVE_SHARE: _set_reserve_share,
    ProposalKind.SET_MERIT_METRIC: _set_merit_metric,
}
