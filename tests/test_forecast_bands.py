"""The forecast from instalments, banded by certainty per financial year, over the seed and a small site."""

import io
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Contribution, Instalment
from tests.builders import agreement, event, movement
from tests.forms import sign_in

BANDS = ["held_by_local_authority", "trigger_met", "trigger_expected", "speculative"]


def money(value: str) -> Decimal:
    """A JSON amount as a Decimal."""
    return Decimal(value)


def not_yet_drawn(api: Any, role: str, as_at: str) -> Decimal:
    """What the ledger says is not yet drawn of the open agreements: total value less drawn, less returned."""
    params = {"group_by": "local_authority", "open_only": "true", "as_at": as_at}
    totals = api.get("/balances", role=role, params=params).json()["totals"]
    return money(totals["total_value"]) - money(totals["drawn"]) - money(totals["returned"])


class TestOverTheSeed:
    def test_every_contribution_of_the_seed_is_at_least_one_instalment(self, seeded: Session) -> None:
        bare = (
            select(func.count())
            .select_from(Contribution)
            .where(~Contribution.id.in_(select(Instalment.contribution_id)))
        )
        assert seeded.scalar(bare) == 0

    def test_each_years_bands_add_up_and_all_of_them_to_the_money_not_yet_drawn(
        self, seeded: Session, api: Any
    ) -> None:
        for role in ("finance", "planning"):
            for as_at in ("2021-01-26", "2024-02-01", date.today().isoformat()):
                report = api.get("/forecast", role=role, params={"as_at": as_at, "detail": "true"}).json()
                for year in report["years"]:
                    assert [band["band"] for band in year["bands"]] == BANDS
                    assert all(band["basis"] for band in year["bands"])
                    bands = sum(money(band["amount"]) for band in year["bands"])
                    assert bands == money(year["not_yet_drawn"]), year["financial_year"]
                    assert money(year["expected_from_triggers"]) == bands - money(year["held_by_local_authority"])
                undated = sum(money(band["amount"]) for band in report["undated"])
                assert undated == money(report["at_risk"]) + money(report["unscheduled"])
                total = sum(money(year["not_yet_drawn"]) for year in report["years"]) + undated
                assert total == money(report["not_yet_drawn"]) == not_yet_drawn(api, role, as_at), (role, as_at)
                items = sum(money(item["expected"]) for item in report["items"])
                assert items == total - money(report["years"][0]["held_by_local_authority"]) - money(report["at_risk"])


class TestBands:
    def test_each_instalment_is_banded_by_how_sure_its_date_is(self, api: Any) -> None:
        site = agreement(api, dwellings=100)
        response = api.post(
            f"/agreements/{site['id']}/contributions",
            json={
                "purpose": "equipment",
                "amount": "10000.00",
                "trigger": {"type": "on_commencement"},
                "instalments": [
                    {"percent": "10", "trigger": {"type": "on_commencement"}},
                    {"percent": "20", "trigger": {"type": "on_occupation", "threshold": 60}},
                    {"percent": "30", "trigger": {"type": "on_date", "on": "2026-06-01"}},
                    {"percent": "40", "trigger": {"type": "other", "description": "on adoption of the roads"}},
                ],
            },
        )
        owed = response.json()
        first = owed["instalments"][0]["id"]
        api.post(f"/agreements/{site['id']}/progress", json={"on": "2023-01-01", "started": 10, "completed": 0})
        api.post(f"/agreements/{site['id']}/progress", json={"on": "2024-01-01", "completed": 20, "occupied": 20})
        assert api.post(f"/instalments/{first}/due", json={}).status_code == 201
        assert movement(api, owed["id"], "received", "600.00", "2024-02-01").status_code == 201
        other = agreement(api, reference="19/0002/OUT", dwellings=100)
        assumed = api.post(
            f"/agreements/{other['id']}/contributions",
            json={"purpose": "premises", "amount": "5000.00", "trigger": {"type": "on_occupation", "threshold": 50}},
        ).json()
        assert event(api, assumed["id"], "development_started", date(2024, 1, 1)).status_code == 201

        report = api.get("/forecast", params={"as_at": "2024-03-31", "detail": "true"}).json()
        items = {(item["contribution_id"], item["instalment_id"]): item for item in report["items"]}
        ids = [item["id"] for item in owed["instalments"]]
        assert items[(owed["id"], ids[0])]["band"] == "trigger_met"
        assert items[(owed["id"], ids[0])]["expected"] == "400.00"  # 600 received paid most of the first 1,000
        assert items[(owed["id"], ids[1])]["band"] == "trigger_expected"  # 40 more at 20 a year: early 2026
        assert items[(owed["id"], ids[1])]["build_rate_basis"] == "recorded_progress"
        assert items[(owed["id"], ids[2])]["band"] == "trigger_expected"
        assert items[(owed["id"], ids[2])]["estimated_due_on"] == "2026-06-01"
        assert items[(owed["id"], ids[3])]["band"] == "speculative"
        assert items[(owed["id"], ids[3])]["estimated_due_on"] is None
        assert items[(assumed["id"], assumed["instalments"][0]["id"])]["band"] == "speculative"
        years = {year["financial_year"]: {b["band"]: b["amount"] for b in year["bands"]} for year in report["years"]}
        assert years["2023/24"] == {
            "held_by_local_authority": "600.00",
            "trigger_met": "400.00",
            "trigger_expected": "0.00",
            "speculative": "0.00",
        }
        assert years["2024/25"]["speculative"] == "5000.00"  # 50 at an assumed 50 a year from January 2024
        assert years["2025/26"]["trigger_expected"] == "2000.00"
        assert years["2026/27"]["trigger_expected"] == "3000.00"
        assert report["undated"][0]["amount"] == "4000.00"
        assert report["not_yet_drawn"] == "15000.00"


