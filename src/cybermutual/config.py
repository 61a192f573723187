"""Settings from the environment, prefix ``CYBERMUTUAL_``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting has a default that runs the embedded SQLite system on this machine."""

    model_config = SettingsConfigDict(env_prefix="CYBERMUTUAL_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./cybermutual.db",
        description="sqlite:///PATH (embedded) or postgresql+psycopg://USER:PASS@HOST/DB",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    token_ttl_hours: int = Field(default=24 * 30, ge=1)
    db_pool_size: int = Field(default=10, ge=1, le=200)
    log_level: str = "info"
    tick_seconds: float = Field(
        default=5.0,
        ge=0,
        description="how often serve runs the periodic tick (closing proposals, paying claims "
        "and basic income); 0 turns the in-process scheduler off (run 'cybermutual tick' "
        "from cron instead)",
    )
    journal_sealing: Literal["auto", "inline", "deferred", "opportunistic"] = Field(
        default="auto",
        description="how journal entries are hash-chained: 'inline' by the transaction that "
        "writes them, 'deferred' right after it commits (no writer waits on the journal's "
        "head), 'opportunistic' inline when no one else is sealing, else deferred; 'auto' is "
        "opportunistic on PostgreSQL, inline on SQLite",
    )
    seal_after_commit: bool = Field(
        default=True,
        description="seal deferred entries right after each commit; false leaves them to the "
        "background sealer of serve (every tick) or 'cybermutual ledger seal'",
    )
    workers: int = Field(default=1, ge=1, le=64, description="server processes of serve")
    simulation_workers: int = Field(default=1, ge=1, le=64, description="policy-impact threads")
    simulation_queue: int = Field(default=4, ge=0, le=1000, description="estimates that may wait")
    simulations_per_member: int = Field(default=1, ge=1, le=100)
    simulation_work_limit: int = Field(
        default=2_100_000, ge=1000, description="seeds x steps x agents per estimate"
    )
