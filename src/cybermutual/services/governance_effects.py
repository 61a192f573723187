"""Applying a passed proposal's effect, inside the transaction that closes it.

Each effect checks what it needs before writing anything, so an effect that can no longer apply
(the service to end has already ended, the member to expel has left) is recorded as not applied,
with the reason, and the proposal still closes as passed. What changed, from what to what, goes
into the policy history (``GET .../policies``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from cybermutual.domain import membership as membership_rules
from cybermutual.domain.collective import Admission, Collective
from cybermutual.domain.errors import DomainError
from cybermutual.domain.governance import budget_rounds as budgeting
from cybermutual.domain.governance import kinds as k
from cybermutual.domain.governance import public_services as ps
from cybermutual.domain.governance.proposals import Proposal
from cybermutual.domain.ledger import AccountKind, check_credit_limit
from cybermutual.domain.membership import MembershipStatus
from cybermutual.services import coop, federation_links, money_rules
from cybermutual.services.budget_round_closing import open_round as store_round
from cybermutual.services.collectives import admit
from cybermutual.services.governance_ports import PolicyRecord
from cybermutual.services.ids import new_id
from cybermutual.services.ports import UnitOfWork

Changes = list[dict[str, Any]]


class NotApplicable(Exception):
    """The effect can no longer apply; the reason goes into the policy history."""


def _change(field: str, before: object, after: object) -> dict[str, Any]:
    return {"field": field, "from": before, "to": after}


def apply_effect(
    uow: UnitOfWork, collective: Collective, proposal: Proposal, *, now: datetime
) -> PolicyRecord:
    """Apply ``proposal``'s effect and record it; call once, right after closing it as passed."""
    effect = proposal.effect
    try:
        changes = _APPLY[type(effect)](uow, collective, proposal, effect, now)
        applied, note = True, "applied"
    except (NotApplicable, coop.NotApplicable, DomainError) as exc:
        changes, applied, note = [], False, f"not applied: {exc}"
    if isinstance(effect, k.Resolution):
        note = "recorded (a resolution has no automatic effect)"
    record = PolicyRecord(
        id=new_id(),
        collective_id=collective.id,
        proposal_id=proposal.id,
        kind=proposal.kind.value,
        changes=changes,
        applied=applied,
        note=note,
        applied_at=now,
    )
    uow.governance.add_policy(record)
    return record


