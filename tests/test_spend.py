"""Capital spend through HTTP: charges post spent movements; unfit, revenue and unallocated spend is refused."""

import pytest

from tests.builders import balances
from tests.project_builders import allocate, contribution_balances, drawdown, funded_contribution, project, spend, step
from tests.test_drawdowns import assert_all_identities


@pytest.fixture
def building(api):
    """A pooled building with £100,000 of premises money and £20,000 of any-capital money allocated."""
    made = project(api)
    premises = funded_contribution(api, reference="P/1", purpose="premises")
    general = funded_contribution(
        api, reference="G/1", purpose="policing_requirements", amount="20000.00", received="20000.00"
    )
    assert allocate(api, made["id"], premises["id"], "100000.00").status_code == 201
    assert allocate(api, made["id"], general["id"], "20000.00").status_code == 201
    return made, premises, general


class TestRecordingSpend:
    """Spend posts exactly its charges as spent movements."""

    def test_charges_post_spent_movements(self, api, building) -> None:
        made, premises, _ = building
        response = spend(api, project_id=made["id"], amount="150000.00", charges=[(premises["id"], "60000.00")])
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["category"] == "land_and_buildings"
        assert body["amount"] == "150000.00" and body["charged"] == "60000.00"
        assert body["charges"][0]["local_authority_id"] == "blaby"
        figures = contribution_balances(api, premises["id"])
        assert figures["spent"] == "60000.00" and figures["remaining"] == "40000.00"
        assert figures["unspent_drawn"] == "-60000.00"
        movement = api.get(f"/movements/{body['charges'][0]['movement_id']}").json()
        assert (movement["kind"], movement["amount"], movement["reference"]) == ("spent", "60000.00", "INV-001")
        assert api.get(f"/projects/{made['id']}").json()["totals"]["spent"] == "60000.00"
        assert_all_identities(api)

    def test_spend_without_charges_is_kept_as_an_invoice(self, api, building) -> None:
        made, premises, _ = building
        response = spend(api, project_id=made["id"], amount="500.00", charges=[])
        assert response.status_code == 201
        assert response.json()["charged"] == "0.00"
        assert contribution_balances(api, premises["id"])["spent"] == "0.00"

    def test_cancelling_reverses_the_spent_movements(self, api, building) -> None:
        made, premises, _ = building
        before = balances(api, group_by="contribution")
        recorded = spend(api, project_id=made["id"], amount="1000.00", charges=[(premises["id"], "1000.00")]).json()
        cancelled = api.post(f"/spend/{recorded['id']}/cancel", json={"reason": "keyed twice", "on": "2021-01-16"})
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["cancelled_on"] == "2021-01-16" and cancelled.json()["charged"] == "0.00"
        assert balances(api, group_by="contribution") == before
        assert api.post(f"/spend/{recorded['id']}/cancel", json={"reason": "again"}).status_code == 409
        assert api.get(f"/projects/{made['id']}").json()["totals"]["spent"] == "0.00"

    def test_a_charges_movement_is_reversed_only_by_cancelling(self, api, building) -> None:
        made, premises, _ = building
        recorded = spend(api, project_id=made["id"], amount="1000.00", charges=[(premises["id"], "1000.00")]).json()
        direct = api.post(f"/movements/{recorded['charges'][0]['movement_id']}/reverse", json={})
        assert direct.status_code == 409
        assert f"/spend/{recorded['id']}/cancel" in direct.json()["detail"]
        assert contribution_balances(api, premises["id"])["spent"] == "1000.00"

    def test_spend_cited_by_a_live_request_cannot_be_cancelled(self, api, building) -> None:
        made, premises, _ = building
        recorded = spend(api, project_id=made["id"], amount="1000.00", charges=[(premises["id"], "1000.00")]).json()
        request = drawdown(
            api,
            local_authority_id="blaby",
            project_id=made["id"],
            lines=[(premises["id"], "1000.00")],
            invoice_spend_ids=[recorded["id"]],
        ).json()
        assert step(api, request["id"], "submit", on="2021-02-01").status_code == 200
        refused = api.post(f"/spend/{recorded['id']}/cancel", json={"reason": "x"})
        assert refused.status_code == 409
        assert contribution_balances(api, premises["id"])["spent"] == "1000.00"


