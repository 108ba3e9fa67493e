"""The web view's machinery: templates, the signed-in viewer, and routes whose refusals are pages."""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from pydantic import BeforeValidator

from app.alerts import service as alerts
from app.auth.dependencies import PagePrincipal
from app.auth.service import Principal
from app.balances.queries import stage_of
from app.config import get_settings
from app.dates import AsAtDay, Day, date_as_typed
from app.db import SessionDep
from app.errors import ForbiddenError, NotFoundError, UnauthorizedError
from app.limits import BodyTooLargeError, megabytes
from app.local_authorities.service import get_local_authority
from app.models import Role
from app.web import formatting, tables
from app.web.csrf import csrf_input
from app.web.views import trigger_text

APP_DIR = Path(__file__).resolve().parent.parent
GOVUK_FRONTEND = APP_DIR.parent / "node_modules" / "govuk-frontend" / "dist" / "govuk"
"""GOV.UK Frontend's built assets, installed by `make install` (npm ci) and served at /web/govuk."""
templates = Jinja2Templates(directory=APP_DIR / "templates")
templates.env.filters.update(
    money=formatting.money,
    day=formatting.day,
    label=formatting.label,
    trigger=trigger_text,
    stage=stage_of,
    stage_label=formatting.stage_label,
)


@pass_context
def path_for(context: Context, name: str, /, **params: Any) -> str:
    """A route's path (not a full URL, so the pages work behind any host name)."""
    request: Request = context["request"]
    return str(request.app.url_path_for(name, **params))


templates.env.globals.update(figure=tables.figure, path_for=path_for, csrf_input=csrf_input)

HOME = "/web"
SIGN_IN = "/web/sign-in"

NAVIGATION: list[tuple[str, str]] = [
    ("web_home", "Balances"),
    ("web_projects", "Projects"),
    ("web_bids", "Bids"),
    ("web_investment", "Investment"),
    ("web_deadlines", "Deadlines"),
    ("web_agreements", "Agreements"),
    ("web_drawdowns", "Drawdowns"),
    ("web_spend_list", "Spend"),
    ("web_forecast", "Forecast"),
    ("web_instalment_watch", "Watch list"),
    ("web_alerts", "Alerts"),
    ("web_audit", "Audit trail"),
    ("web_users", "Users"),
]
"""The header's links, as (route name, text); each new page adds its own."""

NAVIGATION_ROLES: dict[str, frozenset[Role]] = {
    "web_users": frozenset({Role.officer}),
    "web_audit": frozenset({Role.officer, Role.finance}),
}
"""Links only some roles see (a link that would answer 403 is not shown); the rest every role but the Panel's."""

PANEL_NAVIGATION: list[tuple[str, str]] = [
    ("web_home", "Balances"),
    ("web_panel_projects", "Projects"),
    ("web_bids", "Bids"),
    ("web_investment", "Investment"),
    ("web_panel_deadlines", "Deadlines"),
]
"""The header's links a Panel account sees: the Panel's own views of projects and deadlines, by authority."""


SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class Viewer:
    """Who is signed in, as the header shows them."""

    principal: Principal
    authority_name: str | None
    count_unread: Callable[[], int] = lambda: 0
    """How many of the viewer's alerts are unread; worked out only when the header shows it, once."""

    def unread_alerts(self) -> int:
        """The unread count the header's Alerts link shows."""
        return self.count_unread()


def render(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200) -> Response:
    """A page from a template, with the signed-in viewer and the navigation."""
    viewer = getattr(request.state, "viewer", None)
    page = {
        "viewer": viewer,
        "navigation": navigation_for(viewer),
        "panel_view": panel_view(viewer),
        "current": getattr(request.scope.get("route"), "name", None),
        "today": date.today(),
        **context,
    }
    return templates.TemplateResponse(request, template, page, status_code=status_code, headers=SECURITY_HEADERS)


def sign_in_location(next_path: str) -> str:
    """The sign-in page, returning to `next_path` afterwards."""
    return f"{SIGN_IN}?{urlencode({'next': next_path})}"


def safe_next(next_path: str | None) -> str:
    """Where to go after signing in: only a page of this web view, never another site."""
    if next_path and next_path.startswith(HOME) and not next_path.startswith("//") and "\\" not in next_path:
        return next_path
    return HOME


