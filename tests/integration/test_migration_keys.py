"""Migration 0014_export gives every collective made before it a signing key."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, text

from cybermutual.services.container import Services
from cybermutual.services.keys import verify
from cybermutual.store.migrate import alembic_config, upgrade
from tests.helpers import members


def test_collectives_made_before_keys_get_one_that_signs(
    services: Services, engine: Engine
) -> None:
    slug, _ = members(services, 2)
    command.downgrade(alembic_config(engine), "0013_wallet")
    upgrade(engine)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT COUNT(*) FROM collective_keys")).scalar_one()
    assert count == 1
    (key,) = services.keys.keys(slug)
    signed = services.keys.sign(slug, b"after the migration")
    assert signed.key_id == key.key_id
    assert verify(key.public_key, b"after the migration", signed.signature)
