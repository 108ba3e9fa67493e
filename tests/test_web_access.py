"""Every web page and form, asked by every kind of signed-in (or signed-out) viewer: the pages' access rules as a table.

A web route without a rule in WEB_RULES fails the suite. Pages are read by any role (a planning
officer's view of another authority's record is a 404 page, as an unknown id is); the officer's forms
answer finance and planning 403 pages; the receipt form lets a planning officer in for their own
authority only. Each allowed POST carries this session's CSRF token and writes one audit entry; each
refused one writes nothing. A Panel account opens only the pages whose rule says `panel=True` (the
Panel's tables, the bids summary, the investment list, proposals by status), which link it to no record;
every other page and form is a 403 page to it. Ids come from tests/test_access.py's builders.
"""

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import pytest
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from app.main import app
from app.web.csrf import SESSION_COOKIE, token_for
from tests.doc_builders import PDF, TEMPLATE
from tests.forms import sign_in
from tests.test_access import (
    INDEX_CSV,
    OTHER,
    OWN,
    PUBLISHED_2024,
    REGISTER,
    STANDARD_AGREEMENT,
    Ids,
    audit_count,
    build_ids,
    path_parameters,
)

WebAccess = Literal["public", "any-role", "force", "officer", "officer+planning-receipts"]
"""As tests/test_access.py's Access: who may open a page or send a form."""


@dataclass(frozen=True)
class WebRule:
    """How a web route answers each viewer, and a valid request to send it."""

    access: WebAccess
    ok: int = 200
    query: Callable[[Ids], dict[str, Any]] | None = None
    form: Callable[[Ids], dict[str, Any]] | None = None
    path: dict[str, str] | None = None
    """Path parameters that are not ids (a drawdown step's name)."""
    scoped: bool = True
    """Whether a planning officer of another authority must get 404 (the page names one authority's record)."""
    prepare: Callable[[Ids], Any] | None = None
    files: dict[str, Any] | None = None
    """Uploads, as httpx takes them."""
    audited: bool = True
    """Whether an allowed POST writes one audit entry (a dry run or a reconciliation writes nothing)."""
    checked: bool = True
    """False for the sign-in routes, which their own tests cover."""
    panel: bool = False
    """Whether a Panel account may open it (the Panel's aggregate pages); every other page is a 403 page to it."""


def _site_started(ids: Ids) -> None:
    """Progress on the contribution's site that passes its commencement trigger."""
    api = ids.api  # type: ignore[attr-defined]
    agreement_id = api.get(f"/contributions/{ids['contribution_id']}").json()["agreement_id"]
    response = api.post(f"/agreements/{agreement_id}/progress", json={"on": "2019-06-01", "started": 3})
    assert response.status_code == 201, response.text


def _closed(ids: Ids) -> None:
    """The authority's agreement closed (a new one, with nothing owed), so that it can be reopened."""
    api = ids.api  # type: ignore[attr-defined]
    made = api.post(
        "/agreements",
        json={
            "local_authority_id": ids["local_authority_id"],
            "reference": f"{ids['local_authority_id']}/CLOSED/1",
            "site": "A finished site",
            "signed_on": "2019-01-01",
        },
    ).json()
    closed = api.patch(f"/agreements/{made['id']}", json={"status": "closed", "closed_on": "2020-01-01"})
    assert closed.status_code == 200, closed.text
    ids["agreement_id"] = made["id"]


def _drawdown_line(ids: Ids) -> dict[str, Any]:
    assert ids["movement_id"]  # the authority holds money to ask for
    return {
        "project_id": ids["project_id"],
        "local_authority_id": ids["local_authority_id"],
        "lines.0.contribution_id": ids["contribution_id"],
        "lines.0.amount": "200",
    }


FORM_PAGE = WebRule(access="officer", scoped=False)
"""An officer's form page: finance and planning get 403 before any id is looked up."""

