"""Each authority's release rules, checked when a request is submitted (2021 report, paragraphs 12-21)."""

from typing import Any

from tests.doc_builders import upload
from tests.project_builders import allocate, drawdown, funded_contribution, project, spend, step


def _rules(api: Any, authority: str, **rules: Any) -> None:
    response = api.patch(f"/local-authorities/{authority}", json=rules)
    assert response.status_code == 200, response.text


def _draft(api: Any, authority: str, *, stage: str = "current", invoices: list[int] | None = None) -> dict[str, Any]:
    """A draft request for 10,000 of a funded contribution of the authority, for a new project."""
    money = funded_contribution(api, local_authority_id=authority, reference=f"20/{authority}/OUT")
    made = project(api, name=f"Custody suite {authority}", stage=stage)
    assert allocate(api, made["id"], money["id"], "10000.00").status_code == 201
    paid = spend(api, project_id=made["id"], amount="10000.00", charges=[], on="2021-01-15")
    assert paid.status_code == 201, paid.text
    response = drawdown(
        api,
        local_authority_id=authority,
        project_id=made["id"],
        lines=[(money["id"], "10000.00")],
        invoice_spend_ids=[paid.json()["id"]] if invoices is None else invoices,
    )
    assert response.status_code == 201, response.text
    return dict(response.json(), spend_id=paid.json()["id"])


class TestInAdvance:
    """In advance: no invoices, only the evidence the authority lists."""

    def test_submits_without_invoices_once_its_evidence_is_attached(self, api: Any) -> None:
        _rules(api, "blaby", release_basis="in_advance", evidence_kinds=["spend_proposal"])
        request = _draft(api, "blaby", invoices=[])
        refused = step(api, request["id"], "submit", on="2021-02-01")
        assert refused.status_code == 409
        assert refused.json()["errors"][0]["field"] == "evidence"
        assert "spend proposal" in refused.json()["detail"]
        assert upload(api, owner_type="drawdown", owner_id=request["id"], kind="spend_proposal").status_code == 201
        submitted = step(api, request["id"], "submit", on="2021-02-01")
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["status"] == "submitted"


class TestBlabyOnCompletion:
    """Blaby releases only once the project is complete in its entirety, against matching invoices."""

    def test_an_incomplete_project_is_refused(self, api: Any) -> None:
        _rules(api, "blaby", release_basis="in_arrears_on_completion")
        request = _draft(api, "blaby", stage="current")
        refused = step(api, request["id"], "submit", on="2021-02-01")
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "project_id"
        assert "complete in its entirety" in refused.json()["detail"]
        assert api.get(f"/drawdowns/{request['id']}").json()["status"] == "draft"

    def test_a_completed_project_with_invoices_and_evidence_is_submitted(self, api: Any) -> None:
        _rules(api, "blaby", release_basis="in_arrears_on_completion", evidence_kinds=["invoice"], own_template=True)
        request = _draft(api, "blaby", stage="completed")
        refused = step(api, request["id"], "submit", on="2021-02-01")
        assert refused.status_code == 409
        assert "drawdown letter, invoice" in refused.json()["detail"]
        # The invoice may be attached to the cited spend, the letter to the request.
        assert upload(api, owner_type="spend", owner_id=request["spend_id"], kind="invoice").status_code == 201
        assert upload(api, owner_type="drawdown", owner_id=request["id"], kind="drawdown_letter").status_code == 201
        submitted = step(api, request["id"], "submit", on="2021-02-01")
        assert submitted.status_code == 200, submitted.text

    def test_a_completed_project_still_needs_invoices_matching_the_request(self, api: Any) -> None:
        _rules(api, "blaby", release_basis="in_arrears_on_completion")
        request = _draft(api, "blaby", stage="completed", invoices=[])
        refused = step(api, request["id"], "submit", on="2021-02-01")
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "invoice_spend_ids"


