"""Every council's files as published: 87 real files of 29 councils, imported with every purpose asked for
and agreements made from the contributions naming them where a council left them out.

Per council, the contribution and transaction rows, those imported, and those left out counted by reason,
checked against the table in docs/data-standard.md: a council whose imported share drops below the
table's fails. Every row left out has a reason an officer can act on. The whole corpus runs on SQLite;
on PostgreSQL a sample of the councils whose files are the oddest (a zip, XLSX sheets, two trios).

`python -m tests.test_corpus` prints the table for the docs from a scratch SQLite database.
"""

import csv
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.models import LocalAuthority, Regime
from app.standard import codelists
from tests.servers import is_postgresql

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data-standard" / "corpus"
DOCS = ROOT / "docs" / "data-standard.md"
POSTGRESQL_SAMPLE = ("EHE", "NEA-CIL", "NEA-S106", "SHA")
ACTIONABLE_REASONS = (
    "a non-money obligation (units, no amount)",
    "its contribution is a non-money obligation",
    "allocated moves no money",
    "end-dated (superseded)",
    "no status: read as the contribution's trigger schedule",
    "repeats an earlier agreement row (the first is kept)",
    "names a contribution that is in no contribution row",
    "names an agreement that is in no agreement row",
    "names a contribution reference used by several contributions, none for its amount",
    "names no contribution (developer-agreement-contribution is blank)",
    "its contribution row was left out",
    "its contribution was left out",
    "its agreement row was left out",
    "contribution-purpose not in the codelist",
    "contribution-funding-status not in the codelist",
    "developer-agreement-type not in the codelist",
    "an amount that is not a sum of money",
    "a negative amount",
    "a date that is not a date",
    "a money status with no amount",
    "a money status with no date",
    "dated in the future",
    "start-date in the future",
    "end-date before the agreement's signing",
    "reference is blank",
    "no date at all",
)
"""Why a row may be left out: each says what the council would change (or that the row carries no money)."""

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the corpus of councils' files is not here")


def councils() -> list[str]:
    """The corpus's councils, one folder each."""
    if not CORPUS.is_dir():
        return []
    return sorted(path.name for path in CORPUS.iterdir() if path.is_dir())


def organisations() -> dict[str, str]:
    """Each council's national organisation code, from SOURCES.csv."""
    with (CORPUS / "SOURCES.csv").open(newline="", encoding="utf-8") as handle:
        return {row["file"].split("/")[0]: row["organisation"] for row in csv.DictReader(handle)}


def slug(council: str) -> str:
    """The authority id a council is imported as."""
    return f"corpus-{council.lower()}"


@dataclass
class Tally:
    """One council's contribution and transaction rows and what became of them."""

    rows: int = 0
    imported: int = 0
    left_out: Counter[str] = field(default_factory=Counter)

    @property
    def share(self) -> Decimal:
        """The imported share in per cent, rounded down to one decimal (100 with no rows)."""
        if not self.rows:
            return Decimal("100.0")
        return (Decimal(100) * self.imported / self.rows).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def tally(report: dict[str, Any]) -> Tally:
    """Count the contribution and transaction rows of an import report."""
    counted = Tally()
    for summary in report["files"]:
        if summary["dataset"] == "developer-agreement":
            continue
        counted.rows += summary["rows"]
        counted.imported += summary["imported"] + summary["unchanged"]
        counted.left_out.update(summary["left_out"])
    return counted


def published_shares() -> dict[str, Decimal]:
    """The imported share per council as docs/data-standard.md publishes it."""
    shares: dict[str, Decimal] = {}
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| ([A-Z0-9-]+) \| \d+ \| \d+ \| \d+ \| ([\d.]+)% \|", line)
        if match:
            shares[match[1]] = Decimal(match[2])
    return shares


def add_council(session: Session, council: str) -> None:
    """The council as an authority, with its organisation code."""
    session.add(
        LocalAuthority(id=slug(council), name=council, organisation=organisations()[council], regime=Regime.s106)
    )
    session.commit()


def corpus_files(council: str) -> list[tuple[str, bytes]]:
    """A council's files as (name, bytes)."""
    return [(path.name, path.read_bytes()) for path in sorted((CORPUS / council).iterdir())]


def for_this_engine() -> list[str]:
    """Every council on SQLite, a sample on PostgreSQL (the import itself is engine-agnostic)."""
    everyone = councils()
    return [name for name in everyone if name in POSTGRESQL_SAMPLE] if is_postgresql() else everyone


def test_the_docs_publish_a_share_for_every_council() -> None:
    assert sorted(published_shares()) == councils()


@pytest.mark.parametrize("council", for_this_engine())
def test_council_imports_at_least_its_published_share(api, session: Session, council: str) -> None:
    add_council(session, council)
    data = {
        "local_authority": slug(council),
        "purpose": codelists.current_codes(codelists.PURPOSE),
        "agreements_from_contributions": "true",
        "contributions_from_transactions": "true",
    }
    files = [("files", (name, content, "application/octet-stream")) for name, content in corpus_files(council)]
    response = api.post("/imports", files=files, data=data)
    assert response.status_code == 200, response.text
    counted = tally(response.json())
    assert counted.rows == counted.imported + sum(counted.left_out.values())
    assert set(counted.left_out) <= set(ACTIONABLE_REASONS), set(counted.left_out) - set(ACTIONABLE_REASONS)
    assert counted.share >= published_shares()[council], dict(counted.left_out)


def corpus_table() -> str:
    """The per-council table for docs/data-standard.md, from imports into a scratch SQLite database."""
    import os

    from alembic import command
    from alembic.config import Config

    from app.auth.service import command_line_principal
    from app.db import make_engine
    from app.standard.importer import ImportOptions, SourceFile, import_files

    url = f"sqlite:///{tempfile.mkdtemp()}/corpus.db"
    os.environ["DATABASE_URL"] = url
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    command.upgrade(config, "head")
    engine = make_engine(url)
    lines = [
        "| council | rows | imported | left out | imported share | left out, by reason |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    total = Tally()
    for council in councils():
        with Session(engine) as session:
            add_council(session, council)
            report = import_files(
                session=session,
                principal=command_line_principal(),
                files=[SourceFile(name, content) for name, content in corpus_files(council)],
                options=ImportOptions(
                    local_authority_id=slug(council),
                    purposes=tuple(codelists.current_codes(codelists.PURPOSE)),
                    agreements_from_contributions=True,
                    contributions_from_transactions=True,
                ),
            )
            session.commit()
        counted = tally(report.model_dump())
        total.rows += counted.rows
        total.imported += counted.imported
        total.left_out.update(counted.left_out)
        reasons = "; ".join(f"{count} {reason}" for reason, count in counted.left_out.most_common())
        lines.append(
            f"| {council} | {counted.rows} | {counted.imported} | {counted.rows - counted.imported} | "
            f"{counted.share}% | {reasons or '-'} |"
        )
    reasons = "; ".join(f"{count} {reason}" for reason, count in total.left_out.most_common())
    lines.append(
        f"| all | {total.rows} | {total.imported} | {total.rows - total.imported} | {total.share}% | {reasons} |"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(corpus_table() + "\n")
