"""The one place where the caller, and the authorities they may see, become known."""

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.auth.service import Principal, account_principal, authenticate, remembered
from app.auth.sessions import find_session
from app.db import SessionDep, database_turns, session_outside_dependency
from app.errors import ForbiddenError, UnauthorizedError
from app.models import Role
from app.query_parameters import learn, refuse_unknown

BEARER_DESCRIPTION = "A token from `s106 token create`."

TOKEN_COOKIE = "s106_session"
"""The web view's cookie: a random session id (the row in account_sessions holds only its hash)."""

SESSION_COOKIE = TOKEN_COOKIE

COOKIE_METHODS = ("GET", "HEAD")
"""The JSON API takes the page session for reads only; its writes need a bearer token (pages carry CSRF tokens)."""


def session_principal(request: Request, session: SessionDep) -> Principal | None:
    """The account signed in by the page session cookie, if its session is live."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    signed_in = find_session(session=session, session_id=session_id)
    if signed_in is None:
        return None
    request.state.session_id = session_id
    return account_principal(signed_in.account)


SessionWork = Callable[[Callable[[Session], Any]], Awaitable[Any]]
"""How a caller check runs work that needs a session (a token the cache lacks, a page session): in a worker thread."""


class Caller(HTTPBearer):
    """The caller named by the bearer token (or, for a read, the page session), let through only in its roles.

    One dependency, so an authenticated route solves two (the caller and its session) rather than four. It is
    FastAPI's bearer scheme, so the API's documentation still declares the bearer token on every route it guards.
    """

    def __init__(self, *roles: Role) -> None:
        super().__init__(auto_error=False, scheme_name="HTTPBearer", description=BEARER_DESCRIPTION)
        self.roles = roles

    async def __call__(self, request: Request, session: SessionDep) -> Principal:  # type: ignore[override]
        return await self.let_through(request, lambda work: run_in_threadpool(work, session))

    async def let_through(self, request: Request, in_session: SessionWork) -> Principal:
        """The caller, once a request, if its role may; 403 if not."""
        # A route may ask for the caller twice (its role and its audit trail): it is resolved once a request.
        principal = getattr(request.state, "caller", None) or await _principal(request, in_session)
        request.state.caller = principal
        if self.roles and principal.role not in self.roles:
            allowed = ", ".join(role.value for role in self.roles)
            raise ForbiddenError(f"a {principal.role.value} token cannot do this; it needs: {allowed}")
        refuse_unknown(request)
        return principal


class CallerWithoutSession(Caller):
    """The caller, for a route that takes no session dependency (a read of one statement, `read_one_statement`).

    Solving the session's generator dependency cost about as much as the read itself; only a token the cache lacks
    needs the database, and it gets a session of its own for that lookup. Never on a route that takes a session:
    both would wait for a turn of the pool's (`database_turns`), and under load every turn could be waiting.
    """

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        async def in_session_of_its_own(work: Callable[[Session], Any]) -> Any:
            async with database_turns():
                return await run_in_threadpool(_run_in_session_of_its_own, request, work)

        return await self.let_through(request, in_session_of_its_own)


def _run_in_session_of_its_own(request: Request, work: Callable[[Session], Any]) -> Any:
    with session_outside_dependency(request.app) as session:
        return work(session)


async def _principal(request: Request, in_session: SessionWork) -> Principal:
    """The caller named by the bearer token (or, for a read, the page session); 401 if none is valid."""
    scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    if scheme.lower() == "bearer" and token:
        # A token the cache remembers costs no hop to a worker thread; the database is asked in one.
        principal = remembered(token) or await in_session(partial(_authenticate, token))
        if principal is None:
            raise UnauthorizedError("the token is unknown or has been revoked")
        return principal
    if request.cookies.get(SESSION_COOKIE):
        if request.method not in COOKIE_METHODS:
            raise UnauthorizedError(
                "the web view's session only reads the API; to write, send Authorization: Bearer <token>"
            )
        principal = await in_session(partial(session_principal, request))
        if principal is None:
            raise UnauthorizedError("the session has ended; sign in again")
        return principal
    raise UnauthorizedError("send a bearer token: Authorization: Bearer <token>")


def _authenticate(token: str, session: Session) -> Principal | None:
    return authenticate(session=session, token=token)


current_principal = Caller()
"""Any valid caller, whatever its role (the Panel's included)."""


def page_principal(request: Request, session: SessionDep) -> Principal:
    """The account signed in on the web view, for reads and (with a CSRF token) writes; 401 if none."""
    principal = session_principal(request, session)
    if principal is None:
        raise UnauthorizedError("sign in to see this page")
    return principal


def require(*roles: Role) -> Caller:
    """A dependency that lets through only the given roles."""
    return Caller(*roles)


@dataclass(frozen=True)
class RequirePageRole:
    """A page dependency that lets through only the given roles of signed-in account."""

    roles: tuple[Role, ...]

    async def __call__(self, principal: Annotated[Principal, Depends(page_principal)]) -> Principal:
        if principal.role not in self.roles:
            raise ForbiddenError("Your account cannot do this")
        return principal


def require_on_page(*roles: Role) -> RequirePageRole:
    """A page dependency that lets through only the given roles."""
    return RequirePageRole(roles)


def _dependency_calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _dependency_calls(dependency)


def document_auth_errors(router: APIRouter) -> APIRouter:
    """List 401, and 403 where a role is required, among each of the router's documented answers; learn the query
    parameters of each route the API documents."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        if route.include_in_schema:
            learn(route)
        callers = [call for call in _dependency_calls(route.dependant) if isinstance(call, Caller)]
        if callers:
            route.responses.setdefault(401, {"description": "No token, or an unknown or revoked one"})
        if any(caller.roles for caller in callers):
            route.responses.setdefault(403, {"description": "The token's role may not do this"})
    return router


PagePrincipal = Annotated[Principal, Depends(page_principal)]
"""The account signed in on the web view; pages never take bearer tokens."""

PageOfficer = Annotated[Principal, Depends(require_on_page(Role.officer))]
"""The S106 officer signed in on the web view."""

PageOfficerOrPlanning = Annotated[Principal, Depends(require_on_page(Role.officer, Role.planning))]
"""Those who may record receipts on a page: the officer, and a planning officer for their own authority."""

READERS = (Role.officer, Role.finance, Role.planning)
"""The roles that read records; the Panel's role reads only the routes that take `PanelReader`."""

Reader = Annotated[Principal, Depends(require(*READERS))]
"""Any valid token but the Panel's; what it sees is narrowed by `principal.scope`."""

OneStatementReader = Annotated[Principal, Depends(CallerWithoutSession(*READERS))]
"""`Reader`, for a route that takes no session and reads one statement through `read_one_statement`."""

PanelReader = Annotated[Principal, Depends(current_principal)]
"""Any valid token, the Panel's included: only for the Panel's aggregate views (by authority, never a record)."""

Officer = Annotated[Principal, Depends(require(Role.officer))]
"""The force's S106 officer only."""

OfficerOrFinance = Annotated[Principal, Depends(require(Role.officer, Role.finance))]
"""Force staff: the officer and finance."""

OfficerOrPlanning = Annotated[Principal, Depends(require(Role.officer, Role.planning))]
"""Those who may record receipts: the officer, and a planning officer for their own authority."""

OfficerOrAuthority = Annotated[Principal, Depends(require(Role.officer, Role.planning))]
"""Who records an authority's answer to a drawdown request: its own planning officer, or the officer from its letter."""
