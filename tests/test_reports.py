"""The Panel report (JSON, CSV, XLSX) and reconciliation of published tables against the ledger."""

import csv
import io
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import main
from app.reports import cli as reports_cli
from app.reports.reconcile import Check, Layout, PanelRow, PanelTable, Verdict, parse_table, reconcile, table_faults
from tests.builders import agreement, contribution, event, movement

PUBLISHED = Path(__file__).resolve().parent.parent / "seed" / "published"
APPENDIX_A = (PUBLISHED / "appendix-a-2021-01-26.csv").read_text(encoding="utf-8")
TABLE_2024 = (PUBLISHED / "table-2024-02-01.csv").read_text(encoding="utf-8")


def post_csv(api: Any, text: str, as_at: str, role: str = "finance") -> Any:
    """POST a table as a text/csv body."""
    return api.post(
        "/reconciliations",
        role=role,
        params={"as_at": as_at},
        content=text.encode("utf-8"),
        headers={"Content-Type": "text/csv"},
    )


class TestPanelReportFromTheLedger:
    """A small ledger built through the API, reported in the 2024 and 2021 layouts."""

    @pytest.fixture
    def ledger(self, api: Any) -> dict[str, Any]:
        deed = agreement(api, signed_on=date(2020, 1, 6))
        premises = contribution(api, deed["id"], purpose="premises", amount="40000.00")
        contribution(api, deed["id"], purpose="vehicles", amount="10000.50")
        assert event(api, premises["id"], "development_started", date(2020, 3, 1)).status_code == 201
        assert movement(api, premises["id"], "received", "40000.00", date(2020, 6, 1)).status_code == 201
        assert movement(api, premises["id"], "drawn", "25000.00", date(2020, 9, 1)).status_code == 201
        # Forward-funded: spent more than drawn.
        assert movement(api, premises["id"], "spent", "30000.00", date(2020, 10, 1)).status_code == 201
        closed = agreement(api, reference="18/0002/OUT", signed_on=date(2018, 5, 1))
        old = contribution(api, closed["id"], purpose="equipment", amount="5000.00")
        assert event(api, old["id"], "development_started", date(2018, 6, 1)).status_code == 201
        assert movement(api, old["id"], "received", "5000.00", date(2018, 7, 1)).status_code == 201
        assert movement(api, old["id"], "drawn", "5000.00", date(2018, 8, 1)).status_code == 201
        response = api.patch(f"/agreements/{closed['id']}", json={"closed_on": "2020-12-31"})
        assert response.status_code == 200, response.text
        return {"deed": deed, "closed": closed}

    def test_2024_layout_counts_open_agreements_only(self, api: Any, ledger: dict[str, Any]) -> None:
        report = api.get("/reports/panel", params={"layout": "2024", "as_at": "2021-01-31"}).json()
        assert [row["local_authority"] for row in report["rows"]] == ["Blaby", "Charnwood"]
        blaby = report["rows"][0]["values"]
        assert blaby == {
            "open_agreements": 1,
            "total_value_of_agreements": "50000.50",
            "project_not_yet_started": "10000.50",
            "money_held_by_developers": "0.00",
            "money_held_by_local_authority": "15000.00",
            "total_money_drawn_down": "25000.00",
            "total_money_spent": "30000.00",
            "total_funds_remaining": "20000.50",
        }
        assert report["total"]["values"] == blaby
        assert report["title"] == "S106 open agreements by local authority - as at 31/01/2021"

    def test_2021_layout_counts_every_agreement_and_splits_held_by_purpose(
        self, api: Any, ledger: dict[str, Any]
    ) -> None:
        report = api.get("/reports/panel", params={"layout": "2021", "as_at": "2021-01-31"}).json()
        blaby = report["rows"][0]["values"]
        assert blaby["number_of_agreements"] == 2
        assert blaby["total_value_of_agreements"] == "55000.50"
        assert blaby["held_by_local_authority"] == "15000.00"
        assert blaby["held_premises"] == "15000.00"
        assert blaby["held_equipment"] == "0.00"
        assert blaby["drawn_down_by_force"] == "30000.00"
        assert blaby["not_yet_released_by_developers"] == "10000.50"
        assert blaby["may_not_be_released_trigger_point"] == "0.00"

    def test_as_at_before_the_receipt(self, api: Any, ledger: dict[str, Any]) -> None:
        report = api.get("/reports/panel", params={"layout": "2024", "as_at": "2020-04-01"}).json()
        blaby = report["rows"][0]["values"]
        assert blaby["money_held_by_developers"] == "40000.00"
        # The 2018 agreement is still open then, and its drawdown counts.
        assert blaby["total_money_drawn_down"] == "5000.00"
        assert blaby["open_agreements"] == 2

    def test_bad_layout_is_a_problem_naming_the_field(self, api: Any) -> None:
        response = api.get("/reports/panel", params={"layout": "2019"})
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "layout" in response.text

    def test_needs_a_token(self, api: Any) -> None:
        assert api.get("/reports/panel", role=None).status_code == 401


