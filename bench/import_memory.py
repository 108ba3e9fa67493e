"""The import's peak memory at several file sizes: whether it grows with the file.

For each size and engine: `s106 generate --authorities 1 --agreements N` into a fresh database of the engine,
`s106 export` of it as a zip, then `s106 import --json` of the zip into a copy of an empty migrated database
holding only the authority's row, its peak resident set taken by `/usr/bin/time` (as `bench/run.py` takes the
command's). Prints the input rows, the peak, the seconds and the growth per extra input row; with `--reports`, writes
each import's JSON report there (to compare the results of two versions of the code).

Usage: python bench/import_memory.py --agreements 300,1000,3000 [--engines sqlite,postgresql]
                                     [--postgres-url URL] [--reports DIR]
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from bench.run import console, empty_import_targets, fresh_database, run, run_measured  # noqa: E402

AUTHORITY = "authority-0001"


def main() -> None:
    """Measure the import's peak at each size and engine."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agreements", default="300,1000,3000", help="agreements in each file, comma-separated")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/s106_bench")
    parser.add_argument("--reports", type=Path, help="write each import's JSON report into this folder")
    args = parser.parse_args()
    if args.reports:
        args.reports.mkdir(parents=True, exist_ok=True)
    measured: dict[str, list[tuple[int, float]]] = {}
    for agreements in (int(part) for part in args.agreements.split(",")):
        for engine in args.engines.split(","):
            base = make_url(args.postgres_url)
            source = fresh_database(engine, str(base.set(database=f"{base.database}_source")))
            run("migrate", database=source)
            run("generate", "--authorities", "1", "--agreements", str(agreements), database=source)
            exported = Path(tempfile.mkdtemp(prefix="s106-bench-memory-")) / "export.zip"
            run("export", "--local-authority", AUTHORITY, "--out", str(exported), database=source)
            copy = empty_import_targets(engine, args.postgres_url, source, AUTHORITY)
            printed, seconds, peak = run_measured(
                "import", str(exported), "--local-authority", AUTHORITY, "--json", database=copy("memory")
            )
            report = json.loads(printed)
            rows = sum(summary["rows"] for summary in report["files"])
            if args.reports:
                (args.reports / f"{engine}-{agreements}.json").write_text(json.dumps(report, indent=1, sort_keys=True))
            measured.setdefault(engine, []).append((rows, peak))
            console.print(
                f"{engine} {agreements:,} agreements: {rows:,} input rows, peak {peak:.1f} MB, {seconds:.1f} s"
            )
    for engine, points in measured.items():
        for (rows_before, peak_before), (rows_after, peak_after) in zip(points, points[1:], strict=False):
            growth = (peak_after - peak_before) * 1024 / (rows_after - rows_before)
            console.print(f"{engine}: {growth:.2f} KB per extra input row from {rows_before:,} to {rows_after:,} rows")


if __name__ == "__main__":
    main()
