"""The officer splits a contribution into instalments, confirms one due from site progress, and reads the watch
list and the banded forecast; each page passes axe and fits 320 px."""

from typing import Any

from tests.browser.conftest import LiveServer
from tests.browser.helpers import check, sign_in
from tests.builders import agreement, contribution, movement


class TestInstalments:
    def test_a_schedule_written_on_its_form_falls_due_from_the_site_and_shows_on_the_watch_list(
        self, page: Any, live_server: LiveServer
    ) -> None:
        api, base = live_server.api, live_server.url
        site = agreement(api, local_authority_id="blaby", reference="24/0555/OUT", dwellings=300)
        owed = contribution(api, site["id"], purpose="premises", amount="120000.00")
        sign_in(page, live_server, "officer")
        page.goto(f"{base}/web/contributions/{owed['id']}")
        page.get_by_role("link", name="Change the instalments").click()
        page.get_by_label("Instalments").fill("10% on commencement\n45% on 100% occupation\n40% at adoption")
        page.get_by_role("button", name="Save the instalments").click()
        assert page.locator(".govuk-error-summary").is_visible()
        check(page, "instalments-form-errors")
        page.get_by_label("Instalments").fill(
            "10% on commencement\n45% on 100% occupation\n45% on the 250th occupation"
        )
        with page.expect_navigation():
            page.get_by_role("button", name="Save the instalments").click()
        assert page.locator("#instalments tbody tr").count() == 3
        check(page, "instalments-contribution")

        page.goto(f"{base}/web/agreements/{site['id']}/progress")
        page.get_by_label("Counts as at").fill("31/03/2025")
        page.get_by_label("Dwellings started").fill("40")
        page.get_by_label("Dwellings completed").fill("20")
        page.get_by_label("Dwellings occupied").fill("18")
        with page.expect_navigation():
            page.get_by_role("button", name="Record the counts").click()
        assert page.locator("#proposals tbody tr").count() == 1
        check(page, "instalments-site")
        with page.expect_navigation():
            page.get_by_role("button", name="Confirm it fell due").click()
        shown = api.get(f"/contributions/{owed['id']}").json()["instalments"]
        assert [item["status"] for item in shown] == ["due", "not_due", "not_due"]
        page.goto(f"{base}/web/contributions/{owed['id']}")
        assert page.get_by_role("link", name="Change the instalments").count() == 0
        assert page.locator("#schedule-fixed").is_visible()
        check(page, "instalments-contribution-fixed")

        page.goto(f"{base}/web/instalment-watch?overdue_days=0")
        assert page.locator("#watch tbody tr", has_text="24/0555/OUT").count() == 1
        check(page, "instalments-watch")
        page.goto(f"{base}/web/forecast")
        assert page.locator("#bands").is_visible()
        check(page, "instalments-forecast")

        # Paying the tranche that fell due, and a little more, settles it: the page says so.
        paid = movement(api, owed["id"], "received", "20000.00", "2025-04-14")
        assert paid.status_code == 201, paid.text
        page.goto(f"{base}/web/contributions/{owed['id']}")
        due = page.locator("#instalments tbody tr td:last-child")
        assert due.all_inner_texts() == ["Paid", "Not yet due", "Not yet due"]
        check(page, "instalments-contribution-paid")
