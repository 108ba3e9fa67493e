"""The benchmark: load a synthetic ledger, then time the API against its floor and its ceiling.

For each engine (SQLite, PostgreSQL) it prints and records:
  load      rows/s of `s106 generate` (one transaction, COPY on PostgreSQL)
  balances  GET /balances?group_by=local_authority as at today (median of runs) against the same
            aggregation as one hand-written SQL query on the same database (the floor), and their ratio
  balance   requests/s and p99 latency of GET /contributions/{id} (one contribution's balances) under
            concurrent load, against GET /health in the same run (the ceiling), and their ratio; and
            GET /local-authorities/{id} (a token check and one row: any authenticated read's ceiling)
  memory    peak resident memory (VmHWM) of the server's processes
  panel     the Panel report (both layouts) from the rollup against the ledger query, in process, as at today,
            the last month end and a mid-month date five years back, identical figures checked first
  duckdb    balances by authority from the rollup, in process, against DuckDB aggregating the same movements in
            memory (the floor query below, on copies of the tables), at the Panel's dates, identical figures first
  import    rows/s of `s106 import` of one authority's export into an empty database, against a raw insert of
            the same number of rows (one transaction, executemany) in the same run on the same engine, and
            their ratio (the issue's goal: at least a third)

Usage: python bench/run.py --scale 0.1 [--engines sqlite,postgresql] [--skip import,server] [--out bench/results.json]

DuckDB is a bench extra (`pip install -e '.[bench]'`), never a dependency of the service.
"""

import argparse
import asyncio
import csv
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import httpx
from rich.console import Console
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.auth.service import create_token  # noqa: E402
from app.balances.queries import BalanceFilter, authority_figures  # noqa: E402
from app.models import Role  # noqa: E402
from app.reports.reconcile import Layout, PanelTable  # noqa: E402
from app.reports.service import panel_table  # noqa: E402

BIN = Path(sys.executable).parent
console = Console()

# The floor: the balances grouped by authority as at a date, written by hand as one query.
FLOOR_SQL = """
WITH sums AS (
  SELECT contribution_id,
    SUM(CASE WHEN kind IN ('secured', 'indexation', 'variation') THEN signed
             WHEN kind = 'written_off' THEN -signed ELSE 0 END) AS total_value,
    SUM(CASE WHEN kind = 'received' THEN signed ELSE 0 END) AS received,
    SUM(CASE WHEN kind = 'drawn' THEN signed ELSE 0 END) AS drawn,
    SUM(CASE WHEN kind = 'spent' THEN signed ELSE 0 END) AS spent,
    SUM(CASE WHEN kind = 'returned' THEN signed ELSE 0 END) AS returned
  FROM (SELECT contribution_id, kind, CASE WHEN reverses_id IS NULL THEN amount ELSE -amount END AS signed
        FROM movements WHERE "on" <= :as_at) AS m
  GROUP BY contribution_id
), events AS (
  SELECT contribution_id,
    MAX(CASE WHEN kind IN ('development_started', 'trigger_met') THEN "on" END) AS started_on,
    MAX(CASE WHEN kind = 'at_risk' THEN "on" END) AS at_risk_on,
    MAX(CASE WHEN kind = 'at_risk_cleared' THEN "on" END) AS cleared_on
  FROM contribution_events WHERE "on" <= :as_at
  GROUP BY contribution_id
), stages AS (
  SELECT a.local_authority_id, a.id AS agreement_id,
    CASE WHEN a.closed_on IS NULL OR a.closed_on > :as_at THEN 1 ELSE 0 END AS is_open,
    s.total_value, s.received, s.drawn, s.spent, s.returned,
    CASE WHEN e.at_risk_on IS NOT NULL AND (e.cleared_on IS NULL OR e.at_risk_on > e.cleared_on) THEN 'at_risk'
         WHEN e.started_on IS NOT NULL OR c.trigger_type = 'on_signing' THEN 'started'
         ELSE 'not_started' END AS stage
  FROM contributions c
  JOIN agreements a ON a.id = c.agreement_id
  JOIN sums s ON s.contribution_id = c.id
  LEFT JOIN events e ON e.contribution_id = c.id
  WHERE a.signed_on <= :as_at
)
SELECT la.id AS key,
  COALESCE(SUM(st.total_value), 0) AS total_value,
  COALESCE(SUM(CASE WHEN st.stage = 'not_started' THEN st.total_value - st.received ELSE 0 END), 0) AS not_started,
  COALESCE(SUM(CASE WHEN st.stage = 'started' THEN st.total_value - st.received ELSE 0 END), 0) AS held_by_developer,
  COALESCE(SUM(CASE WHEN st.stage = 'at_risk' THEN st.total_value - st.received ELSE 0 END), 0) AS at_risk,
  COALESCE(SUM(st.received), 0) AS received_by_local_authority,
  COALESCE(SUM(st.drawn), 0) AS drawn,
  COALESCE(SUM(st.spent), 0) AS spent,
  COALESCE(SUM(st.returned), 0) AS returned,
  COUNT(DISTINCT st.agreement_id) AS agreements,
  COUNT(DISTINCT CASE WHEN st.is_open = 1 THEN st.agreement_id END) AS open_agreements
FROM local_authorities la
LEFT JOIN stages st ON st.local_authority_id = la.id
GROUP BY la.id, la.name
ORDER BY la.name
"""
CHECKED = (
    "total_value",
    "not_started",
    "held_by_developer",
    "at_risk",
    "received_by_local_authority",
    "drawn",
    "spent",
)


