"""The ledger core's guarantees through HTTP: one reader of amounts, closed agreements, exactly once, strict input,
outages and conflicts answered as problems, and a planning officer's drawdown showing only what they may see."""

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import health
from app.auth.service import Principal, create_token
from app.db import get_session, make_engine
from app.errors import ForbiddenError
from app.ledger.writer import record_movement
from app.main import app
from app.models import MovementKind, ReleaseBasis, Role
from app.retries import ATTEMPTS, DatabaseFailures
from tests.builders import agreement, contribution, ensure_authority, event, movement
from tests.project_builders import allocate, drawdown, funded_contribution, pay, project, spend, step

ROOT = Path(__file__).resolve().parent.parent


class TestOneReaderOfAmounts:
    """Only the ledger core reads a movement's amount; everything else composes from it."""

    def test_movement_amount_appears_only_in_app_ledger(self) -> None:
        readers = [
            str(path.relative_to(ROOT))
            for path in (ROOT / "app").rglob("*.py")
            if "Movement.amount" in path.read_text() and "ledger" not in path.relative_to(ROOT / "app").parts[:1]
        ]
        assert readers == []


@pytest.fixture
def closed(api: Any) -> dict[str, Any]:
    """An agreement whose £100 was received and drawn, closed on 2021-01-01; its contribution and drawn movement."""
    deed = agreement(api, reference="20/0001/CLOSED")
    made = contribution(api, deed["id"], amount="100.00", trigger_type="on_signing")
    assert movement(api, made["id"], "received", "100.00", "2020-06-01").status_code == 201
    drawn = movement(api, made["id"], "drawn", "100.00", "2020-07-01")
    assert drawn.status_code == 201
    closing = api.patch(f"/agreements/{deed['id']}", json={"status": "closed", "closed_on": "2021-01-01"})
    assert closing.status_code == 200, closing.text
    return {"agreement": deed, "contribution": made, "drawn": drawn.json()}


def assert_closed_refusal(response: Any) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "closed" in response.json()["detail"]


class TestClosedAgreementTakesNothing:
    """A closed agreement refuses every new movement, reversal, event and contribution until reopened."""

    def test_a_reversal_is_refused(self, api: Any, closed: dict[str, Any]) -> None:
        assert_closed_refusal(api.post(f"/movements/{closed['drawn']['id']}/reverse", json={"on": "2021-02-01"}))

    def test_a_variation_is_refused(self, api: Any, closed: dict[str, Any]) -> None:
        assert_closed_refusal(movement(api, closed["contribution"]["id"], "variation", "50.00", "2021-02-01"))

    def test_an_event_is_refused(self, api: Any, closed: dict[str, Any]) -> None:
        assert_closed_refusal(event(api, closed["contribution"]["id"], "at_risk", date(2021, 2, 1)))

    def test_a_contribution_is_refused(self, api: Any, closed: dict[str, Any]) -> None:
        response = api.post(
            f"/agreements/{closed['agreement']['id']}/contributions",
            json={"purpose": "premises", "amount": "10.00", "trigger": {"type": "on_signing"}},
        )
        assert_closed_refusal(response)

    def test_reopening_lets_money_move_again(self, api: Any, closed: dict[str, Any]) -> None:
        assert api.patch(f"/agreements/{closed['agreement']['id']}", json={"status": "open"}).status_code == 200
        assert movement(api, closed["contribution"]["id"], "variation", "50.00", "2021-02-01").status_code == 201


@pytest.fixture
def approved(api: Any, session: Session) -> dict[str, Any]:
    """An approved request to Harborough (in advance) for £40,000 of a contribution it holds £100,000 of."""
    ensure_authority(session, "harborough", "Harborough District Council", ReleaseBasis.in_advance)
    made = funded_contribution(api, local_authority_id="harborough", reference="20/0100/OUT")
    building = project(api)
    assert allocate(api, building["id"], made["id"], "100000.00").status_code == 201
    request = drawdown(
        api, local_authority_id="harborough", project_id=building["id"], lines=[(made["id"], "40000.00")]
    )
    assert step(api, request.json()["id"], "submit", on="2021-01-01").status_code == 200
    assert step(api, request.json()["id"], "approve", on="2021-01-10").status_code == 200
    return {"drawdown": request.json(), "contribution": made, "project": building}