class TestDownload:
    def test_finance_downloads_the_bands_as_xlsx_and_csv(self, api: Any) -> None:
        site = agreement(api, dwellings=100)
        api.post(
            f"/agreements/{site['id']}/contributions",
            json={"purpose": "equipment", "amount": "8000.00", "trigger": {"type": "on_signing"}},
        )
        sign_in(api, "finance")
        page = api.get("/web/forecast", role=None).text
        assert 'id="bands"' in page and "Trigger expected" in page
        csv = api.get("/web/forecast", role=None, params={"format": "csv"}).text
        heading, first = csv.splitlines()[:2]
        assert heading.startswith("Financial year,Held by the authority,Trigger met,Trigger expected")
        assert ",8000.00," in first
        assert "No year (at risk or undated)" in csv
        xlsx = api.get("/web/forecast", role=None, params={"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert sheet is not None
        assert sheet.cell(row=1, column=3).value == "Trigger met"
        assert sheet.cell(row=2, column=3).value == 8000
        assert str(sheet.cell(row=sheet.max_row, column=3).value).startswith("=SUM(")


class TestBuildRates:
    def test_a_site_without_progress_builds_at_its_authoritys_default_rate_else_the_fallback(self, api: Any) -> None:
        own = agreement(api, dwellings=200)
        defaulted = api.post(
            f"/agreements/{own['id']}/contributions",
            json={"purpose": "premises", "amount": "5000.00", "trigger": {"type": "on_occupation", "threshold": 100}},
        ).json()
        assert event(api, defaulted["id"], "development_started", date(2024, 1, 1)).status_code == 201
        other = agreement(api, local_authority_id="charnwood", reference="C/1", dwellings=200)
        fallback = api.post(
            f"/agreements/{other['id']}/contributions",
            json={"purpose": "premises", "amount": "5000.00", "trigger": {"type": "on_occupation", "threshold": 100}},
        ).json()
        assert event(api, fallback["id"], "development_started", date(2024, 1, 1)).status_code == 201
        assert api.patch("/local-authorities/blaby", role="finance", json={"dwellings_per_year": 25}).status_code == 403
        assert api.patch("/local-authorities/blaby", json={"dwellings_per_year": 0}).status_code == 422
        changed = api.patch("/local-authorities/blaby", json={"dwellings_per_year": 25})
        assert changed.status_code == 200 and changed.json()["dwellings_per_year"] == 25
        report = api.get("/forecast", params={"as_at": "2024-03-31", "detail": "true"}).json()
        items = {item["contribution_id"]: item for item in report["items"]}
        assert items[defaulted["id"]]["build_rate_basis"] == "authority_default"
        assert items[defaulted["id"]]["estimated_due_on"] == "2028-01-01"  # 100 at 25 a year from January 2024
        assert "the authority's default rate" in items[defaulted["id"]]["basis"]
        assert items[fallback["id"]]["build_rate_basis"] == "assumed"
        assert items[fallback["id"]]["estimated_due_on"] == "2025-12-31"  # 100 at the fallback 50 a year (730 days)
