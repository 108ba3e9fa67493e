"""Crash safety: a load killed with SIGKILL at any moment leaves all of its rows or none of them."""

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from seed.loader import load_local_authorities
from tests.servers import row_counts, s106, scratch_database
from tests.standard_helpers import CHARNWOOD_CSV


def nine_authorities(engine: Engine) -> None:
    """What an import needs first: the authorities whose files it reads."""
    with Session(engine) as session, session.begin():
        load_local_authorities(session)


@dataclass(frozen=True)
class Load:
    """A command that loads data, and a line of its output printed while the load is uncommitted."""

    name: str
    args: tuple[str, ...]
    mid_load_marker: str | None = None
    prepare: Callable[[Engine], None] | None = None
    """Rows the command needs already there (kept through every kill)."""
    exit_status: int = 0
    """A complete run's exit status (1 for Charnwood's files: eight rows in error are left out)."""


LOADS = [
    Load("seed", ("seed",)),
    Load("generate", ("generate", "--agreements", "4000", "--authorities", "20"), mid_load_marker="not yet committed"),
    Load(
        "import",
        ("import", *(str(path) for path in CHARNWOOD_CSV), "--local-authority", "charnwood"),
        prepare=nine_authorities,
    ),
]
KILL_AFTER_SECONDS = (0.2, 0.6, 1.2, 2.0, 3.0)


def _kill(process, *, after: float | None, marker: str | None) -> str:
    """SIGKILL the process after a delay, or as soon as it prints the marker; returns what it printed."""
    seen: list[str] = []
    if marker is not None:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            if marker in line:
                break
    else:
        time.sleep(after or 0)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    return "".join(seen)


@pytest.mark.parametrize("load", LOADS, ids=[load.name for load in LOADS])
class TestKilledMidLoad:
    """A complete run's rows, then kills at several moments: every table holds all of them or none."""

    def test_all_or_nothing(self, load: Load) -> None:
        with scratch_database(f"crash_{load.name}") as (url, engine):
            if load.prepare:
                load.prepare(engine)
            nothing = row_counts(engine)
            complete = s106(*load.args, database=url)
            output, _ = complete.communicate(timeout=300)
            assert complete.returncode == load.exit_status, output
            full = row_counts(engine)
            assert full != nothing, f"{load.name} loaded nothing: {output}"
        outcomes = []
        kills = [(after, None) for after in KILL_AFTER_SECONDS]
        if load.mid_load_marker:
            kills.insert(0, (None, load.mid_load_marker))
        for attempt, (after, marker) in enumerate(kills):
            # A database of its own each time: the audit trail's rows cannot be deleted to start again.
            with scratch_database(f"crash_{load.name}_{attempt}") as (url, engine):
                if load.prepare:
                    load.prepare(engine)
                process = s106(*load.args, database=url)
                printed = _kill(process, after=after, marker=marker)
                # A timed kill may come after a short load has already finished.
                assert process.returncode in (-signal.SIGKILL, load.exit_status)
                counts = row_counts(engine)
            assert counts in (nothing, full), f"partial load after kill ({after}s, {marker!r}): {counts}"
            if marker is not None:
                # Killed while it said the rows were not committed: none of them may be there.
                assert counts == nothing, printed
            outcomes.append("all" if counts == full else "none")
        assert "none" in outcomes, "no kill landed mid-load, so the test proved nothing"
