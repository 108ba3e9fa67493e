"""Finding things on pages, and every table as CSV and XLSX: people's headings, numbers, totals as formulas."""

import csv
import io
import re
from datetime import date

from openpyxl import load_workbook

from tests.builders import agreement, contribution, event, movement
from tests.forms import sign_in
from tests.web_builders import programme


def ledger(api) -> dict[str, int]:
    """Three agreements at two authorities, one with a receipt."""
    first = agreement(api, reference="19/0001/OUT", site="Land east of Lutterworth Road", developer="=HYPERLINK(1)")
    second = agreement(api, reference="20/0500/FUL", site="Glenfield Park", developer="Bloor Homes")
    third = agreement(api, local_authority_id="charnwood", reference="P/21/0001", site="Nanpantan Road")
    owed = contribution(api, first["id"], purpose="vehicles", amount="10000.00")
    contribution(api, second["id"], purpose="premises", amount="2500.50")
    contribution(api, third["id"], purpose="premises", amount="7000.00")
    event(api, owed["id"], "trigger_met", date(2020, 1, 1))
    movement(api, owed["id"], "received", "4000.00", date(2021, 1, 1))
    return {"first": first["id"], "second": second["id"], "third": third["id"]}


class TestAgreementsList:
    def test_search_filters_sorting_and_links(self, api) -> None:
        ids = ledger(api)
        sign_in(api, "officer")
        found = api.get("/web/agreements", role=None, params={"q": "glenfield"}).text
        assert f'href="/web/agreements/{ids["second"]}"' in found
        assert f'href="/web/agreements/{ids["first"]}"' not in found
        by_developer = api.get("/web/agreements", role=None, params={"q": "bloor"}).text
        assert "20/0500/FUL" in by_developer and "19/0001/OUT" not in by_developer
        premises = api.get("/web/agreements", role=None, params={"purpose": "premises", "sort": "newest"}).text
        assert premises.index("P/21/0001") < premises.index("20/0500/FUL")
        assert "19/0001/OUT" not in premises
        held = api.get("/web/agreements", role=None, params={"stage": "held_by_developer"}).text
        assert "19/0001/OUT" in held and "20/0500/FUL" not in held
        charnwood = api.get("/web/agreements", role=None, params={"local_authority": "charnwood"}).text
        assert "P/21/0001" in charnwood and "19/0001/OUT" not in charnwood

    def test_the_filter_form_as_a_browser_sends_it_with_every_any_choice_left_blank(self, api) -> None:
        ledger(api)
        sign_in(api, "officer")
        blank = {"q": "", "local_authority": "", "status": "", "stage": "", "purpose": "", "sort": "reference"}
        every = api.get("/web/agreements", role=None, params=blank)
        assert every.status_code == 200
        assert "19/0001/OUT" in every.text and "P/21/0001" in every.text
        held = api.get("/web/agreements", role=None, params={**blank, "stage": "held_by_developer"})
        assert "19/0001/OUT" in held.text and "20/0500/FUL" not in held.text

    def test_an_unknown_stage_is_refused_like_an_unknown_sort(self, api) -> None:
        sign_in(api, "officer")
        assert api.get("/web/agreements", role=None, params={"stage": "bogus"}).status_code == 400
        assert api.get("/web/agreements", role=None, params={"sort": "bogus"}).status_code == 400

    def test_the_stage_filter_offers_exactly_the_stages_pages_name(self) -> None:
        from typing import get_args

        from app.web.finding import StageCode
        from app.web.formatting import STAGE_LABELS

        assert set(get_args(StageCode)) == set(STAGE_LABELS)

    def test_a_planning_officer_finds_only_their_authority(self, api) -> None:
        ledger(api)
        sign_in(api, "planning")
        page = api.get("/web/agreements", role=None).text
        assert "19/0001/OUT" in page
        assert "P/21/0001" not in page and "Charnwood" not in page
        assert "Record a signed agreement" not in page
        assert "P/21/0001" not in api.get("/web/agreements", role=None, params={"local_authority": "charnwood"}).text