@dataclass
class EngineResult:
    """One engine's figures."""

    engine: str
    rows: dict[str, int] = field(default_factory=dict)
    load_seconds: float = 0.0
    load_rows_per_second: float = 0.0
    balances_ms: float = 0.0
    floor_ms: float = 0.0
    balances_over_floor: float = 0.0
    health_rps: float = 0.0
    health_p99_ms: float = 0.0
    authenticated_rps: float = 0.0
    authenticated_p99_ms: float = 0.0
    contribution_rps: float = 0.0
    contribution_p99_ms: float = 0.0
    authenticated_share_of_health: float = 0.0
    contribution_share_of_health: float = 0.0
    server_peak_mb: float = 0.0
    server_processes: int = 0
    import_rows: int = 0
    import_seconds: float = 0.0
    raw_insert_seconds: float = 0.0
    import_over_raw_insert: float = 0.0
    panel_rollup_ms: dict[str, float] = field(default_factory=dict)
    panel_ledger_ms: dict[str, float] = field(default_factory=dict)
    panel_ledger_over_rollup: dict[str, float] = field(default_factory=dict)
    balances_rollup_ms: dict[str, float] = field(default_factory=dict)
    duckdb_ms: dict[str, float] = field(default_factory=dict)
    duckdb_over_rollup: dict[str, float] = field(default_factory=dict)
    duckdb_copy_seconds: float = 0.0


def run(*args: str, database: str) -> str:
    """Run an s106 command against a database; its output."""
    result = subprocess.run(
        [str(BIN / "s106"), *args],
        env={**os.environ, "DATABASE_URL": database, "COLUMNS": "200"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"s106 {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def fresh_database(engine: str, postgres_url: str) -> str:
    """An empty database's URL for the engine."""
    if engine == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='s106-bench-')}/bench.db"
    url = make_url(postgres_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return postgres_url


def bench_import(engine_name: str, source: str, args: argparse.Namespace, result: EngineResult) -> None:
    """Time the import of one authority's export into an empty database against a raw insert of as many rows."""
    authority_id = "authority-0001"
    exported = Path(tempfile.mkdtemp(prefix="s106-bench-export-")) / "export.zip"
    run("export", "--local-authority", authority_id, "--out", str(exported), database=source)
    target = fresh_database(engine_name, str(make_url(args.postgres_url).set(database="s106_bench_import")))
    run("migrate", database=target)
    source_engine, target_engine = create_engine(source), create_engine(target)
    with source_engine.connect() as connection:
        authority = (
            connection.execute(text("SELECT * FROM local_authorities WHERE id = :id"), {"id": authority_id})
            .mappings()
            .one()
        )
    with target_engine.begin() as connection:
        columns = ", ".join(authority)
        values = ", ".join(f":{name}" for name in authority)
        connection.execute(text(f"INSERT INTO local_authorities ({columns}) VALUES ({values})"), dict(authority))
    started = time.perf_counter()
    report = json.loads(run("import", str(exported), "--local-authority", authority_id, "--json", database=target))
    result.import_seconds = time.perf_counter() - started
    result.import_rows = sum(summary["rows"] for summary in report["files"])
    rows = [
        {
            "reference": f"row-{number}",
            "parent": f"parent-{number // 10}",
            "status": "received",
            "amount": "1234.50",
            "on": "2020-01-01",
            "notes": "raw insert",
        }
        for number in range(result.import_rows)
    ]
    with target_engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE bench_raw_rows (reference VARCHAR(200), parent VARCHAR(200), status VARCHAR(40), "
                'amount NUMERIC(14, 2), "on" DATE, notes TEXT)'
            )
        )
    started = time.perf_counter()
    with target_engine.begin() as connection:
        connection.execute(
            text(
                'INSERT INTO bench_raw_rows (reference, parent, status, amount, "on", notes) '
                "VALUES (:reference, :parent, :status, CAST(:amount AS NUMERIC(14, 2)), CAST(:on AS DATE), :notes)"
            ),
            rows,
        )
    result.raw_insert_seconds = time.perf_counter() - started
    result.import_over_raw_insert = result.raw_insert_seconds / result.import_seconds
    source_engine.dispose()
    target_engine.dispose()
    console.print(
        f"  import {result.import_rows} rows in {result.import_seconds:.1f}s, raw insert "
        f"{result.raw_insert_seconds:.2f}s: {result.import_over_raw_insert:.3f} of the raw insert rate"
    )


