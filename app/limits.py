"""The request body size limit, for bodies with a Content-Length and for chunked ones without."""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import get_settings
from app.errors import problem_response


def megabytes(size: int) -> str:
    """A size as people read it: 4 MB, 4.5 MB."""
    return f"{size / 1_000_000:.1f}".removesuffix(".0") + " MB"


class BodyTooLargeError(HTTPException):
    """A body longer than max_body_bytes; rendered as a 413 problem by the HTTP error handler."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"the body may be at most {limit} bytes")


class BodySizeLimit:
    """Refuse a body over max_body_bytes: at once from its Content-Length, or as a chunked body reaches it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count the bytes actually received."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = get_settings().max_body_bytes
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        # A page's upload is read up to the limit and then refused by the page (app.web.pages.PageRoute), so a
        # person sees a page saying the file is too large rather than a problem document.
        page = scope["path"].startswith("/web/") and length is not None and length.isdigit()
        if length is not None and not page and (not length.isdigit() or int(length) > limit):
            error = BodyTooLargeError(limit)
            body = {"type": "about:blank", "title": "Request body too large", "status": 413, "detail": error.detail}
            await problem_response(413, body)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        await self.app(scope, counted, send)
