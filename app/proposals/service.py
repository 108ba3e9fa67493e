"""Repurposing proposals: a contribution the force means to repurpose, from identification to the authority's consent.

Each step is dated and can only move forward (identified, discussed, agreed, then consented or refused).
Consent records the repurposing through the repurposing service, so its rules and history are the same as
a repurposing recorded directly, and the proposal keeps the link to it.
"""

from collections import Counter
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import scoping
from app.auth.service import Principal
from app.errors import ConflictError, NotFoundError, RuleError
from app.investment.service import get_item
from app.models import Agreement, Contribution, InvestmentStatus, ProposalStatus, Repurposing, RepurposingProposal
from app.movements.service import get_contribution
from app.projects.service import get_project
from app.proposals.schemas import ConsentCreate, ProposalCreate, ProposalUpdate, Step, StepCreate
from app.repurposing.schemas import RepurposingCreate
from app.repurposing.service import repurpose

ENDED = (ProposalStatus.consented, ProposalStatus.refused)
ORDER = {ProposalStatus.identified: 0, ProposalStatus.discussed: 1, ProposalStatus.agreed: 2}
STEP_STATUS = {Step.discussed: ProposalStatus.discussed, Step.agreed: ProposalStatus.agreed}


def get_proposal(*, session: Session, proposal_id: int, scope: str | None, lock: bool = False) -> RepurposingProposal:
    """One proposal; another authority's is as absent as an unknown id."""
    query = scoping.readable_repurposing_proposals(scope).where(RepurposingProposal.id == proposal_id)
    if lock:
        query = query.with_for_update()
    proposal = session.scalar(query)
    if proposal is None:
        raise NotFoundError(f"no repurposing proposal {proposal_id}", field="proposal_id")
    return proposal


