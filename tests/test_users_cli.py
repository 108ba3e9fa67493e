"""`s106 user ...` and `s106 demo-accounts` on a migrated database of their own, signed in over HTTP afterwards."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import main
from app.db import get_sessionmaker
from app.models import Account, AuditEntry
from tests.test_tokens import cli, client  # noqa: F401 - the fixtures: a fresh database and an app serving it

PASSWORD = "a long enough password"


def signs_in(client: TestClient, email: str, password: str) -> bool:  # noqa: F811
    """Whether the sign-in form accepts the email address and password."""
    response = client.post("/web/sign-in", data={"email": email, "password": password}, follow_redirects=False)
    client.cookies.clear()
    return response.status_code == 303


def create(*args: str, password: str = PASSWORD) -> Any:
    """`s106 user create ...` with the password on standard input, as a script gives it."""
    return CliRunner().invoke(main, ["user", "create", *args], input=f"{password}\n")


class TestUserCreate:
    def test_a_planning_officer_from_standard_input(self, cli: Any, client: TestClient) -> None:  # noqa: F811
        result = create("--email", "Jo@Blaby.example", "--role", "planning", "--local-authority", "blaby")
        assert result.exit_code == 0, result.output
        assert "jo@blaby.example (planning) created" in result.output
        assert PASSWORD not in result.output
        assert signs_in(client, "jo@blaby.example", PASSWORD)
        with get_sessionmaker()() as session:
            account = session.scalar(select(Account).where(Account.email == "jo@blaby.example"))
            assert account is not None and account.local_authority_id == "blaby"
            entry = session.scalars(select(AuditEntry).where(AuditEntry.resource == "accounts")).one()
            assert entry.path == "s106 user create" and "password" not in str(entry.body)

    def test_a_panel_member_reads_only_the_panel_pages(self, cli: Any, client: TestClient) -> None:  # noqa: F811
        result = create("--email", "member@panel.example", "--role", "panel", "--name", "Cllr Member")
        assert result.exit_code == 0, result.output
        assert "member@panel.example (panel) created" in result.output
        signed_in = client.post(
            "/web/sign-in", data={"email": "member@panel.example", "password": PASSWORD}, follow_redirects=False
        )
        assert signed_in.status_code == 303
        assert client.get("/web").status_code == 200
        assert client.get("/web/agreements").status_code == 403
        client.cookies.clear()

    def test_refusals(self, cli: Any) -> None:  # noqa: F811
        assert create("--email", "a@police.example", "--role", "officer", password="short").exit_code == 2
        planning = create("--email", "b@police.example", "--role", "planning")
        assert planning.exit_code == 2 and "local authority" in planning.output
        assert create("--email", "c@police.example", "--role", "officer").exit_code == 0
        again = create("--email", "C@police.example", "--role", "finance")
        assert again.exit_code == 2 and "already an account" in again.output
        assert create("--email", "d@police.example", "--role", "finance", "--local-authority", "blaby").exit_code == 2

    def test_disable(self, cli: Any, client: TestClient) -> None:  # noqa: F811
        create("--email", "e@police.example", "--role", "finance")
        assert "disabled e@police.example" in cli("user", "disable", "E@police.example")
        assert not signs_in(client, "e@police.example", PASSWORD)
        assert "e@police.example  finance  disabled" in cli("user", "list")


class TestDemoAccounts:
    """`s106 demo-accounts` (run by `make run`) prints one account per role; running it again changes the passwords."""

    def demo(self, cli: Any) -> dict[str, tuple[str, str]]:  # noqa: F811
        found = {}
        for line in cli("demo-accounts").splitlines():
            words = line.split()
            if words and words[0] in ("officer", "finance", "planning", "panel"):
                found[words[0]] = (words[1], words[2])
        return found

    def test_one_account_per_role(self, cli: Any, client: TestClient) -> None:  # noqa: F811
        first = self.demo(cli)
        assert set(first) == {"officer", "finance", "planning", "panel"}
        assert all(signs_in(client, email, password) for email, password in first.values())
        second = self.demo(cli)
        assert all(not signs_in(client, email, password) for email, password in first.values())
        assert all(signs_in(client, email, password) for email, password in second.values())
        client.post("/web/sign-in", data={"email": second["planning"][0], "password": second["planning"][1]})
        home = client.get("/web")
        assert "Blaby" in home.text and "Charnwood" not in home.text
        with get_sessionmaker()() as session:
            names = dict(session.execute(select(Account.email, Account.name)).all())
        # Named as the History of a request and recorded_by columns show them: a person, not a code.
        assert names[second["planning"][0]] == "Demo planning officer, Blaby District Council"
        assert names[second["officer"][0]] == "Demo S106 officer"
