"""GET /exports/developer-contributions: the three files, valid against the codelists, as at a date,
scoped by role, and a round trip that gives back what was imported."""

import csv
import io
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app.standard import codelists
from app.standard.exporter import FIELDS
from tests.builders import agreement, contribution, event, movement
from tests.standard_helpers import (
    CHARNWOOD_CSV,
    MESSY,
    export_zip,
    exported_files,
    give_organisation_codes,
    imported,
)

AGREEMENTS, CONTRIBUTIONS, TRANSACTIONS = FIELDS


@pytest.fixture
def api_with_codes(api, session: Session):
    """The api fixture, with blaby and charnwood given their national organisation codes."""
    give_organisation_codes(session)
    return api


def read_csv(path) -> list[dict[str, str]]:
    """A fixture CSV as rows keyed by heading."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def status_sums(tables: dict[str, list[dict[str, str]]]) -> Counter[tuple[str, str, str, str]]:
    """Each transaction as (agreement, contribution amount, status, date) -> amount, without references."""
    contributions = {row["reference"]: row for row in tables[CONTRIBUTIONS]}
    sums: Counter[tuple[str, str, str, str]] = Counter()
    for row in tables[TRANSACTIONS]:
        parent = contributions[row["developer-agreement-contribution"]]
        key = (parent["developer-agreement"], parent["amount"], row["contribution-funding-status"], row["start-date"])
        sums[key] += int(Decimal(row["amount"]) * 100)
    return sums


def without_references(tables: dict[str, list[dict[str, str]]]) -> dict[str, object]:
    """An export's content with the parts that depend on row ids and the authority left out."""
    return {
        AGREEMENTS: sorted(
            tuple(value for name, value in row.items() if name != "organisation") for row in tables[AGREEMENTS]
        ),
        CONTRIBUTIONS: sorted(
            (row["developer-agreement"], row["amount"], row["notes"], row["start-date"], row["end-date"])
            for row in tables[CONTRIBUTIONS]
        ),
        TRANSACTIONS: status_sums(tables),
    }