class TestExactlyOnce:
    """Every money POST honours Idempotency-Key: a retry replays the first answer, another body is a 409."""

    def test_twenty_identical_payments_pay_once(self, api: Any, approved: dict[str, Any]) -> None:
        path = f"/drawdowns/{approved['drawdown']['id']}/payments"
        body = {"on": "2021-02-01", "lines": [{"contribution_id": approved["contribution"]["id"], "amount": "100.00"}]}
        answers = [api.post(path, json=body, headers={"Idempotency-Key": "payment-1"}) for _ in range(20)]
        assert {answer.status_code for answer in answers} == {201}
        assert all(answer.json() == answers[0].json() for answer in answers)
        assert answers[1].headers["Idempotent-Replayed"] == "true"
        request = api.get(f"/drawdowns/{approved['drawdown']['id']}").json()
        assert len(request["payments"]) == 1
        assert request["paid"] == "100.00"

    def test_the_same_key_with_another_body_is_a_conflict(self, api: Any, approved: dict[str, Any]) -> None:
        path = f"/drawdowns/{approved['drawdown']['id']}/payments"
        line = {"contribution_id": approved["contribution"]["id"], "amount": "100.00"}
        assert (
            api.post(path, json={"on": "2021-02-01", "lines": [line]}, headers={"Idempotency-Key": "k"}).status_code
            == 201
        )
        other = api.post(path, json={"on": "2021-02-02", "lines": [line]}, headers={"Idempotency-Key": "k"})
        assert other.status_code == 409
        assert other.json()["errors"][0]["field"] == "Idempotency-Key"
        assert api.get(f"/drawdowns/{approved['drawdown']['id']}").json()["paid"] == "100.00"

    def test_spend_and_its_cancellation_happen_once(self, api: Any, approved: dict[str, Any]) -> None:
        made, building = approved["contribution"], approved["project"]
        body = {
            "project_id": building["id"],
            "on": "2021-01-15",
            "supplier": "Example Construction Ltd",
            "invoice_reference": "INV-ONCE",
            "amount": "10.00",
            "charges": [{"contribution_id": made["id"], "amount": "10.00"}],
        }
        first, again = (api.post("/spend", json=body, headers={"Idempotency-Key": "spend-1"}) for _ in range(2))
        assert first.status_code == again.status_code == 201
        assert first.json()["id"] == again.json()["id"]
        assert api.get("/spend", params={"project_id": building["id"]}).json()["total"] == 1
        path = f"/spend/{first.json()['id']}/cancel"
        cancels = [api.post(path, json={"reason": "entered twice"}, headers={"Idempotency-Key": "c"}) for _ in range(2)]
        assert [answer.status_code for answer in cancels] == [200, 200]
        assert cancels[0].json() == cancels[1].json()

    def test_a_payment_is_reversed_once(self, api: Any, approved: dict[str, Any]) -> None:
        paid = pay(api, approved["drawdown"]["id"], "2021-02-01")
        assert paid.status_code == 201, paid.text
        payment_id = paid.json()["payments"][0]["id"]
        path = f"/drawdowns/{approved['drawdown']['id']}/payments/{payment_id}/reverse"
        answers = [api.post(path, json={"on": "2021-02-02"}, headers={"Idempotency-Key": "r"}) for _ in range(2)]
        assert answers[0].status_code == answers[1].status_code
        assert answers[0].status_code < 300, answers[0].text
        assert answers[1].json() == answers[0].json()
        assert answers[1].headers["Idempotent-Replayed"] == "true"
        assert api.get(f"/drawdowns/{approved['drawdown']['id']}").json()["paid"] == "0.00"

    def test_keys_belong_to_a_token_not_to_its_name(self, api: Any, session: Session) -> None:
        _row, first_token = create_token(session=session, name="shared name", role=Role.officer)
        _row, second_token = create_token(session=session, name="shared name", role=Role.officer)
        session.commit()
        made = contribution(api, agreement(api)["id"], amount="100.00", trigger_type="on_signing")
        body = {"kind": "received", "contribution_id": made["id"], "amount": "10.00", "on": "2020-06-01"}
        answers = [
            api.post(
                "/movements", role=None, json=body, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "x"}
            )
            for token in (first_token, second_token)
        ]
        assert [answer.status_code for answer in answers] == [201, 201]
        assert answers[0].json()["id"] != answers[1].json()["id"]


