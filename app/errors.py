"""Domain errors and their rendering as RFC 9457 problem details."""

import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    # Only the web app renders errors: a command (an import) that raises them starts without FastAPI.
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

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


class FieldProblem(BaseModel):
    """One field the request got wrong."""

    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem-details body: what went wrong, and which fields to correct."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_STATUS_TITLES = {
    400: "The body is not valid JSON",
    401: "No valid bearer token",
    403: "The token's role may not do this",
    409: "Conflict with the current state, or an Idempotency-Key already used for another request",
    413: "Request body too large",
    422: "The request is not valid, or breaks a rule",
}


def _document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Every error answer is problem details; every secured operation may answer 401, writes also 403 and 413."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    components["FieldProblem"] = FieldProblem.model_json_schema()
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components["Problem"].pop("$defs", None)
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            extra = []
            if operation.get("security"):
                extra.append(401)
                if method != "get":
                    extra.append(403)
            if "requestBody" in operation:
                extra += [400, 413, 422]
            if operation.get("parameters"):
                extra.append(422)
            if any(parameter.get("name") == "Idempotency-Key" for parameter in operation.get("parameters", [])):
                extra.append(409)
            for status in extra:
                responses.setdefault(str(status), {"description": _STATUS_TITLES[status]})
            for status, response in responses.items():
                if status.startswith("4"):
                    response["content"] = {PROBLEM_JSON: {"schema": _PROBLEM_REF}}
    return schema


def problem_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> "JSONResponse":
    """A JSON response with the problem-details media type."""
    from fastapi.responses import JSONResponse

    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    if location and location[0] == "body" and all(isinstance(part, int) for part in location[1:]):
        return "body"  # the body as a whole, e.g. not JSON at all (pydantic locates that at character 0)
    return ".".join(parts) or ".".join(str(part) for part in location)


def _allowed_methods(request: "Request") -> str:
    """Every documented method on this path (Starlette names only the first matching route's)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = "".join(
            "[^/]+" if part.startswith("{") else re.escape(part) for part in re.split(r"(\{[^}]+\})", template)
        )
        if re.fullmatch(pattern, request.url.path):
            methods |= {method.upper() for method in operations}
    return ", ".join(sorted(methods))


def install_error_handlers(app: "FastAPI") -> None:
    """Render every error as problem details, and say so in the OpenAPI schema."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from sqlalchemy.exc import DataError, IntegrityError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        schema = default_openapi()  # built once and cached by FastAPI; documented here once
        if "Problem" not in schema.get("components", {}).get("schemas", {}):
            _document_problems(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, error: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, UnauthorizedError) else None
        return problem_response(error.status, error.problem(), headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": _field_name(item.get("loc", ())),
                "message": str(item.get("msg", "invalid")).removeprefix("Value error, "),
            }
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

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, error: DataError) -> JSONResponse:
        # The database refused a value validation let through (a NUL byte in text on PostgreSQL):
        # the request is at fault, and the transaction has been rolled back.
        reason = str(error.orig).splitlines()[0] if error.orig is not None else "invalid value"
        body = {
            "type": "about:blank",
            "title": "The request is not valid",
            "status": 422,
            "detail": f"a value in the request cannot be stored: {reason}",
        }
        return problem_response(422, body)

    @app.exception_handler(IntegrityError)
    async def _integrity_error(_request: Request, error: IntegrityError) -> JSONResponse:
        # A uniqueness or reference rule that a concurrent request satisfied first: nothing was written.
        body = {
            "type": "about:blank",
            "title": "Conflict with the current state",
            "status": 409,
            "detail": "the request conflicts with a record written at the same time; read the current state and retry",
        }
        return problem_response(409, body)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        body = {
            "type": "about:blank",
            "title": HTTPStatus(error.status_code).phrase,
            "status": error.status_code,
            "detail": str(error.detail),
        }
        return problem_response(error.status_code, body, headers)
