"""A co-operative's invitations to join (part of the governance repository of the unit of work)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from cybermutual.domain.governance.coop import Invitation, InvitationStatus
from cybermutual.store.tables import enterprise_invitations

_OPEN = (InvitationStatus.PENDING.value, InvitationStatus.ACCEPTED.value)


def _invitation(row: Any) -> Invitation:
    return Invitation(
        id=row.id,
        collective_id=row.collective_id,
        enterprise_id=row.enterprise_id,
        member_id=row.member_id,
        invited_by=row.invited_by,
        message=row.message,
        status=InvitationStatus(row.status),
        created_at=row.created_at,
        answered_at=row.answered_at,
        proposal_id=row.proposal_id,
    )


class SqlInvitations:
    _conn: Connection

    def add_invitation(self, invitation: Invitation) -> None:
        self._conn.execute(
            insert(enterprise_invitations).values(
                id=invitation.id,
                collective_id=invitation.collective_id,
                enterprise_id=invitation.enterprise_id,
                member_id=invitation.member_id,
                invited_by=invitation.invited_by,
                message=invitation.message,
                status=invitation.status.value,
                created_at=invitation.created_at,
                answered_at=invitation.answered_at,
                proposal_id=invitation.proposal_id,
            )
        )

    def invitation(
        self, collective_id: str, invitation_id: str, *, lock: bool = False
    ) -> Invitation | None:
        t = enterprise_invitations
        query = select(t).where(t.c.id == invitation_id, t.c.collective_id == collective_id)
        row = self._conn.execute(query.with_for_update() if lock else query).first()
        return None if row is None else _invitation(row)

    def invitation_of(self, proposal_id: str) -> Invitation | None:
        t = enterprise_invitations
        row = self._conn.execute(select(t).where(t.c.proposal_id == proposal_id)).first()
        return None if row is None else _invitation(row)

    def save_invitation(self, invitation: Invitation, *, was: InvitationStatus) -> bool:
        """Store the invitation's new state only if it is still ``was``; False otherwise."""
        t = enterprise_invitations
        result = self._conn.execute(
            update(t)
            .where(t.c.id == invitation.id, t.c.status == was.value)
            .values(
                status=invitation.status.value,
                answered_at=invitation.answered_at,
                proposal_id=invitation.proposal_id,
            )
        )
        return result.rowcount == 1

    def invitations(self, enterprise_id: str, *, limit: int) -> list[Invitation]:
        """The co-operative's invitations, newest first."""
        t = enterprise_invitations
        rows = self._conn.execute(
            select(t)
            .where(t.c.enterprise_id == enterprise_id)
            .order_by(t.c.created_at.desc(), t.c.id.desc())
            .limit(limit)
        )
        return [_invitation(r) for r in rows]

    def open_invitees(self, enterprise_id: str) -> set[str]:
        t = enterprise_invitations
        rows = self._conn.execute(
            select(t.c.member_id).where(t.c.enterprise_id == enterprise_id, t.c.status.in_(_OPEN))
        )
        return {r.member_id for r in rows}

    def invitations_to(self, collective_id: str, member_id: str) -> list[Invitation]:
        """A member's invitations in a collective, open ones first, newest first."""
        t = enterprise_invitations
        rows = self._conn.execute(
            select(t)
            .where(t.c.collective_id == collective_id, t.c.member_id == member_id)
            .order_by(t.c.created_at.desc(), t.c.id.desc())
            .limit(200)
        )
        found = [_invitation(r) for r in rows]
        return sorted(found, key=lambda i: not i.status.is_open)
