"""The ledger of one collective inside one unit of work.

Every capability that moves money (payments, market escrow, levy, basic income, services)
goes through ``Books``: it locks the accounts involved in one fixed order, applies the domain's
rules, and at ``close()`` writes the transfers, the new balances and the chained journal entries
in the same transaction. Either all of it is committed or none of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from cybermutual.domain import journal
from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import AccountNotFound, InvalidValue, LevyRateChanged
from cybermutual.domain.ledger import (
    TRADE_KINDS,
    Account,
    AccountKind,
    Movement,
    Transfer,
    TransferKind,
    levy_due,
    open_transfer,
    post_pending,
    void_pending,
)
from cybermutual.domain.membership import Membership, require_payee
from cybermutual.services.ids import new_id
from cybermutual.services.ports import UnitOfWork


class Books:
    """Lock, move, settle, then ``close()`` to write everything at once."""

    def __init__(self, uow: UnitOfWork, collective: Collective, *, now: datetime) -> None:
        self._uow = uow
        self.collective = collective
        self.now = now
        self._accounts: dict[str, Account] = {}
        self._by_owner: dict[str, str] = {}
        self._system: dict[AccountKind, str] = {}
        self._changed: set[str] = set()
        self._new: list[Transfer] = []
        self._settled: list[Transfer] = []
        self._chain: list[tuple[Transfer, bool]] = []
        self._locked = False
        self.levies: dict[str, int] = {}  # payment id -> levy charged on it
        self._standing: dict[str, Membership] = {}

    @property
    def levy_rate_applies(self) -> bool:
        return bool(self.collective.charter.levy_rate)

    def lock_members(
        self, member_ids: Sequence[str], *, system: Sequence[AccountKind] = ()
    ) -> None:
        """Lock these members' accounts (plus the commons fund when a levy applies). Once."""
        if self._locked:
            raise RuntimeError("Books locks once per unit of work, so the lock order is fixed")
        self._locked = True
        kinds = list(system)
        if self.levy_rate_applies and AccountKind.COMMONS_FUND not in kinds:
            kinds.append(AccountKind.COMMONS_FUND)
        locked, self._standing = self._uow.accounts.lock_members(
            self.collective.id, member_ids, system=kinds
        )
        for account in locked.values():
            self._accounts[account.id] = account
            owned = account.kind in (AccountKind.MEMBER, AccountKind.ENTERPRISE)
            if owned and account.owner_id is not None:
                self._by_owner[account.owner_id] = account.id
            else:
                self._system[account.kind] = account.id

    def adopt(self, account: Account) -> None:
        """An account the caller locked itself, before ``lock_members`` (a federation link's
        account, locked right after its link, so every link's payments lock in one order)."""
        self._accounts[account.id] = account

    def membership(self, member_id: str) -> Membership | None:
        """A locked member's membership, as it stood when the lock was taken."""
        return self._standing.get(member_id)

    def require_payee(self, member_id: str, *, role: str = "payee", **context: object) -> None:
        """Refuse, naming them, to pay someone who is not an active member (locked already)."""
        membership = self._standing.get(member_id)
        if membership is not None and membership.is_active:
            return
        name = self._uow.people.names([member_id]).get(member_id)
        require_payee(membership, member_id=member_id, display_name=name, role=role, **context)

    def account_of(self, member_id: str) -> Account:
        account_id = self._by_owner.get(member_id)
        if account_id is None:
            raise AccountNotFound("this member has no account in the collective", member=member_id)
        return self._accounts[account_id]

    def system_account(self, kind: AccountKind) -> Account:
        return self._accounts[self._system[kind]]

    def spending_limit(self, member_id: str, membership: Membership) -> None:
        """A member who left (or was expelled) may still spend a positive balance, but not go
        into debt."""
        if membership.has_departed:
            account = self.account_of(member_id)
            self._accounts[account.id] = replace(account, credit_limit=0)

    def set_demurrage_carry(self, account: Account, carry: int) -> None:
        """A locked account's new demurrage remainder (written at ``close()``)."""
        self._accounts[account.id] = replace(self._accounts[account.id], demurrage_carry=carry)
        self._changed.add(account.id)

    def _apply(self, movement: Movement, *, settles: bool) -> Transfer:
        for account in (movement.debit, movement.credit):
            self._accounts[account.id] = account
            self._changed.add(account.id)
        self._chain.append((movement.transfer, settles))
        return movement.transfer

    def move(
        self,
        debit: Account,
        credit: Account,
        amount: int,
        *,
        kind: TransferKind,
        memo: str = "",
        pending: bool = False,
        parent_id: str | None = None,
        initiated_by: str | None = None,
        batch: tuple[str, int] | None = None,
        within_limit: bool = True,
    ) -> Transfer:
        """One transfer between two locked accounts; a posted payment also pays its levy.

        ``within_limit=False`` only for a debit already covered in this unit of work (a dispute's
        share paid out of the reservation that was just voided).
        """
        movement = open_transfer(
            transfer_id=new_id(),
            debit=self._accounts[debit.id],
            credit=self._accounts[credit.id],
            amount=amount,
            kind=kind,
            memo=memo,
            now=self.now,
            pending=pending,
            parent_id=parent_id,
            initiated_by=initiated_by,
            batch=batch,
            within_limit=within_limit,
        )
        levy = None if pending else self._levy_on(movement.transfer, movement.credit)
        transfer = self._apply(movement, settles=False)  # nothing can fail from here on
        self._new.append(transfer)
        if levy is not None:
            self._apply_levy(levy)
        return transfer

    def settle(self, transfer: Transfer, *, post: bool) -> Transfer:
        """Post (release to the payee) or void (return to the payer) a pending transfer."""
        debit = self._accounts.get(transfer.debit_account_id)
        credit = self._accounts.get(transfer.credit_account_id)
        if debit is None or credit is None:
            raise InvalidValue("lock both accounts of a transfer before settling it")
        settle = post_pending if post else void_pending
        movement = settle(transfer, debit, credit, now=self.now)
        levy = self._levy_on(movement.transfer, movement.credit) if post else None
        settled = self._apply(movement, settles=True)
        self._settled.append(settled)
        if levy is not None:
            self._apply_levy(levy)
        return settled

    def _levy_on(self, payment: Transfer, payee: Account) -> tuple[Account, Movement | None] | None:
        """The levy a posted payment owes, and the payee with its new levy remainder.

        Computed against the payee as the payment leaves it; the remainder below one minor unit
        is carried to the payee's next receipt (``levy_due``), so splitting a payment saves
        nothing.
        """
        if payment.kind not in TRADE_KINDS or not self.levy_rate_applies:
            return None
        rate = self.collective.charter.levy_rate
        levy, carry = levy_due(payment.amount, rate, payee.levy_carry)
        payee = replace(payee, levy_carry=carry)
        if levy <= 0:
            return payee, None
        return payee, open_transfer(
            transfer_id=new_id(),
            debit=payee,
            credit=self.system_account(AccountKind.COMMONS_FUND),
            amount=levy,
            kind=TransferKind.LEVY,
            memo=f"levy {rate} on payment {payment.id}",
            now=self.now,
            parent_id=payment.id,
            initiated_by=payment.initiated_by,
            within_limit=False,  # always covered by the payment just received
        )

    def _apply_levy(self, levy: tuple[Account, Movement | None]) -> None:
        payee, movement = levy
        if movement is None:  # only the remainder grew
            self._accounts[payee.id] = payee
            self._changed.add(payee.id)
            return
        self._new.append(self._apply(movement, settles=False))
        assert movement.transfer.parent_id is not None
        self.levies[movement.transfer.parent_id] = movement.transfer.amount

    def _check_levy_rate(self, uow: UnitOfWork) -> None:
        """Once entitled to write the journal, the levy rate must still be the one charged: a
        vote that changed it meanwhile makes this payment retry (rare, never half-applied)."""
        current = uow.collectives.by_slug(self.collective.slug)
        if current is not None and current.charter.levy_rate != self.collective.charter.levy_rate:
            raise LevyRateChanged(
                "the members' new levy rate took effect while this was being recorded; "
                "send the same request again",
                levy_rate=str(current.charter.levy_rate),
            )

    def close(self) -> None:
        """Write transfers, balances and journal entries (the caller then commits)."""
        uow = self._uow
        if not self._chain:  # nothing moved; a remainder may have changed all the same
            uow.accounts.save_balances([self._accounts[a] for a in sorted(self._changed)])
            return
        uow.transfers.add(self._new)
        for transfer in self._settled:
            uow.transfers.settle(transfer)
        uow.accounts.save_balances([self._accounts[a] for a in sorted(self._changed)])
        uow.journal.enter(self.collective.id)
        self._check_levy_rate(uow)
        uow.journal.write(
            self.collective.id,
            [journal.draft(t, at=self.now, settles_reservation=s) for t, s in self._chain],
        )
        self._chain.clear()