def median_ms(samples: list[float]) -> float:
    """The median of timings in seconds, in milliseconds."""
    return statistics.median(samples) * 1000


def server_processes(pid: int) -> list[int]:
    """The server's process and its worker processes."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in children:
            found += server_processes(int(child))
    return found


def peak_memory_mb(pids: list[int]) -> float:
    """The largest VmHWM (peak resident set) among the processes, in MB."""
    peaks = []
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


@dataclass
class Load:
    """What one kind of request achieved over the rounds of a throughput run."""

    requests: int = 0
    seconds: float = 0.0
    failures: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        """Requests a second over the time spent on this kind."""
        return self.requests / self.seconds

    @property
    def p99_ms(self) -> float:
        """The 99th percentile latency, in milliseconds."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


async def _load(port: int, paths: list[str], token: str, seconds: float, connections: int, into: Load) -> None:
    """Keep `connections` keep-alive connections busy with GETs for `seconds`, adding what they did to `into`."""
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                path = random.choice(paths)
                request = f"GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\r\n"
                started = time.perf_counter()
                writer.write(request.encode())
                await writer.drain()
                status = int((await reader.readline()).split()[1])
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                into.latencies.append(time.perf_counter() - started)
                into.requests += 1
                into.failures += status != 200
        finally:
            writer.close()

    begun = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    into.seconds += time.perf_counter() - begun


THROUGHPUT_ROUNDS = 3
"""Each throughput run is split into rounds taking the kinds of request in turn, so a shared machine's
passing load falls on all of them alike and their ratios hold."""


def throughput(port: int, kinds: dict[str, list[str]], token: str, seconds: float, connections: int) -> dict[str, Load]:
    """Each kind of request under load for `seconds` in all, in rounds taking the kinds in turn."""
    loads = {kind: Load() for kind in kinds}
    for _ in range(THROUGHPUT_ROUNDS):
        for kind, paths in kinds.items():
            asyncio.run(_load(port, paths, token, seconds / THROUGHPUT_ROUNDS, connections, loads[kind]))
    return loads


