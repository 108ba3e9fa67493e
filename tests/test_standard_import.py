"""Importing published developer-contributions files through POST /imports: real Charnwood and Blaby
files, a messy file with every status, dry runs, re-imports, and who may import."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import ids
from app.auth.service import command_line_principal
from app.ledger import rollup
from app.models import (
    Agreement,
    Contribution,
    ContributionEvent,
    ImportedRecord,
    Instalment,
    InstalmentDue,
    Movement,
    MovementKind,
)
from app.standard.importer import ImportOptions, SourceFile, import_files
from tests.builders import agreement, balances, contribution, event, movement
from tests.standard_helpers import (
    BLABY_CSV,
    CHARNWOOD_CSV,
    CHARNWOOD_XLSX,
    MESSY,
    give_organisation_codes,
    imported,
    upload,
)

CHARNWOOD_POLICE_TOTAL = Decimal("265180.44")
"""The twelve `other` contributions of Charnwood's file; P/19/0687/2's £6,000 is end-dated (superseded)."""


@pytest.fixture
def api_with_codes(api, session: Session):
    """The api fixture, with blaby and charnwood given their national organisation codes."""
    give_organisation_codes(session)
    return api


def warning_lines(report: dict, fragment: str) -> list[int]:
    """The lines of the warnings whose message contains the fragment."""
    return sorted(line for issue in report["warnings"] if fragment in issue["message"] for line in issue["lines"])


def movement_count(session: Session) -> int:
    """How many movements the ledger holds."""
    return session.scalar(select(func.count()).select_from(Movement)) or 0


ASKED_WITH_ERRORS = ["other", "community-facilities", "highways", "monitoring-fees"]
"""Purposes that take in Charnwood's four contribution rows naming an agreement its file lacks."""


