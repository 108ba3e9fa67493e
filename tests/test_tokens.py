"""The token commands on a migrated database of their own, and the tokens they print used over HTTP."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from app.auth.service import hash_token
from app.cli import main
from app.db import get_engine, get_sessionmaker
from app.main import app
from app.models import ApiToken, AuditEntry
from tests.servers import forget_database

TOKEN = re.compile(r"s106_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Run `s106 ...` against a fresh SQLite file, migrated and seeded through the CLI itself."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("COLUMNS", "60")  # a narrow terminal must not cut a token short
    forget_database()
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, list(args))
        assert result.exit_code == code, result.output
        return str(result.output)

    run("migrate")
    run("seed")
    try:
        yield run
    finally:
        forget_database()


@pytest.fixture
def client(cli: Any) -> Iterator[TestClient]:
    """The app serving the CLI's database (no test session override)."""
    with TestClient(app) as client:
        yield client


def status(client: TestClient, token: str, path: str = "/local-authorities") -> int:
    """The status of a GET with a token."""
    return client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code


def stored_tokens() -> list[ApiToken]:
    """The token rows, read straight from the database."""
    with get_sessionmaker()() as session:
        return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


class TestTokenCommands:
    """create prints the secret once on its last line and stores only its hash; revoke ends it."""

    def test_create_list_revoke(self, cli: Any, client: TestClient) -> None:
        output = cli("token", "create", "--role", "planning", "--local-authority", "melton", "--name", "Jo Smith")
        secret = output.strip().splitlines()[-1]
        assert TOKEN.fullmatch(secret)
        [row] = stored_tokens()
        assert (row.name, row.role.value, row.local_authority_id) == ("Jo Smith", "planning", "melton")
        assert row.token_hash == hash_token(secret)
        assert secret not in str([getattr(row, column.key) for column in ApiToken.__table__.columns])
        assert secret[5:20] not in Path(str(get_engine().url.database)).read_bytes().decode("latin-1")

        visible = client.get("/local-authorities", headers={"Authorization": f"Bearer {secret}"}).json()
        assert [item["id"] for item in visible["items"]] == ["melton"]

        listed = cli("token", "list")
        assert "Jo Smith" in listed and "planning" in listed and "melton" in listed
        assert secret not in listed and row.token_hash not in listed

        assert "revoked token" in cli("token", "revoke", str(row.id))
        response = client.get("/local-authorities", headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["detail"] == "the token is unknown or has been revoked"
        assert stored_tokens()[0].revoked_at is not None
        cli("token", "revoke", str(row.id))  # twice is harmless

        officer = cli("token", "create", "--role", "officer", "--name", "Auditor").strip().splitlines()[-1]
        trail = client.get(
            "/audit", params={"resource": "api_tokens"}, headers={"Authorization": f"Bearer {officer}"}
        ).json()
        assert [(item["method"], item["path"], item["resource_ids"]) for item in reversed(trail["items"])] == [
            ("CLI", "s106 token create", [row.id]),
            ("CLI", "s106 token revoke", [row.id]),
            ("CLI", "s106 token create", [row.id + 1]),
        ]
        assert trail["items"][-1]["body"] == {"name": "Jo Smith", "role": "planning", "local_authority_id": "melton"}
        assert all(item["actor_name"].startswith("command line (") for item in trail["items"])
        assert secret not in str(trail) and officer not in str(trail)

    def test_each_role(self, cli: Any, client: TestClient) -> None:
        officer = cli("token", "create", "--role", "officer", "--name", "S106 officer").strip().splitlines()[-1]
        finance = cli("token", "create", "--role", "finance", "--name", "OPCC finance").strip().splitlines()[-1]
        assert status(client, officer, "/audit") == status(client, finance, "/audit") == 200
        body = {"local_authority_id": "blaby", "reference": "A/1", "site": "S", "signed_on": "2020-01-01"}
        assert client.post("/agreements", json=body, headers={"Authorization": f"Bearer {finance}"}).status_code == 403
        assert client.post("/agreements", json=body, headers={"Authorization": f"Bearer {officer}"}).status_code == 201

    def test_refusals(self, cli: Any) -> None:
        assert "must name its local authority" in cli("token", "create", "--role", "planning", "--name", "A", code=2)
        unknown = cli("token", "create", "--role", "planning", "--local-authority", "nowhere", "--name", "A", code=2)
        assert "no local authority 'nowhere'" in unknown
        bound = cli("token", "create", "--role", "finance", "--local-authority", "blaby", "--name", "A", code=2)
        assert "only a planning token" in bound
        assert "no token 99" in cli("token", "revoke", "99", code=2)
        cli("token", "create", "--role", "auditor", "--name", "A", code=2)
        assert stored_tokens() == []


class TestDemoTokens:
    """`s106 demo-tokens` (run by `make run`) prints one working token per role, replacing earlier ones."""

    def demo(self, cli: Any, *args: str) -> dict[str, str]:
        output = cli("demo-tokens", *args)
        found = {}
        for line in output.splitlines():
            token = TOKEN.search(line)
            if token:
                found[line.split()[0]] = token.group()
        return found

    def test_one_token_per_role(self, cli: Any, client: TestClient) -> None:
        tokens = self.demo(cli)
        assert set(tokens) == {"officer", "finance", "planning", "panel"}
        planning = client.get("/local-authorities", headers={"Authorization": f"Bearer {tokens['planning']}"})
        assert [item["id"] for item in planning.json()["items"]] == ["blaby"]
        officer = client.get("/local-authorities", headers={"Authorization": f"Bearer {tokens['officer']}"})
        assert officer.json()["total"] == 9
        assert status(client, tokens["finance"], "/audit") == 200
        assert status(client, tokens["planning"], "/audit") == 403
        assert status(client, tokens["panel"], "/local-authorities") == 403
        assert status(client, tokens["panel"], "/reports/panel") == 200

        again = self.demo(cli)
        assert all(status(client, token, "/bid-summary") == 401 for token in tokens.values())
        assert all(status(client, token, "/bid-summary") == 200 for token in again.values())
        with get_sessionmaker()() as session:
            paths = session.scalars(select(AuditEntry.path).where(AuditEntry.resource == "api_tokens")).all()
        assert paths == ["s106 demo-tokens"] * 12  # four made, four revoked, four made
        names = [(row.name, row.revoked_at is None) for row in stored_tokens()]
        assert names[-4:] == [
            ("demo officer", True),
            ("demo finance", True),
            ("demo planning blaby", True),
            ("demo panel", True),
        ]

    def test_planning_token_for_a_long_authority_name_prints_whole(self, cli: Any, client: TestClient) -> None:
        tokens = self.demo(cli, "--local-authority", "north-west-leicestershire")
        planning = client.get("/local-authorities", headers={"Authorization": f"Bearer {tokens['planning']}"})
        assert [item["id"] for item in planning.json()["items"]] == ["north-west-leicestershire"]
