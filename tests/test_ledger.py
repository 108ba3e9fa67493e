"""The core ledger through HTTP: a worked case, and every refusal leaving the balances unchanged."""

from datetime import date
from decimal import Decimal

from app.balances.queries import MONEY_COLUMNS
from tests.builders import agreement, balances, contribution, event, movement

IDENTITY_PARTS = (
    "not_started",
    "held_by_developer",
    "at_risk",
    "held_by_local_authority",
    "drawn",
    "returned",
)


def assert_identities(row: dict[str, str]) -> None:
    """The identities of DESIGN.md hold for one balance row."""
    money = {name: Decimal(row[name]) for name in MONEY_COLUMNS}
    assert money["total_value"] == sum(money[name] for name in IDENTITY_PARTS)
    assert money["held_by_local_authority"] == money["received_by_local_authority"] - money["drawn"] - money["returned"]
    assert money["unspent_drawn"] == money["drawn"] - money["spent"]
    assert money["remaining"] == money["total_value"] - money["spent"]


class TestWorkedCase:
    """An authority, an agreement with three contributions, events, receipts, drawdown, spend, reversal."""

    def test_balances_as_at_three_dates(self, api) -> None:
        deed = agreement(api, signed_on=date(2019, 4, 1))
        premises = contribution(api, deed["id"], purpose="premises", amount="50000.00")
        equipment = contribution(
            api,
            deed["id"],
            purpose="equipment",
            amount="20000.00",
            trigger_type="on_occupation",
            threshold=50,
        )
        vehicles = contribution(api, deed["id"], purpose="vehicles", amount="5000.50")

        assert event(api, premises["id"], "development_started", date(2020, 1, 10)).status_code == 201
        assert event(api, vehicles["id"], "development_started", date(2020, 1, 10)).status_code == 201
        assert event(api, equipment["id"], "at_risk", date(2021, 6, 1)).status_code == 201
        assert movement(api, premises["id"], "received", "50000.00", date(2020, 6, 1)).status_code == 201
        assert movement(api, vehicles["id"], "received", "5000.50", date(2020, 7, 1)).status_code == 201
        assert movement(api, premises["id"], "drawn", "30000.00", date(2021, 2, 1)).status_code == 201
        # Forward-funded: the force spent before the authority released the vehicles money.
        assert movement(api, vehicles["id"], "spent", "4000.00", date(2021, 3, 1)).status_code == 201
        assert movement(api, premises["id"], "spent", "35000.00", date(2021, 3, 15)).status_code == 201
        mistaken = movement(api, premises["id"], "drawn", "1000.00", date(2021, 4, 1))
        assert mistaken.status_code == 201
        reversal = api.post(
            f"/movements/{mistaken.json()['id']}/reverse",
            json={"on": "2021-04-02", "note": "keyed twice"},
        )
        assert reversal.status_code == 201, reversal.text
        assert reversal.json()["reverses_id"] == mistaken.json()["id"]

        before = balances(api, as_at="2019-12-31", group_by="local_authority", local_authority="blaby")
        assert before["rows"][0]["not_started"] == "75000.50"
        assert before["rows"][0]["total_value"] == "75000.50"
        assert before["rows"][0]["agreements"] == 1

        middle = balances(api, as_at="2020-12-31", group_by="contribution")
        by_purpose = {row["label"]: row for row in middle["rows"]}
        assert by_purpose["premises"]["held_by_local_authority"] == "50000.00"
        assert by_purpose["equipment"]["not_started"] == "20000.00"
        assert by_purpose["vehicles"]["held_by_local_authority"] == "5000.50"

        after = balances(api, as_at="2021-12-31", group_by="contribution")
        by_purpose = {row["label"]: row for row in after["rows"]}
        assert by_purpose["premises"]["drawn"] == "30000.00"
        assert by_purpose["premises"]["held_by_local_authority"] == "20000.00"
        assert by_purpose["premises"]["unspent_drawn"] == "-5000.00"
        assert by_purpose["vehicles"]["unspent_drawn"] == "-4000.00"
        assert by_purpose["equipment"]["at_risk"] == "20000.00"
        assert after["totals"]["spent"] == "39000.00"
        assert after["totals"]["remaining"] == "36000.50"
        for report in (before, middle, after):
            for row in [*report["rows"], report["totals"]]:
                assert_identities(row)

    def test_contribution_shows_stage_and_balances(self, api) -> None:
        deed = agreement(api)
        made = contribution(api, deed["id"], amount="1200.00")
        assert made["stage"] == "not_started"
        assert made["amount"] == "1200.00"
        event(api, made["id"], "trigger_met", date(2020, 1, 1))
        movement(api, made["id"], "received", "1200.00", date(2020, 2, 1))
        shown = api.get(f"/contributions/{made['id']}").json()
        assert shown["stage"] == "held_by_local_authority"
        assert shown["balances"]["held_by_local_authority"] == "1200.00"
        whole = api.get(f"/agreements/{deed['id']}").json()
        assert whole["balances"]["received_by_local_authority"] == "1200.00"
        assert whole["contributions"] == 1


