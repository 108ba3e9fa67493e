"""Idempotency-Key for movement POSTs, stored so it holds across workers and restarts."""

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import ConflictError
from app.models import IdempotencyKey


def fingerprint(method: str, path: str, body: dict[str, Any]) -> str:
    """A hash of what was asked, to tell a retry from a different request under the same key."""
    text = json.dumps({"method": method, "path": path, "body": body}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def replay(*, session: Session, actor: str, key: str, request_fingerprint: str) -> IdempotencyKey | None:
    """The stored answer for a retried key, or None for a new key; another body under the key is refused."""
    stored = session.scalar(select(IdempotencyKey).where(IdempotencyKey.actor_name == actor, IdempotencyKey.key == key))
    if stored is None:
        return None
    if stored.fingerprint != request_fingerprint:
        raise ConflictError(
            f"Idempotency-Key {key!r} was already used for a different request; use a new key",
            field="Idempotency-Key",
        )
    return stored


def remember(
    *,
    session: Session,
    actor: str,
    key: str,
    request_fingerprint: str,
    status: int,
    body: dict[str, Any],
) -> None:
    """Store the answer under the key, in the same transaction as the movement it answers."""
    try:
        with session.begin_nested():
            session.add(
                IdempotencyKey(
                    actor_name=actor,
                    key=key,
                    fingerprint=request_fingerprint,
                    response_status=status,
                    response_body=body,
                )
            )
    except IntegrityError as error:
        # A concurrent request with the same key committed first; ours must not land too.
        raise ConflictError(
            f"a request with Idempotency-Key {key!r} was being processed at the same time; retry to get its answer",
            field="Idempotency-Key",
        ) from error
