"""Canonical JSON is one byte string per value, whatever order its keys came in, so a signature
made on one server verifies on another that parsed and rebuilt the document."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cybermutual.domain.signing import Issuer, canonical_json, signing_input
from cybermutual.services.keys import SecretSealer, new_key, sign_bytes, verify

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**18), 10**18) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
SEALER = SecretSealer(None)
KEY = new_key("c1", sealer=SEALER, now=datetime(2026, 1, 1, tzinfo=UTC))
PRIVATE = SEALER.open(KEY.sealed_private_key, key_id=KEY.public.key_id)
ISSUER = Issuer("riverside", "https://a.example")


def shuffled(value: Any, rng: random.Random) -> Any:
    """The same value, every object's keys in another order."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


@settings(max_examples=40)
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6), st.integers(0, 2**32))
def test_a_signature_is_stable_across_key_order_and_a_json_round_trip(
    payload: dict[str, Any], seed: int
) -> None:
    signed = sign_bytes(PRIVATE, signing_input(payload, key_id=KEY.public.key_id, issuer=ISSUER))
    reordered = shuffled(payload, random.Random(seed))
    reparsed = json.loads(json.dumps(reordered))
    assert canonical_json(reordered) == canonical_json(payload) == canonical_json(reparsed)
    again = signing_input(reparsed, key_id=KEY.public.key_id, issuer=ISSUER)
    assert verify(KEY.public.public_key, again, signed)


@settings(max_examples=40)
@given(
    st.dictionaries(st.text(max_size=8), json_values, min_size=1, max_size=6),
    st.data(),
)
def test_any_change_to_a_signed_payload_breaks_the_signature(
    payload: dict[str, Any], data: st.DataObject
) -> None:
    signed = sign_bytes(PRIVATE, signing_input(payload, key_id=KEY.public.key_id, issuer=ISSUER))
    key = data.draw(st.sampled_from(sorted(payload)))
    replacement = data.draw(json_values.filter(lambda v: v != payload[key]))
    altered = {**payload, key: replacement}
    if canonical_json(altered) == canonical_json(payload):  # e.g. True vs 1 print apart anyway
        return
    forged = signing_input(altered, key_id=KEY.public.key_id, issuer=ISSUER)
    assert not verify(KEY.public.public_key, forged, signed)
