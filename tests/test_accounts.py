"""Accounts through HTTP: invitations, set-password links, slowed guessing, disabling, and their own tokens."""

import re
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import sign_in as signing_in
from app.models import Account, AccountSession, ApiToken, AuditEntry, SignInAttempt
from tests.accounts import EMAILS, PASSWORD, csrf_token, make_accounts, post_form, sign_in
from tests.builders import agreement

NEW_PASSWORD = "three random words here"


@pytest.fixture
def people(api: Any, session: Session) -> dict[str, int]:
    """One account per role; the planning officer's at Blaby."""
    return make_accounts(session)


def page(api: Any, path: str) -> Any:
    """GET a page with the session cookie only."""
    return api.client.get(path, follow_redirects=False)


def invite(api: Any, **fields: str) -> Any:
    """The officer's invitation form, posted with the session's CSRF token."""
    return post_form(api.client, "/web/users/invite", fields, token_from="/web/users/invite")


def link_in(html: str) -> str:
    """The set-password link's path shown on an invitation or reset page."""
    start = html.index('id="password-link">') + len('id="password-link">')
    url = html[start : html.index("</p>", start)].strip()
    return url[url.index("/web/set-password/") :]


class TestThrottling:
    def test_five_wrong_passwords_for_an_email_make_it_wait(self, api: Any, session: Session, people: Any) -> None:
        for _ in range(signing_in.FAILURES_PER_EMAIL):
            assert sign_in(api.client, "finance", password="wrong password").status_code == 422
        blocked = sign_in(api.client, "finance")  # even the right password waits
        assert blocked.status_code == 429
        assert "too many failed attempts to sign in" in blocked.text
        assert "set-cookie" not in blocked.headers
        assert sign_in(api.client, "officer").status_code == 303  # another email from the same address is not held
        failures = session.scalar(
            select(func.count()).where(SignInAttempt.email == EMAILS["finance"], SignInAttempt.succeeded.is_(False))
        )
        assert failures == signing_in.FAILURES_PER_EMAIL  # recorded in the database, the held attempt not counted

    def test_a_success_clears_the_count_for_the_email(self, api: Any, people: Any) -> None:
        for _ in range(signing_in.FAILURES_PER_EMAIL - 1):
            sign_in(api.client, "finance", password="wrong password")
        assert sign_in(api.client, "finance").status_code == 303
        for _ in range(signing_in.FAILURES_PER_EMAIL - 1):
            sign_in(api.client, "finance", password="wrong password")
        assert sign_in(api.client, "finance").status_code == 303

    def test_many_failures_from_one_address_make_it_wait(self, api: Any, people: Any) -> None:
        for number in range(signing_in.FAILURES_PER_ADDRESS):
            response = sign_in(api.client, email=f"guess{number}@police.example", password="wrong password")
            assert response.status_code == 422
        assert sign_in(api.client, "officer").status_code == 429


