"""The `s106` command: serve, migrate, seed, tokens."""

import atexit
import gc
import os

# The service uses no pydantic plugins; looking for them reads every installed package's metadata at each start.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from pathlib import Path  # noqa: E402 - after the setting above, which pydantic reads when first used
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from app.alerts.cli import alerts_app
from app.auth.cli import demo_accounts, user_app
from app.db import get_engine, get_sessionmaker, pool_capacity
from app.enums import Role
from app.indexation.cli import index_app
from app.ledger.cli import check as check_rollup
from app.ledger.cli import rollup_app
from app.reports.cli import reconcile, report
from app.standard.cli import register as register_standard_commands
from app.synthetic.cli import generate_command

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.models import ApiToken

# Each command imports the services it uses when it runs: a command starts without loading every other's.


def _leave_quickly() -> None:
    """At exit: close the database's connections, then leave the objects for the operating system to reclaim."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    # Otherwise the interpreter's last collections walk every object still alive, for nothing: about 0.8 s
    # at the end of an import of 10,000 rows.
    gc.freeze()


atexit.register(_leave_quickly)

ROOT = Path(__file__).resolve().parent.parent
DEMO_PREFIX = "demo "

# Plain help, as click writes it: rich help panels cut option names to fit an 80-column terminal.
main = typer.Typer(
    help="S106 developer contributions tracker.", no_args_is_help=True, add_completion=False, rich_markup_mode=None
)
token_app = typer.Typer(help="Create, list and revoke bearer tokens.", no_args_is_help=True)
main.add_typer(token_app, name="token")
main.add_typer(user_app, name="user")
main.command("demo-accounts")(demo_accounts)
main.command()(report)
main.command()(reconcile)
main.add_typer(index_app, name="index")
register_standard_commands(main)
main.command("generate")(generate_command)
main.add_typer(rollup_app, name="rollup")
main.add_typer(alerts_app, name="alerts")
main.command("check-rollup")(check_rollup)
console = Console()
HostOption = Annotated[str, typer.Option(metavar="ADDRESS", help="the address to listen on")]
PortOption = Annotated[int, typer.Option(metavar="PORT", help="the port to listen on")]


def record_token_change(session: "Session", command: str, row: "ApiToken") -> None:
    """Audit a token's creation or revocation (never its secret), naming the system user who ran it."""
    from app.audit import service as audit
    from app.auth import service as tokens

    body = {"name": row.name, "role": row.role.value, "local_authority_id": row.local_authority_id}
    actor = tokens.command_line_principal()
    audit.record(
        session=session,
        principal=actor,
        method="CLI",
        path=f"s106 {command}",
        resource="api_tokens",
        resource_ids=[row.id],
        body=body,
    )