WEB_RULES: dict[tuple[str, str], WebRule] = {
    ("GET", "/"): WebRule(access="public", ok=307, checked=False),
    ("GET", "/web/sign-in"): WebRule(access="public", checked=False),
    ("POST", "/web/sign-in"): WebRule(access="public", checked=False),
    ("POST", "/web/sign-out"): WebRule(access="public", checked=False),
    ("GET", "/web"): WebRule(access="any-role", scoped=False, panel=True),
    ("GET", "/web/panel.csv"): WebRule(access="any-role", scoped=False, panel=True),
    ("GET", "/web/panel.xlsx"): WebRule(access="any-role", scoped=False, panel=True),
    ("GET", "/web/projects"): WebRule(access="any-role", scoped=False),
    ("GET", "/web/deadlines"): WebRule(access="any-role", scoped=False),
    ("GET", "/web/agreements"): WebRule(access="any-role", scoped=False),
    ("GET", "/web/drawdowns"): WebRule(access="any-role", scoped=False),
    ("GET", "/web/spend"): WebRule(access="any-role", scoped=False),
    ("GET", "/web/forecast"): WebRule(access="any-role", scoped=False),
    ("GET", "/web/alerts"): WebRule(access="any-role", scoped=False),
    ("POST", "/web/alerts/read"): WebRule(access="any-role", ok=303, scoped=False, form=lambda ids: {"all": "yes"}),
    ("GET", "/web/alerts/settings"): WebRule(access="any-role", scoped=False),
    ("POST", "/web/alerts/settings"): WebRule(
        access="any-role", ok=303, scoped=False, form=lambda ids: {"kinds": "deadline", "deadline_days": "30"}
    ),
    ("POST", "/web/alerts/calendar"): WebRule(access="any-role", ok=201, scoped=False),
    ("POST", "/web/alerts/calendar/revoke"): WebRule(access="any-role", ok=303, scoped=False),
    # The calendar is fetched by its secret address, without signing in: tests/test_alerts.py covers it.
    ("GET", "/calendar/{secret}.ics"): WebRule(access="public", checked=False),
    ("GET", "/web/agreements/{agreement_id}/progress"): WebRule(access="any-role"),
    ("POST", "/web/agreements/{agreement_id}/progress"): WebRule(
        access="officer+planning-receipts", ok=303, form=lambda ids: {"on": "01/03/2020", "started": "12"}
    ),
    ("GET", "/web/local-authorities/{local_authority_id}/site-progress"): WebRule(access="officer+planning-receipts"),
    ("POST", "/web/local-authorities/{local_authority_id}/site-progress"): WebRule(
        access="officer+planning-receipts",
        ok=303,
        prepare=lambda ids: ids["agreement_id"],
        files={"file": ("monitoring.csv", b"Reference,Date,Units started\nblaby/19/0001,01/03/2020,7\n", "text/csv")},
    ),
    ("POST", "/web/instalments/{instalment_id}/due"): WebRule(
        access="officer", ok=303, scoped=False, form=lambda ids: {}, prepare=lambda ids: _site_started(ids)
    ),
    ("GET", "/web/instalment-watch"): WebRule(access="any-role", scoped=False),
    ("GET", "/web/contributions/{contribution_id}/instalments"): FORM_PAGE,
    ("POST", "/web/contributions/{contribution_id}/instalments"): WebRule(
        access="officer",
        ok=303,
        scoped=False,
        form=lambda ids: {"schedule": "25% on commencement\n75% on the 10th occupation"},
    ),
    ("GET", "/web/audit"): WebRule(access="force", scoped=False),
    ("GET", "/web/local-authorities/{local_authority_id}"): WebRule(access="any-role"),
    ("GET", "/web/agreements/{agreement_id}"): WebRule(access="any-role"),
    ("GET", "/web/contributions/{contribution_id}"): WebRule(access="any-role"),
    ("GET", "/web/projects/{project_id}"): WebRule(access="any-role"),
    ("GET", "/web/drawdowns/{drawdown_id}"): WebRule(access="any-role"),
    ("GET", "/web/spend/{spend_id}"): WebRule(access="any-role"),
    ("GET", "/web/agreements/new"): FORM_PAGE,
    ("POST", "/web/agreements/new"): WebRule(
        access="officer",
        ok=303,
        scoped=False,
        form=lambda ids: {
            "local_authority_id": ids["local_authority_id"],
            "reference": "20/0002/FUL",
            "site": "Land north of the station",
            "signed_on": "01/06/2020",
        },
    ),
    ("GET", "/web/agreements/{agreement_id}/edit"): FORM_PAGE,
    ("POST", "/web/agreements/{agreement_id}/edit"): WebRule(
        access="officer", ok=303, scoped=False, form=lambda ids: {"notes": "deed of variation pending"}
    ),
    ("GET", "/web/agreements/{agreement_id}/close"): FORM_PAGE,
    ("POST", "/web/agreements/{agreement_id}/close"): WebRule(
        access="officer", ok=303, scoped=False, form=lambda ids: {"closed_on": "2026-11-01"}
    ),
    ("GET", "/web/agreements/{agreement_id}/reopen"): FORM_PAGE,
    ("POST", "/web/agreements/{agreement_id}/reopen"): WebRule(
        access="officer", ok=303, scoped=False, form=lambda ids: {}, prepare=lambda ids: _closed(ids)
    ),
    ("GET", "/web/agreements/{agreement_id}/contributions/new"): FORM_PAGE,
    ("POST", "/web/agreements/{agreement_id}/contributions/new"): WebRule(
        access="officer",
        ok=303,
        scoped=False,
        form=lambda ids: {"purpose": "vehicles", "amount": "£2,500", "trigger.type": "on_signing"},
    ),
    ("GET", "/web/contributions/{contribution_id}/events/new"): FORM_PAGE,
    ("POST", "/web/contributions/{contribution_id}/events/new"): WebRule(
        access="officer", ok=303, scoped=False, form=lambda ids: {"kind": "trigger_met", "on": "2020-03-01"}
    ),
    ("GET", "/web/movements/new"): WebRule(
        access="officer+planning-receipts", query=lambda ids: {"contribution_id": ids["contribution_id"]}
    ),
    ("POST", "/web/movements/new"): WebRule(
        access="officer+planning-receipts",
        ok=303,
        form=lambda ids: {
            "contribution_id": ids["contribution_id"],
            "kind": "received",
            "amount": "100",
            "on": "2020-02-01",
        },
    ),
    ("GET", "/web/movements/{movement_id}/reverse"): FORM_PAGE,
    ("POST", "/web/movements/{movement_id}/reverse"): WebRule(
        access="officer", ok=303, scoped=False, form=lambda ids: {"note": "keyed twice", "on": "2020-05-01"}
    ),
    ("GET", "/web/projects/new"): FORM_PAGE,
    ("POST", "/web/projects/new"): WebRule(
        access="officer",
        ok=303,
        scoped=False,
        form=lambda ids: {
            "name": f"Custody suite ({ids['local_authority_id']})",
            "funding": "pooled",
            "category": "land_and_buildings",
            "stage": "upcoming",
            "estimate_low": "250,000",
        },
    ),
    ("GET", "/web/projects/{project_id}/allocations/new"): FORM_PAGE,
    ("POST", "/web/projects/{project_id}/allocations/new"): WebRule(
        access="officer",
        ok=303,
        scoped=False,
        form=lambda ids: {"contribution_id": ids["unallocated_contribution_id"], "amount": "1000"},
    ),
    ("GET", "/web/drawdowns/new"): WebRule(
        access="officer", scoped=False, query=lambda ids: {"project_id": ids["project_id"]}
    ),
    ("POST", "/web/drawdowns/new"): WebRule(access="officer", ok=303, scoped=False, form=_drawdown_line),
    ("GET", "/web/drawdowns/{drawdown_id}/{action}"): WebRule(
        access="officer", scoped=False, path={"action": "submit"}
    ),
    ("POST", "/web/drawdowns/{drawdown_id}/{action}"): WebRule(
        access="officer", ok=303, scoped=False, path={"action": "submit"}, form=lambda ids: {"on": "2020-03-01"}
    ),
    ("GET", "/web/drawdowns/{drawdown_id}/pack.docx"): WebRule(access="any-role"),
    ("GET", "/web/drawdowns/{drawdown_id}/pack.pdf"): WebRule(access="any-role"),
    ("GET", "/web/local-authorities/{local_authority_id}/balance-confirmations"): WebRule(access="any-role"),
    ("POST", "/web/local-authorities/{local_authority_id}/balance-confirmations"): WebRule(
        access="officer+planning-receipts", ok=303, form=lambda ids: {"as_at": "31/03/2020", "amount": "1000"}
    ),
    ("GET", "/web/local-authorities/{local_authority_id}/pack-template"): FORM_PAGE,
    ("POST", "/web/local-authorities/{local_authority_id}/pack-template"): WebRule(
        access="officer",
        ok=303,
        scoped=False,
        form=lambda ids: {},
        files={"file": ("template.docx", TEMPLATE, "application/octet-stream")},
    ),
    ("GET", "/web/documents/new"): WebRule(
        access="officer", scoped=False, query=lambda ids: {"owner_type": "agreement", "owner_id": ids["agreement_id"]}
    ),
    ("POST", "/web/documents/new"): WebRule(
        access="officer",
        ok=303,
        scoped=False,
        form=lambda ids: {"owner_type": "drawdown", "owner_id": ids["drawdown_id"], "kind": "spend_proposal"},
        files={"file": ("proposal.pdf", PDF, "application/pdf")},
    ),
    ("GET", "/web/drawdowns/{drawdown_id}/payments/{payment_id}/reverse"): FORM_PAGE,
    ("POST", "/web/drawdowns/{drawdown_id}/payments/{payment_id}/reverse"): WebRule(
        access="officer", ok=303, scoped=False, form=lambda ids: {"on": "2020-05-01", "note": "keyed twice"}
    ),
    ("GET", "/web/spend/new"): WebRule(
        access="officer", scoped=False, query=lambda ids: {"project_id": ids["project_id"]}
    ),
    ("POST", "/web/spend/new"): WebRule(
        access="officer",
        ok=303,
        scoped=False,
        form=lambda ids: {
            "project_id": ids["project_id"],
            "on": "15/02/2020",
            "supplier": "Example Security Ltd",
            "invoice_reference": "INV-0042",
            "amount": "250.00",
            "charges.0.contribution_id": ids["contribution_id"],
            "charges.0.amount": "250",
        },
    ),
    ("GET", "/web/spend/{spend_id}/cancel"): FORM_PAGE,
    ("POST", "/web/spend/{spend_id}/cancel"): WebRule(
        access="officer", ok=303, scoped=False, form=lambda ids: {"on": "2020-03-01", "reason": "keyed twice"}
    ),
    ("GET", "/web/contributions/{contribution_id}/repurposings/new"): FORM_PAGE,
    ("POST", "/web/contributions/{contribution_id}/repurposings/new"): WebRule(
        access="officer",
        ok=303,
        scoped=False,
        form=lambda ids: {"purpose": "vehicles", "consented_on": "2020-03-01", "consent_reference": "letter"},
    ),
    ("GET", "/web/index-series"): WebRule(access="any-role", scoped=False),
    ("POST", "/web/index-series"): WebRule(
        access="officer",
        ok=303,
        scoped=False,
        form=lambda ids: {"series": "TPI"},
        files={"file": ("tpi.csv", INDEX_CSV, "text/csv")},
    ),
    ("GET", "/web/reconciliations"): WebRule(access="force", scoped=False),
    ("POST", "/web/reconciliations"): WebRule(
        access="force",
        scoped=False,
        form=lambda ids: {"as_at": "2024-01-31"},
        files={"file": ("table.csv", PUBLISHED_2024, "text/csv")},
        audited=False,
    ),
    ("GET", "/web/comparisons"): WebRule(access="force", scoped=False),
    ("POST", "/web/comparisons"): WebRule(
        access="force",
        scoped=False,
        form=lambda ids: {"local_authority": OWN, "purpose": "other"},
        files={"files": ("agreements.csv", STANDARD_AGREEMENT, "text/csv")},
        audited=False,
    ),
    ("GET", "/web/imports"): FORM_PAGE,
    ("POST", "/web/imports"): WebRule(
        access="officer",
        scoped=False,
        form=lambda ids: {"local_authority": OWN},
        files={"files": ("agreements.csv", STANDARD_AGREEMENT, "text/csv")},
        audited=False,
    ),
    ("GET", "/web/imports/register"): FORM_PAGE,
    ("POST", "/web/imports/register"): WebRule(
        access="officer", scoped=False, files={"file": ("register.csv", REGISTER, "text/csv")}, audited=False
    ),
    ("POST", "/web/imports/confirm"): WebRule(
        access="officer",
        ok=200,
        scoped=False,
        form=lambda ids: {
            "kind": "register",
            "file_name": "register.csv",
            "file_content": base64.b64encode(REGISTER).decode(),
        },
    ),
    ("GET", "/web/bids"): WebRule(access="any-role", scoped=False, panel=True),
    ("GET", "/web/bids/{bid_id}"): WebRule(access="any-role"),
    ("GET", "/web/bids/new"): FORM_PAGE,
    ("POST", "/web/bids/new"): WebRule(
        access="officer",
        ok=303,
        scoped=False,
        form=lambda ids: {
            "local_authority_id": ids["local_authority_id"],
            "application_reference": "24/0999/OUT",
            "site": "Land west of the bypass",
            "dwellings": "150",
            "consulted_on": "01/03/2024",
            "amount_bid": "£30,000",
        },
    ),
    ("GET", "/web/bids/{bid_id}/outcome"): FORM_PAGE,
    ("POST", "/web/bids/{bid_id}/outcome"): WebRule(
        access="officer", ok=303, scoped=False, form=lambda ids: {"outcome": "refused", "on": "01/05/2024"}
    ),
    ("GET", "/web/bids/{bid_id}/agreement"): FORM_PAGE,
    ("POST", "/web/bids/{bid_id}/agreement"): WebRule(
        access="officer",
        ok=303,
        scoped=False,
        form=lambda ids: {
            "signed_on": "01/09/2024",
            "contributions.0.purpose": "premises",
            "contributions.0.amount": "£30,000",
            "contributions.0.trigger.type": "on_signing",
        },
    ),
    ("GET", "/web/investment"): WebRule(access="any-role", scoped=False, panel=True),
    ("GET", "/web/investment/new"): FORM_PAGE,
    ("POST", "/web/investment/new"): WebRule(
        access="officer",
        ok=303,
        scoped=False,
        form=lambda ids: {
            "name": "Electric vehicles",
            "category": "vehicles",
            "estimate": "£170,000",
            "strategy_reference": "Fleet strategy F2",
        },
    ),
    ("GET", "/web/investment/{item_id}"): WebRule(access="any-role", scoped=False, panel=True),
    ("GET", "/web/investment/{item_id}/edit"): FORM_PAGE,
    ("POST", "/web/investment/{item_id}/edit"): WebRule(
        access="officer", ok=303, scoped=False, form=lambda ids: {"status": "approved"}
    ),
    ("GET", "/web/repurposing-proposals"): WebRule(access="any-role", scoped=False, panel=True),
    ("GET", "/web/repurposing-proposals/new"): FORM_PAGE,
    ("GET", "/web/repurposing/candidates"): WebRule(access="any-role", scoped=False),
    ("GET", "/web/panel/projects"): WebRule(access="any-role", scoped=False, panel=True),
    ("GET", "/web/panel/deadlines"): WebRule(access="any-role", scoped=False, panel=True),
    ("POST", "/web/repurposing-proposals/new"): WebRule(
        access="officer",
        ok=303,
        scoped=False,
        form=lambda ids: {
            "contribution_id": str(ids["contribution_id"]),
            "proposed_purpose": "premises",
            "identified_on": "02/10/2023",
        },
    ),
    ("GET", "/web/repurposing-proposals/{proposal_id}"): WebRule(access="any-role"),
    ("GET", "/web/repurposing-proposals/{proposal_id}/step"): FORM_PAGE,
    ("POST", "/web/repurposing-proposals/{proposal_id}/step"): WebRule(
        access="officer", ok=303, scoped=False, form=lambda ids: {"step": "discussed", "on": "01/11/2023"}
    ),
    ("GET", "/web/repurposing-proposals/{proposal_id}/consent"): FORM_PAGE,
    ("POST", "/web/repurposing-proposals/{proposal_id}/consent"): WebRule(
        access="officer", ok=303, scoped=False, form=lambda ids: {"on": "01/02/2024", "reference": "BDC 2024/3"}
    ),
    # Accounts, sign-in and the stylesheet: walked for every caller by tests/test_access.py.
    ("GET", "/web/account"): WebRule(access="public", checked=False),
    ("GET", "/web/govuk/govuk-frontend.min.css"): WebRule(access="public", checked=False),
    # Off by default (a 404 to everyone); tests/test_public_page.py walks it on and off.
    ("GET", "/public/panel"): WebRule(access="public", checked=False),
    ("GET", "/web/set-password/{secret}"): WebRule(access="public", checked=False),
    ("GET", "/web/users"): WebRule(access="public", checked=False),
    ("GET", "/web/users/invite"): WebRule(access="public", checked=False),
    ("GET", "/web/users/{account_id}"): WebRule(access="public", checked=False),
    ("POST", "/web/account/tokens"): WebRule(access="public", checked=False),
    ("POST", "/web/account/tokens/{token_id}/revoke"): WebRule(access="public", checked=False),
    ("POST", "/web/set-password/{secret}"): WebRule(access="public", checked=False),
    ("POST", "/web/users/invite"): WebRule(access="public", checked=False),
    ("POST", "/web/users/{account_id}/disable"): WebRule(access="public", checked=False),
    ("POST", "/web/users/{account_id}/enable"): WebRule(access="public", checked=False),
    ("POST", "/web/users/{account_id}/password-link"): WebRule(access="public", checked=False),
}

