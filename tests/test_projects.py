"""Projects through HTTP: estimates, allocations, and money by authority."""

from datetime import date

import pytest

from app.models import ReleaseBasis
from tests.builders import ensure_authority
from tests.project_builders import allocate, drawdown, funded_contribution, pay, project, spend, step


class TestProjects:
    """Creating projects and reading their figures."""

    def test_local_project_with_estimate_range(self, api, session) -> None:
        ensure_authority(session, "harborough", "Harborough District Council")
        office = project(
            api,
            name="Lutterworth Office",
            funding="local",
            local_authority_id="harborough",
            estimate_low="60000.00",
            estimate_high="70000.00",
        )
        assert office["estimate_low"] == "60000.00" and office["estimate_high"] == "70000.00"
        assert office["gap"] == "70000.00"
        assert office["totals"] == {
            "identified": "0.00",
            "requested": "0.00",
            "received": "0.00",
            "awaiting": "0.00",
            "spent": "0.00",
        }

    @pytest.mark.parametrize(
        ("body", "status", "field"),
        [
            ({"funding": "local"}, 422, "local_authority_id"),
            ({"funding": "pooled", "local_authority_id": "blaby"}, 422, "funding"),
            ({"funding": "local", "local_authority_id": "nowhere"}, 404, "local_authority_id"),
            ({"funding": "pooled", "estimate_high": "10.00"}, 422, "estimate_high"),
            ({"funding": "pooled", "category": "revenue"}, 422, "category"),
            ({"funding": "pooled", "estimate_low": "0"}, 422, "estimate_low"),
        ],
    )
    def test_bad_projects_are_refused(self, api, body, status, field) -> None:
        payload = {"name": "X", "category": "equipment", "estimate_low": "100.00", **body}
        response = api.post("/projects", json=payload)
        assert response.status_code == status, response.text
        assert response.json()["errors"][0]["field"] == field
        assert api.get("/projects").json()["total"] == 0

    def test_names_are_unique(self, api) -> None:
        project(api)
        response = api.post(
            "/projects",
            json={"name": "Firearms Building", "funding": "pooled", "category": "equipment", "estimate_low": "1.00"},
        )
        assert response.status_code == 409

    def test_stage_and_estimate_change(self, api) -> None:
        made = project(api, stage="upcoming")
        changed = api.patch(f"/projects/{made['id']}", json={"stage": "completed", "estimate_low": "520000.00"})
        assert changed.status_code == 200
        assert changed.json()["stage"] == "completed"
        assert changed.json()["estimate_low"] == "520000.00" and changed.json()["estimate_high"] == "520000.00"
        assert api.get("/projects", params={"stage": "completed"}).json()["total"] == 1
        assert api.get("/projects", params={"stage": "current"}).json()["total"] == 0


class TestPooledProject:
    """A pooled building funded by covenants of several authorities, as the Firearms Building is."""

    @pytest.fixture
    def firearms(self, api, session):
        ensure_authority(session, "harborough", "Harborough District Council")
        api.patch("/local-authorities/blaby", json={"release_basis": ReleaseBasis.in_arrears.value})
        building = project(api)
        blaby = funded_contribution(
            api, local_authority_id="blaby", reference="B/1", amount="200000.00", received="200000.00"
        )
        harborough = funded_contribution(
            api, local_authority_id="harborough", reference="H/1", amount="300000.00", received="300000.00"
        )
        assert allocate(api, building["id"], blaby["id"], "200000.00").status_code == 201
        assert allocate(api, building["id"], harborough["id"], "300000.00").status_code == 201
        return building, blaby, harborough

    def test_estimate_received_and_the_rest_requested(self, api, firearms) -> None:
        building, blaby, harborough = firearms
        invoice = spend(api, project_id=building["id"], amount="141000.00", charges=[(blaby["id"], "141000.00")])
        assert invoice.status_code == 201, invoice.text
        to_blaby = drawdown(
            api,
            local_authority_id="blaby",
            project_id=building["id"],
            lines=[(blaby["id"], "200000.00")],
            invoice_spend_ids=[invoice.json()["id"]],
        ).json()
        # Blaby pays in arrears: £200k needs £200k of invoices; with £141k it is refused.
        assert step(api, to_blaby["id"], "submit", on="2021-03-01").status_code == 422
        api.patch(
            f"/drawdowns/{to_blaby['id']}", json={"lines": [{"contribution_id": blaby["id"], "amount": "141000.00"}]}
        )
        assert step(api, to_blaby["id"], "submit", on="2021-03-01").status_code == 200
        step(api, to_blaby["id"], "approve", on="2021-03-05")
        assert pay(api, to_blaby["id"], "2021-04-01").status_code == 201
        to_harborough = drawdown(
            api, local_authority_id="harborough", project_id=building["id"], lines=[(harborough["id"], "300000.00")]
        ).json()
        step(api, to_harborough["id"], "submit", on="2021-03-01")
        step(api, to_harborough["id"], "approve", on="2021-03-05")
        assert pay(api, to_harborough["id"], "2021-04-01", [(harborough["id"], "100000.00")]).status_code == 201
        rest = drawdown(
            api, local_authority_id="blaby", project_id=building["id"], lines=[(blaby["id"], "59000.00")]
        ).json()
        assert rest["status"] == "draft"

        shown = api.get(f"/projects/{building['id']}").json()
        assert shown["estimate_high"] == "500000.00"
        assert shown["totals"] == {
            "identified": "500000.00",
            "requested": "441000.00",
            "received": "241000.00",
            "awaiting": "200000.00",
            "spent": "141000.00",
        }
        assert shown["gap"] == "0.00"
        by_authority = {row["local_authority_id"]: row for row in shown["by_authority"]}
        assert by_authority["blaby"]["received"] == "141000.00"
        assert by_authority["harborough"]["received"] == "100000.00"
        assert by_authority["harborough"]["awaiting"] == "200000.00"
        assert {row["contribution_id"]: row["requested"] for row in shown["allocations"]} == {
            blaby["id"]: "141000.00",
            harborough["id"]: "300000.00",
        }

    def test_planning_sees_only_their_part(self, api, firearms) -> None:
        building, blaby, harborough = firearms
        shown = api.get(f"/projects/{building['id']}", role="planning")
        assert shown.status_code == 200
        body = shown.json()
        assert [row["local_authority_id"] for row in body["by_authority"]] == ["blaby"]
        assert [row["contribution_id"] for row in body["allocations"]] == [blaby["id"]]
        assert body["totals"]["identified"] == "200000.00"
        assert body["gap"] is None
        officer = api.get(f"/projects/{building['id']}").json()
        assert officer["totals"]["identified"] == "500000.00"

    def test_planning_cannot_see_a_project_without_their_authority(self, api, session) -> None:
        ensure_authority(session, "harborough", "Harborough District Council")
        office = project(api, name="Lutterworth Office", funding="local", local_authority_id="harborough")
        assert api.get(f"/projects/{office['id']}", role="planning").status_code == 404
        assert api.get("/projects", role="planning").json()["total"] == 0
        assert api.get(f"/projects/{office['id']}", role="finance").status_code == 200

    def test_planning_cannot_learn_another_authority_funds_their_project(self, api, firearms) -> None:
        building, _, _ = firearms
        assert api.get("/projects", role="planning", params={"local_authority": "harborough"}).json()["total"] == 0
        assert api.get("/projects", role="planning", params={"local_authority": "blaby"}).json()["total"] == 1
        assert api.get("/projects", role="finance", params={"local_authority": "harborough"}).json()["total"] == 1

    def test_only_the_officer_writes(self, api, firearms) -> None:
        building, blaby, _ = firearms
        for role in ("planning", "finance"):
            assert api.patch(f"/projects/{building['id']}", role=role, json={"stage": "completed"}).status_code == 403
            response = api.post(
                f"/projects/{building['id']}/allocations",
                role=role,
                json={"contribution_id": blaby["id"], "amount": "1.00"},
            )
            assert response.status_code == 403


