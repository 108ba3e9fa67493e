"""An authority's own DOCX template for its request packs, rendered with docxtpl in a Jinja sandbox.

A template is a Word document whose text holds Jinja placeholders (docs/request-packs.md lists them).
It is untrusted: it renders in a sandbox (no attribute of Python's internals is reachable), with
autoescape (a value is always text, never XML), and an unknown placeholder is an error, so a template
is refused at upload by rendering it against a sample request, not when a pack is made.
It is also a small program, so it meets limits on its work: a time budget, a cap on what it writes and
on the strings and numbers it may build, so a loop or a multiplication cannot hold a worker.
"""

import io
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from types import FrameType
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined
from jinja2.environment import Template
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from app.dates import in_full
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


RENDER_SECONDS = 5
"""How long one rendering may take, in whole seconds."""

MOST_WRITTEN = 5_000_000
"""The most characters one of the document's parts may hold once rendered."""

LONGEST_VALUE = 100_000
"""The longest string or list, and the largest number of digits, an expression may build."""

MOST_ITERATIONS = 10_000
"""The longest range a template may loop over (the sandbox's own limit is 100,000)."""


class _Written(Template):
    """A template part that stops once it has written more than MOST_WRITTEN characters."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        """The part rendered, refused past the cap."""
        written: list[str] = []
        size = 0
        for chunk in self.generate(*args, **kwargs):
            size += len(chunk)
            if size > MOST_WRITTEN:
                raise SecurityError(f"the template writes more than {MOST_WRITTEN:,} characters")
            written.append(chunk)
        return "".join(written)


class _Limited(SandboxedEnvironment):
    """The sandbox with multiplication and powers capped, so no one expression builds something huge."""

    intercepted_binops = frozenset({"*", "**"})
    template_class = _Written

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Multiply or raise only within LONGEST_VALUE."""
        if operator == "**":
            huge = isinstance(left, int) and isinstance(right, int) and abs(left) > 1
            if huge and right * abs(left).bit_length() > LONGEST_VALUE:
                raise SecurityError("the template raises a number to too high a power")
            return left**right
        for value, times in ((left, right), (right, left)):
            if isinstance(value, str | list | tuple) and isinstance(times, int) and len(value) * times > LONGEST_VALUE:
                raise SecurityError(f"the template builds a value longer than {LONGEST_VALUE:,}")
        return left * right


def _within(seconds: int) -> Callable[[FrameType, str, Any], Any]:
    """A trace function that stops a template's own code once the seconds have passed."""
    deadline = time.monotonic_ns() + seconds * 1_000_000_000

    def in_template(frame: FrameType, event: str, _arg: Any) -> Any:
        if time.monotonic_ns() > deadline:
            raise SecurityError(f"the template takes longer than {RENDER_SECONDS} seconds to render")
        return in_template

    def on_call(frame: FrameType, event: str, _arg: Any) -> Any:
        # Only the template's compiled code is traced line by line; docxtpl's own code runs untraced.
        return in_template if frame.f_code.co_filename == "<template>" else None

    return on_call


def _range(*arguments: int) -> Iterator[int]:
    """range(), no longer than MOST_ITERATIONS."""
    numbers = range(*arguments)
    if len(numbers) > MOST_ITERATIONS:
        raise SecurityError(f"the template loops over a range longer than {MOST_ITERATIONS:,}")
    return iter(numbers)


def spelt(day: date) -> str:
    """A date as a letter writes it: 1 December 2026."""
    return in_full(day)


def render(template: bytes, context: dict[str, Any], *, field: str = "file") -> bytes:
    """The template filled in with the context, as DOCX bytes; TemplateError when it cannot be."""
    try:
        document = DocxTemplate(io.BytesIO(template))
        environment = _Limited(undefined=StrictUndefined)
        environment.globals["range"] = _range
        previous = sys.gettrace()
        sys.settrace(_within(RENDER_SECONDS))
        try:
            document.render(context, jinja_env=environment, autoescape=True)
        finally:
            sys.settrace(previous)
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
