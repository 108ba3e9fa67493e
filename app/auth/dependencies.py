"""The one place where the caller, and the authorities they may see, become known."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.service import Principal, authenticate
from app.db import SessionDep
from app.errors import ForbiddenError, UnauthorizedError
from app.models import Role

bearer = HTTPBearer(auto_error=False, description="A token from `s106 token create`.")

TOKEN_COOKIE = "s106_token"
"""The web view's cookie holding the signed-in token."""

COOKIE_METHODS = ("GET", "HEAD")
"""The cookie authenticates only reads, so a cross-site form cannot write with it; writes need the header."""


def current_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller named by the bearer token (or, for a read, the web view's cookie); 401 if none is valid."""
    if credentials:
        token: str | None = credentials.credentials
    elif request.method in COOKIE_METHODS:
        token = request.cookies.get(TOKEN_COOKIE)
    else:
        token = None
    if not token:
        if request.cookies.get(TOKEN_COOKIE):
            raise UnauthorizedError("the web view's cookie only reads; to write, send Authorization: Bearer <token>")
        raise UnauthorizedError("send a bearer token: Authorization: Bearer <token>")
    principal = authenticate(session=session, token=token)
    if principal is None:
        raise UnauthorizedError("the token is unknown or has been revoked")
    return principal


@dataclass(frozen=True)
class RequireRole:
    """A dependency that lets through only the given roles (a class, so the docs can find it)."""

    roles: tuple[Role, ...]

    def __call__(self, principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in self.roles:
            allowed = ", ".join(role.value for role in self.roles)
            raise ForbiddenError(f"a {principal.role.value} token cannot do this; it needs: {allowed}")
        return principal


def require(*roles: Role) -> RequireRole:
    """A dependency that lets through only the given roles."""
    return RequireRole(roles)


def _dependency_calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _dependency_calls(dependency)


def document_auth_errors(router: APIRouter) -> APIRouter:
    """List 401, and 403 where a role is required, among each of the router's documented answers."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        calls = list(_dependency_calls(route.dependant))
        if current_principal in calls:
            route.responses.setdefault(401, {"description": "No token, or an unknown or revoked one"})
        if any(isinstance(call, RequireRole) for call in calls):
            route.responses.setdefault(403, {"description": "The token's role may not do this"})
    return router


Reader = Annotated[Principal, Depends(current_principal)]
"""Any valid token; what it sees is narrowed by `principal.scope`."""

Officer = Annotated[Principal, Depends(require(Role.officer))]
"""The force's S106 officer only."""

OfficerOrFinance = Annotated[Principal, Depends(require(Role.officer, Role.finance))]
"""Force staff: the officer and finance."""

OfficerOrPlanning = Annotated[Principal, Depends(require(Role.officer, Role.planning))]
"""Those who may record receipts: the officer, and a planning officer for their own authority."""
