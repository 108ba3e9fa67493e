"""Every route of the OpenAPI schema, asked by every kind of caller: the access rules as one table.

A route without a rule in RULES fails the suite. To add one, write its entry in RULES: who may call
it (`access`), the status an allowed caller gets (`ok`), and a small valid request (`body`, `params`,
`files` or `content`; a callable gets the ids of one authority's objects). A new path parameter also
needs a builder in ID_BUILDERS that makes such an object at a given authority. For example:

    ("GET", "/reports/panel"): Rule(access="any-role", params={"layout": "2024", "format": "csv"}),
    ("POST", "/imports"): Rule(access="officer", ok=201, files={"file": ("t.csv", b"...", "text/csv")}),
    ("GET", "/drawdowns/{drawdown_id}"): Rule(access="any-role"),   # and ID_BUILDERS["drawdown_id"]
    ("POST", "/reconciliations"): Rule(access="force", audited=False, content=b"...", content_type="text/csv"),

`overrides` sets one caller's status where a route departs from its access's usual answers. Each test
makes only the objects its route names, afresh; a lifecycle route's `prepare` puts them in the state it
needs (e.g. submits the drawdown request). Only the officer, who goes last, changes that state.

Callers: none (no token), bad (an unknown token), revoked, officer, finance, planning-own (the
planning token of `blaby` on blaby's objects), planning-other (the same token on charnwood's
objects, which must answer exactly as ids that do not exist) and panel (a Panel member's token).

`panel` says what the Panel's token gets: True for the Panel's aggregate views (it reads them as
finance does), False (the default) for every other route, which answers it 403: no record of an
agreement, a contribution, a drawdown or a bid, and no write."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.service import create_token, revoke_token
from app.main import app
from app.models import AuditEntry, Role
from tests.builders import agreement, contribution, event, movement
from tests.doc_builders import PDF, TEMPLATE, upload
from tests.project_builders import allocate, drawdown, pay, project, spend, step

Ids = dict[str, Any]
"""Path parameter name -> the id of an object of one authority (see ID_BUILDERS)."""

Access = Literal["public", "any-role", "force", "officer", "officer+planning-receipts", "officer+authority"]
"""Who may call a route:
- public: anyone, without a token (health).
- any-role: every valid token; a planning officer sees only their authority (others' ids are 404).
- force: the officer and finance (the audit trail); a planning officer gets 403.
- officer: the officer alone (writes); finance and planning get 403.
- officer+planning-receipts: the officer, and a planning officer for their own authority's objects
  (recording received movements); finance gets 403, planning on another authority's objects 404.
- officer+authority: the officer, and a planning officer answering a drawdown request made to their own
  authority (approval, refusal, query, payment); finance gets 403, planning on another authority's 404.
"""

OWN, OTHER = "blaby", "charnwood"
STANDARD_AGREEMENT = (
    b"developer-agreement,organisation,entry-date,start-date,end-date,planning-application,document-url,"
    b"developer-agreement-type\n"
    b"17/1177/ful-da,local-authority-eng:BLA,07/10/2019,20/06/2019,,pp-05970022,,section-106\n"
)
REGISTER = (
    b"Authority,Agreement reference,Site,Developer,Signed date,Purpose,Amount,Trigger,Received,Received date,"
    b"Drawn,Drawn date,Spent,Spent date,Notes\n"
    b"Blaby,REG/0001,Land off Hospital Lane,Example Homes Ltd,2019-04-01,equipment,2500.00,On commencement,"
    b"2500.00,2021-05-01,,,,,\n"
)
INDEX_CSV = b"month,value,source\n2019-03,324.0,BCIS All-in TPI\n2019-12,341.5,BCIS All-in TPI\n"
PUBLISHED_2024 = (Path(__file__).resolve().parent.parent / "seed" / "published" / "table-2024-02-01.csv").read_bytes()
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Rule:
    """How one route answers each caller, and a valid request to send it."""

    access: Access
    ok: int = 200
    body: dict[str, Any] | Callable[[Ids], dict[str, Any]] | None = None
    params: dict[str, Any] | Callable[[Ids], dict[str, Any]] | None = None
    files: dict[str, Any] | Callable[[Ids], dict[str, Any]] | None = None
    """Multipart uploads, as httpx takes them: {"file": ("name.csv", b"...", "text/csv")}."""
    content: bytes | Callable[[Ids], bytes] | None = None
    """A raw body (e.g. CSV), sent with content_type."""
    content_type: str | None = None
    audited: bool | None = None
    """Whether an allowed call writes one audit entry; by default, every method but GET."""
    scoped: bool | None = None
    """Whether the request names one authority's objects; by default, when it has path parameters or a
    callable request. False for objects no authority owns (an index series)."""
    prepare: Callable[[Any, Ids], None] | None = None
    """Puts one authority's objects in the state the route needs (e.g. submits the drawdown request)."""
    overrides: dict[str, int] = field(default_factory=dict)
    """Caller -> status, where a route departs from its access's usual answer."""
    separate: bool = False
    """Whether the planning officer of the authority acts on objects of their own, made and prepared
    afresh: an answer to a request is given once, and the officer, who goes last, gives it too."""
    panel: bool = False
    """Whether the Panel's token may call it (an aggregate view by authority); otherwise it gets 403."""


NO_ACCOUNT = {"officer": 409, "finance": 409, "planning-own": 409, "planning-other": 409}
"""A write to the caller's own account by a token that has none (tests/test_alerts.py writes through accounts)."""

RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/health"): Rule(access="public"),
    ("GET", "/health/ready"): Rule(access="public"),
    ("GET", "/local-authorities"): Rule(access="any-role"),
    ("POST", "/local-authorities"): Rule(
        access="officer", ok=201, body={"id": "test-borough", "name": "Test Borough Council"}
    ),
    ("GET", "/local-authorities/{local_authority_id}"): Rule(access="any-role"),
    ("PATCH", "/local-authorities/{local_authority_id}"): Rule(access="officer", body={"release_notes": "on invoice"}),
    ("GET", "/agreements"): Rule(access="any-role"),
    ("POST", "/agreements"): Rule(
        access="officer",
        ok=201,
        body=lambda ids: {
            "local_authority_id": ids["local_authority_id"],
            "reference": "20/0002/FUL",
            "site": "Land north of the station",
            "signed_on": "2020-06-01",
        },
    ),
    ("GET", "/agreements/{agreement_id}"): Rule(access="any-role"),
    ("PATCH", "/agreements/{agreement_id}"): Rule(access="officer", body={"notes": "deed of variation pending"}),
    ("GET", "/agreements/{agreement_id}/contributions"): Rule(access="any-role"),
    ("POST", "/agreements/{agreement_id}/contributions"): Rule(
        access="officer",
        ok=201,
        body={"purpose": "vehicles", "amount": "2500.00", "trigger": {"type": "on_occupation", "threshold": 10}},
    ),
    ("GET", "/contributions"): Rule(access="any-role"),
    ("GET", "/contributions/{contribution_id}"): Rule(access="any-role"),
    ("PATCH", "/contributions/{contribution_id}"): Rule(access="officer", body={"notes": "ANPR cameras"}),
    ("GET", "/contributions/{contribution_id}/events"): Rule(access="any-role"),
    ("PUT", "/contributions/{contribution_id}/instalments"): Rule(
        access="officer",
        body={
            "instalments": [
                {"percent": "10", "trigger": {"type": "on_commencement"}},
                {"percent": "90", "trigger": {"type": "on_occupation", "threshold": 50, "threshold_unit": "percent"}},
            ]
        },
    ),
    ("POST", "/contributions/{contribution_id}/events"): Rule(
        access="officer", ok=201, body={"kind": "trigger_met", "on": "2020-03-01"}
    ),
    ("GET", "/movements"): Rule(access="any-role"),
    ("POST", "/movements"): Rule(
        access="officer+planning-receipts",
        ok=201,
        body=lambda ids: {
            "kind": "received",
            "contribution_id": ids["contribution_id"],
            "amount": "100.00",
            "on": "2020-02-01",
        },
    ),
    ("GET", "/movements/{movement_id}"): Rule(access="any-role"),
    ("POST", "/movements/{movement_id}/reverse"): Rule(
        access="officer", ok=201, body={"on": "2020-05-01", "note": "keyed twice"}
    ),
    ("GET", "/balances"): Rule(
        access="any-role", params=lambda ids: {"group_by": "agreement", "local_authority": ids["local_authority_id"]}
    ),
    ("GET", "/audit"): Rule(access="force"),
    ("GET", "/reports/panel"): Rule(access="any-role", panel=True, params={"layout": "2024", "format": "csv"}),
    ("GET", "/exports/developer-contributions"): Rule(access="any-role", params={"dataset": "developer-agreement"}),
    ("POST", "/imports"): Rule(
        access="officer",
        files={
            "files": ("agreements.csv", STANDARD_AGREEMENT, "text/csv"),
            "local_authority": (None, OWN),
        },
    ),
    ("POST", "/imports/register"): Rule(access="officer", files={"file": ("register.csv", REGISTER, "text/csv")}),
    ("POST", "/comparisons"): Rule(
        access="force",
        audited=False,
        files={
            "files": ("agreements.csv", STANDARD_AGREEMENT, "text/csv"),
            "local_authority": (None, OWN),
        },
    ),
    ("POST", "/reconciliations"): Rule(
        access="force",
        audited=False,
        params={"as_at": "2024-01-31"},
        content=PUBLISHED_2024,
        content_type="text/csv",
    ),
    ("GET", "/projects"): Rule(access="any-role"),
    ("POST", "/projects"): Rule(
        access="officer",
        ok=201,
        body={
            "name": "Custody suite",
            "funding": "pooled",
            "category": "land_and_buildings",
            "estimate_low": "250000.00",
        },
    ),
    ("GET", "/projects/{project_id}"): Rule(access="any-role"),
    ("PATCH", "/projects/{project_id}"): Rule(access="officer", body={"notes": "tender out in March"}),
    ("POST", "/projects/{project_id}/allocations"): Rule(
        access="officer",
        ok=201,
        body=lambda ids: {"contribution_id": ids["unallocated_contribution_id"], "amount": "1000.00"},
    ),
    ("PATCH", "/projects/{project_id}/allocations/{allocation_id}"): Rule(access="officer", body={"amount": "6000.00"}),
    ("DELETE", "/projects/{project_id}/allocations/{allocation_id}"): Rule(access="officer", ok=204),
    ("GET", "/drawdowns"): Rule(access="any-role"),
    ("POST", "/drawdowns"): Rule(
        access="officer",
        ok=201,
        body=lambda ids: {
            "local_authority_id": ids["local_authority_id"],
            "project_id": ids["project_id"],
            "lines": [{"contribution_id": ids["contribution_id"], "amount": "200.00"}],
        },
        prepare=lambda api, ids: ids["movement_id"],
    ),
    ("GET", "/drawdowns/{drawdown_id}"): Rule(access="any-role"),
    ("PATCH", "/drawdowns/{drawdown_id}"): Rule(access="officer", body={"note": "with the quotes"}),
    ("POST", "/drawdowns/{drawdown_id}/submit"): Rule(access="officer", body={"on": "2020-03-01"}),
    ("POST", "/drawdowns/{drawdown_id}/approve"): Rule(
        access="officer+authority",
        body={"on": "2020-03-10"},
        prepare=lambda api, ids: _advance(api, ids, "submit"),
        separate=True,
    ),
    ("POST", "/drawdowns/{drawdown_id}/reject"): Rule(
        access="officer+authority",
        body={"on": "2020-03-10", "reason": "proportionality not shown"},
        prepare=lambda api, ids: _advance(api, ids, "submit"),
        separate=True,
    ),
    ("POST", "/drawdowns/{drawdown_id}/queries"): Rule(
        access="officer+authority",
        ok=201,
        body={"on": "2020-03-05", "message": "Which of these costs are still to be paid?"},
        prepare=lambda api, ids: _advance(api, ids, "submit"),
    ),
    ("GET", "/drawdowns/{drawdown_id}/pack"): Rule(access="any-role"),
    ("POST", "/drawdowns/{drawdown_id}/pack"): Rule(
        access="officer", prepare=lambda api, ids: _advance(api, ids, "submit")
    ),
    ("POST", "/drawdowns/{drawdown_id}/acknowledge"): Rule(
        access="officer+authority",
        body={"on": "2020-03-05", "letter_dated": "2020-03-04"},
        prepare=lambda api, ids: _advance(api, ids, "submit"),
        separate=True,
    ),
    ("GET", "/local-authorities/{local_authority_id}/pack-templates"): Rule(access="any-role"),
    ("POST", "/local-authorities/{local_authority_id}/pack-templates"): Rule(
        access="officer", ok=201, files={"file": ("template.docx", TEMPLATE, "application/octet-stream")}
    ),
    ("GET", "/local-authorities/{local_authority_id}/balance-confirmations"): Rule(access="any-role"),
    ("POST", "/local-authorities/{local_authority_id}/balance-confirmations"): Rule(
        access="officer+planning-receipts", ok=201, body={"as_at": "2020-03-31", "amount": "1000.00"}
    ),
    ("POST", "/drawdowns/{drawdown_id}/withdraw"): Rule(
        access="officer", body={"on": "2020-03-01", "note": "re-scoped"}
    ),
    ("POST", "/drawdowns/{drawdown_id}/payments"): Rule(
        access="officer+authority",
        ok=201,
        body={"on": "2020-04-01"},
        prepare=lambda api, ids: _advance(api, ids, "approve"),
        separate=True,
    ),
    ("POST", "/drawdowns/{drawdown_id}/payments/{payment_id}/reverse"): Rule(
        access="officer", body={"on": "2020-05-01", "note": "keyed twice"}
    ),
    ("GET", "/spend"): Rule(access="any-role"),
    ("POST", "/spend"): Rule(
        access="officer",
        ok=201,
        body=lambda ids: {
            "project_id": ids["project_id"],
            "on": "2020-02-15",
            "supplier": "Example Security Ltd",
            "invoice_reference": "INV-0042",
            "amount": "250.00",
            "charges": [{"contribution_id": ids["contribution_id"], "amount": "250.00"}],
        },
    ),
    ("GET", "/spend/{spend_id}"): Rule(access="any-role"),
    ("POST", "/spend/{spend_id}/cancel"): Rule(access="officer", body={"on": "2020-03-01", "reason": "keyed twice"}),
    ("GET", "/contributions/{contribution_id}/repurposings"): Rule(access="any-role"),
    ("POST", "/contributions/{contribution_id}/repurposings"): Rule(
        access="officer",
        ok=201,
        body={"purpose": "vehicles", "consented_on": "2020-03-01", "consent_reference": "letter of 1 March 2020"},
    ),
    ("POST", "/documents"): Rule(
        access="officer",
        ok=201,
        files=lambda ids: {
            "file": ("consent.pdf", PDF, "application/pdf"),
            "owner_type": (None, "agreement"),
            "owner_id": (None, str(ids["agreement_id"])),
            "kind": (None, "consent_letter"),
        },
    ),
    ("GET", "/documents"): Rule(
        access="any-role", params=lambda ids: {"owner_type": "agreement", "owner_id": ids["agreement_id"]}
    ),
    ("GET", "/documents/{document_id}"): Rule(access="any-role"),
    ("GET", "/documents/{document_id}/content"): Rule(access="any-role"),
    ("GET", "/deadlines"): Rule(access="any-role", params={"as_at": "2024-01-31"}),
    # Alerts are the caller's account's own: a token made on the command line has no account to keep them in.
    ("GET", "/alerts"): Rule(access="any-role"),
    ("GET", "/alerts/subscriptions"): Rule(access="any-role"),
    ("POST", "/alerts/read"): Rule(access="any-role", body={"all": True}, overrides=NO_ACCOUNT),
    ("PUT", "/alerts/subscriptions"): Rule(
        access="any-role", body={"subscriptions": [{"kind": "deadline", "days": 30}]}, overrides=NO_ACCOUNT
    ),
    ("GET", "/forecast"): Rule(access="any-role", params={"as_at": "2024-01-31"}),
    ("GET", "/index-series"): Rule(access="any-role"),
    ("GET", "/index-series/{series}"): Rule(access="any-role", scoped=False),
    ("POST", "/index-series/{series}"): Rule(
        access="officer", scoped=False, content=INDEX_CSV, content_type="text/csv"
    ),
    ("PUT", "/contributions/{contribution_id}/indexation"): Rule(
        access="officer", body=lambda ids: {"series": ids["series"], "base_month": "2019-03-01"}
    ),
    ("GET", "/contributions/{contribution_id}/indexation"): Rule(
        access="any-role", params={"due_on": "2020-01-15"}, prepare=lambda api, ids: _link_index(api, ids)
    ),
    ("POST", "/contributions/{contribution_id}/indexation/accept"): Rule(
        access="officer", ok=201, body={"due_on": "2020-01-15"}, prepare=lambda api, ids: _link_index(api, ids)
    ),
}


