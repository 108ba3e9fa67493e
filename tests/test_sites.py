"""Site progress through HTTP: counts kept as reported, uploads, proposed triggers and the forecast's build rate."""

from datetime import date
from typing import Any

from tests.builders import agreement, contribution, event


def progress(api: Any, agreement_id: int, *, role: str = "officer", **counts: Any) -> Any:
    """Post a site's counts and return the response."""
    return api.post(f"/agreements/{agreement_id}/progress", role=role, json=counts)


class TestProgress:
    def test_a_correction_is_a_new_record_and_the_history_is_kept(self, api: Any) -> None:
        site = agreement(api, dwellings=120)
        assert progress(api, site["id"], on="2023-03-31", started=20, completed=10, occupied=8).status_code == 201
        assert progress(api, site["id"], on="2024-03-31", completed=40).status_code == 201
        corrected = progress(api, site["id"], on="2024-03-31", completed=36, note="council corrected its return")
        assert corrected.status_code == 201, corrected.text
        shown = api.get(f"/agreements/{site['id']}/progress").json()
        assert [record["completed"] for record in shown["history"]] == [10, 40, 36]
        assert shown["current"] == {"on": "2024-03-31", "started": 36, "completed": 36, "occupied": 8}
        assert shown["completions_per_year"] == 26  # 26 more in 366 days

    def test_one_record_gives_a_build_rate_from_the_start_of_development(self, api: Any) -> None:
        site = agreement(api, dwellings=200)
        owed = contribution(api, site["id"], amount="50000.00", trigger_type="on_occupation", threshold=150)
        assert progress(api, site["id"], on="2024-01-01", started=60, completed=40).status_code == 201
        assert api.get(f"/agreements/{site['id']}/progress").json()["completions_per_year"] is None
        assert event(api, owed["id"], "development_started", date(2023, 1, 1)).status_code == 201
        # 40 completed in the 365 days since development started.
        assert api.get(f"/agreements/{site['id']}/progress").json()["completions_per_year"] == 40
        forecast = api.get("/forecast", params={"as_at": "2024-02-01", "detail": "true"}).json()
        [item] = [item for item in forecast["items"] if item["contribution_id"] == owed["id"]]
        assert item["build_rate_basis"] == "recorded_progress" and "building 40 a year" in item["basis"]

    def test_counts_that_cannot_be_are_refused(self, api: Any) -> None:
        site = agreement(api, dwellings=50)
        response = progress(api, site["id"], on="2024-03-31", started=10, completed=12)
        assert response.status_code == 422
        assert "completed 12 is more than started 10" in response.text
        assert progress(api, site["id"], on="2024-03-31", occupied=51).status_code == 422
        assert progress(api, site["id"], on="2024-03-31").status_code == 422
        assert progress(api, site["id"], on="2018-01-01", started=1).status_code == 422

    def test_a_planning_officer_records_for_their_own_authority_only(self, api: Any) -> None:
        own = agreement(api, local_authority_id="blaby", reference="B/1")
        other = agreement(api, local_authority_id="charnwood", reference="C/1")
        assert progress(api, own["id"], role="planning", on="2024-03-31", started=5).status_code == 201
        assert progress(api, other["id"], role="planning", on="2024-03-31", started=5).status_code == 404
        assert progress(api, own["id"], role="finance", on="2024-03-31", started=5).status_code == 403
        recorded = api.get(f"/agreements/{own['id']}/progress").json()["history"][0]
        assert recorded["recorded_by"] == "test planning (planning)"


