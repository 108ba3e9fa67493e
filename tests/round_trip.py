"""A ledger's own files, exported per authority and imported into an empty database, and the balances compared."""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.service import command_line_principal
from app.balances.queries import GroupBy, balances_by_id
from app.models import Agreement, Contribution, LocalAuthority
from app.standard import exporter
from app.standard.importer import ImportOptions, SourceFile, import_files
from app.standard.schemas import ExportFormat

Figures = dict[tuple[str, str, int], dict[str, object]]


def figures_by_contribution(session: Session, as_at: date) -> Figures:
    """Every contribution's balances as at a date, keyed by authority, agreement reference and its place."""
    rows = session.execute(
        select(Contribution.id, Agreement.local_authority_id, Agreement.reference)
        .join(Agreement)
        .order_by(Agreement.local_authority_id, Agreement.reference, Contribution.id)
    ).all()
    ledger = balances_by_id(session, group_by=GroupBy.contribution, as_at=as_at, ids=[row.id for row in rows])
    keyed: Figures = {}
    place: dict[tuple[str, str], int] = {}
    for row in rows:
        number = place[(row.local_authority_id, row.reference)] = (
            place.get((row.local_authority_id, row.reference), 0) + 1
        )
        figures = asdict(ledger[row.id]) if row.id in ledger else {}
        for name in ("key", "label", "extra"):
            figures.pop(name, None)
        keyed[(row.local_authority_id, row.reference, number)] = figures
    return keyed


def checkpoints(session: Session, today: date) -> list[date]:
    """Dates to compare the balances as at: signing dates across the ledger's years, 200 days back, and today."""
    dates = sorted(set(session.scalars(select(Agreement.signed_on))))
    return [*dates[:: max(1, len(dates) // 6)], today - timedelta(days=200), today]


@dataclass(frozen=True)
class Exported:
    """Each authority's three files as the service writes them, and the authorities to recreate."""

    files: dict[str, list[SourceFile]]
    authorities: list[LocalAuthority]


def export_every_authority(session: Session, today: date) -> Exported:
    """Each authority's agreements, contributions and transactions, as `s106 export` writes them."""
    authorities = list(session.scalars(select(LocalAuthority).order_by(LocalAuthority.id)))
    files = {
        authority.id: [
            SourceFile(f"{dataset}.csv", exporter.render(dataset, rows, ExportFormat.csv))
            for dataset, rows in exporter.export_tables(
                session=session, scope=None, local_authority_id=authority.id, as_at=today
            ).items()
        ]
        for authority in authorities
    }
    copies = [
        LocalAuthority(
            id=authority.id,
            name=authority.name,
            organisation=authority.organisation,
            regime=authority.regime,
            release_basis=authority.release_basis,
        )
        for authority in authorities
    ]
    return Exported(files=files, authorities=copies)


def import_every_authority(session: Session, exported: Exported, *, slice_rows: int | None = None) -> None:
    """Recreate the authorities in an empty database and import each one's files, asserting nothing was flagged
    (a slice of that many rows at a time, if given)."""
    session.add_all(exported.authorities)
    session.flush()
    for authority_id, files in exported.files.items():
        report = import_files(
            session=session,
            principal=command_line_principal(),
            files=files,
            options=ImportOptions(local_authority_id=authority_id)
            if slice_rows is None
            else ImportOptions(local_authority_id=authority_id, slice_rows=slice_rows),
        )
        assert report.errors == [], report.errors[:3]
        assert report.created.adjustments == 0, (authority_id, report.created.adjustments)
        assert report.discrepancies == [], report.discrepancies[:3]
