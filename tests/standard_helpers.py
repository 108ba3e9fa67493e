"""Shared helpers for the data-standard tests: fixture files, uploads and reading exports back."""

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.models import LocalAuthority
from app.standard.exporter import FIELDS

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "data-standard"
CHARNWOOD_CSV = (
    FIXTURES / "charnwood_Developer Agreement CSV1.csv",
    FIXTURES / "charnwood_Developer agreement Contribution CSV2.csv",
    FIXTURES / "charnwood_Developer agreement Transaction CSV3.csv",
)
CHARNWOOD_XLSX = tuple(path.with_suffix(".xlsx") for path in CHARNWOOD_CSV)
BLABY_CSV = FIXTURES / "blaby_csv1-developer-agreement_010419.csv"
MESSY = tuple(
    FIXTURES / "messy" / name
    for name in (
        "developer-agreement.csv",
        "developer-agreement-contribution.csv",
        "developer-agreement-transaction.csv",
    )
)
ORGANISATIONS = {"blaby": "local-authority-eng:BLA", "charnwood": "local-authority-eng:CHA"}


def give_organisation_codes(session: Session) -> None:
    """The test authorities get their national organisation codes, as the seed gives them."""
    for slug, code in ORGANISATIONS.items():
        authority = session.get(LocalAuthority, slug)
        assert authority is not None
        authority.organisation = code
    session.commit()


def upload(
    api: Any,
    paths: tuple[Path, ...] | list[tuple[str, bytes]],
    local_authority: str,
    *,
    dry_run: bool = False,
    role: str | None = "officer",
    **form: Any,
) -> Any:
    """POST files to /imports and return the response."""
    named = [(path.name, path.read_bytes()) for path in paths] if paths and isinstance(paths[0], Path) else paths
    files = [("files", (name, content, "application/octet-stream")) for name, content in named]
    data = {"local_authority": local_authority, "dry_run": str(dry_run).lower(), **form}
    return api.post("/imports", role=role, files=files, data=data)


def imported(api: Any, paths: tuple[Path, ...] | list[tuple[str, bytes]], local_authority: str, **form: Any) -> Any:
    """Import files and return the report, asserting the request succeeded."""
    response = upload(api, paths, local_authority, **form)
    assert response.status_code == 200, response.text
    return response.json()


def export_zip(api: Any, *, role: str = "officer", **params: Any) -> dict[str, list[dict[str, str]]]:
    """GET the export as a zip and read its three CSV files back as rows."""
    response = api.get("/exports/developer-contributions", role=role, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    tables = {}
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8")
            tables[name.removesuffix(".csv")] = list(csv.DictReader(io.StringIO(text)))
    return tables


def exported_files(tables: dict[str, list[dict[str, str]]]) -> list[tuple[str, bytes]]:
    """An export's tables written back as CSV files, as a user would re-upload them."""
    files = []
    for dataset, rows in tables.items():
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=FIELDS[dataset])
        writer.writeheader()
        writer.writerows(rows)
        files.append((f"{dataset}.csv", buffer.getvalue().encode()))
    return files
