"""Starting collectives, the public directory, joining, approving and leaving."""

from __future__ import annotations

from dataclasses import dataclass

from cybermutual.domain import membership as rules
from cybermutual.domain.collective import Charter, Collective
from cybermutual.domain.commons.rounds import RoundStatus
from cybermutual.domain.errors import (
    AccountNotFound,
    InvalidValue,
    MemberNotFound,
    NotAMember,
    SlugTaken,
)
from cybermutual.domain.governance.admission import admitted
from cybermutual.domain.journal import ChainHead
from cybermutual.domain.ledger import Account, AccountKind
from cybermutual.domain.market import listings
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.domain.membership import Membership, MembershipStatus, require_joined
from cybermutual.domain.money import Currency
from cybermutual.domain.people import Person
from cybermutual.services.bookkeeping import Books
from cybermutual.services.history_export import Verification, record
from cybermutual.services.ids import new_id
from cybermutual.services.inbox import notify
from cybermutual.services.keys import KeySealer, SecretSealer, create_key
from cybermutual.services.loading import active_member_collective, check_limit, load_collective
from cybermutual.services.market.disputes import jury_seat_parties, vacate_jury_seats
from cybermutual.services.ports import Clock, CollectiveStats, Page, UnitOfWork, UnitOfWorkFactory

APPROVERS_ASKED = 50  # active members told of a request to join


@dataclass(frozen=True, slots=True)
class Departure:
    """What leaving did: the membership, the listings it closed, what it leaves undone."""

    membership: Membership
    listings_closed: tuple[str, ...] = ()
    quotes_withdrawn: int = 0
    applications_withdrawn: int = 0
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CollectiveProfile:
    """A collective with its public figures."""

    collective: Collective
    stats: CollectiveStats