RULES.update(
    {
        ("GET", "/bid-formulas"): Rule(access="any-role"),
        ("POST", "/bid-formulas"): Rule(
            access="officer",
            ok=201,
            body={
                "name": "Per-dwelling formula",
                "base_date": "2024-04-01",
                "items": [{"item": "premises", "cost_per_dwelling": "80.00", "assumption": "0.5 sq m a household"}],
            },
        ),
        ("GET", "/bid-formulas/{formula_id}"): Rule(access="any-role", scoped=False),
        ("GET", "/bid-formulas/{formula_id}/workings"): Rule(
            access="any-role", scoped=False, params={"dwellings": 120}
        ),
        ("GET", "/bids"): Rule(access="any-role"),
        ("POST", "/bids"): Rule(
            access="officer",
            ok=201,
            body=lambda ids: {
                "local_authority_id": ids["local_authority_id"],
                "application_reference": "24/0999/OUT",
                "site": "Land west of the bypass",
                "dwellings": 150,
                "consulted_on": "2024-03-01",
                "amount_bid": "30000.00",
            },
        ),
        ("GET", "/bid-summary"): Rule(access="any-role", panel=True),
        ("GET", "/bids/{bid_id}"): Rule(access="any-role"),
        ("GET", "/bids/{bid_id}/workings"): Rule(access="any-role", params={"format": "pdf"}),
        ("PATCH", "/bids/{bid_id}"): Rule(access="officer", body={"heads_of_terms": "£30,000 towards premises"}),
        ("POST", "/bids/{bid_id}/outcome"): Rule(access="officer", body={"outcome": "withdrawn", "on": "2024-05-01"}),
        ("POST", "/bids/{bid_id}/agreement"): Rule(
            access="officer",
            ok=201,
            body={
                "signed_on": "2024-09-01",
                "contributions": [{"purpose": "premises", "amount": "30000.00", "trigger": {"type": "on_signing"}}],
            },
        ),
    }
)


