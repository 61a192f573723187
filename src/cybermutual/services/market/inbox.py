"""The market inbox: what needs a member's attention, newest first, read or unread."""

from __future__ import annotations

from dataclasses import dataclass

from cybermutual.domain.errors import InvalidValue
from cybermutual.services.inbox import InboxItem, with_names
from cybermutual.services.loading import check_limit
from cybermutual.services.market.auto_confirm import AutoConfirmation
from cybermutual.services.market.loading import known_member_collective
from cybermutual.services.ports import Page


@dataclass(frozen=True, slots=True)
class InboxPage:
    page: Page[InboxItem]
    unread: int


@dataclass(frozen=True, slots=True)
class PlacedItem:
    """An inbox item with the collective it happened in."""

    item: InboxItem
    slug: str
    collective_name: str


@dataclass(frozen=True, slots=True)
class PersonInbox:
    """One person's inbox in every collective, newest first, with the unread count."""

    items: list[PlacedItem]
    next_cursor: str | None
    unread: int


MAX_MARKED = 500


class InboxUseCases(AutoConfirmation):
    """Read the inbox (confirming what is due first) and mark items read."""

    def inbox(
        self,
        slug: str,
        *,
        member_id: str,
        unread_only: bool = False,
        limit: int = 50,
        cursor: str | None = None,
    ) -> InboxPage:
        """What needs the caller's attention, newest first, with the unread count."""
        self._confirm_due_lazily(slug)
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, member_id)
            page = uow.market.inbox.of_member(
                collective.id,
                member_id,
                unread_only=unread_only,
                limit=check_limit(limit),
                cursor=cursor,
            )
            named = Page(with_names(uow, page.items), page.next_cursor)
            return InboxPage(named, uow.market.inbox.unread(collective.id, member_id))

    def mark_read(self, slug: str, *, member_id: str, ids: list[str] | None = None) -> int:
        """Mark these inbox items (or all) read; how many changed."""
        if ids is not None and len(ids) > MAX_MARKED:
            raise InvalidValue(f"at most {MAX_MARKED} ids at a time", field="ids")
        with self._uow() as uow:
            collective = known_member_collective(uow, slug, member_id)
            changed = uow.market.inbox.mark_read(
                collective.id, member_id, ids=ids, now=self._clock.now()
            )
            uow.commit()
        return changed

    def inbox_of_person(
        self,
        member_id: str,
        *,
        unread_only: bool = False,
        limit: int = 50,
        cursor: str | None = None,
    ) -> PersonInbox:
        """The person's inbox in every collective they belong or belonged to, newest first
        (what is due for auto-confirmation in their active collectives is confirmed first)."""
        with self._uow(readonly=True) as uow:
            slugs = [
                slug
                for slug, _, membership in uow.memberships.of_person(member_id)
                if membership.is_active
            ]
        for slug in slugs:
            self._confirm_due_lazily(slug)
        with self._uow(readonly=True) as uow:
            page = uow.market.inbox.of_person(
                member_id, unread_only=unread_only, limit=check_limit(limit), cursor=cursor
            )
            named = with_names(uow, [item for item, _, _ in page.items])
            placed = [
                PlacedItem(item, slug, name)
                for item, (_, slug, name) in zip(named, page.items, strict=True)
            ]
            return PersonInbox(
                placed, page.next_cursor, uow.market.inbox.unread_of_person(member_id)
            )

    def unread_of_person(self, member_id: str) -> int:
        """How many of the person's items in every collective are unread (one query)."""
        with self._uow(readonly=True) as uow:
            return uow.market.inbox.unread_of_person(member_id)

    def mark_read_of_person(self, member_id: str, *, ids: list[str] | None = None) -> int:
        """Mark these of the person's items (or all), in any collective, read; how many changed.
        Someone else's item is not theirs to mark: it is left as it was."""
        if ids is not None and len(ids) > MAX_MARKED:
            raise InvalidValue(f"at most {MAX_MARKED} ids at a time", field="ids")
        with self._uow() as uow:
            changed = uow.market.inbox.mark_read_of_person(
                member_id, ids=ids, now=self._clock.now()
            )
            uow.commit()
        return changed
