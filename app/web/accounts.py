"""The officer's pages for people (invite, disable, reset a password) and each account's own page (its API tokens)."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app import idempotency
from app.audit.dependencies import AuditLog
from app.auth import accounts
from app.auth.dependencies import PageOfficer, PagePrincipal
from app.auth.service import Principal, create_token, list_account_tokens, revoke_token
from app.db import SessionDep
from app.errors import ConflictError, DomainError, NotFoundError
from app.ids import RowId
from app.local_authorities.service import list_local_authorities
from app.models import Account, ApiToken, Role
from app.web.csrf import CsrfDep
from app.web.pages import PageRoute, ViewerDep, render
from app.web.submitting import KEY_PREFIX

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ROLE_HINTS = {
    Role.officer: "Records and changes everything, and manages users",
    Role.finance: "Reads everything, including the audit trail; records nothing",
    Role.planning: "Sees one local authority only, and records receipts from developers for it",
    Role.panel: (
        "A Panel member: reads the Panel's tables, projects and deadlines by authority, the bids summary "
        "and the investment list; records nothing"
    ),
}
"""What each role may do, as the invitation form explains it."""


def audit(request: Request, session: Session, principal: Principal) -> AuditLog:
    """The audit trail of this page write, as the API's writes record theirs."""
    return AuditLog(request=request, session=session, principal=principal)


def sentence(message: str) -> str:
    """A service's refusal as a sentence beside a field."""
    return message[:1].upper() + message[1:]


def account_body(account: Account) -> dict[str, Any]:
    """What the audit trail keeps of an account change (never a password or a link)."""
    return {
        "email": account.email,
        "name": account.name,
        "role": account.role.value,
        "local_authority_id": account.local_authority_id,
    }


def link_url(request: Request, secret: str) -> str:
    """The full address of a set-password link, to send to the person."""
    return str(request.url_for("web_set_password", secret=secret))


def authority_names(session: Session) -> dict[str, str]:
    """Every authority's name by id."""
    found, _total = list_local_authorities(session=session, scope=None, limit=1000, offset=0)
    return {authority.id: authority.name for authority in found}


@router.get("/web/users", name="web_users", responses={303: {}, 403: {}})
def users_page(request: Request, session: SessionDep, viewer: ViewerDep, _officer: PageOfficer) -> Response:
    """Everyone who can sign in, their role and authority, and whether they are disabled."""
    context = {"accounts": accounts.list_accounts(session=session), "authority_names": authority_names(session)}
    return render(request, "users.html", context)


