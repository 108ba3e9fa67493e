"""A planning officer sees and writes only their own authority's data."""

from typing import Any

from sqlalchemy.orm import Session

from app.auth.service import create_token, hash_token
from app.models import ApiToken, Role
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


class TestTokensFailClosed:
    """A token that cannot say which authority it is bound to sees nothing."""

    def test_planning_token_without_an_authority_is_refused(self, api: Any, session: Session) -> None:
        session.add(ApiToken(name="orphan", role=Role.planning, token_hash=hash_token("s106_orphan")))
        session.commit()
        agreement(api, local_authority_id="charnwood")
        response = api.client.get("/agreements", headers=bearer("s106_orphan"))
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"
