"""Cursors: what a page writes reads back; anything else is ``invalid_value``, never a crash."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.money import MAX_AMOUNT
from cybermutual.store.pagination import decode_cursor, encode_cursor

storable_text = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=200
)
values = st.lists(storable_text | st.integers(-MAX_AMOUNT, MAX_AMOUNT), min_size=1, max_size=3)


@given(values)
def test_an_issued_cursor_reads_back(written: list[object]) -> None:
    assert decode_cursor(encode_cursor(*written), len(written)) == written


@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode), st.integers(1, 3))
def test_any_other_cursor_is_refused_or_plain(raw: bytes, arity: int) -> None:
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    try:
        found = decode_cursor(cursor, arity)
    except InvalidValue:
        return
    assert len(found) == arity
    for value in found:
        if isinstance(value, str):
            assert "\x00" not in value
            value.encode()  # storable
        else:
            assert isinstance(value, int)
            assert not isinstance(value, bool)
            assert abs(value) <= MAX_AMOUNT


@given(st.recursive(st.none() | st.integers() | st.text(), lambda inner: st.lists(inner)))
def test_json_of_any_shape_is_refused_or_flat(shape: object) -> None:
    import json

    cursor = base64.urlsafe_b64encode(json.dumps(shape).encode()).decode()
    try:
        found = decode_cursor(cursor, len(shape) if isinstance(shape, list) else 1)
    except InvalidValue:
        return
    assert all(isinstance(v, str | int) for v in found)
