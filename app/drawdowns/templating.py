"""An authority's own DOCX template for its request packs, rendered with docxtpl in a Jinja sandbox.

A template is a Word document whose text holds Jinja placeholders (docs/request-packs.md lists them).
It is untrusted: it renders in a sandbox (no attribute of Python's internals is reachable), with
autoescape (a value is always text, never XML), and an unknown placeholder is an error, so a template
is refused at upload by rendering it against a sample request, not when a pack is made.
"""

import io
from datetime import date
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from app.errors import RuleError

PLACEHOLDERS = {
    "force_name": "the force's name (FORCE_NAME)",
    "authority": "the authority's name",
    "project": "the project's name",
    "request_id": "the request's number",
    "reference": "the force's reference for the request, or empty",
    "amount": "the total asked, as £1,234.50",
    "release_basis": "how the authority releases money, in words",
    "lines": "each line: contribution, agreement_reference, purpose, amount, clause_text",
    "evidence_required": "each kind the authority requires: kind, attached (true or false)",
    "evidence_attached": "each current document on the request or its invoiced spend: title, kind, filename, on",
    "invoices": "each cited invoice: reference, supplier, on, amount",
    "note": "the request's note, or empty",
    "today": "today's date, as 1 December 2026",
}
"""What a template may use, by name (the sample below holds every one)."""

SAMPLE: dict[str, Any] = {
    "force_name": "Leicestershire Police",
    "authority": "Sample District Council",
    "project": "Sample project",
    "request_id": 1,
    "reference": "REF-1",
    "amount": "£2,500.00",
    "release_basis": "in advance of the work",
    "lines": [
        {
            "contribution": "#1",
            "agreement_reference": "19/0001/OUT",
            "purpose": "equipment",
            "amount": "£2,500.00",
            "clause_text": "To be used towards policing infrastructure serving the development.",
        }
    ],
    "evidence_required": [{"kind": "spend proposal", "attached": True}],
    "evidence_attached": [
        {"title": "Spend proposal", "kind": "spend proposal", "filename": "p.pdf", "on": "the request"}
    ],
    "invoices": [{"reference": "INV-1", "supplier": "Example Ltd", "on": "1 March 2026", "amount": "£2,500.00"}],
    "note": "",
    "today": "1 December 2026",
}


class TemplateError(RuleError):
    """A template that is not a Word document or does not render; it names the field and why."""


def spelt(day: date) -> str:
    """A date as a letter writes it: 1 December 2026."""
    return f"{day.day} {day:%B %Y}"


def render(template: bytes, context: dict[str, Any], *, field: str = "file") -> bytes:
    """The template filled in with the context, as DOCX bytes; TemplateError when it cannot be."""
    try:
        document = DocxTemplate(io.BytesIO(template))
        document.render(context, jinja_env=SandboxedEnvironment(undefined=StrictUndefined), autoescape=True)
        buffer = io.BytesIO()
        document.save(buffer)
    # The template is a user's file and a small program: any failure in it is its fault, told as a 4xx.
    except Exception as error:  # noqa: BLE001
        reason = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
        raise TemplateError(
            f"the template does not render: {reason}; the placeholders it may use are listed on the authority's "
            "template page",
            field=field,
        ) from error
    return buffer.getvalue()


BARE: dict[str, Any] = {
    **SAMPLE,
    **{name: [] for name, value in SAMPLE.items() if isinstance(value, list)},
}
"""The sample with nothing listed, as a request with no evidence or invoices yet is."""


def check(template: bytes) -> None:
    """Refuse a template that is not a Word document or does not render, for a full request and a bare one."""
    render(template, SAMPLE)
    render(template, BARE)
