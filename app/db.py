"""Engine, sessions and the one-session-per-request dependency."""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp, Receive, Scope, Send

# The web stack (Starlette, anyio) is imported by the request-scoped functions that use it, and the settings when
# first read, so a command that opens a session (an import) starts without the one and `--help` without the other.

WRITING: ContextVar[bool] = ContextVar("writing", default=True)
"""Whether the current unit of work may write; on SQLite it then takes the write lock up front."""

ONE_STATEMENT = "s106_one_statement"
"""The execution option of a read that is one statement (`read_one_statement`): it needs no transaction around it."""

READ_METHODS = ("GET", "HEAD", "OPTIONS")
"""The methods whose requests only read, so on SQLite they begin without the write lock."""


class ReadsWithoutWriteLock:
    """ASGI middleware: mark a read request's unit of work as a read before any of it runs."""

    def __init__(self, app: "ASGIApp") -> None:
        self.app = app

    async def __call__(self, scope: "Scope", receive: "Receive", send: "Send") -> None:
        # Set here, in the request's own task: dependencies and endpoints run in worker threads, each in a copy
        # of the task's context, so a value set in one of them (as the session dependency did) is never seen by
        # the others, and every GET queued for SQLite's write lock.
        if scope["type"] == "http":
            WRITING.set(scope["method"] not in READ_METHODS)
        await self.app(scope, receive, send)


def pool_bounds() -> dict[str, int]:
    """The connection pool's size and overflow per process, from DATABASE_POOL_SIZE and DATABASE_MAX_OVERFLOW."""
    from app.config import get_settings

    settings = get_settings()
    return {"pool_size": settings.database_pool_size, "max_overflow": settings.database_max_overflow}


def pool_capacity() -> int:
    """The most connections one process opens: pool size plus overflow."""
    return sum(pool_bounds().values())


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets foreign keys, WAL, and transactions we begin ourselves."""
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **({} if in_memory else pool_bounds())
        )

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
            if connection.get_execution_options().get(ONE_STATEMENT):
                return  # a read of one statement: SQLite gives the statement a snapshot of its own
            connection.exec_driver_sql("BEGIN IMMEDIATE" if WRITING.get() else "BEGIN")

        return engine
    engine = create_engine(url, **pool_bounds())

    @event.listens_for(engine, "checkout")
    def _ping_before_writing(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # pool_pre_ping for writes only: a write that failed on a connection the server had dropped could have
        # been applied, so it is never run again; a read skips the round trip, and if its connection was dropped
        # app.retries runs it again on a fresh one.
        if not WRITING.get():
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("the pooled connection was dropped") from error

    return engine


@lru_cache
def get_engine() -> Engine:
    """The process's engine for DATABASE_URL."""
    from app.config import get_settings

    return make_engine(get_settings().database_url)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    """A session factory bound to the process's engine."""
    import app.ledger.rollup  # noqa: F401 - the rollup's upkeep listens on every session; a command may not import it

    return sessionmaker(bind=get_engine(), expire_on_commit=False)


_turns: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = WeakKeyDictionary()


def database_turns() -> asyncio.Semaphore:
    """As many turns as the pool has connections, for the running event loop's requests."""
    loop = asyncio.get_running_loop()
    turns = _turns.get(loop)
    if turns is None:
        turns = _turns[loop] = asyncio.Semaphore(pool_capacity())
    return turns


def _finish(session: Session, succeeded: bool) -> None:
    try:
        if succeeded:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


async def get_session() -> AsyncIterator[Session]:
    """One session per request: commit once when the request succeeds, roll back on any error."""
    # A request waits for a turn before its session, so no more requests hold a session than the pool has
    # connections: one beyond would block a worker thread waiting for a connection held by requests that need
    # that thread to finish. Making the session touches no database; the commit runs in a worker thread, unless
    # the session never began one (a cached token and a route that did not use it).
    import anyio
    from starlette.concurrency import run_in_threadpool

    async with database_turns():
        session = get_sessionmaker()()
        try:
            yield session
        except BaseException:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(_finish, session, False)
            raise
        if not session.in_transaction():
            session.close()
            return
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(_finish, session, True)


Result = TypeVar("Result")


def _replaced_session(app: "FastAPI") -> AbstractContextManager[Session] | None:
    """The session of the app's replacement for `get_session` (a generator), if one is set: the tests run every
    request in their own transaction."""
    replacement = app.dependency_overrides.get(get_session)
    return None if replacement is None else contextmanager(replacement)()


@contextmanager
def session_outside_dependency(app: "FastAPI") -> Iterator[Session]:
    """A session of its own that commits once if the block succeeds, for work in a worker thread of a route that
    takes no session dependency; the app's replacement for `get_session` (a generator) is honoured."""
    replaced = _replaced_session(app)
    if replaced is not None:
        with replaced as session:
            yield session
        return
    with get_sessionmaker()() as session, session.begin():
        yield session


async def read_one_statement(app: "FastAPI", read: Callable[..., Result], /, **arguments: Any) -> Result:
    """Run a read of one statement on a connection of its own in one worker thread, without a session."""

    # A plain endpoint costs three hops to worker threads (itself, its response's validation and the session's
    # commit); an async one calling this, one. A statement is its own snapshot, so one read alone needs no
    # BEGIN and no COMMIT (on PostgreSQL two round trips saved), nor a session's transaction around it, nor the
    # session dependency, whose solving (an exit stack and a context manager a request) cost about as much as the
    # read: the route runs the read on a pooled connection of its own.
    def unit_of_work() -> Result:
        replaced = _replaced_session(app)
        if replaced is not None:
            with replaced as session:
                return read(connection=session.connection(), **arguments)
        engine = get_engine()
        options = {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {ONE_STATEMENT: True}
        with engine.connect() as connection:
            return read(connection=connection.execution_options(**options), **arguments)

    from starlette.concurrency import run_in_threadpool

    # A turn, as the session dependency takes one, so no more requests hold a connection than the pool has.
    async with database_turns():
        return await run_in_threadpool(unit_of_work)


# scope="function" commits before the response is sent, so a failed commit is never reported as success.
if TYPE_CHECKING:
    from fastapi import Depends

    SessionDep = Annotated[Session, Depends(get_session, scope="function")]
else:

    def __getattr__(name: str) -> Any:
        """`SessionDep`, built when a router first asks: commands (an import) start without loading FastAPI."""
        if name != "SessionDep":
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from fastapi import Depends

        dependency = Annotated[Session, Depends(get_session, scope="function")]
        globals()["SessionDep"] = dependency
        return dependency
