"""Starting collectives, the public directory, joining, approving and leaving."""

from __future__ import annotations

from dataclasses import dataclass

from cybermutual.domain import membership as rules
from cybermutual.domain.collective import Charter, Collective
from cybermutual.domain.errors import MemberNotFound, NotAMember, SlugTaken
from cybermutual.domain.journal import ChainHead
from cybermutual.domain.ledger import Account, AccountKind
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.domain.membership import Membership, MembershipStatus
from cybermutual.domain.money import Currency
from cybermutual.domain.people import Person
from cybermutual.services.common import check_limit, load_collective, new_id
from cybermutual.services.inbox import notify
from cybermutual.services.ports import Clock, CollectiveStats, Page, UnitOfWork, UnitOfWorkFactory

APPROVERS_ASKED = 50  # active members told of a request to join


@dataclass(frozen=True, slots=True)
class CollectiveProfile:
    """A collective with its public figures."""

    collective: Collective
    stats: CollectiveStats


class CollectiveService:
    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def create(
        self,
        *,
        founder_id: str,
        slug: str,
        name: str,
        currency: Currency,
        charter: Charter,
    ) -> Collective:
        """Start a collective: its system accounts, and its founder as the first member."""
        now = self._clock.now()
        collective = Collective(new_id(), slug, name.strip(), currency, charter, created_at=now)
        with self._uow() as uow:
            if uow.collectives.by_slug(slug) is not None:
                raise SlugTaken(f"the slug '{slug}' is taken", slug=slug)
            uow.collectives.add(collective)
            uow.journal.open(ChainHead(collective.id))
            uow.accounts.add(
                Account(new_id(), collective.id, AccountKind.COMMONS_FUND, None, credit_limit=0)
            )
            uow.accounts.add(
                Account(new_id(), collective.id, AccountKind.ISSUANCE, None, credit_limit=None)
            )
            founder = rules.join(
                None,
                collective_id=collective.id,
                member_id=founder_id,
                admission=charter.admission,
                now=now,
                founder=True,
            )
            self._admit(uow, collective, founder)
            uow.commit()
        return collective

    def directory(self, *, limit: int = 50, cursor: str | None = None) -> Page[CollectiveProfile]:
        """Every collective with its public statistics."""
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            page = uow.collectives.directory(limit=check_limit(limit), cursor=cursor)
            items = [CollectiveProfile(c, uow.collectives.stats(c, now=now)) for c in page.items]
        return Page(items, page.next_cursor)

    def profile(self, slug: str) -> CollectiveProfile:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            return CollectiveProfile(
                collective, uow.collectives.stats(collective, now=self._clock.now())
            )

    def join(self, slug: str, *, member_id: str) -> Membership:
        """Join (or rejoin): active at once, or pending until a member approves."""
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            membership = rules.join(
                uow.memberships.get(collective.id, member_id),
                collective_id=collective.id,
                member_id=member_id,
                admission=collective.charter.admission,
                now=self._clock.now(),
            )
            self._admit(uow, collective, membership)
            if membership.status is MembershipStatus.PENDING:
                self._ask_approvers(uow, collective, membership)
            uow.commit()
        return membership

    def _ask_approvers(self, uow: UnitOfWork, collective: Collective, request: Membership) -> None:
        """Tell active members (any of whom may approve) that someone asks to join.

        At most ``APPROVERS_ASKED`` of them, so a large collective's inboxes are not flooded;
        the pending list (``GET .../memberships?status=pending``) shows every request anyway.
        """
        approvers = uow.memberships.list(
            collective.id, status=MembershipStatus.ACTIVE, limit=APPROVERS_ASKED, cursor=None
        )
        event = MarketEvent(
            EventKind.MEMBERSHIP_REQUESTED,
            tuple(m.member_id for m, _ in approvers.items),
            "member",
            request.member_id,
            f"{{actor}} asks to join {collective.name}: any active member can approve.",
            request.member_id,
        )
        notify(uow, collective, [event], now=self._clock.now())

    def approve(self, slug: str, *, approver_id: str, member_id: str) -> Membership:
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            candidate = uow.memberships.get(collective.id, member_id)
            if candidate is None:
                raise MemberNotFound("no such membership request", member=member_id)
            membership = rules.approve(
                candidate,
                approver=uow.memberships.get(collective.id, approver_id),
                now=self._clock.now(),
            )
            self._admit(uow, collective, membership)
            welcome = MarketEvent(
                EventKind.MEMBERSHIP_APPROVED,
                (member_id,),
                "member",
                member_id,
                f"{{actor}} approved your membership: welcome to {collective.name}.",
                approver_id,
            )
            notify(uow, collective, [welcome], now=self._clock.now())
            uow.commit()
        return membership

    def leave(self, slug: str, *, member_id: str) -> Membership:
        """Leave; refused with ``debt_outstanding`` while the balance is negative."""
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            current = uow.memberships.get(collective.id, member_id)
            if current is None:
                raise NotAMember("you are not a member of this collective")
            locked, _ = uow.accounts.lock_members(collective.id, [member_id])
            account = next(iter(locked.values()), None)
            membership = rules.leave(
                current,
                balance=account.balance if account else 0,
                reserved=account.reserved if account else 0,
                now=self._clock.now(),
            )
            uow.memberships.save(membership)
            uow.commit()
        return membership

    def membership(self, slug: str, *, member_id: str) -> Membership | None:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            return uow.memberships.get(collective.id, member_id)

    def memberships_of(self, member_id: str) -> list[tuple[str, str, Membership]]:
        """The person's own memberships, any status: (slug, collective name, membership)."""
        with self._uow(readonly=True) as uow:
            return uow.memberships.of_person(member_id)

    def member(self, slug: str, *, viewer_id: str, member_id: str) -> tuple[Membership, Person]:
        """One member's standing and name, for members (``member_not_found`` otherwise)."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            rules.require_active(uow.memberships.get(collective.id, viewer_id))
            membership = uow.memberships.get(collective.id, member_id)
            person = uow.people.get(member_id)
            if membership is None or person is None:
                raise MemberNotFound(
                    f"no member '{member_id}' in this collective", member=member_id
                )
            return membership, person

    def members(
        self,
        slug: str,
        *,
        viewer_id: str,
        status: MembershipStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[tuple[Membership, Person]]:
        """The member list, for members only."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            rules.require_active(uow.memberships.get(collective.id, viewer_id))
            return uow.memberships.list(
                collective.id, status=status, limit=check_limit(limit), cursor=cursor
            )

    @staticmethod
    def _admit(uow: UnitOfWork, collective: Collective, membership: Membership) -> None:
        """Save a membership; an active member gets an account the first time, kept for good."""
        uow.memberships.save(membership)
        if (
            membership.is_active
            and uow.accounts.of_member(collective.id, membership.member_id) is None
        ):
            uow.accounts.add(
                Account(
                    new_id(),
                    collective.id,
                    AccountKind.MEMBER,
                    membership.member_id,
                    credit_limit=collective.charter.default_credit_limit,
                )
            )
