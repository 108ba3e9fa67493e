"""The domain's kinds and statuses as enums, free of the database: a command or a schema can name them
without loading the models (re-exported from `app.models`, where the columns store their values)."""

import enum


class Regime(enum.StrEnum):
    """How an authority secures developer money."""

    s106 = "s106"
    cil = "cil"
    s106_and_cil = "s106_and_cil"


class ReleaseBasis(enum.StrEnum):
    """When an authority releases money to the force (2021 report, paragraphs 13-21)."""

    in_advance = "in_advance"
    in_arrears = "in_arrears"
    """Against invoices of completed spend dated on or before submission."""
    in_arrears_on_completion = "in_arrears_on_completion"
    """As in arrears, and only once the project is complete in its entirety (Blaby, paragraph 13)."""
    in_arrears_ongoing = "in_arrears_ongoing"
    """While the work is ongoing, against copy invoices, never for costs the force has already paid (Charnwood, 16)."""


class DocumentKind(enum.StrEnum):
    """What a document is; an authority's evidence list names these kinds."""

    agreement = "agreement"
    deed_of_variation = "deed_of_variation"
    consent_letter = "consent_letter"
    drawdown_letter = "drawdown_letter"
    """The request on the authority's own template, where it has one."""
    spend_proposal = "spend_proposal"
    """What the money will be spent on and how it meets the need arising from the development."""
    plans_and_tenders = "plans_and_tenders"
    proportionality_statement = "proportionality_statement"
    invoice = "invoice"
    completion_certificate = "completion_certificate"
    correspondence = "correspondence"
    request_pack = "request_pack"
    """The pack generated for a request as it was submitted (or regenerated), kept with it."""
    pack_template = "pack_template"
    """An authority's own DOCX template for its request packs, rendered with docxtpl."""
    other = "other"


class DocumentOwner(enum.StrEnum):
    """The kind of record a document is attached to."""

    agreement = "agreement"
    contribution = "contribution"
    project = "project"
    drawdown = "drawdown"
    spend = "spend"
    local_authority = "local_authority"


class Purpose(enum.StrEnum):
    """What a contribution is for, in the Panel reports' categories."""

    premises = "premises"
    equipment = "equipment"
    vehicles = "vehicles"
    crime_prevention = "crime_prevention"
    policing_requirements = "policing_requirements"
    policing_in_area = "policing_in_area"
    no_prescription = "no_prescription"


class TriggerType(enum.StrEnum):
    """The point at which the developer must pay."""

    on_signing = "on_signing"
    on_commencement = "on_commencement"
    on_occupation = "on_occupation"
    on_completion = "on_completion"
    on_date = "on_date"
    other = "other"


class ThresholdUnit(enum.StrEnum):
    """How an instalment's occupation or completion threshold counts: the Nth dwelling, or N% of them."""

    dwellings = "dwellings"
    percent = "percent"


class EventKind(enum.StrEnum):
    """Stage changes that carry no money."""

    development_started = "development_started"
    trigger_met = "trigger_met"
    at_risk = "at_risk"
    at_risk_cleared = "at_risk_cleared"


class MovementKind(enum.StrEnum):
    """Kinds of ledger movement; each amount is positive and its kind says which way it moves."""

    secured = "secured"
    indexation = "indexation"
    variation = "variation"
    written_off = "written_off"
    received = "received"
    drawn = "drawn"
    spent = "spent"
    returned = "returned"


class CapitalCategory(enum.StrEnum):
    """What a spend buys; only the capital categories may be charged to contributions."""

    land_and_buildings = "land_and_buildings"
    vehicles = "vehicles"
    equipment = "equipment"
    it_hardware = "it_hardware"
    revenue = "revenue"


class ProjectFunding(enum.StrEnum):
    """Whether a project draws on one authority's contributions or on many."""

    local = "local"
    pooled = "pooled"


class ProjectStage(enum.StrEnum):
    """Where a project is in the capital programme."""

    upcoming = "upcoming"
    current = "current"
    completed = "completed"


class DrawdownStatus(enum.StrEnum):
    """A drawdown request's lifecycle: draft, submitted, approved, paid; or rejected or withdrawn."""

    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    paid = "paid"
    rejected = "rejected"
    withdrawn = "withdrawn"


class AnswerStep(enum.StrEnum):
    """What an authority did about a request it was sent, as its history records it."""

    acknowledged = "acknowledged"
    approved = "approved"
    rejected = "rejected"
    queried = "queried"
    paid = "paid"


class Role(enum.StrEnum):
    """The four kinds of user: the force's officer and finance, a planning officer, and a Panel member."""

    officer = "officer"
    finance = "finance"
    planning = "planning"
    panel = "panel"
    """Reads only the Panel's aggregate views (the Panel table, the bids summary, the investment list,
    proposals by status); nothing at agreement, contribution or drawdown level, and writes nothing."""


class BidOutcome(enum.StrEnum):
    """How a bid ended: secured in an agreement, refused, withdrawn, or lost at appeal."""

    secured = "secured"
    refused = "refused"
    withdrawn = "withdrawn"
    lost_at_appeal = "lost_at_appeal"


class FormulaItem(enum.StrEnum):
    """What a per-dwelling cost pays for: the policing the new households will need."""

    officers_and_staff = "officers_and_staff"
    premises = "premises"
    vehicles = "vehicles"
    equipment = "equipment"
    it = "it"


class DwellingType(enum.StrEnum):
    """The kinds of dwelling a formula may cost apart: police formulas price a household from the people in it,
    and households in flats are smaller than in houses."""

    house = "house"
    flat = "flat"


class AlertKind(enum.StrEnum):
    """What an account can subscribe to be told of."""

    deadline = "deadline"
    """Unspent money within N days of its repayment deadline, or past it."""
    trigger_due = "trigger_due"
    """A trigger the recorded site progress has passed, not yet confirmed: money falling due."""
    receipt = "receipt"
    """Money an authority recorded as received (its planning officer, or an import of its file)."""
    drawdown_unanswered = "drawdown_unanswered"
    """A drawdown request submitted N or more days ago and still unanswered."""
    at_risk = "at_risk"
    """A contribution whose money may never be released."""


class InvestmentStatus(enum.StrEnum):
    """Where an item of the investment strategy stands: proposed, approved, delivered, or withdrawn."""

    proposed = "proposed"
    approved = "approved"
    delivered = "delivered"
    withdrawn = "withdrawn"


class ProposalStatus(enum.StrEnum):
    """A repurposing proposal's steps: identified, discussed with the authority, agreed, then consented or refused."""

    identified = "identified"
    discussed = "discussed"
    agreed = "agreed"
    consented = "consented"
    refused = "refused"
