"""What an authority's files say it holds for the force beside the ledger: POST /comparisons and `s106 compare`."""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Movement
from tests.builders import agreement, contribution, movement
from tests.forms import open_form, sign_in
from tests.standard_helpers import MESSY, give_organisation_codes, imported


def compare(api, *, role: str = "officer", **form) -> dict:
    """POST the messy files to /comparisons for blaby and return the comparison."""
    files = [("files", (path.name, path.read_bytes(), "text/csv")) for path in MESSY]
    response = api.post("/comparisons", role=role, files=files, data={"local_authority": "blaby", **form})
    assert response.status_code == 200, response.text
    return response.json()


class TestComparison:
    """Contribution by contribution, published received, transferred and spent beside the ledger."""

    def test_contributions_not_in_the_ledger_say_so(self, api, session: Session) -> None:
        give_organisation_codes(session)
        compared = compare(api)
        by_reference = {item["contribution_reference"]: item for item in compared["contributions"]}
        assert set(by_reference) == {"19/0001/out-dac-1", "19/0001/out-dac-2", "19/0002/ful-dac-1", "19/0002/ful-dac-2"}
        assert all(item["differences"] == ["not in the force's ledger"] for item in by_reference.values())
        first = by_reference["19/0001/out-dac-1"]
        assert (first["published_received"], first["published_transferred"], first["published_spent"]) == (
            "25000.00",
            "10000.00",
            "12000.00",
        )
        assert (compared["agreeing"], compared["differing"]) == (0, 4)
        assert session.scalar(select(func.count()).select_from(Movement)) == 0

    def test_an_agreement_kept_by_hand_differs_by_what_the_force_has_not_recorded(self, api, session: Session) -> None:
        give_organisation_codes(session)
        kept = agreement(api, reference="19/0001/out", signed_on=date(2019, 4, 1))
        police = contribution(api, kept["id"], amount="25000.00")
        assert movement(api, police["id"], "received", "20000.00", date(2020, 6, 15)).status_code == 201
        assert movement(api, police["id"], "drawn", "10000.00", date(2021, 2, 1)).status_code == 201
        compared = compare(api, as_at="2024-03-31")
        item = next(row for row in compared["contributions"] if row["contribution_reference"] == "19/0001/out-dac-1")
        assert item["contribution_id"] == police["id"]
        assert (item["ledger_received"], item["ledger_drawn"], item["ledger_spent"]) == ("20000.00", "10000.00", "0.00")
        assert item["differences"] == [
            "published received £25,000.00, ledger received £20,000.00 (difference £5,000.00)",
            "published spent £12,000.00, ledger spent £0.00 (difference £12,000.00)",
        ]
        assert compared["ledger_received"] == "20000.00" and compared["ledger_drawn"] == "10000.00"

    def test_after_importing_the_files_they_agree_with_the_ledger(self, api, session: Session) -> None:
        give_organisation_codes(session)
        imported(api, MESSY, "blaby")
        compared = compare(api)
        agreeing = {item["contribution_reference"] for item in compared["contributions"] if not item["differences"]}
        assert "19/0001/out-dac-1" in agreeing
        differing = {item["contribution_reference"]: item["differences"] for item in compared["contributions"]}
        assert differing["19/0001/out-dac-2"] == [
            "published secured £10,000.00, ledger total value £12,500.00 (difference -£2,500.00)"
        ]

    def test_finance_may_compare_and_a_planning_officer_may_not(self, api, session: Session) -> None:
        give_organisation_codes(session)
        assert compare(api, role="finance")["local_authority_id"] == "blaby"
        files = [("files", (MESSY[0].name, MESSY[0].read_bytes(), "text/csv"))]
        refused = api.post("/comparisons", role="planning", files=files, data={"local_authority": "blaby"})
        assert refused.status_code == 403


class TestComparisonPage:
    """The same comparison from a page: upload, then each contribution beside the ledger, differences named."""

    def test_the_page_shows_what_the_api_answers(self, api, session: Session) -> None:
        give_organisation_codes(session)
        kept = agreement(api, reference="19/0001/out", signed_on=date(2019, 4, 1))
        police = contribution(api, kept["id"], amount="25000.00")
        assert movement(api, police["id"], "received", "20000.00", date(2020, 6, 15)).status_code == 201
        expected = compare(api, as_at="2024-03-31")
        movements = session.scalar(select(func.count()).select_from(Movement))
        sign_in(api, "finance")
        keys = open_form(api, "/web/comparisons")
        files = [("files", (path.name, path.read_bytes(), "text/csv")) for path in MESSY]
        shown = api.post(
            "/web/comparisons",
            role=None,
            files=files,
            data={**keys, "local_authority": "blaby", "purpose": "other", "as_at": "31/03/2024"},
        )
        assert shown.status_code == 200, shown.text
        assert f'<strong data-field="differing">{expected["differing"]} differ</strong>' in shown.text
        assert f'href="/web/contributions/{police["id"]}"' in shown.text
        for item in expected["contributions"]:
            for difference in item["differences"]:
                assert difference.replace("'", "&#39;") in shown.text
        assert session.scalar(select(func.count()).select_from(Movement)) == movements  # nothing is stored

    def test_a_refused_upload_is_explained_beside_its_field(self, api, session: Session) -> None:
        sign_in(api, "officer")
        keys = open_form(api, "/web/comparisons")
        missing = api.post("/web/comparisons", role=None, data={**keys, "local_authority": "blaby"})
        assert missing.status_code == 422 and "Choose a file to upload" in missing.text
        files = [("files", (MESSY[0].name, MESSY[0].read_bytes(), "text/csv"))]
        wrong = api.post(
            "/web/comparisons", role=None, files=files, data={**keys, "local_authority": "blaby", "purpose": "nonsense"}
        )
        assert wrong.status_code == 422 and "is not a contribution-purpose code" in wrong.text

    def test_a_planning_officer_may_not_open_it(self, api, session: Session) -> None:
        sign_in(api, "planning")
        assert api.get("/web/comparisons", role=None).status_code == 403
