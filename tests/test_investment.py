"""The investment list through HTTP: items the officer maintains, the projects that deliver them, their money."""

from typing import Any

import pytest

from tests.forms import created_id, fill, sign_in
from tests.pages import figures
from tests.project_builders import allocate, drawdown, funded_contribution, project, spend

ITEM = {
    "name": "Firearms Building",
    "category": "land_and_buildings",
    "estimate": "500000.00",
    "strategy_reference": "Capital programme 2024/25 line 12",
    "priority": 1,
}


def item(api: Any, **changes: Any) -> dict[str, Any]:
    """Add an item through the API and return its JSON."""
    response = api.post("/investment-items", json={**ITEM, **changes})
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestItems:
    """The officer keeps the list; every role reads it, highest priority first."""

    def test_an_item_starts_proposed_with_nothing_identified(self, api) -> None:
        made = item(api)
        assert (made["status"], made["estimate"], made["to_find"]) == ("proposed", "500000.00", "500000.00")
        assert made["figures"] == {"identified": "0.00", "requested": "0.00", "received": "0.00", "spent": "0.00"}
        assert made["projects"] == [] and made["open_proposals"] == 0

    def test_the_list_is_by_priority_then_name(self, api) -> None:
        item(api, name="NATO Helmets", category="equipment", estimate="52000.00", priority=3)
        item(api)
        item(api, name="Specials Van", category="vehicles", estimate="20000.00", priority=None)
        listed = api.get("/investment-items", role="finance").json()
        assert [row["name"] for row in listed["items"]] == ["Firearms Building", "NATO Helmets", "Specials Van"]
        approved = api.get("/investment-items", params={"status": "approved"}).json()
        assert approved["total"] == 0

    def test_officer_changes_status_and_estimate(self, api) -> None:
        made = item(api)
        response = api.patch(f"/investment-items/{made['id']}", json={"status": "approved", "estimate": "520000.00"})
        assert response.status_code == 200, response.text
        assert (response.json()["status"], response.json()["estimate"]) == ("approved", "520000.00")
        emptied = api.patch(f"/investment-items/{made['id']}", json={"name": None})
        assert emptied.status_code == 422 and emptied.json()["errors"][0]["field"] == "name"

    def test_only_the_officer_writes(self, api) -> None:
        made = item(api)
        for role in ("finance", "planning"):
            assert api.post("/investment-items", role=role, json=ITEM).status_code == 403
            assert api.patch(f"/investment-items/{made['id']}", role=role, json={"priority": 2}).status_code == 403
        assert api.get(f"/investment-items/{made['id']}", role="planning").status_code == 200

    @pytest.mark.parametrize(
        ("changes", "status", "field"),
        [
            ({"category": "revenue"}, 422, "category"),
            ({"estimate": "0.00"}, 422, "estimate"),
            ({"estimate": "10.005"}, 422, "estimate"),
            ({"priority": 0}, 422, "priority"),
            ({"strategy_reference": ""}, 422, "strategy_reference"),
            ({"status": "dreamt"}, 422, "status"),
        ],
    )
    def test_bad_input_names_the_field(self, api, changes: dict[str, Any], status: int, field: str) -> None:
        response = api.post("/investment-items", json={**ITEM, **changes})
        assert response.status_code == status, response.text
        assert field in [error["field"] for error in response.json()["errors"]]

    def test_a_name_is_used_once(self, api) -> None:
        item(api)
        again = api.post("/investment-items", json=ITEM)
        assert again.status_code == 409 and again.json()["errors"][0]["field"] == "name"


