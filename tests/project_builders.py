"""Builders for projects, drawdown requests and spend, through the API."""

from datetime import date
from typing import Any

from tests.builders import agreement, contribution, event, movement


def funded_contribution(
    api: Any,
    *,
    local_authority_id: str = "blaby",
    reference: str = "19/0001/OUT",
    purpose: str = "premises",
    amount: str = "100000.00",
    received: str | None = "100000.00",
    received_on: date = date(2020, 6, 1),
    repayment_period_years: int | None = 10,
) -> dict[str, Any]:
    """A contribution of a new agreement whose money the authority has received (if given)."""
    deed = agreement(api, local_authority_id=local_authority_id, reference=reference)
    made = contribution(api, deed["id"], purpose=purpose, amount=amount, repayment_period_years=repayment_period_years)
    assert event(api, made["id"], "trigger_met", date(2020, 1, 10)).status_code == 201
    if received is not None:
        response = movement(api, made["id"], "received", received, received_on)
        assert response.status_code == 201, response.text
    return made


def project(
    api: Any,
    *,
    name: str = "Firearms Building",
    funding: str = "pooled",
    local_authority_id: str | None = None,
    category: str = "land_and_buildings",
    estimate_low: str = "500000.00",
    estimate_high: str | None = None,
    stage: str = "current",
) -> dict[str, Any]:
    """Create a project and return its JSON."""
    body: dict[str, Any] = {
        "name": name,
        "funding": funding,
        "category": category,
        "estimate_low": estimate_low,
        "stage": stage,
    }
    if local_authority_id:
        body["local_authority_id"] = local_authority_id
    if estimate_high:
        body["estimate_high"] = estimate_high
    response = api.post("/projects", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def allocate(api: Any, project_id: int, contribution_id: int, amount: str) -> Any:
    """Allocate money of a contribution to a project; returns the response."""
    return api.post(f"/projects/{project_id}/allocations", json={"contribution_id": contribution_id, "amount": amount})


def drawdown(
    api: Any,
    *,
    local_authority_id: str,
    project_id: int,
    lines: list[tuple[int, str]],
    invoice_spend_ids: list[int] | None = None,
    evidence: list[str] | None = None,
) -> Any:
    """Draft a drawdown request; returns the response."""
    return api.post(
        "/drawdowns",
        json={
            "local_authority_id": local_authority_id,
            "project_id": project_id,
            "lines": [{"contribution_id": cid, "amount": amount} for cid, amount in lines],
            "invoice_spend_ids": invoice_spend_ids or [],
            "evidence": evidence or [],
        },
    )


def step(api: Any, drawdown_id: int, action: str, **body: Any) -> Any:
    """POST a lifecycle step (submit, approve, reject, withdraw) with an optional body."""
    return api.post(f"/drawdowns/{drawdown_id}/{action}", json=body)


def pay(api: Any, drawdown_id: int, on: str, lines: list[tuple[int, str]] | None = None) -> Any:
    """Record a payment; without lines it pays everything outstanding."""
    body: dict[str, Any] = {"on": on}
    if lines is not None:
        body["lines"] = [{"contribution_id": cid, "amount": amount} for cid, amount in lines]
    return api.post(f"/drawdowns/{drawdown_id}/payments", json=body)


def spend(
    api: Any,
    *,
    project_id: int,
    amount: str,
    charges: list[tuple[int, str]],
    on: str = "2021-01-15",
    invoice_reference: str = "INV-001",
    category: str | None = None,
) -> Any:
    """Record a spend; returns the response."""
    body: dict[str, Any] = {
        "project_id": project_id,
        "on": on,
        "supplier": "Example Construction Ltd",
        "invoice_reference": invoice_reference,
        "amount": amount,
        "charges": [{"contribution_id": cid, "amount": value} for cid, value in charges],
    }
    if category:
        body["category"] = category
    return api.post("/spend", json=body)


def contribution_balances(api: Any, contribution_id: int) -> dict[str, str]:
    """A contribution's balances as at today."""
    response = api.get(f"/contributions/{contribution_id}")
    assert response.status_code == 200, response.text
    return dict(response.json()["balances"])