class TestCharnwoodFiles:
    """Charnwood's three real files: 21 agreements, 93 contributions, 93 transactions with blank statuses."""

    def test_counts_of_each_file(self, api_with_codes) -> None:
        report = imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        files = {summary["dataset"]: summary for summary in report["files"]}
        assert files["developer-agreement"] | {"file": ""} == {
            "file": "",
            "dataset": "developer-agreement",
            "rows": 21,
            "imported": 21,
            "unchanged": 0,
            "not_imported": 0,
            "errors": 0,
            "left_out": {},
        }
        contributions = files["developer-agreement-contribution"]
        # Four rows of other services name an agreement the file lacks: not the force's to correct, so only
        # not asked for, like the other services' rows (the next test asks for their purposes).
        assert (contributions["rows"], contributions["imported"], contributions["not_imported"]) == (93, 12, 81)
        assert contributions["errors"] == 0
        assert contributions["left_out"]["purpose monitoring-fees was not asked for"] == 6 + 2
        transactions = files["developer-agreement-transaction"]
        assert (transactions["rows"], transactions["imported"], transactions["not_imported"]) == (93, 12, 81)
        assert report["created"] == {
            "agreements": 21,
            "contributions": 12,
            "events": 0,
            "movements": 13,
            "adjustments": 0,
        }
        assert report["committed"] is True
        assert report["rows_left_out"] == 0 and report["errors"] == []

    def test_warnings_name_each_near_miss_with_its_lines(self, api_with_codes) -> None:
        report = imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        assert warning_lines(report, "'green-infastructure' is not in the codelist; read as the near miss") == [82]
        assert warning_lines(report, "'Education' read as 'education'") == [57]
        assert warning_lines(report, "'Health' read as 'health'") == [54]
        assert warning_lines(report, "'monitoring' is not in the codelist; read as 'monitoring-fees'") == [
            30,
            31,
            35,
            50,
            51,
            75,
            84,
            85,
        ]
        assert warning_lines(report, "developer-agreement 'P/18/0662/2-dac' read as 'P/18/0662/2-da'") == list(
            range(49, 60)
        )
        blank = [
            issue
            for issue in report["warnings"]
            if "contribution-funding-status is blank on 93 row(s)" in issue["message"]
        ]
        assert len(blank) == 1 and blank[0]["line"] is None
        assert warning_lines(report, "end-dated: recorded as closed") == [2, 3, 4, 5, 10, 11, 17, 19, 20, 22]

    def test_rows_that_cannot_be_understood_are_reported_by_file_and_line(self, api_with_codes) -> None:
        report = imported(api_with_codes, CHARNWOOD_CSV, "charnwood", purpose=ASKED_WITH_ERRORS)
        errors = [(issue["file"], issue["line"], issue["message"]) for issue in report["errors"]]
        contribution_file, transaction_file = CHARNWOOD_CSV[1].name, CHARNWOOD_CSV[2].name
        assert errors[:4] == [
            (
                contribution_file,
                28,
                "contribution 'P/17/2338/2-dat' names agreement 'P/17/2338/2-dac', which is not in the files",
            ),
            (
                contribution_file,
                29,
                "contribution 'P/17/2338/2-dat' names agreement 'P/17/2338/2-dac', which is not in the files",
            ),
            (
                contribution_file,
                30,
                "contribution 'P/17/2391/2-dac' names agreement 'P/17/2338/2-dac', which is not in the files",
            ),
            (
                contribution_file,
                31,
                "contribution 'P/17/2391/2-dac' names agreement 'P/17/2338/2-dac', which is not in the files",
            ),
        ]
        assert [(file, line) for file, line, _message in errors[4:]] == [
            (transaction_file, 28),
            (transaction_file, 29),
            (transaction_file, 33),
            (transaction_file, 34),
        ]

    def test_figures_of_the_police_contributions(self, api_with_codes) -> None:
        imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        today = balances(api_with_codes, group_by="local_authority", local_authority="charnwood")["rows"][0]
        assert Decimal(today["total_value"]) == CHARNWOOD_POLICE_TOTAL - Decimal("6000.00")
        assert Decimal(today["not_started"]) == CHARNWOOD_POLICE_TOTAL - Decimal("6000.00")
        assert today["received_by_local_authority"] == "0.00"
        before_write_off = balances(
            api_with_codes, group_by="local_authority", local_authority="charnwood", as_at="2019-08-27"
        )
        assert before_write_off["rows"][0]["total_value"] == "184811.44"  # signed by 27 August 2019, incl. the £6,000

    def test_contributions_carry_the_trigger_and_the_default_police_purpose(self, api_with_codes) -> None:
        imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        response = api_with_codes.get("/contributions", params={"local_authority": "charnwood", "limit": 50})
        by_amount = {item["amount"]: item for item in response.json()["items"]}
        assert len(by_amount) == 12
        assert {item["purpose"] for item in by_amount.values()} == {"no_prescription"}
        assert by_amount["4904.68"]["trigger"] == {
            "type": "on_occupation",
            "threshold": 22,
            "description": "Prior to the occupation of the 22nd dwelling.",
        }
        assert by_amount["2139.87"]["trigger"]["type"] == "on_commencement"
        assert by_amount["80369.00"]["trigger"]["threshold"] == 5

    def test_agreements_keep_planning_application_type_and_end_date(self, api_with_codes, session: Session) -> None:
        imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        deed = session.scalar(select(Agreement).where(Agreement.reference == "P/13/1826/2"))
        assert deed is not None
        assert (deed.planning_application, deed.agreement_type) == ("P/13/1826/2", "section-106")
        assert (deed.signed_on, deed.closed_on) == (date(2017, 2, 27), date(2019, 7, 29))

    def test_xlsx_originals_give_the_same_ledger_as_the_csv_conversions(self, api_with_codes) -> None:
        report = imported(api_with_codes, CHARNWOOD_XLSX, "charnwood")
        assert report["created"]["agreements"] == 21
        assert report["created"]["contributions"] == 12
        assert [summary["errors"] for summary in report["files"]] == [0, 0, 0]
        again = imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        assert again["created"] == {"agreements": 0, "contributions": 0, "events": 0, "movements": 0, "adjustments": 0}

    def test_reimporting_the_same_files_changes_nothing(self, api_with_codes, session: Session) -> None:
        imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        movements = movement_count(session)
        again = imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        assert again["created"] == {"agreements": 0, "contributions": 0, "events": 0, "movements": 0, "adjustments": 0}
        assert [summary["unchanged"] for summary in again["files"]] == [21, 12, 12]
        assert movement_count(session) == movements

    def test_a_dry_run_reports_everything_and_writes_nothing(self, api_with_codes, session: Session) -> None:
        report = imported(api_with_codes, CHARNWOOD_CSV, "charnwood", dry_run=True, purpose=ASKED_WITH_ERRORS)
        assert report["dry_run"] is True and report["committed"] is False
        assert report["created"]["contributions"] == 42
        assert len(report["errors"]) == 8
        assert api_with_codes.get("/agreements", params={"local_authority": "charnwood"}).json()["total"] == 0
        assert movement_count(session) == 0
        assert api_with_codes.get("/audit", params={"resource": "imports"}).json()["total"] == 0

    def test_a_real_import_is_audited(self, api_with_codes) -> None:
        imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        entries = api_with_codes.get("/audit", params={"resource": "imports"}).json()["items"]
        assert len(entries) == 1
        assert entries[0]["resource_ids"] == ["charnwood"]
        assert entries[0]["body"]["created"]["agreements"] == 21

    def test_a_strict_run_with_errors_writes_nothing(self, api_with_codes) -> None:
        report = imported(api_with_codes, CHARNWOOD_CSV, "charnwood", strict="true", purpose=ASKED_WITH_ERRORS)
        assert report["committed"] is False
        assert api_with_codes.get("/agreements", params={"local_authority": "charnwood"}).json()["total"] == 0


