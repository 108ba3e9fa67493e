"""The seed's projects: the 2024 report's figures, wired to the seeded ledger, read through the API."""

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Agreement, Contribution, Purpose, Repurposing
from app.projects.service import fits
from tests.doc_builders import upload
from tests.forms import sign_in
from tests.project_builders import allocate, drawdown, funded_contribution, step

SEED = Path(__file__).resolve().parent.parent / "seed"
POOLED_AUTHORITIES = {"Firearms Building": 7, "Contact Management Department refurbishment": 5}


def published_projects() -> list[dict[str, str]]:
    """The 2024 report's projects as printed."""
    with (SEED / "published" / "projects-2024-02-01.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def projects_by_name(api: Any) -> dict[str, dict[str, Any]]:
    """Every project in full (with allocations), by name."""
    listed = api.get("/projects", params={"limit": 100})
    assert listed.status_code == 200, listed.text
    return {item["name"]: api.get(f"/projects/{item['id']}").json() for item in listed.json()["items"]}


def seed_contribution_id(session: Session, local_authority_id: str, reference: str, purpose: Purpose) -> int:
    """The id of a seeded contribution, found by its agreement's reference and its purpose."""
    found = session.scalar(
        select(Contribution.id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(
            Agreement.local_authority_id == local_authority_id,
            Agreement.reference == reference,
            Contribution.purpose == purpose,
        )
    )
    assert found is not None
    return found


class TestSeededProjects:
    """Issue 5's 'done when' on the seeded data: estimates, money received and requested, spend."""

    def test_firearms_building_has_241k_received_and_the_rest_requested_from_several_authorities(
        self, seeded: Session, api: Any
    ) -> None:
        building = projects_by_name(api)["Firearms Building"]
        assert building["funding"] == "pooled" and building["category"] == "land_and_buildings"
        assert building["estimate_low"] == building["estimate_high"] == "500000.00"
        totals = building["totals"]
        assert totals["received"] == "241000.00"
        assert totals["awaiting"] == "259000.00"
        assert totals["requested"] == "500000.00"  # requested counts what was paid as well as what awaits
        assert building["gap"] == "0.00"
        paying = {row["local_authority_id"] for row in building["by_authority"] if Decimal(row["received"]) > 0}
        asked = {row["local_authority_id"] for row in building["by_authority"] if Decimal(row["awaiting"]) > 0}
        assert paying == {"harborough", "melton", "oadby-and-wigston"}
        assert asked == {"charnwood", "hinckley-and-bosworth", "north-west-leicestershire", "rutland"}
        requests = api.get("/drawdowns", params={"project_id": building["id"], "limit": 100}).json()["items"]
        by_status: dict[str, Decimal] = {}
        for request in requests:
            by_status[request["status"]] = by_status.get(request["status"], Decimal(0)) + Decimal(request["amount"])
        assert by_status == {"paid": Decimal("241000.00"), "submitted": Decimal("259000.00")}

    def test_every_project_shows_the_published_figures(self, seeded: Session, api: Any) -> None:
        shown = projects_by_name(api)
        printed = published_projects()
        assert sorted(shown) == sorted(row["project"] for row in printed)
        for row in printed:
            project = shown[row["project"]]
            assert project["stage"] == row["stage"], row["project"]
            assert Decimal(project["estimate_low"]) == Decimal(row["estimate_low"]), row["project"]
            assert Decimal(project["estimate_high"]) == Decimal(row["estimate_high"]), row["project"]
            totals = project["totals"]
            if row["received_to_date"]:  # current pooled: received as printed, the rest requested
                assert project["funding"] == "pooled"
                assert Decimal(totals["received"]) == Decimal(row["received_to_date"]), row["project"]
                assert Decimal(totals["awaiting"]) == Decimal(row["estimate_high"]) - Decimal(row["received_to_date"])
                assert Decimal(totals["spent"]) <= Decimal(row["estimate_high"])
            elif row["funding"] == "local":  # "Monies received"
                assert project["funding"] == "local" and project["local_authority_id"] is not None
                assert Decimal(totals["received"]) == Decimal(row["estimate_high"]), row["project"]
                assert totals["awaiting"] == "0.00"
            else:  # completed: spent in full, nothing still awaited
                assert Decimal(totals["spent"]) == Decimal(row["estimate_high"]), row["project"]
                assert totals["awaiting"] == "0.00"
        assert shown["Lutterworth Office"]["local_authority_id"] == "harborough"
        assert shown["Car Park"]["local_authority_id"] == "north-west-leicestershire"
        assert shown["ORLO"]["category"] == "it_hardware"

    def test_pooled_projects_draw_on_several_authorities(self, seeded: Session, api: Any) -> None:
        shown = projects_by_name(api)
        for name, count in POOLED_AUTHORITIES.items():
            assert len(shown[name]["by_authority"]) == count, name

    def test_allocations_fit_the_category_and_one_covenant_was_repurposed(self, seeded: Session, api: Any) -> None:
        for project in projects_by_name(api).values():
            identified = Decimal(0)
            for allocation in project["allocations"]:
                assert fits(Purpose(allocation["purpose"]), project["category"]), (project["name"], allocation)
                assert Decimal(allocation["amount"]) >= max(
                    Decimal(allocation["requested"]), Decimal(allocation["spent"])
                )
                identified += Decimal(allocation["amount"])
            assert Decimal(project["totals"]["identified"]) == identified
        assert seeded.scalar(select(func.count()).select_from(Repurposing)) == 1
        changed = seeded.scalar(select(Repurposing.contribution_id))
        history = api.get(f"/contributions/{changed}/repurposings").json()
        assert [(row["from_purpose"], row["to_purpose"]) for row in history] == [("equipment", "premises")]

    def test_spend_is_charged_through_invoices_and_in_arrears_requests_cite_them(
        self, seeded: Session, api: Any
    ) -> None:
        shown = projects_by_name(api)
        invoices = api.get("/spend", params={"project_id": shown["ORLO"]["id"], "limit": 100}).json()["items"]
        assert sum((Decimal(item["amount"]) for item in invoices), Decimal(0)) == Decimal("158000.00")
        assert {item["category"] for item in invoices} == {"it_hardware"}
        for authority, basis in (("blaby", "in_arrears_on_completion"), ("charnwood", "in_arrears_ongoing")):
            requests = api.get("/drawdowns", params={"local_authority": authority, "limit": 100}).json()["items"]
            assert requests, authority
            for request in requests:
                assert request["local_authority_id"] == authority and request["release_basis"] == basis
                assert request["invoices"], request["reference"]


class TestSeededReleaseRules:
    """Blaby releases only once the project is complete; Harborough releases in advance."""

    def test_blaby_needs_invoices_and_harborough_does_not(self, seeded: Session, api: Any) -> None:
        shown = projects_by_name(api)
        blaby_money = seed_contribution_id(seeded, "blaby", "21/1214/OUT", Purpose.premises)
        assert allocate(api, shown["Firearms Building"]["id"], blaby_money, "10000.00").status_code == 201
        draft = drawdown(
            api,
            local_authority_id="blaby",
            project_id=shown["Firearms Building"]["id"],
            lines=[(blaby_money, "10000.00")],
        )
        assert draft.status_code == 201, draft.text
        refused = step(api, draft.json()["id"], "submit", on="2024-02-01")
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "project_id"  # the Firearms Building is not complete
        assert "complete in its entirety" in refused.json()["detail"]
        assert api.get(f"/drawdowns/{draft.json()['id']}").json()["status"] == "draft"

        harborough_money = funded_contribution(api, local_authority_id="harborough", reference="24/0001/OUT")
        lutterworth = shown["Lutterworth Office"]["id"]
        assert allocate(api, lutterworth, harborough_money["id"], "5000.00").status_code == 201
        request = drawdown(
            api, local_authority_id="harborough", project_id=lutterworth, lines=[(harborough_money["id"], "5000.00")]
        )
        assert request.status_code == 201, request.text
        submitted = step(api, request.json()["id"], "submit", on="2024-02-01")
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["status"] == "submitted" and submitted.json()["invoices"] == []


class TestSeededDeadlines:
    """Unspent money nears its repayment deadline on the seeded data."""

    def test_deadlines_are_listed_soonest_first(self, seeded: Session, api: Any) -> None:
        report = api.get("/deadlines", params={"within_days": 365})
        assert report.status_code == 200, report.text
        items = report.json()["items"]
        assert len(items) >= 5
        deadlines = [item["deadline"] for item in items]
        assert deadlines == sorted(deadlines)
        assert items[0]["days_left"] < 0  # the oldest receipts are already past their deadline
        assert all(Decimal(item["unspent"]) > 0 for item in items)
        assert {5, 10} <= {
            period
            for (period,) in seeded.execute(select(Contribution.repayment_period_years).distinct())
            if period is not None
        }


class TestSeededRequestsAwaitingAnswers:
    """The January 2024 requests stay submitted as they were sent; each says what today's rules would refuse."""

    def test_the_three_refused_on_their_basis_and_the_rest_for_evidence(self, seeded: Session, api: Any) -> None:
        listed = api.get("/drawdowns", params={"status": "submitted", "limit": 100}).json()["items"]
        findings = {item["reference"]: item["release_findings"] for item in listed}
        assert len(findings) == 11
        for reference in ("DD-FB-CHA-2", "DD-CM-CHA-2"):
            assert any("does not fund costs the force has already paid" in text for text in findings[reference])
        assert any("complete in its entirety" in text for text in findings["DD-EV-BLA-2"])
        for reference in ("DD-FB-RUT-2", "DD-SV-RUT-2"):
            assert findings[reference] == [
                f"Rutland County Council needs evidence that request "
                f"{next(item['id'] for item in listed if item['reference'] == reference)} does not yet carry: "
                "spend proposal; upload each as a document of the request, of that kind"
            ]
        paid = api.get("/drawdowns", params={"status": "paid", "limit": 100}).json()["items"]
        assert paid and all(item["release_findings"] == [] for item in paid)

    def test_evidence_attached_clears_a_finding_and_the_page_warns(self, seeded: Session, api: Any) -> None:
        listed = api.get("/drawdowns", params={"status": "submitted", "limit": 100}).json()["items"]
        rutland = next(item for item in listed if item["reference"] == "DD-SV-RUT-2")
        sign_in(api, "officer")
        page = api.get(f"/web/drawdowns/{rutland['id']}", role=None)
        assert 'id="release-findings"' in page.text
        assert upload(api, owner_type="drawdown", owner_id=rutland["id"], kind="spend_proposal").status_code == 201
        assert api.get(f"/drawdowns/{rutland['id']}").json()["release_findings"] == []
        assert 'id="release-findings"' not in api.get(f"/web/drawdowns/{rutland['id']}", role=None).text
