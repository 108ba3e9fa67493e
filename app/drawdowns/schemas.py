"""Request and response shapes for drawdown requests and their payments."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.dates import Day
from app.ids import RowId
from app.models import DrawdownStatus, ReleaseBasis
from app.money import PositiveMoney, SignedMoney

Reference = Annotated[str | None, Field(max_length=200)]
Note = Annotated[str | None, Field(max_length=5000)]
Evidence = list[Annotated[str, Field(min_length=1, max_length=500)]]


class LineCreate(BaseModel):
    """An amount asked of one of the authority's contributions."""

    model_config = ConfigDict(extra="forbid")

    contribution_id: RowId
    amount: PositiveMoney


class DrawdownCreate(BaseModel):
    """A new draft request to one authority for money of its contributions, for a project."""

    model_config = ConfigDict(extra="forbid")

    local_authority_id: str
    project_id: RowId
    lines: list[LineCreate] = Field(min_length=1, max_length=200)
    reference: Reference = None
    evidence: Evidence = Field(default_factory=list, max_length=100, description="documents' references")
    invoice_spend_ids: list[RowId] = Field(
        default_factory=list, max_length=500, description="spend whose invoices support the request"
    )
    note: Note = None


class DrawdownUpdate(BaseModel):
    """Changes to a request: lines only while a draft; reference, evidence, invoices and note until decided."""

    model_config = ConfigDict(extra="forbid")

    lines: list[LineCreate] | None = Field(default=None, min_length=1, max_length=200)
    reference: Reference = None
    evidence: Evidence | None = Field(default=None, max_length=100)
    invoice_spend_ids: list[RowId] | None = Field(default=None, max_length=500)
    note: Note = None


class Transition(BaseModel):
    """A dated step of the lifecycle (submit, approve, withdraw)."""

    model_config = ConfigDict(extra="forbid")

    on: Day | None = Field(default=None, description="when it happened; today if omitted")
    note: Note = None


class FromLetter(BaseModel):
    """The authority's letter an answer was recorded from, when the force records it on the authority's behalf."""

    model_config = ConfigDict(extra="forbid")

    letter_dated: Day | None = Field(
        default=None,
        description="the date of the authority's letter; when the force's officer records the answer and leaves "
        "it out, the answer's own date",
    )
    letter_reference: Reference = Field(default=None, description="the letter's reference, if it has one")


class Answer(FromLetter):
    """A dated answer of the authority (acknowledgement, approval)."""

    on: Day | None = Field(default=None, description="when it happened; today if omitted")
    note: Note = None


class Rejection(FromLetter):
    """The authority's refusal, with its reason (e.g. proportionality not shown)."""

    on: Day | None = None
    reason: Annotated[str, Field(min_length=1, max_length=5000)]


class QueryCreate(FromLetter):
    """A question the authority puts back to the force about a request (e.g. which costs are ongoing)."""

    on: Day | None = Field(default=None, description="when it was asked; today if omitted")
    message: Annotated[str, Field(min_length=1, max_length=5000)]


class QueryRead(BaseModel):
    """A question the authority asked about the request."""

    id: int
    on: Day
    message: str
    raised_at: datetime
    raised_by: str


class PaymentLineCreate(BaseModel):
    """What the authority paid against one contribution of the request."""

    model_config = ConfigDict(extra="forbid")

    contribution_id: RowId
    amount: PositiveMoney


class PaymentCreate(FromLetter):
    """A payment by the authority; without lines it pays everything still outstanding."""

    on: Day
    reference: Reference = None
    lines: list[PaymentLineCreate] | None = Field(default=None, min_length=1, max_length=200)


class PaymentReverse(BaseModel):
    """A reversal of a payment recorded in error."""

    model_config = ConfigDict(extra="forbid")

    on: Day | None = None
    note: Note = None


class LineRead(BaseModel):
    """A line of a request with what has been paid against it."""

    id: int
    contribution_id: RowId
    amount: SignedMoney
    paid: SignedMoney
    outstanding: SignedMoney
    clause_text: str | None = Field(description="the agreement's wording for the contribution, quoted to the authority")


class PaymentLineRead(BaseModel):
    """The drawn movement a payment posted for one line."""

    line_id: RowId
    contribution_id: RowId
    movement_id: RowId
    amount: SignedMoney


class PaymentRead(BaseModel):
    """A payment against the request and the drawn movements it posted."""

    id: int
    on: Day
    reference: str | None
    reversed_on: Day | None
    lines: list[PaymentLineRead]
    recorded_at: datetime
    recorded_by: str


class InvoiceRead(BaseModel):
    """A spend cited as an invoice of completed work."""

    spend_id: RowId
    invoice_reference: str
    supplier: str
    on: Day
    amount: SignedMoney


class HistoryEntry(BaseModel):
    """One dated step of a request, and who recorded it (the force from the authority's letter, saying so)."""

    on: Day
    step: str = Field(
        description="drafted, submitted, acknowledged, approved, rejected, queried, paid, payment_reversed, withdrawn"
    )
    recorded_by: str | None
    by_force: bool = Field(description="recorded by the force's officer on the authority's behalf")
    letter_dated: Day | None
    letter_reference: str | None
    description: str = Field(description="the step in words, as the request's page shows it")


class DrawdownRead(BaseModel):
    """A drawdown request with its lines, evidence, invoices, payments and lifecycle dates."""

    id: int
    local_authority_id: str
    release_basis: ReleaseBasis | None
    project_id: RowId
    status: DrawdownStatus
    reference: str | None
    evidence: list[str]
    note: str | None
    amount: SignedMoney = Field(description="the total requested")
    paid: SignedMoney
    outstanding: SignedMoney
    lines: list[LineRead]
    invoices: list[InvoiceRead]
    payments: list[PaymentRead]
    queries: list[QueryRead] = Field(description="questions the authority put back to the force, oldest first")
    submitted_on: Day | None
    acknowledged_on: Day | None = Field(description="when the authority acknowledged the request, if it has")
    approved_on: Day | None
    rejected_on: Day | None
    rejection_reason: str | None
    withdrawn_on: Day | None
    created_at: datetime
    created_by: str
    history: list[HistoryEntry] = Field(description="the request's steps, oldest first")
    release_findings: list[str] = Field(
        description="for a submitted request, what its authority's rules as they stand would refuse; empty otherwise"
    )
