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
  duckdb    balances by authority and by purpose from the rollup, in process, against DuckDB aggregating the same
            movements in memory (the floor queries below, on copies of the tables), at the Panel's dates, identical
            figures first
  writes    the time of recording movements through the ledger's writer (a receipt dated today on an existing
            contribution, one transaction each as the API does) with the rollup's upkeep against the same with it
            switched off for the bench, alternately, and their ratio (the issue's goal: at most 1.5x)
  import    rows/s of `s106 import` of one authority's export into an empty database, against a raw insert of
            the same number of rows (one transaction, executemany) in the same run on the same engine, and
            their ratio (the issue's goal: at least a third)
  round-trip every authority of the loaded ledger exported and imported into an empty database: every
            contribution's balances at every stage as at several dates must come back to the penny

Usage: python bench/run.py --scale 0.1 [--engines sqlite,postgresql] [--skip import,server,writes]
                           [--out bench/results.json]
       python bench/run.py --engines sqlite --database sqlite:////tmp/copy/s106.db --skip import,round-trip,server

With --database the bench measures that already migrated and loaded database (one engine) instead of generating
a fresh one: no load figure, and the writes it measures stay in it, so point it at a copy. A national-scale
database takes minutes to bench so, rather than the hour its generation takes.

DuckDB is a bench extra (`pip install -e '.[bench]'`), never a dependency of the service.
"""

import argparse
import asyncio
import csv
import json
import os
import platform
import random
import shutil
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
from sqlalchemy import MetaData, Table, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.auth.service import Principal, create_token  # noqa: E402
from app.balances.queries import Balance, GroupBy, rollup_balances  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.ledger import rollup  # noqa: E402
from app.ledger.writer import record_movement  # noqa: E402
from app.models import MovementKind, Role  # noqa: E402
from app.reports.reconcile import Layout, PanelTable  # noqa: E402
from app.reports.service import panel_table  # noqa: E402

BIN = Path(sys.executable).parent
console = Console()

# The floor: the balances grouped by authority (or purpose) as at a date, written by hand as one query.
STAGES_SQL = """
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
  SELECT a.local_authority_id, c.purpose, a.id AS agreement_id,
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
"""
FIGURES_SQL = """
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
"""
FLOOR_SQL = f"""{STAGES_SQL}
SELECT la.id AS key, {FIGURES_SQL}
FROM local_authorities la
LEFT JOIN stages st ON st.local_authority_id = la.id
GROUP BY la.id, la.name
ORDER BY la.name
"""
PURPOSE_FLOOR_SQL = f"""{STAGES_SQL}
SELECT st.purpose AS key, {FIGURES_SQL}
FROM stages st
GROUP BY st.purpose
ORDER BY st.purpose
"""
"""The same by purpose: an agreement with contributions of two purposes counts under each."""
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
    panel_table_ms: dict[str, float] = field(default_factory=dict)
    duckdb_over_panel: dict[str, float] = field(default_factory=dict)
    purpose_rollup_ms: dict[str, float] = field(default_factory=dict)
    duckdb_purpose_ms: dict[str, float] = field(default_factory=dict)
    duckdb_over_purpose: dict[str, float] = field(default_factory=dict)
    duckdb_copy_seconds: float = 0.0
    writes: int = 0
    write_with_rollup_ms: float = 0.0
    write_without_rollup_ms: float = 0.0
    write_upkeep_ms: float = 0.0
    write_with_over_without: float = 0.0
    back_dated_writes: int = 0
    back_dated_with_rollup_ms: float = 0.0
    back_dated_without_rollup_ms: float = 0.0
    back_dated_upkeep_ms: float = 0.0
    back_dated_with_over_without: float = 0.0
    back_dated_days: float = 0.0
    round_trip_contributions: int = 0
    round_trip_dates: int = 0
    round_trip_seconds: float = 0.0


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


IMPORT_WRITES = (
    "agreements",
    "contributions",
    "instalments",
    "contribution_events",
    "instalment_due",
    "movements",
    "imported_records",
    "rollup_contribution_days",
    "rollup_months",
    "rollup_agreement_days",
    "rollup_agreement_months",
    "rollup_agreement_purpose_days",
    "rollup_agreement_purpose_months",
    "rollup_period_changes",
    "rollup_agreement_period_changes",
    "rollup_agreement_purpose_period_changes",
)
"""The tables an import writes, in an order their foreign keys allow: the raw insert writes the same rows."""


def empty_import_targets(engine_name: str, url: str, source: str, authority_id: str) -> Any:
    """A maker of fresh databases, each a copy of one migrated database holding only the authority's row."""
    template = fresh_database(engine_name, url)
    run("migrate", database=template)
    with create_engine(source).connect() as connection:
        authority = (
            connection.execute(text("SELECT * FROM local_authorities WHERE id = :id"), {"id": authority_id})
            .mappings()
            .one()
        )
    engine = create_engine(template)
    with engine.begin() as connection:
        columns = ", ".join(authority)
        values = ", ".join(f":{name}" for name in authority)
        connection.execute(text(f"INSERT INTO local_authorities ({columns}) VALUES ({values})"), dict(authority))
    engine.dispose()
    template_url = make_url(template)

    def copy(name: str) -> str:
        if engine_name == "sqlite":
            path = Path(str(template_url.database)).with_name(f"{name}.db")
            for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):  # an earlier copy's log would replay
                leftover.unlink(missing_ok=True)
            shutil.copyfile(str(template_url.database), path)
            return f"sqlite:///{path}"
        admin = create_engine(template_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{template_url.database}_{name}" WITH (FORCE)'))
            connection.execute(
                text(f'CREATE DATABASE "{template_url.database}_{name}" TEMPLATE "{template_url.database}"')
            )
        admin.dispose()
        return str(template_url.set(database=f"{template_url.database}_{name}"))

    return copy


def run_measured(*args: str, database: str) -> tuple[str, float, float]:
    """Run an s106 command; its output, its wall time (start-up included) and its peak resident set in MB.

    The peak is taken by a small process between (`/usr/bin/time`) where there is one: a child forked from
    this process counts this one's pages until it starts the command.
    """
    folder = Path(tempfile.mkdtemp(prefix="s106-bench-measured-"))
    between = ["/usr/bin/time", "-f", "%M", "-o", str(folder / "peak")] if Path("/usr/bin/time").exists() else []
    with (folder / "out").open("w+") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            [*between, str(BIN / "s106"), *args],
            env={**os.environ, "DATABASE_URL": database, "COLUMNS": "200"},
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.DEVNULL,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        output.seek(0)
        printed = output.read()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: some rows were left out, which the report says
        raise SystemExit(f"s106 {' '.join(args)} failed ({code}):\n{printed}")
    peak_kb = int((folder / "peak").read_text().split()[-1]) if between else usage.ru_maxrss
    return printed, seconds, peak_kb / 1024


def bench_import(engine_name: str, source: str, args: argparse.Namespace, result: EngineResult) -> None:
    """Time the import of one authority's export into an empty database against a raw insert of the same rows.

    Each run, alternately and each into its own copy of one empty migrated database: the whole `s106 import`
    command (start-up included, and its peak resident set); the import in process (`import_files` and the
    commit, the interpreter and modules already loaded); and the floor, the rows the import wrote (every
    table it writes, the rollup's included), inserted raw into the same tables in one transaction
    (`executemany`). Medians of `--runs`. `import_seconds` and `import_over_raw_insert` hold the in-process
    figures; the whole command's are printed beside them.
    """
    from app.auth.service import command_line_principal
    from app.db import make_engine
    from app.standard.importer import ImportOptions, SourceFile, import_files

    authority_id = "authority-0001"
    exported = Path(tempfile.mkdtemp(prefix="s106-bench-export-")) / "export.zip"
    run("export", "--local-authority", authority_id, "--out", str(exported), database=source)
    base = make_url(args.postgres_url)
    copy = empty_import_targets(engine_name, str(base.set(database=f"{base.database}_import")), source, authority_id)
    command_timings: list[float] = []
    in_process_timings: list[float] = []
    raw_timings: list[float] = []
    peaks: list[float] = []
    written: dict[str, list[dict[str, Any]]] = {}
    for _ in range(args.runs):
        printed, seconds, peak_mb = run_measured(
            "import", str(exported), "--local-authority", authority_id, "--json", database=copy("command")
        )
        report = json.loads(printed)
        command_timings.append(seconds)
        peaks.append(peak_mb)

        engine = make_engine(copy("in_process"))
        started = time.perf_counter()
        with Session(engine, expire_on_commit=False) as session, session.begin():
            in_process = import_files(
                session=session,
                principal=command_line_principal(),
                files=[SourceFile(name=exported.name, content=exported.read_bytes())],
                options=ImportOptions(local_authority_id=authority_id),
            )
        in_process_timings.append(time.perf_counter() - started)
        assert in_process.created.model_dump() == report["created"], (in_process.created, report["created"])
        if not written:
            with engine.connect() as connection:
                for name in IMPORT_WRITES:
                    table = Table(name, MetaData(), autoload_with=connection)
                    written[name] = [dict(row) for row in connection.execute(table.select()).mappings()]
        engine.dispose()

        engine = create_engine(copy("raw"))
        tables = {name: Table(name, MetaData(), autoload_with=engine) for name in IMPORT_WRITES}
        started = time.perf_counter()
        with engine.begin() as connection:
            for name, rows in written.items():
                if rows:
                    connection.execute(tables[name].insert(), rows)
        raw_timings.append(time.perf_counter() - started)
        engine.dispose()
    result.import_rows = sum(summary["rows"] for summary in report["files"])
    result.import_seconds = statistics.median(in_process_timings)
    result.raw_insert_seconds = statistics.median(raw_timings)
    result.import_over_raw_insert = result.raw_insert_seconds / result.import_seconds
    command_seconds = statistics.median(command_timings)
    rows_written = sum(len(rows) for rows in written.values())
    console.print(
        f"  import of {result.import_rows:,} input rows ({rows_written:,} rows written), medians of {args.runs}: "
        f"in process {result.import_seconds:.2f}s, whole command {command_seconds:.2f}s (peak {max(peaks):.0f} MB); "
        f"raw insert of the same rows {result.raw_insert_seconds:.3f}s: {result.import_over_raw_insert:.3f} of the "
        f"raw insert rate in process, {result.raw_insert_seconds / command_seconds:.3f} as a whole command"
    )


ROUND_TRIP_LARGEST_SCALE = 0.1
"""The round trip exports and imports the whole ledger: at national scale that alone would take most of an hour."""


def bench_round_trip(engine_name: str, source: str, args: argparse.Namespace, result: EngineResult) -> None:
    """Export every authority of the loaded ledger, import it all into an empty database, compare the balances.

    Every contribution's balances at every stage, as at the dates `tests/round_trip.py` picks, must come back to
    the penny with no flagged adjustment; the bench stops on any difference.
    """
    from tests.round_trip import checkpoints, export_every_authority, figures_by_contribution, import_every_authority

    base = make_url(args.postgres_url)
    target = fresh_database(engine_name, str(base.set(database=f"{base.database}_round_trip")))
    run("migrate", database=target)
    today = date.today()
    source_engine, target_engine = make_engine(source), make_engine(target)
    started = time.perf_counter()
    with Session(source_engine) as session:
        exported = export_every_authority(session, today)
        dates = checkpoints(session, today)
        before = {when: figures_by_contribution(session, when) for when in dates}
    with Session(target_engine) as session, session.begin():
        import_every_authority(session, exported)
    with Session(target_engine) as session:
        for when in dates:
            after = figures_by_contribution(session, when)
            differing = [key for key, figures in before[when].items() if after.get(key) != figures]
            assert not differing and len(after) == len(before[when]), (when, len(differing), differing[:3])
    result.round_trip_seconds = time.perf_counter() - started
    result.round_trip_contributions = len(before[today])
    result.round_trip_dates = len(dates)
    source_engine.dispose()
    target_engine.dispose()
    console.print(
        f"  round trip: {result.round_trip_contributions:,} contributions exported and imported, every balance "
        f"the same as at {result.round_trip_dates} dates ({result.round_trip_seconds:.0f} s)"
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
    "contributions": "id BIGINT, agreement_id BIGINT, purpose VARCHAR, trigger_type VARCHAR",
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


def same_figures(label: str, rows: list[Balance], floor: dict[str, dict[str, Any]]) -> None:
    """The rollup's rows and DuckDB's must give the same figures, or the comparison means nothing."""
    assert sorted(row.key for row in rows) == sorted(floor), (label, [row.key for row in rows], list(floor))
    for row in rows:
        for name in (*CHECKED, "agreements", "open_agreements"):
            assert Decimal(getattr(row, name)) == Decimal(floor[row.key][name]), (label, row.key, name)


def bench_duckdb(engine: Any, runs: int, result: EngineResult) -> None:
    """Balances by authority and by purpose from the rollup against DuckDB's in-memory aggregation of the same
    movements, and a Panel table against the same aggregation by authority."""
    started = time.perf_counter()
    duck = copy_into_duckdb(engine)
    result.duckdb_copy_seconds = time.perf_counter() - started
    queries = {
        GroupBy.local_authority: FLOOR_SQL.replace(":as_at", "$as_at"),
        GroupBy.purpose: PURPOSE_FLOOR_SQL.replace(":as_at", "$as_at"),
    }
    with Session(engine) as session:
        for label, as_at in panel_dates(date.today()).items():

            def from_rollup(group_by: GroupBy, as_at: date = as_at) -> list[Balance]:
                rows, _totals, _count = rollup_balances(session, group_by=group_by, as_at=as_at)
                return rows

            for group_by, query in queries.items():
                cursor = duck.execute(query, {"as_at": as_at})
                names = [column[0] for column in cursor.description]
                floor = {str(row[0]): dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
                same_figures(f"{group_by.value} as at {as_at}", from_rollup(group_by), floor)
            rollup_timings: dict[GroupBy, list[float]] = {group_by: [] for group_by in queries}
            duckdb_timings: dict[GroupBy, list[float]] = {group_by: [] for group_by in queries}
            panel_timings: dict[Layout, list[float]] = {layout: [] for layout in Layout}
            # Alternately, so each pair sees the same state of a shared machine.
            for _ in range(runs):
                for group_by, query in queries.items():
                    begun = time.perf_counter()
                    from_rollup(group_by)
                    rollup_timings[group_by].append(time.perf_counter() - begun)
                    begun = time.perf_counter()
                    duck.execute(query, {"as_at": as_at}).fetchall()
                    duckdb_timings[group_by].append(time.perf_counter() - begun)
                for layout in Layout:
                    begun = time.perf_counter()
                    panel_table(session=session, layout=layout, as_at=as_at, scope=None)
                    panel_timings[layout].append(time.perf_counter() - begun)
            by_authority, by_purpose = GroupBy.local_authority, GroupBy.purpose
            result.balances_rollup_ms[label] = median_ms(rollup_timings[by_authority])
            result.duckdb_ms[label] = median_ms(duckdb_timings[by_authority])
            result.duckdb_over_rollup[label] = result.duckdb_ms[label] / result.balances_rollup_ms[label]
            result.purpose_rollup_ms[label] = median_ms(rollup_timings[by_purpose])
            result.duckdb_purpose_ms[label] = median_ms(duckdb_timings[by_purpose])
            result.duckdb_over_purpose[label] = result.duckdb_purpose_ms[label] / result.purpose_rollup_ms[label]
            # A Panel table is one layout (one request); the slower of the two against one DuckDB aggregation.
            result.panel_table_ms[label] = max(median_ms(timings) for timings in panel_timings.values())
            result.duckdb_over_panel[label] = result.duckdb_ms[label] / result.panel_table_ms[label]
            console.print(
                f"  as at {as_at} ({label}): by authority {result.balances_rollup_ms[label]:.1f} ms against DuckDB "
                f"{result.duckdb_ms[label]:.1f} ms ({result.duckdb_over_rollup[label]:.1f}x); by purpose "
                f"{result.purpose_rollup_ms[label]:.1f} ms against {result.duckdb_purpose_ms[label]:.1f} ms "
                f"({result.duckdb_over_purpose[label]:.1f}x); Panel table (slower layout) "
                f"{result.panel_table_ms[label]:.1f} ms ({result.duckdb_over_panel[label]:.1f}x)"
            )
    duck.close()


# Contributions of open agreements with at least a pound still to receive: a receipt of a penny passes every rule,
# dated today or on the contribution's latest movement (its figures from then on are its figures today).
RECEIVABLE_SQL = """
SELECT c.id, s.latest FROM contributions c
JOIN agreements a ON a.id = c.agreement_id
JOIN (SELECT contribution_id,
        SUM(CASE WHEN kind IN ('secured', 'indexation', 'variation') THEN signed
                 WHEN kind = 'written_off' THEN -signed WHEN kind = 'received' THEN -signed ELSE 0 END) AS unreceived,
             MAX("on") AS latest
      FROM (SELECT contribution_id, kind, "on", CASE WHEN reverses_id IS NULL THEN amount ELSE -amount END AS signed
            FROM movements) AS m
      GROUP BY contribution_id) AS s ON s.contribution_id = c.id
WHERE a.closed_on IS NULL AND s.unreceived >= 1
ORDER BY c.id
"""

ROLLUP_LISTENERS = (("after_flush", rollup._notice), ("before_commit", rollup._settle_before_commit))
"""The hooks by which the ledger keeps the rollup; the bench removes them to time a write without its upkeep."""


def bench_writes(database: str, count: int, result: EngineResult, *, back_dated: bool = False) -> None:
    """Time movements recorded through the ledger's writer with the rollup's upkeep against the same without it:
    receipts dated today, or (back_dated) each on its contribution's latest movement, which moves every later
    snapshot of its group."""
    engine = make_engine(database)
    principal = Principal(name="bench", role=Role.officer)
    today = date.today()
    with engine.connect() as connection:
        latest = {row[0]: _as_date(row[1]) for row in connection.execute(text(RECEIVABLE_SQL))}
    if back_dated:
        latest = {key: on for key, on in latest.items() if on < today}
    chosen = random.Random(18 if back_dated else 17).sample(sorted(latest), min(len(latest), 2 * count))

    def write(contribution_id: int) -> tuple[float, float]:
        """One receipt in its own transaction, as a POST /movements does: (seconds, of which the upkeep)."""
        with Session(engine, expire_on_commit=False) as session:
            begun = time.perf_counter()
            record_movement(
                session=session,
                principal=principal,
                contribution_id=contribution_id,
                kind=MovementKind.received,
                amount=Decimal("0.01"),
                on=latest[contribution_id] if back_dated else today,
                reference="bench",
            )
            written = time.perf_counter()
            rollup.settle(session)
            settled = time.perf_counter()
            session.commit()
            return time.perf_counter() - begun, settled - written

    with_rollup: list[float] = []
    without_rollup: list[float] = []
    upkeep: list[float] = []
    unkept: list[int] = []
    try:
        # Alternately, so both see the same state of a shared machine.
        for with_id, without_id in zip(chosen[0::2], chosen[1::2], strict=False):
            seconds, kept = write(with_id)
            with_rollup.append(seconds)
            upkeep.append(kept)
            for name, listener in ROLLUP_LISTENERS:
                event.remove(Session, name, listener)
            try:
                seconds, _kept = write(without_id)
            finally:
                for name, listener in ROLLUP_LISTENERS:
                    event.listen(Session, name, listener)
            without_rollup.append(seconds)
            unkept.append(without_id)
    finally:
        # The writes without upkeep left the rollup behind the ledger for their contributions: bring it level.
        with Session(engine) as session:
            rollup.rederive_contributions(session, unkept)
            session.commit()
            assert rollup.check(session) == [], "the rollup differs from the ledger after the write bench"
        engine.dispose()
    with_ms, without_ms, upkeep_ms = median_ms(with_rollup), median_ms(without_rollup), median_ms(upkeep)
    if back_dated:
        result.back_dated_writes = len(with_rollup) + len(without_rollup)
        result.back_dated_with_rollup_ms, result.back_dated_without_rollup_ms = with_ms, without_ms
        result.back_dated_upkeep_ms = upkeep_ms
        result.back_dated_with_over_without = with_ms / without_ms
        result.back_dated_days = statistics.median((today - latest[each]).days for each in chosen)
    else:
        result.writes = len(with_rollup) + len(without_rollup)
        result.write_with_rollup_ms, result.write_without_rollup_ms, result.write_upkeep_ms = (
            with_ms,
            without_ms,
            upkeep_ms,
        )
        result.write_with_over_without = with_ms / without_ms
    dated = f"back-dated (median {result.back_dated_days:.0f} days)" if back_dated else "dated today"
    console.print(
        f"  a receipt {dated} with the rollup's upkeep {with_ms:.2f} ms (upkeep {upkeep_ms:.2f} ms), "
        f"without {without_ms:.2f} ms: {with_ms / without_ms:.2f}x"
    )


def _as_date(value: Any) -> date:
    """A date from a raw query (SQLite returns it as ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def bench_engine(engine_name: str, args: argparse.Namespace) -> EngineResult:
    """Load, then measure, one engine."""
    result = EngineResult(engine=engine_name)
    if args.database:
        database = args.database
        console.print(f"[bold]{engine_name}[/bold]: benching the loaded database {database}")
    else:
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
    result.load_rows_per_second = sum(result.rows.values()) / result.load_seconds if result.load_seconds else 0
    with Session(engine) as session:
        _row, token = create_token(session=session, name="bench", role=Role.officer)
        session.commit()
    console.print(f"  loaded {result.rows} in {result.load_seconds:.1f}s")
    if "panel" not in args.skip:
        bench_panel(engine, args.runs, result)
    if "duckdb" not in args.skip:
        bench_duckdb(engine, args.runs, result)
    if "writes" not in args.skip:
        bench_writes(database, args.writes, result)
        bench_writes(database, args.writes, result, back_dated=True)
    if "import" not in args.skip:
        bench_import(engine_name, database, args, result)
    if "round-trip" not in args.skip and args.scale <= ROUND_TRIP_LARGEST_SCALE:
        bench_round_trip(engine_name, database, args, result)
    elif "round-trip" not in args.skip:
        console.print(f"  round trip left out: it runs at scale {ROUND_TRIP_LARGEST_SCALE} and below")
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
        "| engine | as at | balances by authority | a Panel table (slower layout) | DuckDB in memory "
        "| DuckDB over balances | DuckDB over Panel | balances by purpose | DuckDB by purpose "
        "| DuckDB over balances by purpose |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        for label, rollup_ms in result.balances_rollup_ms.items():
            lines.append(
                f"| {result.engine} | {label} | {rollup_ms:,.1f} ms | {result.panel_table_ms[label]:,.1f} ms "
                f"| {result.duckdb_ms[label]:,.1f} ms | {result.duckdb_over_rollup[label]:.1f}x "
                f"| {result.duckdb_over_panel[label]:.1f}x | {result.purpose_rollup_ms[label]:,.1f} ms "
                f"| {result.duckdb_purpose_ms[label]:,.1f} ms | {result.duckdb_over_purpose[label]:.1f}x |"
            )
    lines += [
        "",
        "| engine | receipts written | dated | with the rollup's upkeep | of which the upkeep | without it | ratio |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        if result.writes:
            lines.append(
                f"| {result.engine} | {result.writes} | today | {result.write_with_rollup_ms:.2f} ms "
                f"| {result.write_upkeep_ms:.2f} ms | {result.write_without_rollup_ms:.2f} ms "
                f"| {result.write_with_over_without:.2f}x |"
            )
        if result.back_dated_writes:
            lines.append(
                f"| {result.engine} | {result.back_dated_writes} | back {result.back_dated_days:.0f} days (median) "
                f"| {result.back_dated_with_rollup_ms:.2f} ms | {result.back_dated_upkeep_ms:.2f} ms "
                f"| {result.back_dated_without_rollup_ms:.2f} ms | {result.back_dated_with_over_without:.2f}x |"
            )
    lines += [
        "",
        "| engine | round trip: contributions | as at dates | every balance the same | seconds |",
        "| --- | ---: | ---: | --- | ---: |",
    ]
    for result in results:
        if result.round_trip_contributions:
            lines.append(
                f"| {result.engine} | {result.round_trip_contributions:,} | {result.round_trip_dates} | yes "
                f"| {result.round_trip_seconds:.0f} |"
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
    parser.add_argument("--database", help="bench this loaded database (its URL) instead of generating one")
    parser.add_argument("--writes", type=int, default=200, help="movements recorded in the write-cost measurement")
    parser.add_argument(
        "--skip",
        default="",
        help="parts to leave out, comma-separated: panel, duckdb, writes, import, round-trip, server (HTTP)",
    )
    args = parser.parse_args()
    if args.database and "," in args.engines:
        parser.error("--database benches one database: name its engine alone in --engines")
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
