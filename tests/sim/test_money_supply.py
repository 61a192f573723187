"""The money-supply model (issue 13 section 4): the platform's rules on a small economy, with
assertions that fail if the model stops applying them."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest

from cybermutual.domain.money_rules import Demurrage, DormantDebtRule, TurnoverLimits
from cybermutual.sim.money_supply import (
    STALL_SHARE,
    Conditions,
    MoneyEconomy,
    MoneyRules,
    MoneySupplyRun,
    scenarios,
    simulate,
)

#: A collective like the demo: 20 members, limits of 50,000, about 100,000 traded a week.
ECONOMY = MoneyEconomy(
    balances=(0,) * 20,
    limits=(50_000,) * 20,
    weekly_sales=tuple(2_000 + 600 * i for i in range(20)),
    payment=5_000,
)
LEVY = Decimal("0.25")


def run(rules: MoneyRules, seed: int = 0, **conditions: float) -> MoneySupplyRun:
    weeks = int(conditions.pop("weeks", 156))
    return simulate(
        ECONOMY,
        rules,
        rng=np.random.default_rng(seed),
        conditions=Conditions(weeks=weeks, **conditions),
    )


def test_one_seed_one_run() -> None:
    rules = scenarios(ECONOMY, LEVY)["all three + services"]
    a, b = run(rules, 7, dormant_share=0.2), run(rules, 7, dormant_share=0.2)
    assert (a.fund, a.headroom, a.volume) == (b.fund, b.headroom, b.volume)
    assert run(rules, 8, dormant_share=0.2).volume != a.volume


def test_without_a_levy_the_members_never_use_up_their_credit() -> None:
    control = run(MoneyRules(Decimal(0)))
    assert control.weeks_to_limits is None
    assert control.fund == [0] * 156


def test_the_levy_drains_no_faster_than_its_arithmetic() -> None:
    """The fund grows by the levy on what is traded, and trade only slows as members reach
    their limits: aggregate limits come no sooner than the drain at the full volume says."""
    arithmetic = (1 - STALL_SHARE) * sum(ECONOMY.limits) / (float(LEVY) * ECONOMY.weekly_volume)
    weeks = [run(MoneyRules(LEVY), seed).weeks_to_limits for seed in range(3)]
    assert all(w is not None and arithmetic * 0.9 <= w <= arithmetic * 3 for w in weeks), (
        weeks,
        arithmetic,
    )


def test_the_fund_is_exactly_what_the_members_owe() -> None:
    rules = scenarios(ECONOMY, LEVY)["all three + services"]
    result = run(rules, dormant_share=0.2)
    for fund, room, limits in zip(result.fund, result.headroom, result.limits, strict=True):
        assert room == limits - fund  # balances sum to -fund: the ledger's zero sum
        assert room >= 0  # no rule ever leaves a member below their limit


def test_services_that_spend_the_levy_stop_the_drain() -> None:
    budget = int(LEVY * ECONOMY.weekly_volume)
    spending = run(MoneyRules(LEVY, service_budget=budget))
    assert spending.weeks_to_limits is None
    assert max(spending.fund) <= 2 * budget  # the fund holds at most a week or two of levy
    assert spending.services_paid > 0


def test_demurrage_alone_is_one_more_drain() -> None:
    """Paid into the fund, demurrage takes members' money like the levy does: without the
    fund spending it, members reach their limits no later than without it."""
    fee = Demurrage(Decimal("0.01"), 5_000)
    plain = run(MoneyRules(LEVY))
    charged = run(MoneyRules(LEVY, demurrage=fee))
    assert charged.demurrage > 0
    assert charged.weeks_to_limits is not None
    assert plain.weeks_to_limits is not None
    assert charged.weeks_to_limits <= plain.weeks_to_limits
    high = run(MoneyRules(LEVY, demurrage=Demurrage(Decimal("0.01"), 10**9)))
    assert high.demurrage == 0  # nobody holds more than the threshold


def test_dormant_debts_go_back_to_the_fund_and_no_further() -> None:
    rule = DormantDebtRule(8, 4)
    result = run(MoneyRules(LEVY, dormant=rule), dormant_share=0.3, weeks=208)
    assert result.written_off > 0
    assert min(result.fund) >= -ECONOMY.fund_floor
    off = run(MoneyRules(LEVY), dormant_share=0.3, weeks=208)
    assert off.written_off == 0
    assert result.fund[-1] < off.fund[-1]  # the fund carries the dormant members' debts


@pytest.mark.parametrize("multiple", ["0.5", "2"])
def test_turnover_limits_follow_the_trade(multiple: str) -> None:
    rule = TurnoverLimits(Decimal(multiple), 13, 5_000, 500_000)
    result = run(MoneyRules(Decimal(0), turnover=rule), weeks=26)
    earned = Decimal(multiple) * 13 * ECONOMY.weekly_volume
    # in the first weeks, before trade shifts, the total limit is the multiple of the turnover
    assert abs(result.limits[0] - earned) <= Decimal("0.2") * earned


def test_the_scenarios_size_turnover_limits_to_todays_credit() -> None:
    named = scenarios(ECONOMY, LEVY)
    turnover = named["turnover limits"].turnover
    assert turnover is not None
    total = turnover.multiple * 13 * ECONOMY.weekly_volume
    assert abs(total - sum(ECONOMY.limits)) <= Decimal("0.01") * sum(ECONOMY.limits)
    assert named["no levy (the control)"].levy_rate == 0
    assert (
        replace(named["services spend the levy"], service_budget=0) == named["fixed limits (today)"]
    )


def test_an_economy_needs_members_and_trade() -> None:
    with pytest.raises(ValueError, match="2 or more"):
        MoneyEconomy(balances=(0,), limits=(1,), weekly_sales=(1,), payment=1)
    with pytest.raises(ValueError, match="positive"):
        MoneyEconomy(balances=(0, 0), limits=(1, 1), weekly_sales=(1, 1), payment=0)
