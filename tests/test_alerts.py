"""Alerts: the digest each account is emailed (through a local SMTP server) and the page listing them."""

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from email import message_from_bytes
from io import BytesIO
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from alembic import command
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.alerts.cli import send_all, smtp_sender
from app.alerts.subscriptions import defaults_for
from app.auth.accounts import create_account, disable_account, find_account
from app.auth.service import create_token
from app.cli import main
from app.config import Settings, get_settings
from app.models import CalendarFeed, Role
from tests.accounts import EMAILS, PASSWORD, make_accounts, post_form
from tests.accounts import sign_in as account_sign_in
from tests.builders import agreement, contribution, event, movement
from tests.conftest import alembic_config
from tests.project_builders import allocate, drawdown, project, step
from tests.servers import scratch_database
from tests.standard_helpers import MESSY, give_organisation_codes, imported

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


def _first_instalment(api: Any, contribution_id: int) -> int:
    """The id of a contribution's first instalment (an alert about a trigger names it)."""
    return int(api.get(f"/contributions/{contribution_id}").json()["instalments"][0]["id"])


def run_digests(session: Session, port: int) -> dict[str, int]:
    """`s106 alerts send`'s loop, in the test's transaction, through the local server."""

    @contextmanager
    def transaction() -> Iterator[Session]:
        yield session
        session.flush()

    settings = Settings(smtp_url=f"smtp://127.0.0.1:{port}", smtp_from="alerts@police.example")
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
        # finance's defaults are deadlines and triggers falling due; a planning officer's deadlines and requests
        assert sent == {EMAILS["officer"]: 4, EMAILS["finance"]: 3, EMAILS["planning"]: 2}
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
        assert run_digests(session, port) == {EMAILS["officer"]: 1, EMAILS["finance"]: 1}
        assert f"contribution {later['id']}" in handler.received[EMAILS["officer"]][1]

    def test_a_confirmed_trigger_is_no_longer_an_alert(self, api: Any, session: Session, inbox: Any) -> None:
        _handler, port = inbox
        world = build_world(api, session)
        for contribution_id in (world["occupation"], world["started"]):
            response = api.post(f"/contributions/{contribution_id}/trigger-proposal/confirm", json={})
            assert response.status_code == 201, response.text
        assert run_digests(session, port)[EMAILS["officer"]] == 2  # the deadline and the request

    def test_without_smtp_settings_the_command_sends_nothing(self) -> None:
        result = CliRunner().invoke(main, ["alerts", "send"], env={"SMTP_URL": "", "SMTP_HOST": "", "SMTP_FROM": ""})
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
        assert f'data-key="trigger:{later["id"]}:{_first_instalment(api, later["id"])}:2024-03-31"' in page.text
        assert page.text.count('govuk-tag--blue">New') == 1  # only the one not yet emailed is new
        assert "CH/TRIGGER" in page.text
        api.client.cookies.clear()
        assert account_sign_in(api.client, "planning").status_code == 303
        page = api.get("/web/alerts", role=None)
        assert "BL/DEADLINE" in page.text and "Charnwood" not in page.text and "CH/TRIGGER" not in page.text
        assert 'data-kind="trigger_due"' not in page.text


def charnwood_planner(session: Session) -> str:
    """A planning officer of charnwood, made for a test; returns their address."""
    create_account(
        session=session,
        email=CHARNWOOD_PLANNER,
        name="Chris Charnwood",
        role=Role.planning,
        local_authority_id="charnwood",
        password=PASSWORD,
    )
    session.commit()
    return CHARNWOOD_PLANNER


def account_api_token(session: Session, email: str) -> dict[str, str]:
    """The Authorization header of a token made by the account itself (as from its page)."""
    account = find_account(session, email)
    assert account is not None
    _row, secret = create_token(
        session=session,
        name="script",
        role=account.role,
        local_authority_id=account.local_authority_id,
        account=account,
    )
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def subscribed(api: Any, headers: dict[str, str]) -> dict[str, int | None]:
    """The kinds an account subscribes to, with their days, read through the API."""
    response = api.client.get("/alerts/subscriptions", headers=headers)
    assert response.status_code == 200, response.text
    return {item["kind"]: item["days"] for item in response.json()["subscriptions"] if item["subscribed"]}


def become(api: Any, role: str) -> None:
    """Sign the test client in as the role's account."""
    api.client.cookies.clear()
    assert account_sign_in(api.client, role).status_code == 303