class TestBlabyFile:
    """Blaby's agreement file: DD/MM/YYYY dates, Planning Portal references, shared document URLs."""

    def test_eleven_agreements_with_day_first_dates(self, api_with_codes, session: Session) -> None:
        report = imported(api_with_codes, (BLABY_CSV,), "blaby")
        assert report["files"][0] | {"file": ""} == {
            "file": "",
            "dataset": "developer-agreement",
            "rows": 11,
            "imported": 11,
            "unchanged": 0,
            "not_imported": 0,
            "errors": 0,
            "left_out": {},
        }
        assert report["errors"] == [] and report["warnings"] == []
        assert report["rows_left_out"] == 0
        first = session.scalar(select(Agreement).where(Agreement.reference == "17/1177/ful"))
        assert first is not None
        assert (first.signed_on, first.planning_application) == (date(2019, 6, 20), "pp-05970022")
        assert first.document_url is not None and first.document_url.endswith("keyVal=PNHECHCY00200")
        last = session.scalar(select(Agreement).where(Agreement.reference == "19/0865/rm"))
        assert last is not None and (last.signed_on, last.planning_application) == (date(2020, 3, 9), None)

    def test_files_of_another_authority_are_refused_row_by_row(self, api_with_codes) -> None:
        report = imported(api_with_codes, (BLABY_CSV,), "charnwood")
        assert report["created"]["agreements"] == 0
        assert len(report["errors"]) == 11
        assert report["errors"][0]["message"] == (
            "organisation 'local-authority-eng:BLA' is not Charnwood Borough Council (local-authority-eng:CHA)"
        )


