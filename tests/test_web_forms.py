"""The officer's forms over HTTP: the API's field names and messages, pasted amounts, one write per form, roles."""

import re
from datetime import date
from typing import Any

from markupsafe import escape
from sqlalchemy import func, select

from app.models import Agreement, AuditEntry, Movement
from app.web.csrf import SESSION_COOKIE, token_for
from tests.builders import agreement, contribution, event, movement
from tests.forms import created_id, fill, open_form, post_form, sign_in

NEW_AGREEMENT = {
    "local_authority_id": "blaby",
    "reference": "24/0100/OUT",
    "site": "Land south of Hospital Lane",
    "developer": "Example Homes Ltd",
    "signed_on": "01/06/2024",
    "dwellings": "80",
}


def count(session: Any, model: Any) -> int:
    """How many rows a table holds."""
    return session.scalar(select(func.count()).select_from(model)) or 0


class TestAgreementForm:
    def test_a_new_agreement_is_recorded_audited_and_shown(self, api, session) -> None:
        sign_in(api, "officer")
        response = post_form(api, "/web/agreements/new", NEW_AGREEMENT)
        agreement_id = created_id(response, "/web/agreements/")
        recorded = api.get(f"/agreements/{agreement_id}").json()
        assert recorded["reference"] == "24/0100/OUT"
        assert recorded["signed_on"] == "2024-06-01"
        assert recorded["dwellings"] == 80
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.resource, entry.resource_ids, entry.actor_name) == ("agreements", [agreement_id], "Sam Officer")
        assert entry.path == "/web/agreements/new"
        assert entry.body["signed_on"] == "2024-06-01"
        page = api.get(response.headers["location"], role=None)
        assert page.status_code == 200
        assert "Land south of Hospital Lane" in page.text

    def test_a_refusal_carries_the_api_message_beside_the_field_and_keeps_what_was_typed(self, api, session) -> None:
        sign_in(api, "officer")
        typed = {**NEW_AGREEMENT, "site": "", "dwellings": "lots"}
        response = post_form(api, "/web/agreements/new", typed)
        assert response.status_code == 422
        from_api = api.post(
            "/agreements",
            json={
                "local_authority_id": "blaby",
                "reference": "X",
                "signed_on": "2024-06-01",
            },  # a blank field is left out
        ).json()
        site_message = next(error["message"] for error in from_api["errors"] if error["field"] == "site")
        assert 'id="site-error"' in response.text
        assert site_message == "Field required"  # the API's words; a page says them for a person
        assert "enter a value" in response.text and "Field required" not in response.text
        assert "govuk-error-summary" in response.text
        assert 'value="lots"' in response.text
        assert 'value="24/0100/OUT"' in response.text
        assert count(session, Agreement) == 0

    def test_a_date_that_is_not_a_day_is_refused_in_the_forms_own_words(self, api, session) -> None:
        sign_in(api, "officer")
        for typed in ("31/13/2024", "30/02/2024", "next Tuesday"):
            response = post_form(api, "/web/agreements/new", {**NEW_AGREEMENT, "signed_on": typed})
            assert response.status_code == 422, typed
            error = response.text.split('id="signed_on-error"')[1].split("</p>")[0]
            assert "day/month/year, such as 31/03/2024" in error and "YYYY-MM-DD" not in error, typed
            assert f'value="{typed}"' in response.text
        assert count(session, Agreement) == 0

    def test_a_duplicate_reference_is_refused_as_the_api_refuses_it(self, api, session) -> None:
        agreement(api, reference="24/0100/OUT")
        sign_in(api, "officer")
        response = post_form(api, "/web/agreements/new", NEW_AGREEMENT)
        api_answer = api.post(
            "/agreements",
            json={**NEW_AGREEMENT, "signed_on": "2024-06-01", "dwellings": 80},
        )
        assert response.status_code == api_answer.status_code == 409
        assert escape(api_answer.json()["detail"]) in response.text
        assert count(session, Agreement) == 1

    def test_a_second_identical_submit_writes_once_and_lands_on_the_same_page(self, api, session) -> None:
        sign_in(api, "officer")
        keys = open_form(api, "/web/agreements/new")
        first = post_form(api, "/web/agreements/new", NEW_AGREEMENT, keys=keys)
        again = post_form(api, "/web/agreements/new", NEW_AGREEMENT, keys=keys)
        assert again.status_code == 303
        assert again.headers["location"] == first.headers["location"]
        assert count(session, Agreement) == 1
        changed = post_form(api, "/web/agreements/new", {**NEW_AGREEMENT, "site": "Elsewhere"}, keys=keys)
        assert changed.status_code == 409
        assert "already sent" in changed.text
        assert count(session, Agreement) == 1

    def test_edit_and_close(self, api) -> None:
        made = agreement(api)
        sign_in(api, "officer")
        edited = fill(api, f"/web/agreements/{made['id']}/edit", {"site": "Land west of the A426", "dwellings": "95"})
        assert edited.status_code == 303
        assert api.get(f"/agreements/{made['id']}").json()["site"] == "Land west of the A426"
        closed = fill(api, f"/web/agreements/{made['id']}/close", {"closed_on": "01/11/2026"})
        assert closed.status_code == 303, closed.text
        after = api.get(f"/agreements/{made['id']}").json()
        assert (after["status"], after["closed_on"]) == ("closed", "2026-11-01")

    def test_a_closed_agreement_offers_no_new_money_until_the_officer_reopens_it(self, api, session) -> None:
        made = agreement(api)
        owed = contribution(api, made["id"])
        assert movement(api, owed["id"], "written_off", "10000.00", date(2026, 10, 1)).status_code == 201
        closed = api.patch(f"/agreements/{made['id']}", json={"status": "closed", "closed_on": "2026-11-01"})
        assert closed.status_code == 200, closed.text
        sign_in(api, "officer")
        shown = api.get(f"/web/contributions/{owed['id']}", role=None).text
        assert 'id="closed"' in shown and "Record money" not in shown
        agreement_page = api.get(f"/web/agreements/{made['id']}", role=None).text
        assert "Add a contribution" not in agreement_page and "Reopen the agreement" in agreement_page
        before = count(session, AuditEntry)
        reopened = fill(api, f"/web/agreements/{made['id']}/reopen", {})
        assert reopened.status_code == 303, reopened.text
        assert api.get(f"/agreements/{made['id']}").json()["status"] == "open"
        assert count(session, AuditEntry) == before + 1
        assert "Record money" in api.get(f"/web/contributions/{owed['id']}", role=None).text


