"""The Panel's table layouts, and reconciliation of a printed table: pure functions, no database.

Like beancount's balance checks, `reconcile` returns a list of findings, one per cell compared with the
ledger (the printed figure beside the ledger's) and one per fault in the printed table's own arithmetic
(the printed figure beside what its sums require). The difference is always printed less the other.
"""

import csv
import enum
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from app.errors import RuleError
from app.money import ZERO, parse_money

POUND = Decimal("1")
HALF_POUND = Decimal("0.5")


class Layout(enum.StrEnum):
    """The two tables the Panel has published."""

    panel_2021 = "2021"
    panel_2024 = "2024"


@dataclass(frozen=True)
class Column:
    """One published column: its CSV name, its printed heading, and whether it is money or a count."""

    key: str
    heading: str
    money: bool = True


COLUMNS: dict[Layout, tuple[Column, ...]] = {
    Layout.panel_2021: (
        Column("total_value_of_agreements", "Total value of agreements (includes indexed amount)"),
        Column("number_of_agreements", "Total number of agreements", money=False),
        Column("held_by_local_authority", "Amount held by local authorities"),
        Column("held_premises", "- Premises"),
        Column("held_equipment", "- Equipment (includes ANPR, CCTV, IT)"),
        Column("held_vehicles", "- Vehicles"),
        Column("held_crime_prevention", "- Crime prevention (target hardening)"),
        Column("held_policing_requirements_linked_to_development", "- Policing requirements linked to development"),
        Column("held_policing_in_area", "- Policing in area (can support capital expenditure)"),
        Column("held_no_prescription", "- No prescription"),
        Column("drawn_down_by_force", "Amount drawn down by Leicestershire Police"),
        Column("not_yet_released_by_developers", "Amount not yet released to local authorities from developers"),
        Column(
            "may_not_be_released_trigger_point", "Amount that may not be released due to the development trigger point"
        ),
    ),
    Layout.panel_2024: (
        Column("open_agreements", "No. open agreements", money=False),
        Column("total_value_of_agreements", "Total value of agreements"),
        Column("project_not_yet_started", "Project not yet started"),
        Column("money_held_by_developers", "Money held by developers"),
        Column("money_held_by_local_authority", "Money held by local authority"),
        Column("total_money_drawn_down", "Total money drawn down"),
        Column("total_money_spent", "Total money spent"),
        Column("total_funds_remaining", "Total funds remaining"),
    ),
}
HELD_BY_PURPOSE = {
    "held_premises": "premises",
    "held_equipment": "equipment",
    "held_vehicles": "vehicles",
    "held_crime_prevention": "crime_prevention",
    "held_policing_requirements_linked_to_development": "policing_requirements",
    "held_policing_in_area": "policing_in_area",
    "held_no_prescription": "no_prescription",
}
HEADINGS = {
    Layout.panel_2021: "S106 Agreements",
    Layout.panel_2024: "S106 open agreements by local authority",
}
"""Each layout's printed heading; the printed title adds " - as at 26/01/2021"."""
TOTAL_LABEL = "Total"
COUNT_COLUMNS = frozenset(column.key for columns in COLUMNS.values() for column in columns if not column.money)


@dataclass
class PanelRow:
    """One row of a Panel table: a label as printed and a figure per column."""

    label: str
    values: dict[str, Decimal]
    local_authority_id: str | None = None


