"""The officer's week from the sign-in page, a planning officer's receipt, and finance who cannot write."""

from datetime import date
from decimal import Decimal
from typing import Any

from tests.browser.conftest import LiveServer
from tests.browser.helpers import check, sign_in
from tests.builders import agreement, contribution, event
from tests.conftest import ROOT
from tests.pages import pounds
from tests.scenario import ok
from tests.standard_helpers import CHARNWOOD_CSV

PUBLISHED = ROOT / "seed" / "published"
BID_FORMULA = {
    "name": "LLR per-dwelling formula",
    "base_date": "2024-04-01",
    "items": [
        {"item": "premises", "cost_per_dwelling": "80.00", "assumption": "0.5 sq m per household"},
        {
            "item": "officers_and_staff",
            "cost_per_dwelling": "120.00",
            "cost_per_house": "140.00",
            "cost_per_flat": "80.00",
            "assumption": "2.4 people a house, 1.6 a flat",
        },
    ],
}
MONEY_FIELDS = ("total_value", "held_by_developer", "at_risk", "held_by_local_authority", "drawn", "spent", "remaining")


def shoot(page: Any, name: str) -> None:
    """axe-core and the 320 px check on the page, and its screenshots at a desktop and a phone width."""
    check(page, f"desk-{name}")


def id_in(url: str, prefix: str) -> int:
    """The id of the record a page is about, from its address."""
    return int(url.split(prefix, 1)[1].split("/")[0].split("?")[0])


def key_figures(page: Any) -> dict[str, str]:
    """The key figures of an agreement's or contribution's page, by field."""
    figures: dict[str, str] = page.eval_on_selector_all(
        ".app-key-figures dd[data-field], .key-figures dd[data-field]",
        "cells => Object.fromEntries(cells.map(cell => [cell.dataset.field, cell.textContent.trim()]))",
    )
    return figures


