"""Rows as councils really publish them: contributions known only from their transactions, references shared
by contributions none of which fits, and rows that move no money kept in the notes rather than lost."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agreement, Contribution, Movement
from tests.builders import balances
from tests.standard_helpers import MESSY, give_organisation_codes, imported

AGREEMENTS = """developer-agreement,organisation,start-date,planning-application
21/0001/out-da,local-authority-eng:BLA,2021-04-01,21/0001/out
21/0002/ful-da,local-authority-eng:BLA,2021-05-01,21/0002/ful
"""
CONTRIBUTIONS = """developer-agreement-contribution,developer-agreement,contribution-purpose,amount,units,start-date
21/0001/out-c1,21/0001/out-da,other,10000,,2021-04-01
21/0002/ful-c1,21/0002/ful-da,other,200,,2021-05-01
21/0002/ful-c1,21/0002/ful-da,education,300,,2021-05-01
21/0002/ful-ah,21/0002/ful-da,affordable-housing,,12,2021-05-01
"""
TRANSACTIONS = (
    (
        "developer-agreement-transaction,developer-agreement-contribution,contribution-funding-status,"
        "amount,units,start-date,end-date\n"
    )
    + """t1,21/0001/out-c1,received,10000,,2021-06-01,
t2,21/0001/out-c2,received,4000,,2021-07-01,
t3,21/0001/out-c2,transferred,1500,,2021-08-01,
t4,21/0002/ful-da,received,700,,2021-09-01,
t5,15/0009/ful-c1,received,2500,,2016-03-01,
t6,15/0009/ful-c1,allocated,2500,,2017-03-01,
t7,21/0002/ful-c1,received,900,,2021-10-01,
t8,21/0002/ful-ah,secured,,12,2021-05-01,
t9,21/0001/out-c1,allocated,5000,,2021-06-02,2021-06-30
"""
)


def files() -> list[tuple[str, bytes]]:
    """A small trio with the faults of the corpus."""
    return [
        ("developer-agreement.csv", AGREEMENTS.encode()),
        ("developer-agreement-contribution.csv", CONTRIBUTIONS.encode()),
        ("developer-agreement-transaction.csv", TRANSACTIONS.encode()),
    ]


@pytest.fixture
def api_with_codes(api, session: Session):
    """The api fixture, with blaby and charnwood given their national organisation codes."""
    give_organisation_codes(session)
    return api


def every_purpose(**form: str) -> dict[str, object]:
    """The form of an import asking for every purpose the trio uses."""
    return {"purpose": ["other", "education", "affordable-housing"], **form}


def transaction_counts(report: dict) -> tuple[int, int, dict[str, int]]:
    """The transaction file's rows, those imported, and those left out by reason."""
    summary = next(item for item in report["files"] if item["dataset"] == "developer-agreement-transaction")
    return summary["rows"], summary["imported"], summary["left_out"]


def contribution_notes(session: Session, reference_part: str) -> list[str]:
    """The notes of the contributions of agreements whose reference contains the text."""
    query = select(Contribution.notes).join(Agreement).where(Agreement.reference.contains(reference_part))
    return [notes or "" for notes in session.scalars(query)]


