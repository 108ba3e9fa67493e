"""A request pack: the drawdown letter for one request, addressed to its authority, as DOCX or PDF.

The letter quotes each contribution's clause (Blaby wants the request "to reflect the exact wording of
the S106"), lists the evidence the authority requires and the documents attached, and says where the
authority wants its own template. The built-in letter is a `Printable` (app/printing.py writes it as
DOCX or PDF); an authority whose officer uploaded a template gets its DOCX from that template instead
(app/drawdowns/templating.py), while its PDF stays the built-in layout. A submitted request keeps its
pack as a document of kind request_pack; regenerating it supersedes the old one.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from app import scoping
from app.auth.service import Principal
from app.config import get_settings
from app.documents import service as documents
from app.documents.storage import DocumentStore
from app.drawdowns import templating
from app.drawdowns.reads import read_one
from app.drawdowns.schemas import DrawdownRead
from app.drawdowns.service import get_drawdown, required_evidence
from app.errors import ConflictError
from app.local_authorities.service import get_local_authority
from app.models import Agreement, Contribution, Document, DocumentKind, DocumentOwner, LocalAuthority, ReleaseBasis
from app.money import pounds
from app.printing import MEDIA_TYPES, Printable
from app.projects.service import get_project

Format = Literal["docx", "pdf"]

BASIS_WORDING = {
    ReleaseBasis.in_advance: "in advance of the work, on the evidence listed below",
    ReleaseBasis.in_arrears: "in arrears, against invoices of completed spend",
    ReleaseBasis.in_arrears_on_completion: (
        "in arrears, once the project is complete in its entirety, against invoices matching the request"
    ),
    ReleaseBasis.in_arrears_ongoing: (
        "in arrears while the work is ongoing, against copy invoices, and not for costs the force has already paid"
    ),
}


@dataclass(frozen=True)
class Pack:
    """A generated letter and the name to download it under."""

    filename: str
    content: bytes
    media_type: str
    template_id: int | None = None
    """The authority's template it was written from, if any."""


@dataclass(frozen=True)
class Attached:
    """A current document on the request or on a spend it cites."""

    title: str
    kind: str
    filename: str
    on: str


@dataclass(frozen=True)
class Line:
    """A line of the request as the letter shows it."""

    contribution: str
    agreement_reference: str
    purpose: str
    amount: str
    clause_text: str


@dataclass(frozen=True)
class Facts:
    """Everything a letter prints, gathered once for the built-in letter and for a template."""

    force_name: str
    authority: str
    own_template: bool
    release_basis: str | None
    project: str
    request_id: int
    reference: str | None
    amount: str
    lines: list[Line]
    required: list[tuple[str, bool]]
    attached: list[Attached]
    evidence: list[str]
    invoices: list[tuple[str, str, str, str]]
    note: str | None
    today: date


def _attached(session: Session, principal: Principal, drawdown: DrawdownRead) -> list[Attached]:
    owners = [(DocumentOwner.drawdown, drawdown.id)]
    owners += [(DocumentOwner.spend, invoice.spend_id) for invoice in drawdown.invoices]
    found = session.scalars(
        scoping.readable_documents(principal.scope)
        .where(tuple_(Document.owner_type, Document.owner_id).in_(owners))
        .where(Document.kind != DocumentKind.request_pack)
        .order_by(Document.id)
    )
    where = {DocumentOwner.drawdown: "the request", DocumentOwner.spend: "an invoiced spend"}
    return [
        Attached(title=item.title, kind=item.kind.value, filename=item.filename, on=where[item.owner_type])
        for item in documents.current(session, found)
    ]


