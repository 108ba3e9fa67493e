"""What an authority's published files say it holds for the force, beside the ledger: reads, writes nothing."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.balances.queries import GroupBy, balances_by_id, secured_amounts
from app.errors import RuleError
from app.local_authorities.service import get_local_authority
from app.models import Agreement, Contribution
from app.standard import codelists, reading
from app.standard.comparison import compare_authority, compare_contribution
from app.standard.matching import Matcher
from app.standard.rows import AgreementRow, ContributionRow, ImportOptions, RowLog, SourceFile
from app.standard.schemas import AuthorityComparison, ImportReport
from app.standard.writer import imported_record


def compare_files(
    *,
    session: Session,
    files: list[SourceFile],
    local_authority_id: str,
    purposes: tuple[str, ...],
    as_at: date,
    scope: str | None,
) -> AuthorityComparison:
    """The published received, transferred and spent of each police contribution beside the ledger as at a date."""
    authority = get_local_authority(session=session, local_authority_id=local_authority_id, scope=scope)
    for purpose in purposes:
        if not codelists.is_valid(codelists.PURPOSE, purpose):
            raise RuleError(f"purpose {purpose!r} is not a contribution-purpose code", field="purpose")
    if not files:
        raise RuleError("give at least one file to compare", field="files")
    try:
        tables = reading.read_files(files)
    except ValueError as error:
        raise RuleError(str(error), field="files") from error
    report = ImportReport(local_authority_id=authority.id, dry_run=True, committed=False, purposes=list(purposes))
    log = RowLog(report)
    options = ImportOptions(local_authority_id=authority.id, purposes=purposes)
    publisher = reading.Publisher(name=authority.name, organisation=authority.organisation)
    rows = reading.read_rows(tables, log=log, publisher=publisher, options=options, today=date.today())

    def in_ledger(file: str, line: int, raw: str, base: str) -> AgreementRow | None:
        existing = session.scalar(
            select(Agreement).where(Agreement.local_authority_id == authority.id, Agreement.reference == base)
        )
        if existing is None:
            return None
        return AgreementRow(
            file=file,
            line=line,
            source_reference=raw,
            reference=existing.reference,
            signed_on=existing.signed_on,
            agreement=existing,
        )

    matcher = Matcher(log=log, authority_id=authority.id, agreements=rows.agreements, in_ledger=in_ledger)
    matcher.link_contributions(rows.contributions)
    matcher.link_transactions(rows.transactions)
    chosen = [row for row in rows.contributions if row.ok and row.selected and row.target is not None and row.amount]
    found = _ledger_contributions(session, authority.id, chosen)
    ledger = balances_by_id(
        session, group_by=GroupBy.contribution, as_at=as_at, ids=[id_ for id_ in found.values() if id_ is not None]
    )
    compared = [
        compare_contribution(
            row=row,
            contribution_id=found[id(row)],
            ledger=ledger.get(found[id(row)] or 0) if found[id(row)] is not None else None,
            as_at=as_at,
        )
        for row in chosen
    ]
    comparison = compare_authority(
        local_authority_id=authority.id, as_at=as_at.isoformat(), purposes=list(purposes), compared=compared
    )
    comparison.warnings = report.warnings
    order = {table.name: index for index, (_dataset, table) in enumerate(tables)}
    comparison.errors = sorted(report.errors, key=lambda issue: (order.get(issue.file, 0), issue.line or 0))
    return comparison


def _ledger_contributions(session: Session, authority_id: str, rows: list[ContributionRow]) -> dict[int, int | None]:
    """Each published contribution's counterpart in the ledger: the one its import made, else one of the
    agreement's contributions securing the same amount, each taken once."""
    found: dict[int, int | None] = {}
    taken: set[int] = set()
    references = {row.target.reference for row in rows if row.target is not None}
    candidates = session.execute(
        select(Contribution.id, Agreement.reference)
        .join(Agreement)
        .where(Agreement.local_authority_id == authority_id, Agreement.reference.in_(references))
        .order_by(Contribution.id)
    ).all()
    secured = secured_amounts(session, contribution_ids=[candidate.id for candidate in candidates])
    for row in rows:
        earlier = imported_record(session=session, local_authority_id=authority_id, key=row.key)
        if earlier is not None and earlier.record_id is not None and earlier.record_id not in taken:
            found[id(row)] = earlier.record_id
            taken.add(earlier.record_id)
            continue
        assert row.target is not None
        same = [
            candidate.id
            for candidate in candidates
            if candidate.reference == row.target.reference
            and candidate.id not in taken
            and secured.get(candidate.id) == row.amount
        ]
        found[id(row)] = same[0] if same else None
        if same:
            taken.add(same[0])
    return found
