"""The real server in a subprocess, on a database of its own, and an API client of it."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from alembic import command
from sqlalchemy.orm import Session

from app.auth.service import create_token
from app.db import make_engine
from app.models import Role
from seed.loader import load_local_authorities
from tests.accounts import make_accounts
from tests.conftest import ROOT, Tokens, alembic_config


def free_port() -> int:
    """A TCP port nothing is listening on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare_database(url: str) -> Tokens:
    """Migrate a new database, add the nine LLR authorities from the seed, and one token and one account per role."""
    engine = make_engine(url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    with Session(engine) as session, session.begin():
        load_local_authorities(session)
        _, officer = create_token(session=session, name="Sam Officer", role=Role.officer)
        _, finance = create_token(session=session, name="Fran Finance", role=Role.finance)
        _, planning = create_token(session=session, name="Pat Planner", role=Role.planning, local_authority_id="blaby")
        _, panel = create_token(session=session, name="Penny Panel", role=Role.panel)
        make_accounts(session)
    engine.dispose()
    return Tokens(officer=officer, finance=finance, planning=planning, panel=panel)


def start_server(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    """uvicorn serving app.main:app on the port, against the database; returns once /health answers."""
    # The public page is off by default; the walk turns it on to check it with axe.
    environment = {**os.environ, "DATABASE_URL": url, "PUBLIC_PANEL_PAGE": "true"}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"the server did not answer within 60 s: {log.read_text()}")


class HttpApi:
    """The running server's JSON API, with a token chosen per call (the `api` fixture's interface)."""

    def __init__(self, base_url: str, tokens: Tokens) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30)
        self.tokens = tokens

    def request(self, method: str, path: str, *, role: str | None = "officer", **kwargs: Any) -> httpx.Response:
        """Any method as the given role."""
        headers = dict(kwargs.pop("headers", None) or {})
        if role is not None:
            headers["Authorization"] = f"Bearer {getattr(self.tokens, role)}"
        return self.client.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, *, role: str | None = "officer", **kwargs: Any) -> httpx.Response:
        """GET as the given role."""
        return self.request("GET", path, role=role, **kwargs)

    def post(self, path: str, *, role: str | None = "officer", **kwargs: Any) -> httpx.Response:
        """POST as the given role."""
        return self.request("POST", path, role=role, **kwargs)

    def patch(self, path: str, *, role: str | None = "officer", **kwargs: Any) -> httpx.Response:
        """PATCH as the given role."""
        return self.request("PATCH", path, role=role, **kwargs)
