"""Bids through HTTP: the formula and its versions, roles and scoping, conversion to an agreement, the summary."""

from datetime import date
from typing import Any

import pytest

from tests.builders import event, movement
from tests.forms import created_id, fill, sign_in
from tests.pages import figures

FORMULA = {
    "name": "LLR per-dwelling formula",
    "base_date": "2024-04-01",
    "items": [
        {"item": "officers_and_staff", "cost_per_dwelling": "120.50", "assumption": "1 officer per 500 households"},
        {"item": "premises", "cost_per_dwelling": "80.00", "assumption": "0.5 sq m per household"},
        {"item": "vehicles", "cost_per_dwelling": "25.25", "assumption": "one vehicle per 8 officers"},
    ],
}


def formula(api: Any, **changes: Any) -> dict[str, Any]:
    """Add a formula version through the API and return its JSON."""
    response = api.post("/bid-formulas", json={**FORMULA, **changes})
    assert response.status_code == 201, response.text
    return dict(response.json())


def bid_body(**changes: Any) -> dict[str, Any]:
    """A valid bid request at blaby, with the given changes."""
    return {
        "local_authority_id": "blaby",
        "application_reference": "24/0100/OUT",
        "site": "Land south of Hospital Lane",
        "dwellings": 200,
        "consulted_on": "2024-03-01",
        "respond_by": "2024-03-22",
        **changes,
    }


def bid(api: Any, **changes: Any) -> dict[str, Any]:
    """Record a bid through the API and return its JSON."""
    response = api.post("/bids", json=bid_body(**changes))
    assert response.status_code == 201, response.text
    return dict(response.json())


def secure(api: Any, bid_id: int, *amounts: str, signed_on: str = "2024-09-01") -> Any:
    """Turn a bid into an agreement with a contribution of each amount; returns the response."""
    return api.post(
        f"/bids/{bid_id}/agreement",
        json={
            "signed_on": signed_on,
            "developer": "Example Homes Ltd",
            "contributions": [
                {"purpose": "premises", "amount": amount, "trigger": {"type": "on_commencement"}} for amount in amounts
            ],
        },
    )


class TestFormula:
    """A formula is versioned data: each bid keeps the version it used."""

    def test_amount_and_workings_come_from_the_formula(self, api) -> None:
        made = formula(api)
        assert made["version"] == 1 and made["per_dwelling"] == "225.75"
        shown = bid(api, formula_id=made["id"])
        assert shown["amount_bid"] == "45150.00"
        workings = shown["workings"]
        assert [line["amount"] for line in workings["lines"]] == ["24100.00", "16000.00", "5050.00"]
        assert workings["total"] == "45150.00"
        assert "£120.50 per dwelling x 200 = £24,100.00 (1 officer per 500 households)" in workings["text"]
        assert "Total: £45,150.00" in workings["text"]

    def test_a_new_version_leaves_old_bids_unchanged(self, api) -> None:
        first = formula(api)
        old = bid(api, formula_id=first["id"])
        second = formula(
            api, items=[{"item": "it", "cost_per_dwelling": "300.00", "assumption": "new radios for the area"}]
        )
        assert second["version"] == 2 and second["name"] == first["name"]
        assert api.get(f"/bids/{old['id']}").json()["workings"] == old["workings"]
        assert api.get(f"/bid-formulas/{first['id']}").json()["per_dwelling"] == "225.75"
        new = bid(api, application_reference="24/0200/OUT", formula_id=second["id"])
        assert new["amount_bid"] == "60000.00" and new["workings"]["formula_version"] == 2

    def test_the_calculator_gives_the_bid_for_any_dwellings(self, api) -> None:
        made = formula(api)
        response = api.get(f"/bid-formulas/{made['id']}/workings", role="planning", params={"dwellings": 10})
        assert response.status_code == 200, response.text
        assert response.json()["total"] == "2257.50"

    def test_an_item_twice_is_refused_naming_items(self, api) -> None:
        line = FORMULA["items"][0]
        response = api.post("/bid-formulas", json={**FORMULA, "items": [line, line]})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "items"