class TestAllocations:
    """A contribution may fund several projects, never more than it is worth."""

    def test_a_contribution_funds_several_projects_up_to_its_value(self, api) -> None:
        made = funded_contribution(api, amount="50000.00", received="50000.00")
        first = project(api)
        second = project(api, name="Loughborough Office", estimate_low="210000.00")
        assert allocate(api, first["id"], made["id"], "30000.00").status_code == 201
        assert allocate(api, second["id"], made["id"], "20000.00").status_code == 201
        over = allocate(api, second["id"], made["id"], "1.00")
        assert over.status_code == 409  # already allocated to it: change the amount instead
        allocation = api.get(f"/projects/{second['id']}").json()["allocations"][0]
        raised = api.patch(f"/projects/{second['id']}/allocations/{allocation['id']}", json={"amount": "20000.01"})
        assert raised.status_code == 409
        assert "at most £20,000.00" in raised.json()["detail"]

    def test_a_local_project_takes_only_its_authoritys_money(self, api, session) -> None:
        ensure_authority(session, "harborough", "Harborough District Council")
        office = project(api, name="Lutterworth Office", funding="local", local_authority_id="harborough")
        blaby = funded_contribution(api)
        response = allocate(api, office["id"], blaby["id"], "10.00")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "contribution_id"

    def test_a_contribution_funds_only_projects_its_purpose_fits(self, api) -> None:
        equipment = funded_contribution(api, purpose="equipment", amount="10000.00", received="10000.00")
        building = project(api)
        refused = allocate(api, building["id"], equipment["id"], "10000.00")
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "contribution_id"
        assert refused.json()["detail"] == (
            f"contribution {equipment['id']} is for equipment, which pays only for equipment, it_hardware, "
            "not land_and_buildings; repurpose it with the authority's consent first"
        )
        assert api.get(f"/projects/{building['id']}").json()["allocations"] == []
        laptops = project(api, name="Laptops", category="it_hardware", estimate_low="10000.00")
        assert allocate(api, laptops["id"], equipment["id"], "10000.00").status_code == 201

    def test_an_allocation_cannot_drop_below_what_is_requested(self, api) -> None:
        made = funded_contribution(api)
        building = project(api)
        allocate(api, building["id"], made["id"], "50000.00")
        request = drawdown(api, local_authority_id="blaby", project_id=building["id"], lines=[(made["id"], "40000.00")])
        step(api, request.json()["id"], "submit", on=date(2021, 1, 1).isoformat())
        allocation = api.get(f"/projects/{building['id']}").json()["allocations"][0]
        lower = api.patch(f"/projects/{building['id']}/allocations/{allocation['id']}", json={"amount": "39999.99"})
        assert lower.status_code == 409
        removed = api.request("DELETE", f"/projects/{building['id']}/allocations/{allocation['id']}")
        assert removed.status_code == 409
        assert api.get(f"/projects/{building['id']}").json()["totals"]["identified"] == "50000.00"

    def test_an_unused_allocation_can_be_removed(self, api) -> None:
        made = funded_contribution(api)
        building = project(api)
        allocate(api, building["id"], made["id"], "50000.00")
        allocation = api.get(f"/projects/{building['id']}").json()["allocations"][0]
        removed = api.request("DELETE", f"/projects/{building['id']}/allocations/{allocation['id']}")
        assert removed.status_code == 204
        assert api.get(f"/projects/{building['id']}").json()["totals"]["identified"] == "0.00"
