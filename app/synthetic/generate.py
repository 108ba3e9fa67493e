"""A synthetic ledger at national scale, bulk-loaded in one transaction, for benchmarks and crash tests.

Every contribution's movements obey the money rules in date order: it is secured on signing, maybe
index-linked, received in parts, then drawn, spent and sometimes partly returned, never more than held.
"""

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.errors import ConflictError
from app.instalments import service as instalments
from app.ledger import rollup
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
from app.money import CENT

GENERATED_BY = "synthetic generator"
AGREEMENTS_PER_CHUNK = 2_000
FIRST_SIGNED = date(2005, 1, 1)

# The order of a contribution's movements; a contribution with fewer keeps the first ones.
PATTERN = (
    MovementKind.secured,
    MovementKind.received,
    MovementKind.drawn,
    MovementKind.spent,
    MovementKind.indexation,
    MovementKind.received,
    MovementKind.drawn,
    MovementKind.spent,
    MovementKind.returned,
    MovementKind.received,
)


@dataclass(frozen=True)
class Scale:
    """How much to generate; `national(1.0)` is 300 authorities, 100,000 agreements, 3,000,000 movements."""

    authorities: int
    agreements: int
    contributions_per_agreement: int = 3
    movements_per_contribution: int = 10

    @classmethod
    def national(cls, factor: Decimal) -> "Scale":
        """The national shape, every count multiplied by the factor (authorities at least nine)."""
        return cls(authorities=max(9, round(300 * factor)), agreements=max(1, round(100_000 * factor)))

    @property
    def contributions(self) -> int:
        """How many contributions in all."""
        return self.agreements * self.contributions_per_agreement

    @property
    def movements(self) -> int:
        """How many movements in all."""
        return self.contributions * self.movements_per_contribution


@dataclass
class Rows:
    """One chunk of rows per table, in foreign-key order."""

    agreements: list[tuple[Any, ...]]
    contributions: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    movements: list[tuple[Any, ...]]


COLUMNS: dict[str, tuple[str, ...]] = {
    LocalAuthority.__tablename__: ("id", "name", "organisation", "regime", "release_basis", "release_evidence"),
    Agreement.__tablename__: (
        "id",
        "local_authority_id",
        "reference",
        "site",
        "developer",
        "signed_on",
        "dwellings",
        "created_by",
    ),
    Contribution.__tablename__: (
        "id",
        "agreement_id",
        "purpose",
        "trigger_type",
        "trigger_threshold",
        "repayment_period_years",
        "created_by",
    ),
    ContributionEvent.__tablename__: ("id", "contribution_id", "kind", "on", "recorded_by"),
    Movement.__tablename__: ("id", "contribution_id", "kind", "amount", "on", "adjustment", "recorded_by"),
}


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def _share(rng: random.Random, low: str, high: str) -> Decimal:
    """A random fraction between two bounds, in steps of a hundredth of a percent (exact, never a float)."""
    steps = rng.randint(int(Decimal(low) * 10_000), int(Decimal(high) * 10_000))
    return Decimal(steps) / 10_000


def _split(total: Decimal, parts: int, rng: random.Random) -> list[Decimal]:
    """Split an amount into positive parts that add up to it exactly."""
    if parts <= 1 or total < parts * CENT * 2:
        return [total] if parts >= 1 else []
    weights = [_share(rng, "0.5", "1.5") for _ in range(parts)]
    scale = sum(weights)
    shares = [(total * weight / scale).quantize(CENT) for weight in weights[:-1]]
    shares = [max(share, CENT) for share in shares]
    return [*shares, total - sum(shares)]


def _movements_of(
    kinds: Sequence[MovementKind], signed_on: date, today: date, rng: random.Random
) -> Iterator[tuple[MovementKind, Decimal, date]]:
    """A contribution's movements in date order, obeying the rules at every date."""
    secured = Decimal(rng.randrange(1_000_00, 500_000_00)) / 100
    indexation = (secured * _share(rng, "0.02", "0.15")).quantize(CENT)
    total = secured + (indexation if MovementKind.indexation in kinds else 0)
    receipts = _split((total * _share(rng, "0.5", "1.0")).quantize(CENT), kinds.count(MovementKind.received), rng)
    received_total = sum(receipts, Decimal(0))
    drawn_total = (received_total * _share(rng, "0.3", "0.9")).quantize(CENT)
    returned_total = ((received_total - drawn_total) * _share(rng, "0.05", "0.3")).quantize(CENT)
    draws = _split(drawn_total, kinds.count(MovementKind.drawn), rng)
    spends = _split((drawn_total * _share(rng, "0.5", "1.0")).quantize(CENT), kinds.count(MovementKind.spent), rng)
    # Money taken out must already be held: all receipts first, then draws and returns, then spend.
    ordered = [(MovementKind.secured, secured)]
    if MovementKind.indexation in kinds:
        ordered.append((MovementKind.indexation, indexation))
    ordered += [(MovementKind.received, amount) for amount in receipts]
    ordered += [(MovementKind.drawn, amount) for amount in draws]
    if MovementKind.returned in kinds:
        ordered.append((MovementKind.returned, returned_total))
    ordered += [(MovementKind.spent, amount) for amount in spends]
    span = max((today - signed_on).days, 1)
    offsets = sorted(rng.randrange(span) for _ in ordered[1:])
    yield ordered[0][0], ordered[0][1], signed_on
    for (kind, amount), offset in zip(ordered[1:], offsets, strict=True):
        if amount > 0:
            yield kind, amount, signed_on + timedelta(days=offset)


