"""Scenarios: TOML files read with tomllib into frozen, checked dataclasses.

A scenario names its regime and describes the population, the sectors, the technology, the
enterprises and the policies. Anything missing takes the default below; anything unknown or out of
range is refused with a :class:`ScenarioError` that names the file and the field.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, TypeVar, cast, get_args

Regime = Literal["cybermutualism", "libertarian_mutualism", "capitalism"]
REGIMES: tuple[Regime, ...] = get_args(Regime)
T = TypeVar("T")
SCENARIO_DIR = Path(__file__).resolve().parents[3] / "scenarios"


#: Fields that moved to another table: (old table, new place, why).
MOVED = {
    "referral": (
        "enterprises",
        "population.referral",
        "a search friction every regime shares, job search and sector search alike",
    ),
}


class ScenarioError(ValueError):
    """A scenario file that cannot be read or holds a value the simulator refuses."""


@dataclass(frozen=True, slots=True)
class Population:
    """Who lives in the economy and how they behave."""

    agents: int = 2_000
    steps: int = 104
    skill_sigma: float = 0.5  # log-normal spread of skill per sector
    mpc_income: float = 0.8  # share of last income spent
    mpc_wealth: float = 0.05  # share of spendable balance (balance + credit limit) spent
    search_rate: float = 0.1  # share who look for a better job/sector/collective each step
    referral: float = 0.8  # share of searches that look where a random acquaintance works
    move_threshold: float = 0.05  # relative gain needed to move
    collectives: int = 1


@dataclass(frozen=True, slots=True)
class Sector:
    """A kind of good or service: its share of spending and its technology."""

    name: str
    share: float
    productivity: float = 1.0
    general_use: float = 0.2  # how much general commons assets (rooms, compute) help this sector


@dataclass(frozen=True, slots=True)
class Technology:
    """Production, capital and automation."""

    capital_elasticity: float = 0.33
    capital_per_worker: float = 1000.0  # sector-specific capital per worker at the start
    # general-purpose capital per worker at the start (rooms, compute, vehicles): a shared pool
    # in the commons, part of each firm's own capital in the firm regimes
    general_capital_per_worker: float = 200.0
    depreciation: float = 0.002  # per step
    interest: float = 0.001  # per step, the opportunity cost of capital
    robot_productivity: float = 0.3  # efficiency units of labour one robot replaces at step 0
    robot_progress: float = 0.002  # growth of robot productivity per step
    robot_price: float = 1000.0  # in units of the consumption basket
    investment_rate: float = 0.3  # share of a positive surplus reinvested
    price_adjustment: float = 0.1
    wage_adjustment: float = 0.05
    start_capital: float = 1000.0  # capital units a founder brings to a new enterprise

    @property
    def starting_capital_per_worker(self) -> float:
        """Capital per person at step 0, the same in every regime (only how it is held differs)."""
        return self.capital_per_worker + self.general_capital_per_worker


@dataclass(frozen=True, slots=True)
class Enterprises:
    """Firms and co-operatives (libertarian mutualism and capitalism)."""

    mean_size: float = 10.0
    coop_share: float = 0.0  # share of firms that start as co-operatives
    coop_entry_share: float = 0.0  # share of new firms founded as co-operatives
    entry_rate: float = 0.01  # chance a job-seeker founds a firm in a step
    employee_equity: float = 0.0  # share of a traditional firm's dividends paid to employees
    productivity_sigma: float = 0.3  # log-normal spread of firm productivity
    productivity_shock: float = 0.03  # sd of the random walk of log firm productivity per step
    fire_speed: float = 0.3
    wage_curve: float = 1.0  # how fast wage offers fall with the unemployment rate


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """Policies voted by a collective (or set by a state): the levers of ``policy_impact``."""

    levy_rate: Fraction = Fraction(0)
    basic_income: float = 0.0  # per member per step, issued by the issuance account
    services_share: float = 0.0  # share of the commons fund spent on free services each step
    services_budget: float = 0.0  # fixed amount per step for free services, while the fund has it
    service_sector: str = ""
    credit_limit: float = 20.0
    commons_investment: float = 0.0  # share of the commons fund invested in commons assets


@dataclass(frozen=True, slots=True)
class Scenario:
    """One economy to simulate."""

    name: str
    regime: Regime
    sectors: tuple[Sector, ...]
    population: Population = field(default_factory=Population)
    technology: Technology = field(default_factory=Technology)
    enterprises: Enterprises = field(default_factory=Enterprises)
    policy: PolicySettings = field(default_factory=PolicySettings)
    description: str = ""

    def with_regime(self, regime: Regime) -> Scenario:
        """The same scenario under another regime."""
        return replace(self, regime=regime, name=f"{self.name}:{regime}")

    def sector_index(self, name: str) -> int:
        """Position of the sector called ``name``."""
        for i, sector in enumerate(self.sectors):
            if sector.name == name:
                return i
        raise ScenarioError(f"no sector called {name!r}")


def _fraction(value: object, where: str) -> Fraction:
    try:
        return Fraction(Decimal(str(value)))
    except (InvalidOperation, ValueError) as exc:
        raise ScenarioError(f"{where}: {value!r} is not a decimal number") from exc


def _section(cls: type[T], raw: object, where: str) -> T:
    if raw is None:
        return cls()
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: expected a table")
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in MOVED and where == MOVED[key][0]:
            raise ScenarioError(f"{where}.{key}: moved to {MOVED[key][1]} ({MOVED[key][2]})")
        if key not in known:
            raise ScenarioError(f"{where}.{key}: unknown field (known: {', '.join(known)})")
        default = getattr(cls(), key)
        values[key] = _coerce(value, default, f"{where}.{key}")
    return cls(**values)


def _coerce(value: object, default: object, where: str) -> object:
    if isinstance(default, Fraction):
        return _fraction(value, where)
    if isinstance(default, bool) or isinstance(value, bool):
        raise ScenarioError(f"{where}: booleans are not accepted here")
    if isinstance(default, int):
        if not isinstance(value, int):
            raise ScenarioError(f"{where}: expected a whole number, got {value!r}")
        return value
    if isinstance(default, float):
        if not isinstance(value, int | float):
            raise ScenarioError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: expected a string, got {value!r}")
    return value


def _sector(raw: object, where: str) -> Sector:
    if not isinstance(raw, dict) or "name" not in raw or "share" not in raw:
        raise ScenarioError(f"{where}: a sector needs at least a name and a share")
    values: dict[str, Any] = {}
    defaults = Sector(name="", share=0.0)
    for key, value in raw.items():
        if key not in {f.name for f in fields(Sector)}:
            raise ScenarioError(f"{where}.{key}: unknown field")
        values[key] = _coerce(value, getattr(defaults, key), f"{where}.{key}")
    return Sector(**values)


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ScenarioError(message)


def validate(s: Scenario) -> Scenario:
    """Refuse values the model cannot run with; return the scenario unchanged."""
    _check(s.regime in REGIMES, f"regime: must be one of {', '.join(REGIMES)}, got {s.regime!r}")
    _check(len(s.sectors) >= 1, "sectors: at least one sector is needed")
    _check(len({x.name for x in s.sectors}) == len(s.sectors), "sectors: names must be unique")
    for x in s.sectors:
        _check(x.share > 0, f"sectors.{x.name}.share: must be positive")
        _check(x.productivity > 0, f"sectors.{x.name}.productivity: must be positive")
        _check(x.general_use >= 0, f"sectors.{x.name}.general_use: must not be negative")
    p, t, e, q = s.population, s.technology, s.enterprises, s.policy
    _check(p.agents > 0, "population.agents: must be positive")
    _check(p.steps > 0, "population.steps: must be positive")
    _check(p.collectives >= 1, "population.collectives: at least one")
    _check(p.skill_sigma >= 0, "population.skill_sigma: must not be negative")
    for name in ("mpc_income", "mpc_wealth", "search_rate", "referral"):
        _check(0 <= getattr(p, name) <= 1, f"population.{name}: must be in [0, 1]")
    _check(0 < t.capital_elasticity < 1, "technology.capital_elasticity: must be in (0, 1)")
    for name in ("depreciation", "interest", "investment_rate", "price_adjustment"):
        _check(0 <= getattr(t, name) <= 1, f"technology.{name}: must be in [0, 1]")
    _check(t.robot_price > 0, "technology.robot_price: must be positive")
    _check(e.mean_size >= 1, "enterprises.mean_size: must be at least 1")
    _check(e.productivity_shock >= 0, "enterprises.productivity_shock: must not be negative")
    for name in ("coop_share", "coop_entry_share", "entry_rate", "employee_equity"):
        _check(0 <= getattr(e, name) <= 1, f"enterprises.{name}: must be in [0, 1]")
    _check(0 <= q.levy_rate < 1, "policy.levy_rate: must be in [0, 1)")
    _check(q.basic_income >= 0, "policy.basic_income: must not be negative")
    _check(q.credit_limit >= 0, "policy.credit_limit: must not be negative")
    for name in ("services_share", "commons_investment"):
        _check(0 <= getattr(q, name) <= 1, f"policy.{name}: must be in [0, 1]")
    _check(q.services_budget >= 0, "policy.services_budget: must not be negative")
    if q.services_share > 0 or q.services_budget > 0:
        s.sector_index(q.service_sector)
    return s


def parse_scenario(data: dict[str, Any], *, source: str = "scenario") -> Scenario:
    """Build a checked :class:`Scenario` from a parsed TOML document."""
    try:
        allowed = {
            "name",
            "regime",
            "description",
            "population",
            "sectors",
            "technology",
            "enterprises",
            "policy",
        }
        for key in data:
            _check(key in allowed, f"{key}: unknown section (known: {', '.join(sorted(allowed))})")
        regime = data.get("regime")
        _check(
            isinstance(regime, str) and regime in REGIMES,
            f"regime: must be one of {', '.join(REGIMES)}, got {regime!r}",
        )
        raw_sectors = data.get("sectors")
        _check(isinstance(raw_sectors, list), "sectors: expected [[sectors]] tables")
        scenario = Scenario(
            name=str(data.get("name", Path(source).stem)),
            regime=cast(Regime, regime),
            description=str(data.get("description", "")),
            sectors=tuple(_sector(x, f"sectors[{i}]") for i, x in enumerate(raw_sectors or [])),
            population=_section(Population, data.get("population"), "population"),
            technology=_section(Technology, data.get("technology"), "technology"),
            enterprises=_section(Enterprises, data.get("enterprises"), "enterprises"),
            policy=_section(PolicySettings, data.get("policy"), "policy"),
        )
        return validate(scenario)
    except ScenarioError as exc:
        raise ScenarioError(f"{source}: {exc}") from None
    except TypeError as exc:
        raise ScenarioError(f"{source}: {exc}") from None


@dataclass(frozen=True, slots=True)
class BoltzmannScenario:
    """The random-exchange validation model (a ``[boltzmann]`` table)."""

    agents: int = 20_000
    steps: int = 300
    saving: float = 0.0
    initial: int = 100_000  # minor units each agent starts with
    expected_gini: float = 0.5


def _read_toml(path: str | Path) -> tuple[Path, dict[str, Any]]:
    candidate = Path(path)
    if not candidate.exists() and not candidate.suffix:
        candidate = SCENARIO_DIR / f"{path}.toml"
    if not candidate.is_file():
        raise ScenarioError(f"{path}: no such scenario file")
    try:
        return candidate, tomllib.loads(candidate.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{candidate}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{candidate}: not a UTF-8 text file") from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and check the economy scenario in ``path``; a bare name finds a bundled one."""
    candidate, data = _read_toml(path)
    return parse_scenario(data, source=str(candidate))


def load_any(path: str | Path) -> Scenario | BoltzmannScenario:
    """An economy scenario, or the random-exchange model when the file has ``[boltzmann]``."""
    candidate, data = _read_toml(path)
    if "boltzmann" not in data:
        return parse_scenario(data, source=str(candidate))
    extra = set(data) - {"boltzmann", "name", "description"}
    if extra:
        raise ScenarioError(f"{candidate}: a [boltzmann] scenario has no {sorted(extra)}")
    try:
        model = _section(BoltzmannScenario, data["boltzmann"], "boltzmann")
        _check(model.agents >= 2, "boltzmann.agents: at least 2")
        _check(model.steps > 0, "boltzmann.steps: must be positive")
        _check(0 <= model.saving < 1, "boltzmann.saving: must be in [0, 1)")
        _check(model.initial > 0, "boltzmann.initial: must be positive")
    except ScenarioError as exc:
        raise ScenarioError(f"{candidate}: {exc}") from None
    return model


def bundled_scenario(regime: Regime) -> Scenario:
    """The bundled scenario for ``regime`` (they share population, sectors and technology)."""
    return load_scenario(SCENARIO_DIR / f"{regime}.toml")