def migrate_database() -> None:
    """Bring the database to the current schema."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    command.upgrade(config, "head")


@main.command()
def migrate() -> None:
    """Bring the database to the current schema. It is the one DATABASE_URL names."""
    migrate_database()
    console.print(f"migrated {get_engine().url.render_as_string(hide_password=True)}")


@main.command()
def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: Annotated[
        int,
        typer.Option(
            metavar="COUNT",
            help="worker processes; each opens up to DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW connections",
        ),
    ] = 1,
    reload: bool = False,
) -> None:
    """Serve the API (docs at /docs)."""
    import uvicorn

    # PostgreSQL refuses connections beyond max_connections (100 by default), counting every other client too.
    console.print(
        f"{workers} worker(s) x {pool_capacity()} connections each (DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW): "
        f"at most {workers * pool_capacity()} database connections"
    )
    uvicorn.run("app.main:app", host=host, port=port, workers=workers, reload=reload)


@token_app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="officer, finance, planning or panel")],
    name: Annotated[str, typer.Option(metavar="NAME", help="who holds it")],
    local_authority: Annotated[
        str | None, typer.Option(metavar="AUTHORITY", help="a planning token's authority")
    ] = None,
) -> None:
    """Create a token. It is printed once, on the last line, and stored only as a hash."""
    from app.auth import service as tokens

    with get_sessionmaker().begin() as session:
        try:
            row, secret = tokens.create_token(session=session, name=name, role=role, local_authority_id=local_authority)
        except Exception as error:  # noqa: BLE001 - a CLI shows the reason and exits non-zero
            console.print(f"[red]{error}[/red]")
            raise typer.Exit(2) from error
        record_token_change(session, "token create", row)
        console.print(f"token {row.id} for {row.name} ({row.role.value}); keep it safe, it is not shown again:")
    print(secret)  # noqa: T201 - the token must be the plain last line for scripts


@token_app.command("list")
def token_list() -> None:
    """List tokens (never their secrets)."""
    from rich.table import Table

    from app.auth import service as tokens

    table = Table("id", "name", "role", "local authority", "created", "revoked")
    with get_sessionmaker().begin() as session:
        for row in tokens.list_tokens(session=session):
            table.add_row(
                str(row.id),
                row.name,
                row.role.value,
                row.local_authority_id or "",
                f"{row.created_at:%Y-%m-%d %H:%M}",
                f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "",
            )
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke a token by id."""
    from sqlalchemy import select

    from app.auth import service as tokens
    from app.models import ApiToken

    with get_sessionmaker().begin() as session:
        already = session.scalar(select(ApiToken.revoked_at).where(ApiToken.id == token_id))
        try:
            row = tokens.revoke_token(session=session, token_id=token_id)
        except Exception as error:  # noqa: BLE001
            console.print(f"[red]{error}[/red]")
            raise typer.Exit(2) from error
        if already is None:
            record_token_change(session, "token revoke", row)
        console.print(f"revoked token {row.id} ({row.name})")


@main.command("demo-tokens")
def demo_tokens(
    local_authority: Annotated[str, typer.Option(metavar="AUTHORITY", help="the planning token's authority")] = "blaby",
) -> None:
    """Print one new demo token per role. Earlier demo tokens are revoked; for trying the service."""
    from sqlalchemy import select

    from app.auth import service as tokens
    from app.models import ApiToken, LocalAuthority

    with get_sessionmaker().begin() as session:
        for row in list(session.scalars(select(ApiToken).where(ApiToken.name.startswith(DEMO_PREFIX)))):
            if row.revoked_at is None:
                record_token_change(session, "demo-tokens", tokens.revoke_token(session=session, token_id=row.id))
        if session.get(LocalAuthority, local_authority) is None:
            first = session.scalar(select(LocalAuthority.id).order_by(LocalAuthority.id).limit(1))
            local_authority = first or ""
        lines = []
        for role in Role:
            if role is Role.planning and not local_authority:
                continue
            scope = local_authority if role is Role.planning else None
            name = f"{DEMO_PREFIX}{role.value}" + (f" {scope}" if scope else "")
            row, secret = tokens.create_token(session=session, name=name, role=role, local_authority_id=scope)
            record_token_change(session, "demo-tokens", row)
            lines.append(f"  {role.value:<9}{secret}" + (f"  (sees {scope} only)" if scope else ""))
    # Plain lines, never a table: a narrow terminal must not cut a token short.
    console.print("Demo tokens (send as Authorization: Bearer <token>):", highlight=False)
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False)


@main.command()
def seed(
    authorities_only: Annotated[
        bool, typer.Option(help="load only the nine authorities and their release rules (for importing real files)")
    ] = False,
) -> None:
    """Load Leicester, Leicestershire and Rutland's data. Only into an empty database."""
    from seed.loader import load_local_authorities, load_seed

    if authorities_only:
        with get_sessionmaker().begin() as session:
            load_local_authorities(session)
        console.print("loaded the local authorities and their release rules; no agreements")
        return
    with get_sessionmaker().begin() as session:
        loaded = load_seed(session=session, console=console)
    if not loaded:
        console.print("the database already holds data; seed left it unchanged")


@main.command()
def run(host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Migrate, seed, print demo accounts and serve. The one command to try it; it seeds only an empty database."""
    migrate_database()
    seed(authorities_only=False)
    demo_accounts()
    console.print(f"serving on http://{host}:{port} (API docs at http://{host}:{port}/docs)")
    serve(host=host, port=port)
