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
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.balances.queries import Balance, GroupBy, balances_by_id
from app.errors import RuleError
from app.ledger import rollup
from app.local_authorities.service import get_local_authority
from app.models import LocalAuthority
from app.standard import checks, codelists, comparison, limits, reading
from app.standard.matching import Matcher, give_keys
from app.standard.parsing import Table
from app.standard.rows import (
    AgreementRow,
    ContributionRow,
    ImportOptions,
    Progress,
    RowLog,
    SourceFile,
    TransactionRow,
)
from app.standard.schemas import AGREEMENT_DATASET, CONTRIBUTION_DATASET, TRANSACTION_DATASET, Discrepancy, ImportReport
from app.standard.spill import Spill
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
    report = ImportReport(
        local_authority_id=authority.id, dry_run=options.dry_run, committed=False, purposes=list(options.purposes)
    )
    transaction = session.begin_nested()
    try:
        _read_and_write(
            session=session,
            principal=principal,
            authority=authority,
            files=files,
            options=options,
            report=report,
            progress=_within_budget(progress, started_ns),
        )
    except BaseException:
        transaction.rollback()
        raise
    # The rows, the matching and the writer's state are gone by now: the rollup's upkeep at the commit (the
    # import's largest use of memory, a slice of contributions at a time) no longer sits on top of them.
    if options.dry_run or (options.strict and report.errors):
        transaction.rollback()
    else:
        transaction.commit()
        # Derived now rather than at the caller's commit, so that it too runs with the heap left alone.
        rollup.settle(session)
        report.committed = True
    return report


def _read_and_write(
    *,
    session: Session,
    principal: Principal,
    authority: LocalAuthority,
    files: list[SourceFile],
    options: ImportOptions,
    report: ImportReport,
    progress: Progress,
) -> None:
    """Read, match and write the files' rows into the report; all it holds goes when it returns."""
    try:
        tables = reading.read_files(files, lazy=True)
    except ValueError as error:
        raise RuleError(str(error), field="files") from error
    today = date.today()
    log = RowLog(report)
    publisher = reading.Publisher(name=authority.name, organisation=authority.organisation)
    agreements = [
        row
        for dataset, table in tables
        if dataset == AGREEMENT_DATASET
        for row in reading.read_agreements(table, log=log, publisher=publisher, today=today)
    ]
    contributions = [
        row
        for dataset, table in tables
        if dataset == CONTRIBUTION_DATASET
        for row in reading.read_contributions(table, log=log, publisher=publisher, options=options)
    ]
    for position, row in enumerate(contributions):
        row.position = position
    writer = Writer(
        session=session,
        principal=principal,
        authority=authority,
        log=log,
        progress=progress,
        today=today,
    )
    with Spill() as linked:
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
        sizes = _link_transactions(matcher, tables, contributions, linked, log=log, publisher=publisher)
        # Only each table's line numbers are kept once its rows are read, to count what became of them.
        outlines = [(dataset, table.outline()) for dataset, table in tables]
        del tables
        for made in matcher.made:
            made.selected = not made.purpose_code or made.purpose_code in options.purposes
        _write_in_slices(
            writer, matcher, contributions, linked, sizes=sizes, slice_rows=options.slice_rows, today=today
        )
    log.summarise(outlines)


def _link_transactions(
    matcher: Matcher,
    tables: list[tuple[str, Table]],
    contributions: list[ContributionRow],
    linked: Spill,
    *,
    log: RowLog,
    publisher: reading.Publisher,
) -> Counter[int]:
    """Read and match every transaction, setting aside on disk those matched, under their agreement's place;
    the contributions made from transactions join the list. Returns how many were set aside by agreement."""

    def settled(rows: Iterable[TransactionRow]) -> Iterator[TransactionRow]:
        for row in rows:
            if row.unread is None:
                yield row
            else:
                matcher.settle_unread(row, *row.unread)

    read = settled(
        row
        for dataset, table in tables
        if dataset == TRANSACTION_DATASET
        for row in reading.each_transaction(table, log=log, publisher=publisher)
    )
    with Spill() as unmatched:
        if matcher.derive_contributions:
            # Every transaction is needed before any is matched: those naming no published contribution make one.
            for row in read:
                unmatched.put(0, 0, row)
            matcher.make_contributions(row for _number, row in unmatched.each())
            read = (row for _number, row in unmatched.each())
        for position, made in enumerate(matcher.made, start=len(contributions)):
            made.position = position
        contributions += matcher.made
        places = agreement_places(matcher)
        for contribution in contributions:
            if contribution.target is not None:
                contribution.group = places.setdefault(contribution.target.reference, len(places))
        sizes: Counter[int] = Counter()
        for row in read:
            if matcher.link_transaction(row) and row.contribution is not None:
                linked.put(row.contribution.group, row.contribution.position, row)
                sizes[row.contribution.group] += 1
    return sizes