class TestRolesAndScoping:
    """The officer writes, finance reads, a planning officer sees only their own authority's bids."""

    def test_finance_and_planning_may_not_write(self, api) -> None:
        for role in ("finance", "planning"):
            assert api.post("/bids", role=role, json=bid_body()).status_code == 403
            assert api.post("/bid-formulas", role=role, json=FORMULA).status_code == 403

    def test_planning_officer_sees_only_their_authority(self, api) -> None:
        own = bid(api)
        other = bid(api, local_authority_id="charnwood", application_reference="P/24/0001/2")
        listed = api.get("/bids", role="planning").json()
        assert [row["id"] for row in listed["items"]] == [own["id"]] and listed["total"] == 1
        assert api.get(f"/bids/{other['id']}", role="planning").status_code == 404
        assert api.get(f"/bids/{own['id']}", role="planning").status_code == 200
        finance = api.get("/bids", role="finance").json()
        assert {row["id"] for row in finance["items"]} == {own["id"], other["id"]}
        summary = api.get("/bid-summary", role="planning").json()
        assert [row["local_authority_id"] for row in summary["rows"]] == ["blaby"]


class TestConversion:
    """A secured bid becomes an agreement with its contributions in one step, keeping the link."""

    def test_secured_bid_makes_its_agreement_and_contributions(self, api) -> None:
        made = bid(api, amount_bid="40000.00", heads_of_terms="£40,000 towards Blaby beat office")
        response = secure(api, made["id"], "30000.00", "5000.00")
        assert response.status_code == 201, response.text
        shown = response.json()
        assert shown["outcome"] == "secured" and shown["outcome_on"] == "2024-09-01"
        assert shown["secured"] == "35000.00" and shown["received"] == "0.00"
        agreement = api.get(f"/agreements/{shown['agreement_id']}").json()
        assert agreement["reference"] == "24/0100/OUT" and agreement["dwellings"] == 200
        contributions = api.get(f"/agreements/{shown['agreement_id']}/contributions").json()
        assert sorted(row["amount"] for row in contributions["items"]) == ["30000.00", "5000.00"]
        audit = api.get("/audit", params={"resource": "bids"}).json()
        assert any(shown["agreement_id"] in entry["resource_ids"] for entry in audit["items"])

    def test_a_bid_is_secured_once(self, api) -> None:
        made = bid(api)
        assert secure(api, made["id"], "1000.00").status_code == 201
        again = secure(api, made["id"], "1000.00")
        assert again.status_code == 409 and again.json()["errors"][0]["field"] == "bid_id"
        assert api.patch(f"/bids/{made['id']}", json={"notes": "late"}).status_code == 409

    def test_the_agreement_reference_must_be_free(self, api) -> None:
        first = bid(api)
        assert secure(api, first["id"], "1000.00").status_code == 201
        second = bid(api, application_reference="24/0100/OUT/A")
        clash = api.post(
            f"/bids/{second['id']}/agreement",
            json={
                "reference": "24/0100/OUT",
                "signed_on": "2024-09-01",
                "contributions": [{"purpose": "premises", "amount": "10.00", "trigger": {"type": "on_signing"}}],
            },
        )
        assert clash.status_code == 409 and clash.json()["errors"][0]["field"] == "reference"
        assert api.get(f"/bids/{second['id']}").json()["outcome"] is None

    def test_retried_conversion_with_the_same_key_makes_one_agreement(self, api) -> None:
        made = bid(api)
        body = {
            "signed_on": "2024-09-01",
            "contributions": [{"purpose": "premises", "amount": "10.00", "trigger": {"type": "on_signing"}}],
        }
        headers = {"Idempotency-Key": "secure-24-0100"}
        first = api.post(f"/bids/{made['id']}/agreement", json=body, headers=headers)
        second = api.post(f"/bids/{made['id']}/agreement", json=body, headers=headers)
        assert first.status_code == second.status_code == 201
        assert second.json()["agreement_id"] == first.json()["agreement_id"]
        assert second.headers.get("Idempotent-Replayed") == "true"

    def test_other_outcomes_end_the_bid(self, api) -> None:
        made = bid(api)
        secured = api.post(f"/bids/{made['id']}/outcome", json={"outcome": "secured", "on": "2024-06-01"})
        assert secured.status_code == 422 and secured.json()["errors"][0]["field"] == "outcome"
        refused = api.post(f"/bids/{made['id']}/outcome", json={"outcome": "lost_at_appeal", "on": "2024-06-01"})
        assert refused.status_code == 200 and refused.json()["outcome"] == "lost_at_appeal"
        assert secure(api, made["id"], "10.00").status_code == 409