class TestMessyFiles:
    """A small published set with every status and the faults real files have."""

    def test_counts_errors_and_warnings(self, api_with_codes) -> None:
        report = imported(api_with_codes, MESSY, "blaby")
        assert report["created"] == {
            "agreements": 2,
            "contributions": 4,
            "events": 1,
            "movements": 14,
            "adjustments": 2,
        }
        errors = {(issue["file"].split("-")[-1], issue["line"]): issue["message"] for issue in report["errors"]}
        assert errors == {
            ("agreement.csv", 5): "organisation 'local-authority-eng:CHA' is not Blaby District Council "
            "(local-authority-eng:BLA)",
            ("contribution.csv", 7): "contribution '19/0009/ful-dac-1' names agreement '19/0009/ful-da', "
            "which is not in the files",
            ("contribution.csv", 8): "not an amount of money: 'a lot'",
            ("transaction.csv", 11): "received on 2099-01-01 is in the future",
            ("transaction.csv", 13): "contribution-funding-status 'paid out' is not in the codelist "
            "(secured, received, allocated, transferred, spent, returned)",
        }
        assert warning_lines(report, "'police' is not in the codelist; read as 'other'") == [3]
        assert warning_lines(report, "'Received' read as 'received'") == [3]
        assert warning_lines(report, "repeats line 3; the first row is kept") == [4]
        assert warning_lines(
            report, "received £1,000.00 published on 2019-01-01, before the agreement was signed on 2019-07-01"
        ) == [10]
        assert warning_lines(report, "has fractions of a penny; rounded to 8000.00") == [5]
        assert any(issue["message"].startswith("2 date(s) were Excel serial") for issue in report["warnings"])

    def test_figures_that_do_not_add_up_are_kept_as_published_and_listed(
        self, api_with_codes, session: Session
    ) -> None:
        report = imported(api_with_codes, MESSY, "blaby")
        listed = {item["contribution_reference"]: item for item in report["discrepancies"]}
        assert set(listed) == {"19/0001/out-dac-2", "19/0002/ful-dac-1", "19/0002/ful-dac-2"}
        assert listed["19/0002/ful-dac-2"]["problems"] == []
        assert listed["19/0002/ful-dac-2"]["adjustments"] == [
            "received £1,000.00 published on 2019-01-01, before the agreement was signed on 2019-07-01: "
            "recorded on the signing date"
        ]
        over_received = listed["19/0001/out-dac-2"]
        assert (over_received["secured"], over_received["received"]) == ("10000.00", "12500.00")
        assert over_received["problems"] == ["received £12,500.00, more than the £10,000.00 secured"]
        assert over_received["adjustments"][0].startswith("variation £2,500.00 on 2020-07-01 flagged as an adjustment")
        over_paid = listed["19/0002/ful-dac-1"]
        assert over_paid["problems"] == [
            "transferred £4,000.00, more than the £3,000.00 received",
            "spent £6,000.00, more than the £3,000.00 received",
        ]
        assert over_paid["adjustments"][0].startswith("drawn £1,000.00 on 2020-04-01 flagged as an adjustment")
        flagged = session.scalars(
            select(Movement).where(Movement.adjustment.is_(True)).order_by(Movement.on, Movement.id)
        ).all()
        assert [(item.kind.value, item.amount) for item in flagged] == [
            ("drawn", Decimal("1000.00")),
            ("variation", Decimal("2500.00")),
        ]

    def test_the_ledger_holds_the_published_figures(self, api_with_codes) -> None:
        imported(api_with_codes, MESSY, "blaby")
        row = balances(api_with_codes, group_by="local_authority", local_authority="blaby")["rows"][0]
        assert row["total_value"] == "50500.00"
        assert row["received_by_local_authority"] == "41500.00"
        assert row["drawn"] == "14000.00"
        assert row["spent"] == "18000.00"
        assert row["held_by_local_authority"] == "27500.00"
        assert row["held_by_developer"] == "0.00"  # every trigger met was paid
        by_purpose = {item["key"]: item for item in balances(api_with_codes, group_by="purpose")["rows"]}
        assert by_purpose["equipment"]["total_value"] == "25000.00"
        assert by_purpose["equipment"]["unspent_drawn"] == "-2000.00"

    def test_users_still_cannot_break_the_rules_the_import_kept(self, api_with_codes) -> None:
        imported(api_with_codes, MESSY, "blaby")
        items = api_with_codes.get("/contributions", params={"local_authority": "blaby"}).json()["items"]
        overdrawn = next(item for item in items if item["amount"] == "8000.00")
        refused = movement(api_with_codes, overdrawn["id"], "drawn", "1.00", date(2021, 1, 1))
        assert refused.status_code == 409, refused.text
        assert movement(api_with_codes, overdrawn["id"], "received", "5001.00", date(2021, 1, 1)).status_code == 409

    def test_an_agreement_kept_by_hand_is_not_counted_twice(self, api_with_codes) -> None:
        agreement(api_with_codes, reference="19/0001/out", signed_on=date(2019, 4, 1))
        report = imported(api_with_codes, MESSY, "blaby")
        assert report["created"]["agreements"] == 1
        assert report["created"]["contributions"] == 2
        assert warning_lines(report, "agreement 19/0001/out is already in the ledger, kept by hand") == [2]

    def test_an_agreement_kept_by_hand_is_checked_against_the_published_figures(self, api_with_codes) -> None:
        deed = agreement(api_with_codes, reference="19/0001/out", signed_on=date(2019, 4, 1))
        kept = contribution(api_with_codes, deed["id"], purpose="equipment", amount="25000.00")
        assert movement(api_with_codes, kept["id"], "received", "20000.00", date(2020, 6, 15)).status_code == 201
        report = imported(api_with_codes, MESSY, "blaby")
        assert report["comparisons"] == [
            {
                "agreement_id": deed["id"],
                "agreement_reference": "19/0001/out",
                "published_secured": "35000.00",
                "published_received": "37500.00",
                "published_transferred": "10000.00",
                "published_spent": "12000.00",
                "ledger_total_value": "25000.00",
                "ledger_received": "20000.00",
                "ledger_drawn": "0.00",
                "ledger_spent": "0.00",
                "differences": [
                    "published secured £35,000.00, ledger total value £25,000.00 (difference £10,000.00)",
                    "published received £37,500.00, ledger received £20,000.00 (difference £17,500.00)",
                    "published transferred £10,000.00, ledger drawn £0.00 (difference £10,000.00)",
                    "published spent £12,000.00, ledger spent £0.00 (difference £12,000.00)",
                ],
            }
        ]
        row = balances(api_with_codes, group_by="agreement", local_authority="blaby")["rows"][0]
        assert (row["total_value"], row["received_by_local_authority"]) == ("25000.00", "20000.00")

    def test_reimport_is_idempotent_and_repeats_the_discrepancies(self, api_with_codes, session: Session) -> None:
        imported(api_with_codes, MESSY, "blaby")
        movements = movement_count(session)
        again = imported(api_with_codes, MESSY, "blaby")
        assert again["created"] == {"agreements": 0, "contributions": 0, "events": 0, "movements": 0, "adjustments": 0}
        assert len(again["discrepancies"]) == 2
        assert movement_count(session) == movements

    def test_files_imported_one_run_at_a_time(self, api_with_codes) -> None:
        first = imported(api_with_codes, MESSY[:1], "blaby")
        assert first["created"]["agreements"] == 2
        rest = imported(api_with_codes, MESSY[1:], "blaby")
        assert rest["created"] == {"agreements": 0, "contributions": 4, "events": 1, "movements": 14, "adjustments": 2}
        row = balances(api_with_codes, group_by="local_authority", local_authority="blaby")["rows"][0]
        assert (row["total_value"], row["drawn"]) == ("50500.00", "14000.00")

    def test_transactions_without_their_contribution_file(self, api_with_codes) -> None:
        report = imported(api_with_codes, MESSY[2:], "blaby")
        assert report["created"]["movements"] == 0
        assert report["errors"][0]["message"] == "contribution '19/0001/out-dac-1' is not in the contribution file"

    def test_another_services_rows_are_never_errors_however_they_are_written(self, api_with_codes) -> None:
        files = [
            (
                "developer-agreement.csv",
                b"developer-agreement,organisation,start-date\n20/0001/OUT,local-authority-eng:CHA,2020-01-06\n",
            ),
            (
                "developer-agreement-contribution.csv",
                b"developer-agreement-contribution,developer-agreement,contribution-purpose,amount,start-date\n"
                b"20/0001-police,20/0001/OUT,other,5000,2020-01-06\n"
                b"20/0001-schools,20/0001/OUT,education,calculation at reserved matters,2020-01-06\n"
                b"20/0002-roads,20/0002/OUT,highways,1200,2020-01-06\n",
            ),
            (
                "developer-agreement-transaction.csv",
                b"developer-agreement-transaction,developer-agreement-contribution,contribution-funding-status,amount,"
                b"start-date\n"
                b"t1,20/0001-police,received,5000,2021-02-01\n"
                b"t2,20/0001-schools,received,about five thousand,2021-02-01\n"
                b"t3,20/0002-roads,received,1200,31/02/2021\n",
            ),
        ]
        police = imported(api_with_codes, files, "charnwood")
        assert police["errors"] == [] and police["rows_left_out"] == 0
        assert (police["created"]["contributions"], police["created"]["movements"]) == (1, 2)
        left_out = {summary["dataset"]: summary["left_out"] for summary in police["files"]}
        assert left_out["developer-agreement-contribution"] == {
            "purpose education was not asked for": 1,
            "purpose highways was not asked for": 1,
        }
        assert left_out["developer-agreement-transaction"] == left_out["developer-agreement-contribution"]

        every = imported(api_with_codes, files, "charnwood", purpose=["other", "education", "highways"], dry_run=True)
        assert [(issue["file"], issue["line"]) for issue in every["errors"]] == [
            ("developer-agreement-contribution.csv", 3),
            ("developer-agreement-contribution.csv", 4),
            ("developer-agreement-transaction.csv", 3),
            ("developer-agreement-transaction.csv", 4),
        ]
        messages = " / ".join(issue["message"] for issue in every["errors"])
        assert "'calculation at reserved matters'" in messages and "'about five thousand'" in messages
        assert "names agreement '20/0002/OUT', which is not in the files" in messages

    def test_a_chosen_local_purpose(self, api_with_codes) -> None:
        imported(api_with_codes, MESSY, "blaby", local_purpose="premises")
        purposes = {item["key"] for item in balances(api_with_codes, group_by="purpose")["rows"]}
        assert purposes == {"equipment", "premises"}  # equipment named in the file's notes


