"""A planning officer sees and writes only their own authority's data."""

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.auth.service import create_token, hash_token
from app.models import ApiToken, Role
from tests.builders import agreement, balances, contribution, event, movement
from tests.forms import sign_in


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


def two_authorities(api: Any) -> dict[str, dict[str, Any]]:
    """At blaby and at charnwood: an agreement, two contributions, a receipt each and an event."""
    made: dict[str, dict[str, Any]] = {}
    for authority, amounts in (("blaby", ("1000.00", "250.50")), ("charnwood", ("9000.00", "4000.00"))):
        deed = agreement(api, local_authority_id=authority, reference=f"{authority}/19/0001")
        premises = contribution(api, deed["id"], purpose="premises", amount=amounts[0])
        equipment = contribution(api, deed["id"], purpose="equipment", amount=amounts[1])
        assert event(api, premises["id"], "development_started", date(2019, 6, 1)).status_code == 201
        assert movement(api, premises["id"], "received", "400.00", date(2020, 1, 1)).status_code == 201
        assert movement(api, equipment["id"], "received", "50.00", date(2020, 2, 1)).status_code == 201
        made[authority] = {"agreement": deed, "contributions": [premises, equipment]}
    return made


def items(api: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    """A list endpoint's items as the planning officer of blaby sees them."""
    response = api.get(path, role="planning", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return list(body["items"])


class TestPlanningSeesOnlyItsAuthority:
    """Every list, balance and nested list shows the planning officer blaby alone."""

    def test_lists(self, api: Any) -> None:
        made = two_authorities(api)
        blaby_contributions = {item["id"] for item in made["blaby"]["contributions"]}
        assert [item["id"] for item in items(api, "/local-authorities")] == ["blaby"]
        assert [item["id"] for item in items(api, "/agreements")] == [made["blaby"]["agreement"]["id"]]
        contributions = items(api, "/contributions")
        assert {item["id"] for item in contributions} == blaby_contributions
        assert {item["local_authority_id"] for item in contributions} == {"blaby"}
        movements = items(api, "/movements")
        assert {item["contribution_id"] for item in movements} == blaby_contributions
        assert len(movements) == 4  # two secured, two received
        nested = api.get(f"/agreements/{made['blaby']['agreement']['id']}/contributions", role="planning").json()
        assert {item["id"] for item in nested["items"]} == blaby_contributions
        events = api.get(f"/contributions/{made['blaby']['contributions'][0]['id']}/events", role="planning").json()
        assert [item["kind"] for item in events] == ["development_started"]
        # The officer sees both, so the data is there to hide.
        assert api.get("/agreements").json()["total"] == 2
        assert api.get("/movements").json()["total"] == 8

    def test_filters_naming_another_authority_find_nothing(self, api: Any) -> None:
        made = two_authorities(api)
        charnwood = made["charnwood"]
        contribution_id = charnwood["contributions"][0]["id"]
        assert items(api, "/agreements", local_authority="charnwood") == []
        assert items(api, "/agreements", reference="charnwood/19/0001") == []
        assert items(api, "/contributions", agreement_id=charnwood["agreement"]["id"]) == []
        assert items(api, "/contributions", local_authority="charnwood") == []
        assert items(api, "/movements", contribution_id=contribution_id) == []
        assert items(api, "/movements", agreement_id=charnwood["agreement"]["id"]) == []
        assert items(api, "/movements", local_authority="charnwood") == []
        nested = api.get(f"/agreements/{charnwood['agreement']['id']}/contributions", role="planning")
        assert nested.status_code == 404
        assert api.get(f"/contributions/{contribution_id}/events", role="planning").status_code == 404

    @pytest.mark.parametrize("group_by", ["local_authority", "purpose", "agreement", "contribution"])
    def test_balances_every_grouping(self, api: Any, group_by: str) -> None:
        made = two_authorities(api)
        blaby_row = balances(api, group_by="local_authority", local_authority="blaby")["rows"][0]
        assert blaby_row["total_value"] == "1250.50"
        assert blaby_row["received_by_local_authority"] == "450.00"
        seen = balances(api, role="planning", group_by=group_by)
        officer_all = balances(api, group_by=group_by)
        assert officer_all["totals"]["total_value"] == "14250.50"
        identity = ("key", "label", "local_authority_id", "agreement_id", "contribution_id", "purpose")
        figures = {name: value for name, value in blaby_row.items() if name not in identity}
        assert {name: seen["totals"][name] for name in figures} == figures
        if group_by == "local_authority":
            assert [row["key"] for row in seen["rows"]] == ["blaby"]
        elif group_by == "purpose":
            assert {row["key"]: row["total_value"] for row in seen["rows"]} == {
                "equipment": "250.50",
                "premises": "1000.00",
            }
        elif group_by == "agreement":
            assert [row["key"] for row in seen["rows"]] == [str(made["blaby"]["agreement"]["id"])]
        else:
            assert {row["key"] for row in seen["rows"]} == {str(item["id"]) for item in made["blaby"]["contributions"]}
        assert {row.get("local_authority_id") or "blaby" for row in seen["rows"]} == {"blaby"}
        assert seen["total_rows"] == len(seen["rows"])


class TestPlanningWrites:
    """A planning officer records receipts for their own authority, and nothing else."""

    def test_receipt_for_own_authority_only(self, api: Any) -> None:
        made = two_authorities(api)
        own = made["blaby"]["contributions"][1]["id"]
        other = made["charnwood"]["contributions"][1]["id"]
        recorded = movement(api, own, "received", "200.50", date(2020, 3, 1), role="planning")
        assert recorded.status_code == 201, recorded.text
        assert recorded.json()["recorded_by"] == "test planning (planning)"
        refused = movement(api, other, "received", "1.00", date(2020, 3, 1), role="planning")
        unknown = movement(api, 987654321, "received", "1.00", date(2020, 3, 1), role="planning")
        assert refused.status_code == unknown.status_code == 404
        assert refused.json()["title"] == unknown.json()["title"] == "Not found"
        assert (
            balances(api, group_by="contribution", local_authority="charnwood")["totals"]["received_by_local_authority"]
            == "450.00"
        )

    @pytest.mark.parametrize(
        "kind", ["indexation", "variation", "written_off", "drawn", "spent", "returned", "secured"]
    )
    def test_no_other_kind_of_movement(self, api: Any, kind: str) -> None:
        made = two_authorities(api)
        own = made["blaby"]["contributions"][0]["id"]
        snapshot = balances(api, group_by="contribution")
        response = movement(api, own, kind, "10.00", date(2020, 3, 1), role="planning")
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert balances(api, group_by="contribution") == snapshot

    def test_nothing_but_receipts(self, api: Any) -> None:
        made = two_authorities(api)
        deed = made["blaby"]["agreement"]
        own = made["blaby"]["contributions"][0]
        receipt = api.get("/movements", params={"contribution_id": own["id"], "kind": "received"}).json()["items"][0]
        attempts = [
            api.post(
                "/agreements",
                role="planning",
                json={"local_authority_id": "blaby", "reference": "X/1", "site": "S", "signed_on": "2020-01-01"},
            ),
            api.patch(f"/agreements/{deed['id']}", role="planning", json={"notes": "n"}),
            api.post(
                f"/agreements/{deed['id']}/contributions",
                role="planning",
                json={"purpose": "vehicles", "amount": "1.00", "trigger": {"type": "on_signing"}},
            ),
            api.patch(f"/contributions/{own['id']}", role="planning", json={"notes": "n"}),
            api.post(
                f"/contributions/{own['id']}/events", role="planning", json={"kind": "trigger_met", "on": "2020-01-01"}
            ),
            api.post(f"/movements/{receipt['id']}/reverse", role="planning", json={}),
            api.patch("/local-authorities/blaby", role="planning", json={"release_notes": "n"}),
            api.post("/local-authorities", role="planning", json={"id": "new-one", "name": "New"}),
            api.get("/audit", role="planning"),
        ]
        assert [response.status_code for response in attempts] == [403] * len(attempts)
        assert api.get("/audit", params={"actor": "test planning"}).json()["total"] == 0

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

    def test_one_contribution_and_another_authoritys_is_not_found(self, api: Any) -> None:
        charnwood = agreement(api, local_authority_id="charnwood")
        theirs = contribution(api, charnwood["id"], amount="700.00")
        blaby = agreement(api, local_authority_id="blaby")
        ours = contribution(api, blaby["id"], amount="300.00")
        contribution(api, blaby["id"], amount="900.00")
        other = api.get("/balances", role="planning", params={"contribution_id": theirs["id"]})
        unknown = api.get("/balances", role="planning", params={"contribution_id": 987654321})
        assert other.status_code == unknown.status_code == 404, other.text
        assert other.json()["errors"] == [{"field": "contribution_id", "message": f"no contribution {theirs['id']}"}]
        for role in ("officer", "planning"):
            figures = api.get(
                "/balances", role=role, params={"group_by": "contribution", "contribution_id": ours["id"]}
            ).json()
            assert [row["key"] for row in figures["rows"]] == [str(ours["id"])]
            assert figures["totals"]["total_value"] == "300.00"

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


HAND_WRITTEN_SCOPE = re.compile(r"(==|!=)\s*(?:[\w.]*\.)?scope\b")
APP = Path(__file__).resolve().parent.parent / "app"


class TestScopeWrittenOnce:
    """Who may read what is stated in app/scoping.py alone; every get and list, the pages' too, starts from it."""

    def test_no_module_compares_with_a_scope_by_hand(self) -> None:
        offenders = {
            str(path.relative_to(APP))
            for path in APP.rglob("*.py")
            if path.name != "scoping.py" and HAND_WRITTEN_SCOPE.search(path.read_text())
        }
        assert offenders == set()

    def test_another_authority_is_absent_from_the_api_and_the_pages(self, api: Any) -> None:
        made = two_authorities(api)
        assert api.get("/local-authorities/charnwood", role="planning").status_code == 404
        assert api.get("/local-authorities/blaby", role="planning").status_code == 200
        sign_in(api, "planning")
        for params in ({}, {"local_authority": "charnwood"}, {"search": "charnwood"}):
            listing = api.get("/web/agreements", role=None, params=params, follow_redirects=False)
            assert listing.status_code == 200, listing.text
            assert "charnwood/19/0001" not in listing.text
        assert "blaby/19/0001" in api.get("/web/agreements", role=None, follow_redirects=False).text
        other = api.get(f"/web/agreements/{made['charnwood']['agreement']['id']}", role=None, follow_redirects=False)
        assert other.status_code == 404
        assert api.get("/web/local-authorities/charnwood", role=None, follow_redirects=False).status_code == 404

    def test_a_planning_officers_deadlines_never_include_another_authority(self, api: Any) -> None:
        two_authorities(api)
        report = api.get("/deadlines", role="planning", params={"within_days": 36500}).json()
        everyone = api.get("/deadlines", params={"within_days": 36500}).json()
        assert {item["local_authority_id"] for item in everyone["items"]} == {"blaby", "charnwood"}
        assert report["items"] and {item["local_authority_id"] for item in report["items"]} == {"blaby"}
