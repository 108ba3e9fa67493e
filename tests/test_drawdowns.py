"""Drawdown requests through HTTP: each lifecycle step, each refusal, and the balances after each."""

from decimal import Decimal

import pytest

from app.models import ReleaseBasis
from tests.builders import balances, ensure_authority
from tests.project_builders import (
    allocate,
    contribution_balances,
    drawdown,
    funded_contribution,
    pay,
    project,
    spend,
    step,
)
from tests.test_ledger import assert_identities


def assert_all_identities(api) -> None:
    report = balances(api, group_by="contribution")
    for row in [*report["rows"], report["totals"]]:
        assert_identities(row)


@pytest.fixture
def harborough(api, session):
    """An authority that releases money in advance of spend, with £100,000 received for the project."""
    ensure_authority(session, "harborough", "Harborough District Council", ReleaseBasis.in_advance)
    made = funded_contribution(api, local_authority_id="harborough", reference="20/0100/OUT")
    building = project(api)
    assert allocate(api, building["id"], made["id"], "100000.00").status_code == 201
    return made, building


def _drafted(api, made, building, amount="40000.00"):
    response = drawdown(api, local_authority_id="harborough", project_id=building["id"], lines=[(made["id"], amount)])
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "draft"
    return response.json()


def _approved(api, made, building, amount="40000.00"):
    request = _drafted(api, made, building, amount)
    assert step(api, request["id"], "submit", on="2021-01-01").status_code == 200
    approved = step(api, request["id"], "approve", on="2021-01-10")
    assert approved.status_code == 200, approved.text
    return approved.json()


