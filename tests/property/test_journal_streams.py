"""The streamed status check of ``verify`` finds what the in-memory one finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cybermutual.domain import journal
from cybermutual.domain.ledger import TransferStatus

EVENTS = list(journal.EntryEvent)


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
    pairs = sorted(statuses.items())
    merged = journal._merged(sorted(last.items()), pairs)
    assert list(merged) == [(i, s, last.get(i)) for i, s in pairs]
