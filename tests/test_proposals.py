"""Repurposing proposals through HTTP: dated steps to the authority's consent, which records the repurposing."""

from typing import Any

import pytest

from tests.forms import created_id, fill, sign_in
from tests.pages import figures
from tests.project_builders import allocate, funded_contribution, project, spend


def propose(api: Any, contribution_id: int, **changes: Any) -> dict[str, Any]:
    """Record a proposal through the API and return its JSON."""
    body = {
        "contribution_id": contribution_id,
        "proposed_purpose": "premises",
        "reason": "the vehicles it was for were bought from revenue",
        "identified_on": "2023-10-02",
        **changes,
    }
    response = api.post("/repurposing-proposals", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def vehicles(api: Any, **changes: Any) -> dict[str, Any]:
    """A received contribution for vehicles, the kind the force now means to repurpose."""
    return funded_contribution(api, **{"purpose": "vehicles", "amount": "20000.00", "received": "20000.00", **changes})


def step(api: Any, proposal_id: int, name: str, on: str) -> Any:
    """Record a step and return the response."""
    return api.post(f"/repurposing-proposals/{proposal_id}/steps", json={"step": name, "on": on})


def investment_item(api: Any) -> dict[str, Any]:
    response = api.post(
        "/investment-items",
        json={
            "name": "Occupational Health Refurbishment",
            "category": "land_and_buildings",
            "estimate": "175000.00",
            "strategy_reference": "Estates strategy E7",
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestSteps:
    """Identified, discussed, agreed: each dated, only forward; a refusal ends it."""

    def test_steps_are_dated_in_order(self, api) -> None:
        money = vehicles(api)
        made = propose(api, money["id"], costs="750.00")
        assert (made["status"], made["local_authority_id"], made["costs"]) == ("identified", "blaby", "750.00")
        assert step(api, made["id"], "discussed", "2023-11-01").status_code == 200
        agreed = step(api, made["id"], "agreed", "2024-01-15")
        assert agreed.status_code == 200
        shown = agreed.json()
        assert (shown["status"], shown["discussed_on"], shown["agreed_on"]) == ("agreed", "2023-11-01", "2024-01-15")
        back = step(api, made["id"], "discussed", "2024-02-01")
        assert back.status_code == 409 and back.json()["errors"][0]["field"] == "step"

    def test_a_step_before_the_last_is_refused(self, api) -> None:
        money = vehicles(api)
        made = propose(api, money["id"])
        early = step(api, made["id"], "discussed", "2023-09-01")
        assert early.status_code == 422 and early.json()["errors"][0]["field"] == "on"

    def test_refusal_ends_the_proposal(self, api) -> None:
        money = vehicles(api)
        made = propose(api, money["id"])
        refused = step(api, made["id"], "refused", "2023-12-01")
        assert refused.status_code == 200 and refused.json()["refused_on"] == "2023-12-01"
        assert step(api, made["id"], "agreed", "2023-12-02").status_code == 409
        consent = api.post(
            f"/repurposing-proposals/{made['id']}/consent", json={"on": "2023-12-05", "reference": "letter"}
        )
        assert consent.status_code == 409
        assert api.patch(f"/repurposing-proposals/{made['id']}", json={"costs": "10.00"}).status_code == 409

    @pytest.mark.parametrize(
        ("changes", "status", "field"),
        [
            ({"proposed_purpose": None}, 422, "proposed_purpose"),
            ({"proposed_purpose": "vehicles"}, 422, "proposed_purpose"),
            ({"costs": "-1.00"}, 422, "costs"),
            ({"costs": "\u0661\u0662\u0663"}, 422, "costs"),
            ({"costs": "1e3"}, 422, "costs"),
            ({"costs": 12}, 422, "costs"),
            ({"identified_on": "2999-01-01"}, 422, "identified_on"),
            ({"investment_item_id": 987654}, 404, "investment_item_id"),
            ({"to_project_id": 987654}, 422, "to_project_id"),
            ({"contribution_id": 987654}, 404, "contribution_id"),
        ],
    )
    def test_bad_input_names_the_field(self, api, changes: dict[str, Any], status: int, field: str) -> None:
        money = vehicles(api)
        body = {"contribution_id": money["id"], "proposed_purpose": "premises", "identified_on": "2023-10-02"}
        response = api.post("/repurposing-proposals", json={**body, **changes})
        assert response.status_code == status, response.text
        assert field in [error["field"] for error in response.json()["errors"]]


class TestConsent:
    """Consent records the repurposing as POST /contributions/{id}/repurposings does, and keeps the link."""

    def test_consent_posts_the_same_history_as_a_repurposing(self, api) -> None:
        building = project(api)
        fleet = project(api, name="Response Cars", category="vehicles", estimate_low="60000.00")
        direct = vehicles(api)
        proposed = vehicles(api, reference="19/0002/OUT")
        for money in (direct, proposed):
            assert allocate(api, fleet["id"], money["id"], "20000.00").status_code == 201
        move = {"from_project_id": fleet["id"], "to_project_id": building["id"]}
        recorded = api.post(
            f"/contributions/{direct['id']}/repurposings",
            json={"purpose": "premises", **move, "consented_on": "2024-02-01", "consent_reference": "BDC 2024/3"},
        )
        assert recorded.status_code == 201, recorded.text
        made = propose(api, proposed["id"], **move)
        assert step(api, made["id"], "agreed", "2024-01-10").status_code == 200
        consent = api.post(
            f"/repurposing-proposals/{made['id']}/consent",
            json={"on": "2024-02-01", "reference": "BDC 2024/3", "note": "deed of variation not needed"},
        )
        assert consent.status_code == 201, consent.text
        shown = consent.json()
        assert (shown["status"], shown["consented_on"]) == ("consented", "2024-02-01")
        history = api.get(f"/contributions/{proposed['id']}/repurposings").json()
        assert [row["id"] for row in history] == [shown["repurposing_id"]]
        ignored = {"id", "contribution_id", "recorded_at", "note"}
        direct_history = api.get(f"/contributions/{direct['id']}/repurposings").json()
        assert {key: value for key, value in history[0].items() if key not in ignored} == {
            key: value for key, value in direct_history[0].items() if key not in ignored
        }
        assert history[0]["moved_amount"] == "20000.00"
        assert api.get(f"/contributions/{proposed['id']}").json()["purpose"] == "premises"
        accepted = spend(api, project_id=building["id"], amount="500.00", charges=[(proposed["id"], "500.00")])
        assert accepted.status_code == 201, accepted.text
        audit = api.get("/audit", params={"resource": "repurposing_proposals"}).json()
        assert any(shown["repurposing_id"] in entry["resource_ids"] for entry in audit["items"])

    def test_consent_follows_the_repurposing_rules(self, api) -> None:
        money = vehicles(api)
        item = investment_item(api)
        made = propose(api, money["id"], proposed_purpose=None, investment_item_id=item["id"])
        assert api.get(f"/investment-items/{item['id']}").json()["open_proposals"] == 1
        missing = api.post(f"/repurposing-proposals/{made['id']}/consent", json={"on": "2024-02-01", "reference": "x"})
        assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "purpose"
        consented = api.post(
            f"/repurposing-proposals/{made['id']}/consent",
            json={"on": "2023-10-02", "reference": "x", "purpose": "premises"},
        )
        assert consented.status_code == 201, consented.text
        change = api.get(f"/contributions/{money['id']}/repurposings").json()[0]
        assert (change["to_purpose"], change["investment_item_id"]) == ("premises", item["id"])
        assert api.get(f"/investment-items/{item['id']}").json()["open_proposals"] == 0

    def test_an_item_withdrawn_from_the_strategy_is_not_offered_nor_taken(self, api) -> None:
        money = vehicles(api)
        item = investment_item(api)
        kept = propose(api, money["id"], proposed_purpose=None, investment_item_id=item["id"])
        assert api.patch(f"/investment-items/{item['id']}", json={"status": "withdrawn"}).status_code == 200
        refused = api.post(
            "/repurposing-proposals",
            json={
                "contribution_id": money["id"],
                "investment_item_id": item["id"],
                "reason": "r",
                "identified_on": "2023-10-02",
            },
        )
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "investment_item_id"
        assert "withdrawn" in refused.text
        # A proposal made before the item was withdrawn can still have its reason changed.
        changed = api.patch(f"/repurposing-proposals/{kept['id']}", json={"reason": "the item was withdrawn"})
        assert changed.status_code == 200, changed.text
        other = {"name": "Custody suite", "category": "land_and_buildings", "estimate": "1000.00"}
        assert api.post("/investment-items", json={**other, "strategy_reference": "E8"}).status_code == 201
        sign_in(api, "officer")
        form = api.get("/web/repurposing-proposals/new", role=None, params={"contribution_id": money["id"]})
        assert form.status_code == 200 and "Custody suite (proposed)" in form.text
        assert "Occupational Health Refurbishment" not in form.text

    def test_retried_consent_with_the_same_key_records_one_repurposing(self, api) -> None:
        money = vehicles(api)
        made = propose(api, money["id"])
        headers = {"Idempotency-Key": "consent-1"}
        body = {"on": "2024-02-01", "reference": "BDC 2024/3"}
        first = api.post(f"/repurposing-proposals/{made['id']}/consent", json=body, headers=headers)
        second = api.post(f"/repurposing-proposals/{made['id']}/consent", json=body, headers=headers)
        assert first.status_code == second.status_code == 201
        assert len(api.get(f"/contributions/{money['id']}/repurposings").json()) == 1


class TestRolesAndSummary:
    """The officer records; a planning officer reads their own authority's; the summary counts by status."""

    def test_planning_sees_only_their_authority(self, api) -> None:
        own = propose(api, vehicles(api)["id"])
        other_money = vehicles(api, local_authority_id="charnwood", reference="P/19/0001/2")
        other = propose(api, other_money["id"])
        assert step(api, other["id"], "discussed", "2023-11-01").status_code == 200
        listed = api.get("/repurposing-proposals", role="planning").json()
        assert [row["id"] for row in listed["items"]] == [own["id"]]
        assert api.get(f"/repurposing-proposals/{other['id']}", role="planning").status_code == 404
        assert api.post("/repurposing-proposals", role="finance", json={}).status_code == 403
        summary = api.get("/repurposing-proposal-summary", role="finance").json()
        assert summary["rows"] == [
            {"local_authority_id": "blaby", "status": "identified", "proposals": 1},
            {"local_authority_id": "charnwood", "status": "discussed", "proposals": 1},
        ]
        assert summary["totals"]["identified"] == 1 and summary["totals"]["consented"] == 0
        mine = api.get("/repurposing-proposal-summary", role="planning").json()
        assert [row["local_authority_id"] for row in mine["rows"]] == ["blaby"]


class TestPages:
    """The list with its summary, a proposal's page, and the forms that record it, its steps and its consent."""

    def test_officer_takes_a_proposal_to_consent_through_the_forms(self, api) -> None:
        money = vehicles(api)
        sign_in(api, "officer")
        response = fill(
            api,
            "/web/repurposing-proposals/new",
            {
                "contribution_id": str(money["id"]),
                "proposed_purpose": "premises",
                "costs": "£750",
                "identified_on": "02/10/2023",
            },
            contribution_id=money["id"],
        )
        proposal_id = created_id(response, "/web/repurposing-proposals/")
        stepped = fill(api, f"/web/repurposing-proposals/{proposal_id}/step", {"step": "discussed", "on": "01/11/2023"})
        assert created_id(stepped, "/web/repurposing-proposals/") == proposal_id
        listing = api.get("/web/repurposing-proposals", role=None)
        assert figures(listing.text, "proposal-summary")["key:blaby-discussed"]["proposals"] == "1"
        consented = fill(
            api, f"/web/repurposing-proposals/{proposal_id}/consent", {"on": "01/02/2024", "reference": "BDC 2024/3"}
        )
        assert created_id(consented, "/web/repurposing-proposals/") == proposal_id
        page = api.get(f"/web/repurposing-proposals/{proposal_id}", role=None)
        assert page.status_code == 200 and "Record the consent" not in page.text
        history = api.get(f"/contributions/{money['id']}/repurposings").json()
        assert [(row["to_purpose"], row["consent_reference"]) for row in history] == [("premises", "BDC 2024/3")]

    def test_a_refused_consent_names_the_field(self, api) -> None:
        money = vehicles(api)
        made = propose(api, money["id"])
        sign_in(api, "officer")
        response = fill(
            api, f"/web/repurposing-proposals/{made['id']}/consent", {"on": "01/09/2023", "reference": "BDC"}
        )
        assert response.status_code == 422 and 'href="#on"' in response.text
        assert api.get(f"/contributions/{money['id']}/repurposings").json() == []

    def test_planning_officer_sees_only_their_authority(self, api) -> None:
        propose(api, vehicles(api)["id"])
        other = propose(api, vehicles(api, local_authority_id="charnwood", reference="P/19/0001/2")["id"])
        sign_in(api, "planning")
        listing = api.get("/web/repurposing-proposals", role=None)
        assert listing.status_code == 200 and "Charnwood" not in listing.text
        assert api.get(f"/web/repurposing-proposals/{other['id']}", role=None).status_code == 404
