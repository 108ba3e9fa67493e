"""Projects, drawdowns, spend and receipts near their repayment deadlines, for the web view's pages."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tests.builders import agreement, contribution, event, movement
from tests.doc_builders import upload
from tests.project_builders import allocate, drawdown, pay, project, spend, step
from tests.scenario import ok


@dataclass(frozen=True)
class Programme:
    """The ids the pages' tests look for."""

    cameras: int
    loughborough: int
    charnwood_contribution: int
    blaby_contribution: int
    charnwood_receipt: int
    blaby_receipt: int


def attach_required_evidence(api: Any, drawdown_id: int, local_authority_id: str) -> None:
    """Upload a document of each kind the authority's rules ask a request to carry, as the officer would."""
    authority = ok(api.get(f"/local-authorities/{local_authority_id}"))
    kinds = [*authority["evidence_kinds"], *(["drawdown_letter"] if authority["own_template"] else [])]
    for kind in dict.fromkeys(kinds):
        ok(upload(api, owner_type="drawdown", owner_id=drawdown_id, kind=kind, filename=f"{kind}.pdf"))


def programme(api: Any, *, today: date | None = None) -> Programme:
    """A pooled project funded by Blaby and Charnwood, one local to Charnwood, and two receipts near their deadlines.

    Charnwood's £60,000 arrived 9 years and 7 months ago (10-year repayment: due in about five months), £20,000
    of it drawn and £15,000 spent on body-worn cameras; Blaby's £40,000 arrived over ten years ago and is overdue.
    """
    today = today or date.today()
    # Charnwood pays in advance of spend here (the seed has it paying in arrears, against invoices).
    ok(api.patch("/local-authorities/charnwood", json={"release_basis": "in_advance"}))
    charnwood_deed = agreement(
        api,
        local_authority_id="charnwood",
        reference="P/16/0999/2",
        site="Land off Nanpantan Road",
        signed_on=date(2015, 5, 1),
    )
    charnwood = contribution(api, charnwood_deed["id"], purpose="equipment", amount="60000.00")
    ok(event(api, charnwood["id"], "development_started", date(2016, 1, 4)))
    charnwood_receipt = ok(movement(api, charnwood["id"], "received", "60000.00", today - timedelta(days=3500)))
    blaby_deed = agreement(
        api, local_authority_id="blaby", reference="15/0777/OUT", site="Glenfield Park", signed_on=date(2015, 2, 1)
    )
    blaby = contribution(api, blaby_deed["id"], purpose="policing_requirements", amount="40000.00")
    ok(event(api, blaby["id"], "development_started", date(2015, 6, 1)))
    blaby_receipt = ok(movement(api, blaby["id"], "received", "40000.00", today - timedelta(days=3700)))

    cameras = project(
        api, name="Body-worn video cameras", category="equipment", estimate_low="90000.00", estimate_high="110000.00"
    )
    ok(allocate(api, cameras["id"], charnwood["id"], "50000.00"))
    ok(allocate(api, cameras["id"], blaby["id"], "30000.00"))
    request = ok(
        drawdown(api, local_authority_id="charnwood", project_id=cameras["id"], lines=[(charnwood["id"], "50000.00")])
    )
    asked = (today - timedelta(days=60)).isoformat()
    attach_required_evidence(api, request["id"], "charnwood")
    ok(step(api, request["id"], "submit", on=asked))
    ok(step(api, request["id"], "approve", on=asked))
    ok(pay(api, request["id"], (today - timedelta(days=40)).isoformat(), [(charnwood["id"], "20000.00")]))
    ok(
        spend(
            api,
            project_id=cameras["id"],
            amount="15000.00",
            charges=[(charnwood["id"], "15000.00")],
            on=(today - timedelta(days=30)).isoformat(),
            invoice_reference="BWV-0042",
        )
    )
    loughborough = project(
        api,
        name="Loughborough front enquiry desk",
        funding="local",
        local_authority_id="charnwood",
        estimate_low="25000.00",
        stage="upcoming",
    )
    return Programme(
        cameras=cameras["id"],
        loughborough=loughborough["id"],
        charnwood_contribution=charnwood["id"],
        blaby_contribution=blaby["id"],
        charnwood_receipt=charnwood_receipt["id"],
        blaby_receipt=blaby_receipt["id"],
    )
