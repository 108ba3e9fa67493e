"""The request pack: a DOCX drawdown letter per request, addressed to its authority, quoting its clauses."""

import io
from typing import Any

import pytest
from docx import Document as WordDocument

from tests.doc_builders import PDF, TEMPLATE, upload, upload_template, word_file
from tests.forms import hidden_keys, sign_in
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


def _submitted(api: Any, authority: str = "blaby") -> dict[str, Any]:
    """A request to an authority releasing in advance, submitted."""
    request = _request(api, authority)
    response = api.post(f"/drawdowns/{request['id']}/submit", json={"on": "2021-02-01"})
    assert response.status_code == 200, response.text
    return dict(response.json(), contribution_id=request["contribution_id"])


def _packs(api: Any, drawdown_id: int) -> list[dict[str, Any]]:
    listed = api.get("/documents", params={"owner_type": "drawdown", "owner_id": drawdown_id}).json()
    return [item for item in listed if item["kind"] == "request_pack"]


class TestBothFormats:
    """The one printable writer gives the letter as DOCX (the default) and as PDF."""

    def test_the_pdf_is_a_pdf_and_the_docx_the_default(self, api: Any) -> None:
        request = _request(api)
        pdf = api.get(f"/drawdowns/{request['id']}/pack", params={"format": "pdf"})
        assert pdf.status_code == 200, pdf.text
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-") and b"%%EOF" in pdf.content[-32:]
        assert f"drawdown-request-{request['id']}-blaby.pdf" in pdf.headers["content-disposition"]
        assert CLAUSE in _letter(api.get(f"/drawdowns/{request['id']}/pack", params={"format": "docx"}))

    def test_an_unknown_format_is_refused_naming_it(self, api: Any) -> None:
        response = api.get(f"/drawdowns/{_request(api)['id']}/pack", params={"format": "odt"})
        assert response.status_code == 422
        assert "format" in response.text

    def test_the_page_links_both(self, api: Any) -> None:
        request = _request(api)
        sign_in(api, "officer")
        page = api.get(f"/web/drawdowns/{request['id']}", role=None)
        assert f"/web/drawdowns/{request['id']}/pack.docx" in page.text
        assert f"/web/drawdowns/{request['id']}/pack.pdf" in page.text
        pdf = api.get(f"/web/drawdowns/{request['id']}/pack.pdf", role=None)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


class TestKeptWithTheRequest:
    """Submitting keeps the pack as a request_pack document; regenerating supersedes it, removing nothing."""

    def test_the_pack_as_submitted_is_kept_and_audited(self, api: Any) -> None:
        request = _submitted(api)
        packs = _packs(api, request["id"])
        assert len(packs) == 1 and packs[0]["superseded_by_id"] is None
        kept = api.get(packs[0]["content_url"])
        assert CLAUSE in _letter(kept)
        entries = api.get("/audit", params={"resource": "drawdowns"}).json()["items"]
        assert any(entry["resource_ids"] == [request["id"], packs[0]["id"]] for entry in entries)

    def test_a_draft_keeps_no_pack_and_cannot_regenerate_one(self, api: Any) -> None:
        request = _request(api)
        assert _packs(api, request["id"]) == []
        assert api.post(f"/drawdowns/{request['id']}/pack").status_code == 409

    def test_regenerating_supersedes_the_old_pack(self, api: Any) -> None:
        request = _submitted(api)
        assert (
            api.patch(f"/drawdowns/{request['id']}", json={"note": "Revised after the authority's query"}).status_code
            == 200
        )
        assert api.post(f"/drawdowns/{request['id']}/pack").status_code == 200
        first, second = _packs(api, request["id"])
        assert first["superseded_by_id"] == second["id"]
        assert "Revised after the authority's query" not in _letter(api.get(first["content_url"]))
        assert "Revised after the authority's query" in _letter(api.get(second["content_url"]))

    def test_the_page_regenerates_and_lists_the_packs(self, api: Any) -> None:
        request = _submitted(api)
        sign_in(api, "officer")
        page = api.get(f"/web/drawdowns/{request['id']}", role=None)
        assert 'id="step-pack"' in page.text and "Request pack for request" in page.text
        done = api.post(
            f"/web/drawdowns/{request['id']}/pack", role=None, data=hidden_keys(page.text), follow_redirects=False
        )
        assert done.status_code == 303, done.text
        assert len(_packs(api, request["id"])) == 2


