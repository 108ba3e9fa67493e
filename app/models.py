"""The tables. Money lives only in `movements`; every balance is a sum over it."""

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.enums import (
    AlertKind,
    AnswerStep,
    BidOutcome,
    CapitalCategory,
    DocumentKind,
    DocumentOwner,
    DrawdownStatus,
    EventKind,
    FormulaItem,
    InvestmentStatus,
    MovementKind,
    ProjectFunding,
    ProjectStage,
    ProposalStatus,
    Purpose,
    Regime,
    ReleaseBasis,
    Role,
    ThresholdUnit,
    TriggerType,
)
from app.enums import (
    DwellingType as DwellingType,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp read back as UTC-aware on every engine (SQLite returns naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Attach UTC to SQLite's naive CURRENT_TIMESTAMP values."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base: Decimal is Numeric(14, 2), enums are stored as their values."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        Decimal: Numeric(14, 2),
        enum.Enum: Enum(enum.Enum, native_enum=False, validate_strings=True),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


def table_of(model: type[Base]) -> Table:
    """A model's table: a bulk insert into it passes the ORM's per-row work by."""
    return Base.metadata.tables[model.__tablename__]


class LocalAuthority(Base):
    """A local planning authority that secures and holds contributions for the force."""

    __tablename__ = "local_authorities"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(64))
    regime: Mapped[Regime]
    release_basis: Mapped[ReleaseBasis | None]
    release_evidence: Mapped[list[Any]] = mapped_column(default=list)
    release_notes: Mapped[str | None] = mapped_column(Text)
    evidence_kinds: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    """The document kinds (DocumentKind values) a request must carry before it is submitted."""
    own_template: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Whether the authority wants its request on its own template (a drawdown_letter document)."""
    response_days: Mapped[int | None]
    """How many days the authority usually takes to answer a request."""
    dwellings_per_year: Mapped[int | None]
    """The build rate the forecast assumes for the authority's sites without recorded progress; None: the fallback."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())

    agreements: Mapped[list["Agreement"]] = relationship(back_populates="local_authority")


class BalanceConfirmation(Base):
    """What an authority confirms it holds for the force at a date, set beside the ledger's figure."""

    __tablename__ = "balance_confirmations"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    local_authority_id: Mapped[str] = mapped_column(ForeignKey("local_authorities.id"), index=True)
    as_at: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal]
    """Pounds the authority says it holds for the force at as_at, not negative."""
    note: Mapped[str | None] = mapped_column(Text)
    by_force: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Whether the force's officer recorded it from the authority's letter, not its planning officer."""
    letter_dated: Mapped[date | None] = mapped_column(Date)
    letter_reference: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    recorded_by: Mapped[str] = mapped_column(String(200))


class Agreement(Base):
    """A signed Section 106 agreement (or CIL allocation) on one site."""

    __tablename__ = "agreements"
    __table_args__ = (UniqueConstraint("local_authority_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    local_authority_id: Mapped[str] = mapped_column(ForeignKey("local_authorities.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))
    site: Mapped[str] = mapped_column(String(300))
    developer: Mapped[str | None] = mapped_column(String(300))
    signed_on: Mapped[date] = mapped_column(Date)
    dwellings: Mapped[int | None]
    closed_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    planning_application: Mapped[str | None] = mapped_column(String(100))
    agreement_type: Mapped[str] = mapped_column(String(64), default="section-106", server_default="section-106")
    document_url: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(200))

    local_authority: Mapped[LocalAuthority] = relationship(back_populates="agreements")
    contributions: Mapped[list["Contribution"]] = relationship(back_populates="agreement")


class Contribution(Base):
    """One payable obligation of an agreement (a 'covenant' in the Panel reports)."""

    __tablename__ = "contributions"
    __table_args__ = (
        CheckConstraint("trigger_threshold IS NULL OR trigger_threshold >= 0", name="threshold_not_negative"),
        CheckConstraint(
            "repayment_period_years IS NULL OR repayment_period_years > 0",
            name="repayment_period_positive",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    purpose: Mapped[Purpose]
    trigger_type: Mapped[TriggerType]
    trigger_threshold: Mapped[int | None]
    trigger_description: Mapped[str | None] = mapped_column(Text)
    spend_by: Mapped[date | None] = mapped_column(Date)
    repayment_period_years: Mapped[int | None]
    index_series: Mapped[str | None] = mapped_column(String(64))
    index_base_month: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    clause_text: Mapped[str | None] = mapped_column(Text)
    """The agreement's wording for this obligation: its purpose and what the money may be spent on."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(200))

    agreement: Mapped[Agreement] = relationship(back_populates="contributions")


