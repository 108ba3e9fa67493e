"""Cross-site request forgery: every state-changing page form carries a token tied to the signed-in session.

The token is an HMAC-SHA256, keyed by the app's secret, of the session cookie's value. A page from
another site cannot read the cookie or the page, so it cannot produce the token; a form from another
session carries that session's token, which does not match this one's cookie.
"""

import hashlib
import hmac
import secrets
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from app.auth.dependencies import TOKEN_COOKIE as SESSION_COOKIE
from app.config import get_settings
from app.errors import ForbiddenError, UnauthorizedError

CSRF_FIELD = "csrf_token"
"""The hidden form field that carries the token."""


class CsrfError(ForbiddenError):
    """A page form posted without this session's token: nothing is written."""

    title = "The form could not be accepted"


@lru_cache
def secret() -> bytes:
    """The key tokens are signed with: SECRET_KEY, or one made for this process when it is not set."""
    configured = get_settings().secret_key
    # Without SECRET_KEY each process has its own key: forms then survive only within one worker.
    return configured.encode() if configured else secrets.token_bytes(32)


def session_value(request: Request) -> str | None:
    """The session cookie's value, which the token is tied to."""
    return request.cookies.get(SESSION_COOKIE) or None


def token_for(session_id: str) -> str:
    """The CSRF token of a session."""
    return hmac.new(secret(), session_id.encode(), hashlib.sha256).hexdigest()


def request_token(request: Request) -> str | None:
    """The token for the request's session, or None when nobody is signed in."""
    session_id = session_value(request)
    return token_for(session_id) if session_id else None


@pass_context
def csrf_input(context: Context) -> Markup:
    """The hidden input every state-changing form includes (empty when nobody is signed in)."""
    token = request_token(context["request"])
    if token is None:
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, escape(token))


async def check_csrf(request: Request) -> None:
    """Refuse a form whose token is missing or belongs to another session, before anything is read or written."""
    form = await request.form()  # Starlette keeps the parsed form, so the route's Form() fields read it again
    sent = form.get(CSRF_FIELD)
    expected = request_token(request)
    if expected is None:
        raise UnauthorizedError("sign in to send this form")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfError(
            "The form was not sent from this signed-in session (it may have expired): "
            "reload the page and send it again",
            field=CSRF_FIELD,
        )


CsrfDep = Annotated[None, Depends(check_csrf)]
"""Put on every state-changing page POST: refused with 403, nothing written, without this session's token."""
