"""Quotes and applications: one open quote per member and request, one application per task,
decided by the domain over what the service loaded."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from cybermutual.domain.errors import AlreadyApplied, AlreadyQuoted
from cybermutual.domain.market import proposals
from cybermutual.domain.market.listings import DEFAULT_CATEGORIES, Listing, ListingKind, post
from cybermutual.domain.market.proposals import ApplicationStatus, QuoteStatus

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _listing(kind: ListingKind) -> Listing:
    return post(
        listing_id="l1",
        collective_id="c1",
        owner_id="owner",
        kind=kind,
        title="Fix my bike",
        description="",
        category="repairs",
        categories=DEFAULT_CATEGORIES,
        tags=(),
        price=500,
        now=NOW,
    )


def test_a_member_has_one_open_quote_per_request_and_may_quote_again_after_withdrawing() -> None:
    request = _listing(ListingKind.REQUEST)
    first, _event = proposals.quote(
        request, quote_id="q1", quoter="bo", price=400, message="", now=NOW, earlier=[]
    )
    with pytest.raises(AlreadyQuoted):
        proposals.quote(
            request, quote_id="q2", quoter="bo", price=350, message="", now=NOW, earlier=[first]
        )
    other, _ = proposals.quote(
        request, quote_id="q3", quoter="cy", price=380, message="", now=NOW, earlier=[first]
    )
    assert other.status is QuoteStatus.OPEN
    withdrawn = proposals.withdraw_quote(first, actor="bo")
    again, _ = proposals.quote(
        request, quote_id="q4", quoter="bo", price=350, message="", now=NOW, earlier=[withdrawn]
    )
    assert again.price == 350


def test_a_member_applies_for_a_task_once_whatever_became_of_the_application() -> None:
    task = _listing(ListingKind.TASK)
    first, _event = proposals.apply(
        task, application_id="a1", applicant="bo", message="", now=NOW, earlier=[]
    )
    for status in ApplicationStatus:
        with pytest.raises(AlreadyApplied):
            proposals.apply(
                task,
                application_id="a2",
                applicant="bo",
                message="",
                now=NOW,
                earlier=[replace(first, status=status)],
            )
    other, _ = proposals.apply(
        task, application_id="a3", applicant="cy", message="", now=NOW, earlier=[first]
    )
    assert other.status is ApplicationStatus.OPEN
