"""Binds the audit trail to the request, so routers record a write in one line."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel

from app.audit import service
from app.auth.dependencies import current_principal
from app.auth.service import Principal
from app.db import SessionDep


@dataclass
class AuditLog:
    """The audit trail for this request's caller."""

    request: Request
    session: Any
    principal: Principal

    def record(self, resource: str, resource_ids: list[Any], body: BaseModel | dict[str, Any] | None) -> None:
        """Record that this request wrote these rows of this resource."""
        payload = body.model_dump(mode="json", exclude_unset=True) if isinstance(body, BaseModel) else body
        service.record(
            session=self.session,
            principal=self.principal,
            method=self.request.method,
            path=self.request.url.path,
            resource=resource,
            resource_ids=resource_ids,
            body=payload,
        )


def get_audit_log(
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, Depends(current_principal)],
) -> AuditLog:
    """The audit trail bound to this request."""
    return AuditLog(request=request, session=session, principal=principal)


AuditDep = Annotated[AuditLog, Depends(get_audit_log)]