def _set_charter(uow: UnitOfWork, collective: Collective, **values: Any) -> Changes:
    charter = collective.charter
    changed = replace(charter, **values)
    uow.collectives.set_charter(collective.id, changed)
    return [
        _change(name, _plain(getattr(charter, name)), _plain(getattr(changed, name)))
        for name in values
    ]


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def _levy(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    """The new rate applies from the next journal entry: taken under the journal's lock, so a
    payment journaled after it was levied at the new rate (``Books.close`` refuses one levied at
    the old rate with ``levy_rate_changed``), and ``ledger verify`` replays each rate in turn."""
    head = uow.journal.lock_head(c.id)
    uow.governance.add_levy_change(
        c.id,
        change_id=new_id(),
        after_seq=head.seq,
        previous=c.charter.levy_rate,
        rate=e.rate,
        proposal_id=p.id,
        at=now,
    )
    return _set_charter(uow, c, levy_rate=e.rate)


def _credit_limit(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    effect: k.SetCreditLimit = e
    amount = check_credit_limit(effect.amount)
    if effect.for_fund:
        fund = uow.accounts.system(c.id, AccountKind.COMMONS_FUND)
        uow.accounts.set_credit_limit(fund.id, amount)
        return [_change("commons_fund.credit_limit", fund.credit_limit, amount)]
    if effect.member is not None:
        account = uow.accounts.of_member(c.id, effect.member)
        if account is None:
            raise NotApplicable(f"member {effect.member} has no account")
        uow.accounts.set_credit_limit(account.id, amount)
        return [_change(f"credit_limit[{effect.member}]", account.credit_limit, amount)]
    # the default: for newcomers, and for every member (and enterprise, issue 14) whose limit
    # was the old default
    old = c.charter.default_credit_limit
    changes = _set_charter(uow, c, default_credit_limit=amount)
    moved = 0
    for account in uow.accounts.all_of(c.id):
        follows = account.kind in (AccountKind.MEMBER, AccountKind.ENTERPRISE)
        if follows and account.credit_limit == old:
            uow.accounts.set_credit_limit(account.id, amount)
            moved += 1
    changes.append(_change("member_limits_moved_to_the_new_default", None, moved))
    return changes


def _admission(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    effect: k.SetAdmission = e
    changes = _set_charter(
        uow, c, admission=effect.admission, approvals_needed=effect.approvals_needed
    )
    changed = replace(c, charter=replace(c.charter, admission=effect.admission))
    # whoever now qualifies is admitted: everyone waiting when admission opens, or anyone
    # who already has the (lowered) number of approvals
    waiting = uow.memberships.list(c.id, status=MembershipStatus.PENDING, limit=10_000, cursor=None)
    admitted = []
    for pending, _person in waiting.items:
        approvals = uow.governance.approvals(c.id, pending.member_id) - {pending.member_id}
        if effect.admission is Admission.OPEN or len(approvals) >= effect.approvals_needed:
            admit(uow, changed, replace(pending, status=MembershipStatus.ACTIVE, joined_at=now))
            uow.governance.clear_approvals(c.id, pending.member_id)
            admitted.append(pending.member_id)
    if admitted:
        changes.append(_change("admitted", [], sorted(admitted)))
    return changes


def _basic_income(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    effect: k.BasicIncome = e
    return _set_charter(uow, c, basic_income=effect.amount, basic_income_period=effect.period.value)


def _fund_service(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    service = ps.found(e, service_id=new_id(), collective_id=c.id, proposal_id=p.id, now=now)
    uow.public_services.add_service(service)
    return [_change("services", None, {"id": service.id, **e.params()})]


def _end_service(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    service = uow.public_services.service(c.id, e.service)
    if service is None:
        raise NotApplicable(f"no service {e.service}")
    ended = ps.end(service, now=now)
    uow.public_services.save_service(ended)
    return [_change(f"services[{service.id}].status", service.status.value, ended.status.value)]


def _weights(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    effect: k.SetAllocationBudgets = e
    before = uow.governance.weights(c.id)
    after = dict(effect.weights)
    uow.governance.set_weights(c.id, after)
    return [
        _change(
            "allocation_weights",
            {m: str(w) for m, w in sorted(before.items())},
            {m: str(w) for m, w in sorted(after.items())},
        )
    ]


def _amend(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    return _set_charter(uow, c, text=e.text)


def _expel(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    current = uow.memberships.get(c.id, e.member)
    if current is None:
        raise NotApplicable(f"{e.member} is not a member")
    expelled = membership_rules.expel(current, now=now)
    uow.memberships.save(expelled)
    uow.governance.remove_delegations_of(c.id, e.member)
    uow.public_services.remove_provider_everywhere(c.id, e.member)
    return [_change(f"membership[{e.member}]", current.status.value, expelled.status.value)]


def _resolution(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    return []


def _budget_round(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    effect: k.OpenBudgetRound = e
    if effect.closes_at - now < budgeting.MIN_OPEN:
        raise NotApplicable("the round's closing time had passed when the proposal passed")
    budget_round = budgeting.open_round(
        round_id=new_id(),
        collective_id=c.id,
        opened_by=p.author_id,
        title=effect.title,
        budget=effect.budget,
        rule=effect.rule,
        closes_at=min(effect.closes_at, now + budgeting.MAX_OPEN),
        now=now,
        source="proposal",
        proposal_id=p.id,
    )
    store_round(uow, c, budget_round)
    return [_change("budget_rounds", None, {"id": budget_round.id, **effect.params()})]


def _credit_limit_rule(
    uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime
) -> Changes:
    """The rule, and under ``turnover`` a review at once (then weekly, by the tick)."""
    effect: k.SetCreditLimitRule = e
    values: dict[str, Any] = {"credit_limit_rule": effect.rule}
    if effect.limits is not None:
        values |= {
            "credit_limit_multiple": effect.limits.multiple,
            "credit_limit_weeks": effect.limits.weeks,
            "credit_limit_floor": effect.limits.floor,
            "credit_limit_cap": effect.limits.cap,
        }
    changes = _set_charter(uow, c, **values)
    changed = replace(c, charter=replace(c.charter, **values))
    moved = money_rules.review_credit_limits(uow, changed, now=now, again=True)
    if changed.charter.follows_turnover:
        changes.append(_change("member_limits_reviewed", None, moved))
    return changes


def _demurrage(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    """From the next weekly run (the week's run, if it has not happened yet)."""
    effect: k.SetDemurrage = e
    return _set_charter(
        uow,
        c,
        demurrage_rate=effect.demurrage.rate,
        demurrage_threshold=effect.demurrage.threshold,
    )


def _dormant_debt(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    effect: k.SetDormantDebt = e
    changes = _set_charter(
        uow, c, dormant_weeks=effect.rule.weeks, dormant_grace_weeks=effect.rule.grace_weeks
    )
    if not effect.rule.active:
        lapsed = money_rules.end_dormant_notices(uow, c)
        changes.append(_change("dormant_notices_lapsed", None, lapsed))
    return changes


def _open_link(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    """This side's half of the handshake; the peer is told after the commit (the outbox)."""
    return federation_links.open_link(uow, c, e, now=now)


def _suspend_link(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    return federation_links.suspend_link(uow, c, e, now=now)


def _close_link(uow: UnitOfWork, c: Collective, p: Proposal, e: Any, now: datetime) -> Changes:
    return federation_links.close_link(uow, c, e, now=now)


_APPLY = {
    k.SetLevy: _levy,
    k.SetCreditLimit: _credit_limit,
    k.SetAdmission: _admission,
    k.BasicIncome: _basic_income,
    k.FundService: _fund_service,
    k.EndService: _end_service,
    k.SetAllocationBudgets: _weights,
    k.AmendCharter: _amend,
    k.ExpelMember: _expel,
    k.Resolution: _resolution,
    k.OpenBudgetRound: _budget_round,
    k.SetCreditLimitRule: _credit_limit_rule,
    k.SetDemurrage: _demurrage,
    k.SetDormantDebt: _dormant_debt,
    k.OpenLink: _open_link,
    k.SuspendLink: _suspend_link,
    k.CloseLink: _close_link,
    **coop.APPLY,  # a co-operative's decisions (issue 14)
}