class TestStrictInput:
    """Amounts in ASCII digits only, ids that are integers and not booleans, dates that are not datetimes."""

    @pytest.fixture
    def receipt(self, api: Any) -> dict[str, Any]:
        made = contribution(api, agreement(api)["id"], amount="1000.00", trigger_type="on_signing")
        return {"kind": "received", "contribution_id": made["id"], "amount": "100.00", "on": "2020-06-01"}

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("amount", "١٠٠"),
            ("amount", "１００"),
            ("amount", "100.00\n"),
            ("contribution_id", True),
            ("contribution_id", 1.0),
            ("on", "2020-06-01T00:00:00"),
            ("on", "2020-06-01T00:00:00Z"),
            ("on", 1590969600),
            ("on", "20200601"),
        ],
    )
    def test_refused_naming_the_field(self, api: Any, receipt: dict[str, Any], field: str, value: Any) -> None:
        response = api.post("/movements", json={**receipt, field: value})
        assert response.status_code == 422, response.text
        assert [error["field"] for error in response.json()["errors"]] == [field]
        assert (
            api.get("/movements", params={"contribution_id": receipt["contribution_id"], "kind": "received"}).json()[
                "total"
            ]
            == 0
        )

    def test_the_schema_says_exactly_what_is_accepted(self) -> None:
        schemas = app.openapi()["components"]["schemas"]["MovementCreate"]["properties"]
        assert schemas["amount"]["pattern"] == r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
        assert schemas["on"]["pattern"] == r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
        assert schemas["contribution_id"]["type"] == "integer"


