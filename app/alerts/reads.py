"""Alerts and subscriptions as the API and the pages show them, assembled once."""

from datetime import date

from sqlalchemy.orm import Session

from app.alerts import service, subscriptions
from app.alerts.schemas import AlertItem, AlertList, SubscriptionRead, SubscriptionsRead
from app.auth.service import Principal


def alert_list(*, session: Session, principal: Principal, today: date) -> AlertList:
    """The caller's alerts with their read and emailed marks."""
    found = service.alerts_for(session=session, principal=principal, today=today)
    account_id = principal.account_id
    read = service.read_keys(session=session, account_id=account_id) if account_id else set()
    sent = service.sent_keys(session=session, account_id=account_id) if account_id else {}
    items = [
        AlertItem(
            key=alert.key,
            kind=alert.kind,
            local_authority_id=alert.local_authority_id,
            title=alert.title,
            on=alert.on,
            path=alert.path,
            read=alert.key in read,
            emailed_at=sent.get(alert.key),
        )
        for alert in found
    ]
    return AlertList(as_at=today, items=items, unread=sum(1 for item in items if not item.read))


def subscription_models(*, session: Session, principal: Principal) -> SubscriptionsRead:
    """Every kind, and whether the caller subscribes to it."""
    chosen = service.chosen_for(session, principal)
    return SubscriptionsRead(
        account_id=principal.account_id,
        subscriptions=[
            SubscriptionRead(
                kind=kind,
                label=info.label,
                subscribed=kind in chosen,
                days=chosen.get(kind) if kind in chosen else info.default_days,
                takes_days=info.default_days is not None,
            )
            for kind, info in subscriptions.KINDS.items()
        ],
    )
