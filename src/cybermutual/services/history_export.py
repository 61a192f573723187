"""Portable history: a member's signed export, and its verification by any collective.

``HistoryService`` owns both ends. ``export`` gathers a member's own data in one collective (in
one read snapshot) and signs it with the collective's current key. ``verify`` checks a signed
export against its issuer's public keys: from this server's store when the issuer is here, else
fetched from ``{base_url}/api/v1/collectives/{slug}/keys`` through a ``KeyDirectory`` (cached;
an unknown key id is looked up again, at most once a minute per issuer). ``attach`` records a
verified history beside a member (when joining, or later), so the collective's members see the
newcomer's verified reputation. Nothing is stored until the signature checks, and verifying
(which may wait on another server) happens before the unit of work that records it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from cybermutual.domain.errors import (
    CollectiveNotFound,
    InvalidValue,
    MemberNotFound,
    SignatureInvalid,
    UnknownKey,
)
from cybermutual.domain.history_export import (
    ContributedAsset,
    HistoryLine,
    MemberHistory,
    ReceivedReview,
    Summary,
    VerifiedHistory,
    check_owner,
    history_csv,
    parse_moment,
    summarise,
)
from cybermutual.domain.market.reviews import Review
from cybermutual.domain.membership import Membership, MembershipStatus, require_active
from cybermutual.domain.people import Person
from cybermutual.domain.signing import Envelope, PublicKey, parse_envelope
from cybermutual.services.keys import KeyService, Signature, digest, verify
from cybermutual.services.loading import load_collective
from cybermutual.services.market.reviews import reputations
from cybermutual.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from cybermutual.services.wallet import readable_account, whole_statement

REVIEWS_PAGE = 200
FUTURE_SLACK = timedelta(minutes=5)  # clocks of two servers disagree a little


class KeyDirectory(Protocol):
    """Another server's public keys of one collective (``issuer_unreachable`` if it cannot be
    asked, ``unknown_key`` if it lists no such collective)."""

    def fetch(self, base_url: str, slug: str) -> list[PublicKey]: ...


class NoDirectory:
    """A server that verifies only its own collectives' exports."""

    def fetch(self, base_url: str, slug: str) -> list[PublicKey]:
        raise UnknownKey(
            f"this server does not fetch keys from other servers ({base_url})", field="export"
        )


class CachedKeyDirectory:
    """Keys fetched once per ``ttl`` per issuer; an unknown key id asks again, at most once per
    ``retry`` (a rotation shows up within a minute, a forger cannot make us hammer a peer)."""

    def __init__(
        self,
        inner: KeyDirectory,
        *,
        clock: Clock,
        ttl: timedelta = timedelta(hours=1),
        retry: timedelta = timedelta(minutes=1),
    ) -> None:
        self._inner = inner
        self._clock = clock
        self._ttl = ttl
        self._retry = retry
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[datetime, list[PublicKey]]] = {}

    def key(self, base_url: str, slug: str, key_id: str) -> PublicKey | None:
        now = self._clock.now()
        with self._lock:
            cached = self._cache.get((base_url, slug))
        if cached is not None:
            fetched_at, keys = cached
            found = next((k for k in keys if k.key_id == key_id), None)
            if found is not None and now - fetched_at < self._ttl:
                return found
            if found is None and now - fetched_at < self._retry:
                return None
        keys = self._inner.fetch(base_url, slug)
        with self._lock:
            self._cache[(base_url, slug)] = (now, keys)
        return next((k for k in keys if k.key_id == key_id), None)


@dataclass(frozen=True, slots=True)
class Verification:
    """A signed export whose signature checks, with the key that made it and what it proves."""

    envelope: Envelope
    key: PublicKey
    issued_at: datetime
    summary: Summary
    digest: str

    def as_history(self, *, verified_at: datetime) -> VerifiedHistory:
        return VerifiedHistory(
            issuer_slug=self.envelope.issuer.slug,
            issuer_base_url=self.envelope.issuer.base_url,
            issuer_name=self.summary.collective_name,
            key_id=self.key.key_id,
            issued_at=self.issued_at,
            verified_at=verified_at,
            digest=self.digest,
            summary=self.summary,
        )


