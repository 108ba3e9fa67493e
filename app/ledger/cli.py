"""`s106 rollup check` and `s106 rollup rebuild`: compare the rollup with the ledger, and repair it."""

import typer
from rich.console import Console

from app.db import get_sessionmaker

rollup_app = typer.Typer(help="Check the rollup against the ledger, or rebuild it.", no_args_is_help=True)
console = Console()

SHOWN = 20
"""How many differences `check` prints before counting the rest."""


@rollup_app.command("check")
def check() -> None:
    """Check the stored rollup against the ledger. It is derived again and compared; exits 1 on any difference."""
    from app.ledger import rollup

    with get_sessionmaker().begin() as session:
        differences = rollup.check(session)
    if not differences:
        console.print("The rollup agrees with the ledger.")
        return
    for difference in differences[:SHOWN]:
        key = ", ".join(str(part) for part in difference.key)
        console.print(
            f"{difference.table} ({key}) {difference.column}: the ledger gives {difference.expected}, "
            f"the rollup holds {difference.stored}"
        )
    if len(differences) > SHOWN:
        console.print(f"... and {len(differences) - SHOWN} more")
    console.print(f"{len(differences)} differences; `s106 rollup rebuild` derives the rollup again from the ledger.")
    raise typer.Exit(1)


@rollup_app.command("rebuild")
def rebuild() -> None:
    """Derive the rollup again from the ledger. The stored one is thrown away; the ledger stays the truth."""
    from app.ledger import rollup

    with get_sessionmaker().begin() as session:
        rollup.rebuild(session)
    console.print("The rollup was derived again from the ledger.")