class TestContributionAndMoneyForms:
    def test_amounts_as_people_paste_them_are_stored_to_the_penny(self, api) -> None:
        made = agreement(api)
        sign_in(api, "officer")
        for typed, stored in (("£48,000", "48000.00"), ("48000", "48000.00"), ("48,000.5", "48000.50")):
            response = fill(
                api,
                f"/web/agreements/{made['id']}/contributions/new",
                {
                    "purpose": "equipment",
                    "amount": typed,
                    "trigger.type": "on_occupation",
                    "trigger.threshold": "50",
                    "repayment_period_years": "10",
                },
            )
            contribution_id = created_id(response, "/web/contributions/")
            shown = api.get(f"/contributions/{contribution_id}").json()
            assert shown["amount"] == stored
            assert shown["trigger"] == {"type": "on_occupation", "threshold": 50, "description": None}
            assert shown["repayment_period_years"] == 10

    def test_a_third_decimal_place_is_refused_with_the_api_message(self, api) -> None:
        made = agreement(api)
        sign_in(api, "officer")
        body = {"purpose": "equipment", "amount": "48000.555", "trigger.type": "on_signing"}
        response = fill(api, f"/web/agreements/{made['id']}/contributions/new", body)
        assert response.status_code == 422
        from_api = api.post(
            f"/agreements/{made['id']}/contributions",
            json={"purpose": "equipment", "amount": "48000.555", "trigger": {"type": "on_signing"}},
        ).json()
        assert escape(from_api["errors"][0]["message"]) in response.text
        assert 'value="48000.555"' in response.text
        assert api.get(f"/agreements/{made['id']}").json()["contributions"] == 0

    def test_trigger_met_and_a_receipt_move_the_money(self, api) -> None:
        made = agreement(api)
        owed = contribution(api, made["id"], amount="25000.00")
        sign_in(api, "officer")
        met = fill(api, f"/web/contributions/{owed['id']}/events/new", {"kind": "trigger_met", "on": "01/09/2024"})
        assert met.headers["location"] == f"/web/contributions/{owed['id']}"
        assert api.get(f"/contributions/{owed['id']}").json()["stage"] == "held_by_developer"
        receipt = fill(
            api,
            "/web/movements/new",
            {"contribution_id": str(owed["id"]), "kind": "received", "amount": "£25,000", "on": "15/01/2025"},
            contribution_id=owed["id"],
        )
        assert receipt.status_code == 303, receipt.text
        balances = api.get(f"/contributions/{owed['id']}").json()["balances"]
        assert balances["held_by_local_authority"] == "25000.00"
        page = api.get(f"/web/contributions/{owed['id']}", role=None)
        assert "£25,000.00" in page.text

    def test_a_receipt_beyond_the_total_is_refused_with_the_api_message(self, api, session) -> None:
        made = agreement(api)
        owed = contribution(api, made["id"], amount="1000.00")
        event(api, owed["id"], "trigger_met", date(2020, 1, 1))
        sign_in(api, "officer")
        body = {"contribution_id": str(owed["id"]), "kind": "received", "amount": "2000", "on": "2024-01-15"}
        response = fill(api, "/web/movements/new", body, contribution_id=owed["id"])
        from_api = api.post("/movements", json={**body, "contribution_id": owed["id"], "amount": "2000.00"})
        assert response.status_code == from_api.status_code == 409
        # The API's message, with its date as a page writes dates.
        assert "2024-01-15" in from_api.json()["detail"]
        assert escape(from_api.json()["detail"].replace("2024-01-15", "15 Jan 2024")) in response.text
        assert count(session, Movement) == 1  # the secured movement only

    def test_a_reversal_needs_a_reason_and_appends_the_reversal(self, api) -> None:
        made = agreement(api)
        owed = contribution(api, made["id"], amount="1000.00")
        event(api, owed["id"], "trigger_met", date(2020, 1, 1))
        receipt = api.post(
            "/movements",
            json={"kind": "received", "contribution_id": owed["id"], "amount": "400.00", "on": "2021-01-01"},
        ).json()
        sign_in(api, "officer")
        refused = fill(api, f"/web/movements/{receipt['id']}/reverse", {"note": " "})
        assert refused.status_code == 422
        assert "Enter the reason for the reversal" in refused.text
        done = fill(api, f"/web/movements/{receipt['id']}/reverse", {"note": "keyed twice", "on": "02/01/2021"})
        assert done.status_code == 303
        assert api.get(f"/movements/{receipt['id']}").json()["reversed_by_id"] is not None


