"""Liveness and readiness: `/health` says the process answers, `/health/ready` that the database does too."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.db import WRITING, get_engine
from app.errors import PROBLEM_JSON
from app.retries import RETRY_AFTER_SECONDS

router = APIRouter(prefix="/health", tags=["health"])


@router.get("")
def health() -> dict[str, str]:
    """Whether the service is up (it does not touch the database)."""
    return {"status": "ok"}


@router.get(
    "/ready",
    responses={
        503: {
            "description": "The database cannot be reached",
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    },
)
def ready() -> Any:
    """Whether the service can answer: the database is reachable."""
    WRITING.set(False)  # a read: on SQLite, no write lock to wait for
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        body = {
            "type": "about:blank",
            "title": "Service unavailable",
            "status": 503,
            "detail": "the database cannot be reached just now; try again shortly",
        }
        return JSONResponse(
            body, status_code=503, media_type=PROBLEM_JSON, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
        )
    return {"status": "ready"}
