"""Instalments falling due from the facts: proposed by recorded progress, confirmed by the officer, watched."""

from datetime import date, timedelta
from typing import Any

from tests.builders import agreement, movement

TRANCHES = [
    {"percent": "10", "trigger": {"type": "on_commencement"}},
    {"percent": "45", "trigger": {"type": "on_occupation", "threshold": 50, "threshold_unit": "percent"}},
    {"percent": "45", "trigger": {"type": "on_occupation", "threshold": 90}},
]


def tranched(api: Any, agreement_id: int, amount: str = "10000.00", instalments: Any = None) -> dict[str, Any]:
    """A contribution in the three tranches above (or those given)."""
    response = api.post(
        f"/agreements/{agreement_id}/contributions",
        json={
            "purpose": "equipment",
            "amount": amount,
            "trigger": {"type": "on_commencement"},
            "instalments": instalments or TRANCHES,
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def progress(api: Any, agreement_id: int, **counts: Any) -> None:
    """Record a site's counts."""
    response = api.post(f"/agreements/{agreement_id}/progress", json=counts)
    assert response.status_code == 201, response.text


def stage(api: Any, contribution_id: int) -> tuple[str, str, str]:
    """A contribution's not started, held by developer and held by the authority today."""
    balances = api.get(f"/contributions/{contribution_id}").json()["balances"]
    return balances["not_started"], balances["held_by_developer"], balances["held_by_local_authority"]


class TestProposedPerInstalment:
    def test_each_threshold_passed_proposes_its_instalment_and_money_moves_only_when_confirmed(self, api: Any) -> None:
        site = agreement(api, dwellings=100)
        owed = tranched(api, site["id"])
        first, half, ninetieth = (item["id"] for item in owed["instalments"])
        progress(api, site["id"], on="2021-06-30", started=12)
        proposed = api.get("/trigger-proposals").json()
        assert [(item["instalment_id"], item["due_on"], item["instalment_value"]) for item in proposed] == [
            (first, "2021-06-30", "1000.00")
        ]
        assert stage(api, owed["id"]) == ("10000.00", "0.00", "0.00")  # proposed, never silently moved
        confirmed = api.post(f"/instalments/{first}/due", json={})
        assert confirmed.status_code == 201, confirmed.text
        assert confirmed.json()["on"] == "2021-06-30" and confirmed.json()["event_id"] is not None
        events = api.get(f"/contributions/{owed['id']}/events").json()
        assert [(item["kind"], item["on"]) for item in events] == [("trigger_met", "2021-06-30")]
        assert stage(api, owed["id"]) == ("0.00", "10000.00", "0.00")  # the ledger's stage rule, as before

        progress(api, site["id"], on="2022-03-31", started=80, completed=60, occupied=52)
        proposed = api.get("/trigger-proposals", role="planning").json()
        assert [(item["instalment_id"], item["threshold"], item["reached"]) for item in proposed] == [(half, 50, 52)]
        assert proposed[0]["trigger_words"] == "on 50% occupation"
        corrected = api.post(f"/instalments/{half}/due", json={"on": "2022-02-14", "note": "developer's notice"})
        assert corrected.status_code == 201 and corrected.json()["event_id"] is None  # the trigger was already met
        assert len(api.get(f"/contributions/{owed['id']}/events").json()) == 1
        shown = {item["id"]: item for item in api.get(f"/contributions/{owed['id']}").json()["instalments"]}
        assert (shown[half]["status"], shown[half]["due_on"]) == ("due", "2022-02-14")
        assert shown[ninetieth]["status"] == "not_due"
        assert api.get("/trigger-proposals").json() == []

    def test_confirming_is_the_officers_and_a_correction_is_a_later_record(self, api: Any) -> None:
        site = agreement(api, dwellings=100)
        owed = tranched(api, site["id"])
        first = owed["instalments"][0]["id"]
        ninetieth = owed["instalments"][2]["id"]
        progress(api, site["id"], on="2021-06-30", started=3)
        assert api.post(f"/instalments/{first}/due", role="planning", json={}).status_code == 403
        assert api.post(f"/instalments/{first}/due", role="finance", json={}).status_code == 403
        assert api.post(f"/instalments/{first}/due", json={}).status_code == 201
        again = api.post(f"/instalments/{first}/due", json={})
        assert again.status_code == 409 and again.json()["errors"][0]["field"] == "on"
        assert api.post(f"/instalments/{first}/due", json={"on": "2021-05-01"}).status_code == 201
        shown = api.get(f"/contributions/{owed['id']}").json()["instalments"][0]
        assert shown["due_on"] == "2021-05-01"
        unproposed = api.post(f"/instalments/{ninetieth}/due", json={})
        assert unproposed.status_code == 409 and "not proposed due" in unproposed.text
        future = (date.today() + timedelta(days=5)).isoformat()
        assert api.post(f"/instalments/{ninetieth}/due", json={"on": future}).status_code == 422
        assert api.post(f"/instalments/{ninetieth}/due", json={"on": "2018-01-01"}).status_code == 422

    def test_another_authoritys_instalment_is_as_absent_as_an_unknown_one(self, api: Any) -> None:
        site = agreement(api, local_authority_id="charnwood", reference="C/1", dwellings=100)
        owed = tranched(api, site["id"])
        progress(api, site["id"], on="2021-06-30", started=3)
        assert api.get("/trigger-proposals", role="planning").json() == []
        assert api.get("/instalment-watch", role="planning").json()["items"] == []
        assert api.post(f"/instalments/{owed['instalments'][0]['id']}/due", json={}).status_code == 201


class TestWatchList:
    def test_near_thresholds_near_dates_and_due_unpaid_instalments(self, api: Any) -> None:
        site = agreement(api, dwellings=100)
        soon = (date.today() + timedelta(days=20)).isoformat()
        owed = tranched(
            api,
            site["id"],
            instalments=[
                {"percent": "20", "trigger": {"type": "on_commencement"}},
                {"percent": "30", "trigger": {"type": "on_occupation", "threshold": 40}},
                {"percent": "50", "trigger": {"type": "on_date", "on": soon}},
            ],
        )
        first, fortieth, dated = (item["id"] for item in owed["instalments"])
        progress(api, site["id"], on="2021-01-31", started=10)
        assert api.post(f"/instalments/{first}/due", json={}).status_code == 201
        progress(api, site["id"], on="2022-01-31", started=50, completed=40, occupied=33)
        watched = api.get("/instalment-watch", params={"dwellings": 10, "days": 30, "overdue_days": 60}).json()
        kinds = [(item["kind"], item["instalment_id"]) for item in watched["items"]]
        assert kinds == [("overdue", first), ("near_date", dated), ("near_threshold", fortieth)]
        overdue, near_date, near = watched["items"]
        assert (overdue["unpaid"], overdue["on"]) == ("2000.00", "2021-01-31")
        assert near_date["days"] == 20 and near_date["on"] == soon
        assert (near["reached"], near["threshold"], near["reason"]) == (33, 40, "33 of 40 dwellings occupied: 7 to go")
        narrow = api.get("/instalment-watch", params={"dwellings": 5, "days": 10}, role="planning").json()
        assert [item["kind"] for item in narrow["items"]] == ["overdue"]
        assert movement(api, owed["id"], "received", "1500.00", "2022-02-01").status_code == 201
        part = api.get("/instalment-watch", params={"dwellings": 0, "days": 0}).json()["items"]
        assert [(item["kind"], item["unpaid"]) for item in part] == [("overdue", "500.00")]
        assert movement(api, owed["id"], "received", "500.00", "2022-02-02").status_code == 201
        assert api.get("/instalment-watch", params={"dwellings": 0, "days": 0}).json()["items"] == []
        assert api.get("/instalment-watch", params={"days": -1}).status_code == 422

    def test_money_payable_on_signing_and_unpaid_is_overdue_from_the_signing(self, api: Any) -> None:
        site = agreement(api, dwellings=100)
        owed = tranched(api, site["id"], instalments=[{"percent": "100", "trigger": {"type": "on_signing"}}])
        [item] = api.get("/instalment-watch", params={"overdue_days": 30}).json()["items"]
        assert (item["kind"], item["on"], item["instalment_id"]) == (
            "overdue",
            "2019-04-01",
            owed["instalments"][0]["id"],
        )


class TestPages:
    def test_the_site_page_confirms_an_instalment_and_the_watch_list_shows_and_downloads(self, api: Any) -> None:
        from tests.forms import fill, sign_in

        site = agreement(api, dwellings=100)
        owed = tranched(api, site["id"])
        first = owed["instalments"][0]["id"]
        progress(api, site["id"], on="2021-06-30", started=60, completed=50, occupied=45)
        sign_in(api, "officer")
        page = f"/web/agreements/{site['id']}/progress"
        shown = api.get(page, role=None).text
        assert f'data-key="proposal-{first}"' in shown and "1: on commencement" in shown
        confirmed = fill(api, page, {"on": "20/06/2021"}, action=f"/web/instalments/{first}/due")
        assert confirmed.status_code == 303, confirmed.text
        assert api.get(f"/contributions/{owed['id']}").json()["instalments"][0]["due_on"] == "2021-06-20"
        watch = api.get("/web/instalment-watch", role=None, params={"dwellings": 5, "overdue_days": 30}).text
        assert 'id="watch"' in watch and "45 of 50 dwellings occupied: 5 to go" in watch
        assert "Due, not paid" in watch
        csv = api.get("/web/instalment-watch", role=None, params={"dwellings": 5, "format": "csv"})
        assert csv.status_code == 200 and "Not yet paid" in csv.text and "1000.00" in csv.text