class TestProjectsServeItems:
    """A project names the item it delivers; the item shows its projects' money and what is still to find."""

    def test_item_money_is_its_projects_money(self, api) -> None:
        made = item(api)
        building = project(api)
        linked = api.patch(f"/projects/{building['id']}", json={"investment_item_id": made["id"]})
        assert linked.status_code == 200 and linked.json()["investment_item_id"] == made["id"]
        office = api.post(
            "/projects",
            json={
                "name": "Firearms range fit-out",
                "funding": "pooled",
                "category": "land_and_buildings",
                "estimate_low": "40000.00",
                "investment_item_id": made["id"],
            },
        )
        assert office.status_code == 201, office.text
        blaby = funded_contribution(api, amount="30000.00", received="30000.00")
        charnwood = funded_contribution(
            api, local_authority_id="charnwood", reference="P/19/0001/2", amount="20000.00", received="20000.00"
        )
        assert allocate(api, building["id"], blaby["id"], "30000.00").status_code == 201
        assert allocate(api, office.json()["id"], charnwood["id"], "20000.00").status_code == 201
        requested = drawdown(
            api, local_authority_id="blaby", project_id=building["id"], lines=[(blaby["id"], "10000.00")]
        )
        assert requested.status_code == 201, requested.text
        assert api.post(f"/drawdowns/{requested.json()['id']}/submit", json={"on": "2020-07-01"}).status_code == 200
        shown = api.get(f"/investment-items/{made['id']}").json()
        assert shown["figures"] == {
            "identified": "50000.00",
            "requested": "10000.00",
            "received": "0.00",
            "spent": "0.00",
        }
        assert shown["to_find"] == "450000.00"
        assert [row["name"] for row in shown["projects"]] == ["Firearms Building", "Firearms range fit-out"]
        planning = api.get(f"/investment-items/{made['id']}", role="planning").json()
        assert planning["figures"]["identified"] == "30000.00" and planning["to_find"] is None
        assert [row["name"] for row in planning["projects"]] == ["Firearms Building"]

    def test_spend_counts_and_unlinking_removes_the_project(self, api) -> None:
        made = item(api, estimate="40000.00")
        building = project(api)
        assert api.patch(f"/projects/{building['id']}", json={"investment_item_id": made["id"]}).status_code == 200
        money = funded_contribution(api, amount="45000.00", received="45000.00")
        assert allocate(api, building["id"], money["id"], "45000.00").status_code == 201
        paid = spend(api, project_id=building["id"], amount="5000.00", charges=[(money["id"], "5000.00")])
        assert paid.status_code == 201, paid.text
        shown = api.get(f"/investment-items/{made['id']}").json()
        assert (shown["figures"]["spent"], shown["to_find"]) == ("5000.00", "0.00")
        assert api.patch(f"/projects/{building['id']}", json={"investment_item_id": None}).status_code == 200
        assert api.get(f"/investment-items/{made['id']}").json()["projects"] == []

    def test_an_unknown_item_is_refused(self, api) -> None:
        building = project(api)
        response = api.patch(f"/projects/{building['id']}", json={"investment_item_id": 987654})
        assert response.status_code == 404 and response.json()["errors"][0]["field"] == "investment_item_id"


class TestPages:
    """The list, an item's page, and the officer's forms to add and change an item."""

    def test_officer_adds_and_changes_an_item_through_the_forms(self, api) -> None:
        sign_in(api, "officer")
        response = fill(
            api,
            "/web/investment/new",
            {
                "name": "NATO Helmets",
                "category": "equipment",
                "estimate": "£52,000",
                "strategy_reference": "Capital programme line 40",
                "priority": "2",
            },
        )
        item_id = created_id(response, "/web/investment/")
        page = api.get(f"/web/investment/{item_id}", role=None)
        assert page.status_code == 200 and "NATO Helmets" in page.text
        changed = fill(api, f"/web/investment/{item_id}/edit", {"status": "approved"})
        assert created_id(changed, "/web/investment/") == item_id
        listing = api.get("/web/investment", role=None)
        row = figures(listing.text, "investment-items")[f"key:item-{item_id}"]
        assert (row["status"], row["estimate"], row["to_find"]) == ("Approved", "£52,000.00", "£52,000.00")

    def test_a_refused_form_names_the_field(self, api) -> None:
        sign_in(api, "officer")
        response = fill(
            api,
            "/web/investment/new",
            {"name": "Canteen", "category": "land_and_buildings", "estimate": "£0", "strategy_reference": "E1"},
        )
        assert response.status_code == 422 and 'href="#estimate"' in response.text

    def test_the_item_page_lists_its_projects_and_money(self, api) -> None:
        made = item(api)
        building = project(api)
        assert api.patch(f"/projects/{building['id']}", json={"investment_item_id": made["id"]}).status_code == 200
        money = funded_contribution(api, amount="30000.00", received="30000.00")
        assert allocate(api, building["id"], money["id"], "30000.00").status_code == 201
        sign_in(api, "planning")
        page = api.get(f"/web/investment/{made['id']}", role=None)
        assert page.status_code == 200
        assert figures(page.text, "item-money")["key:total"]["identified"] == "£30,000.00"
        assert "Firearms Building" in page.text and "Still to find" not in page.text