class TestWhoMayImport:
    """Only the force's officer imports; bad requests answer problem details naming the field."""

    @pytest.mark.parametrize(("role", "status"), [("finance", 403), ("planning", 403), (None, 401)])
    def test_other_roles_are_refused(self, api_with_codes, role: str | None, status: int) -> None:
        response = upload(api_with_codes, (BLABY_CSV,), "blaby", role=role)
        assert response.status_code == status
        assert api_with_codes.get("/agreements").json()["total"] == 0

    def test_unknown_authority(self, api_with_codes) -> None:
        response = upload(api_with_codes, (BLABY_CSV,), "nowhere")
        assert response.status_code == 404
        assert response.json()["errors"][0]["field"] == "local_authority_id"

    def test_a_file_that_is_not_a_developer_contributions_file(self, api_with_codes) -> None:
        response = upload(api_with_codes, [("notes.csv", b"name,value\nx,1\n")], "blaby")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "files"
        assert "notes.csv is not a developer-contributions file" in response.json()["detail"]

    @pytest.mark.parametrize(
        "content",
        [b"", b"hello world\n", "developer agreement notes".encode("utf-16"), b"\n\n,,,\n"],
        ids=["empty", "one line", "utf-16 line", "blank rows"],
    )
    def test_a_file_with_nothing_to_read_is_refused_naming_it(self, api_with_codes, content: bytes) -> None:
        response = upload(api_with_codes, [("extra.csv", content), (BLABY_CSV.name, BLABY_CSV.read_bytes())], "blaby")
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "files"
        assert "extra.csv holds no developer-contributions table" in response.json()["detail"]
        assert api_with_codes.get("/agreements", params={"local_authority": "blaby"}).json()["total"] == 0

    def test_a_file_of_headings_alone_is_read_as_an_empty_file(self, api_with_codes) -> None:
        headings = b"developer-agreement-contribution,developer-agreement,contribution-purpose,amount\n"
        report = imported(api_with_codes, [("none-this-year.csv", headings)], "blaby")
        assert [(summary["file"], summary["rows"]) for summary in report["files"]] == [("none-this-year.csv", 0)]

    def test_an_unknown_purpose(self, api_with_codes) -> None:
        response = upload(api_with_codes, (BLABY_CSV,), "blaby", purpose="policing-stuff")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "purpose"