class TestTheOfficersWeek:
    def test_from_a_new_agreement_to_its_invoice(self, page: Any, live_server: LiveServer) -> None:
        base = live_server.url
        sign_in(page, live_server, "officer")
        page.goto(f"{base}/web/agreements")
        page.get_by_role("link", name="Record a signed agreement").click()
        shoot(page, "agreement-new")
        page.get_by_role("button", name="Record the agreement").click()
        assert page.locator(".govuk-error-summary").is_visible()
        shoot(page, "agreement-new-errors")
        page.get_by_label("Local authority").select_option("harborough")
        page.get_by_label("Planning application reference").fill("24/00999/OUT")
        page.get_by_label("Site", exact=True).fill("Land north of Leicester Road, Market Harborough")
        page.get_by_label("Developer").fill("Example Homes Ltd")
        page.get_by_label("Date signed").fill("01/06/2024")
        page.get_by_label("Dwellings").fill("150")
        page.get_by_role("button", name="Record the agreement").click()
        page.wait_for_url(f"{base}/web/agreements/*")
        agreement_id = id_in(page.url, "/web/agreements/")

        page.get_by_role("link", name="Add a contribution").click()
        page.get_by_label("Purpose").select_option("equipment")
        page.get_by_label("Amount in the agreement").fill("£48,000")
        page.get_by_label("Trigger", exact=True).select_option("on_occupation")
        page.get_by_label("Threshold").fill("50")
        page.get_by_label("Repayment period in years").fill("10")
        shoot(page, "contribution-new")
        page.get_by_role("button", name="Add the contribution").click()
        page.wait_for_url(f"{base}/web/contributions/*")
        contribution_id = id_in(page.url, "/web/contributions/")

        page.get_by_role("link", name="Record a stage change").click()
        page.get_by_label("Trigger met").check()
        page.get_by_label("Date").fill("01/09/2024")
        page.get_by_role("button", name="Record it").click()
        page.wait_for_url(f"{base}/web/contributions/{contribution_id}")

        page.get_by_role("link", name="Record money").click()
        page.get_by_label("Received by the authority").check()
        page.get_by_label("Amount").fill("48,000")
        page.get_by_label("Date it took effect").fill("15/01/2025")
        page.get_by_label("Reference").fill("REM-0001")
        shoot(page, "movement-new")
        page.get_by_role("button", name="Record it").click()
        page.wait_for_url(f"{base}/web/contributions/{contribution_id}")
        shoot(page, "contribution")

        page.goto(f"{base}/web/projects/new")
        page.get_by_label("Name").fill("Market Harborough ANPR cameras")
        page.get_by_label("Pooled across authorities").check()
        page.get_by_label("Capital category").select_option("equipment")
        page.get_by_label("Stage").select_option("current")
        page.get_by_label("Estimate", exact=True).fill("60,000")
        page.get_by_role("button", name="Add the project").click()
        page.wait_for_url(f"{base}/web/projects/*")
        project_id = id_in(page.url, "/web/projects/")

        page.get_by_role("link", name="Identify money").click()
        page.get_by_label("Contribution").select_option(str(contribution_id))
        page.get_by_label("Amount").fill("40000")
        page.get_by_role("button", name="Allocate it").click()
        page.wait_for_url(f"{base}/web/projects/{project_id}")

        page.get_by_role("link", name="Request a drawdown").click()
        page.get_by_label("Local authority asked").select_option("harborough")
        page.get_by_label("Line 1: contribution").select_option(str(contribution_id))
        page.get_by_label("Line 1: amount").fill("30,000")
        page.get_by_label("Evidence").fill("Proposal of 1 March\nQuote from the supplier")
        shoot(page, "drawdown-new")
        page.get_by_role("button", name="Save the draft request").click()
        page.wait_for_url(f"{base}/web/drawdowns/*")
        drawdown_id = id_in(page.url, "/web/drawdowns/")
        shoot(page, "drawdown-draft")
        for button in ("Submit it", "Record the approval", "Record the payment"):
            page.get_by_role("button", name=button).click()
            page.wait_for_url(f"{base}/web/drawdowns/{drawdown_id}")
        assert page.locator('[data-field="status"]').inner_text().strip() == "Paid"
        shoot(page, "drawdown-paid")

        page.goto(f"{base}/web/projects/{project_id}")
        page.get_by_role("link", name="Record an invoice").click()
        page.get_by_label("Date paid").fill("20/11/2026")
        page.get_by_label("Supplier").fill("Example Cameras Ltd")
        page.get_by_label("Invoice reference").fill("INV-2026-0042")
        page.get_by_label("Invoice amount").fill("£25,000.00")
        page.get_by_label("Charge 1: contribution").select_option(str(contribution_id))
        page.get_by_label("Charge 1: amount").fill("25000")
        shoot(page, "spend-new")
        page.get_by_role("button", name="Record the invoice").click()
        page.wait_for_url(f"{base}/web/spend/*")
        shoot(page, "spend")
        page.goto(f"{base}/web/projects/{project_id}")
        shoot(page, "project")

        page.goto(f"{base}/web/agreements/{agreement_id}")
        shown = key_figures(page)
        shoot(page, "agreement")
        expected = live_server.api.get(
            "/balances", params={"group_by": "agreement", "agreement_id": agreement_id}
        ).json()["rows"][0]
        for field in MONEY_FIELDS:
            assert pounds(shown[field]) == Decimal(expected[field]), field
        assert Decimal(expected["drawn"]) == Decimal("30000.00")
        assert Decimal(expected["spent"]) == Decimal("25000.00")

        for path, name in (
            ("/web/agreements?q=harborough", "agreements"),
            ("/web/drawdowns", "drawdowns"),
            ("/web/spend", "spend-list"),
            ("/web/forecast", "forecast"),
            ("/web/audit", "audit"),
        ):
            page.goto(f"{base}{path}")
            shoot(page, name)


