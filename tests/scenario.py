"""A small ledger for the web view's tests: two authorities, three agreements, events, money and a reversal.

Every date is in the past, so the figures as at today never change. Built through the API, so it
works with the `api` fixture and with a client of a running server alike.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from tests.builders import agreement, contribution, event, movement


@dataclass(frozen=True)
class Scenario:
    """The ids the tests look up."""

    blaby_agreement: int
    blaby_second_agreement: int
    charnwood_agreement: int
    premises: int
    equipment: int
    vehicles: int
    reversed_movement: int


def ok(response: Any) -> Any:
    """Assert a write succeeded and return its JSON."""
    assert response.status_code in (200, 201), response.text
    return response.json()


def build(api: Any) -> Scenario:
    """Record the scenario as the officer."""
    ok(
        api.patch(
            "/local-authorities/blaby",
            json={
                "release_basis": "in_arrears",
                "release_evidence": ["Drawdown letter on Blaby's template", "Invoices for completed work"],
                "release_notes": "Releases funds only when the project is complete and invoiced.",
            },
        )
    )
    deed = agreement(api, reference="19/0001/OUT", site="Land east of Lutterworth Road", signed_on=date(2019, 4, 1))
    premises = contribution(api, deed["id"], purpose="premises", amount="50000.00")
    equipment = contribution(
        api, deed["id"], purpose="equipment", amount="20000.00", trigger_type="on_occupation", threshold=50
    )
    vehicles = contribution(api, deed["id"], purpose="vehicles", amount="5000.50")
    ok(event(api, premises["id"], "development_started", date(2020, 1, 10)))
    ok(event(api, vehicles["id"], "development_started", date(2020, 1, 10)))
    ok(event(api, equipment["id"], "at_risk", date(2021, 6, 1)))
    ok(movement(api, premises["id"], "received", "50000.00", date(2020, 6, 1)))
    ok(movement(api, vehicles["id"], "received", "5000.50", date(2020, 7, 1)))
    ok(movement(api, premises["id"], "drawn", "30000.00", date(2021, 2, 1)))
    # Blaby releases in arrears: the force spent on vehicles before drawing it.
    ok(movement(api, vehicles["id"], "spent", "4000.00", date(2021, 3, 1)))
    ok(movement(api, premises["id"], "spent", "35000.00", date(2021, 3, 15)))
    mistaken = ok(movement(api, premises["id"], "drawn", "1000.00", date(2021, 4, 1)))
    ok(api.post(f"/movements/{mistaken['id']}/reverse", json={"on": "2021-04-02", "note": "keyed twice"}))

    second = agreement(api, reference="20/0456/FUL", site="Former depot, Enderby", signed_on=date(2020, 9, 15))
    contribution(api, second["id"], purpose="crime_prevention", amount="12345.67", trigger_type="on_signing")

    charnwood = agreement(
        api,
        local_authority_id="charnwood",
        reference="P/18/1234/2",
        site="North of Birstall",
        signed_on=date(2018, 11, 20),
        developer="Birstall Estates",
    )
    area = contribution(api, charnwood["id"], purpose="policing_in_area", amount="80000.00")
    ok(event(api, area["id"], "development_started", date(2019, 3, 1)))
    ok(movement(api, area["id"], "received", "80000.00", date(2019, 6, 1)))
    ok(movement(api, area["id"], "drawn", "25000.00", date(2020, 1, 15)))
    ok(movement(api, area["id"], "spent", "20000.00", date(2020, 2, 1)))
    return Scenario(
        blaby_agreement=deed["id"],
        blaby_second_agreement=second["id"],
        charnwood_agreement=charnwood["id"],
        premises=premises["id"],
        equipment=equipment["id"],
        vehicles=vehicles["id"],
        reversed_movement=mistaken["id"],
    )
