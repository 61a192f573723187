"""What the ledger backs: escrows of open deals, reservations, leavers, as ``verify`` checks them.

The journal proves that balances follow from the entries; these rules prove that the entries
still back what the rest of the system promises: every open order or task holds its price in
escrow between its own parties, every reservation belongs to a live obligation or is a member's
own pending payment, and nobody who left owes anything or holds money.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from cybermutual.domain.journal import Problem
from cybermutual.domain.ledger import Account, AccountKind, Transfer, TransferKind, TransferStatus
from cybermutual.domain.market.deals import Order
from cybermutual.domain.membership import Membership, MembershipStatus


def check_obligations(
    *,
    open_orders: Iterable[Order],
    escrows: Mapping[str, Transfer],
    pending: Iterable[Transfer],
    accounts: Iterable[Account],
    memberships: Mapping[str, Membership],
    set_aside: Mapping[str, tuple[datetime, str]],
) -> list[Problem]:
    """Every way the ledger fails to back an obligation, as problems (none: all is backed).

    ``escrows`` holds the escrow transfer of each open order by transfer id (whatever its
    state), ``pending`` every pending transfer of the collective, ``memberships`` the members'
    standing by member id, ``set_aside`` the orders whose auto-confirmation failed.
    """
    problems: list[Problem] = []
    accounts = list(accounts)
    member_account = {  # and each enterprise's, by its id (an enterprise's sale pays it)
        a.owner_id: a.id
        for a in accounts
        if a.kind in (AccountKind.MEMBER, AccountKind.ENTERPRISE) and a.owner_id
    }
    owner_of = {a.id: a.owner_id for a in accounts if a.kind is AccountKind.MEMBER}
    live_escrows: set[str] = set()
    for order in open_orders:
        live_escrows.add(order.escrow_id)
        problems.extend(_check_escrow(order, escrows.get(order.escrow_id), member_account))
    for order_id, (at, reason) in sorted(set_aside.items()):
        problems.append(
            Problem(
                "auto_confirm_failed",
                f"order {order_id} could not be confirmed automatically at {at.isoformat()}: "
                f"{reason}",
                {"order": order_id},
            )
        )
    for transfer in pending:
        if transfer.id in live_escrows:
            continue
        own_payment = (
            transfer.kind is TransferKind.PAYMENT and transfer.debit_account_id in owner_of
        )
        if not own_payment:
            problems.append(
                Problem(
                    "orphan_reservation",
                    f"transfer {transfer.id} holds {transfer.amount} ({transfer.kind.value}) "
                    "for no open order, task or member's own pending payment",
                    {"transfer": transfer.id},
                )
            )
    for account in accounts:
        owner = owner_of.get(account.id)
        standing = memberships.get(owner) if owner else None
        if standing is None or standing.status is not MembershipStatus.LEFT:
            continue
        ids = {"member": standing.member_id, "account": account.id}
        if account.balance < 0:
            problems.append(
                Problem(
                    "leaver_in_debt",
                    f"member {standing.member_id} left with a balance of {account.balance}",
                    ids,
                )
            )
        if account.reserved:
            problems.append(
                Problem(
                    "leaver_holds",
                    f"member {standing.member_id} left with {account.reserved} held",
                    ids,
                )
            )
    return problems


def _check_escrow(
    order: Order, escrow: Transfer | None, member_account: Mapping[str, str]
) -> list[Problem]:
    what = f"{order.kind.value} {order.id} ({order.status.value})"
    ids = {"order": order.id, "transfer": order.escrow_id}
    if escrow is None:
        return [Problem("escrow_missing", f"{what}: its escrow {order.escrow_id} is missing", ids)]
    found = []
    if escrow.status is not TransferStatus.PENDING:
        found.append(
            Problem(
                "escrow_not_pending",
                f"{what}: its escrow {escrow.id} is {escrow.status.value}, not held",
                ids,
            )
        )
    if escrow.amount != order.amount:
        found.append(
            Problem(
                "escrow_amount_mismatch",
                f"{what}: its escrow holds {escrow.amount}, the deal is for {order.amount}",
                ids,
            )
        )
    parties = (member_account.get(order.buyer_id), member_account.get(order.payee_id))
    if (escrow.debit_account_id, escrow.credit_account_id) != parties:
        found.append(
            Problem(
                "escrow_parties_mismatch",
                f"{what}: its escrow does not run from the buyer's account to the seller's",
                ids,
            )
        )
    if escrow.kind is not TransferKind.ESCROW:
        found.append(
            Problem(
                "escrow_kind_mismatch",
                f"{what}: its escrow is a {escrow.kind.value}, which the ledger could settle",
                ids,
            )
        )
    return found