def invite_form(
    request: Request, session: Session, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    """The invitation form, empty or with what was typed and its refusals."""
    context = {
        "values": values,
        "errors": errors,
        "roles": ROLE_HINTS,
        "authority_names": authority_names(session),
    }
    return render(request, "user_invite.html", context, status_code=status_code)


@router.get("/web/users/invite", name="web_user_invite", responses={303: {}, 403: {}})
def invite_page(request: Request, session: SessionDep, viewer: ViewerDep, _officer: PageOfficer) -> Response:
    """The form to invite a person: their email, name, role and (for a planning officer) authority."""
    return invite_form(request, session, {"role": "", "local_authority_id": ""}, {})


@router.post("/web/users/invite", responses={303: {}, 403: {}, 409: {}, 422: {}})
def invite(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    officer: PageOfficer,
    _csrf: CsrfDep,
    email: Annotated[str, Form(max_length=500)] = "",
    name: Annotated[str, Form(max_length=500)] = "",
    role: Annotated[str, Form(max_length=50)] = "",
    local_authority_id: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Create the account and show its one-time link to set a password."""
    values = {"email": email, "name": name, "role": role, "local_authority_id": local_authority_id}
    if role not in Role.__members__:
        return invite_form(request, session, values, {"role": "Choose the person's role"}, 422)
    chosen = Role(role)
    try:
        account = accounts.create_account(
            session=session,
            email=email,
            name=name,
            role=chosen,
            local_authority_id=(local_authority_id or None) if chosen is Role.planning else None,
        )
    except DomainError as error:
        return invite_form(request, session, values, {error.field or "email": sentence(error.detail)}, error.status)
    issued = accounts.issue_password_link(session=session, account=account)
    audit(request, session, officer).record("accounts", [account.id], account_body(account))
    context = {"account": account, "link": link_url(request, issued.secret), "invited": True}
    return render(request, "user_link.html", context, status_code=201)


def known_account(session: Session, account_id: int) -> Account:
    """An account the officer asked for by id."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFoundError(f"no account {account_id}")
    return account


@router.get("/web/users/{account_id}", name="web_user", responses={303: {}, 403: {}, 404: {}})
def user_page(
    request: Request, account_id: RowId, session: SessionDep, viewer: ViewerDep, _officer: PageOfficer
) -> Response:
    """One person's account: role, authority, last sign-in, and the officer's actions on it."""
    account = known_account(session, account_id)
    context = {
        "account": account,
        "authority_names": authority_names(session),
        "tokens": list_account_tokens(session=session, account_id=account.id),
        "is_self": account.id == viewer.principal.account_id,
    }
    return render(request, "user.html", context)


@router.post("/web/users/{account_id}/disable", responses={303: {}, 403: {}, 404: {}, 409: {}})
def disable(
    request: Request, account_id: RowId, session: SessionDep, viewer: ViewerDep, officer: PageOfficer, _csrf: CsrfDep
) -> Response:
    """Disable the account: its sessions end and its tokens are revoked at once."""
    account = known_account(session, account_id)
    if account.id == officer.account_id:
        context = {"reason": "You cannot disable your own account: ask another officer"}
        return render(request, "forbidden.html", context, status_code=409)
    accounts.disable_account(session=session, account=account)
    audit(request, session, officer).record("accounts", [account.id], {**account_body(account), "disabled": True})
    return RedirectResponse(request.url_for("web_user", account_id=account.id).path, status_code=303)


@router.post("/web/users/{account_id}/enable", responses={303: {}, 403: {}, 404: {}})
def enable(
    request: Request, account_id: RowId, session: SessionDep, viewer: ViewerDep, officer: PageOfficer, _csrf: CsrfDep
) -> Response:
    """Let a disabled account sign in again."""
    account = known_account(session, account_id)
    accounts.enable_account(session=session, account=account)
    audit(request, session, officer).record("accounts", [account.id], {**account_body(account), "disabled": False})
    return RedirectResponse(request.url_for("web_user", account_id=account.id).path, status_code=303)


@router.post("/web/users/{account_id}/password-link", responses={201: {}, 303: {}, 403: {}, 404: {}})
def reset_password(
    request: Request, account_id: RowId, session: SessionDep, viewer: ViewerDep, officer: PageOfficer, _csrf: CsrfDep
) -> Response:
    """Reset the password: the old one stops working, the person's sessions end, and a new one-time link is shown."""
    account = known_account(session, account_id)
    issued = accounts.issue_password_link(session=session, account=account)
    audit(request, session, officer).record("password_links", [issued.link.id], {"account_id": account.id})
    context = {"account": account, "link": link_url(request, issued.secret), "invited": False}
    return render(request, "user_link.html", context, status_code=201)


def account_page_response(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    new_token: tuple[ApiToken, str] | None = None,
    made_before: ApiToken | None = None,
    errors: dict[str, str] | None = None,
    token_name: str = "",
    status_code: int = 200,
) -> Response:
    """The signed-in person's own page: who they are and their API tokens."""
    assert principal.account_id is not None
    context = {
        "account": accounts.get_account(session=session, account_id=principal.account_id),
        "tokens": list_account_tokens(session=session, account_id=principal.account_id),
        "new_token": new_token,
        "made_before": made_before,
        "errors": errors or {},
        "token_name": token_name,
    }
    return render(request, "account.html", context, status_code=status_code)


@router.get("/web/account", name="web_account", responses={303: {}})
def account_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """Your account: your role and your API tokens for scripts."""
    return account_page_response(request, session, viewer.principal)


@router.post("/web/account/tokens", name="web_account_tokens", responses={201: {}, 303: {}, 403: {}, 422: {}})
def make_token(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    principal: PagePrincipal,
    _csrf: CsrfDep,
    name: Annotated[str, Form(max_length=500)] = "",
    form_key: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Make an API token that acts as this account; its secret is shown on this page once.

    The form's one-time key makes a reload or a second click show the token already made, never make another.
    """
    if not name.strip():
        errors = {"name": "Enter a name for the token, such as the script that will use it"}
        return account_page_response(request, session, principal, errors=errors, status_code=422)
    actor = idempotency.caller_of(principal)
    one_time = f"{KEY_PREFIX}{form_key}" if form_key else None
    fingerprint = idempotency.fingerprint("POST", request.url.path, {"name": name.strip()})
    if one_time:
        try:
            stored = idempotency.replay(session=session, actor=actor, key=one_time, request_fingerprint=fingerprint)
        except ConflictError:
            errors = {"name": "This form was already sent with another name: reload the page to make another token"}
            return account_page_response(request, session, principal, errors=errors, status_code=409)
        if stored is not None:
            made = session.get(ApiToken, stored.response_body["token_id"])
            return account_page_response(request, session, principal, made_before=made)
    account = accounts.get_account(session=session, account_id=principal.account_id or 0)
    row, secret = create_token(
        session=session,
        name=name.strip()[:200],
        role=account.role,
        local_authority_id=account.local_authority_id,
        account=account,
    )
    body = {"name": row.name, "role": row.role.value, "local_authority_id": row.local_authority_id}
    audit(request, session, principal).record("api_tokens", [row.id], body)
    if one_time:
        idempotency.remember(
            session=session,
            actor=actor,
            key=one_time,
            request_fingerprint=fingerprint,
            status=201,
            body={"token_id": row.id},
        )
    return account_page_response(request, session, principal, new_token=(row, secret), status_code=201)


@router.post("/web/account/tokens/{token_id}/revoke", responses={303: {}, 403: {}, 404: {}})
def revoke(
    request: Request, token_id: RowId, session: SessionDep, viewer: ViewerDep, principal: PagePrincipal, _csrf: CsrfDep
) -> Response:
    """Revoke one of this account's own tokens."""
    row = session.get(ApiToken, token_id)
    if row is None or row.account_id != principal.account_id:
        raise NotFoundError(f"no token {token_id}")
    if row.revoked_at is None:
        revoke_token(session=session, token_id=row.id)
        body = {"name": row.name, "role": row.role.value, "revoked": True}
        audit(request, session, principal).record("api_tokens", [row.id], body)
    return RedirectResponse(request.url_for("web_account").path, status_code=303)