class TestOutage:
    """With the database unreachable: a 503 problem with Retry-After; /health alive, /health/ready not."""

    @pytest.fixture
    def unreachable(self, tmp_path: Path) -> Any:
        return make_engine(f"sqlite:///{tmp_path}/missing/directory/s106.db")

    def test_a_request_answers_503(self, unreachable: Any) -> None:
        def broken_session() -> Any:
            with Session(unreachable) as session:
                yield session

        app.dependency_overrides[get_session] = broken_session
        try:
            with TestClient(app) as client:
                response = client.get("/agreements", headers={"Authorization": "Bearer s106_anything"})
        finally:
            app.dependency_overrides.pop(get_session, None)
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["Retry-After"].isdigit()
        assert "database" in response.json()["detail"]

    def test_health_stays_liveness_and_ready_checks_the_database(
        self, api: Any, engine: Any, unreachable: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(health, "get_engine", lambda: engine)
        assert api.get("/health/ready", role=None).json() == {"status": "ready"}
        monkeypatch.setattr(health, "get_engine", lambda: unreachable)
        assert api.get("/health", role=None).json() == {"status": "ok"}
        ready = api.get("/health/ready", role=None)
        assert ready.status_code == 503
        assert ready.headers["content-type"].startswith("application/problem+json")
        assert "Retry-After" in ready.headers


class _Deadlock(Exception):
    sqlstate = "40P01"


class TestTransientConflicts:
    """A deadlock or serialization failure is run again, then answered as a 409 problem saying to retry."""

    def _app(self, failures: int) -> tuple[FastAPI, list[int]]:
        calls: list[int] = []
        inner = FastAPI()

        @inner.post("/write")
        def write() -> dict[str, str]:
            calls.append(1)
            if len(calls) <= failures:
                raise OperationalError("UPDATE contributions", {}, _Deadlock("deadlock detected"))
            return {"status": "written"}

        inner.add_middleware(DatabaseFailures)
        return inner, calls

    def test_retried_until_it_succeeds(self) -> None:
        inner, calls = self._app(failures=ATTEMPTS - 1)
        response = TestClient(inner).post("/write", json={"a": 1})
        assert response.status_code == 200
        assert len(calls) == ATTEMPTS

    def test_a_conflict_that_persists_is_a_409_saying_to_retry(self) -> None:
        inner, calls = self._app(failures=ATTEMPTS)
        response = TestClient(inner).post("/write", json={"a": 1})
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "retry" in response.json()["detail"]
        assert len(calls) == ATTEMPTS


class TestDroppedConnections:
    """A read whose pooled connection the server had dropped is run again; a write never is (it may have landed)."""

    def _app(self) -> tuple[FastAPI, list[str]]:
        calls: list[str] = []
        inner = FastAPI()

        def dropped_once(method: str) -> None:
            calls.append(method)
            if len(calls) == 1:
                raise OperationalError(
                    "SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True
                )

        @inner.get("/read")
        def read() -> dict[str, str]:
            dropped_once("GET")
            return {"status": "read"}

        @inner.post("/write")
        def write() -> dict[str, str]:
            dropped_once("POST")
            return {"status": "written"}

        inner.add_middleware(DatabaseFailures)
        return inner, calls

    def test_a_read_is_run_again_on_a_fresh_connection(self) -> None:
        inner, calls = self._app()
        response = TestClient(inner).get("/read")
        assert (response.status_code, response.json()) == (200, {"status": "read"})
        assert calls == ["GET", "GET"]

    def test_a_write_is_answered_503_and_not_run_again(self) -> None:
        inner, calls = self._app()
        response = TestClient(inner).post("/write", json={"a": 1})
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert calls == ["POST"]


class TestLeastPrivilege:
    """A planning officer's view of a drawdown request shows only the invoices they may see."""

    def test_another_authoritys_invoice_is_not_shown(self, api: Any, session: Session) -> None:
        ensure_authority(session, "blaby", "Blaby District Council", ReleaseBasis.in_arrears)
        own = funded_contribution(api, local_authority_id="blaby", reference="20/0001/OWN")
        theirs = funded_contribution(api, local_authority_id="charnwood", reference="20/0002/THEIRS")
        building = project(api)
        for made in (own, theirs):
            assert allocate(api, building["id"], made["id"], "50000.00").status_code == 201
        invoice = spend(
            api,
            project_id=building["id"],
            amount="5000.00",
            charges=[(theirs["id"], "5000.00")],
            invoice_reference="SECRET",
        ).json()
        request = drawdown(
            api,
            local_authority_id="blaby",
            project_id=building["id"],
            lines=[(own["id"], "5000.00")],
            invoice_spend_ids=[invoice["id"]],
        ).json()
        assert [row["spend_id"] for row in api.get(f"/drawdowns/{request['id']}").json()["invoices"]] == [invoice["id"]]
        assert api.get(f"/spend/{invoice['id']}", role="planning").status_code == 404
        seen = api.get(f"/drawdowns/{request['id']}", role="planning")
        assert seen.status_code == 200
        assert seen.json()["invoices"] == []
        assert "SECRET" not in seen.text
        listed = api.get("/drawdowns", role="planning").json()["items"]
        assert all(item["invoices"] == [] for item in listed)


class TestPlanningRecordsOnlyReceipts:
    """The ledger's writer, not a router, refuses a planning officer anything but a receipt."""

    def test_through_http_a_receipt_is_taken_and_a_draw_refused(self, api: Any) -> None:
        made = contribution(api, agreement(api, local_authority_id="blaby")["id"], amount="300.00")
        assert movement(api, made["id"], "received", "100.00", "2020-06-01", role="planning").status_code == 201
        drawn = movement(api, made["id"], "drawn", "50.00", "2020-07-01", role="planning")
        assert drawn.status_code == 403, drawn.text
        assert drawn.headers["content-type"].startswith("application/problem+json")
        assert "only received" in drawn.json()["detail"]
        kinds = [item["kind"] for item in api.get("/movements", params={"contribution_id": made["id"]}).json()["items"]]
        assert kinds == ["secured", "received"]

    def test_the_writer_refuses_it_whoever_calls(self, api: Any, session: Session) -> None:
        made = contribution(api, agreement(api, local_authority_id="blaby")["id"], amount="300.00")
        planning = Principal(name="test planning", role=Role.planning, local_authority_id="blaby")
        with pytest.raises(ForbiddenError, match="only received"):
            record_movement(
                session=session,
                principal=planning,
                contribution_id=made["id"],
                kind=MovementKind.returned,
                amount=Decimal("10.00"),
                on=date(2020, 7, 1),
            )
        assert api.get("/movements", params={"contribution_id": made["id"]}).json()["total"] == 1
