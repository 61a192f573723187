"""Collectives and the charter each one chooses for itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from cybermutual.domain.allocation.budgets import parse_budget_policy
from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.money import MAX_AMOUNT, Currency
from cybermutual.domain.money_rules import (
    CreditLimitRule,
    Demurrage,
    DormantDebtRule,
    TurnoverLimits,
)

#: Defaults of the charter's self-government fields (issue 11).
DEFAULT_QUORUM = Decimal("0.2")
DEFAULT_THRESHOLD = Decimal("0.5")
DEFAULT_SUPERMAJORITY = Decimal("0.6667")
DEFAULT_CLAIM_CONFIRM_DAYS = 7
MAX_APPROVALS = 50
MAX_CHARTER_TEXT = 20_000

#: How far ahead an allocation round may start, by default and at most (a charter setting).
DEFAULT_HORIZON_DAYS = 90
MAX_HORIZON_DAYS = 3660
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,48}[a-z0-9])$")


class Admission(StrEnum):
    """How people join: at once, or after an existing member approves."""

    OPEN = "open"
    APPROVAL = "approval"


class CapitalMode(StrEnum):
    """Who holds the means of production."""

    COMMONS = "commons"  # cybermutualist: the collective, allocated by the facilitator
    PRIVATE = "private"  # libertarian-mutualist: enterprises own capital
    MIXED = "mixed"


class MarketVisibility(StrEnum):
    """Who may read a collective's market: listings, tasks, reviews and reputations."""

    PUBLIC = "public"  # anyone signed in (the market is the collective's shop window)
    MEMBERS = "members"  # active members, and leavers finishing their deals


def decimal_of(text: str | Decimal, field: str) -> Decimal:
    """An exact decimal from its text (a charter's rates and shares arrive as strings, so that
    no float ever rounds them): parse at the edge, then build the ``Charter``."""
    try:
        return Decimal(str(text))
    except InvalidOperation as exc:
        raise InvalidValue(f"{field} must be a decimal string, not {text!r}", field=field) from exc


def parse_levy_rate(text: str | Decimal) -> Decimal:
    """A levy rate is a decimal fraction in [0, 1), given as a string so it stays exact."""
    try:
        rate = Decimal(str(text))
    except InvalidOperation as exc:
        raise InvalidValue(f"levy_rate must be a decimal string, not {text!r}") from exc
    if not rate.is_finite() or not Decimal(0) <= rate < Decimal(1):
        raise InvalidValue("levy_rate must be at least 0 and below 1", field="levy_rate")
    if rate.as_tuple().exponent < -6:  # type: ignore[operator]
        raise InvalidValue("levy_rate has at most 6 decimals", field="levy_rate")
    return rate.normalize() if rate else Decimal(0)


def parse_share(text: str | Decimal, name: str, low: Decimal, high: Decimal) -> Decimal:
    """A share of votes ("0.2") as an exact decimal within ``[low, high]``, 4 decimals at most."""
    try:
        value = Decimal(str(text))
    except InvalidOperation as exc:
        raise InvalidValue(f"{name} must be a decimal string", field=f"charter.{name}") from exc
    exponent = value.as_tuple().exponent
    if (
        not value.is_finite()
        or not low <= value <= high
        or (isinstance(exponent, int) and exponent < -4)
    ):
        raise InvalidValue(
            f"{name} must be from {low} to {high} with at most 4 decimals", field=f"charter.{name}"
        )
    return value.normalize() if value else Decimal(0)


