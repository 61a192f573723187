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
        if ids is not None and len(ids) > 500:
            raise InvalidValue("at most 500 ids at a time", field="ids")
        with self._uow() as uow:
            collective = known_member_collective(uow, slug, member_id)
            changed = uow.market.inbox.mark_read(
                collective.id, member_id, ids=ids, now=self._clock.now()
            )
            uow.commit()
        return changed
