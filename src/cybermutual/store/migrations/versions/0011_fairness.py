"""fairness (issue 13): the rounding lottery's seed on each allocation round, the charter's
facilitator budgets, and the passes' ``envy`` renamed ``equilibrium_gap``

The figure the facilitator used to report as ``envy`` (and its ``envy_tolerance``) is the
equilibrium's gap, not envy between bundles, so the summaries already stored are rewritten
under the new names; downgrading writes the old names back.

Revision ID: 0011_fairness
Revises: 0010_web
Create Date: 2026-11-29 20:10:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0011_fairness"
down_revision = "0010_web"
branch_labels = None
depends_on = None

_RENAMED = {"envy": "equilibrium_gap", "envy_tolerance": "equilibrium_gap_tolerance"}

_passes = sa.table(
    "allocation_passes",
    sa.column("round_id", sa.String),
    sa.column("pass_no", sa.Integer),
    sa.column("summary", sa.Text),
)


def _rename_summary_keys(renames: dict[str, str]) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(_passes.c.round_id, _passes.c.pass_no, _passes.c.summary))
    for round_id, pass_no, text in rows.all():
        summary = json.loads(text)
        if not isinstance(summary, dict) or not renames.keys() & summary.keys():
            continue
        renamed = {renames.get(key, key): value for key, value in summary.items()}
        conn.execute(
            sa.update(_passes)
            .where(_passes.c.round_id == round_id, _passes.c.pass_no == pass_no)
            .values(summary=json.dumps(renamed, sort_keys=True))
        )


def upgrade() -> None:
    with op.batch_alter_table("collectives", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "allocation_budgets", sa.String(length=16), server_default="equal", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "allocation_productivity_weight",
                sa.String(length=10),
                server_default="0",
                nullable=False,
            )
        )
    with op.batch_alter_table("allocation_rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lottery_seed", sa.String(length=40), nullable=True))
    _rename_summary_keys(_RENAMED)


def downgrade() -> None:
    _rename_summary_keys({new: old for old, new in _RENAMED.items()})
    with op.batch_alter_table("allocation_rounds", schema=None) as batch_op:
        batch_op.drop_column("lottery_seed")
    with op.batch_alter_table("collectives", schema=None) as batch_op:
        batch_op.drop_column("allocation_productivity_weight")
        batch_op.drop_column("allocation_budgets")
