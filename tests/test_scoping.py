"""A planning officer sees and writes only their own authority's data."""

from typing import Any

from sqlalchemy.orm import Session

from app.auth.service import create_token
from app.models import Role
from tests.builders import agreement, contribution


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


class TestPlanningWrites:
    """A planning officer records receipts for their own authority, and nothing else."""

    def test_idempotency_key_does_not_replay_another_authoritys_receipt(self, api: Any, session: Session) -> None:
        blaby = contribution(api, agreement(api)["id"], amount="500.00")
        # Token names need not be unique: Charnwood's officer may share a name with Blaby's.
        _row, charnwood_token = create_token(
            session=session, name="test planning", role=Role.planning, local_authority_id="charnwood"
        )
        session.commit()
        body = {"kind": "received", "contribution_id": blaby["id"], "amount": "50.00", "on": "2020-01-01"}
        key = {"Idempotency-Key": "receipt-1"}
        assert api.post("/movements", role="planning", json=body, headers=key).status_code == 201
        response = api.client.post("/movements", json=body, headers={**key, **bearer(charnwood_token)})
        assert response.status_code == 404, response.text
        assert response.json()["title"] == "Not found"
        assert "amount" not in response.json()