class CollectiveService:
    def __init__(
        self, uow: UnitOfWorkFactory, *, clock: Clock, sealer: KeySealer | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._sealer = sealer or SecretSealer(None)

    def create(
        self,
        *,
        founder_id: str,
        slug: str,
        name: str,
        currency: Currency,
        charter: Charter,
    ) -> Collective:
        """Start a collective: its system accounts, its signing key, and its founder as the
        first member."""
        now = self._clock.now()
        collective = Collective(new_id(), slug, name.strip(), currency, charter, created_at=now)
        with self._uow() as uow:
            if uow.collectives.by_slug(slug) is not None:
                raise SlugTaken(f"the slug '{slug}' is taken", slug=slug)
            uow.collectives.add(collective)
            uow.journal.open(ChainHead(collective.id))
            create_key(uow, collective.id, sealer=self._sealer, now=now)
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
            admit(uow, collective, founder)
            uow.commit()
        return collective

    def directory(self, *, limit: int = 50, cursor: str | None = None) -> Page[CollectiveProfile]:
        """Every collective with its public statistics."""
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            page = uow.collectives.directory(limit=check_limit(limit), cursor=cursor)
            stats = uow.collectives.stats_of(page.items, now=now)
            items = [CollectiveProfile(c, stats[c.id]) for c in page.items]
        return Page(items, page.next_cursor)

    def profile(self, slug: str) -> CollectiveProfile:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            return CollectiveProfile(
                collective, uow.collectives.stats(collective, now=self._clock.now())
            )

    def join(self, slug: str, *, member_id: str, history: Verification | None = None) -> Membership:
        """Join (or rejoin): active at once, or pending until a member approves.

        ``history``: the newcomer's export from another collective, already verified
        (``HistoryService.verify``), recorded with the request so approvers and members see
        the verified reputation; ``export_not_yours`` refuses the whole request if it is
        someone else's.
        """
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            membership = rules.join(
                uow.memberships.get(collective.id, member_id),
                collective_id=collective.id,
                member_id=member_id,
                admission=collective.charter.admission,
                now=self._clock.now(),
            )
            admit(uow, collective, membership)
            if history is not None:
                record(uow, collective.id, member_id, history, now=self._clock.now())
            if membership.status is MembershipStatus.PENDING:
                self._ask_approvers(uow, collective, membership, history=history)
            uow.commit()
        return membership

    def _ask_approvers(
        self,
        uow: UnitOfWork,
        collective: Collective,
        request: Membership,
        *,
        history: Verification | None = None,
    ) -> None:
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
            f"{{actor}} asks to join {collective.name}"
            + (
                f", bringing a verified history from {history.summary.collective_name}"
                if history is not None
                else ""
            )
            + ": any active member can approve.",
            request.member_id,
        )
        notify(uow, collective, [event], now=self._clock.now())

    def approve(self, slug: str, *, approver_id: str, member_id: str) -> Membership:
        """An active member approves a pending one, who is admitted after the charter's
        ``approvals_needed`` distinct approvals (still pending before that)."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            candidate = uow.memberships.get(collective.id, member_id)
            if candidate is None:
                raise MemberNotFound("no such membership request", member=member_id)
            approver = uow.memberships.get(collective.id, approver_id)
            membership = rules.approve(candidate, approver=approver, now=now)  # checks both
            uow.governance.add_approval(collective.id, member_id, approver_id, at=now)
            approvers = uow.governance.approvals(collective.id, member_id)
            if admitted(
                approvers,
                candidate=member_id,
                approvals_needed=collective.charter.approvals_needed,
            ):
                uow.governance.clear_approvals(collective.id, member_id)
                admit(uow, collective, membership)
                welcome = MarketEvent(
                    EventKind.MEMBERSHIP_APPROVED,
                    (member_id,),
                    "member",
                    member_id,
                    f"{{actor}} approved your membership: welcome to {collective.name}.",
                    approver_id,
                )
                notify(uow, collective, [welcome], now=now)
            else:
                membership = candidate  # still waiting for more approvals
            uow.commit()
        return membership

    def leave(self, slug: str, *, member_id: str) -> Departure:
        """Leave; refused while the balance is negative or money is held for open deals.

        The leaver's open listings are closed and open quotes and task applications withdrawn
        (open orders carry on; rejoining reopens nothing: post again). Leaving is never refused
        for a role: every active member can approve, serve on a jury and run allocation rounds,
        so no one holds a role alone. What a departure leaves undone is said in ``warnings``:
        the last active member leaving, or bids in an allocation round still in progress that
        no longer count. Jury seats the leaver holds without a vote go to other members
        (``services.market.disputes``).
        """
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            # the account row is the one every payment and order of this member locks, so
            # leaving and spending serialise on it; the membership is read under that lock.
            # One lock, in one fixed order, of the leaver and of any dispute a seat may settle.
            books = Books(uow, collective, now=now)
            books.lock_members(sorted({member_id} | jury_seat_parties(uow, collective, member_id)))
            current = books.membership(member_id) or uow.memberships.get(collective.id, member_id)
            if current is None:
                raise NotAMember("you are not a member of this collective")
            try:
                account: Account | None = books.account_of(member_id)
            except AccountNotFound:
                account = None  # a pending applicant withdrawing
            membership = rules.leave(
                current,
                balance=account.balance if account else 0,
                reserved=account.reserved if account else 0,
                now=now,
            )
            uow.memberships.save(membership)
            vacate_jury_seats(books, uow, member_id=member_id)
            books.close()
            uow.governance.remove_delegations_of(collective.id, member_id)  # nobody's proxy now
            uow.governance.clear_approvals(collective.id, member_id)  # a withdrawn request
            closed = []
            for listing in uow.market.listings.open_of_owner(collective.id, member_id):
                uow.market.listings.save(listings.close(listing, actor=member_id, now=now))
                closed.append(listing.id)
            quotes = uow.market.quotes.withdraw_open_of(collective.id, member_id)
            applications = uow.market.applications.withdraw_open_of(collective.id, member_id)
            warnings = self._departure_warnings(uow, collective, member_id)
            uow.commit()
        return Departure(membership, tuple(closed), quotes, applications, warnings)

    @staticmethod
    def _departure_warnings(
        uow: UnitOfWork, collective: Collective, member_id: str
    ) -> tuple[str, ...]:
        warnings = []
        remaining = uow.memberships.list(
            collective.id, status=MembershipStatus.ACTIVE, limit=1, cursor=None
        )
        if not remaining.items:
            warnings.append(
                "you were the last active member: until someone joins or rejoins, nobody can "
                "approve new members, serve on a jury or run an allocation round"
            )
        rounds = uow.allocation_rounds.of_collective(collective.id, limit=20, cursor=None)
        for round_ in rounds.items:
            if round_.status is RoundStatus.CLOSED:
                continue
            if any(b.member_id == member_id for b in uow.allocation_rounds.bids(round_.id)):
                warnings.append(
                    f"allocation round {round_.id} is still {round_.status.value}: your bids "
                    "in it no longer count, and a re-run shares out without you"
                )
        return tuple(warnings)

    def membership(self, slug: str, *, member_id: str) -> Membership | None:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            return uow.memberships.get(collective.id, member_id)

    def own_membership(self, slug: str, *, member_id: str) -> Membership:
        """The caller's own membership, in any status; ``not_a_member`` if they never joined."""
        return require_joined(self.membership(slug, member_id=member_id))

    def memberships_of(self, member_id: str) -> list[tuple[str, str, Membership]]:
        """The person's own memberships, any status: (slug, collective name, membership)."""
        with self._uow(readonly=True) as uow:
            return uow.memberships.of_person(member_id)

    def member(self, slug: str, *, viewer_id: str, member_id: str) -> tuple[Membership, Person]:
        """One member's standing and name, for members (``member_not_found`` otherwise)."""
        with self._uow(readonly=True) as uow:
            collective = active_member_collective(uow, slug, viewer_id)
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
        name: str | None = None,
    ) -> Page[tuple[Membership, Person]]:
        """The member list by name, for members only (``name``: those whose name contains it)."""
        if name is not None and len(name) > 200:
            raise InvalidValue("a name to look for has at most 200 characters", field="name")
        with self._uow(readonly=True) as uow:
            collective = active_member_collective(uow, slug, viewer_id)
            return uow.memberships.list(
                collective.id,
                status=status,
                limit=check_limit(limit),
                cursor=cursor,
                name=name.strip() if name else None,
            )


def admit(uow: UnitOfWork, collective: Collective, membership: Membership) -> None:
    """Save a membership; an active member gets an account the first time, kept for good."""
    uow.memberships.save(membership)
    if membership.is_active and uow.accounts.of_member(collective.id, membership.member_id) is None:
        uow.accounts.add(
            Account(
                new_id(),
                collective.id,
                AccountKind.MEMBER,
                membership.member_id,
                credit_limit=collective.charter.initial_credit_limit,
            )
        )
