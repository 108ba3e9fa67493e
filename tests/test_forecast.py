"""The capital programme forecast through HTTP, by financial year, with its assumption shown."""

from datetime import date

import pytest

from app.forecast.service import financial_year_label, financial_year_start
from tests.builders import agreement, contribution, event, movement

AS_AT = "2024-06-30"


@pytest.fixture
def programme(api):
    """Contributions in every state the forecast distinguishes."""
    deed = agreement(api, dwellings=120)
    started = contribution(api, deed["id"], amount="20000.00", trigger_type="on_occupation", threshold=50)
    event(api, started["id"], "development_started", date(2024, 1, 1))
    later = agreement(api, reference="19/0002/OUT", dwellings=300)
    contribution(api, later["id"], amount="30000.00", trigger_type="on_occupation", threshold=100)
    contribution(api, later["id"], amount="5000.00", trigger_type="on_commencement")
    risky = contribution(api, later["id"], amount="7000.00", trigger_type="on_occupation", threshold=250)
    event(api, risky["id"], "at_risk", date(2023, 5, 1))
    paid = contribution(api, deed["id"], amount="10000.00")
    event(api, paid["id"], "trigger_met", date(2023, 1, 1))
    assert movement(api, paid["id"], "received", "10000.00", date(2023, 2, 1)).status_code == 201
    assert movement(api, paid["id"], "drawn", "4000.00", date(2023, 3, 1)).status_code == 201
    assert movement(api, paid["id"], "spent", "1000.00", date(2023, 4, 1)).status_code == 201
    contribution(api, deed["id"], amount="1000.00", trigger_type="other")
    return started


def _years(report) -> dict[str, tuple[str, str, str]]:
    return {
        year["financial_year"]: (year["expected_from_triggers"], year["held_by_local_authority"], year["drawn_unspent"])
        for year in report["years"]
    }


class TestForecast:
    """Expected money by the year its trigger is estimated to fall due; held and drawn now."""

    def test_by_financial_year(self, api, programme) -> None:
        report = api.get("/forecast", role="finance", params={"as_at": AS_AT}).json()
        assert _years(report) == {
            "2024/25": ("20000.00", "6000.00", "3000.00"),
            "2025/26": ("5000.00", "0.00", "0.00"),
            "2026/27": ("0.00", "0.00", "0.00"),
            "2027/28": ("30000.00", "0.00", "0.00"),
        }
        assert report["years"][0]["total"] == "29000.00"
        assert report["years"][0]["starts_on"] == "2024-04-01" and report["years"][0]["ends_on"] == "2025-03-31"
        assert report["at_risk"] == "7000.00"
        assert report["unscheduled"] == "1000.00"
        assert report["assumptions"]["dwellings_per_year"] == 50
        assert "50 dwellings a year" in report["assumptions"]["description"]
        assert report["items"] is None

    def test_the_build_rate_moves_the_years(self, api, programme) -> None:
        report = api.get("/forecast", params={"as_at": AS_AT, "dwellings_per_year": 100, "detail": True}).json()
        assert _years(report)["2026/27"][0] == "30000.00"
        estimates = {item["contribution_id"]: item for item in report["items"]}
        started = estimates[programme["id"]]
        assert started["estimated_due_on"] == "2024-07-02"  # half a year: 183 days
        assert "occupation 50 at 100 a year; started 2024-01-01" == started["basis"]

    def test_planning_sees_only_their_authority(self, api, programme) -> None:
        deed = agreement(api, local_authority_id="charnwood", reference="C/1")
        contribution(api, deed["id"], amount="999.00", trigger_type="on_commencement")
        everyone = api.get("/forecast", params={"as_at": AS_AT}).json()
        mine = api.get("/forecast", role="planning", params={"as_at": AS_AT}).json()
        assert _years(everyone)["2025/26"][0] == "5999.00"
        assert _years(mine)["2025/26"][0] == "5000.00"

    def test_spend_ahead_of_drawing_counts_against_what_was_drawn_as_the_balances_do(self, api, programme) -> None:
        deed = agreement(api, reference="19/0003/OUT")
        forward = contribution(api, deed["id"], amount="8000.00")
        event(api, forward["id"], "trigger_met", date(2023, 1, 1))
        assert movement(api, forward["id"], "received", "8000.00", date(2023, 2, 1)).status_code == 201
        assert movement(api, forward["id"], "drawn", "1000.00", date(2023, 3, 1)).status_code == 201
        assert movement(api, forward["id"], "spent", "2500.00", date(2023, 4, 1)).status_code == 201
        report = api.get("/forecast", params={"as_at": AS_AT}).json()
        # The programme's 3,000 drawn and unspent, less the 1,500 the force spent before drawing it.
        assert _years(report)["2024/25"][1:] == ("13000.00", "1500.00")
        balances = api.get("/balances", params={"as_at": AS_AT}).json()["totals"]
        assert report["years"][0]["drawn_unspent"] == balances["unspent_drawn"]

    def test_bad_assumptions_are_refused(self, api) -> None:
        response = api.get("/forecast", params={"dwellings_per_year": 0})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "dwellings_per_year"
        assert api.get("/forecast", role=None).status_code == 401


class TestFinancialYears:
    """April to March."""

    def test_boundaries(self) -> None:
        assert financial_year_start(date(2025, 3, 31)) == date(2024, 4, 1)
        assert financial_year_start(date(2025, 4, 1)) == date(2025, 4, 1)
        assert financial_year_label(date(2099, 4, 1)) == "2099/00"
