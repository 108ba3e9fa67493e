"""HTTP routes for repurposing. The officer records; every role reads the history of contributions it may see."""

from fastapi import APIRouter, status

from app.audit.dependencies import AuditDep
from app.auth.dependencies import Officer, Reader
from app.db import SessionDep
from app.idempotency import idempotent
from app.ids import RowId
from app.repurposing import service
from app.repurposing.schemas import RepurposingCreate, RepurposingRead

router = APIRouter(prefix="/contributions/{contribution_id}/repurposings", tags=["repurposing"])


@router.post(
    "", response_model=RepurposingRead, status_code=status.HTTP_201_CREATED, responses={404: {}, 409: {}, 422: {}}
)
@idempotent
def create_repurposing(
    contribution_id: RowId, data: RepurposingCreate, session: SessionDep, principal: Officer, audit: AuditDep
) -> RepurposingRead:
    """Change a contribution's purpose or project with the authority's consent (date and reference)."""
    change = service.repurpose(session=session, principal=principal, contribution_id=contribution_id, data=data)
    audit.record("repurposings", [change.id, contribution_id], data)
    return RepurposingRead.model_validate(change)


@router.get("", response_model=list[RepurposingRead], responses={404: {}})
def list_repurposings(contribution_id: RowId, session: SessionDep, principal: Reader) -> list[RepurposingRead]:
    """A contribution's changes of purpose and project, oldest first."""
    changes = service.history(session=session, principal=principal, contribution_id=contribution_id)
    return [RepurposingRead.model_validate(change) for change in changes]
