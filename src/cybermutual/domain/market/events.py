"""Market events: what happened, and whose action it now needs (their inbox)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EventKind(StrEnum):
    ORDER_PLACED = "order_placed"
    ORDER_ACCEPTED = "order_accepted"
    ORDER_DECLINED = "order_declined"
    ORDER_CANCELLED = "order_cancelled"
    ORDER_DELIVERED = "order_delivered"
    ORDER_COMPLETED = "order_completed"
    AUTO_CONFIRM_FAILED = "auto_confirm_failed"  # set aside; the parties (or a dispute) end it
    QUOTE_RECEIVED = "quote_received"
    QUOTE_ACCEPTED = "quote_accepted"
    TASK_APPLICATION = "task_application"
    TASK_ASSIGNED = "task_assigned"
    WORK_SUBMITTED = "work_submitted"
    WORK_APPROVED = "work_approved"
    DISPUTE_OPENED = "dispute_opened"
    JURY_SUMMONS = "jury_summons"
    SETTLEMENT_PROPOSED = "settlement_proposed"
    DISPUTE_CLOSED = "dispute_closed"
    REVIEW_RECEIVED = "review_received"
    # the ledger and membership (issue #9): not the market's, but the same inbox
    PAYMENT_RECEIVED = "payment_received"
    MEMBERSHIP_REQUESTED = "membership_requested"
    MEMBERSHIP_APPROVED = "membership_approved"
    # self-government (issue #11)
    PROPOSAL_CLOSED = "proposal_closed"  # to its author: passed or failed, and why
    DELEGATION_RECEIVED = "delegation_received"
    CLAIM_FILED = "claim_filed"  # to the recipient: confirm or reject
    CLAIM_REJECTED = "claim_rejected"
    CLAIM_PAID = "claim_paid"
    BUDGET_ROUND_CLOSED = "budget_round_closed"  # to its opener and every voter: the result
    # the money rules (issue #13)
    CREDIT_LIMIT_CHANGED = "credit_limit_changed"  # a weekly review under the turnover rule
    DEBT_DORMANT = "debt_dormant"  # notice: trade before the date, or the debt is written off
    DEBT_WRITTEN_OFF = "debt_written_off"
    # supply chains (issue #16): subject "chain_plan"
    CHAIN_LINK_PROPOSED = "chain_link_proposed"  # to a producer: accept or decline your link
    CHAIN_REPLANNED = "chain_replanned"  # to the requester, and producers no longer needed
    CHAIN_OPENED = "chain_opened"  # every link accepted: orders open in dependency order
    CHAIN_LINK_RELEASED = "chain_link_released"  # to a producer: inputs delivered, your turn
    CHAIN_WAITING = "chain_waiting"  # to the requester: a link waits for credit
    CHAIN_FAILED = "chain_failed"
    CHAIN_COMPLETED = "chain_completed"


@dataclass(frozen=True, slots=True)
class MarketEvent:
    """One event; each recipient gets an inbox item about ``subject_type``/``subject_id``."""

    kind: EventKind
    recipients: tuple[str, ...]
    subject_type: str  # order | listing | quote | dispute | review | transfer | member |
    # proposal | claim | budget_round | chain_plan
    subject_id: str
    message: str  # ``{actor}`` in it becomes the actor's display name when it is delivered
    actor: str | None = None  # the member whose action raised it
