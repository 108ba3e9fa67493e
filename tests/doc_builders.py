"""Small valid files of each accepted kind, and an upload builder, through the API."""

import io
from typing import Any

from docx import Document as WordDocument

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


def word_file(*paragraphs: str) -> bytes:
    """A DOCX holding these paragraphs (a pack template when they hold placeholders)."""
    document = WordDocument()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


TEMPLATE = word_file(
    "{{ force_name }} to {{ authority }}: {{ amount }} for {{ project }} (request {{ request_id }}), {{ today }}",
    "{%p for line in lines %}",
    "{{ line.agreement_reference }} {{ line.purpose }} {{ line.amount }}: {{ line.clause_text }}",
    "{%p endfor %}",
    "{%p for item in evidence_required %}",
    "Needs {{ item.kind }}{% if item.attached %} (attached){% endif %}",
    "{%p endfor %}",
)
"""A pack template using the documented placeholders."""


def upload_template(api: Any, local_authority_id: str, content: bytes = TEMPLATE, filename: str = "t.docx") -> Any:
    """Upload an authority's pack template; returns the response."""
    return api.post(
        f"/local-authorities/{local_authority_id}/pack-templates",
        files={"file": (filename, content, "application/octet-stream")},
    )