class ContributionEvent(Base):
    """A dated stage change with no money: development started, trigger met, at risk, cleared."""

    __tablename__ = "contribution_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), index=True)
    kind: Mapped[EventKind]
    on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    recorded_by: Mapped[str] = mapped_column(String(200))


class Instalment(Base):
    """One tranche of a contribution's money: its share and the trigger at which it is payable.

    The shares of a schedule are all percentages or all amounts; what each instalment is worth is worked out
    from the contribution's total value in the ledger (app/instalments/service.py), so they always sum to it.
    """

    __tablename__ = "instalments"
    __table_args__ = (
        UniqueConstraint("contribution_id", "position"),
        CheckConstraint("position > 0", name="position_positive"),
        CheckConstraint("(share_percent IS NULL) <> (share_amount IS NULL)", name="one_share"),
        CheckConstraint("share_percent IS NULL OR (share_percent >= 0 AND share_percent <= 100)", name="percent_range"),
        CheckConstraint("share_amount IS NULL OR share_amount >= 0", name="amount_not_negative"),
        CheckConstraint("threshold IS NULL OR threshold >= 0", name="threshold_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), index=True)
    position: Mapped[int]
    """The instalment's place in the schedule, from 1; the last takes any pence left by rounding."""
    share_percent: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    """Percent of the contribution's total value, 0 to 100; None where the share is an amount."""
    share_amount: Mapped[Decimal | None]
    """Pounds as the agreement states the tranche, not negative; None where the share is a percentage."""
    trigger_type: Mapped[TriggerType]
    threshold: Mapped[int | None]
    """For an occupation or completion trigger: the Nth dwelling, or N percent of them (threshold_unit)."""
    threshold_unit: Mapped[ThresholdUnit] = mapped_column(default=ThresholdUnit.dwellings)
    due_date: Mapped[date | None] = mapped_column(Date)
    """For an on_date trigger: the date the tranche is payable."""
    description: Mapped[str | None] = mapped_column(Text)
    """The agreement's or the council's words for the trigger (all an "other" trigger has)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(200))


class InstalmentDue(Base):
    """An instalment recorded as fallen due on a date; never changed, a correction is a later record."""

    __tablename__ = "instalment_due"

    id: Mapped[int] = mapped_column(primary_key=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("instalments.id"), index=True)
    on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("contribution_events.id"))
    """The contribution's trigger_met event recorded with it (its first instalment to fall due), if any."""
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    recorded_by: Mapped[str] = mapped_column(String(200))


class Movement(Base):
    """One dated movement of money on a contribution; never edited, corrected by a reversal."""

    __tablename__ = "movements"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        UniqueConstraint("reverses_id"),
        # Covering: a contribution's (or the whole ledger's) sums are read from the index alone.
        Index("ix_movements_ledger", "contribution_id", "on", "kind", "amount", "reverses_id"),
        Index("ix_movements_on_id", "on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"))
    kind: Mapped[MovementKind]
    amount: Mapped[Decimal]
    """Pounds moved, always positive; the kind says which balance it raises, a reversal lowers it."""
    on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("movements.id"))
    adjustment: Mapped[bool] = mapped_column(default=False)
    """True for an import's flagged adjustment that keeps published figures that break the rules."""
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    recorded_by: Mapped[str] = mapped_column(String(200))


