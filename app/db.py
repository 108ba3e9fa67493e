"""Engine, sessions and the one-session-per-request dependency."""

from collections.abc import Iterator
from contextvars import ContextVar
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.config import get_settings

WRITING: ContextVar[bool] = ContextVar("writing", default=True)
"""Whether the current unit of work may write; on SQLite it then takes the write lock up front."""


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets foreign keys, WAL, and transactions we begin ourselves."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling breaks SAVEPOINT and cannot take the write
            # lock up front; we turn it off and emit BEGIN ourselves (SQLAlchemy's recipe).
            connection.isolation_level = None
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # A writer that began with a plain BEGIN could read, then fail to upgrade its
            # snapshot when another writer commits first; IMMEDIATE queues writers instead.
            connection.exec_driver_sql("BEGIN IMMEDIATE" if WRITING.get() else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache
def get_engine() -> Engine:
    """The process's engine for DATABASE_URL."""
    return make_engine(get_settings().database_url)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    """A session factory bound to the process's engine."""
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: commit once when the request succeeds, roll back on any error."""
    WRITING.set(request.method not in ("GET", "HEAD", "OPTIONS"))
    session = get_sessionmaker()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function" commits before the response is sent, so a failed commit is never reported as success.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