class TestWrittenInBulk:
    """An import writes its rows in one insert per table, with ids handed out ahead: they follow the rows
    already there, rows written by hand afterwards follow them, and the rollup agrees with the ledger."""

    def test_ids_follow_the_ledger_and_the_rollup_agrees(self, api_with_codes, session: Session) -> None:
        kept = agreement(api_with_codes, local_authority_id="blaby", reference="BY-HAND/1")
        by_hand = contribution(api_with_codes, kept["id"])
        assert event(api_with_codes, by_hand["id"], "trigger_met", date(2020, 1, 1)).status_code == 201
        report = imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        assert report["created"]["contributions"] == 12
        ids = session.scalars(select(Contribution.id).order_by(Contribution.id)).all()
        assert ids[0] == by_hand["id"] and len(ids) == 13 and len(set(ids)) == 13
        later = contribution(api_with_codes, kept["id"], amount="500.00")
        assert later["id"] > max(ids)
        assert movement(api_with_codes, later["id"], "received", "500.00", date(2021, 1, 1)).status_code == 201
        assert event(api_with_codes, later["id"], "trigger_met", date(2021, 1, 1)).status_code == 201
        session.expire_all()
        assert rollup.check(session) == []

    def test_each_imported_contribution_has_its_instalment_and_secured_movement(
        self, api_with_codes, session: Session
    ) -> None:
        imported(api_with_codes, CHARNWOOD_CSV, "charnwood")
        contributions = session.scalars(select(Contribution.id)).all()
        with_instalments = set(session.scalars(select(Instalment.contribution_id)))
        secured = session.scalars(select(Movement.contribution_id).where(Movement.kind == MovementKind.secured)).all()
        assert set(contributions) == with_instalments
        assert sorted(secured) == sorted(contributions)

    def test_two_allocations_in_one_transaction_never_overlap(self, session: Session) -> None:
        first = ids.allocate(session, Contribution.__tablename__, 3)
        second = ids.allocate(session, Contribution.__tablename__, 2)
        assert len(set(first) | set(second)) == 5
        session.rollback()


