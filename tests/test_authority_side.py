"""The authority's side of a drawdown request: its own planning officer approves, rejects, queries and pays.

A planning officer answers only requests made to their own authority (another authority's are 404, as
unknown ids); the officer can still record the same answers from the authority's letters.
"""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEntry
from tests.forms import hidden_keys, sign_in
from tests.project_builders import allocate, contribution_balances, drawdown, funded_contribution, pay, project, step


def _submitted(api: Any, authority: str = "blaby", amount: str = "4000.00") -> dict[str, Any]:
    """A request to the authority for money it holds, submitted."""
    money = funded_contribution(
        api, local_authority_id=authority, reference=f"{authority}/20/0001", amount="10000.00", received="10000.00"
    )
    made = project(api, name=f"Neighbourhood base ({authority})")
    assert allocate(api, made["id"], money["id"], "10000.00").status_code == 201
    response = drawdown(api, local_authority_id=authority, project_id=made["id"], lines=[(money["id"], amount)])
    assert response.status_code == 201, response.text
    request = response.json()
    assert step(api, request["id"], "submit", on="2021-02-01").status_code == 200
    return dict(request, contribution_id=money["id"])


def _last_audit(session: Session) -> AuditEntry:
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    return entry


class TestThePlanningOfficerAnswers:
    """The authority's planning officer records its own decisions, and the force sees them."""

    def test_approves_a_request_made_to_their_authority(self, api: Any, session: Session) -> None:
        request = _submitted(api)
        approved = api.post(f"/drawdowns/{request['id']}/approve", role="planning", json={"on": "2021-02-10"})
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "approved"
        assert _last_audit(session).actor_role == "planning"
        seen = api.get(f"/drawdowns/{request['id']}").json()
        assert (seen["status"], seen["approved_on"]) == ("approved", "2021-02-10")

    def test_rejects_with_a_reason_the_force_sees(self, api: Any) -> None:
        request = _submitted(api)
        rejected = api.post(
            f"/drawdowns/{request['id']}/reject",
            role="planning",
            json={"on": "2021-02-10", "reason": "proportionality not shown"},
        )
        assert rejected.status_code == 200, rejected.text
        seen = api.get(f"/drawdowns/{request['id']}").json()
        assert (seen["status"], seen["rejection_reason"]) == ("rejected", "proportionality not shown")

    def test_queries_the_force_and_the_request_keeps_its_status(self, api: Any, session: Session) -> None:
        request = _submitted(api)
        asked = api.post(
            f"/drawdowns/{request['id']}/queries",
            role="planning",
            json={"on": "2021-02-05", "message": "Which costs are still to be paid?"},
        )
        assert asked.status_code == 201, asked.text
        seen = api.get(f"/drawdowns/{request['id']}").json()
        assert seen["status"] == "submitted"
        assert [(query["on"], query["message"], query["raised_by"]) for query in seen["queries"]] == [
            ("2021-02-05", "Which costs are still to be paid?", "test planning (planning)")
        ]
        entry = _last_audit(session)
        assert (entry.resource, entry.actor_role) == ("drawdown_queries", "planning")
        assert entry.resource_ids == [seen["queries"][0]["id"], request["id"]]

    def test_a_draft_cannot_be_queried(self, api: Any) -> None:
        money = funded_contribution(api, reference="blaby/20/0009")
        made = project(api, name="Draft only")
        assert allocate(api, made["id"], money["id"], "1000.00").status_code == 201
        draft = drawdown(api, local_authority_id="blaby", project_id=made["id"], lines=[(money["id"], "500.00")])
        refused = api.post(f"/drawdowns/{draft.json()['id']}/queries", role="planning", json={"message": "why?"})
        assert refused.status_code == 409
        assert api.get(f"/drawdowns/{draft.json()['id']}").json()["queries"] == []

    def test_records_their_authoritys_payment(self, api: Any) -> None:
        request = _submitted(api)
        assert api.post(f"/drawdowns/{request['id']}/approve", role="planning", json={"on": "2021-02-10"}).status_code
        paid = api.post(
            f"/drawdowns/{request['id']}/payments", role="planning", json={"on": "2021-03-01", "reference": "BACS 77"}
        )
        assert paid.status_code == 201, paid.text
        body = paid.json()
        assert (body["status"], body["paid"], body["outstanding"]) == ("paid", "4000.00", "0.00")
        assert body["payments"][0]["recorded_by"] == "test planning (planning)"
        balances = contribution_balances(api, request["contribution_id"])
        assert balances["drawn"] == "4000.00"
        movement_id = body["payments"][0]["lines"][0]["movement_id"]
        movement = api.get(f"/movements/{movement_id}").json()
        assert (movement["kind"], movement["recorded_by"]) == ("drawn", "test planning (planning)")

    def test_the_officer_still_records_an_answer_by_letter(self, api: Any) -> None:
        request = _submitted(api)
        assert step(api, request["id"], "approve", on="2021-02-10").status_code == 200
        assert pay(api, request["id"], "2021-03-01").json()["status"] == "paid"


