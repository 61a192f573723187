"""The money rules as pure functions (issue 13 section 4): turnover limits, demurrage with its
carried remainder, the dormant-debt state machine, and how each is set and refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cybermutual.domain.collective import Charter
from cybermutual.domain.errors import InvalidParams, InvalidValue
from cybermutual.domain.governance.kinds import (
    SetCreditLimitRule,
    SetDemurrage,
    SetDormantDebt,
    parse_effect,
)
from cybermutual.domain.money_rules import (
    DORMANT_TRANSITIONS,
    CreditLimitRule,
    Demurrage,
    DormantDebt,
    DormantDebtRule,
    DormantStage,
    DormantStep,
    TurnoverLimits,
    demurrage_due,
    dormant_step,
    notice,
    reviewed_limit,
    write_off_amount,
)

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def test_a_turnover_limit_is_a_multiple_of_sales_within_floor_and_cap() -> None:
    rule = TurnoverLimits(Decimal("0.5"), 13, 1_000, 5_000)
    assert [rule.limit_for(s) for s in (0, 2_001, 3_001, 8_000, 100_000)] == [
        1_000,
        1_000,
        1_500,
        4_000,
        5_000,
    ]


def test_a_review_never_lowers_a_limit_below_what_is_owed() -> None:
    assert reviewed_limit(10_000, 1_000, balance=-4_000, reserved=0) == 4_000
    assert reviewed_limit(10_000, 1_000, balance=-4_000, reserved=500) == 4_500  # escrow too
    assert reviewed_limit(3_000, 1_000, balance=-4_000, reserved=0) == 3_000  # never raised
    assert reviewed_limit(10_000, 6_000, balance=-4_000, reserved=0) == 6_000
    assert reviewed_limit(10_000, 1_000, balance=200, reserved=0) == 1_000


def test_demurrage_is_exact_and_carries_its_remainder() -> None:
    fee = Demurrage(Decimal("0.0015"), 1_000)
    assert demurrage_due(10_333, 0, fee, 0) == (13, 999_500)
    assert demurrage_due(10_320, 0, fee, 999_500) == (14, 979_500)
    assert demurrage_due(1_000, 0, fee, 979_500) == (0, 979_500)  # at the threshold: nothing
    assert demurrage_due(10_000, 9_500, fee, 0) == (0, 0)  # escrow is not charged
    assert demurrage_due(-5_000, 0, fee, 0) == (0, 0)


def test_dormant_debts_follow_their_transitions() -> None:
    rule = DormantDebtRule(8, 2)
    old = NOW - timedelta(weeks=9)
    assert dormant_step(None, debt=100, last_trade=old, now=NOW, rule=rule) is DormantStep.NOTICE
    assert dormant_step(None, debt=0, last_trade=old, now=NOW, rule=rule) is None
    recent = NOW - timedelta(weeks=7)
    assert dormant_step(None, debt=100, last_trade=recent, now=NOW, rule=rule) is None
    record = notice("m", now=NOW, rule=rule)
    assert record.due_at == NOW + timedelta(weeks=2)
    later = NOW + timedelta(weeks=2)
    step = dormant_step(record, debt=100, last_trade=old, now=later, rule=rule)
    assert step is DormantStep.WRITE_OFF
    assert dormant_step(record, debt=100, last_trade=old, now=NOW, rule=rule) is None
    traded = dormant_step(
        record, debt=100, last_trade=NOW + timedelta(days=1), now=later, rule=rule
    )
    assert traded is DormantStep.LAPSE
    assert dormant_step(record, debt=0, last_trade=old, now=later, rule=rule) is DormantStep.LAPSE
    done = DormantDebt("m", DormantStage.WRITTEN_OFF, NOW, later, 100, later)
    assert dormant_step(done, debt=0, last_trade=old, now=later, rule=rule) is None
    # every move the function makes is one the table allows
    assert DormantStage.NOTICED in DORMANT_TRANSITIONS[None]
    assert {None, DormantStage.WRITTEN_OFF} <= DORMANT_TRANSITIONS[DormantStage.NOTICED]
    off = DormantDebtRule(0, 2)
    assert dormant_step(None, debt=100, last_trade=old, now=NOW, rule=off) is None


def test_a_write_off_never_takes_the_fund_below_its_floor() -> None:
    assert write_off_amount(2_000, 752) == 752
    assert write_off_amount(2_000, 5_000) == 2_000
    assert write_off_amount(2_000, -10) == 0
    assert write_off_amount(2_000, None) == 2_000


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"credit_limit_rule": "sometimes"}, "charter.credit_limit_rule"),
        ({"credit_limit_multiple": "-1"}, "charter.credit_limit_multiple"),
        ({"credit_limit_multiple": "11"}, "charter.credit_limit_multiple"),
        ({"credit_limit_multiple": "0.12345"}, "charter.credit_limit_multiple"),
        ({"credit_limit_weeks": 0}, "charter.credit_limit_weeks"),
        ({"credit_limit_floor": 10, "credit_limit_cap": 5}, "charter.credit_limit_floor"),
        ({"demurrage_rate": "0.2"}, "charter.demurrage_rate"),
        ({"demurrage_rate": "NaN"}, "charter.demurrage_rate"),
        ({"demurrage_threshold": -1}, "charter.demurrage_threshold"),
        ({"dormant_weeks": 521}, "charter.dormant_weeks"),
        ({"dormant_grace_weeks": 0}, "charter.dormant_grace_weeks"),
    ],
)
def test_a_charter_refuses_bad_money_rules_naming_the_field(
    values: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidValue) as refusal:
        Charter(**values)  # type: ignore[arg-type]
    assert refusal.value.context["field"] == field


def test_the_charter_keeps_rates_in_one_canonical_form() -> None:
    charter = Charter(
        credit_limit_rule=CreditLimitRule.TURNOVER,
        credit_limit_multiple=Decimal("10.00"),
        demurrage_rate=Decimal("0.0050"),
    )
    assert (str(charter.credit_limit_multiple), str(charter.demurrage_rate)) == ("10", "0.005")
    assert charter.initial_credit_limit == charter.credit_limit_floor == 0
    assert Charter(default_credit_limit=700).initial_credit_limit == 700


def test_proposals_set_the_money_rules_in_canonical_form() -> None:
    turnover = parse_effect("set_credit_limit_rule", {"rule": "turnover", "multiple": "0.50"})
    assert isinstance(turnover, SetCreditLimitRule)
    assert turnover.params() == {
        "rule": "turnover",
        "multiple": "0.5",
        "weeks": 13,
        "floor": 0,
        "cap": 10**15,
    }
    assert parse_effect("set_credit_limit_rule", {"rule": "fixed"}).params() == {"rule": "fixed"}
    fee = parse_effect("set_demurrage", {"rate": "0.001"})
    assert isinstance(fee, SetDemurrage)
    assert fee.params() == {"rate": "0.001", "threshold": 0}
    dormant = parse_effect("set_dormant_debt", {"weeks": 26})
    assert isinstance(dormant, SetDormantDebt)
    assert dormant.params() == {"weeks": 26, "grace_weeks": 4}


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [
        ("set_credit_limit_rule", {"rule": "turnover"}, "params.multiple"),
        ("set_credit_limit_rule", {"rule": "maybe"}, "params.rule"),
        ("set_credit_limit_rule", {"rule": "fixed", "multiple": "1"}, "params.multiple"),
        (
            "set_credit_limit_rule",
            {"rule": "turnover", "multiple": "1", "weeks": 53},
            "params.weeks",
        ),
        (
            "set_credit_limit_rule",
            {"rule": "turnover", "multiple": "1", "floor": 9, "cap": 8},
            "params.floor",
        ),
        ("set_demurrage", {"rate": "0.5"}, "params.rate"),
        ("set_demurrage", {"rate": 0.01}, "params.rate"),  # a float is never a rate
        ("set_demurrage", {"rate": "0.01", "threshold": -5}, "params.threshold"),
        ("set_dormant_debt", {}, "params.weeks"),
        ("set_dormant_debt", {"weeks": 8, "grace_weeks": 0}, "params.grace_weeks"),
    ],
)
def test_bad_money_rule_params_are_refused_naming_the_field(
    kind: str, params: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidParams) as refusal:
        parse_effect(kind, params)
    assert refusal.value.context["field"] == field


_NEXT = {
    DormantStep.NOTICE: DormantStage.NOTICED,
    DormantStep.LAPSE: None,
    DormantStep.WRITE_OFF: DormantStage.WRITTEN_OFF,
}


@pytest.mark.parametrize("stage", [None, DormantStage.NOTICED, DormantStage.WRITTEN_OFF])
def test_every_dormant_step_is_a_move_of_the_table(stage: DormantStage | None) -> None:
    """Whatever the debt, the last trade and the time, a step from ``stage`` lands on a stage
    the transition table allows from it (a write-off may also leave it noticed, for the rest)."""
    rule = DormantDebtRule(8, 2)
    record = (
        None if stage is None else DormantDebt("m", stage, NOW, NOW + timedelta(weeks=2), 10, NOW)
    )
    for debt in (0, 100):
        for trade_weeks in (-20, -9, -1, 1):
            for later in (0, 1, 3, 30):
                step = dormant_step(
                    record,
                    debt=debt,
                    last_trade=NOW + timedelta(weeks=trade_weeks),
                    now=NOW + timedelta(weeks=later),
                    rule=rule,
                )
                if step is None:
                    continue
                assert _NEXT[step] in DORMANT_TRANSITIONS[stage], (stage, step)
