"""What the keys and verified histories need from storage (``store/keys.py`` implements it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cybermutual.domain.history_export import VerifiedHistory
from cybermutual.domain.signing import PublicKey


@dataclass(frozen=True, slots=True)
class StoredKey:
    """A key as stored: the public half and the sealed private half."""

    public: PublicKey
    sealed_private_key: str


class KeyRepository(Protocol):
    def add(self, key: StoredKey) -> None: ...

    def current(self, collective_id: str) -> StoredKey | None:
        """The collective's current (not retired) key."""
        ...

    def of_collective(self, collective_id: str) -> list[PublicKey]:
        """Every public key, the current one first, then the retired newest first."""
        ...

    def retire_current(self, collective_id: str, *, at: datetime) -> None: ...


class VerifiedHistoryRepository(Protocol):
    def save(self, collective_id: str, member_id: str, history: VerifiedHistory) -> None:
        """Record (or replace, for the same issuer) a member's verified history."""
        ...

    def of_member(self, collective_id: str, member_id: str) -> list[VerifiedHistory]: ...

    def of_members(
        self, collective_id: str, member_ids: list[str]
    ) -> dict[str, list[VerifiedHistory]]: ...
