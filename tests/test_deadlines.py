"""Repayment deadlines through HTTP: each receipt's clock, spend taken oldest first, soonest first."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.balances.queries import Receipt
from app.deadlines.service import add_years, receipt_deadline, unspent_by_receipt
from tests.accounts import make_accounts, sign_in
from tests.builders import agreement, movement
from tests.project_builders import allocate, funded_contribution, project

TODAY = date.today()


def received(api, contribution_id: int, amount: str, on: date) -> int:
    response = movement(api, contribution_id, "received", amount, on)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
def receipts(api):
    """Three contributions whose receipts fall due at different times."""
    building = project(api)
    premises = funded_contribution(api, reference="A/1", amount="60000.00", received=None, repayment_period_years=5)
    allocate(api, building["id"], premises["id"], "60000.00")
    older = received(api, premises["id"], "30000.00", add_years(TODAY, -5) + timedelta(days=10))
    newer = received(api, premises["id"], "20000.00", add_years(TODAY, -5) + timedelta(days=100))
    assert movement(api, premises["id"], "spent", "35000.00", TODAY).status_code == 201

    deed = agreement(api, reference="B/1")
    response = api.post(
        f"/agreements/{deed['id']}/contributions",
        json={
            "purpose": "equipment",
            "amount": "5000.00",
            "trigger": {"type": "on_signing"},
            "repayment_period_years": 10,
            "spend_by": (TODAY + timedelta(days=5)).isoformat(),
        },
    )
    equipment = response.json()
    fixed = received(api, equipment["id"], "5000.00", date(2020, 1, 1))

    late = funded_contribution(
        api, reference="C/1", purpose="vehicles", amount="2000.00", received=None, repayment_period_years=5
    )
    overdue = received(api, late["id"], "2000.00", add_years(TODAY, -5) - timedelta(days=3))
    return {"older": older, "newer": newer, "fixed": fixed, "overdue": overdue, "building": building}


class TestDeadlines:
    """GET /deadlines lists unspent money nearing or past its deadline."""

    def test_soonest_first_with_fifo_spend(self, api, receipts) -> None:
        report = api.get("/deadlines", params={"within_days": 120}).json()
        listed = [(item["receipt_movement_id"], item["unspent"], item["days_left"]) for item in report["items"]]
        assert listed == [
            (receipts["overdue"], "2000.00", -3),
            (receipts["fixed"], "5000.00", 5),
            (receipts["newer"], "15000.00", 100),
        ]
        assert report["total_unspent"] == "22000.00"
        fixed = report["items"][1]
        assert fixed["deadline_basis"] == "spend_by"
        newer = report["items"][2]
        assert newer["deadline_basis"] == "repayment_period"
        assert newer["received"] == "20000.00"
        assert newer["projects"] == [{"id": receipts["building"]["id"], "name": "Firearms Building", "allocated": True}]

    def test_the_window_narrows_the_list(self, api, receipts) -> None:
        report = api.get("/deadlines", params={"within_days": 0}).json()
        assert [item["receipt_movement_id"] for item in report["items"]] == [receipts["overdue"]]
        assert report["items"][0]["deadline"] == (TODAY - timedelta(days=3)).isoformat()

    def test_largest_first_when_asked(self, api, receipts) -> None:
        report = api.get("/deadlines", params={"within_days": 120, "sort": "amount"}).json()
        assert [item["unspent"] for item in report["items"]] == ["15000.00", "5000.00", "2000.00"]

    def test_fitting_open_projects_are_offered(self, api, receipts) -> None:
        van = project(api, name="Specials Van", category="vehicles", estimate_low="20000.00")
        report = api.get("/deadlines", params={"within_days": 0}).json()
        assert report["items"][0]["projects"] == [{"id": van["id"], "name": "Specials Van", "allocated": False}]

    def test_planning_is_offered_only_projects_they_may_read(self, api, receipts) -> None:
        van = project(api, name="Specials Van", category="vehicles", estimate_low="20000.00")
        their_van = project(
            api, name="Loughborough Van", funding="local", local_authority_id="charnwood", category="vehicles"
        )
        everyone = api.get("/deadlines", params={"within_days": 0}).json()
        assert [option["id"] for option in everyone["items"][0]["projects"]] == [van["id"]]
        mine = api.get("/deadlines", role="planning", params={"within_days": 0}).json()
        assert mine["items"][0]["projects"] == []
        assert api.get(f"/projects/{van['id']}", role="planning").status_code == 404
        assert api.get(f"/projects/{their_van['id']}", role="planning").status_code == 404
        late = mine["items"][0]["contribution_id"]
        assert allocate(api, van["id"], late, "1000.00").status_code == 201
        mine = api.get("/deadlines", role="planning", params={"within_days": 0}).json()
        assert mine["items"][0]["projects"] == [{"id": van["id"], "name": "Specials Van", "allocated": True}]

    def test_a_reversed_receipt_is_not_at_risk(self, api, receipts) -> None:
        assert api.post(f"/movements/{receipts['overdue']}/reverse", json={}).status_code == 201
        report = api.get("/deadlines", params={"within_days": 0}).json()
        assert report["items"] == []

    def test_planning_sees_only_their_authority(self, api, receipts) -> None:
        theirs = funded_contribution(
            api,
            local_authority_id="charnwood",
            reference="Z/1",
            amount="10.00",
            received=None,
            repayment_period_years=5,
        )
        received(api, theirs["id"], "10.00", add_years(TODAY, -5) - timedelta(days=1))
        everyone = api.get("/deadlines", params={"within_days": 0}).json()
        assert everyone["total"] == 2
        mine = api.get("/deadlines", role="planning", params={"within_days": 0}).json()
        assert mine["total"] == 1 and mine["items"][0]["local_authority_id"] == "blaby"

    def test_bad_window_is_refused(self, api) -> None:
        response = api.get("/deadlines", params={"within_days": -1})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "within_days"


class TestDeadlinesAsAt:
    """GET /deadlines?as_at= and the page's as-at field: the deadlines as they stood on a past day."""

    def test_before_todays_spend_the_oldest_receipt_was_still_unspent(self, api, receipts) -> None:
        yesterday = TODAY - timedelta(days=1)
        report = api.get("/deadlines", params={"within_days": 120, "as_at": yesterday.isoformat()}).json()
        assert report["as_at"] == yesterday.isoformat()
        listed = {item["receipt_movement_id"]: (item["unspent"], item["days_left"]) for item in report["items"]}
        assert listed[receipts["older"]] == ("30000.00", 11)  # spent only today, 10 days + 1 from its deadline
        assert listed[receipts["newer"]] == ("20000.00", 101)
        today = api.get("/deadlines", params={"within_days": 120}).json()
        assert receipts["older"] not in [item["receipt_movement_id"] for item in today["items"]]

    def test_a_receipt_after_the_date_is_not_there_yet(self, api, receipts) -> None:
        before_newer = add_years(TODAY, -5) + timedelta(days=50)
        report = api.get("/deadlines", params={"within_days": 3650, "as_at": before_newer.isoformat()}).json()
        ids = [item["receipt_movement_id"] for item in report["items"]]
        assert receipts["older"] in ids and receipts["newer"] not in ids and receipts["fixed"] in ids

    def test_a_day_not_yet_come_is_refused(self, api) -> None:
        response = api.get("/deadlines", params={"as_at": (TODAY + timedelta(days=1)).isoformat()})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "as_at"

    def test_the_page_takes_a_date_typed_day_first(self, api, session, receipts) -> None:
        yesterday = TODAY - timedelta(days=1)
        make_accounts(session)
        assert sign_in(api.client, "officer").status_code == 303
        page = api.get("/web/deadlines", role=None, params={"within_days": 120, "as_at": f"{yesterday:%d/%m/%Y}"})
        assert page.status_code == 200
        assert f'value="{yesterday:%d/%m/%Y}"' in page.text
        assert f'data-key="receipt-{receipts["older"]}"' in page.text
        assert f"as_at={yesterday.isoformat()}&amp;format=csv" in page.text
        assert f'data-key="receipt-{receipts["older"]}"' not in api.get("/web/deadlines", role=None).text


class TestRules:
    """The deadline and first-in-first-out rules on their own."""

    def test_earlier_of_period_and_spend_by(self) -> None:
        assert receipt_deadline(date(2020, 2, 29), 5, None) == (date(2025, 2, 28), "repayment_period")
        assert receipt_deadline(date(2020, 1, 1), 5, date(2024, 1, 1)) == (date(2024, 1, 1), "spend_by")
        assert receipt_deadline(date(2020, 1, 1), 5, date(2026, 1, 1)) == (date(2025, 1, 1), "repayment_period")
        assert receipt_deadline(date(2020, 1, 1), None, None) is None

    def test_spend_is_taken_from_the_oldest_receipt_first(self) -> None:
        standing = [
            Receipt(1, 7, date(2020, 1, 1), Decimal("100.00"), None),
            Receipt(2, 7, date(2021, 1, 1), Decimal("50.00"), None),
            Receipt(3, 8, date(2020, 1, 1), Decimal("10.00"), None),
        ]
        assert unspent_by_receipt(standing, {7: Decimal("120.00")}) == {
            1: Decimal("0.00"),
            2: Decimal("30.00"),
            3: Decimal("10.00"),
        }