def written(session: Session) -> dict[str, list[tuple[object, ...]]]:
    """What the ledger holds, in id order, each row named by what it says (ids differ between runs)."""
    name: dict[int, str] = {}
    for key, kind, record_id in session.execute(
        select(ImportedRecord.key, ImportedRecord.kind, ImportedRecord.record_id)
    ):
        if kind == "contribution" and record_id is not None:
            name[record_id] = key
    references = dict(session.execute(select(Agreement.id, Agreement.reference)).all())
    return {
        "agreements": [
            (row.reference, row.signed_on, row.closed_on, row.notes)
            for row in session.scalars(select(Agreement).order_by(Agreement.id))
        ],
        "contributions": [
            (name.get(row.id), references[row.agreement_id], row.purpose, row.trigger_type, row.notes)
            for row in session.scalars(select(Contribution).order_by(Contribution.id))
        ],
        "movements": [
            (name.get(row.contribution_id), row.kind, row.amount, row.on, row.adjustment, row.reference, row.note)
            for row in session.scalars(select(Movement).order_by(Movement.id))
        ],
        "events": [
            (name.get(row.contribution_id), row.kind, row.on, row.note)
            for row in session.scalars(select(ContributionEvent).order_by(ContributionEvent.id))
        ],
        "instalments due": [
            (row.on, row.note) for row in session.scalars(select(InstalmentDue).order_by(InstalmentDue.id))
        ],
        "import notes": sorted(
            (key, kind, source)
            for key, kind, source in session.execute(
                select(ImportedRecord.key, ImportedRecord.kind, ImportedRecord.source)
            )
        ),
    }


