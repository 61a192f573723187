"""The streamed status check of ``verify`` finds what the in-memory one finds."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from cybermutual.domain import journal
from cybermutual.domain.ledger import Transfer, TransferKind, TransferStatus

NOW = datetime(2026, 1, 1, tzinfo=UTC)
EVENTS = list(journal.EntryEvent)


def _transfer(transfer_id: str, status: TransferStatus) -> Transfer:
    return Transfer(transfer_id, "c", "a", "b", 1, TransferKind.PAYMENT, status, "", NOW)


@settings(max_examples=60)
@given(
    st.dictionaries(st.text("0123456789abcdef", min_size=1, max_size=3), st.sampled_from(EVENTS)),
    st.dictionaries(
        st.text("0123456789abcdef", min_size=1, max_size=3), st.sampled_from(list(TransferStatus))
    ),
)
def test_merged_statuses_match_the_dictionary(
    last: dict[str, journal.EntryEvent], statuses: dict[str, TransferStatus]
) -> None:
    transfers = [_transfer(i, s) for i, s in sorted(statuses.items())]
    merged = journal._merged(sorted(last.items()), transfers)
    assert [(t.id, e) for t, e in merged] == [(t.id, last.get(t.id)) for t in transfers]