def list_proposals(
    *,
    session: Session,
    scope: str | None,
    status: ProposalStatus | None,
    contribution_id: int | None,
    investment_item_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[RepurposingProposal], int]:
    """Proposals the caller may see, filtered, most recently identified first."""
    query = scoping.readable_repurposing_proposals(scope)
    if status is not None:
        query = query.where(RepurposingProposal.status == status)
    if contribution_id is not None:
        query = query.where(RepurposingProposal.contribution_id == contribution_id)
    if investment_item_id is not None:
        query = query.where(RepurposingProposal.investment_item_id == investment_item_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(RepurposingProposal.identified_on.desc(), RepurposingProposal.id.desc())
    return list(session.scalars(ordered.limit(limit).offset(offset))), total


def authorities(session: Session, proposals: list[RepurposingProposal]) -> dict[int, str]:
    """The authority holding each proposal's contribution, in one query."""
    ids = {proposal.contribution_id for proposal in proposals}
    if not ids:
        return {}
    rows = session.execute(
        select(Contribution.id, Agreement.local_authority_id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(Contribution.id.in_(ids))
    )
    return {row[0]: row[1] for row in rows}


def summary(*, session: Session, scope: str | None) -> Counter[tuple[str, ProposalStatus]]:
    """How many proposals each authority has at each status."""
    rows = session.execute(
        select(Agreement.local_authority_id, RepurposingProposal.status, func.count())
        .join(Contribution, Contribution.id == RepurposingProposal.contribution_id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(scoping.repurposing_proposal(scope))
        .group_by(Agreement.local_authority_id, RepurposingProposal.status)
    )
    return Counter({(row[0], row[1]): int(row[2]) for row in rows})


def _check_targets(session: Session, values: dict[str, object], *, naming_item: bool = True) -> None:
    """The item and projects named exist, a newly named item is still in the strategy, and a move names both ends."""
    if values.get("investment_item_id") is not None:
        item = get_item(session=session, item_id=int(str(values["investment_item_id"])), field="investment_item_id")
        if naming_item and item.status in (InvestmentStatus.withdrawn, InvestmentStatus.delivered):
            raise RuleError(
                f"investment item {item.id} ({item.name}) is {item.status.value}: money can no longer be moved to it",
                field="investment_item_id",
            )
    from_project, to_project = values.get("from_project_id"), values.get("to_project_id")
    if (from_project is None) != (to_project is None):
        raise RuleError("a move names both from_project_id and to_project_id", field="to_project_id")
    for name in ("from_project_id", "to_project_id"):
        if values.get(name) is not None:
            get_project(session=session, project_id=int(str(values[name])), scope=None)


def _check_day(on: date, after: date, field: str) -> None:
    if on > date.today():
        raise RuleError(f"{field} {on} is after today", field=field)
    if on < after:
        raise RuleError(f"{field} {on} is before the proposal's last step on {after}", field=field)


def create_proposal(*, session: Session, principal: Principal, data: ProposalCreate) -> RepurposingProposal:
    """Record a contribution the force means to repurpose, and what it would become."""
    contribution = get_contribution(session=session, contribution_id=data.contribution_id, scope=principal.scope)
    values = data.model_dump()
    if data.proposed_purpose is None and data.investment_item_id is None and data.to_project_id is None:
        raise RuleError(
            "name what it would become: a proposed_purpose, an investment_item_id or a to_project_id",
            field="proposed_purpose",
        )
    if data.proposed_purpose is contribution.purpose and data.to_project_id is None:
        raise RuleError(
            f"contribution {contribution.id} is already for {contribution.purpose.value}", field="proposed_purpose"
        )
    _check_targets(session, values)
    if data.identified_on > date.today():
        raise RuleError(f"identified_on {data.identified_on} is after today", field="identified_on")
    proposal = RepurposingProposal(**values, status=ProposalStatus.identified, created_by=principal.label)
    session.add(proposal)
    session.flush()
    return proposal


def _refuse_if_ended(proposal: RepurposingProposal) -> None:
    if proposal.status in ENDED:
        on = proposal.consented_on or proposal.refused_on
        raise ConflictError(
            f"proposal {proposal.id} was {proposal.status.value} on {on}; it no longer changes", field="proposal_id"
        )


def _last_step(proposal: RepurposingProposal) -> date:
    return max(day for day in (proposal.identified_on, proposal.discussed_on, proposal.agreed_on) if day is not None)


def update_proposal(*, session: Session, proposal_id: int, data: ProposalUpdate) -> RepurposingProposal:
    """Change what an open proposal proposes, its reason or its costs."""
    proposal = get_proposal(session=session, proposal_id=proposal_id, scope=None, lock=True)
    _refuse_if_ended(proposal)
    changes = data.model_dump(exclude_unset=True)
    merged = {
        name: changes.get(name, getattr(proposal, name))
        for name in ("investment_item_id", "from_project_id", "to_project_id")
    }
    _check_targets(session, merged, naming_item="investment_item_id" in changes)
    for name, value in changes.items():
        setattr(proposal, name, value)
    session.flush()
    return proposal


def record_step(*, session: Session, proposal_id: int, data: StepCreate) -> RepurposingProposal:
    """Date a step short of consent; a proposal moves only forward, and a refusal ends it."""
    proposal = get_proposal(session=session, proposal_id=proposal_id, scope=None, lock=True)
    _refuse_if_ended(proposal)
    _check_day(data.on, _last_step(proposal), "on")
    if data.step is Step.refused:
        proposal.status = ProposalStatus.refused
        proposal.refused_on = data.on
    else:
        status = STEP_STATUS[data.step]
        if ORDER[status] <= ORDER[proposal.status]:
            raise ConflictError(
                f"proposal {proposal.id} is already {proposal.status.value}; steps only move forward", field="step"
            )
        proposal.status = status
        setattr(proposal, f"{status.value}_on", data.on)
    if data.note:
        proposal.notes = f"{proposal.notes}\n{data.note}" if proposal.notes else data.note
    session.flush()
    return proposal


def consent(
    *, session: Session, principal: Principal, proposal_id: int, data: ConsentCreate
) -> tuple[RepurposingProposal, Repurposing]:
    """Record the authority's consent: the repurposing, through its own service, and the link to it."""
    proposal = get_proposal(session=session, proposal_id=proposal_id, scope=None, lock=True)
    _refuse_if_ended(proposal)
    _check_day(data.on, _last_step(proposal), "on")
    change = repurpose(
        session=session,
        principal=principal,
        contribution_id=proposal.contribution_id,
        data=RepurposingCreate(
            purpose=data.purpose or proposal.proposed_purpose,
            from_project_id=proposal.from_project_id,
            to_project_id=proposal.to_project_id,
            investment_item_id=proposal.investment_item_id,
            consented_on=data.on,
            consent_reference=data.reference,
            note=data.note or proposal.reason,
        ),
    )
    proposal.status = ProposalStatus.consented
    proposal.consented_on = data.on
    proposal.repurposing_id = change.id
    if data.purpose is not None:
        proposal.proposed_purpose = data.purpose
    session.flush()
    return proposal, change
