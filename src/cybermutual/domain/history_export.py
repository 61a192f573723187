"""A member's portable history: what a collective signs for a member who asks, and what another
collective reads from it once the signature checks.

The payload (``kind`` = ``EXPORT_KIND``) holds the member's own data in one collective: who they
are there (name, and the SHA-256 of their e-mail, which binds the export to its owner without
printing the address), their membership dates, their account, every posting of their history,
the reviews they received and the reputation those add up to, what they paid into and received
from the commons fund, and the means of production they brought into the commons. Amounts are
integer minor units of ``collective.currency``; moments are ISO 8601 UTC strings.

``summarise`` reads the figures another collective shows (the *verified reputation*) from the
signed payload itself, never from anything unsigned beside it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cybermutual.domain.errors import ExportNotYours, SignatureInvalid

EXPORT_KIND = "cybermutual/member-history/v1"
MAX_EXPORT_BYTES = 8 * 1024 * 1024  # a verifier reads no more than this


def email_digest(email: str) -> str:
    """SHA-256 (hex) of the address, trimmed and case-folded as people's e-mails are compared
    (``domain/people.normalize_email``): the same person on any server."""
    return hashlib.sha256(email.strip().casefold().encode("utf-8")).hexdigest()


def iso(moment: datetime) -> str:
    """A moment as signed: UTC, ISO 8601, microseconds kept."""
    return moment.astimezone(UTC).isoformat()


def parse_moment(text: Any, *, what: str) -> datetime:
    if not isinstance(text, str):
        raise SignatureInvalid(f"the export's {what} is not a moment", field="export")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise SignatureInvalid(f"the export's {what} is not a moment", field="export") from exc
    if moment.tzinfo is None:
        raise SignatureInvalid(f"the export's {what} has no time zone", field="export")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One posting of the member's history, as exported."""

    transfer_id: str
    posted_at: datetime
    kind: str
    purpose: str
    amount: int  # + received, - paid
    balance_after: int
    memo: str
    counterparty: str

    def as_json(self) -> dict[str, Any]:
        return {
            "transfer_id": self.transfer_id,
            "posted_at": iso(self.posted_at),
            "kind": self.kind,
            "purpose": self.purpose,
            "amount": self.amount,
            "balance_after": self.balance_after,
            "memo": self.memo,
            "counterparty": self.counterparty,
        }


@dataclass(frozen=True, slots=True)
class ReceivedReview:
    stars: int
    text: str
    author: str
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "stars": self.stars,
            "text": self.text,
            "author": self.author,
            "created_at": iso(self.created_at),
        }


@dataclass(frozen=True, slots=True)
class ContributedAsset:
    """A means of production the member brought into the commons (the collective owns it)."""

    name: str
    category: str
    capacity: int
    unit: str
    contributed_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "category": self.category,
            "capacity": self.capacity,
            "unit": self.unit,
            "contributed_at": iso(self.contributed_at),
        }