class HistoryService:
    """Export, verify and attach members' histories (see the module)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        clock: Clock,
        keys: KeyService,
        directory: KeyDirectory | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._keys = keys
        self._directory = CachedKeyDirectory(directory or NoDirectory(), clock=clock)

    def base_url(self, request_base_url: str) -> str:
        """This server's address as named in what it signs: the configured public URL, else
        the address the request came to."""
        return self._keys.base_url or request_base_url.rstrip("/")

    def signed_csv(self, slug: str, *, member_id: str) -> tuple[bytes, Signature]:
        """The caller's postings here as CSV bytes, and the collective's signature of them."""
        text = history_csv(self.history(slug, member_id=member_id)).encode("utf-8")
        return text, self._keys.sign(slug, text)

    def history(self, slug: str, *, member_id: str) -> MemberHistory:
        """The caller's own history in a collective (leavers keep it), in one snapshot."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            membership, account = readable_account(uow, collective, member_id)
            person = uow.people.get(member_id)
            if person is None:
                raise MemberNotFound("no such person", member=member_id)
            lines = whole_statement(uow, account)
            received: list[Review] = []
            cursor: str | None = None
            while True:
                page = uow.market.reviews.of_subject(
                    collective.id, member_id, limit=REVIEWS_PAGE, cursor=cursor
                )
                received.extend(page.items)
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
            names = uow.people.names({r.author_id for r in received})
            assets = [
                ContributedAsset(a.name, a.category, a.capacity, a.unit, a.contributed_at)
                for a in uow.assets.all_of(collective.id)
                if a.contributed_by == member_id
            ]
            reputation = reputations(uow, collective, [member_id])[member_id]
            return MemberHistory(
                issued_at=self._clock.now(),
                collective_slug=collective.slug,
                collective_name=collective.name,
                currency_code=collective.currency.code,
                currency_name=collective.currency.name,
                currency_decimals=collective.currency.decimals,
                member_id=member_id,
                display_name=person.display_name,
                email=person.email,
                status=membership.status.value,
                joined_at=membership.joined_at,
                left_at=membership.left_at,
                balance=account.balance,
                credit_limit=account.credit_limit,
                reviews=[
                    ReceivedReview(r.stars, r.text, names.get(r.author_id, ""), r.created_at)
                    for r in received
                ],
                reputation_score_milli=reputation.score_milli,
                reputation_average_milli=reputation.average_milli,
                history=[
                    HistoryLine(
                        transfer_id=line.posting.transfer.id,
                        posted_at=line.posting.posted_at,
                        kind=line.posting.transfer.kind.value,
                        purpose=line.purpose.value,
                        amount=line.posting.change,
                        balance_after=line.posting.balance_after,
                        memo=line.posting.transfer.memo,
                        counterparty=line.counterparty.name,
                    )
                    for line in lines
                ],
                assets=sorted(assets, key=lambda a: a.contributed_at),
            )

    def summary(self, slug: str, *, member_id: str) -> Summary:
        """What another collective will read from the caller's export: the same figures,
        computed the same way, before it is downloaded."""
        return summarise(self.history(slug, member_id=member_id).payload())

    def export(self, slug: str, *, member_id: str, base_url: str) -> Envelope:
        """The caller's history, signed by the collective as issued from ``base_url``."""
        history = self.history(slug, member_id=member_id)
        return self._keys.sign_envelope(slug, history.payload(), base_url=base_url)

    def verify(
        self, document: Any, *, here: str | None = None, local: bool = False
    ) -> Verification:
        """Check a signed export (parsed JSON) against its issuer's keys (see ``check_export``).
        ``here`` is this server's address as a request reached it: an export issued here is
        checked against the store, any other fetched from its issuer (``local``: the issuer
        is on this server whatever address it names, as an operator at the console knows)."""
        return check_export(
            document,
            find_key=lambda envelope: self._issuer_key(envelope, here=here, local=local),
            now=self._clock.now(),
        )

    def _issuer_key(self, envelope: Envelope, *, here: str | None, local: bool) -> PublicKey:
        issuer = envelope.issuer
        ours = {u.rstrip("/") for u in (self._keys.base_url, here) if u}
        if local or issuer.base_url.rstrip("/") in ours:
            try:
                keys = self._keys.keys(issuer.slug)
            except CollectiveNotFound as exc:
                raise UnknownKey(
                    f"this server has no collective '{issuer.slug}'", field="export"
                ) from exc
            key = next((k for k in keys if k.key_id == envelope.key_id), None)
        else:
            key = self._directory.key(issuer.base_url, issuer.slug, envelope.key_id)
        if key is None:
            raise UnknownKey(
                f"'{issuer.slug}' at {issuer.base_url} lists no key {envelope.key_id}",
                field="export",
            )
        return key

    def attach(
        self, slug: str, *, member_id: str, document: Any, here: str | None = None
    ) -> VerifiedHistory:
        """Verify an export of the caller's history elsewhere and record it beside their
        membership here (a member, or someone asking to join)."""
        verification = self.verify(document, here=here)
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            membership = uow.memberships.get(collective.id, member_id)
            if membership is None or membership.has_departed:
                require_active(None)
            history = record(uow, collective.id, member_id, verification, now=self._clock.now())
            uow.commit()
        return history

    def histories(self, slug: str, *, viewer_id: str, member_id: str) -> list[VerifiedHistory]:
        """A member's (or applicant's) verified histories, for active members and themselves."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            if viewer_id != member_id:
                require_active(uow.memberships.get(collective.id, viewer_id))
            membership = uow.memberships.get(collective.id, member_id)
            if membership is None:
                raise MemberNotFound(
                    f"no member '{member_id}' in this collective", member=member_id
                )
            return uow.verified_histories.of_member(collective.id, member_id)

    def applicants(self, slug: str, *, viewer_id: str, limit: int = 50) -> list[Applicant]:
        """Who asks to join, oldest request first, with their verified histories (for active
        members, any of whom may approve)."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, viewer_id))
            pending = uow.memberships.list(
                collective.id, status=MembershipStatus.PENDING, limit=limit, cursor=None
            ).items
            found = uow.verified_histories.of_members(
                collective.id, [m.member_id for m, _ in pending]
            )
            waiting = [Applicant(m, p, found.get(m.member_id, [])) for m, p in pending]
            return sorted(waiting, key=lambda a: a.membership.joined_at)