class TestExportFiles:
    """The files' shape: the standard's headings and codes, amounts in pounds and pence."""

    def test_a_zip_of_three_files_with_the_standards_headings(self, api_with_codes) -> None:
        imported(api_with_codes, MESSY, "blaby")
        response = api_with_codes.get("/exports/developer-contributions", params={"local_authority": "blaby"})
        assert response.status_code == 200
        assert "developer-contributions-blaby-" in response.headers["content-disposition"]
        tables = export_zip(api_with_codes, local_authority="blaby")
        assert set(tables) == {AGREEMENTS, CONTRIBUTIONS, TRANSACTIONS}
        for dataset, rows in tables.items():
            assert list(rows[0]) == FIELDS[dataset]
        assert len(tables[AGREEMENTS]) == 2
        assert len(tables[CONTRIBUTIONS]) == 4
        assert len(tables[TRANSACTIONS]) == 10

    def test_every_value_passes_the_codelists(self, api_with_codes) -> None:
        imported(api_with_codes, MESSY, "blaby")
        imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        tables = export_zip(api_with_codes)
        assert {row["developer-agreement-type"] for row in tables[AGREEMENTS]} == {"section-106"}
        assert {row["contribution-purpose"] for row in tables[CONTRIBUTIONS]} == {"other"}
        assert {row["contribution-funding-status"] for row in tables[TRANSACTIONS]} == {
            "secured",
            "received",
            "transferred",
            "spent",
        }
        for row in tables[TRANSACTIONS]:
            assert codelists.is_valid(codelists.FUNDING_STATUS, row["contribution-funding-status"])
        for row in tables[CONTRIBUTIONS] + tables[TRANSACTIONS]:
            assert Decimal(row["amount"]).as_tuple().exponent == -2
        organisations = {row["organisation"] for rows in tables.values() for row in rows}
        assert organisations == {"local-authority-eng:BLA", "local-authority-eng:CHA"}

    def test_the_local_purpose_and_trigger_are_in_the_notes(self, api_with_codes) -> None:
        deed = agreement(api_with_codes, reference="21/0500/OUT", signed_on=date(2021, 5, 1))
        premises = contribution(api_with_codes, deed["id"], purpose="premises", amount="1500.00")
        tables = export_zip(api_with_codes, local_authority="blaby")
        row = next(item for item in tables[CONTRIBUTIONS] if item["reference"].endswith(f"-dac-{premises['id']}"))
        assert row["contribution-purpose"] == "other"
        assert row["notes"] == "police purpose: premises; trigger type: on_commencement; events: none"
        assert row["developer-agreement"] == "21/0500/OUT-da"
        assert tables[TRANSACTIONS] == []

    def test_one_row_per_status_reached_with_its_date(self, api_with_codes) -> None:
        deed = agreement(api_with_codes, signed_on=date(2019, 4, 1))
        equipment = contribution(api_with_codes, deed["id"], amount="20000.00")
        assert event(api_with_codes, equipment["id"], "trigger_met", date(2020, 1, 10)).status_code == 201
        assert movement(api_with_codes, equipment["id"], "received", "12000.00", "2020-03-01").status_code == 201
        assert movement(api_with_codes, equipment["id"], "received", "8000.00", "2020-09-01").status_code == 201
        assert movement(api_with_codes, equipment["id"], "drawn", "15000.00", "2021-01-05").status_code == 201
        assert movement(api_with_codes, equipment["id"], "spent", "9000.00", "2021-02-01").status_code == 201
        mistake = movement(api_with_codes, equipment["id"], "spent", "100.00", "2021-02-02")
        assert (
            api_with_codes.post(f"/movements/{mistake.json()['id']}/reverse", json={"on": "2021-02-03"}).status_code
            == 201
        )
        assert movement(api_with_codes, equipment["id"], "returned", "1000.00", "2021-03-01").status_code == 201
        rows = [
            (row["contribution-funding-status"], row["start-date"], row["amount"])
            for row in export_zip(api_with_codes, local_authority="blaby")[TRANSACTIONS]
        ]
        assert rows == [
            ("secured", "2020-01-10", "20000.00"),
            ("received", "2020-03-01", "12000.00"),
            ("received", "2020-09-01", "8000.00"),
            ("transferred", "2021-01-05", "15000.00"),
            ("spent", "2021-02-01", "9000.00"),
            ("returned", "2021-03-01", "1000.00"),
        ]
        earlier = export_zip(api_with_codes, local_authority="blaby", as_at="2020-06-30")
        assert [(row["contribution-funding-status"], row["amount"]) for row in earlier[TRANSACTIONS]] == [
            ("secured", "20000.00"),
            ("received", "12000.00"),
        ]
        assert {row["entry-date"] for rows in earlier.values() for row in rows} == {"2020-06-30"}

    def test_as_at_leaves_out_agreements_not_yet_signed(self, api_with_codes) -> None:
        imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        tables = export_zip(api_with_codes, local_authority="charnwood", as_at="2018-12-31")
        assert len(tables[AGREEMENTS]) == 5
        assert sorted(row["amount"] for row in tables[CONTRIBUTIONS]) == ["2139.87", "30000.00", "76000.00"]
        assert {row["end-date"] for row in tables[AGREEMENTS]} == {""}  # none had ended by then

    def test_one_dataset_as_csv_or_xlsx(self, api_with_codes) -> None:
        imported(api_with_codes, MESSY, "blaby")
        single = api_with_codes.get(
            "/exports/developer-contributions", params={"local_authority": "blaby", "dataset": TRANSACTIONS}
        )
        assert single.status_code == 200 and single.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(single.text)))
        assert len(rows) == 10
        workbook_response = api_with_codes.get(
            "/exports/developer-contributions",
            params={"local_authority": "blaby", "dataset": TRANSACTIONS, "format": "xlsx"},
        )
        assert workbook_response.status_code == 200
        sheet = load_workbook(io.BytesIO(workbook_response.content)).worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        assert list(values[0]) == FIELDS[TRANSACTIONS]
        first = dict(zip(FIELDS[TRANSACTIONS], values[1], strict=True))
        assert first["contribution-funding-status"] == "secured"
        assert first["amount"] == 25000 and first["start-date"].date() == date(2020, 1, 10)

    def test_bad_parameters(self, api_with_codes) -> None:
        bad = api_with_codes.get("/exports/developer-contributions", params={"dataset": "developer-things"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "dataset"
        unknown = api_with_codes.get("/exports/developer-contributions", params={"local_authority": "nowhere"})
        assert unknown.status_code == 404


class TestWhoMayExport:
    """Officer and finance see every authority; a planning officer only their own."""

    def test_finance_sees_everything(self, api_with_codes) -> None:
        imported(api_with_codes, MESSY, "blaby")
        imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        tables = export_zip(api_with_codes, role="finance")
        assert len(tables[AGREEMENTS]) == 23

    def test_planning_sees_only_their_authority(self, api_with_codes) -> None:
        imported(api_with_codes, MESSY, "blaby")
        imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        own = export_zip(api_with_codes, role="planning")
        assert {row["organisation"] for row in own[AGREEMENTS]} == {"local-authority-eng:BLA"}
        assert len(own[CONTRIBUTIONS]) == 4
        other = api_with_codes.get(
            "/exports/developer-contributions", role="planning", params={"local_authority": "charnwood"}
        )
        assert other.status_code == 404

    def test_no_token(self, api_with_codes) -> None:
        assert api_with_codes.get("/exports/developer-contributions", role=None).status_code == 401


class TestRoundTrip:
    """Exporting what was imported gives back the same agreements, contributions and status amounts."""

    def test_charnwood_comes_back_as_published(self, api_with_codes) -> None:
        imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        tables = export_zip(api_with_codes, local_authority="charnwood")
        published = read_csv(CHARNWOOD_CSV[0])
        assert sorted(
            (
                row["reference"],
                row["planning-application"],
                row["developer-agreement-type"],
                row["start-date"],
                row["end-date"],
            )
            for row in tables[AGREEMENTS]
        ) == sorted(
            (
                row["developer-agreement"],
                row["planning-application"],
                row["developer-agreement-type"],
                row["start-date"],
                row["end-date"],
            )
            for row in published
        )
        police = [row for row in read_csv(CHARNWOOD_CSV[1]) if row["contribution-purpose"] == "other"]
        assert Counter((row["developer-agreement"], Decimal(row["amount"])) for row in police) == Counter(
            (row["developer-agreement"], Decimal(row["amount"])) for row in tables[CONTRIBUTIONS]
        )
        ended = [row for row in tables[CONTRIBUTIONS] if row["end-date"]]
        assert [(row["amount"], row["end-date"]) for row in ended] == [("6000.00", "2019-08-28")]
        # No status was published (every row's is blank): only the superseded contribution's write-off.
        assert [(row["contribution-funding-status"], row["amount"], row["notes"]) for row in tables[TRANSACTIONS]] == [
            ("secured", "6000.00", "ledger: written off")
        ]

    def test_every_status_survives_a_trip_through_a_clean_ledger(self, api_with_codes) -> None:
        imported(api_with_codes, MESSY, "blaby")
        first = export_zip(api_with_codes, local_authority="blaby")
        assert status_sums(first) == Counter(
            {
                ("19/0001/out-da", "25000.00", "secured", "2020-01-10"): 2500000,
                ("19/0001/out-da", "25000.00", "received", "2020-06-15"): 2500000,
                ("19/0001/out-da", "25000.00", "transferred", "2021-02-01"): 1000000,
                ("19/0001/out-da", "25000.00", "spent", "2021-03-01"): 1200000,
                ("19/0001/out-da", "10000.00", "secured", "2020-07-01"): 250000,
                ("19/0001/out-da", "10000.00", "received", "2020-07-01"): 1250000,
                ("19/0002/ful-da", "5000.00", "received", "2019-07-01"): 100000,
                ("19/0002/ful-da", "8000.00", "received", "2020-03-01"): 300000,
                ("19/0002/ful-da", "8000.00", "transferred", "2020-04-01"): 400000,
                ("19/0002/ful-da", "8000.00", "spent", "2020-05-01"): 600000,
            }
        )
        # Charnwood's ledger is empty: publish Blaby's export as if Charnwood had, and import it there.
        files = [
            (name, content.replace(b"local-authority-eng:BLA", b"local-authority-eng:CHA"))
            for name, content in exported_files(first)
        ]
        report = imported(api_with_codes, files, "charnwood")
        assert report["errors"] == []
        # The over-receipt's variation now travels as a row of its own; only the over-transfer is still listed.
        assert [item["agreement_reference"] for item in report["discrepancies"]] == ["19/0002/ful"]
        second = export_zip(api_with_codes, local_authority="charnwood")
        assert without_references(second) == without_references(first)

    def test_importing_our_own_export_again_changes_nothing(self, api_with_codes) -> None:
        imported(api_with_codes, MESSY, "blaby")
        tables = export_zip(api_with_codes, local_authority="blaby")
        report = imported(api_with_codes, exported_files(tables), "blaby")
        assert report["created"] == {"agreements": 0, "contributions": 0, "events": 0, "movements": 0, "adjustments": 0}
        assert export_zip(api_with_codes, local_authority="blaby") == tables
