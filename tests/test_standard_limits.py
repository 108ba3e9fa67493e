"""Hostile files meet limits: each answers 4xx naming the file, the line and the limit, and writes nothing."""

import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Agreement
from app.standard import limits
from tests.standard_helpers import MESSY, give_organisation_codes, upload

AGREEMENT_HEADINGS = "reference,developer-agreement-type,organisation,start-date\n"


def agreement_file(*rows: str) -> tuple[str, bytes]:
    """An agreement file of the given data rows."""
    return ("developer-agreement.csv", (AGREEMENT_HEADINGS + "".join(rows)).encode())


def agreements(session: Session) -> int:
    """How many agreements the ledger holds."""
    return session.scalar(select(func.count()).select_from(Agreement)) or 0


@pytest.fixture
def api_with_codes(api, session: Session):
    """The api fixture, with blaby and charnwood given their national organisation codes."""
    give_organisation_codes(session)
    return api


def refused(api, files: list[tuple[str, bytes]], status: int = 422) -> str:
    """Upload files that break a limit; returns the problem's detail."""
    response = upload(api, files, "blaby")
    assert response.status_code == status, response.text
    return response.json()["detail"]


class TestLimits:
    """Each limit refuses the whole import before anything is written."""

    def test_a_field_over_the_cap(self, api_with_codes, session: Session) -> None:
        long = "x" * 140_000
        detail = refused(
            api_with_codes,
            [MESSY_AGREEMENTS, agreement_file("a1,section-106,local-authority-eng:BLA,2020-01-01\n", f"{long},,,\n")],
        )
        assert detail.startswith("developer-agreement.csv line 3: a field longer than 32,767 characters")
        assert detail.endswith("nothing was imported")
        assert agreements(session) == 0

    def test_an_amount_of_1e309(self, api_with_codes, session: Session) -> None:
        contributions = (
            "reference,developer-agreement,contribution-purpose,amount,start-date\n"
            "c1,a1,other,100,2020-01-01\nc2,a1,other,1e309,2020-01-01\n"
        )
        detail = refused(
            api_with_codes,
            [
                agreement_file("a1,section-106,local-authority-eng:BLA,2020-01-01\n"),
                ("developer-agreement-contribution.csv", contributions.encode()),
            ],
        )
        assert detail == (
            "developer-agreement-contribution.csv line 3: amount '1e309' is larger than the ledger holds "
            "(at most 12 digits of pounds); nothing was imported"
        )
        assert agreements(session) == 0

    @pytest.mark.parametrize("amount", ["1000000000000", "99999999999999.99"])
    def test_amounts_beyond_fourteen_digits(self, api_with_codes, amount: str) -> None:
        contributions = f"reference,developer-agreement,contribution-purpose,amount\nc1,a1,other,{amount}\n"
        detail = refused(
            api_with_codes,
            [
                agreement_file("a1,section-106,local-authority-eng:BLA,2020-01-01\n"),
                ("developer-agreement-contribution.csv", contributions.encode()),
            ],
        )
        assert "line 2: amount" in detail and "larger than the ledger holds" in detail

    def test_an_xlsx_declaring_a_million_rows_is_read_by_its_data(self, api_with_codes, session: Session) -> None:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(["reference", "developer-agreement-type", "organisation", "start-date"])
        sheet.append(["a1", "section-106", "local-authority-eng:BLA", "2020-01-01"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = _declare_dimension(buffer.getvalue(), "A1:XFD1048576")
        assert len(content) < 10_000
        response = upload(api_with_codes, [("developer-agreement.xlsx", content)], "blaby")
        assert response.status_code == 200, response.text
        assert response.json()["files"][0]["rows"] == 1
        assert agreements(session) == 1

    def test_too_many_rows(self, api_with_codes, session: Session, monkeypatch) -> None:
        monkeypatch.setattr("app.standard.parsing.MAX_ROWS", 3)
        rows = [f"a{number},section-106,local-authority-eng:BLA,2020-01-01\n" for number in range(40)]
        detail = refused(api_with_codes, [agreement_file(*rows)])
        assert re.match(r"developer-agreement\.csv line \d+: more than 3 rows; nothing was imported", detail)
        assert agreements(session) == 0

    def test_too_many_cells_in_a_row(self, api_with_codes, session: Session) -> None:
        wide = "a1,section-106,local-authority-eng:BLA,2020-01-01," + ",".join(["x"] * 600) + "\n"
        detail = refused(api_with_codes, [agreement_file(wide)])
        assert detail == "developer-agreement.csv line 2: more than 500 cells in a row; nothing was imported"

    def test_a_file_over_the_size_cap(self, api_with_codes, session: Session, monkeypatch) -> None:
        monkeypatch.setattr("app.standard.parsing.MAX_FILE_BYTES", 100)
        rows = [f"a{number},section-106,local-authority-eng:BLA,2020-01-01\n" for number in range(10)]
        detail = refused(api_with_codes, [agreement_file(*rows)], status=413)
        assert detail == "developer-agreement.csv: the file is larger than 100 bytes; nothing was imported"

    def test_a_zip_member_over_the_size_cap(self, api_with_codes, monkeypatch) -> None:
        monkeypatch.setattr("app.standard.parsing.MAX_FILE_BYTES", 2_000)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("developer-agreement.csv", AGREEMENT_HEADINGS + "a," * 5_000)
        detail = refused(api_with_codes, [("published.zip", buffer.getvalue())], status=413)
        assert detail.startswith("published.zip/developer-agreement.csv: it is larger than 2,000 bytes")

    def test_the_time_budget(self, api_with_codes, session: Session, monkeypatch) -> None:
        monkeypatch.setattr(limits, "TIME_BUDGET_SECONDS", -1)
        detail = refused(api_with_codes, list(_messy()))
        assert "line 1: the import ran over its time budget of -1 seconds; nothing was imported" in detail
        assert agreements(session) == 0


MESSY_AGREEMENTS = ("developer-agreement-extra.csv", (AGREEMENT_HEADINGS + "a0,section-106,,2020-01-01\n").encode())


def _messy() -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in MESSY]


def _declare_dimension(content: bytes, dimension: str) -> bytes:
    """The workbook with its first sheet claiming another dimension."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), data)
            target.writestr(info, data)
    return buffer.getvalue()
