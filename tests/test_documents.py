"""Documents: type and size checked, stored by content hash, downloaded only as attachments, scoped, kept."""

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from app.config import get_settings
from tests.builders import agreement
from tests.doc_builders import PDF, PNG, upload, upload_template, word_file
from tests.project_builders import allocate, drawdown, funded_contribution, project, step


def _stored(sha256: str) -> Path:
    return Path(os.environ["DOCUMENTS_DIR"]) / sha256[:2] / sha256


class TestUpload:
    """What is accepted, and how it is stored."""

    def test_a_pdf_is_stored_by_its_hash_and_downloads_as_an_attachment(self, api: Any) -> None:
        deed = agreement(api)
        made = upload(api, owner_type="agreement", owner_id=deed["id"], kind="agreement", filename="deed.pdf")
        assert made.status_code == 201, made.text
        body = made.json()
        assert body["media_type"] == "application/pdf" and body["size_bytes"] == len(PDF)
        assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
        assert _stored(body["sha256"]).read_bytes() == PDF
        content = api.get(body["content_url"])
        assert content.status_code == 200 and content.content == PDF
        assert content.headers["content-disposition"].startswith("attachment;")
        assert content.headers["x-content-type-options"] == "nosniff"
        assert content.headers["content-type"] == "application/pdf"

    def test_html_named_as_a_pdf_is_refused(self, api: Any) -> None:
        deed = agreement(api)
        refused = upload(
            api, owner_type="agreement", owner_id=deed["id"], kind="agreement", content=b"<html><script>1</script>"
        )
        assert refused.status_code == 415
        assert refused.json()["errors"][0]["field"] == "file"
        assert api.get("/documents", params={"owner_type": "agreement", "owner_id": deed["id"]}).json() == []

    def test_the_type_is_read_from_the_content_not_the_name(self, api: Any) -> None:
        deed = agreement(api)
        made = upload(api, owner_type="agreement", owner_id=deed["id"], kind="other", content=PNG, filename="x.pdf")
        assert made.status_code == 201 and made.json()["media_type"] == "image/png"

    def test_an_oversize_file_is_refused(self, api: Any) -> None:
        deed = agreement(api)
        limit = get_settings().max_document_bytes
        refused = upload(api, owner_type="agreement", owner_id=deed["id"], kind="agreement", content=PDF + b"0" * limit)
        assert refused.status_code == 413

    def test_an_unknown_owner_is_404(self, api: Any) -> None:
        assert upload(api, owner_type="project", owner_id=987654, kind="other").status_code == 404

    def test_only_the_officer_uploads(self, api: Any) -> None:
        deed = agreement(api)
        assert upload(api, owner_type="agreement", owner_id=deed["id"], kind="other", role="finance").status_code == 403


class TestScope:
    """A planning officer reads only their own authority's documents."""

    def test_another_authoritys_document_is_404(self, api: Any) -> None:
        own = agreement(api, local_authority_id="blaby")
        other = agreement(api, local_authority_id="charnwood", reference="20/0001/FUL")
        mine = upload(api, owner_type="agreement", owner_id=own["id"], kind="agreement").json()
        theirs = upload(api, owner_type="agreement", owner_id=other["id"], kind="agreement").json()
        assert api.get(f"/documents/{mine['id']}", role="planning").status_code == 200
        assert api.get(f"/documents/{mine['id']}/content", role="planning").status_code == 200
        assert api.get(f"/documents/{theirs['id']}", role="planning").status_code == 404
        assert api.get(f"/documents/{theirs['id']}/content", role="planning").status_code == 404
        listed = api.get("/documents", role="planning", params={"owner_type": "agreement", "owner_id": other["id"]})
        assert listed.status_code == 404