class TestDownloads:
    def test_agreements_as_csv_with_headings_and_no_formulas(self, api) -> None:
        ledger(api)
        sign_in(api, "finance")
        response = api.get("/web/agreements", role=None, params={"local_authority": "blaby", "format": "csv"})
        assert response.status_code == 200
        assert response.headers["content-disposition"].startswith('attachment; filename="agreements-')
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0][:3] == ["Reference", "Local authority", "Site"]
        first = next(row for row in rows if row[0] == "19/0001/OUT")
        assert first[3] == "'=HYPERLINK(1)"
        assert rows[-1][0] == "Total"
        assert rows[-1][rows[0].index("Total value")] == "12500.50"

    def test_agreements_as_xlsx_numbers_as_numbers_and_the_total_as_a_formula(self, api) -> None:
        ledger(api)
        sign_in(api, "officer")
        response = api.get("/web/agreements", role=None, params={"local_authority": "blaby", "format": "xlsx"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        headings = [cell.value for cell in sheet[1]]
        total_column = headings.index("Total value") + 1
        values = [sheet.cell(row, total_column).value for row in (2, 3)]
        assert sorted(str(value) for value in values) == ["10000", "2500.5"]
        assert all(isinstance(value, (int, float)) for value in values)
        developer = headings.index("Developer") + 1
        assert "'=HYPERLINK(1)" in [sheet.cell(row, developer).value for row in (2, 3)]
        last = sheet.max_row
        assert sheet.cell(last, 1).value == "Total"
        formula = sheet.cell(last, total_column).value
        assert isinstance(formula, str) and formula.startswith("=SUM(")

    def test_each_table_page_downloads(self, api) -> None:
        ledger(api)
        sign_in(api, "officer")
        for path in ("/web/drawdowns", "/web/spend", "/web/forecast", "/web/audit"):
            page = api.get(path, role=None)
            assert page.status_code == 200, path
            assert "format=xlsx" in page.text, path
            for file_format in ("csv", "xlsx"):
                response = api.get(path, role=None, params={"format": file_format})
                assert response.status_code == 200, (path, file_format)
                assert response.headers["content-disposition"].startswith("attachment"), path

    def test_the_audit_trail_is_filtered_and_closed_to_planning(self, api) -> None:
        ledger(api)
        sign_in(api, "finance")
        page = api.get("/web/audit", role=None, params={"resource": "movements"}).text
        assert "POST /movements" in page and "POST /agreements" not in page
        sign_in(api, "planning")
        assert api.get("/web/audit", role=None).status_code == 403

    def test_every_page_with_a_table_offers_it_to_download(self, api) -> None:
        ids = ledger(api)
        sign_in(api, "officer")
        owed = api.get(f"/agreements/{ids['first']}/contributions").json()["items"][0]["id"]
        for path, tables in (
            ("/web/local-authorities/blaby", [{}]),
            (f"/web/agreements/{ids['first']}", [{"table": "contributions"}, {"table": "history"}]),
            (f"/web/contributions/{owed}", [{}]),
            ("/web/projects", [{}]),
            ("/web/deadlines", [{"within_days": 36500}]),
        ):
            page = api.get(path, role=None, params=tables[0] if path == "/web/deadlines" else {})
            assert page.status_code == 200, path
            for table in tables:
                for file_format in ("csv", "xlsx"):
                    wanted = "".join(f'[^"]*{key}={value}' for key, value in table.items())
                    assert re.search(f'href="{path}\\?{wanted}[^"]*format={file_format}"', page.text), (path, table)
                    response = api.get(path, role=None, params={**table, "format": file_format})
                    assert response.status_code == 200, (path, table, file_format)
                    assert response.headers["content-disposition"].startswith("attachment"), path

    def test_an_authoritys_agreements_a_row_per_contribution_with_a_formula_total(self, api) -> None:
        ledger(api)
        sign_in(api, "finance")
        response = api.get("/web/local-authorities/blaby", role=None, params={"format": "csv"})
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0][:6] == ["Agreement", "Site", "Signed", "Closed", "Contribution", "Purpose"]
        assert {row[0] for row in rows[1:-1]} == {"19/0001/OUT", "20/0500/FUL"}
        assert "P/21/0001" not in response.text
        held = rows[0].index("Held by the authority")
        assert rows[-1][0] == "Total" and rows[-1][held] == "4000.00"
        workbook = api.get("/web/local-authorities/blaby", role=None, params={"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(workbook.content)).active
        assert sheet.cell(sheet.max_row, held + 1).value == f"=SUM({chr(ord('A') + held)}2:{chr(ord('A') + held)}3)"
        assert isinstance(sheet.cell(2, held + 1).value, (int, float))

    def test_an_agreements_history_downloads_with_its_movements(self, api) -> None:
        ids = ledger(api)
        sign_in(api, "officer")
        response = api.get(f"/web/agreements/{ids['first']}", role=None, params={"table": "history", "format": "csv"})
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0][:4] == ["Date", "Contribution", "What happened", "Amount"]
        received = [row for row in rows if row[2] == "Received by the authority"]
        assert [(row[0], row[3]) for row in received] == [("2021-01-01", "4000.00")]

    def test_a_planning_officer_downloads_only_their_authority(self, api) -> None:
        ids = ledger(api)
        sign_in(api, "planning")
        assert api.get("/web/local-authorities/charnwood", role=None, params={"format": "csv"}).status_code == 404
        third = api.get(f"/web/agreements/{ids['third']}", role=None, params={"table": "history", "format": "xlsx"})
        assert third.status_code == 404
        for path in ("/web/projects", "/web/deadlines"):
            shown = api.get(path, role=None, params={"format": "csv", "within_days": 36500})
            assert shown.status_code == 200 and "Charnwood" not in shown.text and "P/21/0001" not in shown.text

    def test_a_requests_lines_and_payments_and_an_invoices_charges_download(self, api) -> None:
        made = programme(api)
        sign_in(api, "finance")
        drawdown = api.get("/drawdowns", params={"project_id": made.cameras}).json()["items"][0]
        spent = api.get("/spend", params={"project_id": made.cameras}).json()["items"][0]
        lines = api.get(f"/web/drawdowns/{drawdown['id']}", role=None, params={"table": "lines", "format": "csv"})
        rows = list(csv.reader(io.StringIO(lines.text)))
        assert rows[0] == ["Contribution", "Requested", "Paid", "Outstanding"]
        assert rows[-1][:2] == ["Total", drawdown["amount"]]
        payments = api.get(
            f"/web/drawdowns/{drawdown['id']}", role=None, params={"table": "payments", "format": "xlsx"}
        )
        sheet = load_workbook(io.BytesIO(payments.content)).active
        assert [cell.value for cell in sheet[1]] == ["Date", "Reference", "Amount", "Recorded by", "Reversed"]
        charges = api.get(f"/web/spend/{spent['id']}", role=None, params={"format": "csv"})
        rows = list(csv.reader(io.StringIO(charges.text)))
        assert rows[0] == ["Contribution", "Local authority", "Charged"] and rows[-1][-1] == spent["amount"]
        for path in (f"/web/drawdowns/{drawdown['id']}", f"/web/spend/{spent['id']}"):
            assert "format=xlsx" in api.get(path, role=None).text, path

    def test_the_bids_summary_and_the_investment_list_download_with_formula_totals(self, api) -> None:
        formula = api.post(
            "/bid-formulas",
            json={
                "name": "Per-dwelling formula",
                "base_date": "2024-04-01",
                "items": [{"item": "premises", "cost_per_dwelling": "80.00", "assumption": "0.5 sq m a home"}],
            },
        ).json()
        body = {"site": "Land south of Hospital Lane", "consulted_on": "2024-03-01", "formula_id": formula["id"]}
        for reference, dwellings in (("24/0100/OUT", 100), ("24/0200/OUT", 50)):
            made = api.post(
                "/bids",
                json={
                    **body,
                    "local_authority_id": "blaby",
                    "application_reference": reference,
                    "dwellings": dwellings,
                },
            )
            assert made.status_code == 201, made.text
        item = {"category": "equipment", "estimate": "15000.00", "strategy_reference": "Capital programme line 31"}
        assert api.post("/investment-items", json={**item, "name": "Drones"}).status_code == 201
        sign_in(api, "panel")
        for path in ("/web/bids", "/web/investment"):
            assert "format=xlsx" in api.get(path, role=None).text, path
        summary = list(csv.reader(io.StringIO(api.get("/web/bids", role=None, params={"format": "csv"}).text)))
        assert summary[0][:3] == ["Local authority", "Year consulted", "Bids"]
        assert summary[1][:5] == ["Blaby District Council", "2024", "2", "0", "12000.00"]
        workbook = api.get("/web/investment", role=None, params={"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(workbook.content)).active
        headings = [cell.value for cell in sheet[1]]
        estimate = headings.index("Estimate") + 1
        assert sheet.cell(2, 1).value == "Drones" and sheet.cell(2, estimate).value == 15000
        assert str(sheet.cell(sheet.max_row, estimate).value).startswith("=SUM(")
