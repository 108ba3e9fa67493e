"""Alerts: what needs doing, per account, of the kinds it subscribes to and only within what it may read.

Five kinds (app/alerts/subscriptions.py): unspent money within N days of its repayment deadline (or past
it); a trigger the recorded site progress has passed and nobody has confirmed (money falling due); a
receipt an authority recorded (its planning officer, or an import of its published file) in the last
30 days; a drawdown request submitted N or more days ago and still unanswered; a contribution at risk.
Each alert has a key naming the fact it is about, so an emailed digest never sends the same alert to the
same account twice, and an alert marked read stays read until its fact changes (a new key).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app import scoping
from app.alerts import subscriptions
from app.alerts.subscriptions import Chosen
from app.auth.service import Principal, account_principal
from app.balances.queries import BalanceFilter, contribution_stages
from app.dates import in_words
from app.deadlines.service import deadlines
from app.ledger.figures import receipts
from app.models import (
    Account,
    Agreement,
    AlertDelivery,
    AlertKind,
    AlertRead,
    Contribution,
    ContributionEvent,
    DrawdownRequest,
    DrawdownStatus,
    EventKind,
    Movement,
    Role,
)
from app.money import to_money
from app.sites import service as sites

RECEIPT_DAYS = 30
"""How long a receipt recorded by an authority stays an alert."""
PLANNING_SUFFIX = f" ({Role.planning.value})"
"""How recorded_by ends for a movement a planning officer recorded (Principal.label)."""
IMPORTED_RECEIPT = "received (published)"
"""The note an import of an authority's published file writes on each receipt (app/standard/writer.py)."""


@dataclass(frozen=True)
class Alert:
    """One thing to do: what it is about, the date it concerns, and the page to do it on."""

    key: str
    kind: AlertKind
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
            key=f"trigger:{proposal.contribution.id}:{proposal.instalment.id}:{proposal.due_on}",
            kind=AlertKind.trigger_due,
            local_authority_id=proposal.agreement.local_authority_id,
            title=f"Instalment {proposal.instalment.position} of {proposal.agreement.reference} (contribution "
            f"{proposal.contribution.id}) has fallen due: {proposal.reason}; confirm it",
            on=proposal.due_on,
            path=f"/web/agreements/{proposal.agreement.id}/progress",
        )
        for proposal in sites.proposals(session=session, scope=scope)
    ]


def deadline_alerts(session: Session, scope: str | None, today: date, days: int) -> list[Alert]:
    """Unspent money within the window of its deadline, or past it."""
    return [
        Alert(
            key=f"deadline:{item.receipt.movement_id}:{item.deadline}",
            kind=AlertKind.deadline,
            local_authority_id=item.local_authority_id,
            title=f"{pounds(item.unspent)} unspent of {item.agreement_reference} (contribution "
            f"{item.receipt.contribution_id}) must be spent by {in_words(item.deadline)}",
            on=item.deadline,
            path="/web/deadlines",
        )
        for item in deadlines(session=session, scope=scope, within_days=days, as_at=today)
    ]


def drawdown_alerts(session: Session, scope: str | None, today: date, days: int) -> list[Alert]:
    """Requests submitted long enough ago and still neither approved nor rejected."""
    query = scoping.readable_drawdowns(scope).where(
        DrawdownRequest.status == DrawdownStatus.submitted,
        DrawdownRequest.submitted_on <= today - timedelta(days=days),
    )
    return [
        Alert(
            key=f"drawdown:{request.id}:{request.submitted_on}",
            kind=AlertKind.drawdown_unanswered,
            local_authority_id=request.local_authority_id,
            title=f"Drawdown request {request.id} ({request.reference or 'no reference'}) submitted on "
            f"{in_words(request.submitted_on)} is unanswered after {(today - request.submitted_on).days} days",
            on=request.submitted_on,
            path=f"/web/drawdowns/{request.id}",
        )
        for request in session.scalars(query.order_by(DrawdownRequest.id))
        if request.submitted_on is not None
    ]


def receipt_alerts(session: Session, scope: str | None, today: date) -> list[Alert]:
    """Receipts standing today that an authority recorded in the last 30 days: by its planning officer, or
    imported from its published file."""
    standing = {receipt.movement_id: receipt for receipt in receipts(session, scope=scope, as_at=today)}
    if not standing:
        return []
    since = datetime.combine(today - timedelta(days=RECEIPT_DAYS), datetime.min.time(), tzinfo=UTC)
    query = select(Movement.id, Movement.recorded_at, Movement.recorded_by).where(
        Movement.id.in_(standing),
        Movement.recorded_at >= since,
        or_(Movement.recorded_by.endswith(PLANNING_SUFFIX), Movement.note == IMPORTED_RECEIPT),
    )
    recorded = {row.id: row for row in session.execute(query)}
    if not recorded:
        return []
    about_query = (
        select(Contribution.id, Contribution.agreement_id, Agreement.reference, Agreement.local_authority_id)
        .join(Agreement, Agreement.id == Contribution.agreement_id)
        .where(Contribution.id.in_({standing[movement_id].contribution_id for movement_id in recorded}))
    )
    context = {row.id: row for row in session.execute(about_query)}
    found = []
    for movement_id, row in recorded.items():
        receipt = standing[movement_id]
        about = context.get(receipt.contribution_id)
        if about is None:
            continue
        by = "imported from the authority's file" if not row.recorded_by.endswith(PLANNING_SUFFIX) else row.recorded_by
        found.append(
            Alert(
                key=f"receipt:{movement_id}",
                kind=AlertKind.receipt,
                local_authority_id=about.local_authority_id,
                title=f"{pounds(receipt.amount)} received on {in_words(receipt.on)} for {about.reference} "
                f"(contribution {receipt.contribution_id}), recorded by {by}",
                on=receipt.on,
                path=f"/web/agreements/{about.agreement_id}",
            )
        )
    return found