RULES.update(
    {
        ("POST", "/agreements/{agreement_id}/progress"): Rule(
            access="officer+planning-receipts", ok=201, body={"on": "2020-03-01", "started": 10, "completed": 4}
        ),
        ("GET", "/agreements/{agreement_id}/progress"): Rule(access="any-role"),
        ("POST", "/local-authorities/{local_authority_id}/site-progress"): Rule(
            access="officer+planning-receipts",
            content=lambda ids: (
                f"Planning application,Date,Completions to date\n{ids['agreement_reference']},31/03/2020,5\n"
            ).encode(),
            content_type="text/csv",
        ),
        ("GET", "/trigger-proposals"): Rule(access="any-role"),
        ("POST", "/instalments/{instalment_id}/due"): Rule(
            access="officer", ok=201, body={}, prepare=lambda api, ids: _started(api, ids)
        ),
        ("GET", "/instalment-watch"): Rule(access="any-role", params={"dwellings": "5", "days": "30"}),
        ("POST", "/contributions/{contribution_id}/trigger-proposal/confirm"): Rule(
            access="officer", ok=201, body={}, prepare=lambda api, ids: _started(api, ids)
        ),
        ("GET", "/investment-items"): Rule(access="any-role", panel=True),
        ("POST", "/investment-items"): Rule(
            access="officer",
            ok=201,
            body={
                "name": "Contact Management refurbishment",
                "category": "land_and_buildings",
                "estimate": "285000.00",
                "strategy_reference": "Estates strategy E3",
            },
        ),
        ("GET", "/investment-items/{item_id}"): Rule(access="any-role", panel=True, scoped=False),
        ("PATCH", "/investment-items/{item_id}"): Rule(access="officer", scoped=False, body={"status": "approved"}),
        ("GET", "/repurposing-proposals"): Rule(access="any-role"),
        ("POST", "/repurposing-proposals"): Rule(
            access="officer",
            ok=201,
            body=lambda ids: {
                "contribution_id": ids["contribution_id"],
                "proposed_purpose": "premises",
                "identified_on": "2023-10-02",
            },
        ),
        ("GET", "/repurposing-proposal-summary"): Rule(access="any-role", panel=True),
        ("GET", "/repurposing/candidates"): Rule(access="any-role", params={"sort": "soonest"}),
        ("GET", "/reports/panel/projects"): Rule(access="any-role", panel=True),
        ("GET", "/reports/panel/deadlines"): Rule(access="any-role", panel=True),
        ("GET", "/repurposing-proposals/{proposal_id}"): Rule(access="any-role"),
        ("PATCH", "/repurposing-proposals/{proposal_id}"): Rule(access="officer", body={"costs": "500.00"}),
        ("POST", "/repurposing-proposals/{proposal_id}/steps"): Rule(
            access="officer", body={"step": "discussed", "on": "2023-11-01"}
        ),
        ("POST", "/repurposing-proposals/{proposal_id}/consent"): Rule(
            access="officer", ok=201, body={"on": "2024-02-01", "reference": "BDC letter 2024/3"}
        ),
    }
)


