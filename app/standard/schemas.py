"""The import report and export parameters, as the CLI prints them and the API returns them."""

from enum import StrEnum

from pydantic import BaseModel, Field, computed_field

from app.ids import RowId
from app.money import Money

AGREEMENT_DATASET = "developer-agreement"
CONTRIBUTION_DATASET = "developer-agreement-contribution"
TRANSACTION_DATASET = "developer-agreement-transaction"


class Dataset(StrEnum):
    """The three files of the developer-contributions data package."""

    developer_agreement = AGREEMENT_DATASET
    developer_agreement_contribution = CONTRIBUTION_DATASET
    developer_agreement_transaction = TRANSACTION_DATASET


class ExportFormat(StrEnum):
    """How exported files are written."""

    csv = "csv"
    xlsx = "xlsx"


class Issue(BaseModel):
    """One thing the import noticed about a row (or a whole file, when line is null)."""

    file: str
    line: int | None = Field(default=None, description="the first line it applies to")
    lines: list[int] = Field(default=[], description="every line it applies to (a warning may repeat)")
    message: str


class FileSummary(BaseModel):
    """What one file held and what became of its rows."""

    file: str
    dataset: str
    rows: int = Field(description="rows with data (blank rows are not counted)")
    imported: int = Field(description="rows written to the ledger by this run")
    unchanged: int = Field(description="rows already in the ledger from an earlier import")
    not_imported: int = Field(description="rows read but deliberately left out (another purpose, no status...)")
    errors: int = Field(description="rows that could not be understood (listed under errors)")
    left_out: dict[str, int] = Field(
        default={}, description="the rows not imported (errors and deliberate leave-outs), counted by reason"
    )


class Created(BaseModel):
    """Ledger rows written by the run."""

    agreements: int = 0
    contributions: int = 0
    events: int = 0
    movements: int = 0
    adjustments: int = Field(default=0, description="movements flagged as adjustments keeping published figures")


class Discrepancy(BaseModel):
    """A contribution whose published figures do not add up, imported as published."""

    file: str
    line: int
    agreement_reference: str
    contribution_reference: str
    contribution_id: RowId | None
    secured: Money
    received: Money
    transferred: Money
    spent: Money
    returned: Money
    problems: list[str]
    adjustments: list[str] = Field(description="the flagged adjustment movements that keep the figures as published")


class Comparison(BaseModel):
    """An agreement the ledger keeps by hand, beside the authority's published figures for it."""

    agreement_id: RowId
    agreement_reference: str
    published_secured: Money = Field(description="the published contributions' amounts (superseded ones left out)")
    published_received: Money
    published_transferred: Money
    published_spent: Money
    ledger_total_value: Money
    ledger_received: Money = Field(description="received by the local authority, in the ledger today")
    ledger_drawn: Money
    ledger_spent: Money
    differences: list[str] = Field(description="each figure that differs, published against the ledger")


class ImportReport(BaseModel):
    """Everything an import read, wrote, warned about and refused."""

    local_authority_id: str | None = Field(description="the authority whose files these are (null for a register)")
    dry_run: bool
    committed: bool = Field(description="whether the run's writes were kept (false for a dry run)")
    purposes: list[str] = Field(description="national purposes imported as the force's contributions")
    files: list[FileSummary] = []
    created: Created = Created()
    warnings: list[Issue] = []
    errors: list[Issue] = []
    discrepancies: list[Discrepancy] = []
    comparisons: list[Comparison] = Field(
        default=[], description="agreements kept by hand, checked against the published figures (nothing imported)"
    )

    @computed_field(  # type: ignore[prop-decorator]
        description="rows in error, left out of the ledger: when any, the import is incomplete (a strict run "
        "writes nothing at all)"
    )
    @property
    def rows_left_out(self) -> int:
        """How many rows could not be understood, so were not written."""
        return sum(summary.errors for summary in self.files)


class ContributionComparison(BaseModel):
    """One police contribution as the authority publishes it, beside the force's ledger."""

    file: str
    line: int
    agreement_reference: str
    contribution_reference: str
    contribution_id: RowId | None = Field(description="the ledger's contribution (null when it has none)")
    published_secured: Money
    published_received: Money
    published_transferred: Money
    published_spent: Money
    ledger_total_value: Money
    ledger_received: Money = Field(description="received by the local authority, in the ledger as at the date")
    ledger_drawn: Money = Field(description="drawn by the force (what the authority published as transferred)")
    ledger_spent: Money
    differences: list[str] = Field(description="each figure that differs, published against the ledger")


class AuthorityComparison(BaseModel):
    """What an authority's files say it holds for the force, contribution by contribution, beside the ledger."""

    local_authority_id: str
    as_at: str
    purposes: list[str]
    contributions: list[ContributionComparison]
    published_received: Money
    published_transferred: Money
    published_spent: Money
    ledger_received: Money
    ledger_drawn: Money
    ledger_spent: Money
    agreeing: int = Field(description="contributions whose published figures match the ledger's")
    differing: int = Field(description="contributions with a difference, each named")
    warnings: list[Issue] = []
    errors: list[Issue] = Field(default=[], description="rows of the files that could not be read or matched")
