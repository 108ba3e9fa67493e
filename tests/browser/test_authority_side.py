"""The authority's side in a browser: Blaby's planning officer approves a request, and the force sees it approved."""

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.browser.conftest import LiveServer
from tests.browser.helpers import check, sign_in
from tests.builders import agreement, contribution, event, movement
from tests.doc_builders import TEMPLATE
from tests.project_builders import allocate, drawdown, project, spend, step
from tests.scenario import ok
from tests.web_builders import attach_required_evidence


def blaby_request(api: Any) -> int:
    """A request to Blaby that its rules accept: a completed project, its invoice cited, and the evidence attached."""
    deed = agreement(
        api,
        local_authority_id="blaby",
        reference="19/0456/OUT",
        site="Land off Mill Lane, Enderby",
        signed_on=date(2019, 4, 1),
    )
    money = contribution(api, deed["id"], purpose="premises", amount="20000.00")
    ok(event(api, money["id"], "development_started", date(2019, 9, 1)))
    ok(movement(api, money["id"], "received", "20000.00", date(2020, 6, 1)))
    refit = project(
        api,
        name="Enderby police office refit",
        funding="local",
        local_authority_id="blaby",
        estimate_low="8000.00",
    )
    ok(allocate(api, refit["id"], money["id"], "20000.00"))
    invoiced = (date.today() - timedelta(days=20)).isoformat()
    invoice = ok(
        spend(
            api,
            project_id=refit["id"],
            amount="8000.00",
            charges=[(money["id"], "8000.00")],
            on=invoiced,
            invoice_reference="ENB-0001",
        )
    )
    ok(api.patch(f"/projects/{refit['id']}", json={"stage": "completed"}))
    request = ok(
        drawdown(
            api,
            local_authority_id="blaby",
            project_id=refit["id"],
            lines=[(money["id"], "8000.00")],
            invoice_spend_ids=[invoice["id"]],
        )
    )
    attach_required_evidence(api, request["id"], "blaby")
    ok(step(api, request["id"], "submit", on=(date.today() - timedelta(days=10)).isoformat()))
    return int(request["id"])


class TestTheAuthorityApproves:
    def test_the_planning_officer_approves_and_the_force_sees_it(
        self, page: Any, browser: Any, live_server: LiveServer
    ) -> None:
        base = live_server.url
        request_id = blaby_request(live_server.api)
        sign_in(page, live_server, "planning")
        page.goto(f"{base}/web/drawdowns/{request_id}")
        assert page.locator("[data-field=status]").inner_text() == "Submitted"
        assert page.locator("#step-acknowledge").is_visible()
        check(page, "authority-request-submitted")
        with page.expect_navigation():
            page.locator("#step-acknowledge").get_by_role("button", name="Acknowledge it").click()
        assert "Acknowledged by the authority" in page.locator("#history").inner_text()
        with page.expect_navigation():
            page.locator("#step-approve").get_by_role("button", name="Record the approval").click()
        assert page.locator("[data-field=status]").inner_text() == "Approved"
        assert page.locator("#step-payments").is_visible()
        check(page, "authority-request-approved")
        page.goto(f"{base}/web/local-authorities/blaby/balance-confirmations")
        page.get_by_label("Balance as at").fill(date.today().strftime("%d/%m/%Y"))
        held = live_server.api.get(
            "/balances", role="planning", params={"group_by": "local_authority", "as_at": date.today().isoformat()}
        ).json()["totals"]["held_by_local_authority"]
        page.get_by_label("Balance held for the force").fill(held)
        with page.expect_navigation():
            page.get_by_role("button", name="Record the confirmation").click()
        assert page.locator("#confirmations [data-field=difference]").first.inner_text() == "£0.00"
        check(page, "authority-balance-confirmed")

        officer_context = browser.new_context(
            viewport={"width": 1400, "height": 900}, locale="en-GB", accept_downloads=True, bypass_csp=True
        )
        officer_context.set_default_timeout(10_000)
        try:
            officer = officer_context.new_page()
            sign_in(officer, live_server, "officer")
            officer.goto(f"{base}/web/drawdowns/{request_id}")
            assert officer.locator("[data-field=status]").inner_text() == "Approved"
            history = officer.locator("#history").inner_text()
            assert "Approved by the authority; recorded by Pat Planner (planning)" in history
            assert officer.locator("#request-pack-pdf").is_visible()
            check(officer, "authority-request-seen-by-the-force")
        finally:
            officer_context.close()
        assert live_server.api.get(f"/drawdowns/{request_id}").json()["status"] == "approved"


class TestTheOfficerUploadsATemplate:
    def test_the_page_says_the_template_is_uploaded_and_in_use(
        self, page: Any, live_server: LiveServer, tmp_path: Path
    ) -> None:
        template = tmp_path / "Oadby pack letter.docx"
        template.write_bytes(TEMPLATE)
        sign_in(page, live_server, "officer")
        page.goto(f"{live_server.url}/web/local-authorities/oadby-and-wigston/pack-template")
        assert "has no template of its own" in page.locator("#template-in-use").inner_text()
        page.get_by_label("Template (DOCX)").set_input_files(str(template))
        with page.expect_navigation():
            page.get_by_role("button", name="Upload the template").click()
        banner = page.locator("#upload-result")
        assert "Oadby pack letter.docx is uploaded" in banner.inner_text()
        assert "Oadby pack letter.docx" in page.locator("#template-in-use").inner_text()
        check(page, "pack-template-uploaded")