VIEWERS = ("signed-out", "finance", "planning-own", "planning-other", "panel", "officer")
"""In this order: the officer, whose writes succeed, goes last."""


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Routes, looking inside included routers (the web view's routers are included without a prefix)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)


def web_routes() -> list[tuple[str, str]]:
    """Every (method, path) of the web view's routes (those left out of the API's schema)."""
    found = set()
    for route in _routes(app.routes):
        if not route.include_in_schema:
            found |= {(method, route.path) for method in route.methods if method in ("GET", "POST")}
    return sorted(found)


def expected_status(rule: WebRule, viewer: str) -> int:
    """The status a viewer must get under a rule."""
    if viewer == "officer":
        return rule.ok
    if viewer == "signed-out":
        return 303  # to the sign-in page
    if viewer == "panel":
        return rule.ok if rule.panel else 403
    if rule.access == "any-role":
        return 404 if viewer == "planning-other" and rule.scoped else rule.ok
    if rule.access == "force":
        return rule.ok if viewer == "finance" else 403
    if rule.access == "officer" or viewer == "finance":
        return 403
    return 404 if viewer == "planning-other" else rule.ok


def become(api: Any, viewer: str) -> None:
    """Sign in as the viewer (or sign out)."""
    api.client.cookies.clear()
    if viewer != "signed-out":
        sign_in(api, "planning" if viewer.startswith("planning") else viewer)


def this_session_token(api: Any) -> str:
    """The CSRF token of the client's current session (a signed-out client has none)."""
    session_id = api.client.cookies.get(SESSION_COOKIE)
    return token_for(session_id) if session_id else ""


RECORD_LINK = re.compile(
    r'href="/web/(agreements|contributions|drawdowns|projects|spend|local-authorities|bids|repurposing-proposals)/'
)
"""A link to a page of one record, which a Panel account's pages must not offer."""


def test_the_panel_opens_only_aggregate_pages() -> None:
    allowed = sorted(route for route, rule in WEB_RULES.items() if rule.panel)
    assert all(method == "GET" for method, _path in allowed)
    assert allowed == sorted(
        ("GET", path)
        for path in ("/web", "/web/panel.csv", "/web/panel.xlsx", "/web/bids", "/web/investment")
        + ("/web/investment/{item_id}", "/web/repurposing-proposals", "/web/panel/projects", "/web/panel/deadlines")
    )


def test_every_web_route_has_a_rule() -> None:
    missing = [route for route in web_routes() if route not in WEB_RULES]
    assert not missing, f"add to WEB_RULES in tests/test_web_access.py: {missing}"
    stale = sorted(set(WEB_RULES) - set(web_routes()))
    assert not stale, f"WEB_RULES names routes that no longer exist: {stale}"


@pytest.mark.parametrize(
    ("method", "path"), [route for route in web_routes() if WEB_RULES.get(route, FORM_PAGE).checked], ids=str
)
def test_web_route(api: Any, session: Session, method: str, path: str) -> None:
    rule = WEB_RULES.get((method, path))
    if rule is None:
        pytest.fail(f"add a rule for {method} {path} to WEB_RULES")
    by_authority = {OWN: build_ids(api, OWN), OTHER: build_ids(api, OTHER)}
    for ids in by_authority.values():
        for name in path_parameters(path):
            if name not in (rule.path or {}):
                assert ids[name]
        if rule.query:
            rule.query(ids)
        if rule.form:
            rule.form(ids)
        if rule.prepare:
            rule.prepare(ids)
    for viewer in VIEWERS:
        ids = by_authority[OTHER if viewer == "planning-other" else OWN]
        url = path.format_map({**ids, **(rule.path or {})})
        become(api, viewer)
        before = audit_count(session)
        if method == "GET":
            response = api.get(url, role=None, params=rule.query(ids) if rule.query else None, follow_redirects=False)
        else:
            body = {**(rule.form(ids) if rule.form else {}), "csrf_token": this_session_token(api)}
            response = api.post(url, role=None, data=body, files=rule.files, follow_redirects=False)
        expected = expected_status(rule, viewer)
        assert response.status_code == expected, f"{viewer}: {method} {url} -> {response.status_code} {response.text}"
        if viewer == "signed-out":
            assert response.headers["location"].startswith("/web/sign-in")
        if method == "POST":
            written = audit_count(session) - before
            allowed = expected < 400 and viewer != "signed-out" and rule.audited
            assert written == (1 if allowed else 0), f"{viewer}: {method} {url}"
        if viewer.startswith("planning") and expected < 400:
            assert "Charnwood" not in response.text, f"{method} {url} shows another authority to planning"
        if viewer == "panel" and expected == 200 and response.headers["content-type"].startswith("text/html"):
            assert not RECORD_LINK.search(response.text), f"{method} {url} links the Panel to a record page"
