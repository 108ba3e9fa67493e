"""Request and response shapes for alerts and the subscriptions that choose them."""

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.alerts.subscriptions import MAX_DAYS
from app.dates import Day
from app.models import AlertKind

Days = Annotated[int, Field(ge=1, le=MAX_DAYS, description="N, for a kind that takes a number of days")]


class AlertItem(BaseModel):
    """One thing to do, whether the account has marked it read, and when it was emailed."""

    key: str = Field(description="names the fact the alert is about; a changed fact is a new key")
    kind: AlertKind
    local_authority_id: str
    title: str
    on: Day = Field(description="the date it concerns: the deadline, the trigger's date, the receipt's, ...")
    path: str = Field(description="the page to act on it")
    read: bool
    emailed_at: datetime | None


class AlertList(BaseModel):
    """The caller's alerts of the kinds it subscribes to, soonest first."""

    as_at: Day
    items: list[AlertItem]
    unread: int


class MarkRead(BaseModel):
    """Alerts to mark read: some by key, or every current one."""

    model_config = ConfigDict(extra="forbid")

    keys: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=1000)
    all: bool = Field(False, description="mark every current alert read")

    @model_validator(mode="after")
    def something(self) -> Self:
        """Either keys or all."""
        if not self.keys and not self.all:
            raise ValueError("keys: give the keys of the alerts to mark read, or all: true")
        return self


class MarkedRead(BaseModel):
    """How many alerts were newly marked read, and how many are left unread."""

    marked: int
    unread: int


class SubscriptionChoice(BaseModel):
    """One kind an account subscribes to; days only for a kind that takes them (its default if left out)."""

    model_config = ConfigDict(extra="forbid")

    kind: AlertKind
    days: Days | None = None


class SubscriptionsUpdate(BaseModel):
    """The kinds an account subscribes to: exactly these, every other kind off."""

    model_config = ConfigDict(extra="forbid")

    subscriptions: list[SubscriptionChoice] = Field(max_length=len(AlertKind))

    @model_validator(mode="after")
    def each_kind_once(self) -> Self:
        """A kind is named once."""
        kinds = [choice.kind for choice in self.subscriptions]
        if len(kinds) != len(set(kinds)):
            raise ValueError("subscriptions: name each kind once")
        return self


class SubscriptionRead(BaseModel):
    """One kind of alert, and whether (and with what N) the account subscribes to it."""

    kind: AlertKind
    label: str
    subscribed: bool
    days: int | None
    takes_days: bool


class SubscriptionsRead(BaseModel):
    """Every kind of alert and the account's choice for each."""

    account_id: int | None = Field(description="None for a token made on the command line: its role's defaults")
    subscriptions: list[SubscriptionRead]
