"""`s106 report` and `s106 reconcile`: the Panel table and reconciliation from the command line."""

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from app.db import get_sessionmaker
from app.reports.reconcile import Check, Layout, Verdict

if TYPE_CHECKING:
    from rich.table import Table

console = Console()


def _date(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise typer.BadParameter(f"'{text}' is not a date like 2024-01-31") from error


def print_wide(view: "Table") -> None:
    """Print a table whole: a terminal too narrow for it gets it at its natural width, figures unshortened."""
    from rich.measure import Measurement

    needed = Measurement.get(console, console.options.update_width(400), view).maximum
    Console(width=max(console.width, min(needed, 220))).print(view)


def report(
    layout: Annotated[Layout, typer.Option(help="the published layout: 2021 or 2024")] = Layout.panel_2024,
    as_at: Annotated[
        str | None, typer.Option(metavar="DATE", help="the date, e.g. 2024-01-31; today if omitted")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(metavar="FILE", help="also write it to a .csv, .xlsx or .json file")
    ] = None,
) -> None:
    """Print the Police and Crime Panel's table. It is as at a date, from the ledger."""
    from app.reports.formats import rich_table, to_csv, to_xlsx
    from app.reports.schemas import PanelReport
    from app.reports.service import panel_table

    with get_sessionmaker().begin() as session:
        table = panel_table(session=session, layout=layout, as_at=_date(as_at), scope=None)
    print_wide(rich_table(table))
    if output is not None:
        suffix = output.suffix.lower()
        if suffix == ".xlsx":
            output.write_bytes(to_xlsx(table))
        elif suffix == ".json":
            output.write_text(PanelReport.of(table).model_dump_json(indent=2), encoding="utf-8")
        else:
            output.write_text(to_csv(table), encoding="utf-8")
        console.print(f"written to {output}")


def reconcile(
    file: Annotated[
        Path, typer.Argument(metavar="TABLE", help="a published table as CSV, in either layout", exists=True)
    ],
    as_at: Annotated[str, typer.Option(metavar="DATE", help="the date the table is as at, e.g. 2021-01-26")],
    all_cells: Annotated[bool, typer.Option("--all", help="list matching cells too, not only differing ones")] = False,
) -> None:
    """Reconcile a published table with the ledger. Exits 1 if any cell differs or the table has a fault."""
    from app.errors import DomainError
    from app.reports.formats import rich_findings
    from app.reports.service import reconcile_csv

    with get_sessionmaker().begin() as session:
        try:
            result = reconcile_csv(session=session, text=file.read_text(encoding="utf-8"), as_at=_date(as_at))
        except DomainError as error:
            console.print(f"[red]{error.detail}[/red]")
            raise typer.Exit(2) from error
    differing = [cell for cell in result.cells if cell.verdict is Verdict.differs]
    title = f"{file.name} as at {result.printed.as_at}: {len(differing)} of {len(result.cells)} cells differ"
    if all_cells or differing:
        print_wide(rich_findings(title, result.cells if all_cells else differing))
    for unmatched in (cell for cell in differing if cell.check is Check.unmatched_row):
        console.print(f"- {unmatched.message}")
    console.print(f"{len(result.cells) - len(differing)} of {len(result.cells)} cells match the ledger within rounding")
    if result.faults:
        faults = f"{len(result.faults)} faults in the printed table's own sums"
        print_wide(rich_findings(faults, result.faults, against="its sums require"))
        for fault in result.faults:
            console.print(f"- {fault.message}")
    else:
        console.print("[green]the printed table's own sums hold (within rounding)[/green]")
    if differing or result.faults:
        raise typer.Exit(1)
