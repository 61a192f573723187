"""Canonical JSON, encodings and signed envelopes (domain/signing.py, services/keys.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cybermutual.domain.errors import SignatureInvalid
from cybermutual.domain.signing import (
    Issuer,
    b64decode,
    canonical_json,
    key_id_of,
    parse_envelope,
    signing_input,
)
from cybermutual.services.keys import SecretSealer, new_key, sign_bytes, verify

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
ISSUER = {"slug": "a", "base_url": "u"}


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert (
        canonical_json({"b": 1, "a": ["é", None, True]}) == '{"a":["é",null,true],"b":1}'.encode()
    )


@pytest.mark.parametrize("value", [{"x": 1.5}, {"x": float("nan")}, {1: "a"}, {"x": {1, 2}}])
def test_canonical_json_refuses_what_two_languages_could_print_two_ways(value: object) -> None:
    with pytest.raises(ValueError, match=r"\$"):
        canonical_json(value)


def test_a_signature_verifies_and_nothing_else_does() -> None:
    sealer = SecretSealer(None)
    key = new_key("c1", sealer=sealer, now=NOW)
    private = sealer.open(key.sealed_private_key, key_id=key.public.key_id)
    signature = sign_bytes(private, b"hello")
    assert verify(key.public.public_key, b"hello", signature)
    assert not verify(key.public.public_key, b"hellO", signature)
    other = new_key("c2", sealer=sealer, now=NOW)
    assert not verify(other.public.public_key, b"hello", signature)
    assert not verify(key.public.public_key, b"hello", "not base64!")
    assert not verify("short", b"hello", signature)
    assert key.public.key_id == key_id_of(key.public.raw)
    assert key.public.fingerprint.startswith(key.public.key_id)


def test_a_sealed_private_key_opens_only_with_its_secret_and_its_key_id() -> None:
    sealer = SecretSealer("correct horse battery staple")
    key = new_key("c1", sealer=sealer, now=NOW)
    assert key.sealed_private_key.startswith("aesgcm:")
    assert len(sealer.open(key.sealed_private_key, key_id=key.public.key_id)) == 32
    with pytest.raises(RuntimeError, match="does not open"):
        SecretSealer("another secret").open(key.sealed_private_key, key_id=key.public.key_id)
    with pytest.raises(RuntimeError, match="does not open"):
        sealer.open(key.sealed_private_key, key_id="another key id")
    with pytest.raises(RuntimeError, match="CYBERMUTUAL_KEY_SECRET"):
        SecretSealer(None).open(key.sealed_private_key, key_id=key.public.key_id)
    # a key stored before the secret was set still opens after
    plain = new_key("c2", sealer=SecretSealer(None), now=NOW)
    assert len(sealer.open(plain.sealed_private_key, key_id=plain.public.key_id)) == 32


def test_the_signature_covers_issuer_and_key_id_too() -> None:
    payload = {"kind": "x", "n": 1}
    a = signing_input(payload, key_id="k1", issuer=Issuer("riverside", "https://a.example"))
    assert a != signing_input(payload, key_id="k1", issuer=Issuer("hillside", "https://a.example"))
    assert a != signing_input(payload, key_id="k2", issuer=Issuer("riverside", "https://a.example"))
    assert a != signing_input(payload, key_id="k1", issuer=Issuer("riverside", "https://b.example"))


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"payload": [], "key_id": "k", "signature": "s", "issuer": {"slug": "a", "base_url": "u"}},
        {"payload": {}, "key_id": "", "signature": "s", "issuer": {"slug": "a", "base_url": "u"}},
        {"payload": {}, "key_id": "k", "signature": 3, "issuer": {"slug": "a", "base_url": "u"}},
        {"payload": {}, "key_id": "k", "signature": "s", "issuer": {"slug": "a"}},
        {
            "payload": {"x": 0.5},
            "key_id": "k",
            "signature": "s",
            "issuer": {"slug": "a", "base_url": "u"},
        },
    ],
)
def test_a_malformed_envelope_is_signature_invalid(document: object) -> None:
    with pytest.raises(SignatureInvalid):
        parse_envelope(document)


def test_a_deeply_nested_payload_is_refused_not_a_crash() -> None:
    deep: object = 1
    for _ in range(900):
        deep = [deep]
    with pytest.raises(SignatureInvalid, match="nested deeper"):
        parse_envelope({"payload": {"x": deep}, "key_id": "k", "signature": "s", "issuer": ISSUER})


def test_base64url_is_strict() -> None:
    with pytest.raises(SignatureInvalid):
        b64decode("AAAA", size=32)
    with pytest.raises(SignatureInvalid):
        b64decode("!!!!", size=3)
    assert b64decode("AAAA", size=3) == b"\0\0\0"
