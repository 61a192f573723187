"""The bulk seeding of ``cybermutual bench scale``, small: the application reads what it made.

2,000 members and 10,000 journal entries on both databases: ``ledger verify`` passes (the
chain hashes computed in the seeding are the journal's own), and through the API a member sees
their balance, the directory its statistics, search the listings, and a payment still works.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from cybermutual.domain.collective import CapitalMode, Charter
from cybermutual.domain.money import Currency
from cybermutual.services.container import Services
from cybermutual.store.scale_seed import ScalePlan, check_body_template, member_email, seed_scale
from cybermutual.store.tables import accounts, allocation_bids, listings, people
from cybermutual.tooling.scale_bench import BENCH_PASSWORD


def test_a_seeded_collective_verifies_and_the_api_reads_it(
    services: Services, engine: Engine, client: TestClient
) -> None:
    founder = services.auth.register(
        email="founder@scale.invalid", password=BENCH_PASSWORD, display_name="Founder"
    )
    services.collectives.create(
        founder_id=founder.id,
        slug="scale",
        name="Scale",
        currency=Currency("SCL", "Scale credits", 2),
        charter=Charter(default_credit_limit=1_000_000, capital_mode=CapitalMode.COMMONS),
    )
    collective = services.collectives.profile("scale").collective
    with engine.connect() as conn:
        password_hash = conn.execute(
            select(people.c.password_hash).where(people.c.id == founder.id)
        ).scalar_one()
    plan = ScalePlan.of(2_000, 10_000)
    seen: dict[str, int] = {}
    seeded = seed_scale(
        engine,
        plan,
        collective_id=collective.id,
        founder_id=founder.id,
        password_hash=password_hash,
        progress=lambda task, done, total: seen.__setitem__(task, done),
        now=services.clock.now(),
    )
    assert seen["journal"] == 10_000
    assert seen["members"] == 2_000

    result = services.ledger.verify("scale")
    assert result.ok, result.problems[:5]
    assert result.entries == 10_000
    assert (result.entries, result.head) == (seeded.head.seq, seeded.head.hash)
    with engine.connect() as conn:
        assert conn.execute(select(func.sum(accounts.c.balance))).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(listings)).scalar_one() == 2_000
        bids = conn.execute(select(func.count()).select_from(allocation_bids)).scalar_one()
        assert bids == 2_000 * plan.bids_per_member
        balance = conn.execute(
            select(accounts.c.balance).where(accounts.c.owner_id == seeded.member_ids[0])
        ).scalar_one()

    token = client.post(
        "/api/v1/auth/token", data={"username": member_email(0), "password": BENCH_PASSWORD}
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    mine = client.get("/api/v1/collectives/scale/accounts/me", headers=auth)
    assert mine.status_code == 200, mine.text
    assert mine.json()["balance"] == balance

    (listed,) = client.get("/api/v1/collectives").json()["items"]
    assert listed["stats"]["active_members"] == 2_001  # and the founder
    assert listed["stats"]["posted_transfers"] == 10_000
    assert listed["stats"]["volume_30d"] > 0

    found = client.get("/api/v1/collectives/scale/listings?q=bre", headers=auth).json()
    assert found["items"]
    assert all("bread" in item["title"] for item in found["items"])

    paid = client.post(
        "/api/v1/collectives/scale/transfers",
        json={"to": founder.id, "amount": 5, "memo": "after the seeding"},
        headers={**auth, "Idempotency-Key": "after-seed"},
    )
    assert paid.status_code == 201, paid.text
    after = services.ledger.verify("scale")
    assert after.ok
    assert after.entries == 10_001


def test_the_fast_journal_body_is_the_canonical_one() -> None:
    check_body_template("c" * 32)