@dataclass
class PanelTable:
    """A Panel table: authority rows in order, and the Total row."""

    layout: Layout
    as_at: date
    rows: list[PanelRow]
    total: PanelRow | None
    open_only: bool = False
    columns: tuple[Column, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.columns:
            self.columns = COLUMNS[self.layout]

    @property
    def heading(self) -> str:
        """The layout's printed heading, without its date."""
        return HEADINGS[self.layout]

    @property
    def title(self) -> str:
        """The table's title as the Panel prints it, saying as at when."""
        return f"{self.heading} - as at {self.as_at:%d/%m/%Y}"


class Check(enum.StrEnum):
    """What a finding checked."""

    cell = "cell"
    unmatched_row = "unmatched_row"
    row_parts = "row_parts"
    held_by_purpose = "held_by_purpose"
    remaining = "remaining"
    spent_above_drawn = "spent_above_drawn"
    column_total = "column_total"


class Verdict(enum.StrEnum):
    """Whether the figures agree within the tolerance."""

    matches = "matches"
    differs = "differs"


@dataclass(frozen=True)
class Finding:
    """One check: expected (the ledger's figure, or what the sums require), actual (printed), their difference."""

    check: Check
    row: str
    column: str
    expected: Decimal
    actual: Decimal
    difference: Decimal
    tolerance: Decimal
    verdict: Verdict
    message: str

    @property
    def is_fault(self) -> bool:
        """A fault in the printed table's own arithmetic, as opposed to a cell compared with the ledger."""
        return self.check not in (Check.cell, Check.unmatched_row) and self.verdict is Verdict.differs

    @property
    def printed(self) -> Decimal | None:
        """The figure the published table prints (none for a row only one side has)."""
        return None if self.check is Check.unmatched_row else self.actual

    @property
    def ledger(self) -> Decimal | None:
        """The ledger's figure for a cell (none for a fault in the table's own sums, or an unmatched row)."""
        return self.expected if self.check is Check.cell else None


def _finding(
    check: Check, row: str, column: str, expected: Decimal, actual: Decimal, tolerance: Decimal, message: str
) -> Finding:
    difference = actual - expected
    verdict = Verdict.matches if abs(difference) <= tolerance else Verdict.differs
    return Finding(check, row, column, expected, actual, difference, tolerance, verdict, message)


def _unmatched(row: str, message: str) -> Finding:
    """A row only one side has: it always differs, whatever its figures."""
    return Finding(Check.unmatched_row, row, "", ZERO, ZERO, ZERO, ZERO, Verdict.differs, message)


def normalise_label(label: str) -> str:
    """A row label reduced for matching: 'NW Leics', 'North West Leicestershire District Council' agree."""
    text = label.lower().replace("&", " and ").replace("-", " ")
    text = re.sub(r"\b(district|borough|county|city) council\b", "", text)
    text = re.sub(r"\bnw leics\b", "north west leicestershire", text)
    return " ".join(text.split())


def short_name(name: str) -> str:
    """An authority's name as the Panel prints it: 'Blaby District Council' -> 'Blaby'."""
    return re.sub(r"\s+(District|Borough|County|City) Council$", "", name)


def compare(printed: PanelTable, computed: PanelTable) -> list[Finding]:
    """Every printed cell against the ledger's: within £1 of rounding for a row, more for a Total row."""
    findings: list[Finding] = []
    ours = {normalise_label(row.label): row for row in computed.rows}
    ours.update({normalise_label(row.local_authority_id): row for row in computed.rows if row.local_authority_id})
    seen: set[int] = set()
    # A Total adds n figures each rounded to the pound, so it may be off by up to n halves of a pound.
    total_tolerance = max(POUND, HALF_POUND * len(printed.rows))
    pairs: list[tuple[PanelRow, PanelRow, Decimal]] = []
    for row in printed.rows:
        match = ours.get(normalise_label(row.label))
        if match is None:
            findings.append(_unmatched(row.label, f"no authority '{row.label}' in the ledger"))
            continue
        seen.add(id(match))
        pairs.append((row, match, POUND))
    for row in computed.rows:
        if id(row) not in seen and any(row.values.values()):
            findings.append(
                _unmatched(row.label, f"the ledger has figures for {row.label}, which the printed table does not list")
            )
    if printed.total is not None and computed.total is not None:
        pairs.append((printed.total, computed.total, total_tolerance))
    for printed_row, computed_row, tolerance in pairs:
        for column in printed.columns:
            ledger = computed_row.values.get(column.key, ZERO)
            figure = printed_row.values.get(column.key, ZERO)
            findings.append(
                _finding(
                    Check.cell,
                    printed_row.label,
                    column.key,
                    ledger,
                    figure,
                    tolerance if column.money else ZERO,
                    f"{printed_row.label}, {column.heading}: printed {figure}, ledger {ledger}",
                )
            )
    return findings


def _sum(row: PanelRow, keys: list[str]) -> Decimal:
    return sum((row.values.get(key, ZERO) for key in keys), ZERO)


def table_faults(printed: PanelTable) -> list[Finding]:
    """The printed table's own arithmetic, each identity within rounding; only the failures are returned."""
    checks: list[Finding] = []
    for row in printed.rows:
        value = row.values.get
        if printed.layout is Layout.panel_2021:
            parts = ["held_by_local_authority", "drawn_down_by_force", "not_yet_released_by_developers"]
            parts.append("may_not_be_released_trigger_point")
            checks.append(
                _finding(
                    Check.row_parts,
                    row.label,
                    "total_value_of_agreements",
                    _sum(row, parts),
                    value("total_value_of_agreements", ZERO),
                    POUND,
                    f"{row.label}: total value is not held + drawn + not yet released + may not be released",
                )
            )
            checks.append(
                _finding(
                    Check.held_by_purpose,
                    row.label,
                    "held_by_local_authority",
                    _sum(row, list(HELD_BY_PURPOSE)),
                    value("held_by_local_authority", ZERO),
                    POUND,
                    f"{row.label}: held by the authority is not the sum of the seven purposes",
                )
            )
            continue
        parts = ["project_not_yet_started", "money_held_by_developers", "money_held_by_local_authority"]
        parts.append("total_money_drawn_down")
        total, spent, drawn = (
            value("total_value_of_agreements", ZERO),
            value("total_money_spent", ZERO),
            value("total_money_drawn_down", ZERO),
        )
        checks.append(
            _finding(
                Check.row_parts,
                row.label,
                "total_value_of_agreements",
                _sum(row, parts),
                total,
                POUND,
                f"{row.label}: total value is not not-yet-started + held by developers + held by LA + drawn",
            )
        )
        checks.append(
            _finding(
                Check.remaining,
                row.label,
                "total_funds_remaining",
                total - spent,
                value("total_funds_remaining", ZERO),
                POUND,
                f"{row.label}: funds remaining is not total value less spent ({total} - {spent})",
            )
        )
        if spent > drawn + POUND:
            checks.append(
                _finding(
                    Check.spent_above_drawn,
                    row.label,
                    "total_money_spent",
                    drawn,
                    spent,
                    ZERO,
                    f"{row.label}: spent {spent} exceeds drawn {drawn} by {spent - drawn}: "
                    "forward-funded spend awaiting release by the authority",
                )
            )
    if printed.total is not None:
        # The Total row's own identities follow from its rows' and its column sums, so only the sums are checked.
        tolerance = max(POUND, HALF_POUND * len(printed.rows))
        for column in printed.columns:
            checks.append(
                _finding(
                    Check.column_total,
                    printed.total.label,
                    column.key,
                    sum((row.values.get(column.key, ZERO) for row in printed.rows), ZERO),
                    printed.total.values.get(column.key, ZERO),
                    tolerance if column.money else ZERO,
                    f"the Total of {column.heading} is not the sum of its column",
                )
            )
    return [finding for finding in checks if finding.verdict is Verdict.differs]


def reconcile(printed: PanelTable, computed: PanelTable) -> list[Finding]:
    """Every cell compared with the ledger, then the printed table's own faults."""
    return compare(printed, computed) + table_faults(printed)


def _cell(text: str, row: str, column: str) -> Decimal:
    cleaned = text.strip()
    if cleaned in ("", "-", "–"):
        return ZERO
    try:
        # A printed deduction such as "(737,975)" is the amount spent, not a negative one.
        return abs(parse_money(cleaned))
    except ValueError as error:
        raise RuleError(f"row '{row}', column '{column}': '{text}' is not a number", field="file") from error


def parse_table(text: str, *, as_at: date) -> PanelTable:
    """A published table from CSV in either layout (found from its header); a Total row is optional."""
    if not text.lstrip("\ufeff").strip():
        raise RuleError("the file is empty", field="file")
    # newline="" as the csv module asks, so a bare carriage return ends a line rather than breaking the reader.
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = [name.strip() for name in reader.fieldnames or []]
        records = list(reader)
    except csv.Error as error:
        raise RuleError(f"the file cannot be read as CSV: {error}", field="file") from None
    if not header or header[0] != "local_authority":
        raise RuleError("the CSV's first column must be 'local_authority'", field="file")
    layout = next((layout for layout, columns in COLUMNS.items() if {c.key for c in columns} == set(header[1:])), None)
    if layout is None:
        expected = " or ".join(",".join(["local_authority", *(c.key for c in COLUMNS[lay])]) for lay in Layout)
        raise RuleError(f"the CSV's header matches neither published layout; expected {expected}", field="file")
    rows: list[PanelRow] = []
    total: PanelRow | None = None
    labels: set[str] = set()
    for raw in records:
        cells = {(key or "").strip(): (value or "") for key, value in raw.items()}
        label = cells["local_authority"].strip()
        if not label:
            raise RuleError("every row needs a local_authority", field="file")
        if normalise_label(label) in labels:
            raise RuleError(f"the row '{label}' appears twice", field="file")
        labels.add(normalise_label(label))
        row = PanelRow(label, {column: _cell(cells.get(column, ""), label, column) for column in header[1:]})
        if label.lower() in ("total", "totals"):
            total = row
        else:
            rows.append(row)
    if not rows:
        raise RuleError("the CSV has no authority rows", field="file")
    return PanelTable(layout=layout, as_at=as_at, rows=rows, total=total, open_only=layout is Layout.panel_2024)