class TestUpload:
    CSV = (
        "Planning Application No.,Site name,Monitoring date,Units Started,Completions to date,Units occupied\n"
        '19/0001/OUT,Land east of Lutterworth Road,31/03/2023,30,"12",10\n'
        "19/0001/OUT,Land east of Lutterworth Road,31/03/2024,60,40,35\n"
    )

    def upload(self, api: Any, text: str, *, authority: str = "blaby", role: str = "officer") -> Any:
        return api.post(
            f"/local-authorities/{authority}/site-progress",
            role=role,
            content=text.encode(),
            headers={"Content-Type": "text/csv"},
        )

    def test_a_councils_monitoring_file_is_recorded_once(self, api: Any) -> None:
        site = agreement(api)
        first = self.upload(api, self.CSV)
        assert first.status_code == 200, first.text
        assert (first.json()["recorded"], first.json()["unchanged"]) == (2, 0)
        again = self.upload(api, self.CSV, role="planning")
        assert (again.json()["recorded"], again.json()["unchanged"]) == (0, 2)
        shown = api.get(f"/agreements/{site['id']}/progress").json()
        assert shown["current"]["occupied"] == 35
        assert len(shown["history"]) == 2

    def test_a_row_that_matches_nothing_refuses_the_whole_file(self, api: Any) -> None:
        site = agreement(api)
        text = self.CSV + "21/0999/FUL,Elsewhere,31/03/2024,5,1,0\n"
        response = self.upload(api, text)
        assert response.status_code == 404
        assert "row 4" in response.text
        assert api.get(f"/agreements/{site['id']}/progress").json()["history"] == []

    def test_a_file_the_csv_reader_cannot_read_is_refused_naming_the_file(self, api: Any) -> None:
        for text, why in (("\r0", "needs a column"), ('Application reference,x\n"' + "x" * 140_000 + '"\n', "as CSV")):
            response = self.upload(api, text)
            assert response.status_code == 422, response.text
            assert why in response.json()["detail"]

    def test_another_authoritys_file_is_as_absent_as_an_unknown_one(self, api: Any) -> None:
        agreement(api, local_authority_id="charnwood")
        assert self.upload(api, self.CSV, authority="charnwood", role="planning").status_code == 404


class TestTriggersFromProgress:
    def test_passing_an_occupation_threshold_proposes_the_trigger_which_the_officer_confirms(self, api: Any) -> None:
        site = agreement(api, dwellings=100)
        owed = contribution(api, site["id"], trigger_type="on_occupation", threshold=30)
        progress(api, site["id"], on="2023-09-30", occupied=20)
        assert api.get("/trigger-proposals").json() == []
        progress(api, site["id"], on="2024-03-31", occupied=32)
        proposals = api.get("/trigger-proposals", role="planning").json()
        assert [(item["contribution_id"], item["due_on"], item["reached"]) for item in proposals] == [
            (owed["id"], "2024-03-31", 32)
        ]
        assert api.get(f"/contributions/{owed['id']}").json()["stage"] == "not_started"  # never silently
        url = f"/contributions/{owed['id']}/trigger-proposal/confirm"
        assert api.post(url, role="planning", json={}).status_code == 403
        confirmed = api.post(url, json={})
        assert confirmed.status_code == 201, confirmed.text
        assert (confirmed.json()["kind"], confirmed.json()["on"]) == ("trigger_met", "2024-03-31")
        assert api.get(f"/contributions/{owed['id']}").json()["stage"] == "held_by_developer"
        assert api.get("/trigger-proposals").json() == []
        assert api.post(url, json={}).status_code == 409

    def test_commencement_and_completion_triggers_and_a_corrected_date(self, api: Any) -> None:
        site = agreement(api, dwellings=10)
        started = contribution(api, site["id"], trigger_type="on_commencement")
        finished = contribution(api, site["id"], trigger_type="on_completion")
        progress(api, site["id"], on="2023-05-01", started=2)
        assert [item["contribution_id"] for item in api.get("/trigger-proposals").json()] == [started["id"]]
        progress(api, site["id"], on="2024-06-01", completed=10)
        due = {item["contribution_id"]: item["due_on"] for item in api.get("/trigger-proposals").json()}
        assert due == {started["id"]: "2023-05-01", finished["id"]: "2024-06-01"}
        response = api.post(
            f"/contributions/{started['id']}/trigger-proposal/confirm", json={"on": "2023-04-20", "note": "per letter"}
        )
        assert response.json()["on"] == "2023-04-20"


