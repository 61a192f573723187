"""The commons: the collective's means of production, shared out by allocation rounds.

- ``assets``: what the collective holds (contributed by members, owned by the collective,
  never sold: ``refuse_sale`` is the one rule every edge calls);
- ``rounds``: the allocation round state machine (open -> computed -> published -> closed) and bids;
- ``shares``: what each member received, with the facilitator's reason; declining;
- ``usage``: the usage log and the statistics that feed the next round's valuations.

The facilitator itself (equilibrium, rounding, explanations) lives in ``domain.allocation``.
"""

from cybermutual.domain.commons.assets import Asset, AssetStatus, refuse_sale
from cybermutual.domain.commons.rounds import AllocationRound, Bid, RoundStatus
from cybermutual.domain.commons.shares import PassSummary, Share
from cybermutual.domain.commons.usage import CategoryDemand, Sale, UsageRecord, UsageStats

__all__ = [
    "AllocationRound",
    "Asset",
    "AssetStatus",
    "Bid",
    "CategoryDemand",
    "PassSummary",
    "RoundStatus",
    "Sale",
    "Share",
    "UsageRecord",
    "UsageStats",
    "refuse_sale",
]
