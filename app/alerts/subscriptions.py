"""What each account has chosen to be told of, and what each role starts with."""

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.errors import RuleError
from app.models import Account, AlertKind, AlertSubscription, Role

MAX_DAYS = 3650


@dataclass(frozen=True)
class KindInfo:
    """How a kind of alert is described, and its number of days if it takes one."""

    label: str
    days_label: str | None = None
    default_days: int | None = None


KINDS: dict[AlertKind, KindInfo] = {
    AlertKind.deadline: KindInfo("Deadlines coming up", "Deadlines within this many days", 90),
    AlertKind.trigger_due: KindInfo("Triggers falling due (from recorded site progress)"),
    AlertKind.receipt: KindInfo("Receipts recorded by an authority"),
    AlertKind.drawdown_unanswered: KindInfo(
        "Drawdown requests left unanswered", "Unanswered for this many days or more", 60
    ),
    AlertKind.at_risk: KindInfo("Contributions at risk (may never be released)"),
}
"""Every kind, in the order pages and digests list them."""

Chosen = dict[AlertKind, int | None]
"""The kinds an account is subscribed to, each with its days (None for a kind without)."""

ROLE_DEFAULTS: dict[Role, tuple[AlertKind, ...]] = {
    Role.officer: tuple(KINDS),
    Role.finance: (AlertKind.deadline, AlertKind.trigger_due),
    Role.planning: (AlertKind.deadline, AlertKind.drawdown_unanswered),
    Role.panel: (),  # the Panel reads aggregate figures only: no record-level alert is theirs
}
"""What a new account of each role starts subscribed to (migration 0017d gave existing accounts the same)."""


def defaults_for(role: Role) -> Chosen:
    """A role's starting subscriptions, with each kind's default days."""
    return {kind: KINDS[kind].default_days for kind in ROLE_DEFAULTS[role]}


def subscribe_defaults(*, session: Session, account: Account) -> None:
    """Subscribe a new account to what its role needs."""
    replace(session=session, account=account, chosen=defaults_for(account.role))


def chosen_by(*, session: Session, account_id: int) -> Chosen:
    """An account's subscriptions."""
    query = select(AlertSubscription.kind, AlertSubscription.days).where(AlertSubscription.account_id == account_id)
    found: dict[AlertKind, int | None] = {row.kind: row.days for row in session.execute(query)}
    return {kind: found[kind] for kind in KINDS if kind in found}


def days_refusal(days: int) -> str | None:
    """Why this number of days cannot be stored, if it cannot."""
    return None if 1 <= days <= MAX_DAYS else f"enter a number of days from 1 to {MAX_DAYS}"


def check(role: Role, chosen: Chosen) -> Chosen:
    """The subscriptions as stored: days where the kind takes them (its default if not given), none elsewhere."""
    if role is Role.panel and chosen:
        raise RuleError("a Panel account reads aggregate figures only and has no alerts to subscribe to", field="kind")
    result: Chosen = {}
    for kind in KINDS:
        if kind not in chosen:
            continue
        info, days = KINDS[kind], chosen[kind]
        if info.default_days is None:
            if days is not None:
                raise RuleError(f"{kind.value} alerts take no number of days", field=f"{kind.value}_days")
            result[kind] = None
            continue
        days = info.default_days if days is None else days
        if (refusal := days_refusal(days)) is not None:
            raise RuleError(refusal, field=f"{kind.value}_days")
        result[kind] = days
    return result


def replace(*, session: Session, account: Account, chosen: Chosen) -> Chosen:
    """Make the account's subscriptions exactly these."""
    checked = check(account.role, chosen)
    session.execute(delete(AlertSubscription).where(AlertSubscription.account_id == account.id))
    session.add_all(AlertSubscription(account_id=account.id, kind=kind, days=days) for kind, days in checked.items())
    session.flush()
    return checked