def agreement_places(matcher: Matcher) -> dict[str, int]:
    """Each agreement's place in the run, by reference: the order the files give them, then those found or made."""
    places: dict[str, int] = {}
    for agreement in matcher.agreements.values():
        places.setdefault(agreement.reference, len(places))
    return places


def slices(groups: int, sizes: dict[int, int], slice_rows: int) -> Iterator[tuple[int, int]]:
    """Consecutive ranges of agreements' places (first, last) of about slice_rows rows each, whole agreements."""
    first, rows = 0, 0
    for group in range(groups):
        rows += sizes.get(group, 0) + 1
        if rows >= slice_rows:
            yield first, group
            first, rows = group + 1, 0
    if first < groups:
        yield first, groups - 1


def _write_in_slices(
    writer: Writer,
    matcher: Matcher,
    contributions: list[ContributionRow],
    linked: Spill,
    *,
    sizes: Counter[int],
    slice_rows: int,
    today: date,
) -> None:
    """Write the run a slice of whole agreements at a time (their rows loaded back from disk), taking each slice's
    findings before its rows are dropped; the findings end in the order of the files."""
    places = agreement_places(matcher)
    agreements_at: defaultdict[int, list[AgreementRow]] = defaultdict(list)
    for agreement in matcher.agreements.values():
        agreements_at[places[agreement.reference]].append(agreement)
    contributions_at: defaultdict[int, list[ContributionRow]] = defaultdict(list)
    for contribution in contributions:
        if contribution.target is not None:
            contributions_at[contribution.group].append(contribution)
    groups = max([len(places) - 1, *contributions_at, -1]) + 1
    writer.lock_existing(agreement.reference for agreement in matcher.agreements.values())
    counted = _AcrossSlices(
        writer.progress,
        {
            "agreements": len(matcher.agreements),
            "contributions": len(contributions),
            "transactions": sum(sizes.values()),
        },
    )
    writer.progress = counted
    report = writer.report
    found: list[tuple[int, Discrepancy]] = []
    published: dict[str, tuple[int, dict[str, Decimal]]] = {}
    for first, last in slices(groups, sizes, max(slice_rows, 1)):
        chosen = [row for group in range(first, last + 1) for row in contributions_at.get(group, [])]
        transactions: list[TransactionRow] = []
        for position, read in linked.take(first, last):
            contribution = read.contribution = contributions[position]
            contribution.transactions.append(read)
            transactions.append(read)
        give_keys(matcher.authority_id, transactions)
        firsts: dict[int, int] = {}
        for row in chosen:
            if row.ok and row.selected and row.target is not None:
                firsts.setdefault(id(row.target), row.position)
        writer.write_agreements([row for group in range(first, last + 1) for row in agreements_at.get(group, [])])
        writer.write_contributions(chosen)
        writer.write_transactions(transactions)
        writer.finish()
        counted.next_slice()
        for row in chosen:
            found.extend((row.position, item) for item in checks.discrepancies([row], writer.adjustments))
        for reference, target in writer.foreign.items():
            if reference not in published and id(target) in firsts:
                published[reference] = (firsts[id(target)], comparison.published_for(target, chosen))
        writer.adjustments.clear()
        for row in chosen:
            row.transactions = []
            row.contribution = None
        del transactions, chosen
    counted.done()
    report.discrepancies = [item for _position, item in sorted(found, key=lambda pair: pair[0])]
    foreign = sorted(
        (published[reference][0], reference, target)
        for reference, target in writer.foreign.items()
        if target.agreement is not None and reference in published
    )
    ids = [target.agreement.id for _first, _reference, target in foreign if target.agreement is not None]
    session = writer.session
    ledger = balances_by_id(session, group_by=GroupBy.agreement, as_at=today, ids=ids) if ids else {}
    for _first, reference, target in foreign:
        assert target.agreement is not None
        report.comparisons.append(
            comparison.compare_agreement(
                agreement_id=target.agreement.id,
                reference=reference,
                published=published[reference][1],
                ledger=ledger.get(target.agreement.id) or Balance(key=str(target.agreement.id), label=reference),
            )
        )


class _AcrossSlices:
    """The writer's progress counted over the whole run, so each step's bar fills once rather than once a slice."""

    def __init__(self, progress: Progress, rows: dict[str, int]) -> None:
        self.progress = progress
        self.rows = rows
        self.before: Counter[str] = Counter()
        self.latest: Counter[str] = Counter()

    def __call__(self, step: str, done: int, total: int) -> None:
        self.latest[step] = total
        written = self.before[step] + done
        self.progress(step, written, max(self.rows.get(step, 0), self.before[step] + total))

    def next_slice(self) -> None:
        """The slice is written: its totals are counted in what comes before the next."""
        self.before.update(self.latest)
        self.latest.clear()

    def done(self) -> None:
        """Fill every step's bar at what was written (the rows read may include some that were not)."""
        for step, written in self.before.items():
            self.progress(step, written, written)