class TestRefusals:
    """Each refusal names its field and posts nothing."""

    def _refused(self, api, response, status: int, field: str) -> None:
        assert response.status_code == status, response.text
        assert response.json()["errors"][0]["field"] == field
        assert balances(api, group_by="contribution")["totals"]["spent"] == "0.00"
        assert api.get("/spend").json()["total"] == 0

    def test_revenue_is_refused(self, api, building) -> None:
        made, premises, _ = building
        response = spend(
            api, project_id=made["id"], amount="100.00", charges=[(premises["id"], "100.00")], category="revenue"
        )
        self._refused(api, response, 422, "category")
        assert "officer pay" in response.json()["detail"]

    def test_purpose_must_fit_the_category(self, api, building) -> None:
        made, premises, _ = building
        response = spend(
            api, project_id=made["id"], amount="100.00", charges=[(premises["id"], "100.00")], category="vehicles"
        )
        self._refused(api, response, 422, "charges.0.contribution_id")
        assert response.json()["detail"] == (
            f"contribution {premises['id']} is for premises, which pays only for land_and_buildings, not vehicles; "
            "repurpose it with the authority's consent first"
        )

    def test_fitting_category_is_accepted(self, api, building) -> None:
        made, _, general = building
        response = spend(
            api, project_id=made["id"], amount="100.00", charges=[(general["id"], "100.00")], category="vehicles"
        )
        assert response.status_code == 201, response.text
        assert contribution_balances(api, general["id"])["spent"] == "100.00"

    def test_unallocated_contribution_is_refused(self, api, building) -> None:
        made, _, _ = building
        other = funded_contribution(api, reference="O/1")
        response = spend(api, project_id=made["id"], amount="100.00", charges=[(other["id"], "100.00")])
        self._refused(api, response, 422, "charges.0.contribution_id")

    def test_charges_cannot_exceed_the_invoice(self, api, building) -> None:
        made, premises, _ = building
        response = spend(api, project_id=made["id"], amount="100.00", charges=[(premises["id"], "100.01")])
        self._refused(api, response, 422, "charges")

    def test_more_than_the_contribution_is_worth_is_refused(self, api, building) -> None:
        made, premises, _ = building
        response = spend(api, project_id=made["id"], amount="200000.00", charges=[(premises["id"], "100000.01")])
        self._refused(api, response, 409, "amount")

    def test_future_spend_is_refused(self, api, building) -> None:
        made, premises, _ = building
        response = spend(api, project_id=made["id"], amount="1.00", charges=[(premises["id"], "1.00")], on="2999-01-01")
        self._refused(api, response, 422, "on")

    def test_only_the_officer_records(self, api, building) -> None:
        made, premises, _ = building
        for role in ("planning", "finance"):
            response = api.post(
                "/spend",
                role=role,
                json={
                    "project_id": made["id"],
                    "on": "2021-01-01",
                    "supplier": "S",
                    "invoice_reference": "I",
                    "amount": "1.00",
                },
            )
            assert response.status_code == 403


class TestScoping:
    """A planning officer sees spend charged to their authority, and only those charges."""

    def test_planning_sees_only_their_charges(self, api, building) -> None:
        made, premises, _ = building
        theirs = funded_contribution(api, local_authority_id="charnwood", reference="C/1")
        allocate(api, made["id"], theirs["id"], "50000.00")
        shared = spend(
            api,
            project_id=made["id"],
            amount="2000.00",
            charges=[(premises["id"], "1000.00"), (theirs["id"], "1000.00")],
        ).json()
        only_theirs = spend(
            api, project_id=made["id"], amount="500.00", charges=[(theirs["id"], "500.00")], invoice_reference="I-2"
        ).json()
        listed = api.get("/spend", role="planning").json()
        assert [item["id"] for item in listed["items"]] == [shared["id"]]
        assert [charge["local_authority_id"] for charge in listed["items"][0]["charges"]] == ["blaby"]
        assert api.get(f"/spend/{only_theirs['id']}", role="planning").status_code == 404
        assert api.get("/spend", role="finance").json()["total"] == 2

    def test_planning_cannot_learn_which_spend_another_authority_funds(self, api, building) -> None:
        made, premises, _ = building
        theirs = funded_contribution(api, local_authority_id="charnwood", reference="C/1")
        allocate(api, made["id"], theirs["id"], "50000.00")
        spend(
            api,
            project_id=made["id"],
            amount="2000.00",
            charges=[(premises["id"], "1000.00"), (theirs["id"], "1000.00")],
        )
        spend(
            api, project_id=made["id"], amount="800.00", charges=[(premises["id"], "800.00")], invoice_reference="I-3"
        )
        asked = {"contribution_id": theirs["id"]}
        assert api.get("/spend", role="planning", params=asked).json()["total"] == 0
        assert api.get("/spend", role="finance", params=asked).json()["total"] == 1
        assert api.get("/spend", role="planning", params={"contribution_id": premises["id"]}).json()["total"] == 2