class TestLifecycle:
    """draft -> submitted -> approved -> paid, and the side roads."""

    def test_full_payment_moves_exactly_its_amount_from_held_to_drawn(self, api, harborough) -> None:
        made, building = harborough
        before = contribution_balances(api, made["id"])
        request = _approved(api, made, building)
        assert request["status"] == "approved" and request["approved_on"] == "2021-01-10"
        assert contribution_balances(api, made["id"]) == before
        paid = pay(api, request["id"], "2021-02-01")
        assert paid.status_code == 201, paid.text
        body = paid.json()
        assert body["status"] == "paid"
        assert body["paid"] == "40000.00" and body["outstanding"] == "0.00"
        assert len(body["payments"]) == 1 and body["payments"][0]["lines"][0]["amount"] == "40000.00"
        after = contribution_balances(api, made["id"])
        assert Decimal(before["held_by_local_authority"]) - Decimal(after["held_by_local_authority"]) == Decimal(
            "40000.00"
        )
        assert Decimal(after["drawn"]) - Decimal(before["drawn"]) == Decimal("40000.00")
        assert after["total_value"] == before["total_value"] and after["spent"] == before["spent"]
        movements = api.get("/movements", params={"contribution_id": made["id"], "kind": "drawn"}).json()
        assert [item["amount"] for item in movements["items"]] == ["40000.00"]
        assert_all_identities(api)

    def test_partial_payments_until_paid(self, api, harborough) -> None:
        made, building = harborough
        request = _approved(api, made, building)
        first = pay(api, request["id"], "2021-02-01", [(made["id"], "15000.00")])
        assert first.status_code == 201, first.text
        assert first.json()["status"] == "approved"
        assert first.json()["paid"] == "15000.00" and first.json()["outstanding"] == "25000.00"
        assert contribution_balances(api, made["id"])["held_by_local_authority"] == "85000.00"
        assert_all_identities(api)
        second = pay(api, request["id"], "2021-03-01")
        assert second.status_code == 201
        assert second.json()["status"] == "paid"
        assert [payment["lines"][0]["amount"] for payment in second.json()["payments"]] == ["15000.00", "25000.00"]
        assert contribution_balances(api, made["id"])["drawn"] == "40000.00"
        assert_all_identities(api)

    def test_rejection_keeps_reason_and_leaves_balances(self, api, harborough) -> None:
        made, building = harborough
        before = balances(api, group_by="contribution")
        request = _drafted(api, made, building)
        assert step(api, request["id"], "submit", on="2021-01-01").status_code == 200
        rejected = step(api, request["id"], "reject", on="2021-01-20", reason="proportionality not demonstrated")
        assert rejected.status_code == 200, rejected.text
        assert rejected.json()["status"] == "rejected"
        assert rejected.json()["rejection_reason"] == "proportionality not demonstrated"
        assert rejected.json()["outstanding"] == "0.00"
        assert balances(api, group_by="contribution") == before
        # The money it asked for is free again.
        again = _drafted(api, made, building, "100000.00")
        assert step(api, again["id"], "submit", on="2021-02-01").status_code == 200

    def test_rejection_needs_a_reason(self, api, harborough) -> None:
        made, building = harborough
        request = _drafted(api, made, building)
        step(api, request["id"], "submit", on="2021-01-01")
        response = step(api, request["id"], "reject", on="2021-01-20")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "reason"
        assert api.get(f"/drawdowns/{request['id']}").json()["status"] == "submitted"

    def test_withdraw_from_draft_submitted_and_partly_paid(self, api, harborough) -> None:
        made, building = harborough
        draft = _drafted(api, made, building, "10000.00")
        assert step(api, draft["id"], "withdraw").json()["status"] == "withdrawn"
        submitted = _drafted(api, made, building, "10000.00")
        step(api, submitted["id"], "submit", on="2021-01-01")
        assert step(api, submitted["id"], "withdraw", on="2021-01-05").json()["status"] == "withdrawn"
        partly = _approved(api, made, building, "30000.00")
        assert pay(api, partly["id"], "2021-02-01", [(made["id"], "10000.00")]).status_code == 201
        withdrawn = step(api, partly["id"], "withdraw", on="2021-03-01", note="rest not needed")
        assert withdrawn.json()["status"] == "withdrawn"
        assert withdrawn.json()["paid"] == "10000.00" and withdrawn.json()["outstanding"] == "0.00"
        assert contribution_balances(api, made["id"])["drawn"] == "10000.00"
        shown = api.get(f"/projects/{building['id']}").json()
        assert shown["totals"]["requested"] == "10000.00"
        assert shown["totals"]["received"] == "10000.00"
        assert_all_identities(api)

    def test_reversing_a_payment_restores_balances_and_reopens_the_request(self, api, harborough) -> None:
        made, building = harborough
        before = contribution_balances(api, made["id"])
        request = _approved(api, made, building)
        paid = pay(api, request["id"], "2021-02-01").json()
        payment_id = paid["payments"][0]["id"]
        reversed_ = api.post(f"/drawdowns/{request['id']}/payments/{payment_id}/reverse", json={"on": "2021-02-02"})
        assert reversed_.status_code == 200, reversed_.text
        assert reversed_.json()["status"] == "approved"
        assert reversed_.json()["paid"] == "0.00"
        assert reversed_.json()["payments"][0]["reversed_on"] == "2021-02-02"
        assert contribution_balances(api, made["id"]) == before
        again = api.post(f"/drawdowns/{request['id']}/payments/{payment_id}/reverse", json={})
        assert again.status_code == 409
        assert_all_identities(api)

    def test_a_payments_movement_is_reversed_only_through_the_payment(self, api, harborough) -> None:
        made, building = harborough
        request = _approved(api, made, building)
        paid = pay(api, request["id"], "2021-02-01").json()
        movement_id = paid["payments"][0]["lines"][0]["movement_id"]
        direct = api.post(f"/movements/{movement_id}/reverse", json={})
        assert direct.status_code == 409
        assert f"/drawdowns/{request['id']}/payments/" in direct.json()["detail"]
        assert api.get(f"/drawdowns/{request['id']}").json()["status"] == "paid"
        assert contribution_balances(api, made["id"])["drawn"] == "40000.00"

    @pytest.mark.parametrize(
        ("reach", "action", "body"),
        [
            ("draft", "approve", {}),
            ("draft", "reject", {"reason": "no"}),
            ("approved", "submit", {}),
            ("submitted", "submit", {}),
            ("paid", "reject", {"reason": "no"}),
            ("paid", "withdraw", {}),
            ("rejected", "approve", {}),
        ],
    )
    def test_steps_out_of_order_are_refused(self, api, harborough, reach, action, body) -> None:
        made, building = harborough
        request = _drafted(api, made, building)
        path = {"draft": [], "submitted": ["submit"], "approved": ["submit", "approve"]}
        path["paid"] = path["approved"]
        path["rejected"] = ["submit"]
        for earlier in path[reach]:
            assert step(api, request["id"], earlier, on="2021-01-01").status_code == 200
        if reach == "paid":
            assert pay(api, request["id"], "2021-02-01").status_code == 201
        if reach == "rejected":
            assert step(api, request["id"], "reject", on="2021-01-02", reason="no").status_code == 200
        shown = api.get(f"/drawdowns/{request['id']}").json()
        response = step(api, request["id"], action, **body)
        assert response.status_code == 409, response.text
        assert response.json()["errors"][0]["field"] == "status"
        assert api.get(f"/drawdowns/{request['id']}").json() == shown

    def test_payment_needs_approval(self, api, harborough) -> None:
        made, building = harborough
        request = _drafted(api, made, building)
        step(api, request["id"], "submit", on="2021-01-01")
        before = contribution_balances(api, made["id"])
        response = pay(api, request["id"], "2021-02-01")
        assert response.status_code == 409
        assert contribution_balances(api, made["id"]) == before

    def test_evidence_is_kept_and_editable_until_decided(self, api, harborough) -> None:
        made, building = harborough
        request = _drafted(api, made, building)
        changed = api.patch(
            f"/drawdowns/{request['id']}", json={"evidence": ["HDC template v2", "tender TN-12"], "reference": "HDC/7"}
        )
        assert changed.status_code == 200
        assert changed.json()["evidence"] == ["HDC template v2", "tender TN-12"]
        assert changed.json()["reference"] == "HDC/7"