class TestWhoMayWrite:
    def test_finance_sees_no_write_form_and_its_posts_are_refused(self, api, session) -> None:
        made = agreement(api)
        sign_in(api, "officer")
        keys = open_form(api, "/web/agreements/new")
        sign_in(api, "finance")
        assert api.get("/web/agreements/new", role=None).status_code == 403
        page = api.get(f"/web/contributions/{contribution(api, made['id'])['id']}", role=None)
        assert page.status_code == 200
        assert "Record money" not in page.text and "Record a receipt" not in page.text
        finance_keys = {**keys, "csrf_token": token_for(api.client.cookies.get(SESSION_COOKIE))}  # finance's own
        before = count(session, AuditEntry)
        refused = api.post("/web/agreements/new", role=None, data={**finance_keys, **NEW_AGREEMENT})
        assert refused.status_code == 403
        assert count(session, AuditEntry) == before
        assert count(session, Agreement) == 1

    def test_a_planning_officer_records_a_receipt_for_their_own_authority_only(self, api, session) -> None:
        own = contribution(api, agreement(api, local_authority_id="blaby")["id"], amount="5000.00")
        other = contribution(api, agreement(api, local_authority_id="charnwood")["id"], amount="5000.00")
        for made in (own, other):
            event(api, made["id"], "trigger_met", date(2020, 1, 1))
        sign_in(api, "planning")
        page = api.get(f"/web/contributions/{own['id']}", role=None)
        assert "Record a receipt" in page.text and "Record a stage change" not in page.text
        receipt = {"contribution_id": str(own["id"]), "kind": "received", "amount": "£1,500", "on": "01/03/2024"}
        done = fill(api, "/web/movements/new", receipt, contribution_id=own["id"])
        assert done.status_code == 303, done.text
        assert api.get(f"/contributions/{own['id']}").json()["balances"]["held_by_local_authority"] == "1500.00"
        before = count(session, Movement)
        assert api.get(f"/web/movements/new?contribution_id={other['id']}", role=None).status_code == 404
        assert api.get(f"/web/contributions/{other['id']}", role=None).status_code == 404
        keys = open_form(api, "/web/movements/new", contribution_id=own["id"])
        elsewhere = api.post("/web/movements/new", role=None, data={**keys, **receipt, "contribution_id": other["id"]})
        assert elsewhere.status_code == 404
        assert "Charnwood" not in elsewhere.text
        drawn = api.post("/web/movements/new", role=None, data={**keys, **receipt, "kind": "drawn"})
        assert drawn.status_code == 422
        assert "may record only received movements" in drawn.text
        assert api.get("/web/agreements/new", role=None).status_code == 403
        assert count(session, Movement) == before


