"""The authority's side of a drawdown request: its own planning officer approves, rejects, queries and pays.

A planning officer answers only requests made to their own authority (another authority's are 404, as
unknown ids); the officer can still record the same answers from the authority's letters.
"""

import re
from collections import Counter
from datetime import date
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

    def test_a_payment_from_the_page_pays_what_the_authority_paid_on_each_contribution(self, api: Any) -> None:
        first = funded_contribution(api, reference="blaby/20/0101", amount="10000.00", received="10000.00")
        second = funded_contribution(api, reference="blaby/20/0102", amount="6000.00", received="6000.00")
        made = project(api, name="Two-line base")
        for money, amount in ((first, "8000.00"), (second, "5000.00")):
            assert allocate(api, made["id"], money["id"], amount).status_code == 201
        lines = [(first["id"], "8000.00"), (second["id"], "5000.00")]
        request = drawdown(api, local_authority_id="blaby", project_id=made["id"], lines=lines).json()
        assert step(api, request["id"], "submit", on="2021-02-01").status_code == 200
        assert step(api, request["id"], "approve", on="2021-02-10").status_code == 200
        sign_in(api, "planning")
        path = f"/web/drawdowns/{request['id']}"
        page = api.get(path, role=None).text
        assert 'id="step-payments"' in page and "£8,000.00 outstanding" in page and "£5,000.00 outstanding" in page
        rows = dict(re.findall(r'name="(lines\.\d+\.contribution_id)" value="(\d+)"', page))
        assert rows == {"lines.0.contribution_id": str(first["id"]), "lines.1.contribution_id": str(second["id"])}
        too_much = api.post(
            f"{path}/payments",
            role=None,
            data={**hidden_keys(page), **rows, "on": "01/03/2021", "lines.1.amount": "5,000.01"},
            follow_redirects=False,
        )
        assert too_much.status_code == 422 or too_much.status_code == 409, too_much.text
        assert too_much.status_code == 409, too_much.text
        summary = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', too_much.text.split("govuk-error-summary__list")[1])
        assert summary[0][0].endswith("lines-1-amount") and "£5,000.00 outstanding" in summary[0][1], summary
        assert api.get(f"/drawdowns/{request['id']}").json()["payments"] == []
        part = api.post(
            f"{path}/payments",
            role=None,
            data={**hidden_keys(page), **rows, "on": "01/03/2021", "reference": "BACS 9", "lines.1.amount": "2,000"},
            follow_redirects=False,
        )
        assert part.status_code == 303, part.text
        seen = api.get(f"/drawdowns/{request['id']}").json()
        assert (seen["status"], seen["paid"]) == ("approved", "2000.00")
        assert [(line["contribution_id"], line["outstanding"]) for line in seen["lines"]] == [
            (first["id"], "8000.00"),
            (second["id"], "3000.00"),
        ]
        page = api.get(path, role=None).text
        rest = api.post(
            f"{path}/payments",
            role=None,
            data={**hidden_keys(page), **rows, "on": "02/03/2021"},
            follow_redirects=False,
        )
        assert rest.status_code == 303, rest.text
        seen = api.get(f"/drawdowns/{request['id']}").json()
        assert (seen["status"], seen["paid"]) == ("paid", "13000.00")

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


def _history(api: Any, drawdown_id: int, *, drafted: bool = False) -> list[tuple[str, str, str]]:
    """The request's history as (date, step, words), without the day it was keyed in unless asked."""
    seen = api.get(f"/drawdowns/{drawdown_id}").json()
    entries = [(entry["on"], entry["step"], entry["description"]) for entry in seen["history"]]
    return [entry for entry in entries if drafted or entry[1] != "drafted"]


class TestAnswerDates:
    """An authority's steps are dated in the order they happened, and a letter is never older than the request."""

    def test_an_approval_dated_before_the_acknowledgement_is_refused(self, api: Any) -> None:
        request = _submitted(api)
        assert api.post(f"/drawdowns/{request['id']}/acknowledge", role="planning", json={"on": "2021-02-15"})
        early = api.post(f"/drawdowns/{request['id']}/approve", role="planning", json={"on": "2021-02-10"})
        assert early.status_code == 422 and early.json()["errors"][0]["field"] == "on"
        assert "15 Feb 2021" in early.json()["detail"]
        assert api.get(f"/drawdowns/{request['id']}").json()["status"] == "submitted"
        assert (
            api.post(f"/drawdowns/{request['id']}/approve", role="planning", json={"on": "2021-02-15"}).status_code
            == 200
        )

    def test_a_letter_older_than_the_request_is_refused(self, api: Any) -> None:
        request = _submitted(api)
        old = api.post(
            f"/drawdowns/{request['id']}/acknowledge", json={"on": "2021-02-08", "letter_dated": "2021-01-01"}
        )
        assert old.status_code == 422 and old.json()["errors"][0]["field"] == "letter_dated"
        assert "before the request was submitted on 1 Feb 2021" in old.json()["detail"]