def _agreements(session: Session, contribution_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Contribution id -> (the agreement's reference, the contribution's purpose)."""
    rows = session.execute(
        select(Contribution.id, Agreement.reference, Contribution.purpose)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(Contribution.id.in_(contribution_ids))
    ).all()
    return {row[0]: (row[1], row[2].value.replace("_", " ")) for row in rows}


def gather(
    *, drawdown: DrawdownRead, authority: LocalAuthority, project_name: str, session: Session, principal: Principal
) -> Facts:
    """The facts of one request's letter."""
    agreements = _agreements(session, [line.contribution_id for line in drawdown.lines])
    attached = _attached(session, principal, drawdown)
    present = {item.kind for item in attached}
    return Facts(
        force_name=get_settings().force_name,
        authority=authority.name,
        own_template=authority.own_template,
        release_basis=BASIS_WORDING[authority.release_basis] if authority.release_basis is not None else None,
        project=project_name,
        request_id=drawdown.id,
        reference=drawdown.reference,
        amount=pounds(drawdown.amount),
        lines=[
            Line(
                contribution=f"#{line.contribution_id}",
                agreement_reference=agreements.get(line.contribution_id, ("", ""))[0],
                purpose=agreements.get(line.contribution_id, ("", ""))[1],
                amount=pounds(line.amount),
                clause_text=line.clause_text or "",
            )
            for line in drawdown.lines
        ],
        required=[(kind.value.replace("_", " "), kind.value in present) for kind in required_evidence(authority)],
        attached=attached,
        evidence=list(drawdown.evidence),
        invoices=[
            (invoice.invoice_reference, invoice.supplier, templating.spelt(invoice.on), pounds(invoice.amount))
            for invoice in drawdown.invoices
        ],
        note=drawdown.note,
        today=date.today(),
    )


def letter(facts: Facts) -> Printable:
    """The built-in drawdown letter (pure: every fact it prints is passed in)."""
    doc = Printable()
    doc.paragraph(facts.force_name)
    doc.paragraph(templating.spelt(facts.today))
    doc.paragraph(f"To: {facts.authority}")
    doc.heading(f"Request for the release of developer contributions: {facts.project}")
    reference = f" (our reference {facts.reference})" if facts.reference else ""
    doc.paragraph(
        f"{facts.force_name} asks {facts.authority} to release {facts.amount} of the contributions it holds for "
        f"the force, towards {facts.project}{reference}. This is request {facts.request_id}."
    )
    if facts.own_template:
        doc.paragraph(
            f"{facts.authority} asks for requests on its own template. This letter is the schedule for it: "
            "the completed template is attached to the request as a document of kind drawdown_letter.",
            "bold",
        )
    if facts.release_basis is not None:
        doc.paragraph(f"{facts.authority} releases money {facts.release_basis}.")

    doc.heading("Contributions asked for", 2)
    rows = [(line.contribution, line.agreement_reference, line.purpose, line.amount) for line in facts.lines]
    doc.table(("Contribution", "Agreement", "Purpose", "Amount"), [*rows, ("Total", "", "", facts.amount)], total=True)

    doc.heading("The wording of the agreements", 2)
    for line in facts.lines:
        doc.paragraph(f"Contribution {line.contribution}, agreement {line.agreement_reference}:")
        doc.paragraph(line.clause_text or "No clause wording is recorded for this contribution.", "quote")

    doc.heading("Evidence", 2)
    if facts.required:
        doc.paragraph(f"{facts.authority} requires:")
        for kind, attached in facts.required:
            doc.paragraph(f"{kind} ({'attached' if attached else 'not yet attached'})", "bullet")
    else:
        doc.paragraph(f"{facts.authority} lists no particular evidence.")
    doc.heading("Schedule of documents attached", 3)
    if facts.attached:
        for item in facts.attached:
            doc.paragraph(f"{item.title} ({item.kind.replace('_', ' ')}, {item.filename}), on {item.on}", "numbered")
    else:
        doc.paragraph("No documents are attached yet.")
    for evidence in facts.evidence:
        doc.paragraph(evidence, "bullet")
    if facts.invoices:
        doc.heading("Invoices", 3)
        for reference_, supplier, on, amount in facts.invoices:
            doc.paragraph(f"{reference_}, {supplier}, {on}, {amount}", "bullet")
    if facts.note:
        doc.heading("Note", 2)
        doc.paragraph(facts.note)
    doc.paragraph(f"Yours faithfully,\n{facts.force_name}")
    return doc


def context(facts: Facts) -> dict[str, Any]:
    """The placeholders a template is rendered with (templating.PLACEHOLDERS lists them)."""
    return {
        "force_name": facts.force_name,
        "authority": facts.authority,
        "project": facts.project,
        "request_id": facts.request_id,
        "reference": facts.reference or "",
        "amount": facts.amount,
        "release_basis": facts.release_basis or "",
        "lines": [vars(line) for line in facts.lines],
        "evidence_required": [{"kind": kind, "attached": attached} for kind, attached in facts.required],
        "evidence_attached": [vars(item) for item in facts.attached],
        "invoices": [
            {"reference": reference, "supplier": supplier, "on": on, "amount": amount}
            for reference, supplier, on, amount in facts.invoices
        ],
        "note": facts.note or "",
        "today": templating.spelt(facts.today),
    }


def current_template(session: Session, local_authority_id: str) -> Document | None:
    """The authority's template in use: its latest pack_template not superseded, if any."""
    found = session.scalars(
        select(Document)
        .where(documents.owned_by(DocumentOwner.local_authority, local_authority_id))
        .where(Document.kind == DocumentKind.pack_template)
        .order_by(Document.id)
    )
    kept = documents.current(session, found)
    return kept[-1] if kept else None


def request_pack(
    *, session: Session, store: DocumentStore, principal: Principal, drawdown_id: int, format: Format = "docx"
) -> Pack:
    """The letter for a request the caller may read; another authority's is as absent as an unknown id."""
    row = get_drawdown(session=session, drawdown_id=drawdown_id, scope=principal.scope)
    drawdown = read_one(session, principal, row)
    authority = get_local_authority(session=session, local_authority_id=row.local_authority_id, scope=None)
    project = get_project(session=session, project_id=row.project_id, scope=None)
    facts = gather(
        drawdown=drawdown, authority=authority, project_name=project.name, session=session, principal=principal
    )
    filename = f"drawdown-request-{row.id}-{authority.id}.{format}"
    template = current_template(session, authority.id) if format == "docx" else None
    if template is not None:
        content = templating.render(store.get(template.sha256), context(facts), field="template")
        return Pack(filename=filename, content=content, media_type=MEDIA_TYPES["docx"], template_id=template.id)
    return Pack(filename=filename, content=letter(facts).write(format), media_type=MEDIA_TYPES[format])


def keep_pack(*, session: Session, store: DocumentStore, principal: Principal, drawdown_id: int) -> Document:
    """Store the request's pack (DOCX) as a request_pack document of the request, superseding the last one kept."""
    drawdown = get_drawdown(session=session, drawdown_id=drawdown_id, scope=None, lock=True)
    if drawdown.submitted_on is None:
        raise ConflictError(f"request {drawdown_id} is a draft; its pack is kept when it is submitted", field="status")
    pack = request_pack(session=session, store=store, principal=principal, drawdown_id=drawdown_id)
    kept = session.scalars(
        select(Document)
        .where(documents.owned_by(DocumentOwner.drawdown, drawdown_id))
        .where(Document.kind == DocumentKind.request_pack)
        .order_by(Document.id)
    )
    previous = documents.current(session, kept)
    template = f", from the authority's template (document {pack.template_id})" if pack.template_id else ""
    return documents.upload(
        session=session,
        store=store,
        principal=principal,
        data=documents.Upload(
            owner_type=DocumentOwner.drawdown,
            owner_id=drawdown_id,
            kind=DocumentKind.request_pack,
            filename=pack.filename,
            content=pack.content,
            title=f"Request pack for request {drawdown_id}, {templating.spelt(date.today())}",
            supersedes_id=previous[-1].id if previous else None,
            note=f"generated by the service{template}",
        ),
    )


def upload_template(
    *,
    session: Session,
    store: DocumentStore,
    principal: Principal,
    local_authority_id: str,
    filename: str,
    content: bytes,
    note: str | None = None,
) -> Document:
    """Keep an authority's DOCX template for its packs, superseding the one in use (checked by rendering it)."""
    authority = get_local_authority(session=session, local_authority_id=local_authority_id, scope=principal.scope)
    previous = current_template(session, authority.id)
    return documents.upload(
        session=session,
        store=store,
        principal=principal,
        data=documents.Upload(
            owner_type=DocumentOwner.local_authority,
            owner_id=authority.id,
            kind=DocumentKind.pack_template,
            filename=filename,
            content=content,
            title=f"{authority.name}'s request-pack template",
            supersedes_id=previous.id if previous is not None else None,
            note=note,
        ),
    )
