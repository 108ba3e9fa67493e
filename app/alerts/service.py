"""Alerts: what needs doing, per account and only within what the account may read.

Three kinds, each chosen by role (the officer gets all of them; finance the deadlines; a planning
officer their authority's deadlines and unanswered requests): a trigger the recorded site progress has
passed and nobody has confirmed; unspent money within 90 days of its repayment deadline (or past it);
a drawdown request submitted 60 or more days ago and still unanswered. Each alert has a key naming
the fact it is about, so an emailed digest never sends the same alert to the same account twice.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import scoping
from app.auth.service import Principal, account_principal
from app.deadlines.service import deadlines
from app.models import Account, AlertDelivery, DrawdownRequest, DrawdownStatus, Role
from app.money import to_money
from app.sites import service as sites

DEADLINE_DAYS = 90
UNANSWERED_DAYS = 60

Kind = Literal["trigger_proposed", "deadline", "drawdown_unanswered"]
KINDS_BY_ROLE: dict[Role, tuple[Kind, ...]] = {
    Role.officer: ("trigger_proposed", "deadline", "drawdown_unanswered"),
    Role.finance: ("deadline",),
    Role.planning: ("deadline", "drawdown_unanswered"),
    Role.panel: (),  # the Panel reads aggregate figures only: no record-level alert is theirs
}


@dataclass(frozen=True)
class Alert:
    """One thing to do: what it is about, the date it concerns, and the page to do it on."""

    key: str
    kind: Kind
    local_authority_id: str
    title: str
    on: date
    path: str


def pounds(amount: object) -> str:
    """An amount as £1,234.50."""
    return f"£{to_money(amount):,.2f}"


def trigger_alerts(session: Session, scope: str | None) -> list[Alert]:
    """Triggers passed by recorded progress, waiting for the officer to confirm them."""
    return [
        Alert(
            key=f"trigger:{proposal.contribution.id}:{proposal.due_on}",
            kind="trigger_proposed",
            local_authority_id=proposal.agreement.local_authority_id,
            title=f"Trigger passed on {proposal.agreement.reference} (contribution {proposal.contribution.id}): "
            f"{proposal.reason}; confirm it",
            on=proposal.due_on,
            path=f"/web/agreements/{proposal.agreement.id}/progress",
        )
        for proposal in sites.proposals(session=session, scope=scope)
    ]


def deadline_alerts(session: Session, scope: str | None, today: date) -> list[Alert]:
    """Unspent money within the window of its deadline, or past it."""
    return [
        Alert(
            key=f"deadline:{item.receipt.movement_id}:{item.deadline}",
            kind="deadline",
            local_authority_id=item.local_authority_id,
            title=f"{pounds(item.unspent)} unspent of {item.agreement_reference} (contribution "
            f"{item.receipt.contribution_id}) must be spent by {item.deadline}",
            on=item.deadline,
            path="/web/deadlines",
        )
        for item in deadlines(session=session, scope=scope, within_days=DEADLINE_DAYS, as_at=today)
    ]


def drawdown_alerts(session: Session, scope: str | None, today: date) -> list[Alert]:
    """Requests submitted long enough ago and still neither approved nor rejected."""
    query = scoping.readable_drawdowns(scope).where(
        DrawdownRequest.status == DrawdownStatus.submitted,
        DrawdownRequest.submitted_on <= today - timedelta(days=UNANSWERED_DAYS),
    )
    return [
        Alert(
            key=f"drawdown:{request.id}:{request.submitted_on}",
            kind="drawdown_unanswered",
            local_authority_id=request.local_authority_id,
            title=f"Drawdown request {request.id} ({request.reference or 'no reference'}) submitted on "
            f"{request.submitted_on} is unanswered after {(today - request.submitted_on).days} days",
            on=request.submitted_on,
            path=f"/web/drawdowns/{request.id}",
        )
        for request in session.scalars(query.order_by(DrawdownRequest.id))
        if request.submitted_on is not None
    ]


def alerts_for(*, session: Session, principal: Principal, today: date) -> list[Alert]:
    """What the caller's role needs to do, within what they may read, soonest first."""
    kinds = KINDS_BY_ROLE[principal.role]
    found: list[Alert] = []
    if "trigger_proposed" in kinds:
        found += trigger_alerts(session, principal.scope)
    if "deadline" in kinds:
        found += deadline_alerts(session, principal.scope, today)
    if "drawdown_unanswered" in kinds:
        found += drawdown_alerts(session, principal.scope, today)
    return sorted(found, key=lambda alert: (alert.on, alert.key))


def sent_keys(*, session: Session, account_id: int) -> dict[str, datetime]:
    """The alerts already emailed to an account, and when."""
    query = select(AlertDelivery.key, AlertDelivery.sent_at).where(AlertDelivery.account_id == account_id)
    return {row.key: row.sent_at for row in session.execute(query)}


def active_account_ids(session: Session) -> list[int]:
    """Accounts that can sign in, in id order."""
    return list(session.scalars(select(Account.id).where(Account.disabled_at.is_(None)).order_by(Account.id)))


def digest(*, account: Account, alerts: list[Alert], sender: str, base_url: str) -> EmailMessage:
    """The email listing an account's new alerts."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = account.email
    message["Subject"] = f"S106: {len(alerts)} thing{'s' if len(alerts) != 1 else ''} to do"
    lines = [f"Hello {account.name},", "", "New since your last digest:", ""]
    lines += [f"- {alert.title}\n  {base_url.rstrip('/')}{alert.path}" for alert in alerts]
    lines += ["", f"All of them: {base_url.rstrip('/')}/web/alerts"]
    message.set_content("\n".join(lines))
    return message


def pending_digest(
    *, session: Session, account_id: int, today: date, sender: str, base_url: str
) -> tuple[EmailMessage, list[Alert]] | None:
    """An account's digest of alerts not yet emailed to it, or None if there are none."""
    account = session.get(Account, account_id)
    if account is None or account.disabled_at is not None:
        return None
    already = sent_keys(session=session, account_id=account.id)
    new = [
        alert
        for alert in alerts_for(session=session, principal=account_principal(account), today=today)
        if alert.key not in already
    ]
    if not new:
        return None
    return digest(account=account, alerts=new, sender=sender, base_url=base_url), new


def mark_sent(*, session: Session, account_id: int, alerts: list[Alert]) -> None:
    """Remember that these alerts were emailed to the account."""
    now = datetime.now(UTC)
    session.add_all(AlertDelivery(account_id=account_id, key=alert.key, sent_at=now) for alert in alerts)
    session.flush()