class ApiToken(Base):
    """A bearer token, stored only as its SHA-256 hash."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role]
    local_authority_id: Mapped[str | None] = mapped_column(ForeignKey("local_authorities.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    """The account that made it from its page; None for a token made on the command line."""


class AuditEntry(Base):
    """Who wrote what, when: one append-only row per successful write."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now(), index=True)
    actor_name: Mapped[str] = mapped_column(String(200), index=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_account_id: Mapped[int | None]
    """The signed-in account (or the account owning the token); None for the command line and older tokens."""
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    resource: Mapped[str] = mapped_column(String(64), index=True)
    resource_ids: Mapped[list[Any]] = mapped_column(default=list)
    body: Mapped[dict[str, Any] | None]


class IdempotencyKey(Base):
    """A money POST's Idempotency-Key, per caller, with the first answer given to it."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("caller", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caller: Mapped[str] = mapped_column(String(200))
    """The token or account the key belongs to, by id ("token 12", "account 3"), never by name."""
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int]
    response_body: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())


class Project(Base):
    """A capital project the force funds from contributions: local to one authority, or pooled."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("estimate_low > 0 AND estimate_high >= estimate_low", name="estimate_range"),
        CheckConstraint("funding = 'pooled' OR local_authority_id IS NOT NULL", name="local_has_authority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    funding: Mapped[ProjectFunding]
    local_authority_id: Mapped[str | None] = mapped_column(ForeignKey("local_authorities.id"), index=True)
    category: Mapped[CapitalCategory]
    stage: Mapped[ProjectStage]
    estimate_low: Mapped[Decimal]
    """The estimate's lower end in pounds (equal to the high end when it is a single figure)."""
    estimate_high: Mapped[Decimal]
    """The estimate's upper end in pounds."""
    investment_item_id: Mapped[int | None] = mapped_column(ForeignKey("investment_items.id"), index=True)
    """The item of the investment strategy the project delivers."""
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(200))


class ProjectAllocation(Base):
    """Money of one contribution identified for one project."""

    __tablename__ = "project_allocations"
    __table_args__ = (
        UniqueConstraint("project_id", "contribution_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), index=True)
    amount: Mapped[Decimal]
    """Pounds of the contribution identified for the project, positive."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(200))


class DrawdownRequest(Base):
    """A request to one authority to release money of its contributions for a project."""

    __tablename__ = "drawdown_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    local_authority_id: Mapped[str] = mapped_column(ForeignKey("local_authorities.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    status: Mapped[DrawdownStatus]
    reference: Mapped[str | None] = mapped_column(String(200))
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str | None] = mapped_column(Text)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    approved_on: Mapped[date | None] = mapped_column(Date)
    rejected_on: Mapped[date | None] = mapped_column(Date)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(200))

    lines: Mapped[list["DrawdownLine"]] = relationship(order_by="DrawdownLine.id")


class DrawdownLine(Base):
    """One contribution and the amount a drawdown request asks of it."""

    __tablename__ = "drawdown_lines"
    __table_args__ = (
        UniqueConstraint("drawdown_id", "contribution_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    drawdown_id: Mapped[int] = mapped_column(ForeignKey("drawdown_requests.id"), index=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), index=True)
    amount: Mapped[Decimal]
    """Pounds requested from the contribution, positive."""


class DrawdownInvoice(Base):
    """A spend whose invoice supports a drawdown request (arrears authorities need them)."""

    __tablename__ = "drawdown_invoices"
    __table_args__ = (UniqueConstraint("drawdown_id", "spend_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drawdown_id: Mapped[int] = mapped_column(ForeignKey("drawdown_requests.id"), index=True)
    spend_id: Mapped[int] = mapped_column(ForeignKey("spend.id"), index=True)


class DrawdownPayment(Base):
    """A payment by the authority against a drawdown request; its drawn movements carry the money."""

    __tablename__ = "drawdown_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    drawdown_id: Mapped[int] = mapped_column(ForeignKey("drawdown_requests.id"), index=True)
    on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(200))
    reversed_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    recorded_by: Mapped[str] = mapped_column(String(200))


class DrawdownQuery(Base):
    """A question the authority put back to the force about a request; the force sees it on the request."""

    __tablename__ = "drawdown_queries"

    id: Mapped[int] = mapped_column(primary_key=True)
    drawdown_id: Mapped[int] = mapped_column(ForeignKey("drawdown_requests.id"), index=True)
    on: Mapped[date] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    raised_by: Mapped[str] = mapped_column(String(200))
    """Who recorded it: the authority's planning officer, or the force's officer from the authority's letter."""


class DrawdownAnswer(Base):
    """A step the authority took on a request (acknowledged, approved, rejected, queried, paid), for its history."""

    __tablename__ = "drawdown_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    drawdown_id: Mapped[int] = mapped_column(ForeignKey("drawdown_requests.id"), index=True)
    step: Mapped[AnswerStep]
    on: Mapped[date] = mapped_column(Date)
    by_force: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Whether the force's officer recorded it from the authority's letter, not the authority's planning officer."""
    letter_dated: Mapped[date | None] = mapped_column(Date)
    letter_reference: Mapped[str | None] = mapped_column(String(200))
    query_id: Mapped[int | None] = mapped_column(ForeignKey("drawdown_queries.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("drawdown_payments.id"))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    recorded_by: Mapped[str] = mapped_column(String(200))


class DrawdownPaymentLine(Base):
    """The drawn movement a payment posted for one line of its request."""

    __tablename__ = "drawdown_payment_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("drawdown_payments.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("drawdown_lines.id"), index=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movements.id"), unique=True)


class Spend(Base):
    """A capital invoice paid by the force for a project."""

    __tablename__ = "spend"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    on: Mapped[date] = mapped_column(Date)
    supplier: Mapped[str] = mapped_column(String(300))
    invoice_reference: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal]
    """The invoice's amount in pounds, positive; contributions may fund part of it."""
    category: Mapped[CapitalCategory]
    note: Mapped[str | None] = mapped_column(Text)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    recorded_by: Mapped[str] = mapped_column(String(200))

    charges: Mapped[list["SpendCharge"]] = relationship(order_by="SpendCharge.id")


class SpendCharge(Base):
    """The part of a spend charged to one contribution, carried by its spent movement."""

    __tablename__ = "spend_charges"
    __table_args__ = (UniqueConstraint("spend_id", "contribution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    spend_id: Mapped[int] = mapped_column(ForeignKey("spend.id"), index=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), index=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movements.id"), unique=True)


class Repurposing(Base):
    """A change of a contribution's purpose or project, with the authority's consent."""

    __tablename__ = "repurposings"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), index=True)
    from_purpose: Mapped[Purpose]
    to_purpose: Mapped[Purpose]
    from_project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    to_project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    moved_amount: Mapped[Decimal | None]
    """Pounds of allocation moved from one project to the other, if a project changed."""
    investment_item_id: Mapped[int | None] = mapped_column(ForeignKey("investment_items.id"), index=True)
    """The item of the investment strategy the new purpose serves."""
    consented_on: Mapped[date] = mapped_column(Date)
    consent_reference: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    recorded_by: Mapped[str] = mapped_column(String(200))


class IndexValue(Base):
    """One month's value of a price index series (BCIS, RPI, CPI), as loaded with its source."""

    __tablename__ = "index_values"
    __table_args__ = (
        UniqueConstraint("series", "month"),
        CheckConstraint("value > 0", name="value_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(String(64))
    month: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    source: Mapped[str] = mapped_column(String(300))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    loaded_by: Mapped[str] = mapped_column(String(200))


class ImportedRecord(Base):
    """A row of an imported file already in the ledger, so importing it again changes nothing."""

    __tablename__ = "imported_records"
    __table_args__ = (UniqueConstraint("local_authority_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    local_authority_id: Mapped[str] = mapped_column(ForeignKey("local_authorities.id"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int | None]
    source: Mapped[str] = mapped_column(String(500))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    imported_by: Mapped[str] = mapped_column(String(200))


class Document(Base):
    """An uploaded file attached to one record, stored by its SHA-256; never deleted, only superseded."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_owner", "owner_type", "owner_id"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
        CheckConstraint(
            "(owner_type = 'local_authority') = (local_authority_id IS NOT NULL AND owner_id IS NULL)",
            name="owner_id_or_local_authority",
        ),
        UniqueConstraint("supersedes_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[DocumentOwner]
    owner_id: Mapped[int | None]
    """The owning record's id; empty for an authority's own document, whose id is a slug."""
    local_authority_id: Mapped[str | None] = mapped_column(ForeignKey("local_authorities.id"), index=True)
    """The owning authority, for its own documents (a request-pack template)."""
    kind: Mapped[DocumentKind]
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(200))
    """The type sniffed from the content, not the one the uploader claimed."""
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    document_url: Mapped[str | None] = mapped_column(String(1000))
    """Where the council publishes the same document, if it does."""
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    note: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    uploaded_by: Mapped[str] = mapped_column(String(200))


# People: accounts, their page sessions, failed sign-ins and set-password links.


class Account(Base):
    """A person who signs in. The role lives here, not on a credential, so another way of signing in
    (the force's OIDC provider) can be added beside the password without changing roles."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("(role = 'planning') = (local_authority_id IS NOT NULL)", name="planning_has_local_authority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    """Always stored in lower case, so two spellings of one address are one account."""
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role]
    local_authority_id: Mapped[str | None] = mapped_column(ForeignKey("local_authorities.id"))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    """argon2id; None until the person sets a password from their link."""
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AccountSession(Base):
    """A signed-in browser: the cookie holds a random id, the table only its SHA-256 hash."""

    __tablename__ = "account_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SignInAttempt(Base):
    """One attempt to sign in, kept to slow down guessing per address and per email."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_email_at", "email", "at"),
        Index("ix_sign_in_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool]


class PasswordLink(Base):
    """A one-time link to set a password (an invitation or a reset), stored as the hash of its secret."""

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


ROLLUP_STAGES = ("total_value", "not_started", "held_by_developer", "at_risk", "received", "drawn", "spent", "returned")
"""The stage figures the rollup keeps, each for all agreements and (prefixed open_) for open ones."""


class StageFigures:
    """The money of every stage, as signed deltas or their sums, for all agreements and for open ones only."""

    total_value: Mapped[Decimal] = mapped_column(default=0)
    """Change in total value (secured, indexed and varied, less written off); negative where it fell."""
    not_started: Mapped[Decimal] = mapped_column(default=0)
    """Change in unreceived money whose development has not started; negative where it left the stage."""
    held_by_developer: Mapped[Decimal] = mapped_column(default=0)
    """Change in unreceived money due or started (not at risk); negative where it left the stage."""
    at_risk: Mapped[Decimal] = mapped_column(default=0)
    """Change in unreceived money at risk of never being paid; negative where it left the stage."""
    received: Mapped[Decimal] = mapped_column(default=0)
    """Change in money the authority received; negative for a reversed receipt."""
    drawn: Mapped[Decimal] = mapped_column(default=0)
    """Change in money the force drew down; negative for a reversed drawdown."""
    spent: Mapped[Decimal] = mapped_column(default=0)
    """Change in money the force spent; negative for cancelled spend."""
    returned: Mapped[Decimal] = mapped_column(default=0)
    """Change in money returned to the developer; negative for a reversed return."""
    open_total_value: Mapped[Decimal] = mapped_column(default=0)
    """As total_value, counting only agreements open at the date (closing subtracts what it held)."""
    open_not_started: Mapped[Decimal] = mapped_column(default=0)
    """As not_started, for agreements open at the date."""
    open_held_by_developer: Mapped[Decimal] = mapped_column(default=0)
    """As held_by_developer, for agreements open at the date."""
    open_at_risk: Mapped[Decimal] = mapped_column(default=0)
    """As at_risk, for agreements open at the date."""
    open_received: Mapped[Decimal] = mapped_column(default=0)
    """As received, for agreements open at the date."""
    open_drawn: Mapped[Decimal] = mapped_column(default=0)
    """As drawn, for agreements open at the date."""
    open_spent: Mapped[Decimal] = mapped_column(default=0)
    """As spent, for agreements open at the date."""
    open_returned: Mapped[Decimal] = mapped_column(default=0)
    """As returned, for agreements open at the date."""


class RollupContributionDay(StageFigures, Base):
    """How one contribution's stage figures changed on one date, derived from the ledger by app/ledger/rollup.py."""

    __tablename__ = "rollup_contribution_days"
    # Every column a read as at a date takes from the days, so it reads the index alone, in date order.
    __table_args__ = (
        Index(
            "ix_rollup_contribution_days_reading",
            "on",
            "local_authority_id",
            "purpose",
            *(f"{prefix}{stage}" for prefix in ("", "open_") for stage in ROLLUP_STAGES),
        ),
    )

    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), primary_key=True)
    on: Mapped[date] = mapped_column(Date, primary_key=True)
    local_authority_id: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[Purpose]


class RollupMonth(StageFigures, Base):
    """Every stage's money of one authority and purpose at the end of one month (named by its first day).

    Unlike the day rows, these are figures, not changes: the sum of the contribution days up to the month's
    end. Each authority and purpose has a row for every month from its first to the latest.
    """

    __tablename__ = "rollup_months"
    # Every column a read at a period end takes, so it reads the index alone, in authority order.
    __table_args__ = (
        Index(
            "ix_rollup_months_reading",
            "month",
            "local_authority_id",
            "purpose",
            *(f"{prefix}{stage}" for prefix in ("", "open_") for stage in ROLLUP_STAGES),
        ),
    )

    local_authority_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[Purpose] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)


class RollupAgreementDay(Base):
    """How one agreement's place in the agreement counts changed on one date (+1 counted, -1 closed)."""

    __tablename__ = "rollup_agreement_days"
    __table_args__ = (
        Index("ix_rollup_agreement_days_reading", "on", "local_authority_id", "agreements", "open_agreements"),
    )

    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), primary_key=True)
    on: Mapped[date] = mapped_column(Date, primary_key=True)
    local_authority_id: Mapped[str] = mapped_column(String(64))
    agreements: Mapped[int] = mapped_column(default=0)
    open_agreements: Mapped[int] = mapped_column(default=0)


class RollupAgreementMonth(Base):
    """The agreement counts of one authority at the end of one month: its agreement days summed up to then."""

    __tablename__ = "rollup_agreement_months"
    __table_args__ = (
        Index("ix_rollup_agreement_months_reading", "month", "local_authority_id", "agreements", "open_agreements"),
    )

    local_authority_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    agreements: Mapped[int] = mapped_column(default=0)
    open_agreements: Mapped[int] = mapped_column(default=0)


class RollupAgreementPurposeDay(Base):
    """How one agreement's place in one purpose's agreement counts changed on one date (+1 counted, -1 closed).

    An agreement with contributions of two purposes counts under each, from the first movement of that purpose.
    """

    __tablename__ = "rollup_agreement_purpose_days"
    __table_args__ = (
        Index(
            "ix_rollup_agreement_purpose_days_reading",
            "on",
            "local_authority_id",
            "purpose",
            "agreements",
            "open_agreements",
        ),
    )

    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), primary_key=True)
    purpose: Mapped[Purpose] = mapped_column(primary_key=True)
    on: Mapped[date] = mapped_column(Date, primary_key=True)
    local_authority_id: Mapped[str] = mapped_column(String(64))
    agreements: Mapped[int] = mapped_column(default=0)
    open_agreements: Mapped[int] = mapped_column(default=0)


