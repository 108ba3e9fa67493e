"""HTTP routes for repurposing. The officer records; every role but the Panel's reads the history of contributions
it may see, and the candidates for repurposing among them (a planning officer, their own authority's)."""

from fastapi import APIRouter, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, Reader
from app.db import SessionDep
from app.idempotency import idempotent
from app.ids import RowId
from app.repurposing import service
from app.repurposing.reads import candidates
from app.repurposing.schemas import CandidateRead, CandidateSort, RepurposingCreate, RepurposingRead

router = APIRouter(tags=["repurposing"])
HISTORY = "/contributions/{contribution_id}/repurposings"


@router.post(
    HISTORY, response_model=RepurposingRead, status_code=status.HTTP_201_CREATED, responses={404: {}, 409: {}, 422: {}}
)
@idempotent
def create_repurposing(
    contribution_id: RowId, data: RepurposingCreate, session: SessionDep, principal: Officer, audit: AuditDep
) -> RepurposingRead:
    """Change a contribution's purpose or project with the authority's consent (date and reference)."""
    change = service.repurpose(session=session, principal=principal, contribution_id=contribution_id, data=data)
    audit.record("repurposings", [change.id, contribution_id], data)
    return RepurposingRead.model_validate(change)


@router.get(HISTORY, response_model=list[RepurposingRead], responses={404: {}})
def list_repurposings(contribution_id: RowId, session: SessionDep, principal: Reader) -> list[RepurposingRead]:
    """A contribution's changes of purpose and project, oldest first."""
    changes = service.history(session=session, principal=principal, contribution_id=contribution_id)
    return [RepurposingRead.model_validate(change) for change in changes]


@router.get("/repurposing/candidates", response_model=list[CandidateRead], responses={422: {}})
def list_candidates(
    session: SessionDep, principal: Reader, sort: CandidateSort = CandidateSort.largest
) -> list[CandidateRead]:
    """Contributions with unspent money whose purpose no longer fits the investment list or the estate plans."""
    return candidates(session, scope=principal.scope, sort=sort)