class TestCharnwoodWhileOngoing:
    """Charnwood funds work still ongoing, against copy invoices, never costs the force has already paid."""

    def test_asking_for_costs_already_paid_is_refused(self, api: Any) -> None:
        _rules(api, "charnwood", release_basis="in_arrears_ongoing")
        request = _draft(api, "charnwood")
        refused = step(api, request["id"], "submit", on="2021-02-01")
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "invoice_spend_ids"
        assert "already paid" in refused.json()["detail"] and "INV-001" in refused.json()["detail"]

    def test_a_completed_project_is_refused(self, api: Any) -> None:
        _rules(api, "charnwood", release_basis="in_arrears_ongoing")
        request = _draft(api, "charnwood", stage="completed", invoices=[])
        refused = step(api, request["id"], "submit", on="2021-02-01")
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "project_id"

    def test_ongoing_work_with_copy_invoices_is_submitted(self, api: Any) -> None:
        _rules(
            api,
            "charnwood",
            release_basis="in_arrears_ongoing",
            evidence_kinds=["proportionality_statement", "invoice"],
        )
        request = _draft(api, "charnwood", invoices=[])
        refused = step(api, request["id"], "submit", on="2021-02-01")
        assert refused.status_code == 409
        assert "proportionality statement, invoice" in refused.json()["detail"]
        for kind in ("proportionality_statement", "invoice"):
            assert upload(api, owner_type="drawdown", owner_id=request["id"], kind=kind).status_code == 201
        submitted = step(api, request["id"], "submit", on="2021-02-01")
        assert submitted.status_code == 200, submitted.text

    def test_citing_a_paid_invoice_after_submission_is_refused(self, api: Any) -> None:
        _rules(api, "charnwood", release_basis="in_arrears_ongoing")
        request = _draft(api, "charnwood", invoices=[])
        assert step(api, request["id"], "submit", on="2021-02-01").status_code == 200
        changed = api.patch(f"/drawdowns/{request['id']}", json={"invoice_spend_ids": [request["spend_id"]]})
        assert changed.status_code == 422
        assert api.get(f"/drawdowns/{request['id']}").json()["invoices"] == []


class TestSupersededEvidence:
    """Only a current document counts; a superseded one stays readable."""

    def test_a_superseded_document_still_counts_through_its_replacement(self, api: Any) -> None:
        _rules(api, "blaby", release_basis="in_advance", evidence_kinds=["spend_proposal"])
        request = _draft(api, "blaby", invoices=[])
        first = upload(api, owner_type="drawdown", owner_id=request["id"], kind="spend_proposal")
        second = upload(
            api, owner_type="drawdown", owner_id=request["id"], kind="spend_proposal", supersedes_id=first.json()["id"]
        )
        assert second.status_code == 201, second.text
        assert api.get(f"/documents/{first.json()['id']}").json()["superseded_by_id"] == second.json()["id"]
        assert step(api, request["id"], "submit", on="2021-02-01").status_code == 200


class TestSeededRules:
    """The seed holds each authority's rules from the 2021 report."""

    def test_the_seeded_rules(self, seeded: Any, api: Any) -> None:
        blaby = api.get("/local-authorities/blaby").json()
        charnwood = api.get("/local-authorities/charnwood").json()
        harborough = api.get("/local-authorities/harborough").json()
        assert blaby["release_basis"] == "in_arrears_on_completion" and blaby["own_template"] is True
        assert "invoice" in blaby["evidence_kinds"]
        assert charnwood["release_basis"] == "in_arrears_ongoing"
        assert charnwood["evidence_kinds"] == ["proportionality_statement", "invoice"]
        assert harborough["release_basis"] == "in_advance" and harborough["evidence_kinds"] == []


class TestClauseText:
    """A contribution's S106 wording is kept and quoted on the request asking for its money."""

    def test_the_clause_is_shown_on_the_request(self, api: Any) -> None:
        _rules(api, "blaby", release_basis="in_advance")
        request = _draft(api, "blaby", invoices=[])
        contribution_id = request["lines"][0]["contribution_id"]
        wording = "towards the provision of police premises serving the development"
        changed = api.patch(f"/contributions/{contribution_id}", json={"clause_text": wording})
        assert changed.status_code == 200 and changed.json()["clause_text"] == wording
        shown = api.get(f"/drawdowns/{request['id']}").json()
        assert shown["lines"][0]["clause_text"] == wording
