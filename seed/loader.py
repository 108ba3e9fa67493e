"""Load the seed data (CSV files beside this module) into an empty database, in the caller's transaction."""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.models import (
    Agreement,
    Contribution,
    ContributionEvent,
    EventKind,
    LocalAuthority,
    Movement,
    MovementKind,
    Purpose,
    Regime,
    ReleaseBasis,
    TriggerType,
)

SEED_DIR = Path(__file__).resolve().parent
RECORDED_BY = "seed"


def _rows(name: str) -> list[dict[str, str]]:
    with (SEED_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _optional_int(text: str) -> int | None:
    return int(text) if text else None


def load_local_authorities(session: Session, rows: list[dict[str, str]] | None = None) -> None:
    """The nine authorities and their release rules; an authority already present takes the seed's details."""
    for row in rows if rows is not None else _rows("local_authorities.csv"):
        authority = session.get(LocalAuthority, row["id"]) or LocalAuthority(id=row["id"])
        authority.name = row["name"]
        authority.organisation = row["organisation"] or None
        authority.regime = Regime(row["regime"])
        authority.release_basis = ReleaseBasis(row["release_basis"]) if row["release_basis"] else None
        authority.release_evidence = [item.strip() for item in row["release_evidence"].split(";") if item.strip()]
        authority.release_notes = row["release_notes"] or None
        session.add(authority)
    session.flush()


def load_agreements(session: Session, rows: list[dict[str, str]]) -> dict[str, int]:
    """Agreements, returning their ids by seed key."""
    agreements = {
        row["key"]: Agreement(
            local_authority_id=row["local_authority_id"],
            reference=row["reference"],
            site=row["site"],
            developer=row["developer"] or None,
            signed_on=date.fromisoformat(row["signed_on"]),
            dwellings=_optional_int(row["dwellings"]),
            closed_on=date.fromisoformat(row["closed_on"]) if row["closed_on"] else None,
            notes=row["notes"] or None,
            created_by=RECORDED_BY,
        )
        for row in rows
    }
    session.add_all(agreements.values())
    session.flush()
    return {key: agreement.id for key, agreement in agreements.items()}


def load_contributions(session: Session, rows: list[dict[str, str]], agreement_ids: dict[str, int]) -> dict[str, int]:
    """Contributions, returning their ids by seed key."""
    contributions = {
        row["key"]: Contribution(
            agreement_id=agreement_ids[row["agreement"]],
            purpose=Purpose(row["purpose"]),
            trigger_type=TriggerType(row["trigger_type"]),
            trigger_threshold=_optional_int(row["trigger_threshold"]),
            trigger_description=row["trigger_description"] or None,
            repayment_period_years=_optional_int(row["repayment_period_years"]),
            notes=row["notes"] or None,
            created_by=RECORDED_BY,
        )
        for row in rows
    }
    session.add_all(contributions.values())
    session.flush()
    return {key: contribution.id for key, contribution in contributions.items()}


def movement_values(rows: list[dict[str, str]], contribution_ids: dict[str, int]) -> list[dict[str, Any]]:
    """Movement rows ready for one bulk insert."""
    return [
        {
            "contribution_id": contribution_ids[row["contribution"]],
            "kind": MovementKind(row["kind"]),
            "amount": Decimal(row["amount"]),
            "on": date.fromisoformat(row["on"]),
            "reference": row["reference"] or None,
            "note": row["note"] or None,
            "adjustment": False,
            "recorded_by": RECORDED_BY,
        }
        for row in rows
    ]


def event_values(rows: list[dict[str, str]], contribution_ids: dict[str, int]) -> list[dict[str, Any]]:
    """Event rows ready for one bulk insert."""
    return [
        {
            "contribution_id": contribution_ids[row["contribution"]],
            "kind": EventKind(row["kind"]),
            "on": date.fromisoformat(row["on"]),
            "note": row["note"] or None,
            "recorded_by": RECORDED_BY,
        }
        for row in rows
    ]


def load_seed(*, session: Session, console: Console) -> bool:
    """Load everything in the caller's one transaction; a database that has agreements is left alone (False).

    Authorities already present (a token's authority, say) are updated, not duplicated. Movements are
    inserted in bulk rather than through record_movement for speed; the seed's tests walk every month
    end to prove they keep the ledger's rules.
    """
    if session.scalar(select(Agreement.id).limit(1)) is not None:
        return False
    files = ["local_authorities", "agreements", "contributions", "movements", "events"]
    data = {name: _rows(f"{name}.csv") for name in files}
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("seeding", total=sum(len(rows) for rows in data.values()))

        def done(name: str) -> None:
            progress.update(task, advance=len(data[name]), description=f"loaded {name.replace('_', ' ')}")

        load_local_authorities(session, data["local_authorities"])
        done("local_authorities")
        agreement_ids = load_agreements(session, data["agreements"])
        done("agreements")
        contribution_ids = load_contributions(session, data["contributions"], agreement_ids)
        done("contributions")
        session.execute(insert(Movement), movement_values(data["movements"], contribution_ids))
        done("movements")
        session.execute(insert(ContributionEvent), event_values(data["events"], contribution_ids))
        done("events")
    session.flush()
    console.print(", ".join(f"{len(data[name])} {name.replace('_', ' ')}" for name in files) + " loaded")
    return True
