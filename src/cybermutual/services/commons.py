"""The commons' assets and its usage log: contribute, describe, maintain, log use, never sell."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cybermutual.domain.collective import Collective
from cybermutual.domain.commons import assets as rules
from cybermutual.domain.commons.assets import Asset, AssetStatus
from cybermutual.domain.commons.shares import held_units
from cybermutual.domain.commons.usage import Sale, UsageRecord, log_usage
from cybermutual.domain.errors import (
    AssetNotFound,
    InvalidValue,
    RoundNotFound,
)
from cybermutual.domain.ledger import TRADE_KINDS, TransferStatus
from cybermutual.services.enterprise_common import acting_in
from cybermutual.services.ids import new_id
from cybermutual.services.loading import active_member_collective, check_limit, load_collective
from cybermutual.services.ports import Clock, Page, UnitOfWork, UnitOfWorkFactory

#: How far back logged use counts toward a member's productivity.
PRODUCTIVITY_WINDOW = timedelta(days=180)


#: How many recent payments are offered as sales a use produced.
SALES_OFFERED = 20


@dataclass(frozen=True, slots=True)
class SaleOption:
    """A payment the member received that a usage record may still name as its sale."""

    transfer_id: str
    payer_id: str | None
    amount: int
    memo: str
    received_at: datetime


def load_asset(uow: UnitOfWork, collective: Collective, asset_id: str) -> Asset:
    """An asset of this collective, or ``asset_not_found``."""
    asset = uow.assets.get(asset_id)
    if asset is None or asset.collective_id != collective.id:
        raise AssetNotFound("no such asset in this collective", asset=asset_id)
    return asset


class CommonsService:
    """Assets of the commons and the record of their use."""

    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def contribute(
        self,
        slug: str,
        *,
        member_id: str,
        name: str,
        category: str,
        capacity: int,
        unit: str,
        location: str = "",
        description: str = "",
        output_categories: Sequence[str] = (),
    ) -> Asset:
        """A member contributes an asset; from now on the collective owns it."""
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, member_id)
            asset = rules.contribute(
                asset_id=new_id(),
                collective=collective,
                contributor=member_id,
                name=name,
                category=category,
                capacity=capacity,
                unit=unit,
                location=location,
                description=description,
                output_categories=output_categories,
                now=self._clock.now(),
            )
            uow.assets.add(asset)
            uow.commit()
        return asset

    def revise(
        self,
        slug: str,
        asset_id: str,
        *,
        member_id: str,
        name: str | None = None,
        capacity: int | None = None,
        location: str | None = None,
        description: str | None = None,
        output_categories: Sequence[str] | None = None,
        status: AssetStatus | None = None,
    ) -> Asset:
        """Any active member keeps the shared record of an asset up to date (or retires it)."""
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, member_id)
            asset = rules.revise(
                load_asset(uow, collective, asset_id),
                name=name,
                capacity=capacity,
                location=location,
                description=description,
                output_categories=output_categories,
                status=status,
            )
            uow.assets.save(asset, now=self._clock.now())
            uow.commit()
        return asset

    def asset(self, slug: str, asset_id: str) -> Asset:
        with self._uow(readonly=True) as uow:
            return load_asset(uow, load_collective(uow, slug), asset_id)

    def assets(
        self,
        slug: str,
        *,
        status: AssetStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Asset]:
        """The commons of a collective (public: what a collective holds in common is no secret)."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            return uow.assets.list(
                collective.id, status=status, limit=check_limit(limit), cursor=cursor
            )

    def refuse_sale(self, slug: str, asset_id: str, *, action: str) -> None:
        """Every attempt to sell, price, transfer or list an asset ends here, refused; a word
        that is no such attempt is ``not_found`` (assets have no such action)."""
        action = rules.sale_action(action)
        with self._uow(readonly=True) as uow:
            asset = load_asset(uow, load_collective(uow, slug), asset_id)
        rules.refuse_sale(asset.id, action=action)

    def log_usage(
        self,
        slug: str,
        *,
        member_id: str,
        asset_id: str,
        units: int,
        output_category: str,
        round_id: str | None = None,
        sales: Sequence[str] = (),
        note: str = "",
        enterprise_id: str | None = None,
    ) -> UsageRecord:
        """Record use of an asset and the sales it produced (payments the member received).

        With ``enterprise_id`` the use is the enterprise's (anyone with a role in it logs it):
        of the shares it holds in the round, and its sales are payments its account received.
        """
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, member_id)
            asset = load_asset(uow, collective, asset_id)
            if enterprise_id is not None:
                enterprise_id = acting_in(
                    uow, collective, enterprise_id, member_id, doing="log use of its shares"
                ).id
            round_ = None
            held = logged = 0
            if round_id is not None:
                round_ = uow.allocation_rounds.lock(round_id)
                if round_ is None or round_.collective_id != collective.id:
                    raise RoundNotFound("no such round in this collective", round=round_id)
                held = held_units(
                    uow.allocation_rounds.shares(round_id),
                    member_id=member_id,
                    asset_id=asset_id,
                    enterprise_id=enterprise_id,
                )
                logged = uow.usage.logged_units(
                    round_id, member_id=member_id, asset_id=asset_id, enterprise_id=enterprise_id
                )
            record = log_usage(
                asset,
                record_id=new_id(),
                member_id=member_id,
                units=units,
                output_category=output_category,
                sales=self._sales(uow, collective, enterprise_id or member_id, sales),
                note=note,
                round_=round_,
                held=held if round_ is not None else None,
                logged_before=logged,
                enterprise_id=enterprise_id,
                now=self._clock.now(),
            )
            uow.usage.add(record)
            uow.commit()
        return record

    def usage(
        self,
        slug: str,
        *,
        viewer_id: str,
        member_id: str | None = None,
        asset_id: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[UsageRecord]:
        """The usage log, newest first, for members (it is what the facilitator reads)."""
        with self._uow(readonly=True) as uow:
            collective = active_member_collective(uow, slug, viewer_id)
            return uow.usage.list(
                collective.id,
                member_id=member_id,
                asset_id=asset_id,
                limit=check_limit(limit),
                cursor=cursor,
            )

    def claimable_sales(self, slug: str, *, member_id: str) -> list[SaleOption]:
        """The member's recent posted trade payments received that no usage record names yet,
        newest first: what ``log_usage`` accepts as ``sales``."""
        with self._uow(readonly=True) as uow:
            collective = active_member_collective(uow, slug, member_id)
            account = uow.accounts.of_member(collective.id, member_id)
            if account is None:
                return []
            recent = uow.transfers.of_account(account.id, limit=100, cursor=None).items
            received = [
                t
                for t in recent
                if t.credit_account_id == account.id
                and t.kind in TRADE_KINDS
                and t.status is TransferStatus.POSTED
            ]
            claimed = uow.usage.claimed([t.id for t in received])
            payers = uow.accounts.owners([t.debit_account_id for t in received])
        return [
            SaleOption(t.id, payers.get(t.debit_account_id), t.amount, t.memo, t.created_at)
            for t in received
            if t.id not in claimed
        ][:SALES_OFFERED]

    @staticmethod
    def _sales(
        uow: UnitOfWork, collective: Collective, member_id: str, transfer_ids: Sequence[str]
    ) -> list[Sale]:
        """The payments named as sales: posted, paid to this member (or enterprise, whose
        account is owned by its id), not claimed before."""
        if len(set(transfer_ids)) != len(transfer_ids):
            raise InvalidValue("each sale is named once", field="sales")
        sales = []
        for transfer_id in transfer_ids:
            transfer = uow.transfers.get(transfer_id)
            if (
                transfer is None
                or transfer.collective_id != collective.id
                or transfer.kind not in TRADE_KINDS
                or transfer.status is not TransferStatus.POSTED
                or uow.accounts.owners([transfer.credit_account_id]).get(transfer.credit_account_id)
                != member_id
            ):
                raise InvalidValue(
                    "a sale is a posted payment you received in this collective",
                    field="sales",
                    transfer=transfer_id,
                )
            sales.append(Sale(transfer.id, transfer.amount))
        claimed = uow.usage.claimed(list(transfer_ids))
        if claimed:
            raise InvalidValue(
                "these sales were already logged with an earlier use",
                field="sales",
                transfers=sorted(claimed),
            )
        return sales
