"""Small valid files of each accepted kind, and an upload builder, through the API."""

from typing import Any

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(
    api: Any,
    *,
    owner_type: str,
    owner_id: int,
    kind: str,
    content: bytes = PDF,
    filename: str = "evidence.pdf",
    role: str = "officer",
    **fields: Any,
) -> Any:
    """Upload a document as a multipart form; returns the response."""
    data = {"owner_type": owner_type, "owner_id": str(owner_id), "kind": kind}
    data.update({name: str(value) for name, value in fields.items()})
    return api.post("/documents", role=role, data=data, files={"file": (filename, content, "application/pdf")})
