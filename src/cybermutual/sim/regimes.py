"""What the three regimes share and where they differ, as data.

A comparison between regimes is only as honest as what they share: the same people, skills,
technology, starting capital and search frictions, with only each regime's own rules different.
:data:`REGIME_RULES` names every scenario field that is allowed to differ between the bundled
scenarios and says why; :func:`parameter_rows` lines the scenarios up field by field, and
:func:`markdown_table` writes the table that docs/simulator.md shows (a test checks that the
documentation holds exactly this table and that no other field differs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from fractions import Fraction

from cybermutual.sim.scenario import REGIMES, Regime, Scenario

#: The fields that are a regime's own rules, and why they differ.
REGIME_RULES: dict[str, str] = {
    "enterprises.coop_share": "libertarian mutualism starts half its firms as co-operatives",
    "enterprises.coop_entry_share": "and half of its new firms are founded as co-operatives",
    "enterprises.employee_equity": "its traditional firms pay 10% of dividends to employees",
    "policy.levy_rate": "the commons fund is filled by a levy on sales; the firm regimes have none",
    "policy.services_share": "the commons fund pays for free care",
    "policy.service_sector": "the sector the free services are bought from",
    "policy.commons_investment": "the commons' investment rule (firms reinvest their own profit)",
}

#: What the table shows where a regime does not read a field (an en dash).
UNUSED = "\u2013"
_FIRMS: tuple[Regime, ...] = ("libertarian_mutualism", "capitalism")
_COMMONS: tuple[Regime, ...] = ("cybermutualism",)
#: Fields that only some regimes read (the others ignore them): shown as UNUSED for the others.
USED_ONLY_BY: dict[str, tuple[Regime, ...]] = {
    "population.collectives": _COMMONS,
    "technology.interest": _FIRMS,
    "technology.investment_rate": _FIRMS,
    "technology.wage_adjustment": _FIRMS,
    "technology.start_capital": _FIRMS,
    "policy.services_share": _COMMONS,
    "policy.service_sector": _COMMONS,
    "policy.commons_investment": _COMMONS,
    **{
        f"enterprises.{name}": _FIRMS
        for name in (
            "mean_size",
            "coop_share",
            "coop_entry_share",
            "entry_rate",
            "employee_equity",
            "productivity_sigma",
            "productivity_shock",
            "fire_speed",
            "wage_curve",
        )
    },
}
#: Fields that a scenario does not set for a run (the command line or the caller does).
_NOT_COMPARED = {"population.agents", "population.steps"}


def _users(key: str, everyone: tuple[str, ...]) -> tuple[str, ...]:
    if key.startswith("sectors.") and key.endswith(".general_use"):
        return _COMMONS  # how much the commons' general pool helps each sector
    return USED_ONLY_BY.get(key, everyone)


@dataclass(frozen=True, slots=True)
class ParameterRow:
    """One scenario field across the regimes."""

    parameter: str
    values: dict[str, str]  # regime -> value as written (UNUSED where the regime ignores it)
    differs: bool
    why: str


def _text(value: object) -> str:
    if isinstance(value, Fraction | float):
        return f"{float(value):g}"
    return str(value)


def scenario_fields(scenario: Scenario) -> dict[str, str]:
    """Every comparable field of ``scenario`` as ``table.field -> value``, sectors included."""
    out: dict[str, str] = {}
    for table in ("population", "technology", "enterprises", "policy"):
        section = getattr(scenario, table)
        for f in fields(section):
            key = f"{table}.{f.name}"
            if key not in _NOT_COMPARED:
                out[key] = _text(getattr(section, f.name))
    for sector in scenario.sectors:
        for f in fields(sector):
            if f.name != "name":
                out[f"sectors.{sector.name}.{f.name}"] = _text(getattr(sector, f.name))
    return out


def parameter_rows(scenarios: Mapping[str, Scenario]) -> list[ParameterRow]:
    """The scenarios lined up field by field; ``differs`` where regimes that read it disagree."""
    by_regime = {name: scenario_fields(s) for name, s in scenarios.items()}
    keys = list(next(iter(by_regime.values())))
    rows = []
    for key in keys:
        users = _users(key, tuple(scenarios))
        values = {r: (v[key] if r in users else UNUSED) for r, v in by_regime.items()}
        used = {v for r, v in values.items() if r in users}
        differs = len(used) > 1
        rows.append(ParameterRow(key, values, differs, REGIME_RULES.get(key, "")))
    return rows


def markdown_table(scenarios: Mapping[str, Scenario]) -> str:
    """The comparison table of docs/simulator.md: parameter, value per regime, why it differs."""
    names = [r for r in REGIMES if r in scenarios]
    head = ["parameter", *[n.replace("_", " ") for n in names], "differs because"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in parameter_rows({n: scenarios[n] for n in names}):
        why = f"**{row.why}**" if row.differs else row.why
        cells = [f"`{row.parameter}`", *[row.values[n] for n in names], why]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
