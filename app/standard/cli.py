"""`s106 import`, `s106 export`, `s106 import-register` and `s106 register-template`."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from app.db import get_sessionmaker
from app.enums import Purpose
from app.standard.schemas import Dataset, ExportFormat

if TYPE_CHECKING:
    from rich.progress import TaskID

    from app.standard.schemas import AuthorityComparison, ImportReport

# Each command imports what it uses when it runs: `s106 import` loads neither the exporter nor the register's.

console = Console()
errors = Console(stderr=True)
"""Progress and refusals: standard error, so `--json` output is only JSON."""


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None] | None]:
    """Progress bars on standard error, and only when it is a terminal."""
    if not errors.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=errors, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def update(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield update


def print_report(report: "ImportReport") -> None:
    """The import report as tables a person can read."""
    from rich.table import Table

    files = Table("file", "dataset", "rows", "imported", "unchanged", "not imported", "errors", title="Files")
    for summary in report.files:
        files.add_row(
            summary.file,
            summary.dataset,
            *(
                str(value)
                for value in (
                    summary.rows,
                    summary.imported,
                    summary.unchanged,
                    summary.not_imported,
                    summary.errors,
                )
            ),
        )
    console.print(files)
    created = report.created
    console.print(
        f"created: {created.agreements} agreements, {created.contributions} contributions, {created.events} events, "
        f"{created.movements} movements ({created.adjustments} flagged adjustments)"
    )
    for title, issues, style in (("Warnings", report.warnings, "yellow"), ("Errors", report.errors, "red")):
        if not issues:
            continue
        table = Table("file", "line(s)", "message", title=f"{title} ({len(issues)})", title_style=style)
        for issue in issues:
            lines = ", ".join(map(str, issue.lines[:12])) + (" …" if len(issue.lines) > 12 else "")
            table.add_row(issue.file, lines or "-", issue.message)
        console.print(table)
    if report.discrepancies:
        table = Table(
            "agreement",
            "contribution",
            "secured",
            "received",
            "transferred",
            "spent",
            "problems",
            title="Published figures that do not add up (imported as published)",
        )
        for item in report.discrepancies:
            table.add_row(
                item.agreement_reference,
                f"{item.contribution_reference} (line {item.line})",
                str(item.secured),
                str(item.received),
                str(item.transferred),
                str(item.spent),
                "; ".join(item.problems + item.adjustments),
            )
        console.print(table)
    if report.comparisons:
        table = Table(
            "agreement (kept by hand)",
            "published secured / received / transferred / spent",
            "ledger total / received / drawn / spent",
            "differences",
            title="Agreements the ledger already keeps, checked against the published figures",
        )
        for compared in report.comparisons:
            table.add_row(
                f"{compared.agreement_reference} (id {compared.agreement_id})",
                " / ".join(
                    str(value)
                    for value in (
                        compared.published_secured,
                        compared.published_received,
                        compared.published_transferred,
                        compared.published_spent,
                    )
                ),
                " / ".join(
                    str(value)
                    for value in (
                        compared.ledger_total_value,
                        compared.ledger_received,
                        compared.ledger_drawn,
                        compared.ledger_spent,
                    )
                ),
                "; ".join(compared.differences) or "they agree",
            )
        console.print(table)
    left_out = report.rows_left_out
    rows = f"{left_out} row{'s' if left_out != 1 else ''} in error"
    if report.dry_run and left_out:
        console.print(
            f"[bold red]dry run: nothing was written; {rows} would be left out of a real run "
            "(--strict writes nothing when any row is in error)[/bold red]",
            soft_wrap=True,
        )
    elif report.dry_run:
        console.print("[bold]dry run: nothing was written[/bold]")
    elif report.committed and left_out:
        console.print(
            f"[bold red]incomplete: {rows} left out; the other rows above were written in one transaction.\n"
            "Fix those rows and import again (rows already imported stay unchanged), or use --strict, "
            "which writes nothing when any row is in error.[/bold red]",
            soft_wrap=True,
        )
    elif report.committed:
        console.print("[green]imported: all of the above was written in one transaction[/green]")
    else:
        console.print(f"[red]nothing was written: --strict and {rows} could not be understood[/red]")


def _finish(report: "ImportReport", as_json: bool) -> None:
    """Print the report; exit 1 when any row was in error (left out, or nothing written), so scripts can tell."""
    if as_json:
        print(report.model_dump_json(indent=2))  # noqa: T201 - machine-readable output for scripts
    else:
        print_report(report)
    if report.rows_left_out or report.errors or (not report.dry_run and not report.committed):
        raise typer.Exit(1)


def import_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE",
            help="the published files: CSV, XLSX or zips of them, as many as the authority publishes",
            exists=True,
        ),
    ],
    local_authority: Annotated[
        str, typer.Option(metavar="AUTHORITY", help="the authority that published them, e.g. charnwood")
    ],
    purpose: Annotated[
        list[str] | None, typer.Option(metavar="PURPOSE", help="national purpose(s) that are the force's contributions")
    ] = None,
    local_purpose: Annotated[Purpose, typer.Option(help="police purpose given to them")] = Purpose.no_prescription,
    dry_run: Annotated[bool, typer.Option(help="report everything and write nothing")] = False,
    strict: Annotated[bool, typer.Option(help="write nothing if any row cannot be understood")] = False,
    agreements_from_contributions: Annotated[
        bool, typer.Option(help="make an agreement no agreement row publishes from the contributions naming it")
    ] = False,
    contributions_from_transactions: Annotated[
        bool,
        typer.Option(
            help="make a contribution no contribution row publishes from the transactions naming it, "
            "counted as one of the purposes asked for"
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Import an authority's developer-contributions files. One transaction; exits 1 if any row is in error."""
    from app.audit import service as audit
    from app.auth.service import command_line_principal
    from app.errors import DomainError
    from app.standard.importer import ImportOptions, SourceFile, import_files

    sources = [SourceFile(name=path.name, content=path.read_bytes()) for path in files]
    options = ImportOptions(
        local_authority_id=local_authority,
        purposes=tuple(purpose or ("other",)),
        local_purpose=local_purpose,
        dry_run=dry_run,
        strict=strict,
        agreements_from_contributions=agreements_from_contributions,
        contributions_from_transactions=contributions_from_transactions,
    )
    principal = command_line_principal()
    try:
        with get_sessionmaker().begin() as session, _progress() as progress:
            report = import_files(
                session=session, principal=principal, files=sources, options=options, progress=progress
            )
            if report.committed:
                audit.record(
                    session=session,
                    principal=principal,
                    method="CLI",
                    path="s106 import",
                    resource="imports",
                    resource_ids=[local_authority],
                    body={"files": [source.name for source in sources], "created": report.created.model_dump()},
                )
    except DomainError as error:
        errors.print(f"[red]{error.detail}[/red]")
        raise typer.Exit(2) from error
    _finish(report, as_json)


