"""Exporting the force's contributions in the national developer-contributions format, as at a date."""

import io
import zipfile
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import spreadsheets
from app.balances.queries import DatedSum, contribution_totals, dated_sums, first_trigger_dates
from app.instalments import service as instalments
from app.instalments.service import typed_line
from app.local_authorities.service import get_local_authority
from app.models import (
    Agreement,
    Contribution,
    ContributionEvent,
    Instalment,
    LocalAuthority,
    MovementKind,
    TriggerType,
)
from app.money import format_money
from app.spreadsheets import Cell
from app.standard import codelists
from app.standard.schemas import AGREEMENT_DATASET, CONTRIBUTION_DATASET, TRANSACTION_DATASET, ExportFormat

FIELDS = {
    AGREEMENT_DATASET: [
        "reference",
        "name",
        "developer-agreement-type",
        "planning-application",
        "document-url",
        "notes",
        "organisation",
        "entry-date",
        "start-date",
        "end-date",
    ],
    CONTRIBUTION_DATASET: [
        "reference",
        "developer-agreement",
        "contribution-purpose",
        "amount",
        "units",
        "notes",
        "organisation",
        "entry-date",
        "start-date",
        "end-date",
    ],
    TRANSACTION_DATASET: [
        "reference",
        "developer-agreement-contribution",
        "contribution-funding-status",
        "amount",
        "units",
        "notes",
        "organisation",
        "entry-date",
        "start-date",
        "end-date",
    ],
}

POLICE_PURPOSE = "other"
"""The national purpose of every police contribution (the codelist has no police value)."""

_STATUS_OF = {
    MovementKind.received: "received",
    MovementKind.drawn: "transferred",
    MovementKind.spent: "spent",
    MovementKind.returned: "returned",
}

Tables = dict[str, list[dict[str, str]]]


def agreement_reference(agreement: Agreement) -> str:
    """An agreement's reference in the standard."""
    return f"{agreement.reference}-da"


LEDGER_KINDS = {
    MovementKind.indexation: "indexation",
    MovementKind.variation: "variation",
    MovementKind.written_off: "written off",
}
"""Changes to a total value the standard has no status for: written as `secured` rows noted `ledger: <kind>`."""


_ORDER_ON_A_DAY = (
    "ledger: trigger met",
    "ledger: indexation",
    "ledger: variation",
    "received",
    "transferred",
    "returned",
    "spent",
    "ledger: written off",
)
"""Rows of one date in the order the ledger's rules need them: a total raised before money beyond the old one."""


def _contribution_notes(contribution: Contribution, events: list[ContributionEvent], schedule: list[Instalment]) -> str:
    """The police purpose, the trigger, its tranches and the stage events, so the service's own import gets
    them back."""
    parts = [f"police purpose: {contribution.purpose.value}"]
    threshold = f" {contribution.trigger_threshold}" if contribution.trigger_threshold is not None else ""
    parts.append(f"trigger type: {contribution.trigger_type.value}{threshold}")
    if contribution.trigger_description:
        parts.append("trigger: " + " ".join(contribution.trigger_description.replace(";", ",").split()))
    if len(schedule) > 1:
        lines = (typed_line(instalment).replace(";", ",") for instalment in schedule)
        parts.append("instalments: " + " - ".join(" ".join(line.split()) for line in lines))
    listed = ", ".join(f"{event.kind.value} {event.on.isoformat()}" for event in events)
    parts.append(f"events: {listed or 'none'}")
    if contribution.notes:
        parts.append(contribution.notes)
    return "; ".join(parts)


