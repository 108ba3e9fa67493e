"""What the proposal routes and pages return: proposals with their authority, and the summary by status."""

from sqlalchemy.orm import Session

from app.models import ProposalStatus, RepurposingProposal
from app.proposals import service
from app.proposals.schemas import ProposalCount, ProposalRead, ProposalSummary


def read_models(session: Session, proposals: list[RepurposingProposal]) -> list[ProposalRead]:
    """Proposals with the authority holding each one's contribution."""
    held_by = service.authorities(session, proposals)
    return [
        ProposalRead.model_validate(
            {
                **{name: getattr(proposal, name) for name in ProposalRead.model_fields if name != "local_authority_id"},
                "local_authority_id": held_by[proposal.contribution_id],
            }
        )
        for proposal in proposals
    ]


def read_one(session: Session, proposal: RepurposingProposal) -> ProposalRead:
    """One proposal as the routes return it."""
    return read_models(session, [proposal])[0]


STEPS = list(ProposalStatus)


def _in_order(entry: tuple[tuple[str, ProposalStatus], int]) -> tuple[str, int]:
    (authority, status), _number = entry
    return authority, STEPS.index(status)


def summary(session: Session, *, scope: str | None) -> ProposalSummary:
    """Proposals by authority and status, and the totals by status."""
    counts = service.summary(session=session, scope=scope)
    rows = [
        ProposalCount(local_authority_id=authority, status=status, proposals=number)
        for (authority, status), number in sorted(counts.items(), key=_in_order)
    ]
    totals = {
        status: sum(number for (_, counted), number in counts.items() if counted is status) for status in ProposalStatus
    }
    return ProposalSummary(rows=rows, totals=totals)