def export_command(
    local_authority: Annotated[
        str | None, typer.Option(metavar="AUTHORITY", help="one authority; all if omitted")
    ] = None,
    as_at: Annotated[
        str | None, typer.Option(metavar="DATE", help="the ledger as at YYYY-MM-DD; today if omitted")
    ] = None,
    out: Annotated[Path | None, typer.Option(metavar="PATH", help="a directory for the files, or a .zip")] = None,
    dataset: Annotated[Dataset | None, typer.Option(help="only this file")] = None,
    export_format: Annotated[ExportFormat, typer.Option("--format", help="csv or xlsx")] = ExportFormat.csv,
) -> None:
    """Export the force's contributions to the data standard. It writes its three developer-contributions files."""
    from app.errors import DomainError
    from app.standard import exporter

    try:
        when = date.fromisoformat(as_at) if as_at else date.today()
    except ValueError as error:
        errors.print(f"[red]--as-at {as_at!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from error
    try:
        with get_sessionmaker().begin() as session:
            tables = exporter.export_tables(session=session, scope=None, local_authority_id=local_authority, as_at=when)
    except DomainError as error:
        errors.print(f"[red]{error.detail}[/red]")
        raise typer.Exit(2) from error
    target = out or Path(f"developer-contributions-{local_authority or 'all'}-{when.isoformat()}")
    chosen = {dataset.value: tables[dataset.value]} if dataset else tables
    if target.suffix.lower() == ".zip":
        target.write_bytes(exporter.to_zip(chosen, export_format))
        console.print(f"wrote {target}")
        return
    target.mkdir(parents=True, exist_ok=True)
    for name, rows in chosen.items():
        path = target / f"{name}.{export_format.value}"
        path.write_bytes(exporter.render(name, rows, export_format))
        console.print(f"wrote {path} ({len(rows)} rows)")


def import_register_command(
    file: Annotated[
        Path,
        typer.Argument(metavar="REGISTER", help="the register: XLSX or CSV, one row per contribution", exists=True),
    ],
    dry_run: Annotated[bool, typer.Option(help="report everything and write nothing")] = False,
    strict: Annotated[bool, typer.Option(help="write nothing if any row cannot be understood")] = False,
    undated_on: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="record amounts the sheet gives without a date on this date (YYYY-MM-DD)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Migrate the spreadsheet register into the ledger. One transaction; exits 1 if any row is in error."""
    from app.audit import service as audit
    from app.auth.service import command_line_principal
    from app.errors import DomainError
    from app.standard.importer import SourceFile
    from app.standard.register import RegisterOptions, import_register

    try:
        undated = date.fromisoformat(undated_on) if undated_on else None
    except ValueError as error:
        errors.print(f"[red]--undated-on {undated_on!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from error
    options = RegisterOptions(dry_run=dry_run, strict=strict, undated_on=undated)
    principal = command_line_principal()
    try:
        with get_sessionmaker().begin() as session, _progress() as progress:
            report = import_register(
                session=session,
                principal=principal,
                file=SourceFile(name=file.name, content=file.read_bytes()),
                options=options,
                progress=progress,
            )
            if report.committed:
                audit.record(
                    session=session,
                    principal=principal,
                    method="CLI",
                    path="s106 import-register",
                    resource="imports",
                    resource_ids=[file.name],
                    body={"file": file.name, "created": report.created.model_dump()},
                )
    except DomainError as error:
        errors.print(f"[red]{error.detail}[/red]")
        raise typer.Exit(2) from error
    _finish(report, as_json)


def register_template_command(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="where to write it (.xlsx or .csv)")] = Path(
        "s106-register.xlsx"
    ),
) -> None:
    """Write an empty register to fill in. It has the expected headings and one example row."""
    from app.standard.register import write_template

    path.write_bytes(write_template(path.name))
    console.print(f"wrote {path}: fill one row per contribution, delete the example row, then `s106 import-register`")


def print_comparison(comparison: "AuthorityComparison") -> None:
    """The comparison as a table a person can read, contribution by contribution."""
    from rich.table import Table

    table = Table(
        "agreement",
        "contribution (line)",
        "published received / transferred / spent",
        "ledger received / drawn / spent",
        "differences",
        title=f"{comparison.local_authority_id}: published beside the ledger as at {comparison.as_at}",
    )
    for item in comparison.contributions:
        table.add_row(
            item.agreement_reference,
            f"{item.contribution_reference} ({item.line})",
            f"{item.published_received} / {item.published_transferred} / {item.published_spent}",
            f"{item.ledger_received} / {item.ledger_drawn} / {item.ledger_spent}",
            "; ".join(item.differences) or "they agree",
        )
    table.add_row(
        "all",
        "",
        f"{comparison.published_received} / {comparison.published_transferred} / {comparison.published_spent}",
        f"{comparison.ledger_received} / {comparison.ledger_drawn} / {comparison.ledger_spent}",
        f"{comparison.agreeing} agree, {comparison.differing} differ",
    )
    console.print(table)
    for issue in comparison.errors:
        console.print(f"[red]{issue.file} line {issue.line}: {issue.message}[/red]", soft_wrap=True)


def compare_command(
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE", help="the authority's published files: CSV, XLSX or zip", exists=True),
    ],
    local_authority: Annotated[
        str, typer.Option(metavar="AUTHORITY", help="the authority that published them, e.g. charnwood")
    ],
    purpose: Annotated[
        list[str] | None, typer.Option(metavar="PURPOSE", help="national purpose(s) that are the force's contributions")
    ] = None,
    as_at: Annotated[
        str | None, typer.Option(metavar="DATE", help="the ledger as at YYYY-MM-DD; today if omitted")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the comparison as JSON")] = False,
) -> None:
    """Set an authority's published figures beside the ledger. Writes nothing; exits 1 when any differ."""
    from app.errors import DomainError
    from app.standard.crosscheck import compare_files
    from app.standard.importer import SourceFile

    try:
        when = date.fromisoformat(as_at) if as_at else date.today()
    except ValueError as error:
        errors.print(f"[red]--as-at {as_at!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from error
    sources = [SourceFile(name=path.name, content=path.read_bytes()) for path in files]
    try:
        with get_sessionmaker().begin() as session:
            comparison = compare_files(
                session=session,
                files=sources,
                local_authority_id=local_authority,
                purposes=tuple(purpose or ("other",)),
                as_at=when,
                scope=None,
            )
    except DomainError as error:
        errors.print(f"[red]{error.detail}[/red]")
        raise typer.Exit(2) from error
    if as_json:
        print(comparison.model_dump_json(indent=2))  # noqa: T201 - machine-readable output for scripts
    else:
        print_comparison(comparison)
    if comparison.differing:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add these commands to the `s106` command."""
    app.command("import")(import_command)
    app.command("export")(export_command)
    app.command("compare")(compare_command)
    app.command("import-register")(import_register_command)
    app.command("register-template")(register_template_command)