class TestContributionsFromTransactions:
    def test_without_the_option_transactions_of_unpublished_contributions_are_left_out(self, api_with_codes) -> None:
        report = imported(api_with_codes, files(), "blaby", **every_purpose())
        rows, done, left_out = transaction_counts(report)
        assert (rows, done) == (9, 3)
        assert left_out == {
            "names a contribution that is in no contribution row": 4,
            "names a contribution reference used by several contributions, none for its amount": 2,
        }

    def test_with_the_option_every_row_is_taken_in(self, api_with_codes, session: Session) -> None:
        report = imported(api_with_codes, files(), "blaby", **every_purpose(contributions_from_transactions="true"))
        rows, done, left_out = transaction_counts(report)
        assert (rows, done, left_out) == (9, 9, {})
        assert report["created"]["agreements"] == 3
        messages = [issue["message"] for issue in report["warnings"]]
        assert (
            "contribution '21/0001/out-c2' is in no contribution row: made from the 2 transaction row(s) naming it, "
            "secured at £4,000.00, the most they account for, under agreement '21/0001/out'"
        ) in messages
        assert (
            "the 1 transaction row(s) naming '21/0002/ful-c1' fit none of the contributions sharing that reference: "
            "they are kept as one more contribution, secured at £900.00, the most they account for, under "
            "agreement '21/0002/ful'"
        ) in messages
        made = session.scalar(select(Agreement).where(Agreement.reference == "15/0009/ful-c1"))
        assert made is not None and str(made.signed_on) == "2016-03-01"
        by_agreement = {
            row["label"]: row for row in balances(api_with_codes, group_by="agreement", local_authority="blaby")["rows"]
        }
        assert by_agreement["21/0001/out"]["total_value"] == "14000.00"
        assert by_agreement["21/0001/out"]["received_by_local_authority"] == "14000.00"
        assert by_agreement["21/0001/out"]["drawn"] == "1500.00"
        # The agreement named in place of a contribution, and the shared reference's receipts: 200 + 300 + 700 + 900.
        assert by_agreement["21/0002/ful"]["total_value"] == "2100.00"
        assert by_agreement["21/0002/ful"]["received_by_local_authority"] == "1600.00"
        assert by_agreement["15/0009/ful-c1"]["received_by_local_authority"] == "2500.00"

    def test_a_second_import_changes_nothing(self, api_with_codes, session: Session) -> None:
        form = every_purpose(contributions_from_transactions="true")
        imported(api_with_codes, files(), "blaby", **form)
        movements = len(session.scalars(select(Movement.id)).all())
        again = imported(api_with_codes, files(), "blaby", **form)
        assert again["created"] == {"agreements": 0, "contributions": 0, "events": 0, "movements": 0, "adjustments": 0}
        rows, _done, left_out = transaction_counts(again)
        summary = next(item for item in again["files"] if item["dataset"] == "developer-agreement-transaction")
        assert (rows, summary["unchanged"], left_out) == (9, 9, {})
        assert len(session.scalars(select(Movement.id)).all()) == movements


class TestRowsThatMoveNoMoney:
    def test_non_money_obligations_and_their_transactions_are_kept_on_the_agreement(
        self, api_with_codes, session: Session
    ) -> None:
        imported(api_with_codes, files(), "blaby", **every_purpose(contributions_from_transactions="true"))
        agreement = session.scalar(select(Agreement).where(Agreement.reference == "21/0002/ful"))
        assert agreement is not None and agreement.notes is not None
        assert agreement.notes.splitlines()[-2:] == [
            "non-money obligation (published): 21/0002/ful-ah, affordable-housing, 12 units",
            "non-money obligation 21/0002/ful-ah: secured 12 units on 2021-05-01 (published)",
        ]

    def test_allocated_and_superseded_rows_are_kept_on_the_contribution(self, api_with_codes, session: Session) -> None:
        imported(api_with_codes, files(), "blaby", **every_purpose(contributions_from_transactions="true"))
        made = "\n".join(contribution_notes(session, "15/0009"))
        assert made.splitlines() == [
            "not in the published contribution file; made from its 2 transaction row(s)",
            "allocated (published): £2,500.00 on 2017-03-01; moves no money",
        ]
        notes = "\n".join(contribution_notes(session, "21/0001/out"))
        assert "superseded (published): allocated £5,000.00 on 2021-06-02, end-dated 2021-06-30" in notes

    def test_the_messy_files_allocated_and_end_dated_rows_are_taken_in_without_money(
        self, api_with_codes, session: Session
    ) -> None:
        report = imported(api_with_codes, MESSY, "blaby")
        summary = next(item for item in report["files"] if item["dataset"] == "developer-agreement-transaction")
        assert "allocated moves no money" not in summary["left_out"]
        assert "end-dated (superseded)" not in summary["left_out"]
        notes = "\n".join(contribution_notes(session, "19/0002/ful"))
        assert "allocated (published): £500.00 on 2020-01-01; moves no money" in notes
        assert "superseded (published): received £900.00 on 2020-02-01, end-dated 2020-03-01" in notes
        assert report["created"]["movements"] == 14


class TestLineEndings:
    """A CSV reads to the same cells whichever line ends it uses, a quoted field's own line breaks kept."""

    @pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
    def test_same_cells(self, ending: str) -> None:
        from app.standard.parsing import read_table

        text = ending.join(["reference,notes,amount", 'A1,"two' + ending + 'lines",10', "A2,plain,20", "A3,last,30"])
        table = read_table("lines.csv", (text + ending).encode())
        rows = [cells for _line, cells in table.each_row()]
        assert [row["reference"] for row in rows] == ["A1", "A2", "A3"]
        assert rows[0]["notes"] == "two" + ending + "lines"
        assert [row["amount"] for row in rows] == ["10", "20", "30"]
