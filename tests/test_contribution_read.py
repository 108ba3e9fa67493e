"""One contribution's read, a statement of its own, says what its list, its balances and its schedule say."""

from datetime import date
from typing import Any

from app.balances.queries import MONEY_COLUMNS
from tests.builders import agreement, balances, contribution, event, movement

TRANCHES = [
    {"percent": "10", "trigger": {"type": "on_commencement"}},
    {"percent": "45", "trigger": {"type": "on_occupation", "threshold": 100, "threshold_unit": "percent"}},
    {"percent": "45", "trigger": {"type": "on_occupation", "threshold": 250}},
]


def tranched(api: Any, agreement_id: int, amount: str) -> dict[str, Any]:
    """A contribution in three tranches, created through the API."""
    response = api.post(
        f"/agreements/{agreement_id}/contributions",
        json={
            "purpose": "equipment",
            "amount": amount,
            "trigger": {"type": "on_commencement"},
            "instalments": TRANCHES,
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def busy_contribution(api: Any) -> dict[str, Any]:
    """A contribution with every kind of figure: indexed, started, received, drawn, spent, a reversal, at risk."""
    site = agreement(api, local_authority_id="blaby")
    made = tranched(api, site["id"], "30000.00")
    for kind, amount, on in (
        ("indexation", "1500.00", date(2020, 4, 1)),
        ("received", "12000.00", date(2020, 6, 1)),
        ("drawn", "5000.00", date(2020, 9, 1)),
        ("spent", "2000.00", date(2020, 10, 1)),
    ):
        assert movement(api, made["id"], kind, amount, on).status_code == 201
    mistaken = movement(api, made["id"], "drawn", "700.00", date(2021, 1, 5))
    assert mistaken.status_code == 201
    reversed_ = api.post(f"/movements/{mistaken.json()['id']}/reverse", json={"on": "2021-01-06", "note": "twice"})
    assert reversed_.status_code == 201, reversed_.text
    assert event(api, made["id"], "trigger_met", date(2020, 5, 1)).status_code == 201
    assert event(api, made["id"], "at_risk", date(2021, 2, 1)).status_code == 201
    return made


class TestOneContribution:
    def test_its_read_is_its_row_in_the_list(self, api: Any) -> None:
        made = busy_contribution(api)
        read = api.get(f"/contributions/{made['id']}")
        assert read.status_code == 200
        [listed] = api.get("/contributions", params={"agreement_id": made["agreement_id"]}).json()["items"]
        assert read.json() == listed

    def test_its_balances_are_the_balances_by_contribution(self, api: Any) -> None:
        made = busy_contribution(api)
        read = api.get(f"/contributions/{made['id']}").json()
        [row] = balances(api, group_by="contribution", contribution_id=made["id"])["rows"]
        assert {name: read["balances"][name] for name in MONEY_COLUMNS} == {name: row[name] for name in MONEY_COLUMNS}
        assert read["balances"]["total_value"] == "31500.00"
        assert read["balances"]["drawn"] == "5000.00"
        assert read["balances"]["at_risk"] == "19500.00"
        assert (read["stage"], read["amount"]) == ("at_risk", "30000.00")

    def test_its_instalments_share_its_total_value_and_say_which_fell_due(self, api: Any) -> None:
        made = busy_contribution(api)
        instalments = api.get(f"/contributions/{made['id']}").json()["instalments"]
        assert [item["position"] for item in instalments] == [1, 2, 3]
        assert [item["value"] for item in instalments] == ["3150.00", "14175.00", "14175.00"]
        assert [item["words"] for item in instalments] == [
            "on commencement",
            "on 100% occupation",
            "on the 250th occupation",
        ]
        single = contribution(api, made["agreement_id"], amount="500.00")
        assert event(api, single["id"], "trigger_met", date(2021, 5, 1)).status_code == 201
        [only] = api.get(f"/contributions/{single['id']}").json()["instalments"]
        assert (only["value"], only["status"], only["due_on"]) == ("500.00", "due", "2021-05-01")

    def test_signed_today_it_is_not_started_and_every_reader_sees_the_same(self, api: Any) -> None:
        site = agreement(api, local_authority_id="blaby", signed_on=date.today())
        made = tranched(api, site["id"], "900.00")
        read = api.get(f"/contributions/{made['id']}").json()
        assert (read["stage"], read["balances"]["not_started"], read["balances"]["remaining"]) == (
            "not_started",
            "900.00",
            "900.00",
        )
        assert api.get(f"/contributions/{made['id']}", role="finance").json() == read
        assert api.get(f"/contributions/{made['id']}", role="planning").json() == read

    def test_another_authority_s_is_absent_to_a_planning_officer(self, api: Any) -> None:
        ours = busy_contribution(api)
        theirs = tranched(api, agreement(api, local_authority_id="charnwood", reference="20/0003/OUT")["id"], "100.00")
        assert (
            api.get(f"/contributions/{ours['id']}", role="planning").json()
            == api.get(f"/contributions/{ours['id']}").json()
        )
        hidden = api.get(f"/contributions/{theirs['id']}", role="planning")
        assert hidden.status_code == 404
        assert hidden.json()["status"] == 404
        assert api.get(f"/contributions/{theirs['id']}", role="officer").status_code == 200
        assert api.get("/contributions/999999").status_code == 404
        assert api.get(f"/contributions/{theirs['id']}", role="panel").status_code == 403
        assert api.get(f"/contributions/{theirs['id']}", role=None).status_code == 401


class TestTheStatement:
    def test_it_stays_short_enough_for_the_postgresql_driver_to_keep_it_parsed(self) -> None:
        from psycopg import _queries
        from sqlalchemy.dialects.postgresql import psycopg

        from app.contributions.reads import _by_id_statement

        for scoped in (False, True):
            compiled = _by_id_statement(scoped).compile(dialect=psycopg.dialect())
            assert len(str(compiled).encode()) <= _queries.MAX_CACHED_STATEMENT_LENGTH
            assert len(compiled.params) <= _queries.MAX_CACHED_STATEMENT_PARAMS