class TestRefusals:
    """Each bad input is refused with problem details naming the field, and nothing is written."""

    def _setup(self, api):
        deed = agreement(api, signed_on=date(2019, 4, 1))
        made = contribution(api, deed["id"], amount="1000.00")
        assert movement(api, made["id"], "received", "600.00", date(2020, 1, 1)).status_code == 201
        return deed, made

    def _unchanged(self, api, snapshot) -> None:
        assert balances(api, group_by="contribution") == snapshot

    def _problem(self, response, status: int, field: str) -> None:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == status
        assert body["detail"]
        assert any(field in error["field"] for error in body.get("errors", [])), body

    def test_bad_amounts(self, api) -> None:
        _deed, made = self._setup(api)
        snapshot = balances(api, group_by="contribution")
        for amount in (
            "-5.00",
            "0",
            "0.00",
            "12.345",
            "abc",
            "1,000",
            "NaN",
            "1e30",
            "Infinity",
            "1e3",
            " 10.00 ",
            "+5",
        ):
            self._problem(movement(api, made["id"], "received", amount, date(2020, 2, 1)), 422, "amount")
        self._unchanged(api, snapshot)

    def test_amounts_are_strings_of_pounds_and_pence(self, api) -> None:
        _deed, made = self._setup(api)
        snapshot = balances(api, group_by="contribution")
        for amount in (0.1, 100, 12.5):
            body = {"kind": "received", "contribution_id": made["id"], "amount": amount, "on": "2020-02-01"}
            response = api.post("/movements", json=body)
            self._problem(response, 422, "amount")
            assert "string of pounds and pence" in response.json()["detail"]
        self._unchanged(api, snapshot)

    def test_unknown_ids(self, api) -> None:
        deed, made = self._setup(api)
        self._problem(movement(api, 999999, "received", "1.00", date(2020, 2, 1)), 404, "contribution_id")
        assert api.get("/contributions/999999").status_code == 404
        assert api.get("/agreements/999999").status_code == 404
        assert api.get("/local-authorities/nowhere").status_code == 404
        self._problem(api.post("/movements/999999/reverse", json={}), 404, "movement_id")
        response = api.post(
            "/agreements",
            json={
                "local_authority_id": "nowhere",
                "reference": "X",
                "site": "S",
                "signed_on": "2020-01-01",
            },
        )
        self._problem(response, 404, "local_authority_id")

    def test_overdrawing_and_overreceiving(self, api) -> None:
        _deed, made = self._setup(api)
        snapshot = balances(api, group_by="contribution")
        self._problem(movement(api, made["id"], "drawn", "600.01", date(2020, 2, 1)), 409, "amount")
        self._problem(movement(api, made["id"], "received", "400.01", date(2020, 2, 1)), 409, "amount")
        # A drawdown dated before the receipt draws on nothing.
        self._problem(movement(api, made["id"], "drawn", "1.00", date(2019, 12, 31)), 409, "amount")
        self._problem(movement(api, made["id"], "returned", "600.01", date(2020, 2, 1)), 409, "amount")
        self._unchanged(api, snapshot)
        assert movement(api, made["id"], "drawn", "600.00", date(2020, 2, 1)).status_code == 201

    def test_reversing_a_receipt_already_drawn_is_refused(self, api) -> None:
        _deed, made = self._setup(api)
        receipt = api.get("/movements", params={"contribution_id": made["id"], "kind": "received"}).json()["items"][0]
        assert movement(api, made["id"], "drawn", "500.00", date(2020, 3, 1)).status_code == 201
        snapshot = balances(api, group_by="contribution")
        self._problem(
            api.post(f"/movements/{receipt['id']}/reverse", json={"on": "2020-04-01"}),
            409,
            "amount",
        )
        self._unchanged(api, snapshot)

    def test_reversals_of_reversals_and_twice(self, api) -> None:
        _deed, made = self._setup(api)
        extra = movement(api, made["id"], "received", "10.00", date(2020, 2, 1)).json()
        reversal = api.post(f"/movements/{extra['id']}/reverse", json={"on": "2020-02-02"})
        assert reversal.status_code == 201
        snapshot = balances(api, group_by="contribution")
        self._problem(api.post(f"/movements/{extra['id']}/reverse", json={}), 409, "movement_id")
        self._problem(api.post(f"/movements/{reversal.json()['id']}/reverse", json={}), 409, "movement_id")
        self._problem(
            api.post(f"/movements/{extra['id']}/reverse", json={"on": "2020-01-01"}),
            409,
            "movement_id",
        )
        self._unchanged(api, snapshot)
        assert api.get(f"/movements/{extra['id']}").json()["reversed_by_id"] == reversal.json()["id"]

    def test_dates_out_of_order(self, api) -> None:
        deed, made = self._setup(api)
        snapshot = balances(api, group_by="contribution")
        self._problem(movement(api, made["id"], "received", "1.00", date(2019, 3, 31)), 422, "on")
        self._problem(movement(api, made["id"], "received", "1.00", date(2999, 1, 1)), 422, "on")
        self._problem(event(api, made["id"], "development_started", date(2019, 3, 1)), 422, "on")
        self._problem(
            api.patch(f"/agreements/{deed['id']}", json={"status": "closed", "closed_on": "2019-01-01"}),
            422,
            "closed_on",
        )
        self._problem(movement(api, made["id"], "received", "1.00", "2020-13-01"), 422, "on")
        self._unchanged(api, snapshot)

    def test_duplicate_agreement_reference(self, api) -> None:
        agreement(api, reference="P/13/1826/2")
        response = api.post(
            "/agreements",
            json={
                "local_authority_id": "blaby",
                "reference": "P/13/1826/2",
                "site": "Elsewhere",
                "signed_on": "2020-01-01",
            },
        )
        self._problem(response, 409, "reference")
        # The same reference at another authority is another agreement.
        agreement(api, local_authority_id="charnwood", reference="P/13/1826/2")

    def test_closing_with_money_outstanding(self, api) -> None:
        deed, made = self._setup(api)
        snapshot = balances(api, group_by="contribution")
        close = {"status": "closed", "closed_on": "2021-01-01"}
        response = api.patch(f"/agreements/{deed['id']}", json=close)
        self._problem(response, 409, "closed_on")
        assert "£400.00 not yet paid by the developer and £600.00 held by the authority" in response.json()["detail"]
        assert api.get(f"/agreements/{deed['id']}").json()["status"] == "open"
        self._unchanged(api, snapshot)
        assert movement(api, made["id"], "drawn", "600.00", date(2020, 3, 1)).status_code == 201
        assert movement(api, made["id"], "written_off", "400.00", date(2020, 6, 1)).status_code == 201
        assert api.patch(f"/agreements/{deed['id']}", json=close).status_code == 200

    def test_no_contribution_on_a_closed_agreement(self, api) -> None:
        deed, made = self._setup(api)
        assert movement(api, made["id"], "drawn", "600.00", date(2020, 3, 1)).status_code == 201
        assert movement(api, made["id"], "written_off", "400.00", date(2020, 6, 1)).status_code == 201
        close = {"status": "closed", "closed_on": "2021-01-01"}
        assert api.patch(f"/agreements/{deed['id']}", json=close).status_code == 200
        body = {"purpose": "premises", "amount": "10.00", "trigger": {"type": "on_signing"}}
        self._problem(api.post(f"/agreements/{deed['id']}/contributions", json=body), 409, "agreement_id")
        assert api.get(f"/agreements/{deed['id']}/contributions").json()["total"] == 1

    def test_secured_cannot_be_posted(self, api) -> None:
        _deed, made = self._setup(api)
        assert movement(api, made["id"], "secured", "1.00", date(2020, 2, 1)).status_code == 403

    def test_at_risk_twice_and_clearing_what_is_not_at_risk(self, api) -> None:
        _deed, made = self._setup(api)
        self._problem(event(api, made["id"], "at_risk_cleared", date(2020, 1, 1)), 409, "kind")
        assert event(api, made["id"], "at_risk", date(2020, 1, 1)).status_code == 201
        self._problem(event(api, made["id"], "at_risk", date(2020, 6, 1)), 409, "kind")


class TestIdempotency:
    """A retried movement POST writes once."""

    def test_same_key_same_body_returns_first_result(self, api) -> None:
        deed = agreement(api)
        made = contribution(api, deed["id"], amount="100.00")
        body = {
            "kind": "received",
            "contribution_id": made["id"],
            "amount": "40.00",
            "on": "2020-01-01",
        }
        first = api.post("/movements", json=body, headers={"Idempotency-Key": "abc-1"})
        again = api.post("/movements", json=body, headers={"Idempotency-Key": "abc-1"})
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert balances(api, group_by="contribution")["totals"]["received_by_local_authority"] == "40.00"
        other = api.post("/movements", json={**body, "amount": "41.00"}, headers={"Idempotency-Key": "abc-1"})
        assert other.status_code == 409
        assert other.json()["errors"][0]["field"] == "Idempotency-Key"
        assert balances(api, group_by="contribution")["totals"]["received_by_local_authority"] == "40.00"