class RollupAgreementPurposeMonth(Base):
    """The agreement counts of one authority and purpose at the end of one month: its days summed up to then."""

    __tablename__ = "rollup_agreement_purpose_months"
    __table_args__ = (
        Index(
            "ix_rollup_agreement_purpose_months_reading",
            "month",
            "local_authority_id",
            "purpose",
            "agreements",
            "open_agreements",
        ),
    )

    local_authority_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[Purpose] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    agreements: Mapped[int] = mapped_column(default=0)
    open_agreements: Mapped[int] = mapped_column(default=0)


class RollupPeriodChange(StageFigures, Base):
    """How much one authority and purpose's stage money changed in a month before a period of it began.

    A period begins on the 9th, 17th or 25th (`period` names that day): the row holds the sum of the
    contribution days from the month's first day to the day before. Kept only for months before the latest
    month-end row's and with a day before the period (no row is no change), so the figures as at a date are the
    month end before it plus this.
    """

    __tablename__ = "rollup_period_changes"
    __table_args__ = (
        Index(
            "ix_rollup_period_changes_reading",
            "period",
            "local_authority_id",
            "purpose",
            *(f"{prefix}{stage}" for prefix in ("", "open_") for stage in ROLLUP_STAGES),
        ),
    )

    local_authority_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[Purpose] = mapped_column(primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)


