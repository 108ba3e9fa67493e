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


class TestBalancesFilters:
    """Balance filters naming another authority's objects answer as unknown ids do."""

    def test_another_authoritys_agreement_is_not_found(self, api: Any) -> None:
        charnwood = agreement(api, local_authority_id="charnwood")
        contribution(api, charnwood["id"], amount="700.00")
        other = api.get("/balances", role="planning", params={"agreement_id": charnwood["id"]})
        unknown = api.get("/balances", role="planning", params={"agreement_id": 987654321})
        assert other.status_code == unknown.status_code == 404, other.text
        assert other.json()["title"] == unknown.json()["title"]
        assert other.json()["errors"] == [{"field": "agreement_id", "message": f"no agreement {charnwood['id']}"}]
        assert api.get("/balances", params={"agreement_id": 987654321}).status_code == 404
        figures = api.get("/balances", params={"agreement_id": charnwood["id"]}).json()
        assert figures["totals"]["total_value"] == "700.00"

    def test_another_authority_is_not_found(self, api: Any) -> None:
        other = api.get("/balances", role="planning", params={"local_authority": "charnwood"})
        unknown = api.get("/balances", role="planning", params={"local_authority": "nowhere"})
        assert other.status_code == unknown.status_code == 404
        assert other.json()["errors"][0]["field"] == unknown.json()["errors"][0]["field"] == "local_authority_id"


class TestTokensFailClosed:
    """A token that cannot say which authority it is bound to sees nothing."""

    def test_planning_token_without_an_authority_is_refused(self, api: Any, session: Session) -> None:
        session.add(ApiToken(name="orphan", role=Role.planning, token_hash=hash_token("s106_orphan")))
        session.commit()
        agreement(api, local_authority_id="charnwood")
        response = api.client.get("/agreements", headers=bearer("s106_orphan"))
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"
