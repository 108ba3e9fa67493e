"""Accounts in a real browser: signing in and out, refusals, slowed guessing, invitations, disabling, tokens."""

import re
from typing import Any

import httpx

from tests.accounts import EMAILS, PASSWORD
from tests.browser.conftest import LiveServer
from tests.browser.helpers import check, sign_in

NEW_PASSWORD = "kettle orchard lantern"


def sign_out(page: Any, server: LiveServer) -> None:
    """Press Sign out in the header."""
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{server.url}/web/sign-in")


def try_sign_in(page: Any, server: LiveServer, email: str, password: str) -> None:
    """Fill and send the sign-in form, wherever it leads."""
    page.goto(f"{server.url}/web/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


class TestSignInAndOut:
    def test_a_wrong_password_is_explained_and_sign_out_ends_the_session(
        self, page: Any, live_server: LiveServer
    ) -> None:
        page.goto(f"{live_server.url}/web")
        check(page, "sign-in")
        try_sign_in(page, live_server, EMAILS["finance"], "not the password")
        summary = page.get_by_role("alert")
        assert summary.inner_text().startswith("There is a problem")
        assert "Enter a correct email address and password" in summary.inner_text()
        assert page.get_by_label("Email address").input_value() == EMAILS["finance"]
        assert page.title().startswith("Error: ")
        check(page, "sign-in-error")
        sign_in(page, live_server, "finance")
        cookie = next(item for item in page.context.cookies() if item["name"] == "s106_session")
        assert cookie["httpOnly"] is True
        assert cookie["sameSite"] == "Lax"
        assert cookie["expires"] == -1  # a session cookie: gone when the browser closes
        sign_out(page, live_server)
        assert not [item for item in page.context.cookies() if item["name"] == "s106_session"]
        page.goto(f"{live_server.url}/web/local-authorities/blaby")
        assert page.url.startswith(f"{live_server.url}/web/sign-in?next=")
        kept = httpx.get(f"{live_server.url}/agreements", cookies={"s106_session": cookie["value"]})
        assert kept.status_code == 401  # the old cookie, kept by anyone, names no session

    def test_every_role_signs_in_and_reaches_its_account_page(
        self, signed_in: tuple[Any, str], live_server: LiveServer
    ) -> None:
        page, role = signed_in
        page.get_by_role("link", name="Your account").click()
        page.wait_for_url("**/web/account")
        assert page.get_by_role("heading", level=1).inner_text() == "Your account"
        assert EMAILS[role] in page.content()
        users = page.get_by_role("link", name="Users")
        assert users.count() == (1 if role == "officer" else 0)
        check(page, f"account-{role}")


class TestThrottling:
    def test_repeated_failures_make_the_email_wait(self, page: Any, live_server: LiveServer) -> None:
        email = "slow.down@police.example"  # no such account: guessing at a name is slowed just the same
        for _ in range(5):
            try_sign_in(page, live_server, email, "guess")
            assert "Enter a correct email address and password" in page.get_by_role("alert").inner_text()
        try_sign_in(page, live_server, email, "guess")
        assert "too many failed attempts to sign in" in page.get_by_role("alert").inner_text()
        check(page, "sign-in-throttled")


class TestInvitingAPlanningOfficer:
    def test_invited_user_signs_in_and_sees_only_their_authority_then_is_disabled(
        self, browser: Any, page: Any, live_server: LiveServer
    ) -> None:
        sign_in(page, live_server, "officer")
        page.get_by_role("link", name="Users").click()
        page.wait_for_url("**/web/users")
        check(page, "users")
        page.get_by_role("button", name="Invite a user").click()
        page.wait_for_url("**/web/users/invite")
        page.get_by_role("button", name="Invite").click()
        assert page.get_by_role("alert").is_visible()
        check(page, "user-invite-error")
        page.get_by_label("Full name").fill("Jo Smith")
        page.get_by_label("Email address").fill("jo.smith@charnwood.example")
        page.get_by_role("radio", name="Planning officer").check()
        page.get_by_label("Local authority (planning officers only)").select_option(label="Charnwood Borough Council")
        check(page, "user-invite")
        page.get_by_role("button", name="Invite").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Invitation made"
        link = page.locator("#password-link").inner_text().strip()
        check(page, "user-invited")
        invited_page = page.url

        person = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB", bypass_csp=True)
        try:
            theirs = person.new_page()
            theirs.goto(link)
            check(theirs, "set-password")
            theirs.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
            theirs.get_by_label("Password again").fill(NEW_PASSWORD)
            theirs.get_by_role("button", name="Set password").click()
            theirs.wait_for_url("**/web/sign-in?set=1")
            sign_in(theirs, live_server, "planning", email="jo.smith@charnwood.example", password=NEW_PASSWORD)
            content = theirs.content()
            assert "Jo Smith" in content and "Charnwood" in content
            for other in ("Blaby", "Harborough", "Rutland", "Melton"):
                assert other not in content
            assert theirs.locator("#panel tbody tr").count() == 1
            response = theirs.goto(f"{live_server.url}/web/local-authorities/blaby")
            assert response.status == 404
            assert theirs.goto(f"{live_server.url}/web/users").status == 403
            check(theirs, "forbidden-planning")

            page.goto(f"{live_server.url}/web/users")
            page.get_by_role("link", name="Jo Smith").click()
            check(page, "user")
            page.get_by_role("button", name="Disable account").click()
            assert "Disabled on" in page.locator("#account").inner_text()

            theirs.goto(f"{live_server.url}/web")
            assert theirs.url.startswith(f"{live_server.url}/web/sign-in")  # their session ended at once
            try_sign_in(theirs, live_server, "jo.smith@charnwood.example", NEW_PASSWORD)
            assert "Enter a correct email address and password" in theirs.get_by_role("alert").inner_text()
        finally:
            person.close()
        assert invited_page


class TestAccountTokens:
    def test_a_token_made_on_the_account_page_works_until_revoked(self, page: Any, live_server: LiveServer) -> None:
        sign_in(page, live_server, "planning")
        page.get_by_role("link", name="Your account").click()
        page.get_by_role("button", name="Make token").click()
        assert "Enter a name for the token" in page.get_by_role("alert").inner_text()
        page.get_by_label("Name of the token").fill("receipts script")
        page.get_by_role("button", name="Make token").click()
        secret = page.locator("#new-token").inner_text().strip()
        assert re.fullmatch(r"s106_[A-Za-z0-9_-]{43}", secret)
        check(page, "account-token-made")
        bearer = {"Authorization": f"Bearer {secret}"}
        listed = httpx.get(f"{live_server.url}/local-authorities", headers=bearer).json()
        assert [item["id"] for item in listed["items"]] == ["blaby"]
        page.goto(f"{live_server.url}/web/account")
        assert secret not in page.content()
        page.get_by_role("button", name="Revoke receipts script").click()
        page.wait_for_url("**/web/account")
        assert "Revoked" in page.locator("#tokens").inner_text()
        assert httpx.get(f"{live_server.url}/local-authorities", headers=bearer).status_code == 401


def test_passwords_never_reach_the_page(page: Any, live_server: LiveServer) -> None:
    try_sign_in(page, live_server, EMAILS["officer"], "wrong " + PASSWORD)
    assert PASSWORD not in page.content()