class TestReleaseBasis:
    """Blaby releases in arrears against invoices; Harborough in advance."""

    @pytest.fixture
    def blaby(self, api):
        assert api.patch("/local-authorities/blaby", json={"release_basis": "in_arrears"}).status_code == 200
        made = funded_contribution(api, local_authority_id="blaby", reference="19/0200/OUT")
        building = project(api)
        assert allocate(api, building["id"], made["id"], "100000.00").status_code == 201
        return made, building

    def test_arrears_authority_cannot_be_asked_without_invoices(self, api, blaby) -> None:
        made, building = blaby
        request = drawdown(api, local_authority_id="blaby", project_id=building["id"], lines=[(made["id"], "30000.00")])
        assert request.status_code == 201
        refused = step(api, request.json()["id"], "submit", on="2021-02-01")
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "invoice_spend_ids"
        assert "arrears" in refused.json()["detail"]
        assert api.get(f"/drawdowns/{request.json()['id']}").json()["status"] == "draft"

    def test_arrears_invoices_must_cover_the_amount(self, api, blaby) -> None:
        made, building = blaby
        small = spend(api, project_id=building["id"], amount="20000.00", charges=[(made["id"], "20000.00")])
        assert small.status_code == 201, small.text
        request = drawdown(
            api,
            local_authority_id="blaby",
            project_id=building["id"],
            lines=[(made["id"], "30000.00")],
            invoice_spend_ids=[small.json()["id"]],
        ).json()
        assert step(api, request["id"], "submit", on="2021-02-01").status_code == 422
        more = spend(
            api,
            project_id=building["id"],
            amount="10000.00",
            charges=[(made["id"], "10000.00")],
            invoice_reference="INV-2",
        )
        api.patch(f"/drawdowns/{request['id']}", json={"invoice_spend_ids": [small.json()["id"], more.json()["id"]]})
        submitted = step(api, request["id"], "submit", on="2021-02-01")
        assert submitted.status_code == 200, submitted.text
        assert [invoice["invoice_reference"] for invoice in submitted.json()["invoices"]] == ["INV-001", "INV-2"]
        # Spent first, drawn after: unspent_drawn is negative until the authority pays.
        assert contribution_balances(api, made["id"])["unspent_drawn"] == "-30000.00"
        step(api, request["id"], "approve", on="2021-02-10")
        assert pay(api, request["id"], "2021-03-01").status_code == 201
        assert contribution_balances(api, made["id"])["unspent_drawn"] == "0.00"
        assert_all_identities(api)

    def test_a_submitted_arrears_request_keeps_enough_invoices(self, api, blaby) -> None:
        made, building = blaby
        invoice = spend(api, project_id=building["id"], amount="20000.00", charges=[(made["id"], "20000.00")]).json()
        request = drawdown(
            api,
            local_authority_id="blaby",
            project_id=building["id"],
            lines=[(made["id"], "20000.00")],
            invoice_spend_ids=[invoice["id"]],
        ).json()
        assert step(api, request["id"], "submit", on="2021-02-01").status_code == 200
        dropped = api.patch(f"/drawdowns/{request['id']}", json={"invoice_spend_ids": []})
        assert dropped.status_code == 422
        assert [item["spend_id"] for item in api.get(f"/drawdowns/{request['id']}").json()["invoices"]] == [
            invoice["id"]
        ]

    def test_an_invoice_is_claimed_once(self, api, blaby) -> None:
        made, building = blaby
        invoice = spend(api, project_id=building["id"], amount="20000.00", charges=[(made["id"], "20000.00")]).json()
        first = drawdown(
            api,
            local_authority_id="blaby",
            project_id=building["id"],
            lines=[(made["id"], "20000.00")],
            invoice_spend_ids=[invoice["id"]],
        ).json()
        assert step(api, first["id"], "submit", on="2021-02-01").status_code == 200
        second = drawdown(
            api,
            local_authority_id="blaby",
            project_id=building["id"],
            lines=[(made["id"], "10000.00")],
            invoice_spend_ids=[invoice["id"]],
        ).json()
        assert step(api, second["id"], "submit", on="2021-02-01").status_code == 409

    def test_advance_authority_needs_no_invoices(self, api, harborough) -> None:
        made, building = harborough
        request = _drafted(api, made, building)
        submitted = step(api, request["id"], "submit", on="2021-01-01")
        assert submitted.status_code == 200
        assert submitted.json()["release_basis"] == "in_advance"
        assert submitted.json()["invoices"] == []