class TestPanelReportFormats:
    """JSON, CSV and XLSX of the seeded 2021 table; a planning officer's own row only."""

    def test_csv_has_the_published_header_and_row_order(self, seeded: Session, api: Any) -> None:
        response = api.get("/reports/panel", params={"layout": "2021", "as_at": "2021-01-26", "format": "csv"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "panel-2021-as-at-2021-01-26.csv" in response.headers["content-disposition"]
        ours = list(csv.reader(io.StringIO(response.text)))
        theirs = list(csv.reader(io.StringIO(APPENDIX_A)))
        assert ours[0] == theirs[0]
        assert [row[0] for row in ours] == [row[0] for row in theirs]
        assert ours[1][:3] == ["Blaby", "1820882.00", "21"]

    def test_csv_reconciles_back_to_itself(self, seeded: Session, api: Any) -> None:
        text = api.get("/reports/panel", params={"layout": "2024", "as_at": "2024-01-31", "format": "csv"}).text
        result = post_csv(api, text, "2024-01-31").json()
        assert result["cells_differing"] == 0
        # The ledger's own table still shows its forward funding.
        assert {(fault["row"], fault["check"]) for fault in result["faults"]} == {
            ("Blaby", "spent_above_drawn"),
            ("Rutland", "spent_above_drawn"),
        }

    def test_xlsx_is_a_spreadsheet_with_money_formatted_and_a_title(self, seeded: Session, api: Any) -> None:
        response = api.get("/reports/panel", params={"layout": "2021", "as_at": "2021-01-26", "format": "xlsx"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        assert sheet["A1"].value == "S106 Agreements - as at 26/01/2021"
        assert sheet["A4"].value == "Local authority"
        assert sheet["A5"].value == "Blaby"
        assert sheet["B5"].value == pytest.approx(1820882)
        assert "£" in sheet["B5"].number_format
        assert sheet["C5"].value == 21 and "£" not in sheet["C5"].number_format
        assert sheet["A13"].value == "Total"
        # The Total row is a formula over the authorities' rows, whose figures add up to the Panel's total.
        assert sheet["C13"].value == "=SUM(C5:C12)" and sheet["B13"].value == "=SUM(B5:B12)"
        assert sum(sheet.cell(row, 3).value for row in range(5, 13)) == 102
        assert sheet["A13"].font.bold and "£" in sheet["B13"].number_format

    def test_planning_officer_sees_their_row_and_a_total_equal_to_it(self, seeded: Session, api: Any) -> None:
        report = api.get("/reports/panel", role="planning", params={"layout": "2024", "as_at": "2024-01-31"}).json()
        assert [row["local_authority_id"] for row in report["rows"]] == ["blaby"]
        assert report["total"]["values"] == report["rows"][0]["values"]
        assert report["total"]["values"]["total_money_spent"] == "737975.00"


class TestReconciliation:
    """The published tables against the seeded ledger."""

    def test_appendix_a_matches_and_has_no_fault_beyond_rounding(self, seeded: Session, api: Any) -> None:
        response = post_csv(api, APPENDIX_A, "2021-01-26")
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["layout"] == "2021"
        assert result["cells_compared"] == 9 * 13
        assert result["cells_differing"] == 0
        assert result["faults"] == []
        total_value = next(
            cell for cell in result["cells"] if cell["row"] == "Total" and cell["column"] == "total_value_of_agreements"
        )
        # The printed Total is £2 under the sum of its printed rows: within the rounding of eight figures.
        assert Decimal(total_value["difference"]) < 0 and total_value["verdict"] == "matches"

    def test_2024_table_has_exactly_the_faults_its_readme_describes(self, seeded: Session, api: Any) -> None:
        result = post_csv(api, TABLE_2024, "2024-01-31").json()
        assert result["layout"] == "2024"
        faults = {(fault["row"], fault["check"]): fault for fault in result["faults"]}
        assert set(faults) == {
            ("Blaby", "remaining"),
            ("Charnwood", "remaining"),
            ("North West Leicestershire", "remaining"),
            ("Oadby & Wigston", "remaining"),
            ("Rutland", "remaining"),
            ("Blaby", "spent_above_drawn"),
            ("Rutland", "spent_above_drawn"),
        }
        blaby = faults[("Blaby", "remaining")]
        assert (blaby["expected"], blaby["actual"], blaby["difference"]) == ("1119274.00", "1238583.00", "119309.00")
        rutland = faults[("Rutland", "spent_above_drawn")]
        assert (rutland["expected"], rutland["actual"], rutland["difference"]) == ("88133.00", "111471.00", "23338.00")
        differing = {(cell["row"], cell["column"]) for cell in result["cells"] if cell["verdict"] == "differs"}
        assert differing == {
            (row, "total_funds_remaining")
            for row in ("Blaby", "Charnwood", "North West Leicestershire", "Oadby & Wigston", "Rutland", "Total")
        }
        assert result["cells_differing"] == 6

    def test_each_cell_names_the_printed_figure_and_the_ledger_s(self, seeded: Session, api: Any) -> None:
        result = post_csv(api, TABLE_2024, "2024-01-31").json()
        cells = {(cell["row"], cell["column"]): cell for cell in result["cells"]}
        remaining = cells[("Blaby", "total_funds_remaining")]
        assert (remaining["printed"], remaining["ledger"], remaining["difference"]) == (
            "1238583.00",
            "1119274.40",
            "119308.60",
        )
        assert (remaining["actual"], remaining["expected"]) == (remaining["printed"], remaining["ledger"])
        assert remaining["message"] == "Blaby, Total funds remaining: printed 1238583, ledger 1119274.40"
        fault = next(f for f in result["faults"] if (f["row"], f["check"]) == ("Blaby", "remaining"))
        assert (fault["printed"], fault["ledger"], fault["expected"]) == ("1238583.00", None, "1119274.00")

    def test_counts_are_integers_not_money(self, seeded: Session, api: Any) -> None:
        result = post_csv(api, APPENDIX_A, "2021-01-26").json()
        cells = {(cell["row"], cell["column"]): cell for cell in result["cells"]}
        count = cells[("Blaby", "number_of_agreements")]
        assert [count[key] for key in ("printed", "ledger", "difference", "tolerance")] == [21, 21, 0, 0]
        total = cells[("Total", "number_of_agreements")]
        assert (total["printed"], total["ledger"]) == (102, 102)
        assert cells[("Blaby", "total_value_of_agreements")]["printed"] == "1820882.00"
        opened = post_csv(api, TABLE_2024, "2024-01-31").json()["cells"]
        assert next(c for c in opened if c["row"] == "Blaby" and c["column"] == "open_agreements")["ledger"] == 11

    def test_a_row_naming_no_authority_in_the_ledger_differs_and_is_counted(self, seeded: Session, api: Any) -> None:
        narnia = APPENDIX_A.replace("\nBlaby,", "\nNarnia,", 1)
        result = post_csv(api, narnia, "2021-01-26").json()
        [unmatched] = [cell for cell in result["cells"] if cell["row"] == "Narnia"]
        assert (unmatched["check"], unmatched["verdict"]) == ("unmatched_row", "differs")
        assert (unmatched["printed"], unmatched["ledger"]) == (None, None)
        assert unmatched["message"] == "no authority 'Narnia' in the ledger"
        # Narnia, and the ledger's Blaby row the table no longer lists; the Total still matches.
        assert result["cells_differing"] == 2
        assert {cell["row"] for cell in result["cells"] if cell["verdict"] == "differs"} == {"Narnia", "Blaby"}

    def test_an_empty_file_is_refused_naming_the_file(self, api: Any) -> None:
        for body in ("", "\n  \n", "\ufeff"):
            response = post_csv(api, body, "2021-01-26")
            assert response.status_code == 422, body
            assert response.json()["detail"] == "the file is empty"
            assert response.json()["errors"][0]["field"] == "file"
        upload = api.post(
            "/reconciliations", params={"as_at": "2021-01-26"}, files={"file": ("empty.csv", b"", "text/csv")}
        )
        assert upload.status_code == 422
        assert upload.json()["detail"] == "the file is empty"

    def test_a_file_the_csv_reader_cannot_read_is_refused_naming_the_file(self, api: Any) -> None:
        for body in ("local_authority\r0", 'local_authority,x\n"' + "x" * 140_000 + '"\n'):
            response = post_csv(api, body, "2021-01-26")
            assert response.status_code == 422, response.text
            assert response.json()["errors"][0]["field"] == "file"

    def test_a_multipart_upload_works_too(self, seeded: Session, api: Any) -> None:
        response = api.post(
            "/reconciliations",
            params={"as_at": "2021-01-26"},
            files={"file": ("appendix-a.csv", APPENDIX_A.encode(), "text/csv")},
        )
        assert response.status_code == 200, response.text
        assert response.json()["cells_differing"] == 0

    def test_a_different_date_shows_the_ledger_moved_on(self, seeded: Session, api: Any) -> None:
        result = post_csv(api, APPENDIX_A, "2024-01-31").json()
        assert result["cells_differing"] > 50
        assert result["faults"] == []

    def test_planning_officers_may_not_reconcile(self, api: Any) -> None:
        assert post_csv(api, APPENDIX_A, "2021-01-26", role="planning").status_code == 403

    def test_unknown_header_is_refused_naming_the_file(self, api: Any) -> None:
        response = post_csv(api, "local_authority,apples\nBlaby,1\n", "2021-01-26")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "file"
        assert "neither published layout" in response.json()["detail"]

    def test_a_cell_that_is_not_a_number_is_named(self, api: Any) -> None:
        broken = TABLE_2024.replace("1857249", "lots")
        response = post_csv(api, broken, "2024-01-31")
        assert response.status_code == 422
        assert "row 'Blaby', column 'total_value_of_agreements'" in response.json()["detail"]

    def test_as_at_is_required(self, api: Any) -> None:
        response = api.post("/reconciliations", content=APPENDIX_A.encode(), headers={"Content-Type": "text/csv"})
        assert response.status_code == 422
        assert "as_at" in response.text


def table(rows: dict[str, dict[str, str]], total: dict[str, str] | None = None) -> PanelTable:
    """A printed 2024 table from a few figures (missing columns are zero)."""
    return PanelTable(
        layout=Layout.panel_2024,
        as_at=date(2024, 1, 31),
        rows=[
            PanelRow(label, {key: Decimal(value) for key, value in values.items()}) for label, values in rows.items()
        ],
        total=PanelRow("Total", {key: Decimal(value) for key, value in total.items()}) if total else None,
    )


class TestReconcileIsPure:
    """The checks themselves, on hand-made tables, at the edges of their tolerances."""

    ROW = {
        "total_value_of_agreements": "100",
        "money_held_by_local_authority": "40",
        "total_money_drawn_down": "60",
        "total_money_spent": "50",
        "total_funds_remaining": "50",
    }

    def test_a_consistent_table_has_no_fault(self) -> None:
        assert table_faults(table({"A": self.ROW})) == []

    def test_a_pound_of_rounding_is_allowed_and_two_are_not(self) -> None:
        assert table_faults(table({"A": {**self.ROW, "total_funds_remaining": "51"}})) == []
        [fault] = table_faults(table({"A": {**self.ROW, "total_funds_remaining": "52"}}))
        assert (fault.check, fault.expected, fault.actual, fault.difference) == (
            Check.remaining,
            Decimal("50"),
            Decimal("52"),
            Decimal("2"),
        )

    def test_a_row_whose_parts_do_not_make_its_total(self) -> None:
        [fault] = table_faults(
            table(
                {
                    "A": {
                        **self.ROW,
                        "total_money_drawn_down": "50",
                        "total_money_spent": "40",
                        "total_funds_remaining": "60",
                    }
                }
            )
        )
        assert fault.check is Check.row_parts and fault.difference == Decimal("10")

    def test_a_total_that_is_not_the_sum_of_its_column(self) -> None:
        doubled = {key: str(Decimal(value) * 2) for key, value in self.ROW.items()}
        assert list(table_faults(table({"A": self.ROW, "B": self.ROW}, total=doubled))) == []
        # Two rows may each round by half a pound; a Total £2 out is beyond that.
        off = {**doubled, "total_money_spent": "102"}
        [fault] = table_faults(table({"A": self.ROW, "B": self.ROW}, total=off))
        assert (fault.check, fault.row, fault.column) == (Check.column_total, "Total", "total_money_spent")

    def test_cells_compare_within_a_pound(self) -> None:
        printed = table({"Blaby": self.ROW})
        computed = table({"Blaby District Council": {**self.ROW, "total_money_spent": "50.99"}})
        findings = reconcile(printed, computed)
        spent = next(f for f in findings if f.column == "total_money_spent")
        assert spent.verdict is Verdict.matches and spent.difference == Decimal("-0.99")
        computed.rows[0].values["total_money_spent"] = Decimal("51.01")
        spent = next(f for f in reconcile(printed, computed) if f.column == "total_money_spent")
        assert spent.verdict is Verdict.differs

    def test_rows_only_one_side_has_are_reported(self) -> None:
        findings = reconcile(table({"Narnia": self.ROW}), table({"Blaby": self.ROW}))
        assert {(f.check, f.row, f.verdict) for f in findings} == {
            (Check.unmatched_row, "Narnia", Verdict.differs),
            (Check.unmatched_row, "Blaby", Verdict.differs),
        }

    def test_parse_reads_printed_dashes_and_deductions(self) -> None:
        text = "local_authority,open_agreements,total_value_of_agreements,project_not_yet_started,"
        text += "money_held_by_developers,money_held_by_local_authority,total_money_drawn_down,total_money_spent,"
        text += 'total_funds_remaining\nBlaby,11,"1,857,249",-,566131,649613,641506,"(737,975)",1238583\n'
        parsed = parse_table(text, as_at=date(2024, 1, 31))
        assert parsed.layout is Layout.panel_2024 and parsed.total is None
        assert parsed.rows[0].values["total_money_spent"] == Decimal("737975")
        assert parsed.rows[0].values["project_not_yet_started"] == Decimal("0")


class TestCommandLine:
    """`s106 report` and `s106 reconcile` print readable tables from the same service."""

    @pytest.fixture
    def cli_session(self, seeded: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
        class InTestTransaction:
            @contextmanager
            def begin(self) -> Any:
                yield seeded

        monkeypatch.setattr(reports_cli, "get_sessionmaker", InTestTransaction)
        return seeded

    def test_report_prints_the_table_and_writes_a_file(self, cli_session: Session, tmp_path: Path) -> None:
        output = tmp_path / "panel.xlsx"
        result = CliRunner().invoke(
            main, ["report", "--layout", "2024", "--as-at", "2024-01-31", "--output", str(output)]
        )
        assert result.exit_code == 0, result.output
        assert "as at 31/01/2024" in result.output
        assert "737,975" in result.output and "11,124,268" in result.output
        assert load_workbook(output).active is not None

    def test_reconcile_lists_the_faults_and_exits_1(self, cli_session: Session) -> None:
        result = CliRunner().invoke(
            main, ["reconcile", str(PUBLISHED / "table-2024-02-01.csv"), "--as-at", "2024-01-31"]
        )
        assert result.exit_code == 1, result.output
        assert "7 faults" in result.output
        assert "66 of 72 cells match" in result.output

    def test_reconcile_appendix_a_exits_0(self, cli_session: Session) -> None:
        result = CliRunner().invoke(
            main, ["reconcile", str(PUBLISHED / "appendix-a-2021-01-26.csv"), "--as-at", "2021-01-26"]
        )
        assert result.exit_code == 0, result.output
        assert "117 of 117 cells match" in result.output

    def test_a_bad_date_is_refused(self, cli_session: Session) -> None:
        result = CliRunner().invoke(main, ["report", "--as-at", "31/01/2024"])
        assert result.exit_code == 2
        assert "not a date" in result.output