class RollupAgreementPeriodChange(Base):
    """How one authority's agreement counts changed in a month before a period of it began (see RollupPeriodChange)."""

    __tablename__ = "rollup_agreement_period_changes"
    __table_args__ = (
        Index(
            "ix_rollup_agreement_period_changes_reading",
            "period",
            "local_authority_id",
            "agreements",
            "open_agreements",
        ),
    )

    local_authority_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    agreements: Mapped[int] = mapped_column(default=0)
    open_agreements: Mapped[int] = mapped_column(default=0)


class RollupAgreementPurposePeriodChange(Base):
    """How one authority and purpose's agreement counts changed in a month before a period of it began."""

    __tablename__ = "rollup_agreement_purpose_period_changes"
    __table_args__ = (
        Index(
            "ix_rollup_agreement_purpose_period_changes_reading",
            "period",
            "local_authority_id",
            "purpose",
            "agreements",
            "open_agreements",
        ),
    )

    local_authority_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[Purpose] = mapped_column(primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    agreements: Mapped[int] = mapped_column(default=0)
    open_agreements: Mapped[int] = mapped_column(default=0)


# Bids: what the force asks for when an authority consults it on a planning application.


class BidFormula(Base):
    """One version of the per-dwelling funding formula; never changed, a change makes the next version."""

    __tablename__ = "bid_formulas"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int]
    base_date: Mapped[date] = mapped_column(Date)
    """The date the costs are priced at (the base of any index-linking in the response)."""
    index_series: Mapped[str | None] = mapped_column(String(64))
    """The price index the costs move with (e.g. BCIS All-in TPI), from the month before the base date to the month
    before a bid's calculation date; None for costs that are not index-linked."""
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(200))

    items: Mapped[list["BidFormulaLine"]] = relationship(order_by="BidFormulaLine.id")


