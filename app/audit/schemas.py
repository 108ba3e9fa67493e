"""Response shapes for the audit trail."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEntryRead(BaseModel):
    """One recorded write."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_name: str
    actor_role: str
    method: str
    path: str
    resource: str
    resource_ids: list[Any]
    body: dict[str, Any] | None
