"""Each request's session as a server runs it: reads begin without SQLite's write lock; pools stay bounded."""

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, event
from sqlalchemy.orm import Session

from app.auth.service import create_token
from app.config import get_settings
from app.db import WRITING, database_turns, get_engine, make_engine, pool_capacity
from app.main import app
from app.models import ApiToken, Role
from tests.servers import forget_database

POSTGRESQL_URL = "postgresql+psycopg://nobody@127.0.0.1:1/never_connected"
"""An engine is made without connecting, so the pool's bounds can be read without a server."""


@pytest.fixture
def served(engine: Engine) -> Iterator[tuple[TestClient, str]]:
    """The app on the test database with its own per-request sessions (no test session), and a token."""
    forget_database()
    with Session(engine) as session:
        row, secret = create_token(session=session, name="sessions test", role=Role.officer)
        session.commit()
        token_id = row.id
    try:
        with TestClient(app) as client:
            yield client, secret
    finally:
        with Session(engine) as session:
            session.execute(delete(ApiToken).where(ApiToken.id == token_id))
            session.commit()
        forget_database()


class TestReadsTakeNoWriteLock:
    def test_a_get_begins_as_a_read_and_a_patch_as_a_write(self, served: tuple[TestClient, str]) -> None:
        client, secret = served
        if get_engine().dialect.name != "sqlite":
            pytest.skip("only SQLite takes its write lock when a transaction begins")
        began: list[bool] = []

        def record(_connection: Any) -> None:
            began.append(WRITING.get())

        event.listen(get_engine(), "begin", record)
        try:
            headers = {"Authorization": f"Bearer {secret}"}
            assert client.get("/local-authorities", headers=headers).status_code == 200
            assert began == [False]
            began.clear()
            patched = client.patch("/local-authorities/nowhere", headers=headers, json={"name": "Nowhere"})
            assert patched.status_code == 404
            assert began == [True]
        finally:
            event.remove(get_engine(), "begin", record)


class TestPoolBounds:
    def test_the_default_pool_keeps_its_ten_connections_and_opens_none_beyond(self) -> None:
        engine = make_engine(POSTGRESQL_URL)
        assert (engine.pool.size(), engine.pool._max_overflow) == (10, 0)  # type: ignore[attr-defined]
        assert pool_capacity() == 10
        engine.dispose()

    def test_a_busy_process_keeps_the_connections_it_opened(self, tmp_path: Any) -> None:
        # An overflow connection is closed when it is returned, so a process serving as many requests at once as it
        # has turns opened a new connection (on PostgreSQL, a new backend) every few requests.
        engine = make_engine(f"sqlite:///{tmp_path}/pool.db")
        opened: list[object] = []
        event.listen(engine, "connect", lambda connection, _record: opened.append(connection))
        try:
            for _ in range(3):
                held = [engine.connect() for _ in range(pool_capacity())]
                for connection in held:
                    connection.close()
            assert len(opened) == pool_capacity()
        finally:
            engine.dispose()

    def test_eight_workers_stay_under_postgresql_s_default_max_connections(self) -> None:
        reserved_for_superusers, other_clients = 3, 10
        assert 8 * pool_capacity() + other_clients <= 100 - reserved_for_superusers

    def test_the_pool_follows_its_settings(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DATABASE_POOL_SIZE", "3")
        monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "1")
        get_settings.cache_clear()
        try:
            engine = make_engine(POSTGRESQL_URL)
            assert (engine.pool.size(), engine.pool._max_overflow) == (3, 1)  # type: ignore[attr-defined]
            engine.dispose()
            sqlite = make_engine("sqlite:///./never-opened.db")
            assert (sqlite.pool.size(), sqlite.pool._max_overflow) == (3, 1)  # type: ignore[attr-defined]
            sqlite.dispose()
        finally:
            get_settings.cache_clear()

    def test_no_more_requests_hold_a_session_than_the_pool_has_connections(self) -> None:
        async def turns() -> int:
            return int(database_turns()._value)

        # In a thread of its own: the browser tests' driver may hold an event loop in this one.
        with ThreadPoolExecutor(max_workers=1) as pool:
            assert pool.submit(asyncio.run, turns()).result() == pool_capacity()


class TestPingBeforeWriting:
    """On PostgreSQL a write checks its pooled connection first, as pool_pre_ping would; a read saves the trip."""

    def _pings(self, monkeypatch: pytest.MonkeyPatch, *, fail_first: bool) -> list[bool]:
        dialect = get_engine().dialect
        if dialect.name != "postgresql":
            pytest.skip("only a server drops connections; SQLite's are files")
        real = dialect.do_ping
        pinged: list[bool] = []

        def ping(connection: Any) -> bool:
            pinged.append(WRITING.get())
            if fail_first and len(pinged) == 1:
                raise dialect.loaded_dbapi.OperationalError("server closed the connection unexpectedly")
            return real(connection)

        monkeypatch.setattr(dialect, "do_ping", ping)
        return pinged

    def test_a_write_is_pinged_and_a_read_is_not(
        self, served: tuple[TestClient, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        client, secret = served
        pinged = self._pings(monkeypatch, fail_first=False)
        headers = {"Authorization": f"Bearer {secret}"}
        assert client.get("/local-authorities", headers=headers).status_code == 200
        assert pinged == []
        assert client.patch("/local-authorities/nowhere", headers=headers, json={"name": "Nowhere"}).status_code == 404
        assert pinged == [True]

    def test_a_write_whose_connection_was_dropped_is_given_a_fresh_one(
        self, served: tuple[TestClient, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        client, secret = served
        pinged = self._pings(monkeypatch, fail_first=True)
        headers = {"Authorization": f"Bearer {secret}"}
        patched = client.patch("/local-authorities/nowhere", headers=headers, json={"name": "Nowhere"})
        assert patched.status_code == 404, patched.text
        assert len(pinged) >= 2


class TestOneStatementReads:
    """A read of one statement runs outside a transaction: no BEGIN and no COMMIT (on PostgreSQL, round trips)."""

    def test_the_read_begins_no_transaction_and_a_write_does(self, served: tuple[TestClient, str]) -> None:
        client, secret = served
        engine = get_engine()
        postgresql = engine.dialect.name == "postgresql"
        seen: list[tuple[str, bool]] = []

        def record(connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            driver = connection.connection.driver_connection
            # psycopg sends its own BEGIN before the first statement unless in autocommit; SQLite's is ours.
            in_transaction = not driver.autocommit if postgresql else driver.in_transaction
            seen.append((statement.split()[0], in_transaction))

        event.listen(engine, "before_cursor_execute", record)
        try:
            headers = {"Authorization": f"Bearer {secret}"}
            assert client.get("/local-authorities/nowhere", headers=headers).status_code == 404
            seen.clear()  # the token's lookup ran in a session of its own; it is remembered now
            missing = client.get("/local-authorities/nowhere", headers=headers)
            assert missing.status_code == 404
            assert seen == [("SELECT", False)]
            seen.clear()
            assert client.patch("/local-authorities/nowhere", headers=headers, json={"name": "N"}).status_code == 404
            assert ("SELECT", True) in seen
        finally:
            event.remove(engine, "before_cursor_execute", record)