class PageRoute(APIRoute):
    """A route whose refusals are pages: no live session signs in again, a refused role is a 403 page, an
    unknown or unseen id a 404 page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the handler so that domain refusals become pages rather than problem details."""
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except UnauthorizedError:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(sign_in_location(target), status_code=303)
            except NotFoundError:
                return render(request, "not_found.html", {}, status_code=404)
            except BodyTooLargeError:
                settings = get_settings()
                limits = {
                    "document": megabytes(settings.max_document_bytes),
                    "body": megabytes(settings.max_body_bytes),
                }
                return render(request, "too_large.html", {"limits": limits}, status_code=413)
            except ForbiddenError as error:
                return render(request, "forbidden.html", {"reason": error.detail.rstrip(".")}, status_code=403)
            except RequestValidationError as error:
                if any(item.get("loc", ("",))[0] == "path" for item in error.errors()):
                    return render(request, "not_found.html", {}, status_code=404)
                problems = [
                    f"{str(item['loc'][-1]).replace('_', ' ')}: "
                    f"{formatting.for_a_page(str(item['msg']).removeprefix('Value error, '))}"
                    for item in error.errors()
                ]
                return render(request, "bad_request.html", {"problems": problems}, status_code=400)

        return page_handler


PANEL_PAGES = frozenset(
    {
        "/web",
        "/web/panel.csv",
        "/web/panel.xlsx",
        "/web/bids",
        "/web/investment",
        "/web/investment/{item_id}",
        "/web/repurposing-proposals",
        "/web/panel/projects",
        "/web/panel/deadlines",
        "/web/account",
        "/web/account/tokens",
        "/web/account/tokens/{token_id}/revoke",
    }
)
"""The pages a Panel account may open: the Panel's aggregate views and its own account; every other is a 403."""


def panel_may_open(request: Request) -> bool:
    """Whether the route asked for is one of the Panel's pages."""
    return getattr(request.scope.get("route"), "path", None) in PANEL_PAGES


def panel_view(viewer: Viewer | None) -> bool:
    """Whether the page is shown to a Panel account (which sees aggregates and links to nothing finer)."""
    return viewer is not None and viewer.principal.role is Role.panel


def navigation_for(viewer: Viewer | None) -> list[tuple[str, str]]:
    """The header's links the viewer may follow."""
    if viewer is None:
        return []
    if panel_view(viewer):
        return PANEL_NAVIGATION
    role = viewer.principal.role
    return [entry for entry in NAVIGATION if role in NAVIGATION_ROLES.get(entry[0], frozenset(Role))]


def current_viewer(request: Request, session: SessionDep, principal: PagePrincipal) -> Viewer:
    """The signed-in account (from the session cookie); kept on the request so a 404 page still shows who it is."""
    authority_name = None
    if principal.scope is not None:
        authority_name = get_local_authority(
            session=session, local_authority_id=principal.scope, scope=principal.scope
        ).name
    counted = cache(lambda: alerts.unread_count(session=session, principal=principal, today=date.today()))
    viewer = Viewer(principal=principal, authority_name=authority_name, count_unread=counted)
    request.state.viewer = viewer
    if principal.role is Role.panel and not panel_may_open(request):
        raise ForbiddenError(
            "A Panel account sees the Panel's tables, projects and deadlines, the bids summary and the investment "
            "list only"
        )
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def _typed_day(value: object) -> object:
    return date_as_typed(value) if isinstance(value, str) else value


TypedDay = Annotated[Day, BeforeValidator(_typed_day)]
"""A date in a page's query as a person types it (01/12/2026) or as the API writes it (2026-12-01)."""
AsAt = Annotated[
    Annotated[AsAtDay, BeforeValidator(_typed_day)] | None,
    Query(description="the date the figures are as at; today if omitted"),
]


def as_at_context(as_at: Day | None) -> dict[str, Any]:
    """The as-at date a page shows, and the query string that keeps it on links."""
    when = as_at or date.today()
    return {"as_at": when, "as_at_query": f"?as_at={when.isoformat()}" if as_at else ""}


def same_origin(request: Request) -> bool:
    """Whether a form was posted from this site (a browser sends Origin on a POST; other clients may not)."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")
