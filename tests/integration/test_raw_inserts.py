"""The driver-level bulk insert of the hot path stores exactly what SQLAlchemy's insert stores."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, text

from cybermutual.services.container import Services
from cybermutual.store.raw import insert_rows
from cybermutual.store.tables import transfers
from tests.helpers import members


def test_a_raw_row_reads_back_like_a_sqlalchemy_row(services: Services, engine: Engine) -> None:
    _, (a, _) = members(services, 2)
    with engine.connect() as conn:
        collective, account = conn.execute(
            text("SELECT collective_id, id FROM accounts WHERE owner_id = :o"), {"o": a.id}
        ).one()
    moments = (datetime(2026, 1, 1, 12, tzinfo=UTC), datetime(2026, 1, 2, 8, 30, 0, 5, tzinfo=UTC))
    values = {
        "collective_id": collective,
        "debit_account_id": account,
        "credit_account_id": account,
        "amount": 7,
        "kind": "payment",
        "status": "posted",
        "memo": "ünïcode memo",
        "created_at": moments[0],
        "settled_at": moments[1],
        "parent_id": None,
        "initiated_by": a.id,
        "batch_id": "b",
        "batch_index": 3,
    }
    columns = ("id", *values)
    with engine.begin() as conn:
        conn.execute(insert(transfers).values(id="via-sqlalchemy", **values))
        insert_rows(conn, transfers, columns, [("via-driver", *values.values())])
    with engine.connect() as conn:
        stored = {
            row.id: row[1:]
            for row in conn.execute(select(transfers).where(transfers.c.batch_id == "b"))
        }
        # what is on disk, as text: SQLite compares dates as strings
        text_of = {
            row[0]: row[1:]
            for row in conn.execute(
                text("SELECT id, CAST(created_at AS TEXT), CAST(settled_at AS TEXT) FROM transfers")
            )
        }
    assert stored["via-driver"] == stored["via-sqlalchemy"]
    assert text_of["via-driver"] == text_of["via-sqlalchemy"]
