"""Alerts: the digest each account is emailed (through a local SMTP server) and the page listing them."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.alerts.cli import send_all, smtp_sender
from app.auth.accounts import create_account
from app.cli import main
from app.config import Settings
from app.models import Role
from tests.accounts import EMAILS, PASSWORD, make_accounts
from tests.accounts import sign_in as account_sign_in
from tests.builders import agreement, contribution, event, movement
from tests.project_builders import allocate, drawdown, project, step

CHARNWOOD_PLANNER = "planner@charnwood.example"
TODAY = date.today()


class Inbox:
    """An aiosmtpd handler keeping each message by recipient."""

    def __init__(self) -> None:
        self.received: dict[str, list[str]] = {}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        text = message_from_bytes(envelope.content).get_payload(decode=True).decode()
        for recipient in envelope.rcpt_tos:
            self.received.setdefault(recipient, []).append(text)
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A local SMTP server on a free port, and what it receives."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def run_digests(session: Session, port: int) -> dict[str, int]:
    """`s106 alerts send`'s loop, in the test's transaction, through the local server."""

    @contextmanager
    def transaction() -> Iterator[Session]:
        yield session
        session.flush()

    settings = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="alerts@police.example")
    return send_all(
        transaction=transaction,
        send=smtp_sender(settings),
        sender="alerts@police.example",
        base_url="http://s106",
        today=TODAY,
    )


def build_world(api: Any, session: Session) -> dict[str, Any]:
    """A trigger passed at each authority, a deadline within 90 days and a request unanswered for 70 days at blaby."""
    make_accounts(session)
    create_account(
        session=session,
        email=CHARNWOOD_PLANNER,
        name="Chris Charnwood",
        role=Role.planning,
        local_authority_id="charnwood",
        password=PASSWORD,
    )
    session.commit()
    blaby = agreement(api, reference="BL/TRIGGER", dwellings=50)
    occupation = contribution(api, blaby["id"], trigger_type="on_occupation", threshold=10)
    assert api.post(f"/agreements/{blaby['id']}/progress", json={"on": "2024-03-31", "occupied": 12}).status_code == 201
    charnwood = agreement(api, local_authority_id="charnwood", reference="CH/TRIGGER")
    started = contribution(api, charnwood["id"], trigger_type="on_commencement")
    assert (
        api.post(f"/agreements/{charnwood['id']}/progress", json={"on": "2024-03-31", "started": 1}).status_code == 201
    )
    received_on = TODAY.replace(year=TODAY.year - 10) + timedelta(days=30)
    money = agreement(api, reference="BL/DEADLINE", signed_on=received_on - timedelta(days=400))
    held = contribution(api, money["id"], amount="8000.00", repayment_period_years=10)
    assert event(api, held["id"], "development_started", received_on - timedelta(days=100)).status_code == 201
    assert movement(api, held["id"], "received", "8000.00", received_on).status_code == 201
    made = project(api, name="Custody suite", category="equipment", estimate_low="9000.00")
    assert allocate(api, made["id"], held["id"], "2000.00").status_code == 201
    request = drawdown(api, local_authority_id="blaby", project_id=made["id"], lines=[(held["id"], "2000.00")])
    assert request.status_code == 201, request.text
    submitted = step(api, request.json()["id"], "submit", on=(TODAY - timedelta(days=70)).isoformat())
    assert submitted.status_code == 200, submitted.text
    return {"occupation": occupation["id"], "started": started["id"], "drawdown": request.json()["id"], "blaby": blaby}


class TestDigest:
    def test_each_account_gets_its_own_and_nothing_twice(self, api: Any, session: Session, inbox: Any) -> None:
        handler, port = inbox
        world = build_world(api, session)
        sent = run_digests(session, port)
        assert sent == {EMAILS["officer"]: 4, EMAILS["finance"]: 1, EMAILS["planning"]: 2}
        officer = handler.received[EMAILS["officer"]][0]
        assert "BL/TRIGGER" in officer and "CH/TRIGGER" in officer and "BL/DEADLINE" in officer
        assert f"Drawdown request {world['drawdown']}" in officer
        assert "£8,000.00 unspent" in handler.received[EMAILS["finance"]][0]
        planner = handler.received[EMAILS["planning"]][0]
        assert "BL/DEADLINE" in planner and f"Drawdown request {world['drawdown']}" in planner
        assert "CH/" not in planner and "TRIGGER" not in planner
        assert CHARNWOOD_PLANNER not in handler.received  # nothing of charnwood's is due to a planning officer

        assert run_digests(session, port) == {}  # run again the same day: nothing is sent twice
        assert len(handler.received[EMAILS["officer"]]) == 1

        later = contribution(api, world["blaby"]["id"], trigger_type="on_occupation", threshold=5)
        assert run_digests(session, port) == {EMAILS["officer"]: 1}
        assert f"contribution {later['id']}" in handler.received[EMAILS["officer"]][1]

    def test_a_confirmed_trigger_is_no_longer_an_alert(self, api: Any, session: Session, inbox: Any) -> None:
        _handler, port = inbox
        world = build_world(api, session)
        for contribution_id in (world["occupation"], world["started"]):
            response = api.post(f"/contributions/{contribution_id}/trigger-proposal/confirm", json={})
            assert response.status_code == 201, response.text
        assert run_digests(session, port)[EMAILS["officer"]] == 2  # the deadline and the request

    def test_without_smtp_settings_the_command_sends_nothing(self) -> None:
        result = CliRunner().invoke(main, ["alerts", "send"], env={"SMTP_HOST": "", "SMTP_FROM": ""})
        assert result.exit_code == 2
        assert "nothing sent" in result.output


class TestAlertsPage:
    def test_the_page_lists_the_accounts_alerts_and_when_they_were_emailed(
        self, api: Any, session: Session, inbox: Any
    ) -> None:
        _handler, port = inbox
        world = build_world(api, session)
        run_digests(session, port)
        later = contribution(api, world["blaby"]["id"], trigger_type="on_occupation", threshold=5)
        assert account_sign_in(api.client, "officer").status_code == 303
        page = api.get("/web/alerts", role=None)
        assert page.status_code == 200
        assert f'data-key="trigger:{later["id"]}:2024-03-31"' in page.text
        assert page.text.count("govuk-tag--blue") == 1  # only the one not yet emailed is new
        assert "CH/TRIGGER" in page.text
        api.client.cookies.clear()
        assert account_sign_in(api.client, "planning").status_code == 303
        page = api.get("/web/alerts", role=None)
        assert "BL/DEADLINE" in page.text and "Charnwood" not in page.text and "CH/TRIGGER" not in page.text
        assert 'data-kind="trigger_proposed"' not in page.text
