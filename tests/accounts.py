"""Accounts for tests, and signing in and posting page forms the way a browser does."""

import re
from typing import Any

from argon2 import PasswordHasher, profiles
from sqlalchemy.orm import Session

from app.auth import passwords
from app.auth.accounts import create_account, find_account
from app.models import Role

PASSWORD = "correct horse battery staple"
"""Every test account's password."""

NAMES = {"officer": "Sam Officer", "finance": "Fran Finance", "planning": "Pat Planner", "panel": "Penny Panel"}
EMAILS = {role: f"{role}@police.example" for role in NAMES}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

# In-process tests hash with argon2's cheapest parameters: the suite makes and checks hundreds of passwords
# on two shared cores. The served app (and the browser tests' server) keeps the real, slow defaults.
passwords.hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)


def test_session() -> Session:
    """The test's own session, as the app's overridden session dependency hands it to requests."""
    from app.db import get_session
    from app.main import app

    override = app.dependency_overrides[get_session]
    requests_session: Session = next(override())
    return requests_session


def make_accounts(session: Session, planning_authority: str = "blaby") -> dict[str, int]:
    """One account per role (the planning officer's at `planning_authority`); returns their ids by role."""
    ids = {}
    for role, name in NAMES.items():
        account = find_account(session, EMAILS[role])
        if account is None:
            scope = planning_authority if role == "planning" else None
            account = create_account(
                session=session,
                email=EMAILS[role],
                name=name,
                role=Role(role),
                local_authority_id=scope,
                password=PASSWORD,
            )
        ids[role] = account.id
    session.commit()
    return ids


def sign_in(
    client: Any, role: str | None = None, *, email: str | None = None, password: str = PASSWORD, next_path: str = "/web"
) -> Any:
    """Post the sign-in form; the client keeps the session cookie."""
    return client.post(
        "/web/sign-in",
        data={"email": email or EMAILS[role or "officer"], "password": password, "next": next_path},
        follow_redirects=False,
    )


def csrf_token(client: Any, path: str = "/web/account") -> str:
    """The CSRF token the forms of a page carry for this client's session."""
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 200, response.text
    found = CSRF.search(response.text)
    assert found, f"{path} has no form with a CSRF token"
    return found.group(1)


def post_form(client: Any, path: str, data: dict[str, str] | None = None, *, token_from: str = "/web/account") -> Any:
    """Post a page form with this session's CSRF token, as the browser would."""
    return client.post(
        path, data={**(data or {}), "csrf_token": csrf_token(client, token_from)}, follow_redirects=False
    )