class TestSummary:
    """Per authority and year: how much was bid, secured and received, at each stage."""

    def test_figures_follow_the_bid_through_to_receipt(self, api) -> None:
        made = bid(api, amount_bid="40000.00")
        bid(api, application_reference="24/0300/FUL", amount_bid="2500.00", consulted_on="2023-11-01")

        def row(year: int) -> dict[str, Any]:
            rows = api.get("/bid-summary", role="finance").json()["rows"]
            return next(item for item in rows if item["local_authority_id"] == "blaby" and item["year"] == year)

        assert row(2024) | {"amount_bid": "40000.00", "secured": "0.00"} == row(2024)
        assert (row(2024)["bids"], row(2024)["secured_bids"]) == (1, 0)
        shown = secure(api, made["id"], "35000.00").json()
        assert (row(2024)["secured"], row(2024)["received"], row(2024)["secured_bids"]) == ("35000.00", "0.00", 1)
        contribution_id = api.get(f"/agreements/{shown['agreement_id']}/contributions").json()["items"][0]["id"]
        assert event(api, contribution_id, "development_started", date(2024, 10, 1)).status_code == 201
        assert movement(api, contribution_id, "received", "20000.00", date(2024, 11, 1)).status_code == 201
        assert row(2024)["received"] == "20000.00"
        assert row(2023) == {
            "local_authority_id": "blaby",
            "year": 2023,
            "bids": 1,
            "secured_bids": 0,
            "amount_bid": "2500.00",
            "secured": "0.00",
            "received": "0.00",
            "drawn": "0.00",
        }
        totals = api.get("/bid-summary").json()["totals"]
        assert totals["amount_bid"] == "42500.00" and totals["received"] == "20000.00"
        only_2023 = api.get("/bid-summary", params={"year": 2023}).json()
        assert [item["year"] for item in only_2023["rows"]] == [2023]


class TestBadInput:
    """Strict input: each refusal names the field to correct."""

    @pytest.mark.parametrize(
        ("changes", "status", "field"),
        [
            ({"amount_bid": "10.505"}, 422, "amount_bid"),
            ({"amount_bid": 100}, 422, "amount_bid"),
            ({"dwellings": 0}, 422, "dwellings"),
            ({"consulted_on": "01/03/2024"}, 422, "consulted_on"),
            ({"respond_by": "2024-02-01"}, 422, "respond_by"),
            ({"consulted_on": "2999-01-01"}, 422, "consulted_on"),
            ({"local_authority_id": "nowhere"}, 404, "local_authority_id"),
            ({"formula_id": 987654}, 404, "formula_id"),
            ({"developer": "Example Homes"}, 422, "developer"),
        ],
    )
    def test_refused(self, api, changes: dict[str, Any], status: int, field: str) -> None:
        response = api.post("/bids", json=bid_body(**changes))
        assert response.status_code == status, response.text
        assert field in [error["field"] for error in response.json()["errors"]]

    def test_formula_and_amount_together_is_refused(self, api) -> None:
        made = formula(api)
        response = api.post("/bids", json=bid_body(formula_id=made["id"], amount_bid="100.00"))
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "amount_bid"

    def test_the_same_application_twice_is_a_conflict(self, api) -> None:
        bid(api)
        response = api.post("/bids", json=bid_body())
        assert response.status_code == 409 and response.json()["errors"][0]["field"] == "application_reference"

    def test_conversion_needs_a_contribution(self, api) -> None:
        made = bid(api)
        response = api.post(f"/bids/{made['id']}/agreement", json={"signed_on": "2024-09-01", "contributions": []})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "contributions"


