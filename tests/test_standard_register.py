"""Migrating the force's spreadsheet register through POST /imports/register, and its template."""

import io
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Instalment, Movement, TriggerType
from app.standard.register import COLUMNS, EXAMPLE_ROW, write_template
from tests.builders import agreement, balances

HEADINGS = [column.heading for column in COLUMNS]


def workbook(rows: list[list[Any]], headings: list[str] = HEADINGS) -> bytes:
    """A register workbook with the given rows under the headings."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def register_row(**values: Any) -> list[Any]:
    """One register row; fields not given are empty."""
    return [values.get(column.field) for column in COLUMNS]


def post_register(api: Any, content: bytes, *, name: str = "register.xlsx", role: str = "officer", **form: Any) -> Any:
    """POST a register and return the response."""
    data = {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in form.items()}
    return api.post("/imports/register", role=role, files={"file": (name, content)}, data=data)


def migrated(api: Any, content: bytes, **form: Any) -> dict[str, Any]:
    """POST a register and return the report, asserting the request succeeded."""
    response = post_register(api, content, **form)
    assert response.status_code == 200, response.text
    return dict(response.json())


SHEET = [
    register_row(
        authority="Blaby District Council",
        agreement_reference="19/0001/OUT",
        site="Land east of Lutterworth Road",
        developer="Example Homes Ltd",
        signed_on=date(2019, 4, 1),
        purpose="Premises",
        amount="£25,000.00",
        trigger="Prior to the occupation of the 50th dwelling",
        received=25000,
        received_on=date(2021, 5, 1),
        drawn=10000,
        drawn_on="01/09/2021",
        spent=4000,
        spent_on=date(2021, 10, 1),
    ),
    register_row(
        authority="blaby",
        agreement_reference="19/0001/OUT",
        signed_on=date(2019, 4, 1),
        purpose="vehicle",
        amount=5000,
        trigger="Prior to commencement",
    ),
    register_row(
        authority="Charnwood",
        agreement_reference="P/18/2067/2",
        site="Land off Barrow Road",
        signed_on="22/03/2019",
        purpose="no prescription",
        amount=10000.5,
        received=2000,
    ),
    register_row(
        authority="Charnwood",
        agreement_reference="P/18/0888/2",
        site="Land at Anstey",
        signed_on=date(2019, 6, 11),
        purpose="equipment",
        amount=3000,
        received=1000,
        received_on=date(2020, 1, 1),
        drawn=1500,
        drawn_on=date(2020, 2, 1),
    ),
    register_row(
        authority="Harborough", agreement_reference="X/1", signed_on=date(2019, 1, 1), purpose="premises", amount=1
    ),
    register_row(
        authority="Blaby", agreement_reference="19/0002/FUL", signed_on=date(2019, 1, 1), purpose="horses", amount=1
    ),
    list(EXAMPLE_ROW),
]


class TestRegisterTemplate:
    """The template: expected headings and one example row, readable back."""

    def test_xlsx_template(self) -> None:
        sheet = load_workbook(io.BytesIO(write_template("register.xlsx"))).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == HEADINGS
        assert len(rows) == 2
        assert rows[1][0] == "Blaby" and rows[1][4].date() == date(2019, 4, 1)

    def test_csv_template(self) -> None:
        lines = write_template("register.csv").decode().splitlines()
        assert lines[0] == ",".join(HEADINGS)
        assert lines[1].startswith("Blaby,19/0001/OUT,Land east of Lutterworth Road")


class TestRegisterMigration:
    """One row per contribution, into agreements, contributions and movements, every rule kept."""

    def test_a_cell_that_cannot_be_read_is_named_by_its_column(self, api) -> None:
        rows = [
            register_row(
                authority="Blaby",
                agreement_reference="19/0009/OUT",
                signed_on=date(2019, 4, 1),
                purpose="premises",
                amount=5000,
                received=1000,
                received_on="13/31/2020",
            ),
            register_row(
                authority="Blaby", agreement_reference="19/0010/OUT", signed_on="soon", purpose="premises", amount=1
            ),
        ]
        report = migrated(api, workbook(rows))
        assert [issue["message"] for issue in report["errors"]] == [
            "received on: '13/31/2020' is not a real date",
            "signed date: 'soon' is not a date (expected YYYY-MM-DD, DD/MM/YYYY or an Excel serial number)",
        ]

    def test_rows_are_migrated_and_bad_rows_reported(self, api) -> None:
        report = migrated(api, workbook(SHEET))
        left_out = report["files"][0].pop("left_out")
        assert sum(left_out.values()) == 5
        assert report["files"][0] | {"file": ""} == {
            "file": "",
            "dataset": "register",
            "rows": 7,
            "imported": 2,
            "unchanged": 0,
            "not_imported": 0,
            "errors": 5,
        }
        assert report["created"] == {"agreements": 1, "contributions": 2, "events": 0, "movements": 5, "adjustments": 0}
        errors = {issue["line"]: issue["message"] for issue in report["errors"]}
        overdrawn = errors.pop(5)
        assert overdrawn.startswith("on 2020-02-01 the authority holds only £1,000.00 for contribution ")
        assert overdrawn.endswith("less than the £1,500.00 this would take")
        assert errors == {
            4: "received £2,000.00 has no date (give --undated-on to date such amounts)",
            6: "authority 'Harborough' is not a known local authority (the authorities are blaby, charnwood)",
            7: "purpose 'horses' is not one of premises, equipment, vehicles, crime_prevention, "
            "policing_requirements, policing_in_area, no_prescription",
            8: "this is the template's example row; delete it",
        }
        warnings = {(issue["line"], issue["message"]) for issue in report["warnings"]}
        assert (2, "purpose 'Premises' read as 'premises'") in warnings
        assert (3, "purpose 'vehicle' read as 'vehicles'") in warnings

    def test_the_figures(self, api) -> None:
        migrated(api, workbook(SHEET))
        row = balances(api, group_by="local_authority", local_authority="blaby")["rows"][0]
        assert row["total_value"] == "30000.00"
        assert row["received_by_local_authority"] == "25000.00"
        assert row["drawn"] == "10000.00"
        assert row["spent"] == "4000.00"
        assert row["held_by_local_authority"] == "15000.00"
        assert row["agreements"] == 1
        deeds = api.get("/agreements", params={"local_authority": "blaby"}).json()["items"]
        assert [(deed["reference"], deed["developer"], deed["contributions"]) for deed in deeds] == [
            ("19/0001/OUT", "Example Homes Ltd", 2)
        ]

    def test_undated_amounts_with_a_date_given(self, api) -> None:
        report = migrated(api, workbook(SHEET[2:3]), undated_on="2021-03-31")
        assert report["errors"] == []
        messages = [issue["message"] for issue in report["warnings"]]
        assert "received £2,000.00 has no date; recorded on 2021-03-31" in messages
        row = balances(api, group_by="local_authority", local_authority="charnwood")["rows"][0]
        assert (row["total_value"], row["received_by_local_authority"]) == ("10000.50", "2000.00")

    def test_dry_run_and_rerun(self, api, session: Session) -> None:
        dry = migrated(api, workbook(SHEET), dry_run=True)
        assert dry["committed"] is False and dry["created"]["contributions"] == 2
        assert session.scalar(select(func.count()).select_from(Movement)) == 0
        migrated(api, workbook(SHEET))
        count = session.scalar(select(func.count()).select_from(Movement))
        again = migrated(api, workbook(SHEET))
        assert again["files"][0]["unchanged"] == 2
        assert again["created"]["contributions"] == 0
        assert session.scalar(select(func.count()).select_from(Movement)) == count

    def test_a_trigger_of_tranches_becomes_instalments(self, api, session: Session) -> None:
        row = register_row(
            authority="Blaby",
            agreement_reference="19/0003/OUT",
            signed_on=date(2019, 4, 1),
            purpose="premises",
            amount=10000,
            trigger="10% on commencement - 90% on the 50th occupation",
        )
        report = migrated(api, workbook([row]))
        assert report["errors"] == []
        assert report["created"]["contributions"] == 1
        schedule = session.execute(
            select(Instalment.share_percent, Instalment.trigger_type).order_by(Instalment.position)
        ).all()
        assert [(percent, kind) for percent, kind in schedule] == [
            (Decimal("10"), TriggerType.on_commencement),
            (Decimal("90"), TriggerType.on_occupation),
        ]

    def test_a_row_refused_for_its_money_leaves_no_agreement(self, api) -> None:
        row = register_row(
            authority="Blaby",
            agreement_reference="19/0004/OUT",
            signed_on=date(2019, 4, 1),
            purpose="premises",
            amount=1000,
            received=500,
            received_on=date(2020, 1, 1),
            drawn=800,
            drawn_on=date(2020, 2, 1),
        )
        report = migrated(api, workbook([row]))
        assert [issue["line"] for issue in report["errors"]] == [2]
        assert report["created"] == {"agreements": 0, "contributions": 0, "events": 0, "movements": 0, "adjustments": 0}
        assert api.get("/agreements").json()["total"] == 0

    def test_strict_writes_nothing_when_a_row_is_bad(self, api) -> None:
        report = migrated(api, workbook(SHEET), strict=True)
        assert report["committed"] is False
        assert api.get("/agreements").json()["total"] == 0

    def test_an_agreement_kept_by_hand_is_left_alone(self, api) -> None:
        agreement(api, reference="19/0001/OUT")
        report = migrated(api, workbook(SHEET[:1]))
        assert report["errors"][0]["message"].startswith("agreement 19/0001/OUT of blaby is already in the ledger")
        assert balances(api, group_by="local_authority", local_authority="blaby")["rows"][0]["total_value"] == "0.00"

    def test_a_csv_register_with_other_headings(self, api) -> None:
        content = (
            b"Local Authority,Reference,Site address,Date signed,Police purpose,Sum,Amount received,Date received\n"
            b'Blaby,20/0100/OUT,Land at Glenfield,15/01/2020,crime prevention,"1,250.00",1250,2020-06-01\n'
        )
        report = migrated(api, content, name="register.csv")
        assert report["errors"] == []
        row = balances(api, group_by="purpose")["rows"][0]
        assert (row["key"], row["held_by_local_authority"]) == ("crime_prevention", "1250.00")
        assert Decimal(row["total_value"]) == Decimal("1250.00")

    def test_missing_columns_and_roles(self, api) -> None:
        missing = post_register(api, b"Authority,Site\nBlaby,x\n", name="r.csv")
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["field"] == "file"
        assert "Agreement reference, Signed date, Purpose, Amount" in missing.json()["detail"]
        assert post_register(api, workbook(SHEET), role="finance").status_code == 403
        assert post_register(api, workbook(SHEET), role="planning").status_code == 403