class TestTheOfficersWeek:
    def test_project_allocation_request_payment_and_invoice_from_pages(self, api, session) -> None:
        made = agreement(api, local_authority_id="blaby")
        owed = contribution(api, made["id"], purpose="equipment", amount="20000.00")
        event(api, owed["id"], "trigger_met", date(2020, 1, 1))
        sign_in(api, "officer")
        receipt = {"contribution_id": str(owed["id"]), "kind": "received", "amount": "20,000", "on": "01/02/2024"}
        assert fill(api, "/web/movements/new", receipt, contribution_id=owed["id"]).status_code == 303
        project = fill(
            api,
            "/web/projects/new",
            {
                "name": "ANPR cameras",
                "funding": "pooled",
                "category": "equipment",
                "stage": "current",
                "estimate_low": "£30,000",
            },
        )
        project_id = created_id(project, "/web/projects/")
        allocation = fill(
            api, f"/web/projects/{project_id}/allocations/new", {"contribution_id": str(owed["id"]), "amount": "15000"}
        )
        assert allocation.headers["location"] == f"/web/projects/{project_id}"
        new_request = api.get("/web/drawdowns/new", role=None, params={"project_id": project_id}).text
        # A line's choices say whose money each is and how much, not only its number.
        assert f"#{owed['id']}, Blaby District Council, " in new_request and ": £15,000.00 allocated" in new_request
        request = fill(
            api,
            "/web/drawdowns/new",
            {
                "project_id": str(project_id),
                "local_authority_id": "blaby",
                "lines.0.contribution_id": str(owed["id"]),
                "lines.0.amount": "12,000",
                "evidence": "Quote Q-1\nProportionality note",
            },
            action="/web/drawdowns/new",
            project_id=project_id,
        )
        drawdown_id = created_id(request, "/web/drawdowns/")
        shown = api.get(f"/drawdowns/{drawdown_id}").json()
        assert shown["evidence"] == ["Quote Q-1", "Proportionality note"]
        assert [line["amount"] for line in shown["lines"]] == ["12000.00"]
        page = f"/web/drawdowns/{drawdown_id}"
        for action, on in (("submit", "01/03/2024"), ("approve", "10/03/2024"), ("payments", "20/03/2024")):
            keys = open_form(api, page)
            done = api.post(f"{page}/{action}", role=None, data={**keys, "on": on}, follow_redirects=False)
            assert done.status_code == 303, (action, done.text)
        paid = api.get(f"/drawdowns/{drawdown_id}").json()
        assert (paid["status"], paid["paid"]) == ("paid", "12000.00")
        invoice = fill(
            api,
            "/web/spend/new",
            {
                "project_id": str(project_id),
                "on": "01/04/2024",
                "supplier": "Example Cameras Ltd",
                "invoice_reference": "=INV-1",
                "amount": "9,500.00",
                "charges.0.contribution_id": str(owed["id"]),
                "charges.0.amount": "9500",
            },
            action="/web/spend/new",
            project_id=project_id,
        )
        spend_id = created_id(invoice, "/web/spend/")
        figures = api.get(f"/contributions/{owed['id']}").json()["balances"]
        assert (figures["drawn"], figures["spent"]) == ("12000.00", "9500.00")
        project_page = api.get(f"/web/projects/{project_id}", role=None).text
        assert f'href="/web/drawdowns/{drawdown_id}"' in project_page
        assert f'href="/web/spend/{spend_id}"' in project_page
        assert f'href="/web/contributions/{owed["id"]}"' in project_page
        assert "=INV-1" in api.get(f"/web/spend/{spend_id}", role=None).text
        resources = [entry.resource for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert resources[-8:] == [
            "movements",
            "projects",
            "project_allocations",
            "drawdowns",
            "drawdowns",
            "drawdowns",
            "drawdown_payments",
            "spend",
        ]


class TestUploads:
    def test_an_import_is_checked_on_screen_then_written_once_on_confirmation(self, api, session) -> None:
        from tests.forms import hidden_keys
        from tests.test_access import STANDARD_AGREEMENT

        sign_in(api, "officer")
        keys = open_form(api, "/web/imports")
        files = {"files": ("agreements.csv", STANDARD_AGREEMENT, "text/csv")}
        data = {**keys, "local_authority": "blaby", "local_purpose": "equipment"}
        checked = api.post("/web/imports", role=None, data=data, files=files, follow_redirects=False)
        assert checked.status_code == 200, checked.text
        assert "Check the import" in checked.text
        assert 'data-field="agreements">1<' in checked.text  # what it would write
        assert count(session, Agreement) == 0
        confirm = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', checked.text))
        confirm.update(hidden_keys(checked.text))
        body = {**confirm, "file_name": "agreements.csv", "file_content": confirm["file_content"]}
        first = api.post("/web/imports/confirm", role=None, data=body, follow_redirects=False)
        assert first.status_code == 200, first.text
        assert "The import is written" in first.text and 'id="import-result"' in first.text
        assert "Written in one transaction, as counted below." in first.text
        assert 'data-field="agreements">1<' in first.text and "Agreements written" in first.text
        assert "Confirm the import" not in first.text
        assert count(session, Agreement) == 1
        again = api.post("/web/imports/confirm", role=None, data=body, follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"] == "/web/audit?resource=imports"
        assert count(session, Agreement) == 1
        assert len(session.scalars(select(AuditEntry).where(AuditEntry.resource == "imports")).all()) == 1

    def test_a_councils_file_over_the_upload_limit_is_told_on_a_page(self, api, session) -> None:
        sign_in(api, "officer")
        keys = open_form(api, "/web/imports")
        files = {"files": ("agreements.csv", b"x" * 6_000_000, "text/csv")}
        data = {**keys, "local_authority": "blaby", "local_purpose": "equipment"}
        refused = api.post("/web/imports", role=None, data=data, files=files, follow_redirects=False)
        assert refused.status_code == 413
        assert "The file is too large" in refused.text and "5 MB" in refused.text
        assert count(session, Agreement) == 0

    def test_a_published_table_is_reconciled_on_screen(self, api) -> None:
        from tests.test_access import PUBLISHED_2024

        sign_in(api, "finance")
        keys = open_form(api, "/web/reconciliations")
        files = {"file": ("table.csv", PUBLISHED_2024, "text/csv")}
        shown = api.post("/web/reconciliations", role=None, data={**keys, "as_at": "31/01/2024"}, files=files)
        assert shown.status_code == 200, shown.text
        assert "Cells that differ" in shown.text and 'id="differing"' in shown.text
        missing = api.post("/web/reconciliations", role=None, data={**keys, "as_at": "31/01/2024"})
        assert missing.status_code == 422 and "Choose a file to upload" in missing.text

    def test_an_index_series_is_uploaded(self, api, session) -> None:
        from tests.test_access import INDEX_CSV

        sign_in(api, "officer")
        keys = open_form(api, "/web/index-series")
        files = {"file": ("tpi.csv", INDEX_CSV, "text/csv")}
        loaded = api.post(
            "/web/index-series", role=None, data={**keys, "series": "BCIS-TPI"}, files=files, follow_redirects=False
        )
        assert loaded.status_code == 303, loaded.text
        assert [row["series"] for row in api.get("/index-series").json()] == ["BCIS-TPI"]
        assert "BCIS-TPI" in api.get("/web/index-series", role=None).text
        bad = api.post(
            "/web/index-series", role=None, data={**open_form(api, "/web/index-series"), "series": "no spaces"}
        )
        assert bad.status_code == 422
        assert "String should match pattern" in bad.text

    def test_a_repurposing_with_consent(self, api) -> None:
        owed = contribution(api, agreement(api)["id"], purpose="equipment")
        sign_in(api, "officer")
        done = fill(
            api,
            f"/web/contributions/{owed['id']}/repurposings/new",
            {"purpose": "vehicles", "consented_on": "01/03/2024", "consent_reference": "letter of 1 March 2024"},
        )
        assert done.status_code == 303, done.text
        assert api.get(f"/contributions/{owed['id']}").json()["purpose"] == "vehicles"