def authority_rows(scale: Scale) -> list[tuple[Any, ...]]:
    """The synthetic authorities."""
    bases = (ReleaseBasis.in_advance.value, ReleaseBasis.in_arrears.value)
    return [
        (f"authority-{number:04d}", f"Authority {number:04d}", None, Regime.s106.value, bases[number % 2], "[]")
        for number in range(1, scale.authorities + 1)
    ]


def chunks(scale: Scale, *, first_ids: dict[str, int], today: date, seed: int) -> Iterator[Rows]:
    """The agreements and everything under them, a chunk of agreements at a time."""
    rng = random.Random(seed)
    purposes = [purpose.value for purpose in Purpose]
    triggers = [trigger.value for trigger in TriggerType]
    kinds = PATTERN[: scale.movements_per_contribution]
    span = (today - FIRST_SIGNED).days
    next_id = dict(first_ids)
    for start in range(0, scale.agreements, AGREEMENTS_PER_CHUNK):
        rows = Rows([], [], [], [])
        for number in range(start, min(start + AGREEMENTS_PER_CHUNK, scale.agreements)):
            agreement_id = next_id["agreements"]
            next_id["agreements"] += 1
            signed_on = FIRST_SIGNED + timedelta(days=rng.randrange(span))
            authority = f"authority-{number % scale.authorities + 1:04d}"
            rows.agreements.append(
                (
                    agreement_id,
                    authority,
                    f"SYN/{number:07d}",
                    f"Site {number}",
                    "Example Homes Ltd",
                    signed_on,
                    120,
                    GENERATED_BY,
                )
            )
            for _ in range(scale.contributions_per_agreement):
                contribution_id = next_id["contributions"]
                next_id["contributions"] += 1
                rows.contributions.append(
                    (contribution_id, agreement_id, rng.choice(purposes), rng.choice(triggers), None, 10, GENERATED_BY)
                )
                if rng.randrange(10) < 7:
                    started = signed_on + timedelta(days=rng.randrange(max((today - signed_on).days, 1)))
                    rows.events.append(
                        (
                            next_id["contribution_events"],
                            contribution_id,
                            EventKind.development_started.value,
                            started,
                            GENERATED_BY,
                        )
                    )
                    next_id["contribution_events"] += 1
                for kind, amount, on in _movements_of(kinds, signed_on, today, rng):
                    rows.movements.append(
                        (next_id["movements"], contribution_id, kind.value, _money(amount), on, False, GENERATED_BY)
                    )
                    next_id["movements"] += 1
        yield rows


class BulkWriter:
    """Bulk inserts on the session's own connection and transaction: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()
        self.dialect = self.connection.dialect.name
        self.driver = self.connection.connection.driver_connection

    def insert(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        """Insert rows whose values follow COLUMNS[table]."""
        if not rows:
            return
        columns = COLUMNS[table]
        quoted = ", ".join(f'"{column}"' for column in columns)
        if self.dialect == "postgresql":
            cursor = self.driver.cursor()  # type: ignore[union-attr]
            with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" for _ in columns)
        adapted = [tuple(value.isoformat() if isinstance(value, date) else value for value in row) for row in rows]
        self.driver.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", adapted)  # type: ignore[union-attr]

    def reset_sequences(self, tables: Sequence[str]) -> None:
        """Move PostgreSQL's id sequences past the ids written explicitly."""
        if self.dialect != "postgresql":
            return
        for table in tables:
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            self.connection.execute(text(f"SELECT setval({sequence}, coalesce(max(id), 0) + 1, false) FROM {table}"))


def generate(
    *,
    session: Session,
    scale: Scale,
    seed: int = 106,
    today: date | None = None,
    on_chunk: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Write the synthetic ledger into a database without agreements; returns the rows written per table."""
    if session.scalar(select(Agreement.id).limit(1)) is not None:
        raise ConflictError("the database already holds agreements; generate into an empty one", field="database")
    writer = BulkWriter(session)
    counts = {"local_authorities": 0, "agreements": 0, "contributions": 0, "contribution_events": 0, "movements": 0}
    authorities = authority_rows(scale)
    existing = set(session.scalars(select(LocalAuthority.id)))
    writer.insert("local_authorities", [row for row in authorities if row[0] not in existing])
    counts["local_authorities"] = len(authorities)
    first_ids = {
        table: (session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1
        for table, model in (
            ("agreements", Agreement),
            ("contributions", Contribution),
            ("contribution_events", ContributionEvent),
            ("movements", Movement),
        )
    }
    for rows in chunks(scale, first_ids=first_ids, today=today or date.today(), seed=seed):
        writer.insert("agreements", rows.agreements)
        writer.insert("contributions", rows.contributions)
        writer.insert("contribution_events", rows.events)
        writer.insert("movements", rows.movements)
        counts["agreements"] += len(rows.agreements)
        counts["contributions"] += len(rows.contributions)
        counts["contribution_events"] += len(rows.events)
        counts["movements"] += len(rows.movements)
        if on_chunk is not None:
            on_chunk("agreements", len(rows.agreements))
    writer.reset_sequences(["agreements", "contributions", "contribution_events", "movements"])
    instalments.give_bare_contributions_one_instalment(session, recorded_by="synthetic generator")
    # Bulk inserts pass the rollup's upkeep by, so it is derived whole from what was written.
    rollup.rebuild(session)
    return counts
