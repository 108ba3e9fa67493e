"""Repurposing candidates through HTTP: unspent money whose purpose no longer fits the investment list or the
estate plans, largest or soonest-expiring first, each with a prefilled link to propose repurposing it."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.forms import sign_in
from tests.project_builders import allocate, funded_contribution, project


def received(api: Any, **changes: Any) -> dict[str, Any]:
    """A contribution whose whole amount the authority has received."""
    amount = changes.pop("amount", "20000.00")
    return funded_contribution(api, amount=amount, received=amount, **changes)


def item(api: Any, name: str, category: str, status: str = "approved") -> dict[str, Any]:
    response = api.post(
        "/investment-items",
        json={
            "name": name,
            "category": category,
            "estimate": "100000.00",
            "strategy_reference": "E1",
            "status": status,
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestApi:
    """Which contributions are candidates, and in what order."""

    def test_a_narrow_purpose_no_open_item_can_use_is_a_candidate(self, api) -> None:
        item(api, "Custody refurbishment", "land_and_buildings")
        premises = received(api, reference="19/0001/OUT", purpose="premises", amount="50000.00")
        vehicles = received(api, reference="19/0002/OUT", purpose="vehicles", amount="20000.00")
        broad = received(api, reference="19/0003/OUT", purpose="policing_in_area", amount="90000.00")
        found = api.get("/repurposing/candidates").json()
        assert [row["contribution_id"] for row in found] == [vehicles["id"]]
        (row,) = found
        assert (row["unspent"], row["held_by_local_authority"], row["deadline"]) == (
            "20000.00",
            "20000.00",
            "2030-06-01",
        )
        assert "vehicles" in row["reasons"][0]
        assert premises["id"] != broad["id"]

    def test_a_withdrawn_item_makes_its_projects_money_a_candidate(self, api) -> None:
        withdrawn = item(api, "Old station rebuild", "land_and_buildings", status="withdrawn")
        item(api, "Another building", "land_and_buildings")
        money = received(api, purpose="policing_in_area", amount="30000.00")
        made = project(api, name="Old station")
        assert api.patch(f"/projects/{made['id']}", json={"investment_item_id": withdrawn["id"]}).status_code == 200
        assert allocate(api, made["id"], money["id"], "30000.00").status_code == 201
        (row,) = api.get("/repurposing/candidates").json()
        assert row["contribution_id"] == money["id"] and row["projects"] == ["Old station"]
        assert row["reasons"] == ["its project Old station serves Old station rebuild, which is withdrawn"]

    def test_largest_or_soonest_first_and_an_open_proposal_removes_it(self, api) -> None:
        big = received(api, reference="19/0001/OUT", purpose="vehicles", amount="80000.00")
        soon = received(api, reference="19/0002/OUT", purpose="vehicles", amount="5000.00", repayment_period_years=5)
        largest = [row["contribution_id"] for row in api.get("/repurposing/candidates").json()]
        soonest = [row["contribution_id"] for row in api.get("/repurposing/candidates?sort=soonest").json()]
        assert (largest, soonest) == ([big["id"], soon["id"]], [soon["id"], big["id"]])
        proposal = {"contribution_id": big["id"], "proposed_purpose": "premises", "identified_on": "2024-01-02"}
        assert api.post("/repurposing-proposals", json=proposal).status_code == 201
        assert [row["contribution_id"] for row in api.get("/repurposing/candidates").json()] == [soon["id"]]

    def test_a_planning_officer_sees_their_own_authoritys_only(self, api) -> None:
        own = received(api, reference="19/0001/OUT", purpose="vehicles", local_authority_id="blaby")
        received(api, reference="19/0002/OUT", purpose="vehicles", local_authority_id="charnwood")
        found = api.get("/repurposing/candidates", role="planning").json()
        assert [row["contribution_id"] for row in found] == [own["id"]]
        assert api.get("/repurposing/candidates", role="panel").status_code == 403


class TestPage:
    """The officer's page lists the candidates, downloads them, and links to a prefilled proposal form."""

    def test_the_link_fills_in_the_proposal(self, api) -> None:
        money = received(api, purpose="vehicles", amount="20000.00")
        sign_in(api, "officer")
        page = api.get("/web/repurposing/candidates", role=None)
        assert page.status_code == 200 and 'id="candidates"' in page.text
        link = page.text.split('data-field="propose"><a class="govuk-link" href="')[1].split('"')[0]
        query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
        assert query["contribution_id"] == [str(money["id"])]
        form = api.get(link.replace("&amp;", "&"), role=None)
        assert form.status_code == 200
        assert f'value="{money["id"]}"' in form.text and "No proposed or approved investment item" in form.text
        csv = api.get("/web/repurposing/candidates?format=csv", role=None)
        assert csv.status_code == 200 and "20000.00" in csv.text and "Why it no longer fits" in csv.text

    def test_finance_sees_the_page_without_the_link(self, api) -> None:
        received(api, purpose="vehicles", amount="20000.00")
        sign_in(api, "finance")
        page = api.get("/web/repurposing/candidates", role=None)
        assert page.status_code == 200 and "£20,000.00" in page.text and "Propose repurposing" not in page.text


class TestThroughConsent:
    """A candidate proposed and consented to a purpose that fits is no longer a candidate, and its history says so."""

    def test_the_candidate_leaves_the_list_once_repurposed(self, api) -> None:
        item(api, "Custody refurbishment", "land_and_buildings")
        money = received(api, purpose="vehicles", amount="20000.00")
        (candidate,) = api.get("/repurposing/candidates").json()
        made = api.post(
            "/repurposing-proposals",
            json={
                "contribution_id": candidate["contribution_id"],
                "proposed_purpose": "premises",
                "reason": "; ".join(candidate["reasons"]),
                "identified_on": "2024-01-08",
            },
        )
        assert made.status_code == 201, made.text
        assert api.get("/repurposing/candidates").json() == []
        consent = {"on": "2024-03-01", "reference": "BDC letter 2024/3"}
        assert api.post(f"/repurposing-proposals/{made.json()['id']}/consent", json=consent).status_code == 201
        assert api.get("/repurposing/candidates").json() == []
        history = api.get(f"/contributions/{money['id']}/repurposings").json()
        assert [(row["from_purpose"], row["to_purpose"]) for row in history] == [("vehicles", "premises")]
