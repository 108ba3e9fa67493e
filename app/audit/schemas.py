"""Response shapes for the audit trail."""

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


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

    @field_validator("at")
    @classmethod
    def in_utc(cls, value: datetime) -> datetime:
        """SQLite returns the stored UTC time without its zone; say it."""
        return value if value.tzinfo else value.replace(tzinfo=UTC)
