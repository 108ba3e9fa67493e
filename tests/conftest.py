"""Test harness: the real migrations once per session, each test in a rolled-back transaction.

Runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.auth.service import create_token
from app.config import get_settings
from app.db import get_session, make_engine
from app.main import app
from app.models import Role

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """Under parallel workers, give each worker its own PostgreSQL database beside TEST_DATABASE_URL's."""
    if not hasattr(config, "workerinput"):
        # Only the run's first process clears the screenshots: workers take pictures at once.
        shutil.rmtree(ROOT / "tests" / "screenshots", ignore_errors=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not worker or not url.startswith("postgresql"):
        return
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = make_engine(base.set(database="postgres").render_as_string(hide_password=False))
    with admin.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    # Everything that derives a database from TEST_DATABASE_URL (scratch databases too) now derives it from this one.
    os.environ["TEST_DATABASE_URL"] = base.set(database=name).render_as_string(hide_password=False)


def database_url() -> str:
    """TEST_DATABASE_URL, or a fresh SQLite file for this run."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    directory = tempfile.mkdtemp(prefix="s106-test-")
    return f"sqlite:///{directory}/test.db"


def alembic_config(connection: Connection) -> Config:
    """An Alembic config that runs on the given connection."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["connection"] = connection
    config.attributes["configure_logger"] = False
    return config


def reset_database(engine: Engine) -> None:
    """Start from an empty database (PostgreSQL keeps its tables between runs)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    """The test database, migrated by the real migrations."""
    url = database_url()
    os.environ["DATABASE_URL"] = url
    # Uploaded documents go to a scratch folder, never beside a developer's own database.
    os.environ["DOCUMENTS_DIR"] = tempfile.mkdtemp(prefix="s106-documents-")
    get_settings.cache_clear()
    engine = make_engine(url)
    reset_database(engine)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    yield engine
    engine.dispose()


@contextmanager
def rolled_back_session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back at the end; each commit ends a savepoint."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture(scope="session")
def seeded_engine(engine: Engine) -> Iterator[Engine]:
    """A second database beside the test database, migrated and seeded once for the whole run."""
    from rich.console import Console

    from seed.loader import load_seed
    from tests.servers import scratch_database

    with scratch_database("seeded") as (_url, seeded):
        with Session(seeded) as session:
            assert load_seed(session=session, console=Console(quiet=True)) is True
            session.commit()
        yield seeded


@pytest.fixture
def session(request: pytest.FixtureRequest, engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test; on the seeded database if it asks."""
    target = request.getfixturevalue("seeded_engine") if "seeded" in request.fixturenames else engine
    with rolled_back_session(target) as session:
        yield session


@pytest.fixture
def seeded(session: Session) -> Session:
    """The LLR seed, loaded once per run; each test's writes are rolled back (the `session` it runs in)."""
    return session


@dataclass
class Tokens:
    """One token per role; the planning one is bound to `blaby`."""

    officer: str
    finance: str
    planning: str
    panel: str


class Api:
    """The app as a client sees it, with a token chosen per call."""

    def __init__(self, client: TestClient, tokens: Tokens) -> None:
        self.client = client
        self.tokens = tokens

    def _headers(self, role: str | None, headers: dict[str, str] | None) -> dict[str, str]:
        result = dict(headers or {})
        if role is not None:
            result["Authorization"] = f"Bearer {getattr(self.tokens, role)}"
        return result

    def get(self, path: str, *, role: str | None = "officer", **kwargs: Any) -> Any:
        """GET as the given role."""
        return self.client.get(path, headers=self._headers(role, kwargs.pop("headers", None)), **kwargs)

    def post(self, path: str, *, role: str | None = "officer", **kwargs: Any) -> Any:
        """POST as the given role."""
        return self.client.post(path, headers=self._headers(role, kwargs.pop("headers", None)), **kwargs)

    def patch(self, path: str, *, role: str | None = "officer", **kwargs: Any) -> Any:
        """PATCH as the given role."""
        return self.client.patch(path, headers=self._headers(role, kwargs.pop("headers", None)), **kwargs)

    def request(self, method: str, path: str, *, role: str | None = "officer", **kwargs: Any) -> Any:
        """Any method as the given role."""
        headers = self._headers(role, kwargs.pop("headers", None))
        return self.client.request(method, path, headers=headers, **kwargs)


def override_session(session: Session) -> Any:
    """A get_session replacement that commits to the test's savepoint, like a request would."""

    def _get_session() -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    return _get_session


def make_tokens(session: Session) -> Tokens:
    """Authorities blaby and charnwood, and a token for each role."""
    from tests.builders import ensure_authority

    ensure_authority(session, "blaby", "Blaby District Council")
    ensure_authority(session, "charnwood", "Charnwood Borough Council")
    _, officer = create_token(session=session, name="test officer", role=Role.officer)
    _, finance = create_token(session=session, name="test finance", role=Role.finance)
    _, planning = create_token(session=session, name="test planning", role=Role.planning, local_authority_id="blaby")
    _, panel = create_token(session=session, name="test panel", role=Role.panel)
    session.commit()
    return Tokens(officer=officer, finance=finance, planning=planning, panel=panel)


@contextmanager
def api_on(session: Session) -> Iterator[Api]:
    """A client of the app whose requests run in the given session's transaction."""
    tokens = make_tokens(session)
    app.dependency_overrides[get_session] = override_session(session)
    try:
        with TestClient(app) as client:
            yield Api(client, tokens)
    finally:
        app.dependency_overrides.pop(get_session, None)


@pytest.fixture
def api(session: Session) -> Iterator[Api]:
    """A client of the app whose requests run in the test's transaction."""
    with api_on(session) as client:
        yield client