class TestPages:
    """The bids list and a bid's page, and the forms that record, secure and end a bid."""

    def test_officer_records_and_secures_a_bid_through_the_forms(self, api) -> None:
        made = formula(api)
        sign_in(api, "officer")
        response = fill(
            api,
            "/web/bids/new",
            {
                "local_authority_id": "blaby",
                "application_reference": "24/0100/OUT",
                "site": "Land south of Hospital Lane",
                "dwellings": "200",
                "consulted_on": "01/03/2024",
                "formula_id": str(made["id"]),
                "necessary": "Policing the new households needs a beat office",
            },
        )
        bid_id = created_id(response, "/web/bids/")
        page = api.get(f"/web/bids/{bid_id}", role=None)
        assert page.status_code == 200
        assert figures(page.text, "workings")["key:total"]["amount"] == "£45,150.00"
        assert "Policing the new households needs a beat office" in page.text
        secured = fill(
            api,
            f"/web/bids/{bid_id}/agreement",
            {
                "signed_on": "01/09/2024",
                "contributions.0.purpose": "premises",
                "contributions.0.amount": "£40,000",
                "contributions.0.trigger.type": "on_commencement",
            },
        )
        assert created_id(secured, "/web/bids/") == bid_id
        listing = api.get("/web/bids", role=None)
        row = figures(listing.text, "bid-summary")["key:blaby-2024"]
        assert (row["amount_bid"], row["secured"], row["secured_bids"]) == ("£45,150.00", "£40,000.00", "1")

    def test_a_services_refusal_is_worded_for_the_page(self, api) -> None:
        made = formula(api)
        sign_in(api, "officer")
        fields = {
            "local_authority_id": "blaby",
            "application_reference": "24/0100/OUT",
            "site": "Land south of Hospital Lane",
            "dwellings": "200",
            "consulted_on": "01/03/2024",
            "respond_by": "01/02/2024",
            "formula_id": str(made["id"]),
        }
        refused = fill(api, "/web/bids/new", fields)
        assert refused.status_code == 422, refused.text
        # The API says "respond_by 2024-02-01 is before the consultation on 2024-03-01"; the page, in its own words.
        assert "Response due by: 1 Feb 2024 is before the consultation on 1 Mar 2024" in refused.text
        assert "respond_by 2024" not in refused.text

    def test_a_refused_form_names_the_field(self, api) -> None:
        sign_in(api, "officer")
        response = fill(
            api,
            "/web/bids/new",
            {
                "local_authority_id": "blaby",
                "application_reference": "24/0100/OUT",
                "site": "Land south of Hospital Lane",
                "dwellings": "0",
                "consulted_on": "01/03/2024",
            },
        )
        assert response.status_code == 422
        assert 'href="#dwellings"' in response.text

    def test_planning_officer_sees_only_their_authority_on_the_list(self, api) -> None:
        bid(api)
        bid(api, local_authority_id="charnwood", application_reference="P/24/0001/2")
        sign_in(api, "planning")
        listing = api.get("/web/bids", role=None)
        assert listing.status_code == 200
        assert "24/0100/OUT" in listing.text and "P/24/0001/2" not in listing.text
        assert "Charnwood" not in listing.text
