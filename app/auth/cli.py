"""`s106 user ...`: accounts for the first officer and for scripts; and the demo accounts `make run` prints."""

import secrets
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from app.db import get_sessionmaker
from app.enums import Role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.models import Account

user_app = typer.Typer(help="Create, list and disable accounts.", no_args_is_help=True)
console = Console()

DEMO_DOMAIN = "demo.example"
"""Demo accounts' addresses end with this (a reserved name that reaches nobody)."""

DEMO_NAMES = {
    Role.officer: "Demo S106 officer",
    Role.finance: "Demo finance officer",
    Role.planning: "Demo planning officer",
    Role.panel: "Demo Panel member",
}
"""What a demo account is called where it is named: the History of a request, recorded_by columns."""


def record_account_change(session: "Session", command: str, account: "Account", **extra: object) -> None:
    """Audit an account change made on the command line (never a password)."""
    from app.audit import service as audit
    from app.auth.service import command_line_principal

    body = {
        "email": account.email,
        "name": account.name,
        "role": account.role.value,
        "local_authority_id": account.local_authority_id,
        **extra,
    }
    audit.record(
        session=session,
        principal=command_line_principal(),
        method="CLI",
        path=f"s106 {command}",
        resource="accounts",
        resource_ids=[account.id],
        body=body,
    )


def read_password() -> str:
    """The password: typed twice at a terminal, or the first line of standard input from a script."""
    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(metavar="EMAIL", help="the person's email address (their sign-in name)")],
    role: Annotated[Role, typer.Option(help="officer, finance, planning or panel")],
    local_authority: Annotated[
        str | None, typer.Option(metavar="AUTHORITY", help="a planning officer's authority")
    ] = None,
    name: Annotated[
        str | None, typer.Option(metavar="NAME", help="their full name; the email address if omitted")
    ] = None,
) -> None:
    """Create an account. The password is read from standard input (asked twice at a terminal)."""
    from app.auth import accounts
    from app.errors import DomainError

    password = read_password()
    with get_sessionmaker().begin() as session:
        try:
            account = accounts.create_account(
                session=session,
                email=email,
                name=name or email.strip(),
                role=role,
                local_authority_id=local_authority,
                password=password,
            )
        except DomainError as error:
            console.print(f"[red]{error.detail}[/red]")
            raise typer.Exit(2) from error
        record_account_change(session, "user create", account)
        console.print(f"account {account.id} for {account.email} ({account.role.value}) created", highlight=False)


@user_app.command("list")
def user_list() -> None:
    """List accounts (never their passwords)."""
    from app.auth import accounts

    with get_sessionmaker().begin() as session:
        for account in accounts.list_accounts(session=session):
            state = "disabled" if account.disabled_at else ("invited" if not account.password_hash else "active")
            scope = f" {account.local_authority_id}" if account.local_authority_id else ""
            line = f"{account.id:>4}  {account.email}  {account.role.value}{scope}  {state}"
            console.print(line, highlight=False, soft_wrap=True)


@user_app.command("disable")
def user_disable(email: str) -> None:
    """Disable an account: its sessions end and its tokens are revoked."""
    from app.auth import accounts

    with get_sessionmaker().begin() as session:
        account = accounts.find_account(session, email)
        if account is None:
            console.print(f"[red]no account for {email}[/red]")
            raise typer.Exit(2)
        accounts.disable_account(session=session, account=account)
        record_account_change(session, "user disable", account, disabled=True)
        console.print(f"disabled {account.email}", highlight=False)


def demo_accounts(
    local_authority: Annotated[
        str, typer.Option(metavar="AUTHORITY", help="the planning officer's authority")
    ] = "blaby",
) -> None:
    """Print one demo account per role. Each run gives new random passwords; earlier ones stop working."""
    from sqlalchemy import select

    from app.auth import accounts
    from app.models import LocalAuthority

    lines = []
    with get_sessionmaker().begin() as session:
        if session.get(LocalAuthority, local_authority) is None:
            local_authority = session.scalar(select(LocalAuthority.id).order_by(LocalAuthority.id).limit(1)) or ""
        for role in Role:
            if role is Role.planning and not local_authority:
                continue
            scope = local_authority if role is Role.planning else None
            email = f"{role.value}@{DEMO_DOMAIN}"
            password = secrets.token_urlsafe(12)
            account = accounts.find_account(session, email)
            if account is None:
                authority = session.get(LocalAuthority, scope) if scope else None
                name = DEMO_NAMES[role] + (f", {authority.name}" if authority is not None else "")
                account = accounts.create_account(
                    session=session, email=email, name=name, role=role, local_authority_id=scope, password=password
                )
                record_account_change(session, "run", account)
            else:
                accounts.set_password(session=session, account=account, password=password)
                accounts.enable_account(session=session, account=account)
            lines.append(f"  {role.value:<9}{email:<24}{password}" + (f"  (sees {scope} only)" if scope else ""))
    # Plain lines, never a table: a narrow terminal must not cut a password short.
    console.print("Demo accounts (sign in at /web on the address below, with email and password):", highlight=False)
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False)
