"""Domain errors and their rendering as RFC 9457 problem details."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """A rule the request broke, with a message a person can act on."""

    status = 422
    title = "The request breaks a rule"
    type = "about:blank"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field

    def problem(self) -> dict[str, Any]:
        """The problem-details body."""
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.field:
            body["errors"] = [{"field": self.field, "message": self.detail}]
        return body


class NotFoundError(DomainError):
    """An id that does not exist, or that the caller may not see."""

    status = 404
    title = "Not found"


class ConflictError(DomainError):
    """The request conflicts with the ledger's current state."""

    status = 409
    title = "Conflict with the current state"


class RuleError(DomainError):
    """The request is well formed but breaks a business rule."""

    status = 422
    title = "The request breaks a rule"


class UnauthorizedError(DomainError):
    """No valid bearer token."""

    status = 401
    title = "Authentication required"


class ForbiddenError(DomainError):
    """A known caller without the right to do this."""

    status = 403
    title = "Not allowed"


def problem_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    """A JSON response with the problem-details media type."""
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(part) for part in location)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as problem details."""

    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, error: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, UnauthorizedError) else None
        return problem_response(error.status, error.problem(), headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(item.get("loc", ())), "message": item.get("msg", "invalid")}
            for item in error.errors()
        ]
        detail = "; ".join(f"{item['field']}: {item['message']}" for item in errors)
        body = {
            "type": "about:blank",
            "title": "The request is not valid",
            "status": 422,
            "detail": detail,
            "errors": errors,
        }
        return problem_response(422, body)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        body = {
            "type": "about:blank",
            "title": str(error.detail),
            "status": error.status_code,
            "detail": str(error.detail),
        }
        return problem_response(error.status_code, body, dict(error.headers or {}))