class BidFormulaLine(Base):
    """One item of a formula version: its cost per dwelling and the assumption behind the figure."""

    __tablename__ = "bid_formula_lines"
    __table_args__ = (
        UniqueConstraint("formula_id", "item"),
        CheckConstraint("cost_per_dwelling > 0", name="cost_positive"),
        CheckConstraint("cost_per_house IS NULL OR cost_per_house > 0", name="house_cost_positive"),
        CheckConstraint("cost_per_flat IS NULL OR cost_per_flat > 0", name="flat_cost_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    formula_id: Mapped[int] = mapped_column(ForeignKey("bid_formulas.id"), index=True)
    item: Mapped[FormulaItem]
    cost_per_dwelling: Mapped[Decimal]
    """Pounds per new dwelling for this item, positive; also a house's or flat's where not costed apart."""
    cost_per_house: Mapped[Decimal | None]
    """Pounds per new house for this item, positive; None where a house costs cost_per_dwelling."""
    cost_per_flat: Mapped[Decimal | None]
    """Pounds per new flat for this item, positive; None where a flat costs cost_per_dwelling."""
    assumption: Mapped[str] = mapped_column(Text)


class Bid(Base):
    """A planning application the force is consulted on, its response and bid, and how it ended."""

    __tablename__ = "bids"
    __table_args__ = (
        UniqueConstraint("local_authority_id", "application_reference"),
        CheckConstraint("dwellings > 0", name="dwellings_positive"),
        CheckConstraint("amount_bid IS NULL OR amount_bid > 0", name="amount_bid_positive"),
        CheckConstraint("(outcome IS NULL) = (outcome_on IS NULL)", name="outcome_dated"),
        CheckConstraint("houses IS NULL OR houses >= 0", name="houses_not_negative"),
        CheckConstraint("flats IS NULL OR flats >= 0", name="flats_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    local_authority_id: Mapped[str] = mapped_column(ForeignKey("local_authorities.id"), index=True)
    application_reference: Mapped[str] = mapped_column(String(100))
    site: Mapped[str] = mapped_column(String(300))
    dwellings: Mapped[int]
    houses: Mapped[int | None]
    """Of the dwellings, how many are houses; None (with flats) when the application gives no mix."""
    flats: Mapped[int | None]
    """Of the dwellings, how many are flats (houses + flats = dwellings when either is given)."""
    consulted_on: Mapped[date] = mapped_column(Date)
    respond_by: Mapped[date | None] = mapped_column(Date)
    responded_on: Mapped[date | None] = mapped_column(Date)
    response: Mapped[str | None] = mapped_column(Text)
    formula_id: Mapped[int | None] = mapped_column(ForeignKey("bid_formulas.id"), index=True)
    """The formula version the amount was worked out with; None for an amount set by hand."""
    calculated_on: Mapped[date | None] = mapped_column(Date)
    """The date the formula's costs were worked out at (their index applied); None without a formula."""
    index_month: Mapped[date | None] = mapped_column(Date)
    """The month whose index value was applied (the month before calculated_on, or the latest loaded before it)."""
    index_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    """The index value applied, kept so a series loaded again later leaves the bid's workings as they were."""
    index_base_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    """The index value of the formula's base month, kept for the same reason."""
    amount_bid: Mapped[Decimal | None]
    """Pounds the force asks for in its response, positive; None until it responds."""
    necessary: Mapped[str | None] = mapped_column(Text)
    directly_related: Mapped[str | None] = mapped_column(Text)
    fairly_related: Mapped[str | None] = mapped_column(Text)
    heads_of_terms: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[BidOutcome | None]
    outcome_on: Mapped[date | None] = mapped_column(Date)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), unique=True)
    """The agreement a secured bid became."""
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(200))

    formula: Mapped[BidFormula | None] = relationship()


# Site progress: what has been built and occupied on each agreement's site, and the alerts sent from it.


class SiteProgress(Base):
    """A dated count of a site's dwellings started, completed and occupied; never changed, a correction is a
    later record (for the same date or another), so the history of what was reported is kept."""

    __tablename__ = "site_progress"
    __table_args__ = (
        Index("ix_site_progress_agreement_on", "agreement_id", "on", "id"),
        CheckConstraint(
            "(started IS NULL OR started >= 0) AND (completed IS NULL OR completed >= 0) "
            "AND (occupied IS NULL OR occupied >= 0)",
            name="counts_not_negative",
        ),
        CheckConstraint(
            "started IS NOT NULL OR completed IS NOT NULL OR occupied IS NOT NULL", name="some_count_given"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    on: Mapped[date] = mapped_column(Date)
    """The date the counts are as at (a council's monitoring date), not when they were recorded."""
    started: Mapped[int | None]
    """Dwellings started to date; None where this record does not say."""
    completed: Mapped[int | None]
    """Dwellings completed to date; None where this record does not say."""
    occupied: Mapped[int | None]
    """Dwellings occupied to date; None where this record does not say."""
    source: Mapped[str] = mapped_column(String(300))
    """Where the counts came from: the page, the API, or an uploaded file's name."""
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    recorded_by: Mapped[str] = mapped_column(String(200))


class AlertDelivery(Base):
    """An alert emailed to one account, so a digest run again never sends it twice."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    key: Mapped[str] = mapped_column(String(200))
    """What the alert is about, such as "deadline:movement-12:2027-01-31"; a changed fact is a new key."""
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AlertSubscription(Base):
    """One kind of alert an account has chosen, with its own number of days where the kind takes one."""

    __tablename__ = "alert_subscriptions"
    __table_args__ = (
        UniqueConstraint("account_id", "kind"),
        CheckConstraint("days IS NULL OR (days > 0 AND days <= 3650)", name="days_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[AlertKind]
    days: Mapped[int | None]
    """N for deadlines within N days or a request unanswered for N days; None for kinds without one."""


class AlertRead(Base):
    """An alert an account has marked read in the in-app list."""

    __tablename__ = "alert_reads"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    key: Mapped[str] = mapped_column(String(200))
    read_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CalendarFeed(Base):
    """An account's secret calendar address, stored as the SHA-256 of its secret; revoked, it answers 404."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


# The investment list and repurposing proposals: the Task Group's recommendations B and A.


class InvestmentItem(Base):
    """An item of the force's investment strategy that contributions may pay for, and repurposings may serve."""

    __tablename__ = "investment_items"
    __table_args__ = (
        CheckConstraint("estimate > 0", name="estimate_positive"),
        CheckConstraint("priority IS NULL OR priority > 0", name="priority_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    category: Mapped[CapitalCategory]
    estimate: Mapped[Decimal]
    """The item's estimated capital cost in pounds, positive."""
    strategy_reference: Mapped[str] = mapped_column(String(100))
    """The line of the investment strategy or capital programme the item belongs to."""
    status: Mapped[InvestmentStatus]
    priority: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(200))


class RepurposingProposal(Base):
    """A contribution the force proposes to repurpose, and how far the authority has gone with it."""

    __tablename__ = "repurposing_proposals"
    __table_args__ = (
        CheckConstraint("costs IS NULL OR costs >= 0", name="costs_not_negative"),
        CheckConstraint("status <> 'consented' OR repurposing_id IS NOT NULL", name="consent_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), index=True)
    status: Mapped[ProposalStatus]
    proposed_purpose: Mapped[Purpose | None]
    investment_item_id: Mapped[int | None] = mapped_column(ForeignKey("investment_items.id"), index=True)
    from_project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    to_project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    costs: Mapped[Decimal | None]
    """Pounds the force expects to pay for the change (the authority's or a deed of variation's), not negative."""
    identified_on: Mapped[date] = mapped_column(Date)
    discussed_on: Mapped[date | None] = mapped_column(Date)
    agreed_on: Mapped[date | None] = mapped_column(Date)
    consented_on: Mapped[date | None] = mapped_column(Date)
    refused_on: Mapped[date | None] = mapped_column(Date)
    repurposing_id: Mapped[int | None] = mapped_column(ForeignKey("repurposings.id"), unique=True)
    """The repurposing the consent recorded."""
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(200))