def _started(api: Any, ids: Ids) -> None:
    """Progress on the contribution's site that passes its commencement trigger."""
    agreement_id = api.get(f"/contributions/{ids['contribution_id']}").json()["agreement_id"]
    response = api.post(f"/agreements/{agreement_id}/progress", json={"on": "2019-06-01", "started": 3})
    assert response.status_code == 201, response.text


def _investment_item(api: Any, ids: Ids) -> int:
    """An item of the investment list (named after the authority, as names are unique)."""
    response = api.post(
        "/investment-items",
        json={
            "name": f"Evidence gathering equipment ({ids['local_authority_id']})",
            "category": "equipment",
            "estimate": "15000.00",
            "strategy_reference": "Capital programme line 31",
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _proposal(api: Any, ids: Ids) -> int:
    """An open proposal to repurpose the authority's contribution for premises."""
    response = api.post(
        "/repurposing-proposals",
        json={"contribution_id": ids["contribution_id"], "proposed_purpose": "premises", "identified_on": "2023-10-02"},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _bid(api: Any, ids: Ids) -> int:
    """An open bid on an application of the authority."""
    response = api.post(
        "/bids",
        json={
            "local_authority_id": ids["local_authority_id"],
            "application_reference": f"{ids['local_authority_id']}/24/0100",
            "site": "Land south of Hospital Lane",
            "dwellings": 200,
            "consulted_on": "2024-03-01",
            "amount_bid": "40000.00",
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _formula(api: Any) -> int:
    response = api.post(
        "/bid-formulas",
        json={
            "name": "Per-dwelling formula (access)",
            "base_date": "2024-04-01",
            "items": [{"item": "vehicles", "cost_per_dwelling": "25.00", "assumption": "one car per 8 officers"}],
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


# How to make, at one authority, the object each path parameter (or request) names. Each builder gets
# the authority's ids, which build what they are asked for on first use, and returns the new object's id.
ID_BUILDERS: dict[str, Callable[[Any, Ids], Any]] = {
    "local_authority_id": lambda api, ids: ids["local_authority_id"],
    "agreement_id": lambda api, ids: agreement(
        api,
        local_authority_id=ids["local_authority_id"],
        reference=f"{ids['local_authority_id']}/19/0001{getattr(ids, 'tag', '')}",
    )["id"],
    "contribution_id": lambda api, ids: contribution(api, ids["agreement_id"], amount="10000.00")["id"],
    "movement_id": lambda api, ids: _receipt(api, ids["contribution_id"]),
    "unallocated_contribution_id": lambda api, ids: contribution(api, ids["agreement_id"], amount="2000.00")["id"],
    "project_id": lambda api, ids: _funded_project(api, ids),
    "allocation_id": lambda api, ids: api.get(f"/projects/{ids['project_id']}").json()["allocations"][0]["id"],
    "spend_id": lambda api, ids: _spend(api, ids),
    "drawdown_id": lambda api, ids: _draft_drawdown(api, ids),
    "payment_id": lambda api, ids: _payment(api, ids),
    "series": lambda api, ids: _series(api),
    "document_id": lambda api, ids: upload(
        api, owner_type="agreement", owner_id=ids["agreement_id"], kind="agreement"
    ).json()["id"],
    "bid_id": _bid,
    "formula_id": lambda api, ids: _formula(api),
    "agreement_reference": lambda api, ids: api.get(f"/agreements/{ids['agreement_id']}").json()["reference"],
    "instalment_id": lambda api, ids: api.get(f"/contributions/{ids['contribution_id']}").json()["instalments"][0][
        "id"
    ],
    "item_id": _investment_item,
    "proposal_id": _proposal,
}

CALLERS = ("none", "bad", "revoked", "finance", "planning-own", "planning-other", "panel", "officer")
"""In this order: the officer, whose writes succeed, goes last."""

ANONYMOUS = ("none", "bad", "revoked")
MISSING_INT = 987_654_321
MISSING_SLUG = "no-such-authority"


def _receipt(api: Any, contribution_id: int) -> int:
    assert event(api, contribution_id, "development_started", date(2019, 6, 1)).status_code == 201
    response = movement(api, contribution_id, "received", "1000.00", date(2020, 1, 15))
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _funded_project(api: Any, ids: Ids) -> int:
    """A pooled project the authority's contribution funds (so its planning officer sees it)."""
    made = project(
        api,
        name=f"Firearms range ({ids['local_authority_id']}{getattr(ids, 'tag', '')})",
        category="equipment",
        estimate_low="50000.00",
    )
    assert allocate(api, made["id"], ids["contribution_id"], "5000.00").status_code == 201
    return int(made["id"])


def _spend(api: Any, ids: Ids) -> int:
    response = spend(
        api,
        project_id=ids["project_id"],
        amount="400.00",
        charges=[(ids["contribution_id"], "400.00")],
        on="2020-02-01",
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _draft_drawdown(api: Any, ids: Ids) -> int:
    """A draft request to the authority for money it holds (the receipt of movement_id)."""
    assert ids["movement_id"]
    response = drawdown(
        api,
        local_authority_id=ids["local_authority_id"],
        project_id=ids["project_id"],
        lines=[(ids["contribution_id"], "300.00")],
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


LIFECYCLE = {"submit": "2020-03-01", "approve": "2020-03-10"}


def _advance(api: Any, ids: Ids, until: str) -> None:
    """Take the draft request drawdown_id through the lifecycle up to and including a step."""
    for action, on in LIFECYCLE.items():
        response = step(api, ids["drawdown_id"], action, on=on)
        assert response.status_code == 200, response.text
        if action == until:
            return


def _payment(api: Any, ids: Ids) -> int:
    """A payment of the request drawdown_id, which it approves and pays in full."""
    _advance(api, ids, "approve")
    response = pay(api, ids["drawdown_id"], "2020-04-01")
    assert response.status_code == 201, response.text
    return int(response.json()["payments"][0]["id"])


def _series(api: Any) -> str:
    response = api.post("/index-series/TPI", content=INDEX_CSV, headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    return "TPI"


def _link_index(api: Any, ids: Ids) -> None:
    response = api.request(
        "PUT",
        f"/contributions/{ids['contribution_id']}/indexation",
        json={"series": ids["series"], "base_month": "2019-03-01"},
    )
    assert response.status_code == 200, response.text


def schema_routes() -> list[tuple[str, str]]:
    """Every (method, path template) in the OpenAPI schema."""
    paths = app.openapi()["paths"]
    return sorted(
        (method.upper(), path) for path, operations in paths.items() for method in operations if method in HTTP_METHODS
    )


def path_parameters(path: str) -> list[str]:
    """The names of a path template's parameters."""
    return re.findall(r"{(\w+)}", path)


def rule_to_add(method: str, path: str) -> str:
    """The RULES entry a new route needs, as a starting point."""
    if method == "GET":
        return f'    ("{method}", "{path}"): Rule(access="any-role"),'
    ok = ", ok=201" if method == "POST" else ""
    return f'    ("{method}", "{path}"): Rule(access="officer"{ok}, body={{...a small valid body...}}),'


def missing_rules_message(routes: list[tuple[str, str]]) -> str:
    """What to add to RULES for routes that have no rule."""
    lines = "\n".join(rule_to_add(method, path) for method, path in routes)
    return (
        f"{len(routes)} route(s) have no access rule. Add to RULES in tests/test_access.py:\n{lines}\n"
        "access is one of: public, any-role (planning sees only its authority), force (officer and finance), "
        "officer, officer+planning-receipts; ok is an allowed caller's status (201 for a create); body and params "
        "are a small valid request (a lambda ids: ... gets one authority's object ids). "
        "A new path parameter also needs a builder in ID_BUILDERS."
    )


def expected_status(rule: Rule, caller: str, scoped: bool) -> int:
    """The status a caller must get from a route under its rule."""
    if caller in rule.overrides:
        return rule.overrides[caller]
    if rule.access == "public" or caller == "officer":
        return rule.ok
    if caller in ANONYMOUS:
        return 401
    if caller == "panel":
        return rule.ok if rule.panel else 403
    if rule.access == "any-role":
        return 404 if caller == "planning-other" and scoped else rule.ok
    if rule.access == "force":
        return rule.ok if caller == "finance" else 403
    if rule.access == "officer" or caller == "finance":
        return 403
    return 404 if caller == "planning-other" and scoped else rule.ok


class AuthorityIds(dict[str, Any]):
    """One authority's objects, each made by its ID_BUILDERS entry when a route first names it."""

    def __init__(self, api: Any, authority: str, tag: str = "") -> None:
        super().__init__(local_authority_id=authority)
        self.api = api
        self.tag = tag
        """Told apart from another set of the same authority's objects (names and references are unique)."""

    def __missing__(self, name: str) -> Any:
        self[name] = ID_BUILDERS[name](self.api, self)
        return self[name]


def build_ids(api: Any, authority: str, tag: str = "") -> Ids:
    """The authority's ids; only the objects a route names are made, so each route starts from fresh ones."""
    return AuthorityIds(api, authority, tag)


def missing_ids(ids: Ids) -> Ids:
    """Ids of the same kinds that name nothing."""
    return {name: MISSING_INT if isinstance(value, int) else MISSING_SLUG for name, value in ids.items()}


@dataclass(frozen=True)
class Call:
    """One request, ready to send."""

    method: str
    url: str
    body: dict[str, Any] | None
    params: dict[str, Any] | None
    files: dict[str, Any] | None = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def make_call(method: str, path: str, rule: Rule, ids: Ids) -> Call:
    """The rule's request, with the given ids in its path, body and query."""
    body = rule.body(ids) if callable(rule.body) else rule.body
    params = rule.params(ids) if callable(rule.params) else rule.params
    files = rule.files(ids) if callable(rule.files) else rule.files
    content = rule.content(ids) if callable(rule.content) else rule.content
    headers = {"Content-Type": rule.content_type} if rule.content_type else {}
    return Call(
        method=method,
        url=path.format_map(ids),
        body=body,
        params=params,
        files=files,
        content=content,
        headers=headers,
    )


def is_scoped(path: str, rule: Rule) -> bool:
    """Whether the request names objects of one authority (so another authority's must be 404)."""
    if rule.scoped is not None:
        return rule.scoped
    requests = (rule.body, rule.params, rule.files, rule.content)
    return bool(path_parameters(path)) or any(callable(request) for request in requests)


def without_ids(text: str, ids: list[Any]) -> str:
    """A problem's detail with the ids it names replaced, to compare two answers' shapes."""
    for value in ids:
        text = re.sub(rf"(?<![\w-]){re.escape(str(value))}(?![\w-])", "<id>", text)
    return text


def problem_shape(response: Any, ids: list[Any]) -> dict[str, Any]:
    """What a problem response tells the caller, apart from the id asked for."""
    body = response.json()
    return {
        "status": response.status_code,
        "type": body.get("type"),
        "title": body.get("title"),
        "detail": without_ids(str(body.get("detail")), ids),
        "fields": [error.get("field") for error in body.get("errors", [])],
    }


class Callers:
    """The Authorization header of each kind of caller."""

    def __init__(self, api: Any, session: Session) -> None:
        row, revoked = create_token(session=session, name="revoked officer", role=Role.officer)
        revoke_token(session=session, token_id=row.id)
        session.commit()
        self.headers = {
            "none": {},
            "bad": {"Authorization": "Bearer s106_this-token-was-never-issued"},
            "revoked": {"Authorization": f"Bearer {revoked}"},
            "officer": {"Authorization": f"Bearer {api.tokens.officer}"},
            "finance": {"Authorization": f"Bearer {api.tokens.finance}"},
            "planning-own": {"Authorization": f"Bearer {api.tokens.planning}"},
            "planning-other": {"Authorization": f"Bearer {api.tokens.planning}"},
            "panel": {"Authorization": f"Bearer {api.tokens.panel}"},
        }
        self.actor = {"officer": ("test officer", "officer"), "planning-own": ("test planning", "planning")}


def send(api: Any, call: Call, headers: dict[str, str]) -> Any:
    """Send a call with a caller's headers."""
    return api.client.request(
        call.method,
        call.url,
        json=call.body,
        params=call.params,
        files=call.files,
        content=call.content,
        headers={**call.headers, **headers},
    )


def audit_count(session: Session) -> int:
    """How many audit entries there are."""
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def assert_problem(response: Any, status: int) -> None:
    """An error answered as problem details with the expected status."""
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    assert response.json()["status"] == status
    if status == 401:
        assert response.headers.get("www-authenticate") == "Bearer"


def assert_audited(session: Session, before: int, call: Call, response: Any, actor: tuple[str, str]) -> None:
    """One new audit entry names the caller, the request, the rows written and the body sent."""
    entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())))
    assert len(entries) == before + 1, f"{call.method} {call.url} should write one audit entry"
    entry = entries[0]
    assert (entry.actor_name, entry.actor_role) == actor
    assert (entry.method, entry.path) == (call.method, call.url)
    assert entry.resource and entry.resource_ids
    written = response.json() if response.content else None
    if isinstance(written, dict) and "id" in written:
        assert written["id"] in entry.resource_ids
    for name, value in (call.body or {}).items():
        assert entry.body is not None and entry.body.get(name) == value, (name, entry.body)


class TestEveryRouteHasARule:
    """A route added without an access rule fails here."""

    def test_every_route_in_the_schema_has_a_rule(self) -> None:
        routes = schema_routes()
        missing = [route for route in routes if route not in RULES]
        assert not missing, missing_rules_message(missing)
        stale = sorted(set(RULES) - set(routes))
        assert not stale, f"RULES has entries for routes that no longer exist; remove them: {stale}"

    def test_the_panel_reads_only_views_without_record_ids(self) -> None:
        allowed = sorted(route for route, rule in RULES.items() if rule.panel)
        assert allowed == [
            ("GET", "/bid-summary"),
            ("GET", "/investment-items"),
            ("GET", "/investment-items/{item_id}"),
            ("GET", "/reports/panel"),
            ("GET", "/reports/panel/deadlines"),
            ("GET", "/reports/panel/projects"),
            ("GET", "/repurposing-proposal-summary"),
        ]

    def test_every_path_parameter_has_a_builder(self) -> None:
        names = {name for _method, path in schema_routes() for name in path_parameters(path)}
        unbuilt = sorted(names - set(ID_BUILDERS))
        assert not unbuilt, f"add a builder to ID_BUILDERS in tests/test_access.py for: {unbuilt}"


class TestEveryRouteForEveryCaller:
    """Each route answers each caller as its rule says; another authority's ids look like unknown ids."""

    @pytest.mark.parametrize(("method", "path"), schema_routes(), ids=lambda value: str(value))
    def test_route(self, api: Any, session: Session, method: str, path: str) -> None:
        rule = RULES.get((method, path))
        if rule is None:
            pytest.fail(missing_rules_message([(method, path)]))
        own, other = build_ids(api, OWN), build_ids(api, OTHER)
        planning_own = build_ids(api, OWN, tag="-planning") if rule.separate else own
        for ids in (own, other, planning_own) if rule.separate else (own, other):
            if rule.prepare:
                rule.prepare(api, ids)
        calls = {OWN: make_call(method, path, rule, own), OTHER: make_call(method, path, rule, other)}
        if rule.separate:
            calls["planning-own"] = make_call(method, path, rule, planning_own)
        callers = Callers(api, session)
        scoped = is_scoped(path, rule)
        audited = rule.audited if rule.audited is not None else method != "GET"
        documented = app.openapi()["paths"][path][method.lower()]["responses"]
        for caller in CALLERS:
            call = calls.get(caller) or calls[OTHER if caller == "planning-other" else OWN]
            expected = expected_status(rule, caller, scoped)
            before = audit_count(session)
            response = send(api, call, callers.headers[caller])
            assert response.status_code == expected, f"{caller}: {method} {call.url} -> {response.text}"
            assert str(expected) in documented, f"{method} {path} answers {expected} but its docs do not list it"
            if expected >= 400:
                assert_problem(response, expected)
                assert audit_count(session) == before, f"{caller}'s refused {method} wrote an audit entry"
            elif audited and caller in callers.actor:
                assert_audited(session, before, call, response, callers.actor[caller])
            elif not audited:
                assert audit_count(session) == before
            if caller == "planning-other" and scoped:
                unknown = make_call(method, path, rule, missing_ids(other))
                answer = send(api, unknown, callers.headers[caller])
                names = [*other.values(), *missing_ids(other).values()]
                assert problem_shape(response, names) == problem_shape(answer, names), (
                    f"{method} {path}: another authority's ids must answer as ids that do not exist"
                )


class TestPublicPages:
    """Health and the API docs answer without a token; nothing else does."""

    @pytest.mark.parametrize("path", ["/health", "/health/ready", "/docs", "/redoc", "/openapi.json"])
    def test_without_a_token(self, api: Any, path: str) -> None:
        assert api.get(path, role=None).status_code == 200

    def test_every_other_operation_declares_bearer_security(self) -> None:
        operations = app.openapi()["paths"]
        unsecured = [
            (method.upper(), path)
            for path, methods in operations.items()
            for method, operation in methods.items()
            if method in HTTP_METHODS
            and path not in ("/health", "/health/ready")
            and {"HTTPBearer": []} not in operation.get("security", [])
        ]
        assert unsecured == []


class TestAuthorityComesBeforeValidation:
    """A caller without the right learns nothing from how their request would have been validated."""

    def test_no_token_is_401_whatever_the_request(self, api: Any) -> None:
        for response in (
            api.get("/agreements/not-a-number", role=None),
            api.post("/movements", role=None, json={"kind": "no-such-kind"}),
            api.get("/agreements", role=None, headers={"Authorization": "Basic dXNlcjpwYXNz"}),
            api.get("/agreements", role=None, headers={"Authorization": "Bearer"}),
        ):
            assert response.status_code == 401, response.text
            assert_problem(response, 401)

    def test_a_role_without_the_right_is_403_whatever_the_body(self, api: Any) -> None:
        assert api.post("/movements", role="finance", json={"kind": "no-such-kind"}).status_code == 403
        assert api.post("/agreements", role="planning", json={}).status_code == 403
        assert api.post("/agreements", role="planning", json={}).json()["title"] == "Not allowed"


# The web view: every page route, asked by every kind of signed-in (or not) person.

WebAccess = Literal["public", "signed-in", "any-role", "force", "officer", "officer+planning-receipts"]
"""Who may use a web route:
- public: anyone (the sign-in and set-password pages, the stylesheets).
- signed-in: any account, on its own things (its account page and tokens); scoping does not apply.
- any-role: any account; a planning officer sees only their authority (others' ids are a 404 page).
- force: the officer and finance (the audit trail); a planning officer gets a 403 page.
- officer: the S106 officer alone; finance and planning get a 403 page.
- officer+planning-receipts: the officer, and a planning officer for their own authority's receipts.
A Panel account opens only its signed-in pages among these; the rest answer it a 403 page.
Without a live session a page redirects (303) to the sign-in page, whatever it is."""


@dataclass(frozen=True)
class WebRule:
    """How one web route answers each caller, and a valid form or query to send it."""

    access: WebAccess
    ok: int = 200
    data: dict[str, Any] | Callable[[Ids], dict[str, Any]] | None = None
    params: dict[str, Any] | Callable[[Ids], dict[str, Any]] | None = None
    path: dict[str, str] | None = None
    """Path parameters that are not ids (a drawdown step's name)."""
    scoped: bool | None = None
    """Whether the path names one authority's objects; by default, when it has path parameters."""
    overrides: dict[str, int] = field(default_factory=dict)


def _invited(api: Any, ids: Ids) -> Any:
    """A planning officer's account at the authority, invited with a set-password link."""
    from app.auth.accounts import create_account, issue_password_link

    session = api.session
    account = create_account(
        session=session,
        email=f"invited.{ids['local_authority_id']}@police.example",
        name=f"Invited at {ids['local_authority_id']}",
        role=Role.planning,
        local_authority_id=ids["local_authority_id"],
    )
    issued = issue_password_link(session=session, account=account)
    session.commit()
    ids["_secret"] = issued.secret
    return account.id


def _officer_token(api: Any, ids: Ids) -> int:
    """A token of the signed-in officer's own account."""
    from app.auth.accounts import find_account

    session = api.session
    officer = find_account(session, "officer@police.example")
    row, _secret = create_token(session=session, name="officer's script", role=Role.officer, account=officer)
    session.commit()
    return row.id


WEB_ID_BUILDERS: dict[str, Callable[[Any, Ids], Any]] = {
    "account_id": _invited,
    "token_id": _officer_token,
    "secret": lambda api, ids: (ids["account_id"], ids["_secret"])[1],
}
"""Builders for the web's own path parameters (the rest are ID_BUILDERS')."""

NEW_PASSWORD = "a long new password for the test"

WEB_RULES: dict[tuple[str, str], WebRule] = {
    # Sign-in, accounts and users are walked here; every other page and form in tests/test_web_access.py.
    ("GET", "/"): WebRule(access="public", ok=307),
    ("GET", "/web/sign-in"): WebRule(access="public"),
    ("POST", "/web/sign-in"): WebRule(
        access="public", ok=303, data={"email": "finance@police.example", "password": "correct horse battery staple"}
    ),
    ("POST", "/web/sign-out"): WebRule(access="public", ok=303),
    ("GET", "/web/set-password/{secret}"): WebRule(access="public", scoped=False),
    ("POST", "/web/set-password/{secret}"): WebRule(
        access="public",
        ok=404,
        scoped=False,
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        overrides={"none": 303},  # the first use sets the password; the link then works no more
    ),
    ("GET", "/web/govuk/govuk-frontend.min.css"): WebRule(access="public"),
    ("GET", "/web/account"): WebRule(access="signed-in"),
    ("POST", "/web/account/tokens"): WebRule(access="signed-in", ok=201, data={"name": "nightly balances"}),
    ("POST", "/web/account/tokens/{token_id}/revoke"): WebRule(
        access="signed-in",
        ok=303,
        scoped=False,
        overrides={"finance": 404, "planning-own": 404, "planning-other": 404, "panel": 404},
    ),
    ("GET", "/web/users"): WebRule(access="officer"),
    ("GET", "/web/users/invite"): WebRule(access="officer"),
    ("POST", "/web/users/invite"): WebRule(
        access="officer",
        ok=201,
        data={"email": "new.person@police.example", "name": "New Person", "role": "finance"},
    ),
    ("GET", "/web/users/{account_id}"): WebRule(access="officer", scoped=False),
    ("POST", "/web/users/{account_id}/disable"): WebRule(access="officer", ok=303, scoped=False),
    ("POST", "/web/users/{account_id}/enable"): WebRule(access="officer", ok=303, scoped=False),
    ("POST", "/web/users/{account_id}/password-link"): WebRule(access="officer", ok=201, scoped=False),
}


WEB_CALLERS = ("none", "ended", "finance", "planning-own", "planning-other", "panel", "officer")
"""In this order: the officer, whose writes succeed, goes last."""


def web_routes() -> list[tuple[str, str]]:
    """Every (method, path) of the web view: the app's routes left out of the API schema (not the static mounts)."""
    from fastapi.routing import APIRoute

    schema = set(schema_routes())
    found = set()

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.update((method, route.path) for method in route.methods if method != "HEAD")
            elif hasattr(route, "original_router"):  # FastAPI includes routers lazily
                walk(route.original_router.routes)

    walk(list(app.routes))
    return sorted(route for route in found if route not in schema)


def web_expected(rule: WebRule, caller: str, scoped: bool) -> int:
    """The status a caller must get from a web route under its rule."""
    if caller in rule.overrides:
        return rule.overrides[caller]
    if rule.access == "public" or caller == "officer":
        return rule.ok
    if caller in ("none", "ended"):
        return 303
    if caller == "panel":
        return rule.ok if rule.access == "signed-in" else 403
    if rule.access == "force":
        return rule.ok if caller == "finance" else 403
    if rule.access == "officer" or rule.access == "officer+planning-receipts" and caller == "finance":
        return 403
    if rule.access in ("any-role", "officer+planning-receipts") and caller == "planning-other" and scoped:
        return 404
    return rule.ok


class WebCallers:
    """The session cookie of each kind of caller, started through the session service."""

    def __init__(self, session: Session) -> None:
        from app.auth.sessions import end_session, start_session
        from tests.accounts import make_accounts

        make_accounts(session)
        from app.models import Account

        def session_of(role: str) -> str:
            account = session.scalar(select(Account).where(Account.email == f"{role}@police.example"))
            assert account is not None
            return start_session(session=session, account=account)

        ended = session_of("officer")
        end_session(session=session, session_id=ended)
        self.sessions = {
            "none": None,
            "ended": ended,
            "finance": session_of("finance"),
            "planning-own": session_of("planning"),
            "planning-other": session_of("planning"),
            "panel": session_of("panel"),
            "officer": session_of("officer"),
        }
        session.commit()

    def headers(self, caller: str) -> dict[str, str]:
        """The Cookie header of a caller (none for the signed-out visitor)."""
        session_id = self.sessions[caller]
        return {"Cookie": f"s106_session={session_id}"} if session_id else {}

    def form(self, caller: str, data: dict[str, Any] | None) -> dict[str, Any]:
        """A form's fields with the caller's CSRF token, as their browser would send it."""
        from app.web.csrf import CSRF_FIELD, token_for

        session_id = self.sessions[caller]
        return {**(data or {}), **({CSRF_FIELD: token_for(session_id)} if session_id else {})}


class TestEveryWebRouteHasARule:
    """A page added without an access rule fails here."""

    def test_every_web_route_has_a_rule(self) -> None:
        from tests.test_web_access import WEB_RULES as FORM_RULES  # the later forms are walked there

        routes = web_routes()
        missing = [route for route in routes if route not in WEB_RULES and route not in FORM_RULES]
        assert not missing, (
            f"{len(missing)} web route(s) have no rule; add them to WEB_RULES in tests/test_web_access.py: {missing}"
        )
        stale = sorted(set(WEB_RULES) - set(routes))
        assert not stale, f"WEB_RULES has entries for routes that no longer exist; remove them: {stale}"


class TestEveryWebRouteForEveryCaller:
    """Each page answers each person as its rule says; a POST without the session's CSRF token writes nothing."""

    @pytest.mark.parametrize(
        ("method", "path"), [route for route in web_routes() if route in WEB_RULES], ids=lambda value: str(value)
    )
    def test_web_route(self, api: Any, session: Session, method: str, path: str) -> None:
        rule = WEB_RULES.get((method, path))
        if rule is None:
            pytest.fail(f"no rule in WEB_RULES for {method} {path}")
        api.session = session
        callers = WebCallers(session)
        builders = {**ID_BUILDERS, **WEB_ID_BUILDERS}

        class Built(dict[str, Any]):
            def __missing__(self, name: str) -> Any:
                self[name] = builders[name](api, self)
                return self[name]

        built = {OWN: Built(local_authority_id=OWN), OTHER: Built(local_authority_id=OTHER)}
        for ids in built.values():
            ids.update(rule.path or {})
        urls = {name: path.format_map(ids) for name, ids in built.items()}
        scoped = rule.scoped if rule.scoped is not None else bool(path_parameters(path))
        forms = {name: rule.data(ids) if callable(rule.data) else rule.data for name, ids in built.items()}
        queries = {name: rule.params(ids) if callable(rule.params) else rule.params for name, ids in built.items()}
        for caller in WEB_CALLERS:
            authority = OTHER if caller == "planning-other" and scoped else OWN
            url, data = urls[authority], forms[authority]
            expected = web_expected(rule, caller, scoped)
            before = audit_count(session)
            if method == "POST" and rule.access != "public" and caller not in ("none", "ended"):
                self.assert_refused_without_csrf(api, session, callers, caller, url, data)
            if method == "POST":
                response = api.client.post(
                    url, data=callers.form(caller, data), headers=callers.headers(caller), follow_redirects=False
                )
            else:
                response = api.client.get(
                    url, params=queries[authority], headers=callers.headers(caller), follow_redirects=False
                )
            api.client.cookies.clear()
            assert response.status_code == expected, f"{caller}: {method} {url} -> {response.text[:500]}"
            if expected == 303 and caller in ("none", "ended") and rule.access != "public":
                assert response.headers["location"].startswith("/web/sign-in")
            if expected >= 400 or expected == 303 and caller in ("none", "ended"):
                if rule.access != "public":
                    assert audit_count(session) == before, f"{caller}'s refused {method} {url} wrote an audit entry"
            if response.headers.get("content-type", "").startswith("text/html"):
                assert response.headers["content-security-policy"].startswith("default-src 'none'")
            if caller == "planning-other" and expected == 404:
                assert "Charnwood" not in response.text

    @staticmethod
    def assert_refused_without_csrf(
        api: Any, session: Session, callers: WebCallers, caller: str, url: str, data: dict[str, Any] | None
    ) -> None:
        """Without a token, or with another session's, the form is refused (403) and nothing is written."""
        before = audit_count(session)
        others = [name for name in ("finance", "officer") if name != caller]
        for form in (dict(data or {}), {**callers.form(others[0], data)}):
            response = api.client.post(url, data=form, headers=callers.headers(caller), follow_redirects=False)
            api.client.cookies.clear()
            assert response.status_code == 403, f"{caller}: {url} without its CSRF token -> {response.status_code}"
            assert audit_count(session) == before, f"{url} wrote without a CSRF token"