class TestWrittenInSlices:
    """An import writes a slice of whole agreements at a time (its rows set aside on disk meanwhile): a slice of one
    row at a time gives the same report, the same ledger in the same order, and the same rollup as one slice."""

    @pytest.mark.parametrize(
        ("paths", "local_authority", "options"),
        [
            (MESSY, "blaby", {}),
            (CHARNWOOD_CSV, "charnwood", {"purposes": tuple(ASKED_WITH_ERRORS)}),
            (
                CHARNWOOD_CSV,
                "charnwood",
                {
                    "purposes": tuple(ASKED_WITH_ERRORS),
                    "agreements_from_contributions": True,
                    "contributions_from_transactions": True,
                },
            ),
        ],
    )
    def test_one_row_at_a_time_gives_what_one_slice_gives(
        self, api_with_codes, session: Session, paths, local_authority: str, options: dict
    ) -> None:
        kept = agreement(api_with_codes, local_authority_id="charnwood", reference="P/19/0687/2")
        contribution(api_with_codes, kept["id"])
        files = [SourceFile(name=path.name, content=path.read_bytes()) for path in paths]
        results = []
        for slice_rows in (1, 5000, 1):
            savepoint = session.begin_nested()
            reports = [
                import_files(
                    session=session,
                    principal=command_line_principal(),
                    files=files,
                    options=ImportOptions(local_authority_id=local_authority, slice_rows=slice_rows, **options),
                ).model_dump()
                for _again in range(2)
            ]
            for report in reports:
                for item in report["discrepancies"]:
                    # Ids handed out are not handed out again after a rollback; the rows are named by what they say.
                    item["contribution_id"] = item["contribution_id"] is not None
            session.expire_all()
            assert rollup.check(session) == []
            results.append((reports, written(session)))
            savepoint.rollback()
        assert results[0] == results[1] == results[2]
        (first, again), ledger = results[0]
        assert first["created"]["movements"] > 0 and again["created"]["movements"] == 0
        assert ledger["movements"] and (ledger["events"] or paths != MESSY)

    def test_each_step_counts_once_over_the_run_however_sliced(self, api_with_codes, session: Session) -> None:
        files = [SourceFile(name=path.name, content=path.read_bytes()) for path in CHARNWOOD_CSV]
        seen: dict[str, list[tuple[int, int]]] = {}
        report = import_files(
            session=session,
            principal=command_line_principal(),
            files=files,
            options=ImportOptions(local_authority_id="charnwood", purposes=tuple(ASKED_WITH_ERRORS), slice_rows=1),
            progress=lambda step, done, total: seen.setdefault(step, []).append((done, total)),
        )
        assert report.created.movements > 1
        for step in ("agreements", "contributions", "transactions"):
            counts = [done for done, _total in seen[step]]
            assert counts == sorted(counts), step  # never back to the start for the next slice
            assert all(done <= total for done, total in seen[step]), step
            assert seen[step][-1][0] == seen[step][-1][1] > 1, step
        assert seen["transactions"][-1][0] >= report.created.movements