@dataclass(frozen=True, slots=True)
class Applicant:
    """Someone asking to join, with the histories they brought (verified when attached)."""

    membership: Membership
    person: Person
    histories: list[VerifiedHistory]


def check_export(
    document: Any, *, find_key: Callable[[Envelope], PublicKey], now: datetime
) -> Verification:
    """Check a signed history export: ``signature_invalid`` if it was altered or forged or is
    not a history export, ``unknown_key`` if its issuer does not list the key (``find_key``
    raises it) or retired it before the export was issued."""
    envelope = parse_envelope(document)
    key = find_key(envelope)
    if key.algorithm != "ed25519" or not verify(
        key.public_key, envelope.signed_bytes(), envelope.signature
    ):
        raise SignatureInvalid(
            "the signature does not match this export: it was altered after it was signed, "
            "or not signed by its issuer",
            field="export",
        )
    payload: Mapping[str, Any] = envelope.payload
    summary = summarise(payload)
    issued_at = parse_moment(payload.get("issued_at"), what="issue date")
    collective = payload.get("collective")
    if not isinstance(collective, Mapping) or collective.get("slug") != envelope.issuer.slug:
        raise SignatureInvalid("the export names another collective than its issuer")
    if key.retired_at is not None and issued_at >= key.retired_at:
        raise UnknownKey(
            f"key {key.key_id} was retired before this export was issued", field="export"
        )
    if issued_at > now + FUTURE_SLACK:
        raise SignatureInvalid("the export says it was issued in the future", field="export")
    return Verification(envelope, key, issued_at, summary, digest(envelope.signed_bytes()))


def key_in(keys: list[PublicKey], envelope: Envelope) -> PublicKey:
    """The envelope's key among ``keys`` (``unknown_key`` if it is not there)."""
    key = next((k for k in keys if k.key_id == envelope.key_id), None)
    if key is None:
        raise UnknownKey(
            f"'{envelope.issuer.slug}' at {envelope.issuer.base_url} lists no key "
            f"{envelope.key_id}",
            field="export",
        )
    return key


def record(
    uow: UnitOfWork,
    collective_id: str,
    member_id: str,
    verification: Verification,
    *,
    now: datetime,
) -> VerifiedHistory:
    """Record a verified export as ``member_id``'s own (``export_not_yours`` otherwise)."""
    person = uow.people.get(member_id)
    if person is None:
        raise MemberNotFound("no such person", member=member_id)
    check_owner(verification.envelope.payload, email=person.email)
    if verification.key.collective_id == collective_id:
        raise InvalidValue(
            "this is your history here: bring the one from another collective", field="export"
        )
    history = verification.as_history(verified_at=now)
    uow.verified_histories.save(collective_id, member_id, history)
    return history
