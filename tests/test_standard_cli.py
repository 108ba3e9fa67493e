"""The commands as a new user runs them, on a fresh SQLite database of their own."""

import csv
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import main
from app.db import get_engine, get_sessionmaker
from app.models import Agreement, LocalAuthority
from tests.servers import BIN, forget_database
from tests.standard_helpers import CHARNWOOD_CSV

runner = CliRunner()

ASKED_WITH_ERRORS = ("--purpose", "other", "--purpose", "community-facilities", "--purpose", "highways")
ASKED_WITH_ERRORS += ("--purpose", "monitoring-fees")
"""The force's purpose and those of Charnwood's eight rows in error (four name an agreement its file lacks)."""


@pytest.fixture
def fresh_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """DATABASE_URL names a new SQLite file, migrated and holding the nine authorities only."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    forget_database()
    try:
        assert runner.invoke(main, ["migrate"]).exit_code == 0
        assert runner.invoke(main, ["seed", "--authorities-only"]).exit_code == 0
        yield tmp_path
    finally:
        get_engine().dispose()
        forget_database()


def run(*arguments: str, exit_code: int = 0) -> str:
    """Run `s106 ...` and return its output, asserting its exit status (0, success, unless told)."""
    result = runner.invoke(main, list(arguments), env={"COLUMNS": "200"})
    assert result.exit_code == exit_code, result.output
    return result.output


class TestCommands:
    """import, export, import-register and register-template from the command line."""

    def test_import_json_is_only_json_on_standard_output(self, fresh_database: Path) -> None:
        command = [str(BIN / "s106"), "import", *(str(path) for path in CHARNWOOD_CSV), "--local-authority"]
        piped = subprocess.run(
            [*command, "charnwood", "--json", *ASKED_WITH_ERRORS],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert piped.returncode == 1, piped.stderr
        assert json.loads(piped.stdout)["rows_left_out"] == 8
        assert piped.stderr == ""  # standard error is no terminal here: no progress bars
        unknown = subprocess.run(
            [*command, "nowhere", "--json"], capture_output=True, text=True, check=False, timeout=120
        )
        assert (unknown.returncode, unknown.stdout) == (2, "")
        assert "nowhere" in unknown.stderr

    def test_import_charnwood_then_export_and_open_it(self, fresh_database: Path) -> None:
        files = [str(path) for path in CHARNWOOD_CSV]
        police = run("import", *files, "--local-authority", "charnwood", "--dry-run")
        # The rows in error are other services': asked only for the force's purpose, none is an error.
        assert "created: 21 agreements, 12 contributions, 0 events, 13 movements" in police
        assert "dry run: nothing was written" in police and "rows in error" not in police
        asked = [*files, *ASKED_WITH_ERRORS]
        dry = run("import", *asked, "--local-authority", "charnwood", "--dry-run", exit_code=1)
        assert "dry run: nothing was written; 8 rows in error would be left out of a real run" in dry
        assert "created: 21 agreements, 42 contributions, 0 events, 43 movements" in dry
        real = run("import", *asked, "--local-authority", "charnwood", exit_code=1)
        assert "incomplete: 8 rows in error left out; the other rows above were written in one transaction" in real
        assert "--strict, which writes nothing when any row is in error" in real
        assert "imported: all of the above" not in real
        assert "green-infastructure" in real
        result = runner.invoke(main, ["import", *asked, "--local-authority", "charnwood", "--json"])
        assert result.exit_code == 1, result.output
        again = json.loads(result.stdout)
        assert again["created"]["agreements"] == 0
        assert again["committed"] is True and again["rows_left_out"] == 8

        out = fresh_database / "export"
        run("export", "--local-authority", "charnwood", "--as-at", "2024-03-31", "--out", str(out))
        with (out / "developer-agreement-contribution.csv").open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == 42  # every contribution taken in is the force's: written with the national "other"
        assert {row["contribution-purpose"] for row in rows} == {"other"}
        run(
            "export",
            "--local-authority",
            "charnwood",
            "--out",
            str(out),
            "--format",
            "xlsx",
            "--dataset",
            "developer-agreement",
        )
        sheet = load_workbook(out / "developer-agreement.xlsx").worksheets[0]
        assert sheet.max_row == 22
        assert sheet.cell(row=2, column=1).value == "P/11/1305/2-da"

    def test_register_template_and_migration(self, fresh_database: Path) -> None:
        template = fresh_database / "register.xlsx"
        run("register-template", str(template))
        refused = runner.invoke(main, ["import-register", str(template), "--strict"])
        assert refused.exit_code == 1
        assert "this is the template's example row; delete it" in refused.output
        book = load_workbook(template)
        sheet = book.worksheets[0]
        sheet.cell(row=2, column=15).value = "migrated from the old sheet"
        book.save(template)
        output = run("import-register", str(template))
        assert "created: 1 agreements, 1 contributions, 0 events, 3 movements" in output
        assert "imported: all of the above was written in one transaction" in output

    def test_register_with_a_row_in_error_writes_the_rest_and_exits_1(self, fresh_database: Path) -> None:
        template = fresh_database / "register.xlsx"
        run("register-template", str(template))
        dry = run("import-register", str(template), "--dry-run", exit_code=1)
        assert "dry run: nothing was written; 1 row in error would be left out of a real run" in dry
        real = run("import-register", str(template), exit_code=1)
        assert "incomplete: 1 row in error left out" in real
        assert "created: 0 agreements, 0 contributions, 0 events, 0 movements" in real

    def test_unknown_authority_exits_with_a_reason(self, fresh_database: Path) -> None:
        result = runner.invoke(main, ["import", str(CHARNWOOD_CSV[0]), "--local-authority", "nowhere"])
        assert result.exit_code == 2
        assert "no local authority 'nowhere'" in result.output


class TestSeedAuthoritiesOnly:
    """`s106 seed --authorities-only`: a database of one's own, ready for an authority's real files."""

    def test_loads_the_nine_authorities_and_no_ledger_and_can_run_again(self, fresh_database: Path) -> None:
        output = run("seed", "--authorities-only")
        assert "loaded the local authorities and their release rules; no agreements" in output
        with get_sessionmaker().begin() as session:
            assert session.scalar(select(func.count()).select_from(LocalAuthority)) == 9
            assert session.scalar(select(func.count()).select_from(Agreement)) == 0
            charnwood = session.get(LocalAuthority, "charnwood")
            assert charnwood is not None and charnwood.name == "Charnwood Borough Council"

    def test_the_full_seed_still_loads_into_a_database_holding_only_the_authorities(self, fresh_database: Path) -> None:
        run("seed")
        with get_sessionmaker().begin() as session:
            assert session.scalar(select(func.count()).select_from(LocalAuthority)) == 9
            assert session.scalar(select(func.count()).select_from(Agreement)) == 140


WEB_STACK = ("fastapi", "starlette", "anyio", "uvicorn", "jinja2", "openpyxl", "docx")
"""What serving pages and writing workbooks or documents need, and no command that does neither."""

OTHER_COMMANDS = ("app.alerts.service", "app.standard.exporter", "app.standard.register", "app.synthetic.generate")
"""Services of other commands: `s106 import` must not load them."""

MAPPING = ("app.models", "app.ledger.rollup", "app.ledger.writer", "app.balances.queries")
"""The models with their mapping, the ledger core and the rollup: a command's help names only the enums."""