@dataclass(frozen=True, slots=True)
class MemberHistory:
    """Everything a member's export holds (see the module), before it is signed."""

    issued_at: datetime
    collective_slug: str
    collective_name: str
    currency_code: str
    currency_name: str
    currency_decimals: int
    member_id: str
    display_name: str
    email: str
    status: str
    joined_at: datetime
    left_at: datetime | None
    balance: int
    credit_limit: int | None
    reviews: Sequence[ReceivedReview]
    reputation_score_milli: int
    reputation_average_milli: int | None
    history: Sequence[HistoryLine]
    assets: Sequence[ContributedAsset] = ()

    def payload(self) -> dict[str, Any]:
        """The JSON payload to sign (every value canonical: no floats)."""
        paid_in = sum(
            -line.amount
            for line in self.history
            if line.amount < 0 and line.counterparty == COMMONS_FUND_NAME
        )
        levies = sum(-line.amount for line in self.history if line.purpose == "levy")
        received = sum(
            line.amount
            for line in self.history
            if line.amount > 0 and line.counterparty == COMMONS_FUND_NAME
        )
        trade = [line for line in self.history if line.purpose in TRADE_PURPOSES]
        return {
            "kind": EXPORT_KIND,
            "issued_at": iso(self.issued_at),
            "collective": {
                "slug": self.collective_slug,
                "name": self.collective_name,
                "currency": {
                    "code": self.currency_code,
                    "name": self.currency_name,
                    "decimals": self.currency_decimals,
                },
            },
            "member": {
                "id": self.member_id,
                "display_name": self.display_name,
                "email_sha256": email_digest(self.email),
            },
            "membership": {
                "status": self.status,
                "joined_at": iso(self.joined_at),
                "left_at": iso(self.left_at) if self.left_at else None,
            },
            "account": {"balance": self.balance, "credit_limit": self.credit_limit},
            "reputation": {
                "reviews": len(self.reviews),
                "average_milli": self.reputation_average_milli,
                "score_milli": self.reputation_score_milli,
            },
            "reviews_received": [r.as_json() for r in self.reviews],
            "commons": {
                "levies_paid": levies,
                "paid_to_commons_fund": paid_in,
                "received_from_commons_fund": received,
                "assets_contributed": [a.as_json() for a in self.assets],
            },
            "activity": {
                "postings": len(self.history),
                "trades": len(trade),
                "turnover": sum(abs(line.amount) for line in trade),
            },
            "history": [line.as_json() for line in self.history],
        }


CSV_COLUMNS = (
    "posted_at",
    "transfer_id",
    "kind",
    "purpose",
    "counterparty",
    "memo",
    "amount",
    "balance_after",
    "currency",
)


