"""The Panel's role through HTTP: it reads the Panel's aggregate views, links to no record, and writes nothing."""

from typing import Any

from tests.accounts import post_form
from tests.forms import sign_in
from tests.pages import figures
from tests.project_builders import funded_contribution


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