class TestAPlanningOfficer:
    def test_records_a_receipt_for_their_authority_and_nothing_elsewhere(
        self, page: Any, live_server: LiveServer
    ) -> None:
        api, base = live_server.api, live_server.url
        own = agreement(api, local_authority_id="blaby", reference="24/0777/FUL", site="Land at Kirby Muxloe")
        owed = contribution(api, own["id"], purpose="vehicles", amount="9000.00")
        ok(event(api, owed["id"], "trigger_met", date(2024, 2, 1)))
        other = agreement(api, local_authority_id="charnwood", reference="P/24/0777/2", site="Land off Forest Road")
        elsewhere = contribution(api, other["id"], purpose="vehicles", amount="9000.00")
        ok(event(api, elsewhere["id"], "trigger_met", date(2024, 2, 1)))
        sign_in(page, live_server, "planning")
        page.goto(f"{base}/web/contributions/{owed['id']}")
        assert page.get_by_role("link", name="Record a stage change").count() == 0
        page.get_by_role("link", name="Record a receipt").click()
        page.get_by_label("Amount").fill("£4,500")
        page.get_by_label("Date it took effect").fill("01/03/2024")
        shoot(page, "planning-receipt")
        page.get_by_role("button", name="Record it").click()
        page.wait_for_url(f"{base}/web/contributions/{owed['id']}")
        assert live_server.api.get(f"/contributions/{owed['id']}").json()["balances"]["held_by_local_authority"] == (
            "4500.00"
        )
        for path in (f"/web/contributions/{elsewhere['id']}", f"/web/movements/new?contribution_id={elsewhere['id']}"):
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status == 404
            assert "Charnwood" not in page.content()
        page.goto(f"{base}/web/movements/new?contribution_id={owed['id']}")
        page.eval_on_selector("#contribution_id", f"input => input.value = '{elsewhere['id']}'")
        page.get_by_label("Amount").fill("100")
        page.get_by_role("button", name="Record it").click()
        assert "Charnwood" not in page.content()
        assert page.locator(".govuk-error-summary").is_visible()
        before = live_server.api.get(f"/contributions/{elsewhere['id']}").json()["balances"]
        assert before["held_by_local_authority"] == "0.00"
        response = page.goto(f"{base}/web/agreements/new")
        assert response is not None and response.status == 403
        page.goto(f"{base}/web/agreements")
        assert "Charnwood" not in page.content() and "P/24/0777/2" not in page.content()
        shoot(page, "planning-agreements")


class TestFinance:
    def test_sees_no_write_buttons_and_cannot_open_a_form(self, page: Any, live_server: LiveServer) -> None:
        base = live_server.url
        sign_in(page, live_server, "finance")
        page.goto(f"{base}/web/agreements/{live_server.scenario.blaby_agreement}")
        assert page.get_by_role("link", name="Add a contribution").count() == 0
        page.goto(f"{base}/web/agreements")
        assert page.get_by_role("link", name="Record a signed agreement").count() == 0
        for path in ("/web/agreements/new", "/web/projects/new"):
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status == 403
        shoot(page, "finance-refused")


class TestEveryFormPage:
    def test_each_form_and_its_result_passes_axe_at_every_width(self, page: Any, live_server: LiveServer) -> None:
        base, api, scenario, made = live_server.url, live_server.api, live_server.scenario, live_server.programme
        drawdown = api.get("/drawdowns").json()["items"][0]
        spend = api.get("/spend").json()["items"][0]
        sign_in(page, live_server, "officer")
        forms = {
            "agreement-edit": f"/web/agreements/{scenario.blaby_agreement}/edit",
            "agreement-close": f"/web/agreements/{scenario.blaby_second_agreement}/close",
            "event-new": f"/web/contributions/{scenario.premises}/events/new",
            "movement-reverse": f"/web/movements/{made.charnwood_receipt}/reverse",
            "repurposing-new": f"/web/contributions/{made.charnwood_contribution}/repurposings/new",
            "project-new": "/web/projects/new",
            "allocation-new": f"/web/projects/{made.cameras}/allocations/new",
            "drawdown-reject": f"/web/drawdowns/{drawdown['id']}/reject",
            "spend-cancel": f"/web/spend/{spend['id']}/cancel",
            "index-series": "/web/index-series",
            "reconciliation": "/web/reconciliations",
            "import": "/web/imports",
            "import-register": "/web/imports/register",
            "comparison": "/web/comparisons",
        }
        for name, path in forms.items():
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status == 200, (name, response and response.status)
            assert page.locator("form button[type=submit], form .govuk-button").count() >= 1, name
            shoot(page, name)

        page.goto(f"{base}/web/reconciliations")
        page.get_by_label("The published table (CSV)").set_input_files(str(PUBLISHED / "table-2024-02-01.csv"))
        page.get_by_label("The date it is as at").fill("31/01/2024")
        with page.expect_navigation():
            page.get_by_role("button", name="Compare it with the ledger").click()
        assert page.locator("table").count() >= 1
        shoot(page, "reconciliation-result")

        page.goto(f"{base}/web/imports")
        page.get_by_label("Local authority").select_option("charnwood")
        page.get_by_label("Files").set_input_files([str(path) for path in CHARNWOOD_CSV])
        page.get_by_label("Police purpose for imported contributions").select_option("equipment")
        with page.expect_navigation():
            page.get_by_role("button", name="Check the files").click()
        assert page.locator("#files").count() == 1
        shoot(page, "import-report")

        page.goto(f"{base}/web/comparisons")
        page.get_by_label("Local authority").select_option("charnwood")
        page.get_by_label("Files").set_input_files([str(path) for path in CHARNWOOD_CSV])
        with page.expect_navigation():
            page.get_by_role("button", name="Compare them").click()
        assert page.locator("#contributions").count() == 1
        shoot(page, "comparison-result")