class TestSubscriptions:
    def test_each_role_starts_with_what_it_needs(self, api: Any, session: Session) -> None:
        make_accounts(session)
        headers = {role: account_api_token(session, EMAILS[role]) for role in ("officer", "finance", "planning")}
        assert subscribed(api, headers["officer"]) == {
            "deadline": 90,
            "trigger_due": None,
            "receipt": None,
            "drawdown_unanswered": 60,
            "at_risk": None,
        }
        assert subscribed(api, headers["finance"]) == {"deadline": 90, "trigger_due": None}
        assert subscribed(api, headers["planning"]) == {"deadline": 90, "drawdown_unanswered": 60}

    def test_an_account_changes_its_own_through_the_api(self, api: Any, session: Session) -> None:
        make_accounts(session)
        headers = account_api_token(session, EMAILS["finance"])
        body = {"subscriptions": [{"kind": "deadline", "days": 30}, {"kind": "at_risk"}]}
        response = api.client.put("/alerts/subscriptions", json=body, headers=headers)
        assert response.status_code == 200, response.text
        assert subscribed(api, headers) == {"deadline": 30, "at_risk": None}
        officer = account_api_token(session, EMAILS["officer"])
        assert "receipt" in subscribed(api, officer)  # another account's are untouched

    def test_bad_subscriptions_are_refused_naming_the_field(self, api: Any, session: Session) -> None:
        make_accounts(session)
        headers = account_api_token(session, EMAILS["officer"])
        too_long = {"subscriptions": [{"kind": "deadline", "days": 4000}]}
        response = api.client.put("/alerts/subscriptions", json=too_long, headers=headers)
        assert response.status_code == 422
        assert "days" in response.json()["errors"][0]["field"]
        no_days = {"subscriptions": [{"kind": "receipt", "days": 5}]}
        response = api.client.put("/alerts/subscriptions", json=no_days, headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "receipt_days"
        assert len(subscribed(api, headers)) == 5  # nothing written

    def test_a_command_line_token_has_no_account_to_change(self, api: Any) -> None:
        response = api.request("PUT", "/alerts/subscriptions", json={"subscriptions": []})
        assert response.status_code == 409
        assert "no account" in response.json()["detail"]

    def test_the_settings_page_saves_and_the_digest_follows(self, api: Any, session: Session, inbox: Any) -> None:
        handler, port = inbox
        build_world(api, session)
        become(api, "officer")
        page = api.get("/web/alerts/settings", role=None)
        assert page.status_code == 200 and 'id="kind-trigger_due"' in page.text
        saved = post_form(
            api.client,
            "/web/alerts/settings",
            {"kinds": "deadline", "deadline_days": "20"},
            token_from="/web/alerts/settings",
        )
        assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=1")
        refused = post_form(
            api.client,
            "/web/alerts/settings",
            {"kinds": "deadline", "deadline_days": "soon"},
            token_from="/web/alerts/settings",
        )
        assert refused.status_code == 422
        assert 'id="deadline_days-error"' in refused.text and 'value="soon"' in refused.text
        become(api, "finance")
        post_form(
            api.client,
            "/web/alerts/settings",
            {"kinds": "drawdown_unanswered", "drawdown_unanswered_days": "80"},
            token_from="/web/alerts/settings",
        )
        sent = run_digests(session, port)
        # the officer's deadline (30 days away) is beyond 20 days; finance's request (70 days old) is under 80
        assert EMAILS["officer"] not in sent and EMAILS["finance"] not in sent
        assert sent == {EMAILS["planning"]: 2}
        become(api, "officer")
        post_form(
            api.client,
            "/web/alerts/settings",
            {"kinds": ["deadline", "drawdown_unanswered"], "deadline_days": "40", "drawdown_unanswered_days": "60"},
            token_from="/web/alerts/settings",
        )
        assert run_digests(session, port) == {EMAILS["officer"]: 2}
        officer = handler.received[EMAILS["officer"]][0]
        assert "BL/DEADLINE" in officer and "Drawdown request" in officer and "TRIGGER" not in officer

    def test_a_refused_form_shows_what_was_sent_and_every_wrong_field(self, api: Any, session: Session) -> None:
        make_accounts(session)
        become(api, "officer")  # subscribed to every kind by default
        kinds = ["deadline", "drawdown_unanswered"]
        sent = {"kinds": kinds, "deadline_days": "abc", "drawdown_unanswered_days": "99999"}
        refused = post_form(api.client, "/web/alerts/settings", sent, token_from="/web/alerts/settings")
        assert refused.status_code == 422
        ticked = set(re.findall(r'id="kind-(\w+)" name="kinds" type="checkbox" value="\w+" checked', refused.text))
        assert ticked == {"deadline", "drawdown_unanswered"}
        assert 'id="deadline_days-error"' in refused.text and 'value="abc"' in refused.text
        assert 'id="drawdown_unanswered_days-error"' in refused.text and 'value="99999"' in refused.text
        assert "from 1 to 3650" in refused.text
        assert len(subscribed(api, account_api_token(session, EMAILS["officer"]))) == 5  # nothing written
        nothing = post_form(
            api.client, "/web/alerts/settings", {"deadline_days": "abc"}, token_from="/web/alerts/settings"
        )
        assert nothing.status_code == 303  # an unticked kind's days are not read

    def test_nothing_ticked_is_no_alerts(self, api: Any, session: Session) -> None:
        build_world(api, session)
        become(api, "planning")
        assert post_form(api.client, "/web/alerts/settings", token_from="/web/alerts/settings").status_code == 303
        page = api.get("/web/alerts", role=None)
        assert 'id="no-alerts"' in page.text and "You subscribe to no alerts" in page.text
        assert subscribed(api, account_api_token(session, EMAILS["planning"])) == {}

    def test_a_planning_officer_subscribed_to_triggers_gets_only_their_authoritys(
        self, api: Any, session: Session, inbox: Any
    ) -> None:
        handler, port = inbox
        build_world(api, session)
        headers = account_api_token(session, CHARNWOOD_PLANNER)
        body = {"subscriptions": [{"kind": "trigger_due"}, {"kind": "deadline"}, {"kind": "receipt"}]}
        assert api.client.put("/alerts/subscriptions", json=body, headers=headers).status_code == 200
        sent = run_digests(session, port)
        assert sent[CHARNWOOD_PLANNER] == 1
        text = handler.received[CHARNWOOD_PLANNER][0]
        assert "CH/TRIGGER" in text and "BL/" not in text


class TestNewKinds:
    def test_a_receipt_recorded_by_a_planning_officer_is_an_alert(self, api: Any, session: Session) -> None:
        make_accounts(session)
        blaby = agreement(api, reference="BL/RECEIPT")
        money = contribution(api, blaby["id"], trigger_type="on_signing", amount="3000.00")
        by_planner = movement(api, money["id"], "received", "1200.00", TODAY - timedelta(days=3), role="planning")
        assert by_planner.status_code == 201, by_planner.text
        by_officer = movement(api, money["id"], "received", "800.00", TODAY - timedelta(days=2))
        assert by_officer.status_code == 201
        officer = account_api_token(session, EMAILS["officer"])
        items = api.client.get("/alerts", headers=officer).json()["items"]
        receipts = [item for item in items if item["kind"] == "receipt"]
        assert [item["key"] for item in receipts] == [f"receipt:{by_planner.json()['id']}"]  # not the officer's own
        assert "£1,200.00 received" in receipts[0]["title"] and "test planning (planning)" in receipts[0]["title"]
        planner = account_api_token(session, EMAILS["planning"])
        body = {"subscriptions": [{"kind": "receipt"}]}
        assert api.client.put("/alerts/subscriptions", json=body, headers=planner).status_code == 200
        mine = api.client.get("/alerts", headers=planner).json()["items"]
        assert [item["key"] for item in mine] == [f"receipt:{by_planner.json()['id']}"]
        assert api.post(f"/movements/{by_planner.json()['id']}/reverse", json={}).status_code == 201
        items = api.client.get("/alerts", headers=officer).json()["items"]
        assert not [item for item in items if item["kind"] == "receipt"]  # a reversed receipt is no longer news

    def test_an_import_of_an_authoritys_file_is_a_receipt_recorded_by_it(self, api: Any, session: Session) -> None:
        make_accounts(session)
        give_organisation_codes(session)
        imported(api, MESSY, "blaby")
        officer = account_api_token(session, EMAILS["officer"])
        items = api.client.get("/alerts", headers=officer).json()["items"]
        receipts = [item for item in items if item["kind"] == "receipt"]
        assert receipts and all("imported from the authority's file" in item["title"] for item in receipts)
        assert {item["local_authority_id"] for item in receipts} == {"blaby"}
        headers = account_api_token(session, charnwood_planner(session))
        body = {"subscriptions": [{"kind": "receipt"}]}
        assert api.client.put("/alerts/subscriptions", json=body, headers=headers).status_code == 200
        assert api.client.get("/alerts", headers=headers).json()["items"] == []  # nothing of blaby's

    def test_an_at_risk_contribution_is_an_alert_until_cleared(self, api: Any, session: Session) -> None:
        make_accounts(session)
        deed = agreement(api, reference="BL/RISK")
        risky = contribution(api, deed["id"], amount="4000.00")
        assert event(api, risky["id"], "at_risk", date(2023, 5, 1)).status_code == 201
        officer = account_api_token(session, EMAILS["officer"])
        items = [
            item for item in api.client.get("/alerts", headers=officer).json()["items"] if item["kind"] == "at_risk"
        ]
        assert [item["key"] for item in items] == [f"at_risk:{risky['id']}:2023-05-01"]
        assert "£4,000.00 of BL/RISK" in items[0]["title"]
        assert event(api, risky["id"], "at_risk_cleared", date(2023, 9, 1)).status_code == 201
        items = api.client.get("/alerts", headers=officer).json()["items"]
        assert not [item for item in items if item["kind"] == "at_risk"]


class TestReadAndUnread:
    def test_mark_one_then_all_read_and_the_header_counts_unread(self, api: Any, session: Session) -> None:
        world = build_world(api, session)
        become(api, "officer")
        page = api.get("/web/alerts", role=None)
        assert '<span class="app-count" id="unread-alerts">4<' in page.text
        assert page.text.count('data-read="no"') == 4
        key = f"drawdown:{world['drawdown']}:{(TODAY - timedelta(days=70)).isoformat()}"
        marked = post_form(api.client, "/web/alerts/read", {"key": key}, token_from="/web/alerts")
        assert marked.status_code == 303
        page = api.get("/web/alerts", role=None)
        assert f'data-key="{key}" data-kind="drawdown_unanswered" data-read="yes"' in page.text
        assert 'id="unread-alerts">3<' in page.text
        assert page.text.count('data-read="no"') == 3
        become(api, "planning")  # read marks are the account's own
        assert 'id="unread-alerts">2<' in api.get("/web/alerts", role=None).text
        become(api, "officer")
        assert post_form(api.client, "/web/alerts/read", {"all": "yes"}, token_from="/web/alerts").status_code == 303
        page = api.get("/web/alerts", role=None)
        assert 'data-read="no"' not in page.text and 'id="unread-alerts"' not in page.text
        later = contribution(api, world["blaby"]["id"], trigger_type="on_occupation", threshold=5)
        page = api.get("/web/alerts", role=None)
        key = f"trigger:{later['id']}:{_first_instalment(api, later['id'])}:2024-03-31"
        assert f'data-key="{key}" data-kind="trigger_due" data-read="no"' in page.text
        assert 'id="unread-alerts">1<' in page.text

    def test_the_api_marks_read_for_an_accounts_token(self, api: Any, session: Session) -> None:
        build_world(api, session)
        headers = account_api_token(session, EMAILS["planning"])
        listed = api.client.get("/alerts", headers=headers).json()
        assert listed["unread"] == 2
        response = api.client.post("/alerts/read", json={"keys": [listed["items"][0]["key"]]}, headers=headers)
        assert response.json() == {"marked": 1, "unread": 1}
        response = api.client.post("/alerts/read", json={"all": True}, headers=headers)
        assert response.json() == {"marked": 1, "unread": 0}

    def test_the_table_downloads_as_csv_and_xlsx(self, api: Any, session: Session) -> None:
        build_world(api, session)
        become(api, "planning")
        page = api.get("/web/alerts", role=None)
        assert 'href="/web/alerts?format=csv"' in page.text
        csv = api.get("/web/alerts", role=None, params={"format": "csv"})
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        lines = csv.text.splitlines()
        assert (
            lines[0].startswith("Date,Kind,What,Read,Emailed") and "BL/DEADLINE" in csv.text and "CH/" not in csv.text
        )
        xlsx = api.get("/web/alerts", role=None, params={"format": "xlsx"})
        assert xlsx.status_code == 200
        sheet = load_workbook(BytesIO(xlsx.content)).active
        assert any("Drawdown request" in str(cell.value) for row in sheet.iter_rows() for cell in row)


def calendar_form(api: Any) -> dict[str, str]:
    """The settings page's calendar form (make or replace) as the browser would send it: its one-time key."""
    page = api.get("/web/alerts/settings", role=None).text
    form = page.split('action="/web/alerts/calendar"', 1)[1].split("</form>", 1)[0]
    found = re.search(r'name="form_key" value="([^"]+)"', form)
    assert found, form
    return {"form_key": found.group(1)}


def make_calendar(api: Any, form: dict[str, str] | None = None) -> str:
    """Make the signed-in account's calendar address from its settings page; returns the path shown once."""
    sent = form if form is not None else calendar_form(api)
    made = post_form(api.client, "/web/alerts/calendar", sent, token_from="/web/alerts/settings")
    assert made.status_code == 201, made.text
    found = re.search(r'id="calendar-address">http://testserver(/calendar/[^<]+\.ics)<', made.text)
    assert found, made.text
    return found.group(1)


class TestCalendar:
    def test_the_feed_holds_the_ledgers_deadlines_as_at_today(self, api: Any, session: Session) -> None:
        world = build_world(api, session)
        far = agreement(api, reference="BL/FAR", signed_on=date(2022, 1, 1))
        later = contribution(api, far["id"], trigger_type="on_signing", amount="700.00", repayment_period_years=5)
        assert movement(api, later["id"], "received", "700.00", date(2023, 6, 1)).status_code == 201
        become(api, "officer")
        path = make_calendar(api)
        api.client.cookies.clear()  # no sign-in needed
        response = api.client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/calendar")
        calendar = Calendar.from_ical(response.content)
        events = {str(item["uid"]): item for item in calendar.walk("VEVENT")}
        ledger = api.get("/deadlines", params={"within_days": 36500}).json()["items"]
        expected = {f"deadline:{item['receipt_movement_id']}:{item['deadline']}@s106" for item in ledger}
        assert len(expected) == 2
        assert expected <= set(events)
        for item in ledger:
            event_ = events[f"deadline:{item['receipt_movement_id']}:{item['deadline']}@s106"]
            assert event_.decoded("dtstart") == date.fromisoformat(item["deadline"])
            assert item["agreement_reference"] in str(event_["summary"])
        assert (
            f"trigger:{world['occupation']}:{_first_instalment(api, world['occupation'])}:2024-03-31@s106" in events
        )  # expected triggers too
        assert f"trigger:{world['started']}:{_first_instalment(api, world['started'])}:2024-03-31@s106" in events

    def test_the_feed_holds_triggers_a_sites_own_build_rate_expects(self, api: Any, session: Session) -> None:
        make_accounts(session)
        site = agreement(api, reference="BL/BUILDING", dwellings=100)
        later = contribution(api, site["id"], trigger_type="on_occupation", threshold=80, amount="6000.00")
        for on, built in ((TODAY - timedelta(days=180), 10), (TODAY - timedelta(days=1), 20)):
            record = {"on": on.isoformat(), "started": 30, "completed": built, "occupied": built}
            assert api.post(f"/agreements/{site['id']}/progress", json=record).status_code == 201
        assumed = contribution(api, agreement(api, reference="BL/ASSUMED")["id"], trigger_type="on_commencement")
        become(api, "officer")
        events = Calendar.from_ical(api.client.get(make_calendar(api)).content).walk("VEVENT")
        expected = [item for item in events if str(item["uid"]).startswith(f"expected:{later['id']}:")]
        assert len(expected) == 1
        assert expected[0].decoded("dtstart") > TODAY
        assert "Trigger expected: £6,000.00 of BL/BUILDING" in str(expected[0]["summary"])
        assert not [item for item in events if f":{assumed['id']}:" in str(item["uid"])]  # no assumed rate's date

    def test_a_revoked_or_replaced_address_is_404(self, api: Any, session: Session) -> None:
        build_world(api, session)
        become(api, "officer")
        first = make_calendar(api)
        second = make_calendar(api)  # replacing stops the first
        assert api.client.get(first).status_code == 404
        assert api.client.get(second).status_code == 200
        settings = api.get("/web/alerts/settings", role=None)
        assert "is in use" in settings.text and second not in settings.text  # the secret is shown only once
        revoked = post_form(api.client, "/web/alerts/calendar/revoke", token_from="/web/alerts/settings")
        assert revoked.status_code == 303
        assert api.client.get(second).status_code == 404
        assert api.client.get("/calendar/s106cal_never-made.ics").status_code == 404
        third = make_calendar(api)
        account = find_account(session, EMAILS["officer"])
        assert account is not None
        disable_account(session=session, account=account)
        session.commit()
        assert api.client.get(third).status_code == 404  # a disabled account's calendar stops too
        stored = session.scalars(select(CalendarFeed.secret_hash)).all()
        assert second.removeprefix("/calendar/").removesuffix(".ics") not in stored  # only its hash is kept

    def test_sending_the_form_again_makes_no_second_address(self, api: Any, session: Session) -> None:
        make_accounts(session)
        become(api, "officer")
        form = calendar_form(api)
        shown = make_calendar(api, form)
        again = post_form(api.client, "/web/alerts/calendar", form, token_from="/web/alerts/settings")
        assert again.status_code == 200
        assert 'id="made-before-title"' in again.text and "no other address was made" in again.text
        assert 'id="calendar-address"' not in again.text and "s106cal_" not in again.text  # the secret is not shown
        assert api.client.get(shown).status_code == 200  # the address just shown still works
        assert len(session.scalars(select(CalendarFeed)).all()) == 1
        replaced = make_calendar(api)  # a fresh form's Replace still replaces
        assert api.client.get(shown).status_code == 404 and api.client.get(replaced).status_code == 200

    def test_event_links_use_the_address_the_feed_was_fetched_on(
        self, api: Any, session: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        build_world(api, session)
        become(api, "officer")
        path = make_calendar(api)

        def links(host: str) -> set[str]:
            response = api.client.get(f"http://{host}{path}")
            assert response.status_code == 200
            events = Calendar.from_ical(response.content).walk("VEVENT")
            return {str(item["url"]).split("/web/", 1)[0] for item in events}

        assert links("s106.example.org") == {"http://s106.example.org"}
        monkeypatch.setattr(get_settings(), "base_url", "https://s106.police.example")
        assert links("s106.example.org") == {"https://s106.police.example"}  # BASE_URL, when set, wins

    def test_a_planning_officers_feed_holds_only_their_authority(self, api: Any, session: Session) -> None:
        build_world(api, session)
        theirs = agreement(api, local_authority_id="charnwood", reference="CH/DEADLINE", signed_on=date(2020, 1, 1))
        money = contribution(api, theirs["id"], trigger_type="on_signing", amount="900.00", repayment_period_years=5)
        assert movement(api, money["id"], "received", "900.00", date(2021, 1, 1)).status_code == 201
        become(api, "planning")
        path = make_calendar(api)
        text = api.client.get(path).content.decode()
        summaries = [str(item["summary"]) for item in Calendar.from_ical(text).walk("VEVENT")]
        assert summaries and all("CH/" not in summary for summary in summaries)
        assert any("BL/DEADLINE" in summary for summary in summaries)
        become(api, "officer")
        officer = api.client.get(make_calendar(api)).content.decode()
        assert "CH/DEADLINE" in officer


class TestMigration:
    def test_existing_accounts_get_their_roles_defaults(self) -> None:
        with scratch_database("alert_defaults") as (_url, engine):
            with engine.begin() as connection:
                command.downgrade(alembic_config(connection), "0016c")
                connection.execute(text("DELETE FROM accounts"))
                connection.execute(
                    text(
                        "INSERT INTO local_authorities"
                        " (id, name, regime, release_evidence, evidence_kinds, own_template)"
                        " SELECT 'blaby', 'Blaby', 's106', '[]', '[]', false"
                        " WHERE NOT EXISTS (SELECT 1 FROM local_authorities WHERE id = 'blaby')"
                    )
                )
                for email, role, authority in (
                    ("o@x.example", "officer", None),
                    ("f@x.example", "finance", None),
                    ("p@x.example", "planning", "blaby"),
                    ("m@x.example", "panel", None),
                ):
                    connection.execute(
                        text("INSERT INTO accounts (email, name, role, local_authority_id) VALUES (:e, :e, :r, :a)"),
                        {"e": email, "r": role, "a": authority},
                    )
                command.upgrade(alembic_config(connection), "head")
                rows = connection.execute(
                    text(
                        "SELECT accounts.role, alert_subscriptions.kind, alert_subscriptions.days"
                        " FROM alert_subscriptions JOIN accounts ON accounts.id = alert_subscriptions.account_id"
                    )
                ).all()
        found: dict[str, dict[str, int | None]] = {}
        for role, kind, days in rows:
            found.setdefault(role, {})[kind] = days
        for role in (Role.officer, Role.finance, Role.planning):
            assert found[role.value] == {kind.value: days for kind, days in defaults_for(role).items()}
        assert "panel" not in found
