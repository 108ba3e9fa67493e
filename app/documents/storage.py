"""Where document content is kept: by its SHA-256, written once, never removed.

The service sees only `DocumentStore`, so an S3-compatible store (keyed the same way) can replace
the local folder without touching the rules.
"""

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

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


def get_store() -> DocumentStore:
    """The configured store (the local folder of DOCUMENTS_DIR)."""
    return LocalDocumentStore(get_settings().documents_path())
