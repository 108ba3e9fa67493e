"""A filter form's "any" choice is an empty value: on the pages it means the filter is not set."""

from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send


class BlankFiltersDropped:
    """Drop empty query values from GET requests for pages, so `?status=&stage=` reads as no filter."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Rewrite the query string of a page's GET; everything else passes untouched."""
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and scope["path"].startswith("/web/"):
            query = scope.get("query_string", b"").decode("latin-1")
            kept = [(name, value) for name, value in parse_qsl(query, keep_blank_values=True) if value != ""]
            scope = {**scope, "query_string": urlencode(kept).encode("latin-1")}
        await self.app(scope, receive, send)
