"""Signing in with an email address and password, signing out, and setting a password from a one-time link."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from app.auth.accounts import set_password_from_link, usable_link
from app.auth.dependencies import SESSION_COOKIE
from app.auth.sessions import end_session, start_session
from app.auth.sign_in import SignInRefused, sign_in_with_password
from app.db import SessionDep
from app.errors import DomainError
from app.models import Account
from app.web.csrf import CsrfDep
from app.web.pages import HOME, SIGN_IN, PageRoute, render, safe_next, same_origin

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    """The session id in an HttpOnly, SameSite=Lax cookie, Secure over HTTPS, for this browser session only."""
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    """Tell the browser to forget the session cookie."""
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/"
    )


def client_address(request: Request) -> str:
    """The address failed sign-ins are counted against (the peer; behind a proxy, the proxy's)."""
    return request.client.host if request.client else "unknown"


@router.get("/web/sign-in", name="web_sign_in")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return render(request, "sign_in.html", {"next": safe_next(next), "errors": {}, "email": ""})


@router.post("/web/sign-in", name="sign_in", responses={303: {}, 403: {}, 422: {}, 429: {}})
def sign_in(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=500)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = HOME,
) -> Response:
    """Check the email address and password; start a session kept in an HttpOnly cookie."""
    context = {"next": safe_next(next), "email": email.strip()}
    if not same_origin(request):
        return render(
            request, "sign_in.html", {**context, "errors": {"email": "Sign in from this site"}}, status_code=403
        )
    errors = {}
    if not email.strip():
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"
    if errors:
        return render(request, "sign_in.html", {**context, "errors": errors}, status_code=422)
    try:
        account = sign_in_with_password(
            session=session, email=email, password=password, address=client_address(request)
        )
    except SignInRefused as refusal:
        status = 429 if refusal.throttled else 422
        return render(request, "sign_in.html", {**context, "errors": {"email": refusal.message}}, status_code=status)
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        end_session(session=session, session_id=previous)  # a new id at each sign-in: no session fixation
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(request, response, start_session(session=session, account=account))
    return response


@router.post("/web/sign-out", name="sign_out", responses={303: {}, 403: {}})
def sign_out(request: Request, session: SessionDep, _csrf: CsrfDep) -> Response:
    """End the session for real: its row is deleted and the cookie cleared."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        end_session(session=session, session_id=session_id)
    response = RedirectResponse(SIGN_IN, status_code=303)
    clear_session_cookie(request, response)
    return response


@router.get("/web/set-password/{secret}", name="web_set_password", responses={404: {}})
def set_password_page(request: Request, secret: str, session: SessionDep) -> Response:
    """The form to choose a password, from an invitation or reset link."""
    link = usable_link(session, secret)
    if link is None:
        return render(request, "set_password_expired.html", {}, status_code=404)
    account = session.get(Account, link.account_id)
    return render(request, "set_password.html", {"account": account, "secret": secret, "errors": {}})


@router.post("/web/set-password/{secret}", responses={303: {}, 403: {}, 404: {}, 422: {}})
def set_password(
    request: Request,
    secret: str,
    session: SessionDep,
    password: Annotated[str, Form(max_length=1000)] = "",
    confirm: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Set the password once; then sign in with it."""
    link = usable_link(session, secret)
    if link is None or not same_origin(request):
        return render(request, "set_password_expired.html", {}, status_code=404)
    account = session.get(Account, link.account_id)
    errors: dict[str, str] = {}
    if password != confirm:
        errors["confirm"] = "Enter the same password twice"
    if not errors:
        try:
            set_password_from_link(session=session, secret=secret, password=password)
        except DomainError as error:
            errors["password"] = error.detail[:1].upper() + error.detail[1:]
    if errors:
        context = {"account": account, "secret": secret, "errors": errors}
        return render(request, "set_password.html", context, status_code=422)
    return RedirectResponse(f"{SIGN_IN}?set=1", status_code=303)
