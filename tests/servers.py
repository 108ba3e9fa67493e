"""Databases of their own for tests that run the real command or server in another process."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from app.config import get_settings
from app.db import get_engine, get_sessionmaker, make_engine
from app.models import Base
from tests.conftest import alembic_config

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def forget_database() -> None:
    """Drop the cached settings, engine and sessions so the next use reads the environment again."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_sessionmaker.cache_clear()
    get_engine.cache_clear()
    get_settings.cache_clear()


def is_postgresql() -> bool:
    """Whether the suite runs on PostgreSQL."""
    return os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


@contextmanager
def scratch_database(suffix: str) -> Iterator[tuple[str, Engine]]:
    """A fresh, migrated database beside the test database (same engine), dropped afterwards."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        url = make_url(base)
        name = f"{url.database}_{suffix}"
        admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
        admin = admin.execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        scratch = url.set(database=name).render_as_string(hide_password=False)
    else:
        admin = None
        directory = tempfile.mkdtemp(prefix="s106-scratch-")
        scratch = f"sqlite:///{directory}/{suffix}.db"
    engine = make_engine(scratch)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    try:
        yield scratch, engine
    finally:
        engine.dispose()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        else:
            shutil.rmtree(directory, ignore_errors=True)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the models."""
    with engine.connect() as connection:
        return {
            table.name: int(connection.execute(text(f"SELECT count(*) FROM {table.name}")).scalar_one())
            for table in Base.metadata.sorted_tables
        }


def s106(*args: str, database: str) -> subprocess.Popen[str]:
    """Start the s106 command against a database, its output piped line by line."""
    environment = {**os.environ, "DATABASE_URL": database, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    return subprocess.Popen(
        [str(BIN / "s106"), *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def free_port() -> int:
    """A TCP port nobody listens on now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(database: str, *, workers: int = 4) -> Iterator[str]:
    """The real app under uvicorn with several worker processes; yields its base URL."""
    import httpx

    port = free_port()
    environment = {**os.environ, "DATABASE_URL": database}
    process = subprocess.Popen(
        [str(BIN / "uvicorn"), "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
        + ["--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT,
        env=environment,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the server exited at start"
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer /health within 60s"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
