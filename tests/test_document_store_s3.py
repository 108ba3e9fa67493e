"""Documents kept in an S3-compatible bucket (DOCUMENTS_STORE=s3://...) behave as in the local folder."""

import hashlib
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from app.config import get_settings
from app.documents.storage import S3DocumentStore, get_store
from tests.builders import agreement
from tests.doc_builders import PDF, PNG, upload

BUCKET = "force-documents"


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A bucket in an in-process S3, configured as the documents store for the test."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "eu-west-2",
        "DOCUMENTS_STORE": f"s3://{BUCKET}/s106",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-2")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        yield client
    monkeypatch.delenv("DOCUMENTS_STORE")
    get_settings.cache_clear()


def _keys(client: Any) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


class TestTheBucketStore:
    def test_the_setting_chooses_the_bucket(self, bucket: Any) -> None:
        store = get_store()
        assert isinstance(store, S3DocumentStore)
        assert (store.bucket, store.prefix) == (BUCKET, "s106/")

    def test_an_upload_is_kept_once_by_its_hash_and_read_back(self, api: Any, bucket: Any) -> None:
        deed = agreement(api)
        first = upload(api, owner_type="agreement", owner_id=deed["id"], kind="agreement")
        assert first.status_code == 201, first.text
        sha256 = hashlib.sha256(PDF).hexdigest()
        assert first.json()["sha256"] == sha256
        assert _keys(bucket) == [f"s106/{sha256[:2]}/{sha256}"]
        again = upload(api, owner_type="agreement", owner_id=deed["id"], kind="correspondence")
        assert again.status_code == 201
        assert _keys(bucket) == [f"s106/{sha256[:2]}/{sha256}"]  # the same content, stored once
        downloaded = api.get(first.json()["content_url"])
        assert downloaded.status_code == 200 and downloaded.content == PDF
        assert downloaded.headers["content-disposition"].startswith("attachment")

    def test_a_new_version_leaves_the_old_one_in_the_bucket(self, api: Any, bucket: Any) -> None:
        deed = agreement(api)
        first = upload(api, owner_type="agreement", owner_id=deed["id"], kind="agreement").json()
        second = upload(
            api,
            owner_type="agreement",
            owner_id=deed["id"],
            kind="agreement",
            content=PNG,
            filename="scan.png",
            supersedes_id=first["id"],
        )
        assert second.status_code == 201, second.text
        assert len(_keys(bucket)) == 2
        assert api.get(first["content_url"]).content == PDF

    def test_a_refused_upload_leaves_nothing_in_the_bucket(self, api: Any, bucket: Any) -> None:
        deed = agreement(api)
        refused = upload(
            api, owner_type="agreement", owner_id=deed["id"], kind="agreement", content=b"<html>", filename="a.pdf"
        )
        assert refused.status_code == 415
        assert _keys(bucket) == []


def test_an_address_that_is_not_a_bucket_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCUMENTS_STORE", "https://example.org/bucket")
    get_settings.cache_clear()
    try:
        with pytest.raises(ValueError, match="documents_store"):
            get_settings()
    finally:
        monkeypatch.delenv("DOCUMENTS_STORE")
        get_settings.cache_clear()
