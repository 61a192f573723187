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
    public_url: str | None = Field(
        default=None,
        description="this server's address as other servers reach it (https://coop.example), "
        "named as the issuer in signed exports; by default the address a request came to",
    )
    key_secret: str | None = Field(
        default=None,
        description="seals each collective's private signing key in the database (AES-256-GCM); "
        "keep it with your backups: without it, sealed keys cannot sign",
    )
    federation_allow_private: bool = Field(
        default=False,
        description="fetch peers' keys from loopback and private-network addresses too (for "
        "servers on one private network, and tests); off, so a verification request cannot "
        "make this server probe its own network",
    )
    federation_timeout: float = Field(
        default=120.0,
        gt=0,
        description="seconds a cross-payment waits for the other server to hold it before it is "
        "voided on both sides",
    )
    federation_retry_seconds: float = Field(
        default=60.0,
        gt=0,
        description="longest wait between two attempts to reach another server (retries back "
        "off from one second up to this)",
    )
