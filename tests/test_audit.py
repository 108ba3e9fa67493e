"""The audit trail: every write, who made it, what it wrote and what was sent; filtered by finance."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.builders import agreement, contribution, event, movement


def entries(api: Any, role: str = "finance", **params: Any) -> dict[str, Any]:
    """GET /audit with filters; asserts success."""
    response = api.get("/audit", role=role, params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def record_some_writes(api: Any) -> dict[str, Any]:
    """An agreement, a contribution, an event, a receipt by planning and its reversal by the officer."""
    deed = agreement(api)
    made = contribution(api, deed["id"], amount="300.00")
    started = event(api, made["id"], "development_started", date(2019, 6, 1))
    assert started.status_code == 201
    receipt = movement(api, made["id"], "received", "120.00", date(2020, 1, 1), role="planning")
    assert receipt.status_code == 201
    reversal = api.post(f"/movements/{receipt.json()['id']}/reverse", json={"on": "2020-01-02"})
    assert reversal.status_code == 201
    return {
        "agreement": deed,
        "contribution": made,
        "event": started.json(),
        "receipt": receipt.json(),
        "reversal": reversal.json(),
    }


class TestAuditTrail:
    """Each write is one entry, newest first, with actor, resource, row ids and body."""

    def test_each_write_is_recorded(self, api: Any) -> None:
        made = record_some_writes(api)
        listed = entries(api)
        assert listed["total"] == 5
        summary = [
            (
                item["actor_name"],
                item["actor_role"],
                item["method"],
                item["path"],
                item["resource"],
                item["resource_ids"],
            )
            for item in listed["items"]
        ]
        deed, contribution_id = made["agreement"]["id"], made["contribution"]["id"]
        receipt_id, reversal_id = made["receipt"]["id"], made["reversal"]["id"]
        event_id = made["event"]["id"]
        assert summary == [
            (
                "test officer",
                "officer",
                "POST",
                f"/movements/{receipt_id}/reverse",
                "movements",
                [reversal_id, receipt_id],
            ),
            ("test planning", "planning", "POST", "/movements", "movements", [receipt_id]),
            (
                "test officer",
                "officer",
                "POST",
                f"/contributions/{contribution_id}/events",
                "contribution_events",
                [event_id],
            ),
            (
                "test officer",
                "officer",
                "POST",
                f"/agreements/{deed}/contributions",
                "contributions",
                [contribution_id],
            ),
            ("test officer", "officer", "POST", "/agreements", "agreements", [deed]),
        ]
        receipt_entry = listed["items"][1]
        assert receipt_entry["body"] == {
            "kind": "received",
            "contribution_id": contribution_id,
            "amount": "120.00",
            "on": "2020-01-01",
            "reference": None,
            "note": None,
        }
        assert listed["items"][0]["body"] == {"on": "2020-01-02"}
        recorded = datetime.fromisoformat(receipt_entry["at"])
        assert recorded.tzinfo is not None
        assert abs(recorded - datetime.now(UTC)) < timedelta(minutes=5)

    def test_a_refused_write_records_nothing(self, api: Any) -> None:
        made = record_some_writes(api)
        overdrawn = movement(api, made["contribution"]["id"], "drawn", "1.00", date(2020, 2, 1))
        assert overdrawn.status_code == 409
        forbidden = movement(api, made["contribution"]["id"], "received", "1.00", date(2020, 2, 1), role="finance")
        assert forbidden.status_code == 403
        assert entries(api)["total"] == 5

    def test_filters(self, api: Any) -> None:
        made = record_some_writes(api)
        movements = entries(api, resource="movements")
        assert [item["resource_ids"][0] for item in movements["items"]] == [
            made["reversal"]["id"],
            made["receipt"]["id"],
        ]
        by_planning = entries(api, actor="test planning")
        assert [item["path"] for item in by_planning["items"]] == ["/movements"]
        assert entries(api, actor="test planning", resource="agreements")["total"] == 0
        today = datetime.now(UTC).date()
        assert entries(api, on_from=today.isoformat(), on_to=today.isoformat())["total"] == 5
        assert entries(api, on_from=(today + timedelta(days=1)).isoformat())["total"] == 0
        assert entries(api, on_to=(today - timedelta(days=1)).isoformat())["total"] == 0
        page = entries(api, limit=2, offset=1)
        assert (page["total"], len(page["items"])) == (5, 2)
        assert page["items"][0]["resource"] == "movements"

    def test_officer_and_finance_only(self, api: Any) -> None:
        record_some_writes(api)
        assert entries(api, role="officer")["total"] == 5
        refused = api.get("/audit", role="planning")
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        anonymous = api.get("/audit", role=None)
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"] == "Bearer"


class TestAppendOnly:
    """The database itself refuses to change or remove an audit entry."""

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE audit_entries SET actor_name = 'someone else'",
            "DELETE FROM audit_entries",
        ],
    )
    def test_entries_cannot_be_changed(self, api: Any, session: Session, statement: str) -> None:
        record_some_writes(api)
        with pytest.raises(DBAPIError, match="audit_entries is append-only"):
            with session.begin_nested():
                session.execute(text(statement))
        assert entries(api)["total"] == 5
        assert {item["actor_name"] for item in entries(api)["items"]} == {"test officer", "test planning"}
