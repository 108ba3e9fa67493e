"""Round trip: a generated ledger exported as the three files and imported into an empty database gives back
every contribution's balances at every stage, as at any date, to the penny, with no flagged adjustment."""

from dataclasses import asdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.service import command_line_principal
from app.balances.queries import GroupBy, balances_by_id
from app.models import Agreement, Contribution, ContributionEvent, EventKind, LocalAuthority
from app.standard import exporter
from app.standard.importer import ImportOptions, SourceFile, import_files
from app.standard.schemas import ExportFormat
from app.synthetic.generate import Scale, generate
from tests.servers import scratch_database

TODAY = date.today()


def figures_by_contribution(session: Session, as_at: date) -> dict[tuple[str, str, int], dict[str, object]]:
    """Every contribution's balances as at a date, keyed by authority, agreement reference and its place."""
    rows = session.execute(
        select(Contribution.id, Agreement.local_authority_id, Agreement.reference)
        .join(Agreement)
        .order_by(Agreement.local_authority_id, Agreement.reference, Contribution.id)
    ).all()
    ledger = balances_by_id(session, group_by=GroupBy.contribution, as_at=as_at, ids=[row.id for row in rows])
    keyed: dict[tuple[str, str, int], dict[str, object]] = {}
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


def test_export_then_import_gives_back_every_balance_as_at_every_date() -> None:
    with scratch_database("roundtrip_source") as (_url, source), scratch_database("roundtrip_target") as (_u, target):
        with Session(source) as session, session.begin():
            generate(session=session, scale=Scale(authorities=2, agreements=24), seed=16, today=TODAY)
            events = session.scalars(select(ContributionEvent.kind).distinct()).all()
            assert EventKind.development_started in set(events)
        with Session(source) as session:
            authorities = list(session.scalars(select(LocalAuthority).order_by(LocalAuthority.id)))
            exported = {
                authority.id: exporter.export_tables(
                    session=session, scope=None, local_authority_id=authority.id, as_at=TODAY
                )
                for authority in authorities
            }
            dates = sorted({row.signed_on for row in session.scalars(select(Agreement))})
            checkpoints = [*dates[:: max(1, len(dates) // 6)], TODAY - timedelta(days=200), TODAY]
            before = {when: figures_by_contribution(session, when) for when in checkpoints}
            assert len(before[TODAY]) == 72
            assert any(figures["total_value"] != figures["not_started"] for figures in before[TODAY].values())
            copies = [
                LocalAuthority(
                    id=a.id, name=a.name, organisation=a.organisation, regime=a.regime, release_basis=a.release_basis
                )
                for a in authorities
            ]
        with Session(target) as session, session.begin():
            session.add_all(copies)
            session.flush()
            for authority_id, tables in exported.items():
                files = [
                    SourceFile(f"{dataset}.csv", exporter.render(dataset, rows, ExportFormat.csv))
                    for dataset, rows in tables.items()
                ]
                report = import_files(
                    session=session,
                    principal=command_line_principal(),
                    files=files,
                    options=ImportOptions(local_authority_id=authority_id),
                )
                assert report.errors == [], report.errors[:3]
                assert report.created.adjustments == 0
                assert report.discrepancies == []
        with Session(target) as session:
            for when in checkpoints:
                assert figures_by_contribution(session, when) == before[when], when