class TestBids:
    def test_a_bid_from_consultation_to_its_agreement_passes_axe(self, page: Any, live_server: LiveServer) -> None:
        base, api = live_server.url, live_server.api
        made = ok(api.post("/bid-formulas", json=BID_FORMULA))
        sign_in(page, live_server, "officer")
        page.goto(f"{base}/web/bids")
        shoot(page, "bids")
        page.goto(f"{base}/web/bids/new")
        shoot(page, "bid-new")
        shown = ok(
            api.post(
                "/bids",
                json={
                    "local_authority_id": "melton",
                    "application_reference": "24/0777/OUT",
                    "site": "Land north of Scalford Road",
                    "dwellings": 120,
                    "houses": 80,
                    "consulted_on": "2024-03-01",
                    "respond_by": "2024-03-22",
                    "formula_id": made["id"],
                },
            )
        )
        page.goto(f"{base}/web/bids/{shown['id']}")
        assert "24/0777/OUT" in page.content()
        shoot(page, "bid")
        for step in ("agreement", "outcome"):
            page.goto(f"{base}/web/bids/{shown['id']}/{step}")
            shoot(page, f"bid-{step}")


class TestTheRestOfTheDesk:
    def test_sites_alerts_documents_investment_and_proposals_pass_axe(self, page: Any, live_server: LiveServer) -> None:
        base, api, scenario, made = live_server.url, live_server.api, live_server.scenario, live_server.programme
        item = ok(
            api.post(
                "/investment-items",
                json={
                    "name": "Custody suite CCTV",
                    "category": "equipment",
                    "estimate": "85000.00",
                    "strategy_reference": "Capital programme line 12",
                },
            )
        )
        proposal = ok(
            api.post(
                "/repurposing-proposals",
                json={
                    "contribution_id": made.blaby_contribution,
                    "proposed_purpose": "premises",
                    "identified_on": "2023-10-02",
                },
            )
        )
        ok(api.post(f"/agreements/{scenario.blaby_agreement}/progress", json={"on": "2024-03-01", "started": 12}))
        sign_in(page, live_server, "officer")
        pages = {
            "site-progress": f"/web/agreements/{scenario.blaby_agreement}/progress",
            "site-progress-upload": "/web/local-authorities/blaby/site-progress",
            "alerts": "/web/alerts",
            "document-new": f"/web/documents/new?owner_type=agreement&owner_id={scenario.blaby_agreement}",
            "investment": "/web/investment",
            "investment-new": "/web/investment/new",
            "investment-item": f"/web/investment/{item['id']}",
            "proposals": "/web/repurposing-proposals",
            "proposal-new": "/web/repurposing-proposals/new",
            "proposal": f"/web/repurposing-proposals/{proposal['id']}",
            "candidates": "/web/repurposing/candidates",
            "panel-projects-officer": "/web/panel/projects",
        }
        for name, path in pages.items():
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status == 200, (name, response and response.status)
            shoot(page, name)

    def test_alert_settings_calendar_and_read_marks(self, page: Any, live_server: LiveServer) -> None:
        base, api, scenario = live_server.url, live_server.api, live_server.scenario
        ok(api.post(f"/agreements/{scenario.blaby_agreement}/progress", json={"on": "2024-03-01", "started": 12}))
        sign_in(page, live_server, "officer")
        page.goto(f"{base}/web/alerts/settings")
        page.get_by_label("Receipts recorded by an authority").uncheck()
        page.get_by_label("Deadlines within this many days").fill("abc")
        page.get_by_label("Unanswered for this many days or more").fill("99999")
        with page.expect_navigation():
            page.get_by_role("button", name="Save my alerts").click()
        assert page.locator("#deadline_days-error").is_visible()
        assert page.locator("#drawdown_unanswered_days-error").is_visible()
        assert not page.get_by_label("Receipts recorded by an authority").is_checked()  # as sent, not as stored
        assert page.get_by_label("Unanswered for this many days or more").input_value() == "99999"
        shoot(page, "alert-settings-refused")
        page.get_by_label("Deadlines within this many days").fill("120")
        page.get_by_label("Unanswered for this many days or more").fill("60")
        with page.expect_navigation():
            page.get_by_role("button", name="Save my alerts").click()
        assert page.locator("#saved-title").is_visible()
        assert page.get_by_label("Deadlines within this many days").input_value() == "120"
        with page.expect_navigation():
            page.get_by_role("button", name="Make a calendar address").click()
        address = page.locator("#calendar-address").inner_text()
        assert "/calendar/s106cal_" in address
        shoot(page, "alert-settings")
        page.reload()  # the browser sends the form again
        assert page.locator("#made-before-title").is_visible() and page.locator("#calendar-address").count() == 0
        assert api.client.get(address).status_code == 200  # the address shown is still the one in use
        page.goto(f"{base}/web/alerts")
        shoot(page, "alerts-unread")
        if page.get_by_role("button", name="Mark all read").count():
            with page.expect_navigation():
                page.get_by_role("button", name="Mark all read").click()
        assert page.locator("#unread-alerts").count() == 0
        assert page.locator('tr[data-read="no"]').count() == 0

    def test_the_panel_sees_aggregates_and_no_record(self, page: Any, live_server: LiveServer) -> None:
        base = live_server.url
        sign_in(page, live_server, "panel")
        for name, path in (
            ("panel-home", "/web"),
            ("panel-bids", "/web/bids"),
            ("panel-investment", "/web/investment"),
            ("panel-projects", "/web/panel/projects"),
            ("panel-deadlines", "/web/panel/deadlines"),
        ):
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status == 200, name
            shoot(page, name)
        response = page.goto(f"{base}/web/agreements/{live_server.scenario.blaby_agreement}")
        assert response is not None and response.status == 403

    def test_the_public_page_passes_axe_without_signing_in(self, page: Any, live_server: LiveServer) -> None:
        response = page.goto(f"{live_server.url}/public/panel")
        assert response is not None and response.status == 200
        assert page.locator("#public-projects").is_visible()
        shoot(page, "public-panel")


class TestAnImportConfirmed:
    def test_the_page_says_what_was_written(self, page: Any, live_server: LiveServer, tmp_path: Any) -> None:
        published = tmp_path / "developer-agreement.csv"
        published.write_text(
            "developer-agreement,start-date,planning-application\n21/0042/OUT,2021-03-01,21/0042/OUT\n"
        )
        sign_in(page, live_server, "officer")
        page.goto(f"{live_server.url}/web/imports")
        page.get_by_label("Local authority").select_option("oadby-and-wigston")
        page.get_by_label("Files").set_input_files(str(published))
        with page.expect_navigation():
            page.get_by_role("button", name="Check the files").click()
        assert page.locator("h1").inner_text() == "Check the import"
        with page.expect_navigation():
            page.get_by_role("button", name="Confirm the import").click()
        assert page.locator("h1").inner_text() == "The import is written"
        assert "Written in one transaction" in page.locator("#import-result").inner_text()
        assert page.locator("#created [data-field=agreements]").inner_text() == "1"
        check(page, "import-written")
