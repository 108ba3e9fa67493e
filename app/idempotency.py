"""Exactly once for every POST that moves or commits money: `@idempotent` and the `Idempotency-Key` header.

A retry with the same key and body gets the first answer again and writes nothing; the same key with
another body is a 409. Keys belong to the caller's token or account by id, so two tokens that share a
name never share answers. The key is claimed first, before any row lock, in the request's own
transaction: a concurrent retry waits on the key's unique index and then replays the answer the first
one committed; if the first fails, nothing of it (key included) is kept.
"""

import functools
import hashlib
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from app.auth.service import Principal
from app.errors import ConflictError
from app.models import IdempotencyKey

REPLAYED_HEADER = "Idempotent-Replayed"
"""Set on an answer replayed for a retried key."""

_PENDING = 0
"""The status of a claimed key whose request has not finished (seen only by its own transaction)."""


@dataclass(frozen=True)
class IdempotentRequest:
    """The key a request carries, if any, and a fingerprint of what it asked."""

    key: str | None
    fingerprint: str
    status_code: int


async def _body_fingerprint(request: Request) -> Any:
    """What the body asked: its JSON, or a form's fields and files' contents (not the multipart boundary)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        parts = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                content = await value.read()
                await value.seek(0)
                parts.append([name, value.filename, hashlib.sha256(content).hexdigest()])
            else:
                parts.append([name, value])
        return sorted(parts, key=json.dumps)
    body = await request.body()
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body.decode("utf-8", "replace")


async def idempotent_request(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="a retry with the same key and body replays the first answer and writes nothing",
        ),
    ] = None,
) -> IdempotentRequest:
    """The request's key and fingerprint (read here, before the endpoint, where the body is at hand)."""
    asked = {
        "method": request.method,
        "path": request.url.path,
        "query": sorted(request.query_params.multi_items()),
        "body": await _body_fingerprint(request) if key else None,
    }
    text = json.dumps(asked, sort_keys=True, default=str)
    route = request.scope.get("route")
    status_code = route.status_code if isinstance(route, APIRoute) and route.status_code else 200
    return IdempotentRequest(key=key, fingerprint=hashlib.sha256(text.encode()).hexdigest(), status_code=status_code)


def caller_of(principal: Principal) -> str:
    """Whose keys these are: the account or token by id, never by display name."""
    account_id = getattr(principal, "account_id", None)
    if account_id is not None:
        return f"account {account_id}"
    if principal.token_id is not None:
        return f"token {principal.token_id}"
    return f"principal {principal.label}"


def _replay_or_refuse(stored: IdempotencyKey, asked: IdempotentRequest) -> JSONResponse:
    if stored.fingerprint != asked.fingerprint:
        raise ConflictError(
            f"Idempotency-Key {asked.key!r} was already used for a different request; use a new key",
            field="Idempotency-Key",
        )
    return JSONResponse(stored.response_body, status_code=stored.response_status, headers={REPLAYED_HEADER: "true"})


def _find(session: Session, caller: str, key: str) -> IdempotencyKey | None:
    return session.scalar(
        select(IdempotencyKey)
        .where(IdempotencyKey.caller == caller, IdempotencyKey.key == key)
        .execution_options(populate_existing=True)
    )


def claim(*, session: Session, caller: str, asked: IdempotentRequest) -> IdempotencyKey | JSONResponse:
    """Claim the key for this request, or the first answer given to it (a 409 if it asked something else)."""
    assert asked.key is not None
    stored = _find(session, caller, asked.key)
    if stored is not None:
        return _replay_or_refuse(stored, asked)
    row = IdempotencyKey(
        caller=caller, key=asked.key, fingerprint=asked.fingerprint, response_status=_PENDING, response_body={}
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # A concurrent request with the key committed while this one waited on the unique index.
        stored = _find(session, caller, asked.key)
        if stored is None or stored.response_status == _PENDING:
            raise ConflictError(
                f"a request with Idempotency-Key {asked.key!r} is being processed; retry to get its answer",
                field="Idempotency-Key",
            ) from None
        return _replay_or_refuse(stored, asked)
    return row


def _answer(result: Any, status_code: int) -> tuple[int, Any]:
    if isinstance(result, Response):
        body = bytes(result.body)
        return result.status_code, json.loads(body) if body else None
    return status_code, jsonable_encoder(result)


Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def idempotent(endpoint: Endpoint) -> Endpoint:
    """Make a route honour `Idempotency-Key`: its first answer is stored with the write and replayed to retries."""
    signature = inspect.signature(endpoint)

    @functools.wraps(endpoint)
    def wrapper(*args: Any, idempotency: IdempotentRequest, **kwargs: Any) -> Any:
        if idempotency.key is None:
            return endpoint(*args, **kwargs)
        session = next(value for value in kwargs.values() if isinstance(value, Session))
        principal = next(value for value in kwargs.values() if isinstance(value, Principal))
        claimed = claim(session=session, caller=caller_of(principal), asked=idempotency)
        if isinstance(claimed, JSONResponse):
            return claimed
        result = endpoint(*args, **kwargs)
        claimed.response_status, claimed.response_body = _answer(result, idempotency.status_code)
        session.flush()
        return result

    parameter = inspect.Parameter(
        "idempotency",
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[IdempotentRequest, Depends(idempotent_request)],
    )
    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), parameter]
    )
    return wrapper  # type: ignore[return-value]


# The web forms' one-time keys: the same table, under the caller's id, for writes that answer a redirect.


def fingerprint(method: str, path: str, body: dict[str, Any]) -> str:
    """A hash of what a form asked, to tell a resubmission from a different request under the same key."""
    text = json.dumps({"method": method, "path": path, "body": body}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def replay(*, session: Session, actor: str, key: str, request_fingerprint: str) -> IdempotencyKey | None:
    """The stored answer for a resubmitted key, or None for a new one; another body under the key is a 409."""
    stored = _find(session, actor, key)
    if stored is not None and stored.fingerprint != request_fingerprint:
        raise ConflictError(
            f"Idempotency-Key {key!r} was already used for a different request; use a new key",
            field="Idempotency-Key",
        )
    return stored


def remember(
    *, session: Session, actor: str, key: str, request_fingerprint: str, status: int, body: dict[str, Any]
) -> None:
    """Store the answer under the key, in the same transaction as the write it answers."""
    try:
        with session.begin_nested():
            session.add(
                IdempotencyKey(
                    caller=actor, key=key, fingerprint=request_fingerprint, response_status=status, response_body=body
                )
            )
    except IntegrityError as error:
        raise ConflictError(
            f"a request with Idempotency-Key {key!r} was being processed at the same time; retry to get its answer",
            field="Idempotency-Key",
        ) from error