class TestRefusals:
    """Each refusal names its field and writes nothing."""

    def test_more_than_held_is_refused(self, api, harborough) -> None:
        made, building = harborough
        before = api.get("/drawdowns").json()["total"]
        response = drawdown(
            api, local_authority_id="harborough", project_id=building["id"], lines=[(made["id"], "100000.01")]
        )
        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "lines.0.amount"
        assert response.json()["detail"] == (
            f"the authority holds £100,000.00 of contribution {made['id']} and other requests await "
            "£0.00 of it; at most £100,000.00 can be requested"
        )
        assert api.get("/drawdowns").json()["total"] == before

    def test_other_open_requests_count_against_what_is_held(self, api, harborough) -> None:
        made, building = harborough
        first = _drafted(api, made, building, "70000.00")
        assert step(api, first["id"], "submit", on="2021-01-01").status_code == 200
        second = _drafted(api, made, building, "30000.00")
        too_much = api.patch(
            f"/drawdowns/{second['id']}", json={"lines": [{"contribution_id": made["id"], "amount": "30000.01"}]}
        )
        assert too_much.status_code == 409
        assert step(api, second["id"], "submit", on="2021-01-02").status_code == 200
        third = drawdown(api, local_authority_id="harborough", project_id=building["id"], lines=[(made["id"], "0.01")])
        assert third.status_code == 409
        assert "await" in third.json()["detail"]

    def test_a_draft_reserves_nothing_and_submission_rechecks(self, api, harborough) -> None:
        made, building = harborough
        first = _drafted(api, made, building, "60000.00")
        second = _drafted(api, made, building, "60000.00")
        assert step(api, first["id"], "submit", on="2021-01-01").status_code == 200
        refused = step(api, second["id"], "submit", on="2021-01-01")
        assert refused.status_code == 409
        assert api.get(f"/drawdowns/{second['id']}").json()["status"] == "draft"

    def test_other_authoritys_contribution_is_refused(self, api, harborough) -> None:
        made, building = harborough
        theirs = funded_contribution(api, local_authority_id="charnwood", reference="C/1")
        allocate(api, building["id"], theirs["id"], "1000.00")
        response = drawdown(
            api, local_authority_id="harborough", project_id=building["id"], lines=[(theirs["id"], "1000.00")]
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "lines.0.contribution_id"

    def test_unallocated_contribution_is_refused(self, api, harborough) -> None:
        made, building = harborough
        other = project(api, name="Specials Van", category="vehicles", estimate_low="20000.00")
        response = drawdown(api, local_authority_id="harborough", project_id=other["id"], lines=[(made["id"], "10.00")])
        assert response.status_code == 422
        assert "allocate" in response.json()["detail"]

    def test_more_than_allocated_is_refused_at_submission(self, api, harborough) -> None:
        made, building = harborough
        allocation = api.get(f"/projects/{building['id']}").json()["allocations"][0]
        api.patch(f"/projects/{building['id']}/allocations/{allocation['id']}", json={"amount": "20000.00"})
        request = _drafted(api, made, building, "20000.01")
        refused = step(api, request["id"], "submit", on="2021-01-01")
        assert refused.status_code == 409
        assert "allocated" in refused.json()["detail"]

    def test_paying_more_than_outstanding_is_refused(self, api, harborough) -> None:
        made, building = harborough
        request = _approved(api, made, building, "40000.00")
        before = contribution_balances(api, made["id"])
        response = pay(api, request["id"], "2021-02-01", [(made["id"], "40000.01")])
        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "lines.0.amount"
        assert contribution_balances(api, made["id"]) == before
        assert api.get(f"/drawdowns/{request['id']}").json()["payments"] == []

    def test_payment_before_approval_date_or_in_future_is_refused(self, api, harborough) -> None:
        made, building = harborough
        request = _approved(api, made, building)
        assert pay(api, request["id"], "2021-01-09").status_code == 422
        assert pay(api, request["id"], "2999-01-01").status_code == 422

    def test_duplicate_lines_are_refused(self, api, harborough) -> None:
        made, building = harborough
        response = drawdown(
            api,
            local_authority_id="harborough",
            project_id=building["id"],
            lines=[(made["id"], "10.00"), (made["id"], "20.00")],
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "lines"


class TestScoping:
    """Planning sees only their authority's requests; finance reads; only the officer writes."""

    def test_planning_sees_only_their_authority(self, api) -> None:
        building = project(api)
        ours = funded_contribution(api, local_authority_id="blaby", reference="B/1")
        theirs = funded_contribution(api, local_authority_id="charnwood", reference="C/1")
        allocate(api, building["id"], ours["id"], "5000.00")
        allocate(api, building["id"], theirs["id"], "5000.00")
        mine = drawdown(api, local_authority_id="blaby", project_id=building["id"], lines=[(ours["id"], "5000.00")])
        other = drawdown(
            api, local_authority_id="charnwood", project_id=building["id"], lines=[(theirs["id"], "5000.00")]
        )
        listed = api.get("/drawdowns", role="planning").json()
        assert [item["id"] for item in listed["items"]] == [mine.json()["id"]]
        assert api.get(f"/drawdowns/{other.json()['id']}", role="planning").status_code == 404
        assert api.get(f"/drawdowns/{mine.json()['id']}", role="planning").status_code == 200
        assert api.get("/drawdowns", role="finance").json()["total"] == 2

    def test_only_the_officer_writes(self, api) -> None:
        building = project(api)
        ours = funded_contribution(api, local_authority_id="blaby", reference="B/1")
        allocate(api, building["id"], ours["id"], "5000.00")
        for role in ("planning", "finance"):
            refused = api.post(
                "/drawdowns",
                role=role,
                json={
                    "local_authority_id": "blaby",
                    "project_id": building["id"],
                    "lines": [{"contribution_id": ours["id"], "amount": "10.00"}],
                },
            )
            assert refused.status_code == 403
        assert api.get("/drawdowns", role=None).status_code == 401
        assert api.get("/drawdowns").json()["total"] == 0


class TestAdoptingRecordedMovements:
    """A loader may attach drawn movements already in the ledger to a request as its payment."""

    def test_existing_drawn_movement_becomes_the_payment(self, api, harborough, session) -> None:
        from app.auth.service import SYSTEM
        from app.drawdowns.service import adopt_payment
        from app.errors import ConflictError
        from tests.builders import movement

        made, building = harborough
        request = _approved(api, made, building)
        drawn = movement(api, made["id"], "drawn", "40000.00", "2021-02-01").json()
        before = contribution_balances(api, made["id"])
        adopt_payment(session=session, principal=SYSTEM, drawdown_id=request["id"], movement_ids=[drawn["id"]])
        shown = api.get(f"/drawdowns/{request['id']}").json()
        assert shown["status"] == "paid" and shown["paid"] == "40000.00"
        assert shown["payments"][0]["lines"][0]["movement_id"] == drawn["id"]
        assert contribution_balances(api, made["id"]) == before
        assert api.get(f"/projects/{building['id']}").json()["totals"]["received"] == "40000.00"
        with pytest.raises(ConflictError, match="is paid"):
            adopt_payment(session=session, principal=SYSTEM, drawdown_id=request["id"], movement_ids=[drawn["id"]])


def assert_project_identities(api, project_id: int, contribution_ids: list[int]) -> None:
    """Project figures add up, and agree with the ledger when only this project's requests and spend move money."""
    shown = api.get(f"/projects/{project_id}").json()
    rows = shown["by_authority"]
    for row in [*rows, shown["totals"]]:
        assert Decimal(row["awaiting"]) == Decimal(row["requested"]) - Decimal(row["received"])
    for name in ("identified", "requested", "received", "awaiting", "spent"):
        assert Decimal(shown["totals"][name]) == sum((Decimal(row[name]) for row in rows), Decimal(0))
    ledger = [contribution_balances(api, contribution_id) for contribution_id in contribution_ids]
    assert Decimal(shown["totals"]["received"]) == sum((Decimal(row["drawn"]) for row in ledger), Decimal(0))
    assert Decimal(shown["totals"]["spent"]) == sum((Decimal(row["spent"]) for row in ledger), Decimal(0))
    assert Decimal(shown["gap"]) == max(Decimal(shown["estimate_high"]) - Decimal(shown["totals"]["identified"]), 0)


class TestIdentitiesAfterEveryStep:
    """A pooled project through every step; the ledger's and the project's identities hold after each."""

    def test_every_step(self, api, session) -> None:
        ensure_authority(session, "harborough", "Harborough District Council", ReleaseBasis.in_advance)
        api.patch("/local-authorities/blaby", json={"release_basis": "in_arrears"})
        building = project(api)
        blaby = funded_contribution(
            api, local_authority_id="blaby", reference="B/1", amount="80000.00", received="80000.00"
        )
        harborough = funded_contribution(api, local_authority_id="harborough", reference="H/1")
        ids = [blaby["id"], harborough["id"]]

        made: dict[str, int] = {}

        def check() -> None:
            assert_all_identities(api)
            assert_project_identities(api, building["id"], ids)

        def keep(name: str, response):
            if response.status_code == 201:
                made[name] = response.json()["id"]
            return response

        def harborough_draft(name: str):
            lines = [(harborough["id"], "60000.00")]
            return keep(name, drawdown(api, local_authority_id="harborough", project_id=building["id"], lines=lines))

        def blaby_spend(name: str, amount: str, reference: str):
            charges = [(blaby["id"], amount)]
            return keep(
                name,
                spend(api, project_id=building["id"], amount=amount, charges=charges, invoice_reference=reference),
            )

        def blaby_draft():
            lines = [(blaby["id"], "50000.00")]
            invoices = [made["invoice"]]
            return keep(
                "b",
                drawdown(
                    api, local_authority_id="blaby", project_id=building["id"], lines=lines, invoice_spend_ids=invoices
                ),
            )

        def first_payment(name: str) -> int:
            return int(api.get(f"/drawdowns/{made[name]}").json()["payments"][0]["id"])

        steps = [
            ("allocate blaby", lambda: allocate(api, building["id"], blaby["id"], "80000.00"), 201),
            ("allocate harborough", lambda: allocate(api, building["id"], harborough["id"], "100000.00"), 201),
            ("draft harborough", lambda: harborough_draft("h1"), 201),
            ("submit harborough", lambda: step(api, made["h1"], "submit", on="2021-01-01"), 200),
            ("reject", lambda: step(api, made["h1"], "reject", on="2021-01-02", reason="proportionality"), 200),
            ("draft again", lambda: harborough_draft("h2"), 201),
            ("submit again", lambda: step(api, made["h2"], "submit", on="2021-02-01"), 200),
            ("approve", lambda: step(api, made["h2"], "approve", on="2021-02-02"), 200),
            ("pay part", lambda: pay(api, made["h2"], "2021-03-01", [(harborough["id"], "25000.00")]), 201),
            ("pay rest", lambda: pay(api, made["h2"], "2021-03-02"), 201),
            (
                "reverse first payment",
                lambda: api.post(f"/drawdowns/{made['h2']}/payments/{first_payment('h2')}/reverse", json={}),
                200,
            ),
            ("blaby spend", lambda: blaby_spend("invoice", "50000.00", "INV-1"), 201),
            ("blaby draft", blaby_draft, 201),
            ("blaby submit", lambda: step(api, made["b"], "submit", on="2021-04-01"), 200),
            ("blaby approve", lambda: step(api, made["b"], "approve", on="2021-04-02"), 200),
            ("blaby pay", lambda: pay(api, made["b"], "2021-05-01"), 201),
            ("duplicate spend", lambda: blaby_spend("duplicate", "10.00", "DUP"), 201),
            ("cancel it", lambda: api.post(f"/spend/{made['duplicate']}/cancel", json={"reason": "keyed twice"}), 200),
        ]
        check()
        for name, action, expected in steps:
            response = action()
            assert response.status_code == expected, f"{name}: {response.text}"
            check()
        shown = api.get(f"/projects/{building['id']}").json()["totals"]
        assert shown == {
            "identified": "180000.00",
            "requested": "110000.00",
            "received": "85000.00",
            "awaiting": "25000.00",
            "spent": "50000.00",
        }
        assert contribution_balances(api, harborough["id"])["held_by_local_authority"] == "65000.00"
        assert contribution_balances(api, blaby["id"])["unspent_drawn"] == "0.00"
