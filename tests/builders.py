"""Small builders for test data, through the API where a client would go."""

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.models import LocalAuthority, Regime, ReleaseBasis


def ensure_authority(
    session: Session, slug: str, name: str, release_basis: ReleaseBasis = ReleaseBasis.in_advance
) -> LocalAuthority:
    """An authority row, added straight to the database (every test needs a couple)."""
    authority = session.get(LocalAuthority, slug)
    if authority is None:
        authority = LocalAuthority(id=slug, name=name, regime=Regime.s106, release_basis=release_basis)
        session.add(authority)
        session.flush()
    return authority


def agreement(
    api: Any,
    *,
    local_authority_id: str = "blaby",
    reference: str = "19/0001/OUT",
    site: str = "Land east of Lutterworth Road",
    signed_on: date = date(2019, 4, 1),
    dwellings: int | None = 120,
    developer: str | None = "Example Homes Ltd",
) -> dict[str, Any]:
    """Create an agreement through the API and return its JSON."""
    response = api.post(
        "/agreements",
        json={
            "local_authority_id": local_authority_id,
            "reference": reference,
            "site": site,
            "signed_on": signed_on.isoformat(),
            "dwellings": dwellings,
            "developer": developer,
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def contribution(
    api: Any,
    agreement_id: int,
    *,
    purpose: str = "equipment",
    amount: str = "10000.00",
    trigger_type: str = "on_commencement",
    threshold: int | None = None,
    repayment_period_years: int | None = 10,
) -> dict[str, Any]:
    """Create a contribution through the API and return its JSON."""
    response = api.post(
        f"/agreements/{agreement_id}/contributions",
        json={
            "purpose": purpose,
            "amount": amount,
            "trigger": {"type": trigger_type, "threshold": threshold},
            "repayment_period_years": repayment_period_years,
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def movement(api: Any, contribution_id: int, kind: str, amount: str, on: date | str, *, role: str = "officer") -> Any:
    """Post a movement and return the response (callers assert on its status)."""
    return api.post(
        "/movements",
        role=role,
        json={"kind": kind, "contribution_id": contribution_id, "amount": amount, "on": str(on)},
    )


def event(api: Any, contribution_id: int, kind: str, on: date) -> Any:
    """Post a contribution event and return the response."""
    return api.post(f"/contributions/{contribution_id}/events", json={"kind": kind, "on": on.isoformat()})


def balances(api: Any, *, role: str = "officer", **params: Any) -> dict[str, Any]:
    """GET /balances with the given parameters; asserts success."""
    response = api.get("/balances", role=role, params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())
