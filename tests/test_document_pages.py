"""Document pages: upload from a record's page, and each record's page lists its documents, scoped like it."""

from typing import Any

import pytest

from tests.doc_builders import PDF, upload
from tests.forms import hidden_keys, sign_in
from tests.project_builders import allocate, drawdown, funded_contribution, project, spend


def _records(api: Any, authority: str = "blaby") -> dict[str, int]:
    """One record of each kind that documents attach to, at the authority."""
    money = funded_contribution(
        api, local_authority_id=authority, reference=f"{authority}/18/0042", amount="8000.00", received="8000.00"
    )
    made = project(api, name=f"Police office fit-out ({authority})")
    assert allocate(api, made["id"], money["id"], "8000.00").status_code == 201
    paid = spend(api, project_id=made["id"], amount="500.00", charges=[(money["id"], "500.00")])
    assert paid.status_code == 201, paid.text
    request = drawdown(api, local_authority_id=authority, project_id=made["id"], lines=[(money["id"], "1000.00")])
    assert request.status_code == 201, request.text
    return {
        "agreement": money["agreement_id"],
        "contribution": money["id"],
        "project": made["id"],
        "spend": paid.json()["id"],
        "drawdown": request.json()["id"],
    }


PAGES = {
    "agreement": "/web/agreements/{}",
    "contribution": "/web/contributions/{}",
    "project": "/web/projects/{}",
    "spend": "/web/spend/{}",
    "drawdown": "/web/drawdowns/{}",
}


def _upload_from_page(api: Any, owner_type: str, owner_id: int, **data: Any) -> Any:
    form = api.get("/web/documents/new", role=None, params={"owner_type": owner_type, "owner_id": owner_id})
    assert form.status_code == 200, form.text
    content = data.pop("content", PDF)
    filename = data.pop("filename", "letter.pdf")
    body = {**hidden_keys(form.text), "owner_type": owner_type, "owner_id": str(owner_id), **data}
    return api.post(
        "/web/documents/new",
        role=None,
        data=body,
        files={"file": (filename, content, "application/pdf")},
        follow_redirects=False,
    )


class TestEachPageListsItsDocuments:
    """Agreements, contributions, projects, invoices and requests show their documents with download links."""

    @pytest.mark.parametrize("owner_type", list(PAGES))
    def test_the_page_lists_and_links_its_documents(self, api: Any, owner_type: str) -> None:
        records = _records(api)
        made = upload(api, owner_type=owner_type, owner_id=records[owner_type], kind="correspondence", title="Letter")
        assert made.status_code == 201, made.text
        document_id = made.json()["id"]
        sign_in(api, "officer")
        page = api.get(PAGES[owner_type].format(records[owner_type]), role=None)
        assert page.status_code == 200
        assert f'data-document="{document_id}"' in page.text
        assert f'href="/documents/{document_id}/content"' in page.text
        assert f"/web/documents/new?owner_type={owner_type}&amp;owner_id={records[owner_type]}" in page.text
        content = api.get(f"/documents/{document_id}/content", role=None)
        assert content.status_code == 200 and content.content == PDF
        assert content.headers["content-disposition"].startswith("attachment;")

    def test_a_planning_officer_sees_their_own_authoritys_documents_only(self, api: Any) -> None:
        own, other = _records(api, "blaby"), _records(api, "charnwood")
        mine = upload(api, owner_type="agreement", owner_id=own["agreement"], kind="agreement").json()["id"]
        upload(api, owner_type="agreement", owner_id=other["agreement"], kind="agreement")
        sign_in(api, "planning")
        page = api.get(PAGES["agreement"].format(own["agreement"]), role=None)
        assert f'data-document="{mine}"' in page.text
        assert 'id="upload-document"' not in page.text
        assert api.get(PAGES["agreement"].format(other["agreement"]), role=None).status_code == 404
        form = api.get(
            "/web/documents/new", role=None, params={"owner_type": "agreement", "owner_id": own["agreement"]}
        )
        assert form.status_code == 403


class TestUploadFromThePage:
    """The upload form attaches the file to its record, checks it as the API does, and supersedes versions."""

    def test_uploads_and_returns_to_the_record(self, api: Any) -> None:
        records = _records(api)
        sign_in(api, "officer")
        sent = _upload_from_page(
            api, "drawdown", records["drawdown"], kind="spend_proposal", title="Spend proposal", note="v1"
        )
        assert sent.status_code == 303, sent.text
        assert sent.headers["location"] == f"/web/drawdowns/{records['drawdown']}"
        listed = api.get("/documents", params={"owner_type": "drawdown", "owner_id": records["drawdown"]}).json()
        assert [(item["kind"], item["title"], item["note"]) for item in listed] == [
            ("spend_proposal", "Spend proposal", "v1")
        ]

    def test_a_new_version_supersedes_the_old_and_both_are_listed(self, api: Any) -> None:
        records = _records(api)
        first = upload(api, owner_type="project", owner_id=records["project"], kind="plans_and_tenders").json()["id"]
        sign_in(api, "officer")
        sent = _upload_from_page(
            api, "project", records["project"], kind="plans_and_tenders", supersedes_id=str(first), title="Tenders v2"
        )
        assert sent.status_code == 303, sent.text
        page = api.get(PAGES["project"].format(records["project"]), role=None).text
        listed = api.get("/documents", params={"owner_type": "project", "owner_id": records["project"]}).json()
        second = listed[1]["id"]
        assert listed[0]["superseded_by_id"] == second
        assert f"Superseded by #{second}" in page and f'data-document="{first}"' in page

    def test_a_file_of_the_wrong_kind_is_refused_and_nothing_kept(self, api: Any) -> None:
        records = _records(api)
        sign_in(api, "officer")
        sent = _upload_from_page(
            api, "spend", records["spend"], kind="invoice", content=b"<html><script>x</script>", filename="a.pdf"
        )
        assert sent.status_code == 415
        assert "not one of the accepted kinds" in sent.text
        assert api.get("/documents", params={"owner_type": "spend", "owner_id": records["spend"]}).json() == []

    def test_a_published_address_that_is_not_a_web_address_is_refused_beside_its_field(self, api: Any) -> None:
        records = _records(api)
        sign_in(api, "officer")
        sent = _upload_from_page(
            api, "agreement", records["agreement"], kind="agreement", document_url="javascript:alert(1)"
        )
        assert sent.status_code == 422, sent.text
        assert "is not a web address" in sent.text
        page = api.get(PAGES["agreement"].format(records["agreement"]), role=None).text
        assert 'href="javascript:' not in page

    @pytest.mark.parametrize("size", [4_500_000, 6_000_000], ids=["over-the-document-limit", "over-the-body-limit"])
    def test_a_file_too_large_is_told_on_a_page_and_nothing_kept(self, api: Any, size: int) -> None:
        records = _records(api)
        sign_in(api, "officer")
        sent = _upload_from_page(api, "spend", records["spend"], kind="invoice", content=PDF + b"0" * size)
        assert sent.status_code == 413
        assert sent.headers["content-type"].startswith("text/html")
        assert "4 MB" in sent.text
        assert api.get("/documents", params={"owner_type": "spend", "owner_id": records["spend"]}).json() == []