class TestOnlyTheirOwnAuthority:
    """Another authority's request is as absent as an unknown id; the force's own steps stay the force's."""

    def test_another_authoritys_request_is_not_found(self, api: Any) -> None:
        request = _submitted(api, "charnwood")
        for path, body in (
            ("approve", {"on": "2021-02-10"}),
            ("reject", {"reason": "no"}),
            ("queries", {"message": "why?"}),
            ("payments", {"on": "2021-03-01"}),
        ):
            response = api.post(f"/drawdowns/{request['id']}/{path}", role="planning", json=body)
            assert response.status_code == 404, (path, response.text)
        seen = api.get(f"/drawdowns/{request['id']}").json()
        assert (seen["status"], seen["queries"], seen["payments"]) == ("submitted", [], [])

    def test_the_force_alone_submits_and_withdraws(self, api: Any) -> None:
        request = _submitted(api)
        assert api.post(f"/drawdowns/{request['id']}/withdraw", role="planning", json={}).status_code == 403
        assert api.post(f"/drawdowns/{request['id']}/approve", role="finance", json={}).status_code == 403
        assert api.get(f"/drawdowns/{request['id']}").json()["status"] == "submitted"


class TestOnTheRequestPage:
    """The planning officer's buttons on the request's page, and what the officer then sees."""

    def test_the_planning_officer_approves_from_the_page(self, api: Any) -> None:
        request = _submitted(api)
        sign_in(api, "planning")
        page = api.get(f"/web/drawdowns/{request['id']}", role=None)
        assert page.status_code == 200
        for name in ("approve", "reject", "queries"):
            assert f'id="step-{name}"' in page.text, name
        assert 'id="step-withdraw"' not in page.text
        keys = hidden_keys(page.text)
        approved = api.post(
            f"/web/drawdowns/{request['id']}/approve",
            role=None,
            data={**keys, "on": "2021-02-10"},
            follow_redirects=False,
        )
        assert approved.status_code == 303, approved.text
        assert api.get(f"/drawdowns/{request['id']}").json()["status"] == "approved"
        page = api.get(f"/web/drawdowns/{request['id']}", role=None)
        assert 'id="step-payments"' in page.text and 'id="step-approve"' not in page.text

    def test_a_query_from_the_page_is_shown_to_the_force(self, api: Any) -> None:
        request = _submitted(api)
        sign_in(api, "planning")
        page = api.get(f"/web/drawdowns/{request['id']}", role=None)
        asked = api.post(
            f"/web/drawdowns/{request['id']}/queries",
            role=None,
            data={**hidden_keys(page.text), "message": "Send the <b>tender</b> summary"},
            follow_redirects=False,
        )
        assert asked.status_code == 303, asked.text
        sign_in(api, "officer")
        page = api.get(f"/web/drawdowns/{request['id']}", role=None)
        assert "Send the &lt;b&gt;tender&lt;/b&gt; summary" in page.text

    def test_another_authoritys_page_and_the_forces_steps_are_refused(self, api: Any) -> None:
        other = _submitted(api, "charnwood")
        own = _submitted(api, "blaby", amount="1000.00")
        sign_in(api, "planning")
        assert api.get(f"/web/drawdowns/{other['id']}", role=None).status_code == 404
        keys = hidden_keys(api.get(f"/web/drawdowns/{own['id']}", role=None).text)
        refused = api.post(
            f"/web/drawdowns/{other['id']}/approve",
            role=None,
            data={**keys, "on": "2021-02-10"},
            follow_redirects=False,
        )
        assert refused.status_code == 404
        withdraw = api.post(f"/web/drawdowns/{own['id']}/withdraw", role=None, data=keys, follow_redirects=False)
        assert withdraw.status_code == 403
        assert api.get(f"/drawdowns/{other['id']}").json()["status"] == "submitted"
        assert api.get(f"/drawdowns/{own['id']}").json()["status"] == "submitted"
