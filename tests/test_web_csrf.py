"""Every kind of page form, replayed without its CSRF token and with another session's: refused, nothing written."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from app.auth.service import create_token
from app.models import AuditEntry, Role
from tests.builders import agreement, contribution, event
from tests.forms import hidden_keys, sign_in


@dataclass(frozen=True)
class Objects:
    """What the forms write to: an agreement, its contribution (trigger met) and a receipt."""

    agreement: int
    empty_agreement: int
    contribution: int
    receipt: int


@dataclass(frozen=True)
class PageForm:
    """A form's page, where it posts, and a valid body."""

    page: Callable[[Objects], str]
    body: Callable[[Objects], dict[str, str]]
    action: Callable[[Objects], str] | None = None


FORMS: dict[str, PageForm] = {
    "new agreement": PageForm(
        page=lambda ids: "/web/agreements/new",
        body=lambda ids: {
            "local_authority_id": "blaby",
            "reference": "24/0200/FUL",
            "site": "Land off Leicester Road",
            "signed_on": "2024-05-01",
        },
    ),
    "edit agreement": PageForm(
        page=lambda ids: f"/web/agreements/{ids.agreement}/edit", body=lambda ids: {"site": "X"}
    ),
    "close agreement": PageForm(
        page=lambda ids: f"/web/agreements/{ids.empty_agreement}/close", body=lambda ids: {"closed_on": "2026-11-01"}
    ),
    "new contribution": PageForm(
        page=lambda ids: f"/web/agreements/{ids.agreement}/contributions/new",
        body=lambda ids: {"purpose": "vehicles", "amount": "500", "trigger.type": "on_signing"},
    ),
    "event": PageForm(
        page=lambda ids: f"/web/contributions/{ids.contribution}/events/new",
        body=lambda ids: {"kind": "at_risk", "on": "2021-01-01"},
    ),
    "movement": PageForm(
        page=lambda ids: f"/web/movements/new?contribution_id={ids.contribution}",
        action=lambda ids: "/web/movements/new",
        body=lambda ids: {
            "contribution_id": str(ids.contribution),
            "kind": "received",
            "amount": "100",
            "on": "2021-02-01",
        },
    ),
    "reversal": PageForm(
        page=lambda ids: f"/web/movements/{ids.receipt}/reverse", body=lambda ids: {"note": "keyed twice"}
    ),
}


def audit_count(session: Any) -> int:
    """How many writes the audit trail holds."""
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


@pytest.fixture
def objects(api) -> Objects:
    """An agreement at Blaby with a contribution whose trigger is met and a receipt of £400; one with nothing."""
    made = agreement(api)
    owed = contribution(api, made["id"], amount="1000.00")
    event(api, owed["id"], "trigger_met", date(2020, 1, 1))
    receipt = api.post(
        "/movements", json={"kind": "received", "contribution_id": owed["id"], "amount": "400.00", "on": "2020-06-01"}
    )
    empty = agreement(api, reference="20/0009/FUL")
    return Objects(
        agreement=made["id"], empty_agreement=empty["id"], contribution=owed["id"], receipt=receipt.json()["id"]
    )


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_form_without_this_sessions_token_writes_nothing(api, session, objects: Objects, name: str) -> None:
    form = FORMS[name]
    action = (form.action or form.page)(objects)
    _, other_token = create_token(session=session, name="another officer", role=Role.officer)
    session.commit()
    api.post("/web/sign-in", role=None, data={"token": other_token}, follow_redirects=False)
    other_keys = hidden_keys(api.get(form.page(objects), role=None).text)
    sign_in(api, "officer")
    keys = hidden_keys(api.get(form.page(objects), role=None).text)
    assert keys["csrf_token"] != other_keys["csrf_token"]
    before = audit_count(session)
    body = form.body(objects)
    for sent in ({"form_key": keys["form_key"]}, {**keys, "csrf_token": other_keys["csrf_token"]}):
        response = api.post(action, role=None, data={**sent, **body}, follow_redirects=False)
        assert response.status_code == 403, (name, response.text)
        assert "not sent from this signed-in session" in response.text
        assert audit_count(session) == before, name
    accepted = api.post(action, role=None, data={**keys, **body}, follow_redirects=False)
    assert accepted.status_code == 303, (name, accepted.text)
    assert audit_count(session) == before + 1, name


def test_a_form_posted_while_signed_out_asks_to_sign_in_and_writes_nothing(api, session, objects: Objects) -> None:
    before = audit_count(session)
    response = api.post("/web/agreements/new", role=None, data=FORMS["new agreement"].body(objects))
    assert response.status_code == 200  # the sign-in page, after the redirect
    assert response.url.path == "/web/sign-in"
    assert audit_count(session) == before


def test_an_upload_without_this_sessions_token_writes_nothing(api, session) -> None:
    import base64

    from tests.test_access import INDEX_CSV, REGISTER

    sign_in(api, "officer")
    keys = hidden_keys(api.get("/web/index-series", role=None).text)
    before = audit_count(session)
    for sent in ({"form_key": keys["form_key"]}, {**keys, "csrf_token": "0" * 64}):
        series = api.post(
            "/web/index-series", role=None, data={**sent, "series": "TPI"}, files={"file": ("t.csv", INDEX_CSV)}
        )
        assert series.status_code == 403
        register = {"kind": "register", "file_name": "r.csv", "file_content": base64.b64encode(REGISTER).decode()}
        assert api.post("/web/imports/confirm", role=None, data={**sent, **register}).status_code == 403
    assert audit_count(session) == before
    assert api.get("/index-series").json() == []
