"""The issue's check, end to end through HTTP: a consultation becomes a bid, is secured, becomes an agreement, its
money is received by the authority and drawn down by the force, and the bids summary counts it at each stage."""

from datetime import date
from typing import Any

from tests.builders import event, movement
from tests.project_builders import drawdown, pay, project, step
from tests.test_bid_formula import load_index, typed_formula


def summary_row(api: Any) -> dict[str, Any]:
    """Blaby's 2024 row of the bids summary, as the Panel reads it."""
    response = api.get("/bid-summary", role="panel")
    assert response.status_code == 200, response.text
    rows = [row for row in response.json()["rows"] if (row["local_authority_id"], row["year"]) == ("blaby", 2024)]
    assert len(rows) == 1
    return {key: rows[0][key] for key in ("bids", "secured_bids", "amount_bid", "secured", "received", "drawn")}


def test_consultation_to_drawdown_counted_at_each_stage(api) -> None:
    load_index(api)
    formula = typed_formula(api)
    consulted = api.post(
        "/bids",
        json={
            "local_authority_id": "blaby",
            "application_reference": "24/0100/OUT",
            "site": "Land south of Hospital Lane",
            "dwellings": 100,
            "consulted_on": "2024-03-01",
            "respond_by": "2024-03-22",
        },
    )
    assert consulted.status_code == 201, consulted.text
    bid_id = consulted.json()["id"]
    nothing = {"secured": "0.00", "received": "0.00", "drawn": "0.00"}
    assert summary_row(api) == {"bids": 1, "secured_bids": 0, "amount_bid": "0.00", **nothing}

    priced = api.patch(
        f"/bids/{bid_id}",
        json={"formula_id": formula["id"], "houses": 60, "calculated_on": "2024-11-15", "responded_on": "2024-03-20"},
    )
    assert priced.status_code == 200, priced.text
    assert priced.json()["amount_bid"] == "17430.00"
    assert summary_row(api) == {"bids": 1, "secured_bids": 0, "amount_bid": "17430.00", **nothing}

    secured = api.post(
        f"/bids/{bid_id}/agreement",
        json={
            "signed_on": "2024-12-01",
            "developer": "Example Homes Ltd",
            "contributions": [
                {"purpose": "premises", "amount": "12000.00", "trigger": {"type": "on_commencement"}},
                {"purpose": "vehicles", "amount": "5430.00", "trigger": {"type": "on_commencement"}},
            ],
        },
    )
    assert secured.status_code == 201, secured.text
    agreement_id = secured.json()["agreement_id"]
    assert api.get(f"/agreements/{agreement_id}").json()["reference"] == "24/0100/OUT"
    assert summary_row(api) == {
        "bids": 1,
        "secured_bids": 1,
        "amount_bid": "17430.00",
        "secured": "17430.00",
        "received": "0.00",
        "drawn": "0.00",
    }

    premises, vehicles = api.get(f"/agreements/{agreement_id}/contributions").json()["items"]
    for made in (premises, vehicles):
        assert event(api, made["id"], "development_started", date(2025, 1, 6)).status_code == 201
    assert movement(api, premises["id"], "received", "12000.00", date(2025, 2, 3)).status_code == 201
    assert summary_row(api)["received"] == "12000.00" and summary_row(api)["drawn"] == "0.00"

    building = project(api, name="Blaby station extension", funding="local", local_authority_id="blaby")
    assert (
        api.post(
            f"/projects/{building['id']}/allocations", json={"contribution_id": premises["id"], "amount": "12000.00"}
        ).status_code
        == 201
    )
    request = drawdown(api, local_authority_id="blaby", project_id=building["id"], lines=[(premises["id"], "8000.00")])
    assert request.status_code == 201, request.text
    request_id = request.json()["id"]
    for action, on in (("submit", "2025-03-03"), ("approve", "2025-03-17")):
        assert step(api, request_id, action, on=on).status_code == 200, action
    assert summary_row(api)["drawn"] == "0.00"
    assert pay(api, request_id, "2025-04-01").status_code == 201
    assert summary_row(api) == {
        "bids": 1,
        "secured_bids": 1,
        "amount_bid": "17430.00",
        "secured": "17430.00",
        "received": "12000.00",
        "drawn": "8000.00",
    }
