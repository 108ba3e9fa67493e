"""Database failures no request is at fault for: transient conflicts are retried, outages answer 503.

A deadlock or serialization failure (PostgreSQL SQLSTATE 40P01 or 40001; SQLite's "database is
locked") rolled the whole transaction back, so the request is run again from the start, a bounded
number of times; if it still conflicts the answer is a 409 problem saying to retry. A read whose pooled
connection the server had dropped (reads are not pinged first, app.db) is run again on a fresh one. A
database that cannot be reached answers 503 with Retry-After. Neither is ever a 500.
"""

import asyncio
import json
from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import READ_METHODS
from app.errors import PROBLEM_JSON

ATTEMPTS = 4
"""How many times a request that hit a transient conflict is run before answering 409."""

RETRY_AFTER_SECONDS = 5
"""What a 503 tells the client to wait before trying again."""

TRANSIENT_SQLSTATES = ("40P01", "40001")
"""PostgreSQL: deadlock detected, serialization failure."""


def is_transient(error: BaseException) -> bool:
    """Whether the error is a conflict between transactions that running again can resolve."""
    if not isinstance(error, DBAPIError):
        return False
    if getattr(error.orig, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def is_dropped_connection(error: BaseException) -> bool:
    """Whether the error says the connection itself was lost (the pool then replaces it and its elders)."""
    return isinstance(error, DBAPIError) and error.connection_invalidated


def is_outage(error: BaseException) -> bool:
    """Whether the error says the database cannot be reached or used at all."""
    if isinstance(error, PoolTimeoutError):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OperationalError | InterfaceError) and not is_transient(error)


def problem_message(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> list[Message]:
    """The ASGI messages of a problem-details answer."""
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}).encode()
    raw = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    return [
        {"type": "http.response.start", "status": status, "headers": raw},
        {"type": "http.response.body", "body": body},
    ]


class DatabaseFailures:
    """ASGI middleware: retry a request that hit a transient conflict; answer an outage with 503."""

    def __init__(self, app: ASGIApp, attempts: int = ATTEMPTS) -> None:
        self.app = app
        self.attempts = attempts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The body is recorded as the app reads it (so a size limit or a bad body is still the app's to
        # answer), and replayed to each further attempt.
        received: list[Message] = []

        async def recording() -> Message:
            message = await receive()
            received.append(message)
            return message

        for attempt in range(1, self.attempts + 1):
            started = False

            async def send_once(message: Message) -> None:
                nonlocal started
                if message["type"] == "http.response.start":
                    started = True
                await send(message)

            try:
                await self.app(scope, _replay(list(received), recording), send_once)
                return
            except Exception as error:
                if started:
                    raise
                if is_transient(error) and attempt < self.attempts:
                    await asyncio.sleep(0.02 * attempt)
                    continue
                if is_dropped_connection(error) and scope["method"] in READ_METHODS and attempt < self.attempts:
                    continue
                if is_transient(error):
                    answer = problem_message(
                        409,
                        "Conflict with a concurrent request",
                        "the request met concurrent changes to the same records and was not applied; retry it",
                    )
                elif is_outage(error):
                    answer = problem_message(
                        503,
                        "Service unavailable",
                        "the database cannot be reached just now; nothing was written. Try again shortly",
                        {"Retry-After": str(RETRY_AFTER_SECONDS)},
                    )
                else:
                    raise
                for message in answer:
                    await send(message)
                return


def _replay(pending: list[Message], receive: Receive) -> Any:
    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
