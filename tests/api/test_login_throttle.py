"""Login throttling as an attacker and an owner meet it (issue #8, items 5, 7, 8 and 16).

Every test runs on SQLite and PostgreSQL. The API sees each ``TestClient`` as one address.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert, select, text

from cybermutual.api.app import create_app
from cybermutual.bootstrap import Argon2Passwords, build_services
from cybermutual.domain.errors import InvalidCredentials, TooManyAttempts
from cybermutual.services.auth import PURGE_BATCH
from cybermutual.services.container import Services
from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import upgrade
from cybermutual.store.tables import api_tokens, login_throttle
from tests.helpers import FAST_PASSWORDS, FakeClock, members

PASSWORD = "correct horse"
TOKEN = "/api/v1/auth/token"


@pytest.fixture
def from_address(services: Services) -> Iterator[Callable[[str], TestClient]]:
    """``from_address("203.0.113.7")``: a client the API sees at that address."""
    opened: list[TestClient] = []

    def make(address: str) -> TestClient:
        client = TestClient(create_app(services), client=(address, 40000))
        opened.append(client.__enter__())
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def _register(client: TestClient, email: str) -> None:
    reply = client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "display_name": "Owner"},
    )
    assert reply.status_code == 201, reply.text


def _login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post(TOKEN, data={"username": email, "password": password})


def test_a_strangers_failures_do_not_lock_the_owner_out(
    from_address: Callable[[str], TestClient], clock: FakeClock
) -> None:
    owner, attacker = from_address("198.51.100.1"), from_address("203.0.113.66")
    _register(owner, "ada@example.org")
    # any case or spacing of the email is the same account
    spellings = ["ada@example.org", " ADA@Example.org", "Ada@EXAMPLE.ORG  "]
    for n in range(5):
        bad = _login(attacker, spellings[n % 3], "wrong guess")
        assert bad.status_code == 401, bad.text
    blocked = _login(attacker, "ada@example.org", PASSWORD)
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "too_many_login_attempts"
    assert int(blocked.headers["Retry-After"]) == 60
    # the owner, from their own address, never having logged in before, gets straight in
    assert _login(owner, "ada@example.org").status_code == 200
    # the attacker's wait doubles with each further failure: an exponential back-off
    waits = []
    for wait in (60, 120, 240):
        clock.advance(seconds=wait)
        assert _login(attacker, "ada@example.org", "wrong again").status_code == 401
        waits.append(int(_login(attacker, "ada@example.org", PASSWORD).headers["Retry-After"]))
    assert waits == [120, 240, 480]
    assert _login(owner, "ada@example.org").status_code == 200


def test_one_address_spraying_random_emails_is_slowed_down(services: Services) -> None:
    for n in range(50):
        with pytest.raises(InvalidCredentials):
            services.auth.login(email=f"who{n}@example.org", password="guess", client="10.9.9.9")
    with pytest.raises(TooManyAttempts):
        services.auth.login(email="who-else@example.org", password="guess", client="10.9.9.9")
    with pytest.raises(InvalidCredentials):  # another address is not slowed down
        services.auth.login(email="who-else@example.org", password="guess", client="10.9.9.8")


def test_many_addresses_slow_strangers_but_never_a_known_client(
    from_address: Callable[[str], TestClient],
) -> None:
    known = from_address("198.51.100.1")
    _register(known, "bo@example.org")
    assert _login(known, "bo@example.org").status_code == 200  # known from now on
    for n in range(25):  # a botnet: five guesses from each of five addresses
        bad = _login(from_address(f"203.0.113.{n // 5}"), "bo@example.org", "guess")
        assert bad.status_code in (401, 429)
    # a client the account has never seen waits (the account-wide back-off) ...
    stranger = _login(from_address("192.0.2.200"), "bo@example.org")
    assert stranger.status_code == 429
    # ... the owner's known address does not, nor does a device that kept its cookie
    assert _login(known, "bo@example.org").status_code == 200
    assert known.cookies.get("cybermutual_device")


def test_a_device_cookie_protects_the_owner_behind_a_shared_address(
    from_address: Callable[[str], TestClient], services: Services
) -> None:
    owner = from_address("198.51.100.9")  # a cafe's one address, shared with an attacker
    _register(owner, "cy@example.org")
    assert _login(owner, "cy@example.org").status_code == 200
    device = owner.cookies.get("cybermutual_device")
    assert device
    attacker = from_address("198.51.100.9")
    for _ in range(8):
        _login(attacker, "cy@example.org", "guess")
    assert _login(attacker, "cy@example.org").status_code == 429
    # the owner's device sends its cookie back: its own bucket, untouched by the attacker
    assert _login(owner, "cy@example.org").status_code == 200


def test_parallel_guesses_are_counted_atomically(services: Services) -> None:
    """30 wrong guesses at once: five are checked, every other one is refused unchecked."""
    services.auth.register(email="dee@example.org", password=PASSWORD, display_name="Dee")
    start = threading.Barrier(30)
    outcomes: list[str] = []

    def guess(n: int) -> None:
        start.wait()
        try:
            services.auth.login(
                email="dee@example.org", password=f"guess {n}", client="203.0.113.5"
            )
        except (InvalidCredentials, TooManyAttempts) as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["invalid_credentials"] * 5 + ["too_many_login_attempts"] * 25


def test_stale_failures_and_expired_tokens_are_purged_a_batch_at_a_time(
    services: Services, engine: Engine, clock: FakeClock
) -> None:
    long_ago = clock.now() - timedelta(days=2)
    person = services.auth.register(email="eve@example.org", password=PASSWORD, display_name="E")
    with engine.begin() as conn:
        conn.execute(
            insert(login_throttle),
            [
                {
                    "email": f"x{n}@example.org",
                    "client": "ip:a",
                    "failures": 3,
                    "last_failure_at": long_ago,
                }
                for n in range(PURGE_BATCH + 50)
            ],
        )
        conn.execute(
            insert(api_tokens),
            [
                {
                    "token_hash": f"{n:064x}",
                    "person_id": person.id,
                    "created_at": long_ago,
                    "expires_at": long_ago + timedelta(hours=1),
                }
                for n in range(PURGE_BATCH + 50)
            ],
        )

    def count(table: Any) -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    services.auth.login(email="eve@example.org", password=PASSWORD, client="a")
    # at most one batch per login; the live token just issued stays
    assert count(login_throttle) == 50
    assert count(api_tokens) == 50 + 1
    services.auth.login(email="eve@example.org", password=PASSWORD, client="a")
    assert count(login_throttle) == 0
    assert count(api_tokens) == 2


class _SlowPasswords:
    """argon2 as slow as production's, on purpose, reporting whether SQLite's write lock was
    free while it ran."""

    def __init__(self, path: str) -> None:
        self._fast = FAST_PASSWORDS
        self._path = path
        self.write_lock_held: list[bool] = []

    def hash(self, password: str) -> str:
        return self._fast.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        import sqlite3

        # Another thread's short write (a payment, another login's count) ends while the probe
        # waits; a lock held by *this* thread (the caller of verify) never can: a long wait
        # tells the two apart without depending on how busy the machine is.
        probe = sqlite3.connect(self._path, timeout=2.0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            self.write_lock_held.append(False)
        except sqlite3.OperationalError:
            self.write_lock_held.append(True)
        finally:
            probe.close()
        time.sleep(0.2)
        return self._fast.verify(password_hash, password)


def test_failed_logins_never_hold_sqlite_s_write_lock(tmp_path: Any) -> None:
    """Item 5: the password is checked outside any write transaction, so payments go on."""
    path = str(tmp_path / "busy.db")
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    slow = _SlowPasswords(path)
    services = build_services(
        engine,
        clock=FakeClock(),
        passwords=slow,  # type: ignore[arg-type]
    )
    slug, (ada, bo) = members(services, 2, credit_limit=10_000)
    stop = threading.Event()

    def attack(n: int) -> None:
        k = 0
        while not stop.is_set():
            k += 1
            with contextlib.suppress(InvalidCredentials, TooManyAttempts):
                services.auth.login(
                    email=f"random{n}-{k}@example.org", password="guess", client=f"10.0.0.{n}"
                )

    attackers = [threading.Thread(target=attack, args=(n,)) for n in range(4)]
    for t in attackers:
        t.start()
    paid = []
    try:
        for n in range(20):  # each would wait behind a login holding the lock, or fail "locked"
            paid.append(
                services.ledger.pay(
                    slug, payer=ada.id, payee=bo.id, amount=1, idempotency_key=f"k{n}"
                )
            )
            time.sleep(0.02)
    finally:
        stop.set()
        for t in attackers:
            t.join()
        engine.dispose()
    assert len(paid) == 20
    assert slow.write_lock_held  # the hasher ran, and was watched each time
    assert not any(slow.write_lock_held)  # never inside a write transaction (speed: make bench)


def test_the_purge_and_the_throttle_leave_no_rows_for_a_success(
    services: Services, engine: Engine
) -> None:
    services.auth.register(email="fay@example.org", password=PASSWORD, display_name="Fay")
    with pytest.raises(InvalidCredentials):
        services.auth.login(email="fay@example.org", password="nope nope", client="b")
    services.auth.login(email="fay@example.org", password=PASSWORD, client="b")
    with engine.connect() as conn:
        left = conn.execute(text("SELECT email, client, failures FROM login_throttle")).all()
    assert left == []  # the success took back its own count and cleared its client's failures


def test_argon2_passwords_still_verify() -> None:
    hasher = Argon2Passwords()
    assert hasher.verify(hasher.hash(PASSWORD), PASSWORD)