class TestNeverDeleted:
    """A replacement supersedes; nothing leaves storage."""

    @pytest.mark.parametrize("address", ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.org/a"])
    def test_a_published_address_must_be_a_web_address(self, api: Any, address: str) -> None:
        deed = agreement(api)
        response = upload(api, owner_type="agreement", owner_id=deed["id"], kind="agreement", document_url=address)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "document_url"
        assert api.get("/documents", params={"owner_type": "agreement", "owner_id": deed["id"]}).json() == []

    def test_a_superseded_document_stays_readable_and_stored(self, api: Any) -> None:
        deed = agreement(api)
        first = upload(api, owner_type="agreement", owner_id=deed["id"], kind="agreement").json()
        second = upload(
            api,
            owner_type="agreement",
            owner_id=deed["id"],
            kind="agreement",
            content=PNG,
            supersedes_id=first["id"],
            document_url="https://example.org/deed.pdf",
        ).json()
        listed = api.get("/documents", params={"owner_type": "agreement", "owner_id": deed["id"]}).json()
        assert [(item["id"], item["superseded_by_id"]) for item in listed] == [
            (first["id"], second["id"]),
            (second["id"], None),
        ]
        assert listed[1]["document_url"] == "https://example.org/deed.pdf"
        assert api.get(first["content_url"]).content == PDF
        assert _stored(first["sha256"]).exists() and _stored(second["sha256"]).exists()
        again = upload(api, owner_type="agreement", owner_id=deed["id"], kind="agreement", supersedes_id=first["id"])
        assert again.status_code == 409
        assert api.request("DELETE", f"/documents/{first['id']}").status_code == 405

    def test_an_authoritys_documents_asked_for_by_a_number_are_none_not_a_500(self, api: Any) -> None:
        listed = api.get("/documents", params={"owner_type": "local_authority", "owner_id": 1})
        assert listed.status_code == 404, listed.text
        assert listed.json()["errors"][0]["field"] == "owner_id"

    def test_an_unknown_version_to_supersede_is_named_as_that_field(self, api: Any) -> None:
        deed = agreement(api)
        refused = upload(api, owner_type="agreement", owner_id=deed["id"], kind="agreement", supersedes_id=999999)
        assert refused.status_code == 404
        assert refused.json()["errors"][0]["field"] == "supersedes_id"
        assert "to supersede" in refused.json()["detail"]

    def test_the_upload_is_audited(self, api: Any) -> None:
        deed = agreement(api)
        made = upload(api, owner_type="agreement", owner_id=deed["id"], kind="agreement").json()
        entries = api.get("/audit", params={"resource": "documents"}).json()["items"]
        assert any(entry["resource_ids"] == [made["id"]] for entry in entries)


def _stored_files() -> set[Path]:
    return {path for path in Path(os.environ["DOCUMENTS_DIR"]).rglob("*") if path.is_file()}


def _closed_request(api: Any) -> dict[str, Any]:
    """A request to blaby with a spend proposal attached, submitted and then refused by the authority."""
    money = funded_contribution(api, reference="blaby/21/0001", amount="5000.00", received="5000.00")
    made = project(api, name="Closed request's project")
    assert allocate(api, made["id"], money["id"], "5000.00").status_code == 201
    request = drawdown(api, local_authority_id="blaby", project_id=made["id"], lines=[(money["id"], "1000.00")]).json()
    attached = upload(api, owner_type="drawdown", owner_id=request["id"], kind="spend_proposal").json()
    assert step(api, request["id"], "submit", on="2021-02-01").status_code == 200
    refused = api.post(f"/drawdowns/{request['id']}/reject", role="planning", json={"reason": "not proportionate"})
    assert refused.status_code == 200, refused.text
    return dict(request, document=attached)


class TestClosedRecords:
    """A closed request's documents stay readable by whoever may read the request."""

    def test_a_rejected_requests_documents_stay_readable(self, api: Any) -> None:
        request = _closed_request(api)
        document = request["document"]
        for role in ("officer", "finance", "planning"):
            assert api.get(f"/documents/{document['id']}", role=role).status_code == 200, role
            content = api.get(document["content_url"], role=role)
            assert (content.status_code, content.content) == (200, PDF), role
        listed = api.get("/documents", role="planning", params={"owner_type": "drawdown", "owner_id": request["id"]})
        assert {item["kind"] for item in listed.json()} == {"spend_proposal", "request_pack"}

    def test_a_withdrawn_requests_kept_pack_stays_readable(self, api: Any) -> None:
        money = funded_contribution(api, reference="blaby/21/0002", amount="5000.00", received="5000.00")
        made = project(api, name="Withdrawn request's project")
        assert allocate(api, made["id"], money["id"], "5000.00").status_code == 201
        request = drawdown(api, local_authority_id="blaby", project_id=made["id"], lines=[(money["id"], "1.00")]).json()
        assert step(api, request["id"], "submit", on="2021-02-01").status_code == 200
        assert step(api, request["id"], "withdraw", on="2021-02-02").status_code == 200
        packs = api.get("/documents", params={"owner_type": "drawdown", "owner_id": request["id"]}).json()
        assert [item["kind"] for item in packs] == ["request_pack"]
        assert api.get(packs[0]["content_url"], role="planning").status_code == 200


class TestNothingLeavesStorage:
    """Superseding, regenerating, refusing and closing add to storage and never take from it."""

    def test_every_stored_file_is_still_there_after_every_kind_of_change(self, api: Any) -> None:
        before = _stored_files()
        deed = agreement(api, reference="21/0003/OUT")
        first = upload(api, owner_type="agreement", owner_id=deed["id"], kind="agreement").json()
        upload(
            api, owner_type="agreement", owner_id=deed["id"], kind="agreement", content=PNG, supersedes_id=first["id"]
        )
        request = _closed_request(api)
        assert api.post(f"/drawdowns/{request['id']}/pack").status_code == 200
        assert upload_template(api, "blaby").status_code == 201
        assert upload_template(api, "blaby", word_file("Second {{ authority }}")).status_code == 201
        refused = upload(api, owner_type="agreement", owner_id=deed["id"], kind="agreement", content=b"<html>")
        assert refused.status_code == 415
        after = _stored_files()
        assert before <= after
        listed = [
            *api.get("/documents", params={"owner_type": "agreement", "owner_id": deed["id"]}).json(),
            *api.get("/documents", params={"owner_type": "drawdown", "owner_id": request["id"]}).json(),
            *api.get("/local-authorities/blaby/pack-templates").json(),
        ]
        assert len(listed) == 7
        for item in listed:
            assert _stored(item["sha256"]) in after, item
            assert api.get(item["content_url"]).status_code == 200
        assert not any(path.name.startswith(".upload-") for path in after)
