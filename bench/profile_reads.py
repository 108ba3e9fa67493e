"""Where a read's CPU goes through the server: per request, in the workers, in PostgreSQL and in the load generator.

Against an already loaded database (as `bench/run.py` leaves one, or `s106 generate`), it starts the server as the
bench does, then for each kind of request (`/health`, an authenticated read, one contribution's balance) keeps the
bench's keep-alive connections busy for `--seconds` and divides by the requests answered: the CPU seconds
(utime + stime in /proc) of the server's processes, of the database's backends (PostgreSQL: the pids
`pg_stat_activity` lists on the database), of this process (the load generator), and PostgreSQL's transactions
(`pg_stat_database`: every statement in autocommit is one). With `--statements`, it also asks PostgreSQL to log
every statement of the server's connections and counts, over a few sequential requests of each kind, what each
request sent (BEGIN, COMMIT, ROLLBACK, SET, SELECT; prepared or not).

Usage: python bench/profile_reads.py --database URL [--seconds 10] [--rounds 3] [--statements] [--app-dir DIR]
"""

import argparse
import asyncio
import os
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
from rich.console import Console
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench.run  # noqa: E402
from app.auth.service import create_token  # noqa: E402
from app.models import Role  # noqa: E402
from bench.run import Load, _load, server_processes, start_server  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
console = Console()
POSTGRES_LOG = Path("/var/log/postgresql/postgresql-15-main.log")
POSTGRES_DATA = Path("/var/lib/postgresql/15/main")


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the processes (those that have ended count nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def backends(admin: object, database: str) -> list[int]:
    """The PostgreSQL backends connected to the database."""
    with admin.connect() as connection:  # type: ignore[attr-defined]
        return list(
            connection.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database}).scalars()
        )


def transactions(admin: object, database: str) -> tuple[int, int]:
    """Transactions (commits and rollbacks) and sessions PostgreSQL has counted on the database (a second late)."""
    with admin.connect() as connection:  # type: ignore[attr-defined]
        row = connection.execute(
            text("SELECT xact_commit + xact_rollback, sessions FROM pg_stat_database WHERE datname = :d"),
            {"d": database},
        ).one()
        return int(row[0]), int(row[1])


def ended_children_cpu_seconds() -> float:
    """The CPU of the PostgreSQL backends that have ended (the postmaster's cutime + cstime), of every database."""
    postmaster = int(Path(POSTGRES_DATA, "postmaster.pid").read_text().split()[0])
    fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / TICKS


def statements_per_request(
    url: str, port: int, token: str, kinds: dict[str, list[str]], admin: object, database: str
) -> None:
    """Log every statement of new connections to the database, send a few requests of each kind, count them."""
    count = 50
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:  # type: ignore[attr-defined]
        connection.execute(text(f"ALTER DATABASE \"{database}\" SET log_statement = 'all'"))
    try:
        server = start_server(url, port, 1)
        try:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
                for paths in kinds.values():
                    for index in range(20):
                        client.get(paths[index % len(paths)])  # warm: statements prepared, the token remembered
                for kind, paths in kinds.items():
                    start = POSTGRES_LOG.stat().st_size
                    for index in range(count):
                        assert client.get(paths[index % len(paths)]).status_code == 200
                    time.sleep(0.5)
                    with POSTGRES_LOG.open() as log:
                        log.seek(start)
                        lines = [line for line in log if "statement: " in line or "execute " in line]
                    found: Counter[str] = Counter()
                    for line in lines:
                        body = line.split("statement: ", 1)[-1] if "statement: " in line else line.split(": ", 3)[-1]
                        prepared = bool(re.search(r"execute _pg3_\d+", line))
                        word = body.split()[0].upper() if body.split() else "?"
                        if "execute" in line:
                            word = body.split(":", 1)[-1].split()[0].upper()
                        found[f"{word}{' (prepared)' if prepared else ''}"] += 1
                    shown = ", ".join(f"{name} {number / count:.2f}" for name, number in sorted(found.items()))
                    console.out(f"  {kind}: statements per request: {shown or 'none'}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:  # type: ignore[attr-defined]
            connection.execute(text(f'ALTER DATABASE "{database}" RESET log_statement'))


def main() -> None:
    """Measure, print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8741)
    parser.add_argument("--statements", action="store_true")
    parser.add_argument("--app-dir", type=Path, help="serve the app package from this copy (the code before a change)")
    args = parser.parse_args()
    if args.app_dir:
        bench.run.ROOT = args.app_dir  # the server's working directory, so its `app` is the copy's
    url = make_url(args.database)
    postgres = url.get_backend_name() == "postgresql"
    engine = create_engine(args.database)
    with Session(engine) as session:
        _row, token = create_token(session=session, name="profile", role=Role.officer)
        session.commit()
        contributions = int(session.execute(text("SELECT count(*) FROM contributions")).scalar_one())
    engine.dispose()
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT") if postgres else None
    paths = [f"/contributions/{random.randint(1, contributions)}" for _ in range(10_000)]
    kinds = {"health": ["/health"], "authenticated": ["/local-authorities/authority-0001"], "contribution": paths}
    if args.statements and admin is not None:
        statements_per_request(args.database, args.port, token, kinds, admin, url.database or "")
    server = start_server(args.database, args.port, args.workers)
    try:
        pids = server_processes(server.pid)
        for paths_of_kind in kinds.values():  # warm every worker: statements cached and prepared, token remembered
            asyncio.run(_load(args.port, paths_of_kind, token, 2, args.connections, Load()))
        totals: dict[str, list[float]] = {kind: [0.0] * 8 for kind in kinds}
        database = url.database or ""

        def sample(database_pids: list[int]) -> tuple[float, ...]:
            counted = transactions(admin, database) if admin else (0, 0)
            return (
                cpu_seconds(pids),
                cpu_seconds(database_pids),
                ended_children_cpu_seconds() if admin else 0.0,
                cpu_seconds([os.getpid()]),
                *counted,
            )

        for _ in range(args.rounds):
            for kind, paths_of_kind in kinds.items():
                database_pids = backends(admin, database) if admin else []
                before = sample(database_pids)
                load = Load()
                asyncio.run(_load(args.port, paths_of_kind, token, args.seconds, args.connections, load))
                time.sleep(1.0 if admin else 0)  # the statistics collector's delay
                # A backend that began during the load is counted from nothing; one that ended, in the postmaster.
                database_pids = sorted(set(database_pids) | set(backends(admin, database) if admin else []))
                after = sample(database_pids)
                assert load.failures == 0, f"{load.failures} {kind} requests failed"
                row = totals[kind]
                row[0] += load.requests
                row[1] += load.seconds
                for index in range(6):
                    row[2 + index] += after[index] - before[index]
        health = totals["health"][0] / totals["health"][1]
        console.out(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
        for kind, (requests, seconds, server_cpu, database_cpu, ended, client, xacts, sessions) in totals.items():
            rate = requests / seconds
            console.out(
                f"  {kind}: {rate:,.0f} rps ({rate / health:.0%} of /health); CPU per request: server "
                f"{server_cpu / requests * 1000:.3f} ms, database {database_cpu / requests * 1000:.3f} ms "
                f"(+ {ended / requests * 1000:.3f} ms in backends that ended, any database's), load generator "
                f"{client / requests * 1000:.3f} ms; transactions per request {xacts / requests:.3f}, "
                f"connections opened per request {sessions / requests:.4f}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
