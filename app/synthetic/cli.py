"""`s106 generate`: load a synthetic national-scale ledger in one transaction."""

import time
from decimal import Decimal
from typing import Annotated

import typer
from rich.console import Console

from app.db import get_sessionmaker

console = Console()


def generate_command(
    scale: Annotated[
        Decimal,
        typer.Option(parser=Decimal, metavar="SCALE", help="1.0 is national: 300 authorities, 100,000 agreements"),
    ] = Decimal("0.01"),
    agreements: Annotated[int | None, typer.Option(metavar="COUNT", help="agreements, overriding the scale")] = None,
    authorities: Annotated[int | None, typer.Option(metavar="COUNT", help="authorities, overriding the scale")] = None,
    seed: Annotated[int, typer.Option(metavar="SEED", help="random seed; the same seed gives the same ledger")] = 106,
) -> None:
    """Load a synthetic ledger for benchmarks. One transaction: 3 contributions an agreement, 10 movements at most."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from app.errors import DomainError
    from app.synthetic.generate import Scale, generate

    size = Scale.national(scale)
    size = Scale(authorities=authorities or size.authorities, agreements=agreements or size.agreements)
    started = time.perf_counter()
    with Progress(
        TextColumn("generating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("agreements"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("agreements", total=size.agreements)

        def advance(_table: str, count: int) -> None:
            progress.advance(task, count)
            if not console.is_terminal:
                done = int(progress.tasks[0].completed)
                console.print(f"generated {done}/{size.agreements} agreements (not yet committed)")

        try:
            with get_sessionmaker().begin() as session:
                counts = generate(session=session, scale=size, seed=seed, on_chunk=advance)
                console.print("committing")
        except DomainError as error:
            console.print(f"[red]{error.detail}[/red]")
            raise typer.Exit(2) from error
    seconds = time.perf_counter() - started
    rows = sum(counts.values())
    summary = ", ".join(f"{count} {table}" for table, count in counts.items())
    console.print(f"committed {summary} in {seconds:.1f}s ({rows / seconds:,.0f} rows/s)")