def export_tables(*, session: Session, scope: str | None, local_authority_id: str | None, as_at: date) -> Tables:
    """The three files' rows for the contributions the caller may see, as at a date."""
    authority = local_authority_id or scope
    if authority is not None:
        get_local_authority(session=session, local_authority_id=authority, scope=scope)
    query = (
        select(Agreement, LocalAuthority.organisation)
        .join(LocalAuthority, LocalAuthority.id == Agreement.local_authority_id)
        .where(Agreement.signed_on <= as_at)
        .order_by(Agreement.local_authority_id, Agreement.id)
    )
    if authority is not None:
        query = query.where(Agreement.local_authority_id == authority)
    agreements = [(row[0], row[1] or "") for row in session.execute(query)]
    entry = as_at.isoformat()
    tables: Tables = {AGREEMENT_DATASET: [], CONTRIBUTION_DATASET: [], TRANSACTION_DATASET: []}
    organisation_of: dict[int, str] = {}
    for agreement, organisation in agreements:
        organisation_of[agreement.id] = organisation
        closed = agreement.closed_on if agreement.closed_on and agreement.closed_on <= as_at else None
        tables[AGREEMENT_DATASET].append(
            {
                "reference": agreement_reference(agreement),
                "name": agreement.site,
                "developer-agreement-type": agreement.agreement_type,
                "planning-application": agreement.planning_application or agreement.reference,
                "document-url": agreement.document_url or "",
                "notes": agreement.notes or "",
                "organisation": organisation,
                "entry-date": entry,
                "start-date": agreement.signed_on.isoformat(),
                "end-date": closed.isoformat() if closed else "",
            }
        )
    by_id = {agreement.id: agreement for agreement, _organisation in agreements}
    contributions = list(
        session.scalars(
            select(Contribution).where(Contribution.agreement_id.in_(list(by_id))).order_by(Contribution.id)
        )
    )
    ids = [contribution.id for contribution in contributions]
    totals = contribution_totals(session, as_at=as_at, contribution_ids=ids)
    triggers = first_trigger_dates(session, as_at=as_at, contribution_ids=ids)
    schedules = instalments.schedules(session=session, contribution_ids=ids)
    events_of: dict[int, list[ContributionEvent]] = {}
    for event in session.scalars(
        select(ContributionEvent)
        .where(ContributionEvent.contribution_id.in_(ids), ContributionEvent.on <= as_at)
        .order_by(ContributionEvent.on, ContributionEvent.id)
    ):
        events_of.setdefault(event.contribution_id, []).append(event)
    sums_of: dict[int, list[DatedSum]] = {}
    for standing in dated_sums(session, as_at=as_at, contribution_ids=ids):
        sums_of.setdefault(standing.contribution_id, []).append(standing)
    for contribution in contributions:
        figures = totals.get(contribution.id)
        if figures is None or figures.secured <= 0:
            continue
        agreement = by_id[contribution.agreement_id]
        organisation = organisation_of[agreement.id]
        reference = f"{agreement.reference}-dac-{contribution.id}"
        dated = sums_of.get(contribution.id, [])
        secured_on = min((row.on for row in dated if row.kind is MovementKind.secured), default=agreement.signed_on)
        written_off_on = max((row.on for row in dated if row.kind is MovementKind.written_off), default=None)
        ended = written_off_on if figures.total_value <= 0 and figures.written_off > 0 else None
        tables[CONTRIBUTION_DATASET].append(
            {
                "reference": reference,
                "developer-agreement": agreement_reference(agreement),
                "contribution-purpose": POLICE_PURPOSE,
                "amount": format_money(figures.secured),
                "units": "",
                "notes": _contribution_notes(
                    contribution, events_of.get(contribution.id, []), schedules.get(contribution.id, [])
                ),
                "organisation": organisation,
                "entry-date": entry,
                "start-date": secured_on.isoformat(),
                "end-date": ended.isoformat() if ended else "",
            }
        )
        statuses: list[tuple[str, date, str, str]] = []
        trigger_on = triggers.get(contribution.id)
        if trigger_on is None and contribution.trigger_type is TriggerType.on_signing:
            trigger_on = agreement.signed_on
        if trigger_on is not None and figures.total_value > 0:
            statuses.append(("secured", trigger_on, format_money(figures.total_value), "ledger: trigger met"))
        for row in dated:
            if row.amount <= 0:
                continue
            if row.kind in _STATUS_OF:
                statuses.append((_STATUS_OF[row.kind], row.on, format_money(row.amount), ""))
            elif row.kind in LEDGER_KINDS:
                statuses.append(("secured", row.on, format_money(row.amount), f"ledger: {LEDGER_KINDS[row.kind]}"))
        statuses.sort(key=lambda status: (status[1], _ORDER_ON_A_DAY.index(status[3] or status[0])))
        for number, (status, on, amount, notes) in enumerate(statuses, start=1):
            tables[TRANSACTION_DATASET].append(
                {
                    "reference": f"{agreement.reference}-dat-{contribution.id}-{number}",
                    "developer-agreement-contribution": reference,
                    "contribution-funding-status": status,
                    "amount": amount,
                    "units": "",
                    "notes": notes,
                    "organisation": organisation,
                    "entry-date": entry,
                    "start-date": on.isoformat(),
                    "end-date": "",
                }
            )
    validate_tables(tables)
    return tables


def validate_tables(tables: Tables) -> None:
    """Refuse an export with any coded value outside its codelist (a defect, never the user's input)."""
    for row in tables.get(AGREEMENT_DATASET, []):
        codelists.validate(codelists.AGREEMENT_TYPE, row["developer-agreement-type"])
    for row in tables.get(CONTRIBUTION_DATASET, []):
        codelists.validate(codelists.PURPOSE, row["contribution-purpose"])
    for row in tables.get(TRANSACTION_DATASET, []):
        codelists.validate(codelists.FUNDING_STATUS, row["contribution-funding-status"])


def _cells(dataset: str, row: dict[str, str]) -> list[Cell]:
    """A row's cells: amounts as numbers and dates as dates, the rest as (neutralised) text."""
    cells: list[Cell] = []
    for name in FIELDS[dataset]:
        value = row[name]
        if name == "amount" and value:
            cells.append(Decimal(value))
        elif name.endswith("-date") and value:
            cells.append(date.fromisoformat(value))
        else:
            cells.append(value)
    return cells


def to_csv(dataset: str, rows: list[dict[str, str]]) -> bytes:
    """One dataset as CSV, in the standard's column order."""
    table: list[list[Cell]] = [list(FIELDS[dataset]), *(_cells(dataset, row) for row in rows)]
    return spreadsheets.to_csv(table).encode("utf-8")


def to_xlsx(dataset: str, rows: list[dict[str, str]]) -> bytes:
    """One dataset as an XLSX workbook; amounts are numbers with two decimals, dates are dates."""
    amount_column = {index: "#,##0.00" for index, name in enumerate(FIELDS[dataset], start=1) if name == "amount"}
    sheet = spreadsheets.Sheet(
        title=dataset,
        rows=[list(FIELDS[dataset]), *(_cells(dataset, row) for row in rows)],
        header_row=1,
        number_formats=amount_column,
        widths={1: 28, 2: 28},
    )
    return spreadsheets.to_xlsx([sheet])


def render(dataset: str, rows: list[dict[str, str]], export_format: ExportFormat) -> bytes:
    """One dataset in the chosen format."""
    return to_xlsx(dataset, rows) if export_format is ExportFormat.xlsx else to_csv(dataset, rows)


def to_zip(tables: Tables, export_format: ExportFormat) -> bytes:
    """The three datasets as one zip of files named after them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for dataset, rows in tables.items():
            archive.writestr(f"{dataset}.{export_format.value}", render(dataset, rows, export_format))
    return buffer.getvalue()
