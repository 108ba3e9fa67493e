"""Load the seed data (CSV files beside this module) into an empty database."""

import csv
from pathlib import Path

from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import LocalAuthority, Regime, ReleaseBasis

SEED_DIR = Path(__file__).resolve().parent


def _rows(name: str) -> list[dict[str, str]]:
    with (SEED_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_local_authorities(session: Session) -> int:
    """The nine authorities and their release rules."""
    rows = _rows("local_authorities.csv")
    for row in rows:
        session.add(
            LocalAuthority(
                id=row["id"],
                name=row["name"],
                organisation=row["organisation"] or None,
                regime=Regime(row["regime"]),
                release_basis=ReleaseBasis(row["release_basis"]) if row["release_basis"] else None,
                release_evidence=[item.strip() for item in row["release_evidence"].split(";") if item.strip()],
                release_notes=row["release_notes"] or None,
            )
        )
    session.flush()
    return len(rows)


def load_seed(*, session: Session, console: Console) -> bool:
    """Load everything in one transaction; an already-seeded database is left alone (returns False)."""
    if session.scalar(select(LocalAuthority.id).limit(1)) is not None:
        return False
    count = load_local_authorities(session)
    console.print(f"loaded {count} local authorities")
    return True