def _check_int(value: int, name: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidValue(f"{name} must be {low}..{high}", field=f"charter.{name}")


@dataclass(frozen=True, slots=True)
class Charter:
    """The rules a collective votes on; later policies change these values."""

    default_credit_limit: int = 0
    admission: Admission = Admission.OPEN
    levy_rate: Decimal = Decimal(0)
    capital_mode: CapitalMode = CapitalMode.COMMONS
    #: None chooses by admission: ``members`` when admission is by approval, else ``public``.
    market_visibility: MarketVisibility | None = None
    max_round_horizon_days: int = DEFAULT_HORIZON_DAYS
    # self-government (issue 11): voting rules, admission by several approvals, the claim
    # confirmation timeout of public services, basic income, and the charter's own words
    quorum: Decimal = DEFAULT_QUORUM
    threshold: Decimal = DEFAULT_THRESHOLD
    supermajority: Decimal = DEFAULT_SUPERMAJORITY
    approvals_needed: int = 1
    claim_confirm_days: int = DEFAULT_CLAIM_CONFIRM_DAYS
    basic_income: int = 0  # minor units per member and period; 0: none
    basic_income_period: str = "month"  # week | month
    text: str = ""
    #: who may open a participatory budget round: any active member, or only a passed proposal
    budget_rounds_open_to: str = "proposal"  # members | proposal
    #: the facilitator's token budgets (issue 13): equal | productivity | mix, and for a mix
    #: the weight of measured productivity (see ``domain.allocation.budgets``)
    allocation_budgets: str = "equal"
    allocation_productivity_weight: Decimal = Decimal(0)
    # the money supply (issue 13, ``domain/money_rules.py``): credit limits that follow each
    # member's trailing sales, demurrage on large balances, and dormant debts written off
    credit_limit_rule: CreditLimitRule = CreditLimitRule.FIXED
    credit_limit_multiple: Decimal = Decimal(1)
    credit_limit_weeks: int = 13
    credit_limit_floor: int = 0
    credit_limit_cap: int = MAX_AMOUNT
    demurrage_rate: Decimal = Decimal(0)  # per week; 0: none
    demurrage_threshold: int = 0
    dormant_weeks: int = 0  # 0: dormant debts are never written off
    dormant_grace_weeks: int = 4

    def __post_init__(self) -> None:
        if self.market_visibility is None:
            chosen = (
                MarketVisibility.MEMBERS
                if self.admission is Admission.APPROVAL
                else MarketVisibility.PUBLIC
            )
            object.__setattr__(self, "market_visibility", chosen)
        if not 1 <= self.max_round_horizon_days <= MAX_HORIZON_DAYS:
            raise InvalidValue(
                f"max_round_horizon_days must be 1..{MAX_HORIZON_DAYS}",
                field="charter.max_round_horizon_days",
            )
        for name, low, high in (
            ("quorum", Decimal(0), Decimal(1)),
            ("threshold", Decimal("0.5"), Decimal("0.99")),
            ("supermajority", Decimal("0.5"), Decimal("0.99")),
        ):
            object.__setattr__(self, name, parse_share(getattr(self, name), name, low, high))
        _check_int(self.approvals_needed, "approvals_needed", 1, MAX_APPROVALS)
        _check_int(self.claim_confirm_days, "claim_confirm_days", 1, 90)
        _check_int(self.basic_income, "basic_income", 0, MAX_AMOUNT)
        if self.basic_income_period not in ("week", "month"):
            raise InvalidValue(
                "basic_income_period must be week or month", field="charter.basic_income_period"
            )
        if self.budget_rounds_open_to not in ("members", "proposal"):
            raise InvalidValue(
                "budget_rounds_open_to must be members or proposal",
                field="charter.budget_rounds_open_to",
            )
        if len(self.text) > MAX_CHARTER_TEXT:
            raise InvalidValue(
                f"the charter text has at most {MAX_CHARTER_TEXT} characters", field="charter.text"
            )
        if not 0 <= self.default_credit_limit <= MAX_AMOUNT:
            raise InvalidValue(
                f"default_credit_limit must be between 0 and {MAX_AMOUNT} minor units",
                field="charter.default_credit_limit",
            )
        object.__setattr__(self, "levy_rate", parse_levy_rate(self.levy_rate))
        budgets, weight = parse_budget_policy(
            self.allocation_budgets, self.allocation_productivity_weight
        )
        object.__setattr__(self, "allocation_budgets", budgets.value)
        object.__setattr__(self, "allocation_productivity_weight", weight)
        try:
            rule = CreditLimitRule(self.credit_limit_rule)
        except ValueError:
            raise InvalidValue(
                "credit_limit_rule must be fixed or turnover", field="charter.credit_limit_rule"
            ) from None
        object.__setattr__(self, "credit_limit_rule", rule)
        # each group of settings is checked (and normalised) by its own value
        try:
            limits, demurrage, _ = self.turnover_limits, self.demurrage, self.dormant_debt
        except InvalidValue as refusal:
            field = refusal.context.get("field")
            if field:
                refusal.context["field"] = f"charter.{field}"
            raise
        object.__setattr__(self, "credit_limit_multiple", limits.multiple)
        object.__setattr__(self, "demurrage_rate", demurrage.rate)

    @property
    def turnover_limits(self) -> TurnoverLimits:
        """The turnover rule's settings (whether or not the rule is in force)."""
        return TurnoverLimits(
            self.credit_limit_multiple,
            self.credit_limit_weeks,
            self.credit_limit_floor,
            self.credit_limit_cap,
        )

    @property
    def follows_turnover(self) -> bool:
        return self.credit_limit_rule is CreditLimitRule.TURNOVER

    @property
    def initial_credit_limit(self) -> int:
        """A newcomer's limit: the default, or the turnover rule's floor (they have no sales)."""
        return self.credit_limit_floor if self.follows_turnover else self.default_credit_limit

    @property
    def demurrage(self) -> Demurrage:
        return Demurrage(self.demurrage_rate, self.demurrage_threshold)

    @property
    def dormant_debt(self) -> DormantDebtRule:
        return DormantDebtRule(self.dormant_weeks, self.dormant_grace_weeks)

    @property
    def visibility(self) -> MarketVisibility:
        """``market_visibility``, always chosen by the time a charter exists."""
        assert self.market_visibility is not None
        return self.market_visibility


def check_slug(slug: str) -> str:
    """A slug is 3-50 lowercase letters, digits and inner hyphens."""
    if not _SLUG.match(slug):
        raise InvalidValue(
            "slug must be 3-50 characters of a-z, 0-9 and '-', not starting or ending with '-'",
            field="slug",
        )
    return slug


@dataclass(frozen=True, slots=True)
class Collective:
    """A voluntary economy with its own currency and charter."""

    id: str
    slug: str
    name: str
    currency: Currency
    charter: Charter = field(default_factory=Charter)
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        check_slug(self.slug)
        if not self.name.strip() or len(self.name) > 120:
            raise InvalidValue("name must have 1-120 characters", field="name")
