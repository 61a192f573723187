"""Public services: providers, claims, and paying claims from ``commons_fund``.

A passed ``fund_service`` creates a service (see ``governance_effects``). Members offer
themselves as its providers; a provider files a claim for units given to another member; the
recipient confirms (or the claim confirms itself after the charter's ``claim_confirm_days``); a
confirmed claim is paid at once when it fits, or waits with ``status_reason`` and is paid by a
later run (each confirmation, and every ``tick``) when the period's budget or new money in the
fund makes room. Payment runs of one collective queue on the fund's lock, and re-read what is
waiting under it, so a claim is never paid twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import (
    AlreadyProvider,
    ClaimNotFound,
    InvalidValue,
    MemberNotFound,
    NotAProvider,
    ServiceEnded,
    ServiceNotFound,
)
from cybermutual.domain.governance import public_services as rules
from cybermutual.domain.governance.periods import window_of
from cybermutual.domain.governance.public_services import (
    Claim,
    ClaimAction,
    ClaimStatus,
    PublicService,
    ServiceStatus,
)
from cybermutual.domain.idempotency import IdempotencyRecord, check_key, fingerprint, replayed
from cybermutual.domain.ledger import AccountKind, TransferKind
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.domain.membership import require_active
from cybermutual.services.bookkeeping import Books
from cybermutual.services.governance_proposals import require_active_or_former
from cybermutual.services.ids import new_id
from cybermutual.services.inbox import notify
from cybermutual.services.loading import check_limit, load_collective
from cybermutual.services.ports import Clock, Page, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class ServiceView:
    service: PublicService
    providers: list[tuple[str, str]]  # (member id, display name)
    spent_this_period: int
    period_key: str
    raised_this_period: int = 0  # what budget rounds added to this period's budget


@dataclass(frozen=True, slots=True)
class ClaimView:
    claim: Claim
    provider_name: str
    recipient_name: str


@dataclass(frozen=True, slots=True)
class PaymentRun:
    paid: int
    waiting: int


def pay_waiting(uow: UnitOfWork, collective: Collective, *, now: datetime) -> PaymentRun:
    """Pay every waiting claim that fits, in confirmation order; mark why the others wait."""
    first_look = uow.public_services.waiting(collective.id)
    if not first_look:
        return PaymentRun(0, 0)
    providers = sorted({c.provider_id for c in first_look})
    books = Books(uow, collective, now=now)
    books.lock_members(providers, system=[AccountKind.COMMONS_FUND])
    # under the fund's lock: what is still waiting (another run may have paid some)
    waiting = [c for c in uow.public_services.waiting(collective.id) if c.provider_id in providers]
    services = uow.public_services.services_by_id(c.service_id for c in waiting)
    windows = {sid: window_of(now, s.period) for sid, s in services.items()}
    keys = {sid: w.key for sid, w in windows.items()}
    spent = uow.public_services.spent(keys)
    fund = books.system_account(AccountKind.COMMONS_FUND)
    plan = rules.plan_payments(
        waiting,
        services=services,
        spent=spent,
        fund_headroom=fund.headroom,
        raised=uow.budget_rounds.raises(keys),
    )
    for claim in plan.pay:
        service = services[claim.service_id]
        transfer = books.move(
            books.system_account(AccountKind.COMMONS_FUND),
            books.account_of(claim.provider_id),
            claim.amount,
            kind=TransferKind.PUBLIC_SERVICE,
            memo=f"{service.name}: {claim.units} units (claim {claim.id})",
        )
        uow.public_services.save_claim(
            rules.paid(claim, transfer_id=transfer.id, period_key=windows[service.id].key, now=now)
        )
    for claim, reason in plan.wait:
        if claim.status_reason != reason.value:
            uow.public_services.save_claim(rules.waits(claim, reason))
    books.close()
    notify(
        uow,
        collective,
        [
            MarketEvent(
                EventKind.CLAIM_PAID,
                (claim.provider_id,),
                "claim",
                claim.id,
                f"The commons fund paid you {claim.amount} for {claim.units} units of "
                f"{services[claim.service_id].name}.",
            )
            for claim in plan.pay
        ],
        now=now,
    )
    return PaymentRun(len(plan.pay), len(plan.wait))


def auto_confirm_due(uow: UnitOfWork, collective: Collective, *, now: datetime) -> int:
    """Confirm the claims whose recipients let the timeout pass."""
    due = uow.public_services.due_claims(collective.id, now=now)
    for claim in due:
        uow.public_services.save_claim(
            rules.act(claim, ClaimAction.AUTO_CONFIRM, actor=None, now=now)
        )
    return len(due)


class PublicServicesService:
    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def services(
        self, slug: str, *, viewer: str, limit: int = 50, cursor: str | None = None
    ) -> Page[ServiceView]:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            page = uow.public_services.services(
                collective.id, limit=check_limit(limit), cursor=cursor
            )
            return Page([self._view(uow, s) for s in page.items], page.next_cursor)

    def service(self, slug: str, *, viewer: str, service_id: str) -> ServiceView:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            return self._view(uow, _service(uow, collective, service_id))

    def _view(self, uow: UnitOfWork, service: PublicService) -> ServiceView:
        providers = uow.public_services.providers(service.id)
        names = uow.governance.display_names(m for m, _ in providers)
        window = window_of(self._clock.now(), service.period)
        spent = uow.public_services.spent({service.id: window.key}).get(service.id, 0)
        raised = uow.budget_rounds.raises({service.id: window.key}).get(service.id, 0)
        return ServiceView(
            service, [(m, names.get(m, "")) for m, _ in providers], spent, window.key, raised
        )

    def add_provider(self, slug: str, *, member: str, service_id: str) -> ServiceView:
        """An active member offers to provide the service (and may then file claims)."""
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, member))
            service = _service(uow, collective, service_id)
            if service.status is ServiceStatus.ENDED:
                raise ServiceEnded("the service has ended")
            if uow.public_services.is_provider(service.id, member):
                raise AlreadyProvider("you already provide this service")
            uow.public_services.add_provider(service.id, member, at=self._clock.now())
            uow.commit()
            return self._view(uow, service)

    def remove_provider(self, slug: str, *, member: str, service_id: str) -> None:
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, member)
            service = _service(uow, collective, service_id)
            if not uow.public_services.remove_provider(service.id, member):
                raise NotAProvider("you do not provide this service")
            uow.commit()

    def file_claim(
        self,
        slug: str,
        *,
        provider: str,
        service_id: str,
        recipient: str,
        units: int,
        note: str = "",
    ) -> ClaimView:
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, provider))
            service = _service(uow, collective, service_id)
            standing = uow.memberships.get(collective.id, recipient)
            if standing is None or not standing.is_active:
                raise MemberNotFound(
                    f"{recipient} is not an active member of this collective", member=recipient
                )
            claim = rules.file_claim(
                service,
                claim_id=new_id(),
                provider=provider,
                is_provider=uow.public_services.is_provider(service.id, provider),
                recipient=recipient,
                units=units,
                now=now,
                confirm_days=collective.charter.claim_confirm_days,
                note=note,
            )
            uow.public_services.add_claim(claim)
            notify(
                uow,
                collective,
                [
                    MarketEvent(
                        EventKind.CLAIM_FILED,
                        (recipient,),
                        "claim",
                        claim.id,
                        f"{{actor}} says they gave you {units} units of {service.name}: confirm "
                        f"it (the commons fund then pays them) or reject it, within "
                        f"{collective.charter.claim_confirm_days} days.",
                        provider,
                    )
                ],
                now=now,
            )
            uow.commit()
            return _claim_view(uow, claim)

    def act(
        self,
        slug: str,
        *,
        actor: str,
        claim_id: str,
        action: str,
        idempotency_key: str | None = None,
        service_id: str | None = None,
    ) -> ClaimView:
        """``confirm`` or ``reject`` (the recipient), ``withdraw`` (the provider).

        Confirming moves money, so it takes an ``idempotency_key``: a retry with the same key
        answers with the claim as it now stands instead of refusing the second confirmation."""
        try:
            which = ClaimAction(action)
        except ValueError:
            raise InvalidValue("action must be confirm, reject or withdraw") from None
        if which in (ClaimAction.PAY, ClaimAction.AUTO_CONFIRM):
            raise InvalidValue("action must be confirm, reject or withdraw")
        now = self._clock.now()
        request = fingerprint("claim", {"claim": claim_id, "action": which.value})
        if idempotency_key is not None:
            check_key(idempotency_key)
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, actor)
            claim = _claim(uow, collective, claim_id, service_id)
            if idempotency_key is not None:
                record = uow.idempotency.get(collective.id, actor, idempotency_key)
                earlier = replayed(record, request)
                if earlier is not None:
                    return _claim_view(uow, _claim(uow, collective, earlier))
            changed = rules.act(claim, which, actor=actor, now=now)
            uow.public_services.save_claim(changed)
            if changed.status is ClaimStatus.REJECTED:
                rejected = MarketEvent(
                    EventKind.CLAIM_REJECTED,
                    (claim.provider_id,),
                    "claim",
                    claim.id,
                    f"{{actor}} rejected your claim for {claim.units} units.",
                    actor,
                )
                notify(uow, collective, [rejected], now=now)
            if changed.status is ClaimStatus.WAITING:
                pay_waiting(uow, collective, now=now)
            if idempotency_key is not None:
                uow.idempotency.add(
                    IdempotencyRecord(collective.id, actor, idempotency_key, request, claim.id),
                    now=now,
                )
            uow.commit()
            return _claim_view(uow, _claim(uow, collective, claim_id))

    def claim(
        self, slug: str, *, viewer: str, claim_id: str, service_id: str | None = None
    ) -> ClaimView:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            claim = _claim(uow, collective, claim_id, service_id)
            if viewer not in (claim.provider_id, claim.recipient_id):
                raise ClaimNotFound(f"no claim {claim_id} of yours", claim=claim_id)
            return _claim_view(uow, claim)

    def claims(
        self,
        slug: str,
        *,
        viewer: str,
        service_id: str,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[ClaimView]:
        """The claims of a service I filed or received, newest first.

        Who received which public service (a clinic visit, say) is nobody else's business:
        the others see only what the service spent, on the service itself."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            service = _service(uow, collective, service_id)
            page = uow.public_services.claims(
                service.id, viewer=viewer, limit=check_limit(limit), cursor=cursor
            )
            return Page([_claim_view(uow, c) for c in page.items], page.next_cursor)


def _service(uow: UnitOfWork, collective: Collective, service_id: str) -> PublicService:
    service = uow.public_services.service(collective.id, service_id)
    if service is None:
        raise ServiceNotFound(f"no service {service_id}", service=service_id)
    return service


def _claim(
    uow: UnitOfWork, collective: Collective, claim_id: str, service_id: str | None = None
) -> Claim:
    claim = uow.public_services.claim(collective.id, claim_id)
    if claim is None or (service_id is not None and claim.service_id != service_id):
        raise ClaimNotFound(f"no claim {claim_id}", claim=claim_id)
    return claim


def _claim_view(uow: UnitOfWork, claim: Claim) -> ClaimView:
    names = uow.governance.display_names([claim.provider_id, claim.recipient_id])
    return ClaimView(claim, names.get(claim.provider_id, ""), names.get(claim.recipient_id, ""))
