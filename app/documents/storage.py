"""Where document content is kept: by its SHA-256, written once, never removed.

The service sees only `DocumentStore`: a local folder by default (DOCUMENTS_DIR), or a bucket of an
S3-compatible service (AWS S3, MinIO, Ceph) when DOCUMENTS_STORE is `s3://bucket/prefix`, keyed the
same way. Neither offers a way to remove content.
"""

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from app.config import get_settings


class DocumentStore(Protocol):
    """Content-addressed storage: put returns the content's SHA-256, get returns the content."""

    def put(self, content: bytes) -> str:
        """Keep the content (once, however often it is put) and return its SHA-256."""
        ...

    def get(self, sha256: str) -> bytes:
        """The content kept under this SHA-256."""
        ...


class LocalDocumentStore:
    """A folder of files named by their SHA-256, fanned out by its first two characters."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        """Write the content under its hash, atomically; identical content is stored once."""
        sha256 = hashlib.sha256(content).hexdigest()
        path = self._path(sha256)
        if path.exists():
            return sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        # A temporary file renamed into place: a reader never sees half a file, and two writers agree.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
        return sha256

    def get(self, sha256: str) -> bytes:
        """Read the content back."""
        return self._path(sha256).read_bytes()


class S3DocumentStore:
    """Objects named by their SHA-256 under a prefix of a bucket, fanned out as in the local folder."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _key(self, sha256: str) -> str:
        return f"{self.prefix}{sha256[:2]}/{sha256}"

    def put(self, content: bytes) -> str:
        """Upload the content under its hash unless it is there already; identical content is stored once."""
        sha256 = hashlib.sha256(content).hexdigest()
        key = self._key(sha256)
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
            return sha256
        except self.client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                raise
        # The bucket checks the body against the hash it is named by, so a damaged upload is refused.
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=content,
            ContentType="application/octet-stream",
            ChecksumAlgorithm="SHA256",
        )
        return sha256

    def get(self, sha256: str) -> bytes:
        """Download the content."""
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=self._key(sha256))["Body"].read()
        return body


def s3_store(address: str, endpoint_url: str | None) -> S3DocumentStore:
    """The store an `s3://bucket/prefix` address names; credentials come from the usual AWS_* settings."""
    try:
        import boto3
    except ImportError as missing:  # an optional extra, so a deployment without S3 does not carry it
        raise RuntimeError(
            f"DOCUMENTS_STORE is {address}, but boto3 is not installed: pip install -e '.[s3]'"
        ) from missing
    parts = urlsplit(address)
    client = boto3.client("s3", endpoint_url=endpoint_url or None)
    return S3DocumentStore(client, parts.netloc, parts.path)


def get_store() -> DocumentStore:
    """The configured store: the bucket of DOCUMENTS_STORE if set, else the local folder of DOCUMENTS_DIR."""
    settings = get_settings()
    if settings.documents_store:
        return s3_store(settings.documents_store, settings.s3_endpoint_url)
    return LocalDocumentStore(settings.documents_path())
