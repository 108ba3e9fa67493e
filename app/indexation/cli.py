"""`s106 index load SERIES FILE`: load an index series from a CSV file (month, value, source)."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.db import get_sessionmaker

index_app = typer.Typer(help="Index series for index-linked contributions.", no_args_is_help=True)
console = Console()


@index_app.command("load")
def load(
    series: Annotated[str, typer.Argument(metavar="SERIES", help="the series' name, e.g. BCIS-TPI")],
    path: Annotated[
        Path, typer.Argument(metavar="FILE", exists=True, dir_okay=False, help="a CSV with month,value,source")
    ],
) -> None:
    """Load a series' months from CSV. Changed months are replaced, all or nothing."""
    from app.auth.service import SYSTEM
    from app.errors import DomainError
    from app.indexation.service import load_series

    with get_sessionmaker().begin() as session:
        try:
            result = load_series(session=session, principal=SYSTEM, series=series, text=path.read_text())
        except DomainError as error:
            console.print(f"[red]{error.detail}[/red]")
            raise typer.Exit(2) from error
    console.print(f"{series}: {result.added} added, {result.replaced} replaced, {result.unchanged} unchanged")
