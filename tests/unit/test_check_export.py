"""Checking a signed history export (services/history_export.check_export), without storage:
the key's dates, the export's date, the issuer named inside, and the key cache."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from cybermutual.domain.errors import SignatureInvalid, UnknownKey
from cybermutual.domain.history_export import MemberHistory
from cybermutual.domain.signing import Envelope, Issuer, PublicKey, signing_input
from cybermutual.services.history_export import CachedKeyDirectory, check_export
from cybermutual.services.keys import SecretSealer, new_key, sign_bytes
from tests.helpers import FakeClock

CLOCK = FakeClock()
NOW = CLOCK.now()
SEALER = SecretSealer(None)
KEY = new_key("c1", sealer=SEALER, now=NOW - timedelta(days=30))
PRIVATE = SEALER.open(KEY.sealed_private_key, key_id=KEY.public.key_id)
ISSUER = Issuer("riverside", "https://riverside.example")


def history(**changes: Any) -> MemberHistory:
    base = MemberHistory(
        issued_at=NOW,
        collective_slug="riverside",
        collective_name="Riverside",
        currency_code="RVC",
        currency_name="Riverside credit",
        currency_decimals=2,
        member_id="m1",
        display_name="Ada",
        email="ada@example.org",
        status="active",
        joined_at=NOW - timedelta(days=20),
        left_at=None,
        balance=0,
        credit_limit=1000,
        reviews=[],
        reputation_score_milli=3000,
        reputation_average_milli=None,
        history=[],
    )
    return replace(base, **changes)


def signed(payload: dict[str, Any], issuer: Issuer = ISSUER) -> dict[str, Any]:
    key_id = KEY.public.key_id
    signature = sign_bytes(PRIVATE, signing_input(payload, key_id=key_id, issuer=issuer))
    return Envelope(payload, key_id, signature, issuer).as_json()


def check(document: dict[str, Any], key: PublicKey = KEY.public) -> Any:
    return check_export(document, find_key=lambda _: key, now=NOW)


def test_a_good_export_proves_its_figures() -> None:
    verified = check(signed(history().payload()))
    assert verified.summary.member_name == "Ada"
    assert verified.summary.collective_name == "Riverside"
    assert verified.issued_at == NOW


def test_an_export_dated_after_its_key_was_retired_is_refused() -> None:
    retired = replace(KEY.public, retired_at=NOW - timedelta(days=1))
    assert check(signed(history(issued_at=NOW - timedelta(days=2)).payload()), retired)
    with pytest.raises(UnknownKey, match="retired"):
        check(signed(history().payload()), retired)


def test_an_export_from_the_future_is_refused() -> None:
    with pytest.raises(SignatureInvalid, match="future"):
        check(signed(history(issued_at=NOW + timedelta(hours=1)).payload()))


def test_an_export_naming_another_collective_than_its_issuer_is_refused() -> None:
    other = Issuer("hillside", "https://riverside.example")
    with pytest.raises(SignatureInvalid, match="another collective"):
        check(signed(history().payload(), other))


def test_a_signed_document_of_another_kind_proves_nothing_about_a_member() -> None:
    with pytest.raises(SignatureInvalid, match="not a member history export"):
        check(signed({"kind": "cybermutual/link-offer/v1", "rate": "3/2"}))


class CountingDirectory:
    def __init__(self, keys: list[PublicKey]) -> None:
        self.keys = keys
        self.fetches = 0

    def fetch(self, base_url: str, slug: str) -> list[PublicKey]:
        self.fetches += 1
        return list(self.keys)


def test_the_key_cache_asks_again_for_an_unknown_key_at_most_once_a_minute() -> None:
    clock = FakeClock()
    inner = CountingDirectory([KEY.public])
    cache = CachedKeyDirectory(inner, clock=clock)
    url = ISSUER.base_url
    assert cache.key(url, "riverside", KEY.public.key_id) == KEY.public
    assert cache.key(url, "riverside", KEY.public.key_id) == KEY.public
    assert inner.fetches == 1
    rotated = new_key("c1", sealer=SEALER, now=clock.now()).public
    inner.keys.append(rotated)
    assert cache.key(url, "riverside", rotated.key_id) is None  # fetched under a minute ago
    assert inner.fetches == 1
    clock.advance(minutes=2)
    assert cache.key(url, "riverside", rotated.key_id) == rotated  # asked again: found
    assert inner.fetches == 2
    forged = new_key("x", sealer=SEALER, now=clock.now()).public
    for _ in range(5):  # a forger's key ids do not make us hammer the issuer
        assert cache.key(url, "riverside", forged.key_id) is None
    assert inner.fetches == 2
    clock.advance(hours=2)  # stale: fetched again even for a known key
    assert cache.key(url, "riverside", KEY.public.key_id) == KEY.public
    assert inner.fetches == 3