class TestForecastFromProgress:
    def test_a_site_with_progress_uses_its_recorded_build_rate(self, api: Any) -> None:
        site = agreement(api, dwellings=200)
        owed = contribution(api, site["id"], trigger_type="on_occupation", threshold=100, amount="5000.00")
        other = agreement(api, reference="19/0002/OUT", dwellings=200)
        assumed = contribution(api, other["id"], trigger_type="on_occupation", threshold=100, amount="5000.00")
        progress(api, site["id"], on="2023-01-01", completed=0, occupied=0)
        progress(api, site["id"], on="2024-01-01", completed=20, occupied=20)
        forecast = api.get("/forecast", params={"as_at": "2024-01-31", "detail": "true"}).json()
        items = {item["contribution_id"]: item for item in forecast["items"]}
        assert items[owed["id"]]["build_rate_basis"] == "recorded_progress"
        assert items[owed["id"]]["estimated_due_on"] == "2027-12-31"  # 80 more at 20 in 365 days, from 1 January 2024
        assert items[assumed["id"]]["build_rate_basis"] == "assumed"
        assert date.fromisoformat(items[assumed["id"]]["estimated_due_on"]) == date(2027, 1, 31)


class TestPages:
    def test_a_planning_officer_records_counts_and_uploads_a_file_on_the_pages(self, api: Any) -> None:
        from tests.forms import fill, open_form, sign_in

        site = agreement(api, dwellings=100)
        owed = contribution(api, site["id"], trigger_type="on_occupation", threshold=20)
        sign_in(api, "planning")
        page = f"/web/agreements/{site['id']}/progress"
        refused = fill(api, page, {"on": "31/03/2024", "started": "10", "completed": "12"})
        assert refused.status_code == 422
        # The API says "completed 12 is more than started 10"; beside its field, the label names it.
        assert ": 12 is more than started 10</a>" in refused.text and "completed 12" not in refused.text
        recorded = fill(api, page, {"on": "31/03/2024", "started": "30", "completed": "25", "occupied": "21"})
        assert recorded.status_code == 303, recorded.text
        shown = api.get(page, role=None).text
        assert 'data-key="proposal-' in shown and "Awaiting the force" in shown
        upload_page = "/web/local-authorities/blaby/site-progress"
        keys = open_form(api, upload_page)
        csv = b"Application number,Survey date,Occupations to date\n19/0001/OUT,30/06/2024,26\n"
        uploaded = api.post(
            upload_page,
            role=None,
            data=keys,
            files={"file": ("q1.csv", csv, "text/csv")},
            follow_redirects=False,
        )
        assert uploaded.status_code == 303, uploaded.text
        assert "recorded=1" in uploaded.headers["location"]
        assert api.get(f"/agreements/{site['id']}/progress").json()["current"]["occupied"] == 26
        assert api.get("/web/local-authorities/charnwood/site-progress", role=None).status_code == 404

        api.client.cookies.clear()
        sign_in(api, "officer")
        instalment = api.get(f"/contributions/{owed['id']}").json()["instalments"][0]["id"]
        confirmed = fill(api, page, {}, action=f"/web/instalments/{instalment}/due")
        assert confirmed.status_code == 303, confirmed.text
        events = api.get(f"/contributions/{owed['id']}/events").json()
        assert [(item["kind"], item["on"]) for item in events] == [("trigger_met", "2024-03-31")]


class TestRetries:
    def test_a_retried_record_with_its_idempotency_key_is_recorded_once(self, api: Any) -> None:
        site = agreement(api)
        headers = {"Idempotency-Key": "progress-2024-q1"}
        body = {"on": "2024-03-31", "started": 8}
        first = api.post(f"/agreements/{site['id']}/progress", json=body, headers=headers)
        again = api.post(f"/agreements/{site['id']}/progress", json=body, headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json()["id"] == first.json()["id"]
        assert len(api.get(f"/agreements/{site['id']}/progress").json()["history"]) == 1
