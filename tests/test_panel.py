"""The Panel's role through HTTP: it reads the Panel's aggregate views, links to no record, and writes nothing."""

from datetime import date
from decimal import Decimal
from typing import Any

from app.panel.reads import BANDS
from tests.accounts import post_form
from tests.forms import sign_in
from tests.pages import figures
from tests.project_builders import allocate, funded_contribution, project


def a_bid(api: Any) -> dict[str, Any]:
    response = api.post(
        "/bids",
        json={
            "local_authority_id": "blaby",
            "application_reference": "24/0100/OUT",
            "site": "Land south of Hospital Lane",
            "dwellings": 200,
            "consulted_on": "2024-03-01",
            "amount_bid": "40000.00",
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestApi:
    """The Panel's token reads the aggregates and is refused every record."""

    def test_reads_the_aggregates(self, api) -> None:
        a_bid(api)
        assert api.get("/reports/panel", role="panel").status_code == 200
        summary = api.get("/bid-summary", role="panel").json()
        assert summary["totals"]["amount_bid"] == "40000.00"
        assert api.get("/investment-items", role="panel").status_code == 200
        assert api.get("/repurposing-proposal-summary", role="panel").status_code == 200

    def test_is_refused_records_and_writes(self, api) -> None:
        made = a_bid(api)
        money = funded_contribution(api)
        for path in ("/agreements", f"/contributions/{money['id']}", "/drawdowns", "/bids", f"/bids/{made['id']}"):
            response = api.get(path, role="panel")
            assert response.status_code == 403, path
            assert response.json()["title"] == "Not allowed"
        assert api.post("/investment-items", role="panel", json={}).status_code == 403


class TestPages:
    """A Panel account sees the Panel table, the bids summary and the investment list; nothing finer."""

    def test_home_and_bids_show_aggregates_only(self, api) -> None:
        a_bid(api)
        sign_in(api, "panel")
        home = api.get("/web", role=None)
        assert home.status_code == 200 and "/web/local-authorities/" not in home.text
        navigation = home.text.split('id="navigation"')[1].split("</ul>")[0]
        assert "Investment" in navigation and "Agreements" not in navigation and "Drawdowns" not in navigation
        bids = api.get("/web/bids", role=None)
        assert bids.status_code == 200
        assert figures(bids.text, "bid-summary")["key:blaby-2024"]["amount_bid"] == "£40,000.00"
        assert "24/0100/OUT" not in bids.text and "Land south of Hospital Lane" not in bids.text
        assert api.get("/web/agreements", role=None).status_code == 403
        assert api.get("/web/deadlines", role=None).status_code == 403

    def test_the_officer_invites_a_panel_member(self, api) -> None:
        sign_in(api, "officer")
        form = api.get("/web/users/invite", role=None)
        assert 'value="panel"' in form.text
        fields = {"email": "cllr@panel.example", "name": "Cllr Example", "role": "panel"}
        invited = post_form(api.client, "/web/users/invite", fields, token_from="/web/users/invite")
        assert invited.status_code == 201, invited.text
        listing = api.get("/web/users", role=None)
        assert "cllr@panel.example" in listing.text


class TestProjectsAndDeadlines:
    """The Panel's view of projects and deadlines: by authority and project, no agreement named."""

    def test_the_api_gives_projects_and_deadline_bands(self, api) -> None:
        money = funded_contribution(api, reference="19/0456/OUT", amount="100000.00", received_on=date(2020, 6, 1))
        made = project(api, name="Firearms Building")
        assert allocate(api, made["id"], money["id"], "60000.00").status_code == 201
        projects = api.get("/reports/panel/projects", role="panel")
        assert projects.status_code == 200
        (row,) = projects.json()["rows"]
        assert (row["name"], row["totals"]["identified"], row["gap"]) == ("Firearms Building", "60000.00", "440000.00")
        assert [part["local_authority_id"] for part in row["by_authority"]] == ["blaby"]
        deadlines = api.get("/reports/panel/deadlines", role="panel").json()
        (blaby,) = deadlines["rows"]
        # Received 1 June 2020 with a ten-year clock: the deadline, 1 June 2030, is more than two years away.
        assert blaby["local_authority_id"] == "blaby" and blaby["receipts"] == 1
        assert sum(Decimal(blaby[name]) for name in BANDS) == Decimal("100000.00")
        assert deadlines["totals"]["receipts"] == 1
        for text in (projects.text, api.get("/reports/panel/deadlines", role="panel").text):
            assert "19/0456/OUT" not in text and "contribution_id" not in text and "agreement" not in text

    def test_the_pages_are_in_the_panels_navigation_and_download(self, api) -> None:
        money = funded_contribution(api, reference="19/0456/OUT")
        sign_in(api, "panel")
        home = api.get("/web", role=None)
        navigation = home.text.split('id="navigation"')[1].split("</ul>")[0]
        assert "/web/panel/projects" in navigation and "/web/panel/deadlines" in navigation
        for path in ("/web/panel/projects", "/web/panel/deadlines"):
            page = api.get(path, role=None)
            assert page.status_code == 200, path
            assert "19/0456/OUT" not in page.text and f"/web/contributions/{money['id']}" not in page.text
            assert api.get(f"{path}?format=xlsx", role=None).status_code == 200
        total_row = api.get("/web/panel/deadlines", role=None).text.split("<tfoot>")[1]
        assert 'data-field="receipts">1</td>' in total_row  # a count, not money
        deadlines = api.get("/web/panel/deadlines?format=csv", role=None).text
        assert "Blaby" in deadlines and "100000.00" in deadlines