class TestInvitation:
    def test_an_invited_planning_officer_sets_a_password_and_sees_only_their_authority(
        self, api: Any, session: Session, people: Any
    ) -> None:
        agreement(api, local_authority_id="charnwood", reference="P/20/0001/2")
        assert sign_in(api.client, "officer").status_code == 303
        made = invite(api, name="Jo Smith", email="Jo.Smith@Blaby.example", role="planning", local_authority_id="blaby")
        assert made.status_code == 201, made.text
        link = link_in(made.text)
        account = session.scalar(select(Account).where(Account.email == "jo.smith@blaby.example"))
        assert account is not None and account.password_hash is None and account.local_authority_id == "blaby"
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry is not None and entry.resource == "accounts" and entry.actor_account_id == people["officer"]
        assert link.split("/")[-1] not in str(entry.body)  # the secret is never kept
        api.client.cookies.clear()
        assert page(api, link).status_code == 200
        short = api.client.post(link, data={"password": "short", "confirm": "short"}, follow_redirects=False)
        assert short.status_code == 422 and "at least 12 characters" in short.text
        done = api.client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=False)
        assert done.status_code == 303
        assert page(api, link).status_code == 404  # once only
        assert sign_in(api.client, email="jo.smith@blaby.example", password=NEW_PASSWORD).status_code == 303
        home = page(api, "/web")
        assert "Jo Smith" in home.text and "Blaby" in home.text and "Charnwood" not in home.text
        assert page(api, "/web/local-authorities/charnwood").status_code == 404
        assert page(api, "/web/users").status_code == 403

    def test_refusals_are_shown_beside_the_field_with_what_was_typed(self, api: Any, people: Any) -> None:
        sign_in(api.client, "officer")
        no_authority = invite(api, name="Al Jones", email="al@blaby.example", role="planning")
        assert no_authority.status_code == 422
        assert "must name their local authority" in no_authority.text
        assert 'value="al@blaby.example"' in no_authority.text
        taken = invite(api, name="Sam Again", email="OFFICER@police.example", role="officer")
        assert taken.status_code == 409 and "already an account" in taken.text
        bad = invite(api, name="Bea", email="not an address", role="finance")
        assert bad.status_code == 422 and "correct format" in bad.text
        assert invite(api, name="Bea", email="bea@police.example", role="").status_code == 422

    def test_finance_cannot_invite(self, api: Any, session: Session, people: Any) -> None:
        sign_in(api.client, "finance")
        token = csrf_token(api.client)
        response = api.client.post(
            "/web/users/invite",
            data={"name": "X", "email": "x@police.example", "role": "officer", "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert session.scalar(select(Account).where(Account.email == "x@police.example")) is None


class TestDisableAndReset:
    def test_disabling_ends_sessions_and_tokens_at_once(self, api: Any, session: Session, people: Any) -> None:
        sign_in(api.client, "planning")
        planning_cookie = api.client.cookies["s106_session"]
        made = post_form(api.client, "/web/account/tokens", {"name": "my script"})
        token = made.text.split('id="new-token">')[1].split("</p>")[0].strip()
        assert api.client.get("/agreements", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        api.client.cookies.clear()
        sign_in(api.client, "officer")
        disabled = post_form(api.client, f"/web/users/{people['planning']}/disable", token_from="/web/users")
        assert disabled.status_code == 303
        api.client.cookies.clear()
        api.client.cookies.set("s106_session", planning_cookie)
        assert page(api, "/web").status_code == 303
        api.client.cookies.clear()
        assert api.client.get("/agreements", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert sign_in(api.client, "planning").status_code == 422
        count = select(func.count()).select_from(AccountSession).where(AccountSession.account_id == people["planning"])
        assert session.scalar(count) == 0

    def test_an_officer_cannot_disable_themselves(self, api: Any, people: Any) -> None:
        sign_in(api.client, "officer")
        response = post_form(api.client, f"/web/users/{people['officer']}/disable", token_from="/web/users")
        assert response.status_code == 409
        assert page(api, "/web").status_code == 200

    def test_a_reset_stops_the_old_password_and_gives_a_new_link(self, api: Any, people: Any) -> None:
        sign_in(api.client, "finance")
        finance_cookie = api.client.cookies["s106_session"]
        api.client.cookies.clear()
        sign_in(api.client, "officer")
        reset = post_form(api.client, f"/web/users/{people['finance']}/password-link", token_from="/web/users")
        assert reset.status_code == 201
        link = link_in(reset.text)
        api.client.cookies.clear()
        api.client.cookies.set("s106_session", finance_cookie)
        assert page(api, "/web").status_code == 303  # signed out
        api.client.cookies.clear()
        assert sign_in(api.client, "finance").status_code == 422
        api.client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert sign_in(api.client, "finance", password=NEW_PASSWORD).status_code == 303


class TestAccountTokens:
    def test_an_account_makes_uses_and_revokes_its_own_token(self, api: Any, session: Session, people: Any) -> None:
        sign_in(api.client, "officer")
        made = post_form(api.client, "/web/account/tokens", {"name": "nightly balances"})
        assert made.status_code == 201
        secret = made.text.split('id="new-token">')[1].split("</p>")[0].strip()
        row = session.scalar(select(ApiToken).where(ApiToken.name == "nightly balances"))
        assert row is not None and row.account_id == people["officer"] and row.token_hash not in made.text
        bearer = {"Authorization": f"Bearer {secret}"}
        created = api.client.post(
            "/agreements",
            headers=bearer,
            json={"local_authority_id": "blaby", "reference": "T/1", "site": "A field", "signed_on": "2020-01-01"},
        )
        assert created.status_code == 201
        entry = session.scalars(select(AuditEntry).where(AuditEntry.resource == "agreements")).first()
        assert entry is not None
        assert (entry.actor_name, entry.actor_account_id) == ("Sam Officer", people["officer"])
        listed = page(api, "/web/account")
        assert "nightly balances" in listed.text and secret not in listed.text  # shown once only
        revoked = post_form(api.client, f"/web/account/tokens/{row.id}/revoke")
        assert revoked.status_code == 303
        assert api.client.get("/agreements", headers=bearer).status_code == 401

    def test_sending_the_form_again_makes_no_second_token(self, api: Any, session: Session, people: Any) -> None:
        sign_in(api.client, "officer")
        form_key = re.search(r'name="form_key" value="([^"]+)"', page(api, "/web/account").text)
        assert form_key is not None
        sent = {"name": "reloaded", "form_key": form_key.group(1)}
        first = post_form(api.client, "/web/account/tokens", sent)
        assert first.status_code == 201
        secret = first.text.split('id="new-token">')[1].split("</p>")[0].strip()
        again = post_form(api.client, "/web/account/tokens", sent)
        assert again.status_code == 200
        assert "no second token was made" in again.text and secret not in again.text
        made = session.scalars(select(ApiToken).where(ApiToken.name == "reloaded")).all()
        assert len(made) == 1
        other = post_form(api.client, "/web/account/tokens", {**sent, "name": "another name"})
        assert other.status_code == 409
        assert session.scalars(select(ApiToken).where(ApiToken.name == "another name")).all() == []

    def test_another_account_cannot_revoke_it(self, api: Any, session: Session, people: Any) -> None:
        sign_in(api.client, "officer")
        post_form(api.client, "/web/account/tokens", {"name": "officer's"})
        row = session.scalar(select(ApiToken).where(ApiToken.name == "officer's"))
        assert row is not None
        api.client.cookies.clear()
        sign_in(api.client, "finance")
        assert post_form(api.client, f"/web/account/tokens/{row.id}/revoke").status_code == 404
        session.refresh(row)
        assert row.revoked_at is None

    def test_a_token_needs_a_name(self, api: Any, people: Any) -> None:
        sign_in(api.client, "finance")
        response = post_form(api.client, "/web/account/tokens", {"name": "  "})
        assert response.status_code == 422
        assert "Enter a name for the token" in response.text

    def test_a_planning_officers_token_is_bound_to_their_authority(self, api: Any, people: Any) -> None:
        sign_in(api.client, "planning")
        made = post_form(api.client, "/web/account/tokens", {"name": "receipts"})
        secret = made.text.split('id="new-token">')[1].split("</p>")[0].strip()
        bearer = {"Authorization": f"Bearer {secret}"}
        assert api.client.get("/local-authorities/charnwood", headers=bearer).status_code == 404
        assert api.client.get("/local-authorities/blaby", headers=bearer).status_code == 200


def test_a_password_is_stored_only_as_an_argon2_hash(session: Session, api: Any, people: Any) -> None:
    account = session.get(Account, people["officer"])
    assert account is not None and account.password_hash is not None
    assert account.password_hash.startswith("$argon2id$") and PASSWORD not in account.password_hash
