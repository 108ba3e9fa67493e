"""The request pack: a DOCX drawdown letter per request, addressed to its authority, quoting its clauses."""

import io
from typing import Any

from docx import Document as WordDocument

from tests.doc_builders import upload
from tests.project_builders import allocate, drawdown, funded_contribution, project

CLAUSE = "To be used towards the provision of policing infrastructure serving the Development & its residents."


def _request(api: Any, authority: str = "blaby", **extra: Any) -> dict[str, Any]:
    """A draft request for 2,500.00 of a contribution whose clause wording is recorded."""
    money = funded_contribution(
        api, local_authority_id=authority, reference=f"{authority}/17/1177", amount="5000.00", received="5000.00"
    )
    assert api.patch(f"/contributions/{money['id']}", json={"clause_text": CLAUSE}).status_code == 200
    made = project(api, name=f"ANPR cameras ({authority})")
    assert allocate(api, made["id"], money["id"], "5000.00").status_code == 201
    response = drawdown(api, local_authority_id=authority, project_id=made["id"], lines=[(money["id"], "2500.00")])
    assert response.status_code == 201, response.text
    if extra:
        assert api.patch(f"/drawdowns/{response.json()['id']}", json=extra).status_code == 200
    return dict(response.json(), contribution_id=money["id"])


def _letter(response: Any) -> str:
    """The letter's text, paragraphs and table cells, as python-docx reads it back."""
    assert response.status_code == 200, response.text
    document = WordDocument(io.BytesIO(response.content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


class TestTheLetter:
    """What the letter holds: the authority, the clause wording, the amounts, the evidence and documents."""

    def test_quotes_the_clause_and_the_amounts_to_the_authority(self, api: Any) -> None:
        request = _request(api)
        response = api.get(f"/drawdowns/{request['id']}/pack")
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        disposition = response.headers["content-disposition"]
        assert disposition.startswith("attachment;") and f"drawdown-request-{request['id']}-blaby.docx" in disposition
        text = _letter(response)
        assert "To: Blaby District Council" in text
        assert CLAUSE in text
        assert "£2,500.00" in text and "blaby/17/1177" in text
        assert "Contribution #" + str(request["contribution_id"]) in text

    def test_lists_the_evidence_required_and_the_documents_attached(self, api: Any) -> None:
        patched = api.patch(
            "/local-authorities/blaby",
            json={"evidence_kinds": ["spend_proposal", "plans_and_tenders"], "own_template": True},
        )
        assert patched.status_code == 200
        request = _request(api)
        attached = upload(
            api, owner_type="drawdown", owner_id=request["id"], kind="spend_proposal", title="Spend proposal v2"
        )
        assert attached.status_code == 201, attached.text
        text = _letter(api.get(f"/drawdowns/{request['id']}/pack"))
        assert "spend proposal (attached)" in text
        assert "plans and tenders (not yet attached)" in text
        assert "drawdown letter (not yet attached)" in text
        assert "Spend proposal v2 (spend proposal, evidence.pdf), on the request" in text
        assert "asks for requests on its own template" in text

    def test_an_authority_without_its_own_template_is_not_told_to_use_one(self, api: Any) -> None:
        text = _letter(api.get(f"/drawdowns/{_request(api)['id']}/pack"))
        assert "own template" not in text

    def test_what_a_user_typed_cannot_break_the_letter(self, api: Any) -> None:
        typed = 'Ref <w:p>&amp; "quoted"\x0b tab\there'
        request = _request(api, reference="R&D <1>", note=typed, evidence=["</w:t> plans \x00 v3"])
        text = _letter(api.get(f"/drawdowns/{request['id']}/pack"))
        assert 'Ref <w:p>&amp; "quoted" tab\there' in text
        assert "our reference R&D <1>" in text
        assert "</w:t> plans  v3" in text


class TestWhoGetsIt:
    """Any role downloads a pack it may read; another authority's is as absent as an unknown id."""

    def test_the_planning_officer_gets_their_own_authoritys_only(self, api: Any) -> None:
        own, other = _request(api, "blaby"), _request(api, "charnwood")
        assert CLAUSE in _letter(api.get(f"/drawdowns/{own['id']}/pack", role="planning"))
        assert api.get(f"/drawdowns/{other['id']}/pack", role="planning").status_code == 404
        assert api.get("/drawdowns/987654321/pack", role="planning").status_code == 404
        assert api.get(f"/drawdowns/{other['id']}/pack", role="finance").status_code == 200

    def test_the_request_page_links_to_its_letter(self, api: Any) -> None:
        from tests.forms import sign_in

        request = _request(api)
        sign_in(api, "officer")
        page = api.get(f"/web/drawdowns/{request['id']}", role=None)
        assert f'href="/web/drawdowns/{request["id"]}/pack.docx"' in page.text
        download = api.get(f"/web/drawdowns/{request['id']}/pack.docx", role=None)
        assert download.headers["content-disposition"].startswith("attachment;")
        assert CLAUSE in _letter(download)