def history_csv(history: MemberHistory) -> str:
    """The history as CSV (RFC 4180, CRLF): one row per posting, newest first; amounts as
    decimal numbers of the currency (``-12.50``), exactly, never through a float."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in history.history:
        writer.writerow(
            (
                iso(line.posted_at),
                line.transfer_id,
                line.kind,
                line.purpose,
                text_cell(line.counterparty),
                text_cell(line.memo),
                decimal_text(line.amount, history.currency_decimals),
                decimal_text(line.balance_after, history.currency_decimals),
                history.currency_code,
            )
        )
    return buffer.getvalue()


def text_cell(text: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula (``=``, ``+``, ``-``, ``@``)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def decimal_text(minor_units: int, decimals: int) -> str:
    """``-1250`` with 2 decimals is ``-12.50``."""
    sign = "-" if minor_units < 0 else ""
    whole, fraction = divmod(abs(minor_units), 10**decimals)
    return f"{sign}{whole}.{fraction:0{decimals}d}" if decimals else f"{sign}{whole}"


COMMONS_FUND_NAME = "Commons fund"  # how the statement names the commons fund
TRADE_PURPOSES = frozenset({"payment", "released_hold", "order", "clearing"})


@dataclass(frozen=True, slots=True)
class Summary:
    """What another collective shows of a verified history."""

    collective_name: str
    member_name: str
    status: str
    joined_at: datetime
    left_at: datetime | None
    reviews: int
    average_milli: int | None
    score_milli: int
    trades: int
    turnover: int
    currency_code: str
    currency_decimals: int
    levies_paid: int
    paid_to_commons_fund: int
    assets_contributed: int = 0

    def amount_text(self, minor_units: int) -> str:
        """An amount of the issuer's currency, as its members read it: ``12.50 RVC``."""
        return f"{decimal_text(minor_units, self.currency_decimals)} {self.currency_code}"

    def as_json(self) -> dict[str, Any]:
        return {
            "collective_name": self.collective_name,
            "member_name": self.member_name,
            "status": self.status,
            "joined_at": iso(self.joined_at),
            "left_at": iso(self.left_at) if self.left_at else None,
            "reviews": self.reviews,
            "average_milli": self.average_milli,
            "score_milli": self.score_milli,
            "trades": self.trades,
            "turnover": self.turnover,
            "currency_code": self.currency_code,
            "currency_decimals": self.currency_decimals,
            "levies_paid": self.levies_paid,
            "paid_to_commons_fund": self.paid_to_commons_fund,
            "assets_contributed": self.assets_contributed,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Summary:
        return cls(
            collective_name=value["collective_name"],
            member_name=value["member_name"],
            status=value["status"],
            joined_at=datetime.fromisoformat(value["joined_at"]),
            left_at=datetime.fromisoformat(value["left_at"]) if value["left_at"] else None,
            reviews=value["reviews"],
            average_milli=value["average_milli"],
            score_milli=value["score_milli"],
            trades=value["trades"],
            turnover=value["turnover"],
            currency_code=value["currency_code"],
            currency_decimals=value["currency_decimals"],
            levies_paid=value["levies_paid"],
            paid_to_commons_fund=value["paid_to_commons_fund"],
            assets_contributed=value.get("assets_contributed", 0),
        )


def _int(value: Any, *, what: str, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise SignatureInvalid(f"the export's {what} is not a whole number", field="export")
    return value


def _count(value: Any, *, what: str) -> int:
    if not isinstance(value, list):
        raise SignatureInvalid(f"the export's {what} is not a list", field="export")
    return len(value)


def _section(payload: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = payload.get(name)
    if not isinstance(value, Mapping):
        raise SignatureInvalid(f"the export has no '{name}' section", field="export")
    return value


def _text(value: Any, *, what: str) -> str:
    if not isinstance(value, str):
        raise SignatureInvalid(f"the export's {what} is not text", field="export")
    return value


def summarise(payload: Mapping[str, Any]) -> Summary:
    """The verified figures of a signed history payload (``signature_invalid`` if it is not a
    history export, or lacks what one holds: a signed document of another kind proves nothing
    about a member)."""
    if payload.get("kind") != EXPORT_KIND:
        raise SignatureInvalid(f"not a member history export ({EXPORT_KIND})", field="export")
    collective = _section(payload, "collective")
    currency = collective.get("currency")
    if not isinstance(currency, Mapping):
        raise SignatureInvalid("the export names no currency", field="export")
    member = _section(payload, "member")
    membership = _section(payload, "membership")
    reputation = _section(payload, "reputation")
    commons = _section(payload, "commons")
    activity = _section(payload, "activity")
    left = membership.get("left_at")
    return Summary(
        collective_name=_text(collective.get("name"), what="collective name"),
        member_name=_text(member.get("display_name"), what="member name"),
        status=_text(membership.get("status"), what="membership status"),
        joined_at=parse_moment(membership.get("joined_at"), what="joining date"),
        left_at=parse_moment(left, what="leaving date") if left is not None else None,
        reviews=_int(reputation.get("reviews"), what="review count"),
        average_milli=_int(reputation.get("average_milli"), what="average", optional=True),
        score_milli=_int(reputation.get("score_milli"), what="reputation score"),
        trades=_int(activity.get("trades"), what="trade count"),
        turnover=_int(activity.get("turnover"), what="turnover"),
        currency_code=_text(currency.get("code"), what="currency code"),
        currency_decimals=_int(currency.get("decimals"), what="currency decimals"),
        levies_paid=_int(commons.get("levies_paid"), what="levies paid"),
        paid_to_commons_fund=_int(commons.get("paid_to_commons_fund"), what="commons payments"),
        assets_contributed=_count(commons.get("assets_contributed", []), what="assets contributed"),
    )


def check_owner(payload: Mapping[str, Any], *, email: str) -> None:
    """``export_not_yours`` unless the export was issued to the person with this e-mail."""
    member = _section(payload, "member")
    if member.get("email_sha256") != email_digest(email):
        raise ExportNotYours(
            "this export was issued to someone else: attach the export of your own history",
            field="export",
        )


@dataclass(frozen=True, slots=True)
class VerifiedHistory:
    """A history another collective signed, checked here: who issued it, with which key, and
    the figures it proves."""

    issuer_slug: str
    issuer_base_url: str
    issuer_name: str
    key_id: str
    issued_at: datetime
    verified_at: datetime
    digest: str
    summary: Summary
