"""A request pack: the drawdown letter for one request, as a DOCX addressed to its authority.

The letter quotes each contribution's clause (Blaby wants the request "to reflect the exact wording of
the S106"), lists the evidence the authority requires and the documents attached, and says where the
authority wants its own template instead. Everything in it is text the force or a council typed, so
each piece is passed through `plain` before it reaches the document.
"""

import io
import re
from dataclasses import dataclass
from datetime import date

from docx import Document as WordDocument
from docx.shared import Pt
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from app import scoping
from app.auth.service import Principal
from app.config import get_settings
from app.documents.service import superseded_by
from app.drawdowns.reads import read_one
from app.drawdowns.schemas import DrawdownRead
from app.drawdowns.service import get_drawdown, required_evidence
from app.local_authorities.service import get_local_authority
from app.models import Agreement, Contribution, Document, DocumentOwner, LocalAuthority, Project, ReleaseBasis
from app.money import pounds
from app.projects.service import get_project

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# XML 1.0 allows only these characters; anything else (a NUL, a form feed) would make the document unreadable.
NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

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


def plain(text: object) -> str:
    """Text as the letter may hold it: characters XML cannot carry are dropped (python-docx escapes the rest)."""
    return NOT_XML.sub("", str(text))


@dataclass(frozen=True)
class Pack:
    """A generated letter and the name to download it under."""

    filename: str
    content: bytes
    media_type: str = DOCX


@dataclass(frozen=True)
class Attached:
    """A current document on the request or on a spend it cites."""

    title: str
    kind: str
    filename: str
    on: str


def _attached(session: Session, principal: Principal, drawdown: DrawdownRead) -> list[Attached]:
    owners = [(DocumentOwner.drawdown, drawdown.id)]
    owners += [(DocumentOwner.spend, invoice.spend_id) for invoice in drawdown.invoices]
    documents = list(
        session.scalars(
            scoping.readable_documents(principal.scope)
            .where(tuple_(Document.owner_type, Document.owner_id).in_(owners))
            .order_by(Document.id)
        )
    )
    replaced = superseded_by(session, (document.id for document in documents))
    where = {DocumentOwner.drawdown: "the request", DocumentOwner.spend: "an invoiced spend"}
    return [
        Attached(
            title=document.title,
            kind=document.kind.value,
            filename=document.filename,
            on=where[document.owner_type],
        )
        for document in documents
        if document.id not in replaced
    ]


def _agreements(session: Session, contribution_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Contribution id -> (the agreement's reference, the contribution's purpose)."""
    rows = session.execute(
        select(Contribution.id, Agreement.reference, Contribution.purpose)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(Contribution.id.in_(contribution_ids))
    ).all()
    return {row[0]: (row[1], row[2].value.replace("_", " ")) for row in rows}


def write_letter(
    *,
    drawdown: DrawdownRead,
    authority: LocalAuthority,
    project: Project,
    agreements: dict[int, tuple[str, str]],
    attached: list[Attached],
    force_name: str,
    today: date,
) -> bytes:
    """The drawdown letter as DOCX bytes (pure: every fact it prints is passed in)."""
    document = WordDocument()
    document.styles["Normal"].font.size = Pt(11)
    document.add_paragraph(plain(force_name))
    document.add_paragraph(f"{today.day} {today:%B %Y}")
    document.add_paragraph(plain(f"To: {authority.name}"))
    document.add_heading(plain(f"Request for the release of developer contributions: {project.name}"), level=1)
    reference = f" (our reference {drawdown.reference})" if drawdown.reference else ""
    document.add_paragraph(
        plain(
            f"{force_name} asks {authority.name} to release {pounds(drawdown.amount)} of the contributions it "
            f"holds for the force, towards {project.name}{reference}. This is request {drawdown.id}."
        )
    )
    if authority.own_template:
        notice = document.add_paragraph()
        notice.add_run(
            plain(
                f"{authority.name} asks for requests on its own template. This letter is the schedule for it: "
                "the completed template is attached to the request as a document of kind drawdown_letter."
            )
        ).bold = True
    if authority.release_basis is not None:
        document.add_paragraph(plain(f"{authority.name} releases money {BASIS_WORDING[authority.release_basis]}."))

    document.add_heading("Contributions asked for", level=2)
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, ("Contribution", "Agreement", "Purpose", "Amount"), strict=True):
        cell.text = heading
    for line in drawdown.lines:
        agreement_reference, purpose = agreements.get(line.contribution_id, ("", ""))
        cells = table.add_row().cells
        values = (f"#{line.contribution_id}", agreement_reference, purpose, pounds(line.amount))
        for cell, value in zip(cells, values, strict=True):
            cell.text = plain(value)
    total = table.add_row().cells
    total[0].text = "Total"
    total[3].text = pounds(drawdown.amount)

    document.add_heading("The wording of the agreements", level=2)
    for line in drawdown.lines:
        agreement_reference, _purpose = agreements.get(line.contribution_id, ("", ""))
        document.add_paragraph(plain(f"Contribution #{line.contribution_id}, agreement {agreement_reference}:"))
        wording = line.clause_text or "No clause wording is recorded for this contribution."
        document.add_paragraph(plain(wording), style="Quote")

    document.add_heading("Evidence", level=2)
    kinds = required_evidence(authority)
    present = {item.kind for item in attached}
    if kinds:
        document.add_paragraph(plain(f"{authority.name} requires:"))
        for kind in kinds:
            state = "attached" if kind.value in present else "not yet attached"
            document.add_paragraph(plain(f"{kind.value.replace('_', ' ')} ({state})"), style="List Bullet")
    else:
        document.add_paragraph(plain(f"{authority.name} lists no particular evidence."))
    document.add_heading("Schedule of documents attached", level=3)
    if attached:
        for item in attached:
            document.add_paragraph(
                plain(f"{item.title} ({item.kind.replace('_', ' ')}, {item.filename}), on {item.on}"),
                style="List Number",
            )
    else:
        document.add_paragraph("No documents are attached yet.")
    for evidence in drawdown.evidence:
        document.add_paragraph(plain(evidence), style="List Bullet")
    if drawdown.invoices:
        document.add_heading("Invoices", level=3)
        for invoice in drawdown.invoices:
            document.add_paragraph(
                plain(
                    f"{invoice.invoice_reference}, {invoice.supplier}, {invoice.on.isoformat()}, "
                    f"{pounds(invoice.amount)}"
                ),
                style="List Bullet",
            )
    if drawdown.note:
        document.add_heading("Note", level=2)
        document.add_paragraph(plain(drawdown.note))
    document.add_paragraph(plain(f"Yours faithfully,\n{force_name}"))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def request_pack(*, session: Session, principal: Principal, drawdown_id: int) -> Pack:
    """The letter for a request the caller may read; another authority's is as absent as an unknown id."""
    row = get_drawdown(session=session, drawdown_id=drawdown_id, scope=principal.scope)
    drawdown = read_one(session, principal, row)
    authority = get_local_authority(session=session, local_authority_id=row.local_authority_id, scope=None)
    project = get_project(session=session, project_id=row.project_id, scope=None)
    content = write_letter(
        drawdown=drawdown,
        authority=authority,
        project=project,
        agreements=_agreements(session, [line.contribution_id for line in drawdown.lines]),
        attached=_attached(session, principal, drawdown),
        force_name=get_settings().force_name,
        today=date.today(),
    )
    return Pack(filename=f"drawdown-request-{row.id}-{authority.id}.docx", content=content)