LOADED_AFTER = """
import json, sys
from app.cli import main
try:
    main(sys.argv[1:], prog_name="s106")
except SystemExit as stop:
    code = stop.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""
"""Runs `s106` with the arguments given, then names every module it loaded on standard error."""


def loaded_by(*arguments: str) -> set[str]:
    """The modules a fresh `s106 ...` process loaded, start-up included; it must exit 0 or 1."""
    ran = subprocess.run(
        [str(BIN / "python"), "-c", LOADED_AFTER, *arguments], capture_output=True, text=True, timeout=120, check=False
    )
    report = json.loads(ran.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, 1, None), ran.stderr
    return set(report["modules"])


class TestStartUp:
    """A command loads what it uses: `s106 import` starts without the web stack or the other commands' services."""

    def test_help_loads_no_service_and_no_web_stack(self) -> None:
        loaded = loaded_by("--help")
        assert (
            "Import an authority's developer-contributions"
            in subprocess.run(
                [str(BIN / "s106"), "--help"], capture_output=True, text=True, timeout=120, check=True
            ).stdout
        )
        assert loaded.isdisjoint((*WEB_STACK, *OTHER_COMMANDS, "app.standard.importer", "app.config")), sorted(
            loaded & {*WEB_STACK, *OTHER_COMMANDS, "app.standard.importer", "app.config"}
        )
        assert loaded.isdisjoint(MAPPING), sorted(loaded & set(MAPPING))

    def test_help_is_plain_and_names_every_option_in_full(self) -> None:
        shown = subprocess.run(
            [str(BIN / "s106"), "import", "--help"], capture_output=True, text=True, timeout=120, check=True
        ).stdout
        assert "--local-authority AUTHORITY" in shown and "--contributions-from-transactions" in shown
        assert "…" not in shown and "╭" not in shown
        assert "typer.rich_utils" not in loaded_by("import", "--help")

    def test_help_lists_every_command_with_its_summary_whole_at_80_columns(self) -> None:
        shown = subprocess.run(
            [str(BIN / "s106"), "--help"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env={**os.environ, "COLUMNS": "80"},
        ).stdout
        listed = shown.split("Commands:\n", 1)[1].splitlines()
        assert {line.split()[0] for line in listed} >= {"import", "export", "report", "run", "rollup", "user"}
        assert [line for line in listed if line.endswith("...") or len(line) > 80] == []

    def test_import_help_loads_neither_the_models_nor_the_rollup(self) -> None:
        loaded = loaded_by("import", "--help")
        assert "app.standard.cli" in loaded
        assert loaded.isdisjoint((*MAPPING, "app.standard.importer")), sorted(
            loaded & {*MAPPING, "app.standard.importer"}
        )

    def test_an_import_loads_the_importer_and_not_the_web_stack(self, fresh_database: Path) -> None:
        files = [str(path) for path in CHARNWOOD_CSV]
        loaded = loaded_by("import", *files, "--local-authority", "charnwood", "--json")
        assert {"app.standard.importer", "app.ledger.rollup"} <= loaded  # it did run the import
        assert "sqlalchemy.dialects.postgresql" not in loaded  # an import on SQLite loads only SQLite's dialect
        assert loaded.isdisjoint((*WEB_STACK, *OTHER_COMMANDS)), sorted(loaded & {*WEB_STACK, *OTHER_COMMANDS})
