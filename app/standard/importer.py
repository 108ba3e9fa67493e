"""Importing the national developer-contributions files (as published, messy) into the ledger.

One run reads every file, checks every row, then writes in one transaction: a dry run rolls it back,
a real run keeps it. Each row that is written is remembered by a key built from what it says (not
from its position), so importing the same files again changes nothing. Rows that cannot be
understood are reported by file and line and left out; they never stop the rows around them.

The parts: `reading` (files to rows, pure), `matching` (references), `writer` (the ledger),
`checks` and `comparison` (published figures as findings, pure).
"""

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.balances.queries import Balance, GroupBy, balances_by_id
from app.errors import RuleError
from app.ledger import rollup
from app.local_authorities.service import get_local_authority
from app.standard import checks, codelists, comparison, limits, reading
from app.standard.matching import Matcher
from app.standard.rows import ImportOptions, Progress, RowLog, SourceFile
from app.standard.schemas import ImportReport
from app.standard.writer import Writer

__all__ = ["ImportOptions", "Progress", "SourceFile", "import_files"]


def _within_budget(progress: Progress | None, started_ns: int) -> Progress:
    """The progress callback, stopping the run (nothing written) once it is over its time budget."""

    def update(step: str, done: int, total: int) -> None:
        if time.monotonic_ns() - started_ns > limits.TIME_BUDGET_SECONDS * 1_000_000_000:
            raise limits.LimitError(
                file=f"the {step} being written",
                line=done,
                limit=f"the import ran over its time budget of {limits.TIME_BUDGET_SECONDS} seconds",
            )
        if progress is not None:
            progress(step, done, total)

    return update


@contextmanager
def _heap_left_alone() -> Iterator[None]:
    """Keep the objects alive before the run out of the collector's full passes until the run ends.

    An import makes hundreds of thousands of objects, each batch of which sets off a collection; a full
    one walks every object of the process too (a server's, or a caller's loaded ledger), which made the
    same import 40% slower in a process holding three million objects. They are still collected after.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def import_files(
    *,
    session: Session,
    principal: Principal,
    files: list[SourceFile],
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportReport:
    """Import published developer-contributions files; a dry run (or a strict run with errors) writes nothing."""
    with _heap_left_alone():
        return _import_files(session=session, principal=principal, files=files, options=options, progress=progress)


def _import_files(
    *,
    session: Session,
    principal: Principal,
    files: list[SourceFile],
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportReport:
    """Import published developer-contributions files; a dry run (or a strict run with errors) writes nothing."""
    started_ns = time.monotonic_ns()
    authority = get_local_authority(session=session, local_authority_id=options.local_authority_id, scope=None)
    for purpose in options.purposes:
        if not codelists.is_valid(codelists.PURPOSE, purpose):
            raise RuleError(f"purpose {purpose!r} is not a contribution-purpose code", field="purpose")
    if not files:
        raise RuleError("give at least one file to import", field="files")
    try:
        tables = reading.read_files(files, lazy=True)
    except ValueError as error:
        raise RuleError(str(error), field="files") from error
    report = ImportReport(
        local_authority_id=authority.id, dry_run=options.dry_run, committed=False, purposes=list(options.purposes)
    )
    today = date.today()
    log = RowLog(report)
    publisher = reading.Publisher(name=authority.name, organisation=authority.organisation)
    rows = reading.read_rows(tables, log=log, publisher=publisher, options=options, today=today)
    # Only each table's line numbers are kept once its rows are read, to count what became of them.
    outlines = [(dataset, table.outline()) for dataset, table in tables]
    del tables
    agreements, contributions, transactions = rows.agreements, rows.contributions, rows.transactions
    writer = Writer(
        session=session,
        principal=principal,
        authority=authority,
        log=log,
        progress=_within_budget(progress, started_ns),
        today=today,
    )
    transaction = session.begin_nested()
    try:
        matcher = Matcher(
            log=log,
            authority_id=authority.id,
            agreements=agreements,
            in_ledger=writer.in_ledger,
            derive=options.agreements_from_contributions,
            derive_contributions=options.contributions_from_transactions,
            local_purpose=options.local_purpose,
        )
        matcher.link_contributions(contributions)
        linked = matcher.link_transactions(transactions)
        for made in matcher.made:
            made.selected = not made.purpose_code or made.purpose_code in options.purposes
        contributions = contributions + matcher.made
        writer.write_agreements(list(matcher.agreements.values()))
        writer.write_contributions(contributions)
        writer.write_transactions(linked)
        writer.finish()
        report.discrepancies = checks.discrepancies(contributions, writer.adjustments)
        ids = [target.agreement.id for target in writer.foreign.values() if target.agreement is not None]
        ledger = balances_by_id(session, group_by=GroupBy.agreement, as_at=today, ids=ids) if ids else {}
        for reference, target in writer.foreign.items():
            if target.agreement is None:
                continue
            report.comparisons.append(
                comparison.compare_agreement(
                    agreement_id=target.agreement.id,
                    reference=reference,
                    published=comparison.published_for(target, contributions),
                    ledger=ledger.get(target.agreement.id) or Balance(key=str(target.agreement.id), label=reference),
                )
            )
        log.summarise(outlines)
    except BaseException:
        transaction.rollback()
        raise
    if options.dry_run or (options.strict and report.errors):
        transaction.rollback()
    else:
        transaction.commit()
        # Derived now rather than at the caller's commit, so that it too runs with the heap left alone.
        rollup.settle(session)
        report.committed = True
    return report