def at_risk_alerts(session: Session, scope: str | None, today: date) -> list[Alert]:
    """Contributions of open agreements with money at risk today, dated by the latest at-risk event."""
    stages = contribution_stages(today, BalanceFilter(local_authority_id=scope, open_only=True))
    latest = (
        select(ContributionEvent.contribution_id, func.max(ContributionEvent.on).label("on"))
        .where(ContributionEvent.kind == EventKind.at_risk, ContributionEvent.on <= today)
        .group_by(ContributionEvent.contribution_id)
        .subquery()
    )
    query = (
        select(
            stages.c.contribution_id,
            stages.c.agreement_id,
            stages.c.agreement_reference,
            stages.c.local_authority_id,
            stages.c.at_risk,
            latest.c.on,
        )
        .join(latest, latest.c.contribution_id == stages.c.contribution_id)
        .where(stages.c.at_risk > 0)
        .order_by(stages.c.contribution_id)
    )
    return [
        Alert(
            key=f"at_risk:{row.contribution_id}:{row.on}",
            kind=AlertKind.at_risk,
            local_authority_id=row.local_authority_id,
            title=f"{pounds(row.at_risk)} of {row.agreement_reference} (contribution {row.contribution_id}) "
            f"is at risk since {in_words(row.on)}: the trigger may never be reached",
            on=row.on,
            path=f"/web/contributions/{row.contribution_id}",
        )
        for row in session.execute(query)
    ]


def chosen_for(session: Session, principal: Principal) -> Chosen:
    """The caller's subscriptions: its account's, or its role's defaults for a token that has no account."""
    if principal.role is Role.panel:
        return {}
    if principal.account_id is None:
        return subscriptions.defaults_for(principal.role)
    return subscriptions.chosen_by(session=session, account_id=principal.account_id)


def alerts_for(*, session: Session, principal: Principal, today: date) -> list[Alert]:
    """What the caller subscribes to, within what they may read, soonest first."""
    chosen = chosen_for(session, principal)
    scope = principal.scope
    found: list[Alert] = []
    if AlertKind.deadline in chosen:
        found += deadline_alerts(session, scope, today, chosen[AlertKind.deadline] or 90)
    if AlertKind.trigger_due in chosen:
        found += trigger_alerts(session, scope)
    if AlertKind.receipt in chosen:
        found += receipt_alerts(session, scope, today)
    if AlertKind.drawdown_unanswered in chosen:
        found += drawdown_alerts(session, scope, today, chosen[AlertKind.drawdown_unanswered] or 60)
    if AlertKind.at_risk in chosen:
        found += at_risk_alerts(session, scope, today)
    return sorted(found, key=lambda alert: (alert.on, alert.key))


def sent_keys(*, session: Session, account_id: int) -> dict[str, datetime]:
    """The alerts already emailed to an account, and when."""
    query = select(AlertDelivery.key, AlertDelivery.sent_at).where(AlertDelivery.account_id == account_id)
    return {row.key: row.sent_at for row in session.execute(query)}


def read_keys(*, session: Session, account_id: int) -> set[str]:
    """The alerts an account has marked read."""
    return set(session.scalars(select(AlertRead.key).where(AlertRead.account_id == account_id)))


def mark_read(*, session: Session, account_id: int, keys: list[str]) -> list[str]:
    """Mark these alerts read for the account (those already read are left as they were); returns those newly marked."""
    new = sorted(set(keys) - read_keys(session=session, account_id=account_id))
    now = datetime.now(UTC)
    session.add_all(AlertRead(account_id=account_id, key=key, read_at=now) for key in new)
    session.flush()
    return new


def unread_count(*, session: Session, principal: Principal, today: date) -> int:
    """How many of the caller's alerts it has not marked read."""
    if principal.account_id is None or principal.role is Role.panel:
        return 0
    read = read_keys(session=session, account_id=principal.account_id)
    return sum(1 for alert in alerts_for(session=session, principal=principal, today=today) if alert.key not in read)


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
    lines += [
        "",
        f"All of them: {base_url.rstrip('/')}/web/alerts",
        f"Choose what you are sent: {base_url.rstrip('/')}/web/alerts/settings",
    ]
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