class TestTheAuthoritysTemplate:
    """An authority's DOCX template, checked at upload, replaces the built-in DOCX letter; the PDF stays built in."""

    def test_a_template_writes_the_docx_and_the_pdf_stays_built_in(self, api: Any) -> None:
        made = upload_template(api, "blaby")
        assert made.status_code == 201, made.text
        assert made.json()["owner_type"] == "local_authority" and made.json()["local_authority_id"] == "blaby"
        request = _request(api)
        text = _letter(api.get(f"/drawdowns/{request['id']}/pack"))
        assert "Leicestershire Police to Blaby District Council: £2,500.00 for ANPR cameras (blaby)" in text
        assert f"blaby/17/1177 premises £2,500.00: {CLAUSE}" in text
        assert "To: Blaby District Council" not in text
        assert api.get(f"/drawdowns/{request['id']}/pack", params={"format": "pdf"}).content.startswith(b"%PDF-")
        sign_in(api, "officer")
        page = api.get("/web/local-authorities/blaby", role=None)
        assert "written from Blaby District Council's own template, t.docx" in page.text

    def test_typed_text_reaches_a_template_as_text(self, api: Any) -> None:
        assert upload_template(api, "blaby").status_code == 201
        request = _request(api)
        assert (
            api.patch(
                f"/contributions/{request['contribution_id']}", json={"clause_text": "A </w:t> & <b>"}
            ).status_code
            == 200
        )
        assert "A </w:t> & <b>" in _letter(api.get(f"/drawdowns/{request['id']}/pack"))

    def test_a_new_template_supersedes_the_old(self, api: Any) -> None:
        first = upload_template(api, "blaby").json()
        second = upload_template(api, "blaby", word_file("Second {{ authority }}")).json()
        assert second["supersedes_id"] == first["id"]
        listed = api.get("/local-authorities/blaby/pack-templates").json()
        assert [item["id"] for item in listed] == [first["id"], second["id"]]
        assert "Second Blaby District Council" in _letter(api.get(f"/drawdowns/{_request(api)['id']}/pack"))

    def test_without_a_template_the_page_says_built_in(self, api: Any) -> None:
        sign_in(api, "officer")
        assert "Packs are the service's built-in letter" in api.get("/web/local-authorities/blaby", role=None).text

    def test_a_file_that_is_not_a_word_document_is_refused_naming_the_file(self, api: Any) -> None:
        response = upload_template(api, "blaby", PDF, "template.pdf")
        assert response.status_code == 422, response.text
        [refused] = response.json()["errors"]
        assert refused["message"] == "a pack template is a Word document (DOCX); this file is a PDF"
        noise = upload_template(api, "blaby", b"\x00\x01 not a document", "template.docx")
        [refused] = noise.json()["errors"]
        assert refused["message"] == "template.docx is not a Word document (DOCX), whatever its name says"
        assert api.get("/local-authorities/blaby/pack-templates").json() == []

    @pytest.mark.parametrize(
        ("text", "why"),
        [
            ("{{ no_such_placeholder }}", "no_such_placeholder"),
            ("{{ authority.__class__.__mro__ }}", "does not render"),
            ("{% for x in %}", "does not render"),
            ("{{ 100 // (evidence_attached|length) }}", "division"),
        ],
    )
    def test_a_template_that_does_not_render_is_refused_saying_why(self, api: Any, text: str, why: str) -> None:
        response = upload_template(api, "blaby", word_file(text))
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "file" and why in response.text
        assert api.get("/local-authorities/blaby/pack-templates").json() == []

    @pytest.mark.parametrize(
        ("text", "why"),
        [
            (
                "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}",
                "longer than 2 seconds",
            ),
            ("{% for a in range(1000000) %}{% endfor %}", "range longer than 10,000"),
            ("{{ authority * 100000000 }}", "value longer than 100,000"),
            ("{{ [1] * 100000000 }}", "value longer than 100,000"),
            ("{{ 10 ** 100000000 }}", "too high a power"),
            ("{% for a in range(10000) %}{{ 'x' * 1000 }}{% endfor %}", "more than 5,000,000 characters"),
        ],
    )
    def test_a_template_that_would_hold_a_worker_is_refused_within_its_limits(
        self, api: Any, monkeypatch: pytest.MonkeyPatch, text: str, why: str
    ) -> None:
        from app.drawdowns import templating

        monkeypatch.setattr(templating, "RENDER_SECONDS", 2)
        response = upload_template(api, "blaby", word_file(text))
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "file" and why in response.text
        assert api.get("/local-authorities/blaby/pack-templates").json() == []

    def test_a_template_within_its_limits_still_loops_and_multiplies(self, api: Any) -> None:
        response = upload_template(
            api, "blaby", word_file("{% for a in range(3) %}{{ '-' * 20 }}{{ 2 ** 10 }}{% endfor %}")
        )
        assert response.status_code == 201, response.text

    def test_a_template_that_fails_on_a_real_request_is_told_on_a_page(self, api: Any) -> None:
        # Renders on the samples the upload checks against, fails on any real authority's request.
        made = upload_template(api, "blaby", word_file('{{ 1 if authority == "Sample District Council" else 1 // 0 }}'))
        assert made.status_code == 201, made.text
        request = _request(api)
        sign_in(api, "officer")
        page = api.get(f"/web/drawdowns/{request['id']}/pack.docx", role=None)
        assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
        assert "The letter could not be made" in page.text and "does not render" in page.text
        assert 'href="/web/local-authorities/blaby/pack-template"' in page.text
        assert api.get(f"/web/drawdowns/{request['id']}/pack.pdf", role=None).content.startswith(b"%PDF-")

    def test_only_the_officer_uploads_and_planning_reads_their_own(self, api: Any) -> None:
        assert upload_template(api, "blaby").status_code == 201
        assert (
            api.post(
                "/local-authorities/blaby/pack-templates", role="planning", files={"file": ("t.docx", TEMPLATE)}
            ).status_code
            == 403
        )
        assert len(api.get("/local-authorities/blaby/pack-templates", role="planning").json()) == 1
        assert api.get("/local-authorities/charnwood/pack-templates", role="planning").status_code == 404

    def test_the_page_upload_names_the_field(self, api: Any) -> None:
        sign_in(api, "officer")
        page = api.get("/web/local-authorities/blaby/pack-template", role=None)
        assert page.status_code == 200 and "force_name" in page.text
        refused = api.post(
            "/web/local-authorities/blaby/pack-template",
            role=None,
            data=hidden_keys(page.text),
            files={"file": ("bad.docx", word_file("{{ nope }}"), "application/octet-stream")},
        )
        assert refused.status_code == 422 and "does not render" in refused.text
        done = api.post(
            "/web/local-authorities/blaby/pack-template",
            role=None,
            data=hidden_keys(page.text),
            files={"file": ("good.docx", TEMPLATE, "application/octet-stream")},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        told = api.get(done.headers["location"], role=None).text
        assert 'id="upload-result"' in told
        assert "good.docx is uploaded and Blaby District Council's packs are now written from it" in told
        # The page without the upload's own address says nothing of it.
        assert 'id="upload-result"' not in api.get("/web/local-authorities/blaby/pack-template", role=None).text

    def test_a_template_failing_on_a_real_request_is_a_4xx_and_the_pdf_still_works(self, api: Any) -> None:
        # Renders for the sample (whose reference is REF-1) and fails for any other request.
        fragile = word_file('{% if reference != "REF-1" %}{{ no_such_field }}{% endif %}{{ authority }}')
        assert upload_template(api, "blaby", fragile).status_code == 201
        request = _request(api, reference="DD-1")
        response = api.get(f"/drawdowns/{request['id']}/pack")
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "template" and "no_such_field" in response.text
        assert api.get(f"/drawdowns/{request['id']}/pack", params={"format": "pdf"}).status_code == 200
        refused = api.post(f"/drawdowns/{request['id']}/submit", json={"on": "2021-02-01"})
        assert refused.status_code == 422
        assert api.get(f"/drawdowns/{request['id']}").json()["status"] == "draft"
        assert _packs(api, request["id"]) == []