def start_server(database: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """uvicorn serving the app on the database; waits for /health."""
    process = subprocess.Popen(
        [
            str(BIN / "uvicorn"),
            "app.main:app",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env={**os.environ, "DATABASE_URL": database},
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


def floor_figures(connection: Any, as_at: date) -> tuple[float, list[dict[str, Any]]]:
    """Run the floor query once; (seconds, rows)."""
    started = time.perf_counter()
    rows = [dict(row._mapping) for row in connection.execute(text(FLOOR_SQL), {"as_at": as_at})]
    return time.perf_counter() - started, rows


def cross_check(api_rows: list[dict[str, Any]], floor_rows: list[dict[str, Any]]) -> None:
    """The API and the floor must give the same figures, or the comparison means nothing."""
    by_key = {row["key"]: row for row in floor_rows}
    assert len(api_rows) == len(floor_rows), (len(api_rows), len(floor_rows))
    for row in api_rows:
        floor = by_key[row["key"]]
        for name in CHECKED:
            expected = Decimal(str(floor[name])).quantize(Decimal("0.01"))
            assert Decimal(row[name]) == expected, (row["key"], name, row[name], expected)
        assert row["agreements"] == floor["agreements"], row["key"]


def panel_dates(today: date) -> dict[str, date]:
    """The as-at dates the Panel is timed at: today, the last month end, and a mid-month five years back."""
    return {
        "today": today,
        "month end": today.replace(day=1) - timedelta(days=1),
        "mid-month 5 years back": today.replace(year=today.year - 5, day=15),
    }


def bench_panel(engine: Any, runs: int, result: EngineResult) -> None:
    """Time the Panel report (both layouts) from the rollup against the ledger query, in process, same engine."""
    with Session(engine) as session:
        for label, as_at in panel_dates(date.today()).items():

            def tables(from_rollup: bool, as_at: date = as_at) -> list[PanelTable]:
                return [
                    panel_table(session=session, layout=layout, as_at=as_at, scope=None, from_rollup=from_rollup)
                    for layout in Layout
                ]

            assert tables(True) == tables(False), f"the rollup and the ledger disagree as at {as_at}"
            rollup_timings: list[float] = []
            ledger_timings: list[float] = []
            for _ in range(runs):
                for from_rollup, timings in ((True, rollup_timings), (False, ledger_timings)):
                    begun = time.perf_counter()
                    tables(from_rollup)
                    timings.append(time.perf_counter() - begun)
            result.panel_rollup_ms[label] = median_ms(rollup_timings)
            result.panel_ledger_ms[label] = median_ms(ledger_timings)
            result.panel_ledger_over_rollup[label] = median_ms(ledger_timings) / median_ms(rollup_timings)
            console.print(
                f"  Panel as at {as_at} ({label}): rollup {result.panel_rollup_ms[label]:.1f} ms, "
                f"ledger {result.panel_ledger_ms[label]:.1f} ms"
            )


DUCKDB_TABLES = {
    "local_authorities": "id VARCHAR, name VARCHAR",
    "agreements": "id BIGINT, local_authority_id VARCHAR, signed_on DATE, closed_on DATE",
    "contributions": "id BIGINT, agreement_id BIGINT, trigger_type VARCHAR",
    "contribution_events": 'contribution_id BIGINT, kind VARCHAR, "on" DATE',
    "movements": 'contribution_id BIGINT, kind VARCHAR, amount DECIMAL(14,2), "on" DATE, reverses_id BIGINT',
}
"""The columns the floor query reads, copied into DuckDB with these types."""


def copy_into_duckdb(engine: Any) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding copies of the tables the floor query reads (through CSV files)."""
    duck = duckdb.connect(":memory:")
    folder = Path(tempfile.mkdtemp(prefix="s106-bench-duckdb-"))
    with engine.connect() as connection:
        for table, columns in DUCKDB_TABLES.items():
            names = [column.split()[0] for column in columns.split(", ")]
            path = folder / f"{table}.csv"
            with path.open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow([name.strip('"') for name in names])
                for row in connection.execute(text(f"SELECT {', '.join(names)} FROM {table}")):
                    writer.writerow(["" if value is None else value for value in row])
            duck.execute(f"CREATE TABLE {table} ({columns})")
            duck.execute(f"COPY {table} FROM '{path}' (HEADER)")
    return duck


def bench_duckdb(engine: Any, runs: int, result: EngineResult) -> None:
    """Balances by authority from the rollup against DuckDB's in-memory aggregation of the same movements."""
    started = time.perf_counter()
    duck = copy_into_duckdb(engine)
    result.duckdb_copy_seconds = time.perf_counter() - started
    query = FLOOR_SQL.replace(":as_at", "$as_at")
    with Session(engine) as session:
        for label, as_at in panel_dates(date.today()).items():
            cursor = duck.execute(query, {"as_at": as_at})
            names = [column[0] for column in cursor.description]
            floor = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
            figures = authority_figures(session, as_at=as_at, where=BalanceFilter())
            assert len(figures.rows) == len(floor), (label, len(figures.rows), len(floor))
            for row in figures.rows:
                for name in (*CHECKED, "agreements"):
                    assert Decimal(getattr(row, name)) == Decimal(floor[row.key][name]), (label, row.key, name)
            rollup_timings: list[float] = []
            duckdb_timings: list[float] = []
            for _ in range(runs):
                begun = time.perf_counter()
                authority_figures(session, as_at=as_at, where=BalanceFilter())
                rollup_timings.append(time.perf_counter() - begun)
                begun = time.perf_counter()
                duck.execute(query, {"as_at": as_at}).fetchall()
                duckdb_timings.append(time.perf_counter() - begun)
            result.balances_rollup_ms[label] = median_ms(rollup_timings)
            result.duckdb_ms[label] = median_ms(duckdb_timings)
            result.duckdb_over_rollup[label] = median_ms(duckdb_timings) / median_ms(rollup_timings)
            console.print(
                f"  balances by authority as at {as_at} ({label}): rollup {result.balances_rollup_ms[label]:.1f} ms, "
                f"DuckDB in memory {result.duckdb_ms[label]:.1f} ms"
            )
    duck.close()


def bench_engine(engine_name: str, args: argparse.Namespace) -> EngineResult:
    """Load, then measure, one engine."""
    result = EngineResult(engine=engine_name)
    database = fresh_database(engine_name, args.postgres_url)
    run("migrate", database=database)
    console.print(f"[bold]{engine_name}[/bold]: generating scale {args.scale} into {database}")
    started = time.perf_counter()
    run("generate", "--scale", str(args.scale), database=database)
    result.load_seconds = time.perf_counter() - started
    engine = create_engine(database)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("local_authorities", "agreements", "contributions", "contribution_events", "movements"):
            result.rows[table] = int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
        # What autovacuum would do shortly after a bulk load: statistics, and the visibility map.
        connection.execute(text("VACUUM ANALYZE" if engine_name == "postgresql" else "ANALYZE"))
    result.load_rows_per_second = sum(result.rows.values()) / result.load_seconds
    with Session(engine) as session:
        _row, token = create_token(session=session, name="bench", role=Role.officer)
        session.commit()
    console.print(f"  loaded {result.rows} in {result.load_seconds:.1f}s")
    if "panel" not in args.skip:
        bench_panel(engine, args.runs, result)
    if "duckdb" not in args.skip:
        bench_duckdb(engine, args.runs, result)
    if "import" not in args.skip:
        bench_import(engine_name, database, args, result)
    if "server" in args.skip:
        return result

    port = args.port
    server = start_server(database, port, args.workers)
    try:
        today = date.today()
        headers = {"Authorization": f"Bearer {token}"}
        params = {"group_by": "local_authority", "limit": 500}
        timings: list[float] = []
        floor_timings: list[float] = []
        with (
            httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=600) as client,
            engine.connect() as connection,
        ):
            api_rows = client.get("/balances", params=params).json()["rows"]  # warm-up
            _seconds, floor_rows = floor_figures(connection, today)
            cross_check(api_rows, floor_rows)
            # Alternate the two, so both see the same state of a shared machine.
            for _ in range(args.runs):
                begun = time.perf_counter()
                response = client.get("/balances", params=params)
                timings.append(time.perf_counter() - begun)
                assert response.status_code == 200, response.text
                seconds, _rows = floor_figures(connection, today)
                floor_timings.append(seconds)
            result.balances_ms = median_ms(timings)
        result.floor_ms = median_ms(floor_timings)
        result.balances_over_floor = result.balances_ms / result.floor_ms
        console.print(f"  balances {result.balances_ms:.0f} ms, floor {result.floor_ms:.0f} ms")

        contributions = result.rows["contributions"]
        paths = [f"/contributions/{random.randint(1, contributions)}" for _ in range(10_000)]
        kinds = {"health": ["/health"], "authenticated": ["/local-authorities/authority-0001"], "contribution": paths}
        loads = throughput(port, kinds, token, args.seconds, args.connections)
        for kind, load in loads.items():
            assert load.failures == 0, f"{load.failures} {kind} requests failed"
        result.health_rps, result.health_p99_ms = loads["health"].per_second, loads["health"].p99_ms
        result.authenticated_rps = loads["authenticated"].per_second
        result.authenticated_p99_ms = loads["authenticated"].p99_ms
        result.contribution_rps, result.contribution_p99_ms = (
            loads["contribution"].per_second,
            loads["contribution"].p99_ms,
        )
        result.authenticated_share_of_health = result.authenticated_rps / result.health_rps
        result.contribution_share_of_health = result.contribution_rps / result.health_rps
        console.print(
            f"  /health {result.health_rps:,.0f} rps; authenticated read {result.authenticated_rps:,.0f} rps "
            f"({result.authenticated_share_of_health:.0%}, target 40%); contribution balance "
            f"{result.contribution_rps:,.0f} rps ({result.contribution_share_of_health:.0%}, target 30%)"
        )
        pids = server_processes(server.pid)
        result.server_processes = len(pids)
        result.server_peak_mb = peak_memory_mb(pids)
    finally:
        server.terminate()
        server.wait(timeout=30)
        engine.dispose()
    return result


def show(results: list[EngineResult], scale: float) -> None:
    """Print the results as Markdown tables, ready for docs/benchmarks.md."""
    lines = [
        f"scale {scale}",
        "",
        "| engine | rows | load | GET /balances | floor SQL | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        lines.append(
            f"| {result.engine} | {sum(result.rows.values()):,} | {result.load_rows_per_second:,.0f} rows/s "
            f"({result.load_seconds:.0f} s) | {result.balances_ms:,.0f} ms | {result.floor_ms:,.0f} ms "
            f"| {result.balances_over_floor:.2f}x |"
        )
    lines += [
        "",
        "| engine | /health rps (p99) | authenticated read rps (p99) | share of /health (target 40%) "
        "| contribution balance rps (p99) | share of /health (target 30%) | server peak memory |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        lines.append(
            f"| {result.engine} | {result.health_rps:,.0f} ({result.health_p99_ms:.0f} ms) "
            f"| {result.authenticated_rps:,.0f} ({result.authenticated_p99_ms:.0f} ms) "
            f"| {result.authenticated_share_of_health:.0%} "
            f"| {result.contribution_rps:,.0f} ({result.contribution_p99_ms:.0f} ms) "
            f"| {result.contribution_share_of_health:.0%} | {result.server_peak_mb:.0f} MB |"
        )
    lines += [
        "",
        "| engine | import rows | s106 import | raw insert | import's share of the raw insert rate |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        if not result.import_seconds:
            continue
        lines.append(
            f"| {result.engine} | {result.import_rows:,} | {result.import_rows / result.import_seconds:,.0f} rows/s "
            f"({result.import_seconds:.1f} s) | {result.import_rows / result.raw_insert_seconds:,.0f} rows/s "
            f"| {result.import_over_raw_insert:.3f} |"
        )
    lines += [
        "",
        "| engine | Panel as at | from the rollup | from the ledger | ledger over rollup |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for result in results:
        for label, rollup_ms in result.panel_rollup_ms.items():
            lines.append(
                f"| {result.engine} | {label} | {rollup_ms:,.1f} ms | {result.panel_ledger_ms[label]:,.1f} ms "
                f"| {result.panel_ledger_over_rollup[label]:.1f}x |"
            )
    lines += [
        "",
        "| engine | balances by authority as at | from the rollup | DuckDB in memory | DuckDB over rollup |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for result in results:
        for label, rollup_ms in result.balances_rollup_ms.items():
            lines.append(
                f"| {result.engine} | {label} | {rollup_ms:,.1f} ms | {result.duckdb_ms[label]:,.1f} ms "
                f"| {result.duckdb_over_rollup[label]:.1f}x |"
            )
    print("\n".join(lines))  # noqa: T201 - the report is the program's output


def main() -> None:
    """Parse arguments, run every engine, print and record the results."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 is national: 100,000 agreements")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/s106_bench")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each balances query")
    parser.add_argument(
        "--seconds", type=float, default=10, help="seconds each kind of request is under load, over three rounds"
    )
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections in throughput runs")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument("--out", type=Path, help="append the results as JSON lines to this file")
    parser.add_argument(
        "--skip",
        default="",
        help="parts to leave out, comma-separated: panel, duckdb, import, server (the HTTP measurements)",
    )
    args = parser.parse_args()
    results = [bench_engine(engine, args) for engine in args.engines.split(",")]
    show(results, args.scale)
    if args.out:
        machine = (
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        )
        with args.out.open("a") as handle:
            for result in results:
                handle.write(json.dumps({"scale": args.scale, "machine": machine, **asdict(result)}) + "\n")


if __name__ == "__main__":
    main()
