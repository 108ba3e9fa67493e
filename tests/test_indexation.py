"""Index-linking through HTTP: series from CSV, the computed amount due, and its acceptance."""

from datetime import date

import pytest

from tests.builders import agreement, contribution, event, movement
from tests.project_builders import contribution_balances

BCIS = (
    "month,value,source\n2019-03,320.0,BCIS All-in TPI\n2021-05,352.0,BCIS All-in TPI\n2021-06,350.0,BCIS All-in TPI\n"
)


def load(api, series: str, text: str, role: str = "officer"):
    return api.post(f"/index-series/{series}", role=role, content=text, headers={"content-type": "text/csv"})


@pytest.fixture
def linked(api):
    """A £10,000 contribution linked to BCIS from March 2019, its trigger met on 15 June 2021."""
    assert load(api, "BCIS-TPI", BCIS).status_code == 200
    deed = agreement(api, signed_on=date(2019, 4, 1))
    made = contribution(api, deed["id"], amount="10000.00")
    linked = api.request(
        "PUT", f"/contributions/{made['id']}/indexation", json={"series": "BCIS-TPI", "base_month": "2019-03-20"}
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["base_month"] == "2019-03-01"
    assert event(api, made["id"], "trigger_met", date(2021, 6, 15)).status_code == 201
    return made


class TestSeries:
    """Loading series from CSV."""

    def test_load_and_reload(self, api) -> None:
        first = load(api, "BCIS-TPI", BCIS)
        assert first.json() == {"series": "BCIS-TPI", "added": 3, "replaced": 0, "unchanged": 0}
        again = load(api, "BCIS-TPI", "month,value,source\n2019-03,321.0,BCIS revised\n2021-05,352.0,BCIS All-in TPI\n")
        assert again.json() == {"series": "BCIS-TPI", "added": 0, "replaced": 1, "unchanged": 1}
        values = api.get("/index-series/BCIS-TPI", role="finance").json()
        assert [(value["month"], value["value"], value["source"]) for value in values][0] == (
            "2019-03-01",
            "321.0000",
            "BCIS revised",
        )
        assert api.get("/index-series").json() == [
            {"series": "BCIS-TPI", "months": 3, "first_month": "2019-03-01", "last_month": "2021-06-01"}
        ]

    @pytest.mark.parametrize(
        ("text", "words"),
        [
            ("month,value\n2019-03,1\n", "header"),
            ("month,value,source\n2019-13,1,x\n", "line 2"),
            ("month,value,source\n2019-03,abc,x\n", "line 2"),
            ("month,value,source\n2019-03,1,x\n2019-04,-1,x\n", "line 3"),
            ("month,value,source\n2019-03,1,x\n2019-03,2,x\n", "twice"),
            ("month,value,source\n2019-03,1,\n", "source"),
            ("month,value,source\n", "no rows"),
            ("\r0", "header"),
            ('month,value,source\n2019-03,1,"' + "x" * 140_000 + '"\n', "cannot be read"),
        ],
    )
    def test_bad_csv_is_refused_whole(self, api, text, words) -> None:
        response = load(api, "RPI", text)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "csv"
        assert words in response.json()["detail"]
        assert api.get("/index-series").json() == []

    def test_only_the_officer_loads(self, api) -> None:
        assert load(api, "RPI", BCIS, role="planning").status_code == 403
        assert load(api, "RPI", BCIS, role="finance").status_code == 403
        assert api.get("/index-series/RPI").status_code == 404


class TestAmountDue:
    """amount x index(month before due) / index(base month), recorded on acceptance."""

    def test_computed_with_the_figures_used(self, api, linked) -> None:
        figures = api.get(f"/contributions/{linked['id']}/indexation", role="planning").json()
        assert figures["due_on"] == "2021-06-15"
        assert (figures["index_month"], figures["index_value"]) == ("2021-05-01", "352.0000")
        assert (figures["base_month"], figures["base_value"]) == ("2019-03-01", "320.0000")
        assert figures["indexed_amount"] == "11000.00" and figures["uplift"] == "1000.00"
        assert (
            figures["formula"] == "£10,000.00 x BCIS-TPI 2021-05 (352.0000) / BCIS-TPI 2019-03 (320.0000) = £11,000.00"
        )
        assert figures["recorded_movement_id"] is None
        assert contribution_balances(api, linked["id"])["total_value"] == "10000.00"

    def test_acceptance_records_an_indexation_movement(self, api, linked) -> None:
        assert movement(api, linked["id"], "received", "11000.00", date(2021, 7, 1)).status_code == 409
        accepted = api.post(f"/contributions/{linked['id']}/indexation/accept", json={})
        assert accepted.status_code == 201, accepted.text
        movement_id = accepted.json()["recorded_movement_id"]
        recorded = api.get(f"/movements/{movement_id}").json()
        assert (recorded["kind"], recorded["amount"], recorded["on"]) == ("indexation", "1000.00", "2021-06-15")
        assert contribution_balances(api, linked["id"])["total_value"] == "11000.00"
        assert movement(api, linked["id"], "received", "11000.00", date(2021, 7, 1)).status_code == 201
        assert api.post(f"/contributions/{linked['id']}/indexation/accept", json={}).status_code == 409
        assert contribution_balances(api, linked["id"])["total_value"] == "11000.00"

    def test_a_missing_month_is_named(self, api, linked) -> None:
        response = api.get(f"/contributions/{linked['id']}/indexation", params={"due_on": "2022-01-10"})
        assert response.status_code == 422
        assert "2021-12" in response.json()["detail"]

    def test_a_fall_adds_nothing(self, api, linked) -> None:
        load(api, "BCIS-TPI", "month,value,source\n2020-01,300.0,BCIS\n")
        response = api.post(f"/contributions/{linked['id']}/indexation/accept", json={"due_on": "2020-02-10"})
        assert response.status_code == 422
        assert contribution_balances(api, linked["id"])["total_value"] == "10000.00"

    def test_unlinked_or_untriggered_is_refused(self, api) -> None:
        load(api, "BCIS-TPI", BCIS)
        deed = agreement(api)
        made = contribution(api, deed["id"])
        unlinked = api.get(f"/contributions/{made['id']}/indexation")
        assert unlinked.status_code == 422 and unlinked.json()["errors"][0]["field"] == "series"
        api.request(
            "PUT", f"/contributions/{made['id']}/indexation", json={"series": "BCIS-TPI", "base_month": "2019-03-01"}
        )
        untriggered = api.get(f"/contributions/{made['id']}/indexation")
        assert untriggered.status_code == 422 and untriggered.json()["errors"][0]["field"] == "due_on"
        unknown = api.request(
            "PUT", f"/contributions/{made['id']}/indexation", json={"series": "CPI", "base_month": "2019-03-01"}
        )
        assert unknown.status_code == 404

    def test_scoping(self, api, linked) -> None:
        assert api.post(f"/contributions/{linked['id']}/indexation/accept", role="finance", json={}).status_code == 403
        deed = agreement(api, local_authority_id="charnwood", reference="C/1")
        theirs = contribution(api, deed["id"])
        assert api.get(f"/contributions/{theirs['id']}/indexation", role="planning").status_code == 404