class TestHistoryOrder:
    """A request keyed in after its steps happened says so in date order; one drafted first starts with its draft."""

    def test_a_request_keyed_in_after_the_event(self, api: Any) -> None:
        request = _submitted(api)
        assert api.post(f"/drawdowns/{request['id']}/approve", json={"on": "2021-02-10"}).status_code == 200
        history = _history(api, request["id"], drafted=True)
        assert [step for _on, step, _words in history] == ["submitted", "approved", "drafted"]
        assert history[-1][2].startswith("Keyed in to the service by ") and history[-1][0] == date.today().isoformat()

    def test_a_request_drafted_before_it_is_submitted(self, api: Any) -> None:
        made = project(api, name="Custody suite")
        money = funded_contribution(api, amount="9000.00", received="9000.00")
        assert allocate(api, made["id"], money["id"], "9000.00").status_code == 201
        request = drawdown(api, local_authority_id="blaby", project_id=made["id"], lines=[(money["id"], "100.00")])
        assert request.status_code == 201, request.text
        history = _history(api, request.json()["id"], drafted=True)
        assert [(step, words.startswith("Drafted by ")) for _on, step, words in history] == [("drafted", True)]


class TestAcknowledging:
    """The authority acknowledges a submitted request: dated, in its history, once, and not an answer."""

    def test_the_planning_officer_acknowledges_and_the_force_sees_it(self, api: Any, session: Session) -> None:
        request = _submitted(api)
        done = api.post(f"/drawdowns/{request['id']}/acknowledge", role="planning", json={"on": "2021-02-03"})
        assert done.status_code == 200, done.text
        body = done.json()
        assert (body["status"], body["acknowledged_on"]) == ("submitted", "2021-02-03")
        assert (
            "2021-02-03",
            "acknowledged",
            "Acknowledged by the authority; recorded by test planning (planning)",
        ) in (_history(api, request["id"]))
        assert _last_audit(session).actor_role == "planning"

    def test_a_request_is_acknowledged_once_and_only_once_submitted(self, api: Any) -> None:
        request = _submitted(api)
        before = api.post(f"/drawdowns/{request['id']}/acknowledge", role="planning", json={"on": "2021-01-01"})
        assert before.status_code == 422 and before.json()["errors"][0]["field"] == "on"
        assert api.post(f"/drawdowns/{request['id']}/acknowledge", role="planning", json={}).status_code == 200
        again = api.post(f"/drawdowns/{request['id']}/acknowledge", role="planning", json={})
        assert again.status_code == 409 and "already acknowledged" in again.text
        assert api.post(f"/drawdowns/{request['id']}/approve", role="planning", json={}).status_code == 200
        late = api.post(f"/drawdowns/{request['id']}/acknowledge", role="planning", json={})
        assert late.status_code == 409

    def test_another_authoritys_request_is_not_found(self, api: Any) -> None:
        request = _submitted(api, "charnwood")
        assert api.post(f"/drawdowns/{request['id']}/acknowledge", role="planning", json={}).status_code == 404
        assert api.get(f"/drawdowns/{request['id']}").json()["acknowledged_on"] is None

    def test_acknowledging_does_not_stop_the_unanswered_clock(self, api: Any) -> None:
        request = _submitted(api)
        assert api.post(f"/drawdowns/{request['id']}/acknowledge", role="planning", json={}).status_code == 200
        sign_in(api, "officer")
        alerts = api.get("/web/alerts", role=None).text
        assert f"/web/drawdowns/{request['id']}" in alerts

    def test_the_page_offers_the_button_until_it_is_acknowledged(self, api: Any) -> None:
        request = _submitted(api)
        sign_in(api, "planning")
        page = api.get(f"/web/drawdowns/{request['id']}", role=None)
        assert 'id="step-acknowledge"' in page.text and "letter_dated" not in page.text
        done = api.post(
            f"/web/drawdowns/{request['id']}/acknowledge",
            role=None,
            data={**hidden_keys(page.text), "on": "03/02/2021"},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        page = api.get(f"/web/drawdowns/{request['id']}", role=None)
        assert 'id="step-acknowledge"' not in page.text and "Acknowledged by the authority" in page.text


class TestRecordedFromTheAuthoritysLetter:
    """The officer recording the authority's answer says so, with the letter's date and reference."""

    def test_each_answer_by_the_officer_names_the_letter(self, api: Any) -> None:
        request = _submitted(api)
        letter = {"letter_dated": "2021-02-08", "letter_reference": "BDC/S106/44"}
        assert (
            api.post(f"/drawdowns/{request['id']}/acknowledge", json={"on": "2021-02-08", **letter}).status_code == 200
        )
        assert api.post(f"/drawdowns/{request['id']}/queries", json={"on": "2021-02-09", "message": "Costs?", **letter})
        assert api.post(f"/drawdowns/{request['id']}/approve", json={"on": "2021-02-10", **letter}).status_code == 200
        assert api.post(f"/drawdowns/{request['id']}/payments", json={"on": "2021-03-01"}).status_code == 201
        history = _history(api, request["id"])
        words = " (test officer (officer))"
        assert history[-4:] == [
            (
                "2021-02-08",
                "acknowledged",
                "Acknowledged by the authority; recorded by the force from the authority's letter of 8 February 2021, "
                "reference BDC/S106/44" + words,
            ),
            (
                "2021-02-09",
                "queried",
                "Queried by the authority (Costs?); recorded by the force from the authority's letter of "
                "8 February 2021, reference BDC/S106/44" + words,
            ),
            (
                "2021-02-10",
                "approved",
                "Approved by the authority; recorded by the force from the authority's letter of 8 February 2021, "
                "reference BDC/S106/44" + words,
            ),
            (
                "2021-03-01",
                "paid",
                "Paid by the authority (£4,000.00); recorded by the force from the authority's letter of 1 March 2021"
                + words,
            ),
        ]

    def test_a_rejection_from_a_letter_and_a_letter_from_the_future_is_refused(self, api: Any) -> None:
        request = _submitted(api)
        future = api.post(f"/drawdowns/{request['id']}/reject", json={"reason": "no", "letter_dated": "2999-01-01"})
        assert future.status_code == 422 and future.json()["errors"][0]["field"] == "letter_dated"
        assert api.get(f"/drawdowns/{request['id']}").json()["status"] == "submitted"
        done = api.post(
            f"/drawdowns/{request['id']}/reject",
            json={"on": "2021-02-12", "reason": "proportionality not shown", "letter_dated": "2021-02-11"},
        )
        assert done.status_code == 200, done.text
        assert _history(api, request["id"])[-1][2].startswith(
            "Rejected by the authority; recorded by the force from the authority's letter of 11 February 2021"
        )

    def test_the_page_asks_the_officer_for_the_letter_and_shows_it(self, api: Any) -> None:
        request = _submitted(api)
        sign_in(api, "officer")
        page = api.get(f"/web/drawdowns/{request['id']}", role=None)
        assert 'name="letter_dated"' in page.text
        done = api.post(
            f"/web/drawdowns/{request['id']}/approve",
            role=None,
            data={**hidden_keys(page.text), "on": "10/02/2021", "letter_dated": "09/02/2021", "letter_reference": "L1"},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        page = api.get(f"/web/drawdowns/{request['id']}", role=None)
        assert "recorded by the force from the authority&#39;s letter of 9 February 2021, reference L1" in page.text


class TestBalanceConfirmations:
    """A planning officer confirms what their authority holds at a date, beside the ledger's held figure."""

    def test_a_confirmation_sits_beside_the_ledgers_figure_with_the_difference(
        self, api: Any, session: Session
    ) -> None:
        funded_contribution(api, reference="blaby/20/0100", amount="10000.00", received="6000.00")
        made = api.post(
            "/local-authorities/blaby/balance-confirmations",
            role="planning",
            json={"as_at": "2021-03-31", "amount": "6500.00", "note": "per our ledger"},
        )
        assert made.status_code == 201, made.text
        body = made.json()
        assert (body["amount"], body["ledger_held"], body["difference"]) == ("6500.00", "6000.00", "500.00")
        assert (body["by_force"], body["description"]) == (False, "confirmed by test planning (planning)")
        entry = _last_audit(session)
        assert (entry.resource, entry.actor_role, entry.resource_ids) == (
            "balance_confirmations",
            "planning",
            [body["id"]],
        )
        listed = api.get("/local-authorities/blaby/balance-confirmations", role="finance").json()
        assert [item["id"] for item in listed["items"]] == [body["id"]]

    def test_the_ledgers_figure_is_at_the_confirmations_date(self, api: Any) -> None:
        funded_contribution(api, reference="blaby/20/0101", amount="10000.00", received="6000.00")
        early = api.post(
            "/local-authorities/blaby/balance-confirmations",
            role="planning",
            json={"as_at": "2000-01-01", "amount": "0"},
        )
        assert (early.json()["ledger_held"], early.json()["difference"]) == ("0.00", "0.00")

    def test_the_officer_records_one_from_the_letter(self, api: Any) -> None:
        made = api.post(
            "/local-authorities/blaby/balance-confirmations",
            json={"as_at": "2021-03-31", "amount": "0.00", "letter_reference": "BDC/77"},
        )
        assert made.status_code == 201, made.text
        body = made.json()
        assert (body["by_force"], body["letter_dated"]) == (True, "2021-03-31")
        assert body["description"].startswith("recorded by the force from the authority's letter of 31 March 2021")

    def test_bad_input_names_the_field_and_writes_nothing(self, api: Any) -> None:
        for body, field in (
            ({"as_at": "2999-01-01", "amount": "1.00"}, "as_at"),
            ({"as_at": "2021-03-31", "amount": "-1.00"}, "amount"),
            ({"as_at": "2021-03-31", "amount": "1.00", "letter_dated": "2021-03-01"}, "letter_dated"),
        ):
            response = api.post("/local-authorities/blaby/balance-confirmations", role="planning", json=body)
            assert response.status_code == 422, response.text
            assert field in response.json()["errors"][0]["field"], response.text
        assert api.get("/local-authorities/blaby/balance-confirmations").json()["items"] == []

    def test_another_authority_is_not_found_and_finance_cannot_write(self, api: Any) -> None:
        body = {"as_at": "2021-03-31", "amount": "1.00"}
        assert (
            api.post("/local-authorities/charnwood/balance-confirmations", role="planning", json=body).status_code
            == 404
        )
        assert api.get("/local-authorities/charnwood/balance-confirmations", role="planning").status_code == 404
        assert api.post("/local-authorities/blaby/balance-confirmations", role="finance", json=body).status_code == 403

    def test_the_page_form_records_one_and_the_authoritys_page_shows_it(self, api: Any) -> None:
        funded_contribution(api, reference="blaby/20/0102", amount="10000.00", received="6000.00")
        sign_in(api, "planning")
        page = api.get("/web/local-authorities/blaby/balance-confirmations", role=None)
        assert page.status_code == 200 and 'name="letter_dated"' not in page.text
        refused = api.post(
            "/web/local-authorities/blaby/balance-confirmations",
            role=None,
            data={**hidden_keys(page.text), "as_at": "31/03/2021", "amount": "lots"},
        )
        assert refused.status_code == 422 and 'id="amount-error"' in refused.text
        done = api.post(
            "/web/local-authorities/blaby/balance-confirmations",
            role=None,
            data={**hidden_keys(page.text), "as_at": "31/03/2021", "amount": "£5,500"},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        listed = api.get("/web/local-authorities/blaby/balance-confirmations", role=None).text
        assert 'data-confirmation="' in listed and "−£500.00" in listed
        authority = api.get("/web/local-authorities/blaby", role=None).text
        assert "confirmed £5,500.00; the ledger holds £6,000.00 at that date, a difference of −£500.00" in authority
        sign_in(api, "finance")
        seen = api.get("/web/local-authorities/blaby/balance-confirmations", role=None).text
        assert 'data-confirmation="' in seen and "Record the confirmation" not in seen


class TestTheHistoryOfAPayment:
    """A payment the authority recorded and the force reversed are both in the history."""

    def test_paid_then_reversed(self, api: Any) -> None:
        request = _submitted(api)
        assert api.post(f"/drawdowns/{request['id']}/approve", role="planning", json={"on": "2021-02-10"}).status_code
        paid = api.post(f"/drawdowns/{request['id']}/payments", role="planning", json={"on": "2021-03-01"}).json()
        payment_id = paid["payments"][0]["id"]
        reversed_ = api.post(
            f"/drawdowns/{request['id']}/payments/{payment_id}/reverse", json={"on": "2021-03-05", "note": "twice"}
        )
        assert reversed_.status_code == 200, reversed_.text
        assert [(on, step) for on, step, _words in _history(api, request["id"])] == [
            ("2021-02-01", "submitted"),
            ("2021-02-10", "approved"),
            ("2021-03-01", "paid"),
            ("2021-03-05", "payment_reversed"),
        ]
        assert _history(api, request["id"])[-1][2] == "A payment of £4,000.00 reversed by the force"


class TestThePagesForms:
    def test_no_id_repeats_so_each_date_label_points_at_its_own_field(self, api: Any) -> None:
        request = _submitted(api)
        sign_in(api, "officer")
        page = api.get(f"/web/drawdowns/{request['id']}", role=None).text
        ids = Counter(re.findall(r' id="([^"]+)"', page))
        assert [name for name, count in ids.items() if count > 1] == []
        assert f'for="web-drawdowns-{request["id"]}-approve-on"' in page
