"""`s106 alerts send`: email each account its digest of new alerts, safe to run from cron more than once a day."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING, Annotated
from urllib.parse import unquote, urlsplit

import typer
from rich.console import Console

from app.db import get_sessionmaker

if TYPE_CHECKING:
    from email.message import EmailMessage

    from sqlalchemy.orm import Session

    from app.config import Settings

alerts_app = typer.Typer(help="Email each account what needs doing.", no_args_is_help=True)
console = Console()

Sender = Callable[["EmailMessage"], None]
Transaction = Callable[[], AbstractContextManager["Session"]]


def smtp_sender(settings: "Settings") -> Sender:
    """Send a message through the configured SMTP server (SMTP_URL, or SMTP_HOST and SMTP_PORT)."""
    if settings.smtp_url:
        url = urlsplit(settings.smtp_url)
        if url.scheme not in ("smtp", "smtps", "smtp+starttls") or not url.hostname:
            raise ValueError("SMTP_URL is written smtp://host:port, smtps://host:port or smtp+starttls://host:port")
        host, scheme = url.hostname, url.scheme
        port = url.port or (465 if scheme == "smtps" else 25)
        user, password = unquote(url.username or ""), unquote(url.password or "")
    else:
        assert settings.smtp_host is not None
        host, port, scheme, user, password = settings.smtp_host, settings.smtp_port, "smtp", "", ""

    def send(message: "EmailMessage") -> None:
        import smtplib

        kind = smtplib.SMTP_SSL if scheme == "smtps" else smtplib.SMTP
        with kind(host, port, timeout=30) as smtp:
            if scheme == "smtp+starttls":
                smtp.starttls()
            if user:
                smtp.login(user, password)
            smtp.send_message(message)

    return send


def send_all(*, transaction: Transaction, send: Sender, sender: str, base_url: str, today: date) -> dict[str, int]:
    """Each account's digest, each in its own transaction: an alert is marked sent only once its email went."""
    from app.alerts import service

    with transaction() as session:
        account_ids = service.active_account_ids(session)
    sent: dict[str, int] = {}
    for account_id in account_ids:
        with transaction() as session:
            pending = service.pending_digest(
                session=session, account_id=account_id, today=today, sender=sender, base_url=base_url
            )
            if pending is None:
                continue
            message, alerts = pending
            send(message)
            service.mark_sent(session=session, account_id=account_id, alerts=alerts)
            sent[str(message["To"])] = len(alerts)
    return sent


@alerts_app.command("send")
def send(
    on: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="the date the alerts are worked out as at (YYYY-MM-DD); today if omitted"),
    ] = None,
) -> None:
    """Email every active account its new alerts. None is sent twice."""
    from app.config import get_settings

    settings = get_settings()
    if not (settings.smtp_url or settings.smtp_host) or not settings.smtp_from:
        console.print("[red]SMTP_URL (or SMTP_HOST) and SMTP_FROM are not set; nothing sent[/red]")
        raise typer.Exit(2)
    sent = send_all(
        transaction=get_sessionmaker().begin,
        send=smtp_sender(settings),
        sender=settings.smtp_from,
        base_url=settings.links_base(),
        today=date.fromisoformat(on) if on else date.today(),
    )
    for email, count in sent.items():
        console.print(f"sent {count} alert(s) to {email}")
    console.print(f"{len(sent)} digest(s) sent")
