"""`sqmsbot import tickets` on a 120 000-row ServiceNow event log: rows per second and peak memory.

Run from the repository root::

    .venv/bin/python -m bench.import_tickets [--quick] [--rows N] [--database-url URL]

Issue 11: the import of a 120 000-row ServiceNow-style event log (`--quick`: 30 000) must reach
20 000 rows/s (TARGET_ROWS_PER_S) on SQLite, with its peak memory printed; PostgreSQL is measured
too when a server is named (`--database-url`, else SQMS_BENCH_DATABASE_URL, else
SQMS_TEST_DATABASE_URL; a schema of the run's own, dropped at the end).

The log is tests/importing/generate.py's (several rows per ticket, waits, reopens, `?`, day-first
dates, one pair of tickets in ten with interleaved rows), written to a temporary CSV file before
anything is timed. The organisation is the shipped example's: business-hours calendars with Chinese
holidays, so every ticket's commitment clocks are computed in business time. Each import runs in a
fresh process (`spawn`, not a daemon), timed from the call to `import_tickets` to its return, through
the same code as the command: both passes over the file, the checks, the timelines, the clocks, the
people, the batches.

Measured per store:
- the **import** into an empty store, both ways of writing (sqmsbot.importing.pipeline): in the
  importing process, and by a writer process beside it — wall and CPU seconds (the writer's
  included), rows/s; the figure the target is read on is the way the import itself chooses (a large
  file into SQLite on two cores or more: the writer process), and **again** into the same store
  (every ticket found unchanged);
- the **floor**, in the same run: reading the CSV once with the csv module (nothing else), plus a
  raw DBAPI `executemany` of exactly the rows the import wrote (people, incidents, events, clocks —
  read back from the imported store) into an empty store in one transaction: the cheapest way to get
  the same rows from the same file into the same database. `ratio` = import / floor;
- **memory**: the importing process's peak resident set during the import (Linux `VmHWM`, reset
  before it) and its growth over the process before, and (SQLite, in-process, untimed) the peak of
  Python allocations (tracemalloc): what the tickets in flight and the batches hold.

Printed: the figures per store, then one JSON line with `bench`, per-store figures prefixed `sqlite_`
/ `postgresql_`, `floor` and `ratio` (SQLite's), `peak_rss_mb`, `target_rows_per_s` and `met`
(SQLite's import rate, the way chosen). The machine's load average is printed and kept in the JSON:
on a shared machine, wall time is CPU time plus waiting for a core. Nothing is asserted; the exit
status is 0.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import json
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, MetaData, create_engine, make_url, text

from sqmsbot.config import EXAMPLE_ORG_FILE, load_org_config
from sqmsbot.db import Database, normalise_url
from sqmsbot.importing import ImportOptions, import_tickets
from sqmsbot.importing.pipeline import PARALLEL_BYTES, two_cores
from sqmsbot.migrate import upgrade

ROWS, QUICK_ROWS = 120_000, 30_000
TARGET_ROWS_PER_S = 20_000
PG_ENVS = ("SQMS_BENCH_DATABASE_URL", "SQMS_TEST_DATABASE_URL")
WRITTEN = ("people", "incidents", "incident_events", "incident_targets")


def _status_kb(field: str) -> int | None:
    """A figure of /proc/self/status (Linux), in kB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _import(url: str, path: str, parallel: bool | None, trace: bool = False) -> dict[str, Any]:
    """One import in this (fresh) process: seconds, CPU seconds (with the writer process's), memory,
    what it reported."""
    org = load_org_config(EXAMPLE_ORG_FILE)
    db = Database(url)
    gc.collect()
    with contextlib.suppress(OSError):  # the peak from here on (a spawned child inherits its parent's)
        Path("/proc/self/clear_refs").write_text("5")
    before_kb = _status_kb("VmRSS") or 0
    if trace:
        tracemalloc.start()
    wall, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    report = import_tickets(
        db=db,
        org=org,
        options=ImportOptions(path=Path(path), format="servicenow", timezone=org.timezone, parallel=parallel),
        now=datetime.now(UTC),
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    writer_cpu = _children_cpu() - children
    traced = tracemalloc.get_traced_memory()[1] if trace else 0
    peak_kb = _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    db.dispose()
    return {
        "seconds": wall,
        "cpu_seconds": cpu + writer_cpu,
        "writer_cpu_seconds": writer_cpu,
        "peak_rss_mb": peak_kb / 1024,
        "rss_growth_mb": (peak_kb - before_kb) / 1024,
        "traced_peak_mb": traced / 2**20,
        "rows": report.rows,
        "tickets": report.tickets,
        "new": report.new,
        "unchanged": report.unchanged,
        "problems": report.problem_count,
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _child(sender: Any, url: str, path: str, parallel: bool | None, trace: bool) -> None:
    sender.send(_import(url, path, parallel, trace))
    sender.close()


def _in_child(url: str, path: Path, parallel: bool | None, trace: bool = False) -> dict[str, Any]:
    """`_import` in a fresh process (not a daemon: the import may start a writer process of its own)."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, url, str(path), parallel, trace))
    process.start()
    sender.close()
    try:
        result: dict[str, Any] = receiver.recv()
    except EOFError as exc:
        raise RuntimeError(f"the import process failed (exit code {process.exitcode})") from exc
    finally:
        process.join()
    return result


def _csv_floor(path: Path) -> float:
    """Reading the file once with the csv module: the least any import of it must do."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as handle:
            for _row in csv.reader(handle):
                pass
        best = min(best, time.perf_counter() - start)
    return best


def _write_floor(source_url: str, target_url: str) -> tuple[float, int]:
    """The rows the import wrote, read back as the database keeps them and inserted again by a raw
    DBAPI executemany into an empty store, in one transaction."""
    source = create_engine(source_url)
    meta = MetaData()
    meta.reflect(source, only=WRITTEN)
    tables = [meta.tables[name] for name in WRITTEN]
    raw = source.raw_connection()
    rows: dict[str, list[Any]] = {}
    try:
        cursor = raw.cursor()
        for table in tables:
            columns = ", ".join(
                f'CAST("{c.name}" AS TEXT)' if isinstance(c.type, JSON) else f'"{c.name}"'
                for c in table.columns
            )
            cursor.execute(f'SELECT {columns} FROM "{table.name}" ORDER BY id')
            rows[table.name] = list(cursor.fetchall())
    finally:
        raw.close()
        source.dispose()
    target = create_engine(target_url)
    marker = "?" if target.dialect.name == "sqlite" else "%s"
    raw = target.raw_connection()
    try:
        cursor = raw.cursor()
        start = time.perf_counter()
        for table in tables:
            columns = ", ".join(f'"{c.name}"' for c in table.columns)
            values = ", ".join(marker for _ in table.columns)
            cursor.executemany(f'INSERT INTO "{table.name}" ({columns}) VALUES ({values})', rows[table.name])
        raw.commit()
        seconds = time.perf_counter() - start
    finally:
        raw.close()
        target.dispose()
    return seconds, sum(len(found) for found in rows.values())


@contextmanager
def _sqlite(folder: Path, name: str) -> Iterator[str]:
    url = f"sqlite:///{folder / name}"
    upgrade(url)
    yield url


@contextmanager
def _postgres(base_url: str, name: str) -> Iterator[str]:
    """A schema of this run's own (search_path set on every connection), dropped at the end."""
    base = make_url(normalise_url(base_url))
    schema = f"sqmsbot_bench_import_{name}_{os.getpid()}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _store(kind: str, folder: Path, pg_url: str | None, name: str) -> Any:
    return _sqlite(folder, f"{name}.db") if kind == "sqlite" else _postgres(str(pg_url), name)


def measure(kind: str, path: Path, folder: Path, pg_url: str | None, csv_seconds: float) -> dict[str, Any]:
    """Both ways of writing (in the importing process, and by a writer process), each into an empty
    store, then again into the first; the floor into another empty store."""
    runs: dict[str, dict[str, Any]] = {}
    with _store(kind, folder, pg_url, "process") as url:
        runs["writer_process"] = _in_child(url, path, True)
    with _store(kind, folder, pg_url, "import") as url, _store(kind, folder, pg_url, "floor") as floor_url:
        runs["in_process"] = _in_child(url, path, False)
        again = _in_child(url, path, None)
        write_seconds, written = _write_floor(url, floor_url)
    large = path.stat().st_size >= PARALLEL_BYTES
    chosen = "writer_process" if kind == "sqlite" and large and two_cores() else "in_process"
    first = runs[chosen]
    floor = csv_seconds + write_seconds
    rows = first["rows"]
    figures: dict[str, Any] = {
        "database": kind,
        "rows": rows,
        "tickets": first["tickets"],
        "rows_written": written,
        "chosen": chosen,
        "import_s": round(first["seconds"], 3),
        "rows_per_s": round(rows / first["seconds"]),
    }
    for name, run in runs.items():
        figures |= {
            f"{name}_s": round(run["seconds"], 3),
            f"{name}_cpu_s": round(run["cpu_seconds"], 3),
            f"{name}_rows_per_s": round(rows / run["seconds"]),
            f"{name}_rows_per_cpu_s": round(rows / run["cpu_seconds"]),
            f"{name}_peak_rss_mb": round(run["peak_rss_mb"], 1),
            f"{name}_rss_growth_mb": round(run["rss_growth_mb"], 1),
        }
    return figures | {
        "writer_process_writer_cpu_s": round(runs["writer_process"]["writer_cpu_seconds"], 3),
        "again_s": round(again["seconds"], 3),
        "again_rows_per_s": round(rows / again["seconds"]),
        "again_unchanged": again["unchanged"],
        "floor_csv_s": round(csv_seconds, 3),
        "floor_write_s": round(write_seconds, 3),
        "floor_s": round(floor, 3),
        "ratio": round(first["seconds"] / floor, 2),
        "problems": first["problems"],
    }


def _print(results: list[dict[str, Any]], traced: float, load: float) -> None:
    for r in results:
        chosen = r["chosen"].replace("_", " ")
        print(
            f"{r['database']:<10} {r['rows']} rows, {r['tickets']} tickets ({r['rows_written']} rows "
            f"written): {r['import_s']:.2f} s, {r['rows_per_s']} rows/s ({chosen}: the import's own choice)"
        )
        print(
            f"{'':<10} floor {r['floor_s']:.2f} s (csv {r['floor_csv_s']:.2f} + raw executemany "
            f"{r['floor_write_s']:.2f}), ratio {r['ratio']}"
        )
        for name in ("in_process", "writer_process"):
            print(
                f"{'':<10} {name.replace('_', ' '):<15} {r[f'{name}_s']:6.2f} s "
                f"{r[f'{name}_rows_per_s']:6} rows/s, CPU {r[f'{name}_cpu_s']:.2f} s "
                f"({r[f'{name}_rows_per_cpu_s']} rows/CPU-s), peak RSS {r[f'{name}_peak_rss_mb']} MB "
                f"(+{r[f'{name}_rss_growth_mb']} MB)"
            )
        print(f"{'':<10} again (all unchanged) {r['again_s']:.2f} s, {r['again_rows_per_s']} rows/s")
    print(f"Peak of Python allocations during the SQLite import: {traced:.1f} MB; load average {load:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS} rows instead of {ROWS}")
    parser.add_argument("--rows", type=int, help="rows in the event log")
    parser.add_argument("--database-url", help="a PostgreSQL server to measure as well")
    args = parser.parse_args(argv)
    rows = args.rows or (QUICK_ROWS if args.quick else ROWS)
    pg_url = args.database_url or next((os.environ[name] for name in PG_ENVS if os.environ.get(name)), None)
    from tests.importing.generate import (
        event_log,
    )  # the tests' generator (bench runs from the repository root)

    folder = Path(tempfile.mkdtemp(prefix="sqmsbot-bench-import-"))
    try:
        path = event_log(rows=rows, seed=11, interleave=0.1).write(folder / "incident_event_log.csv")
        gc.collect()
        csv_seconds = _csv_floor(path)
        results = [measure("sqlite", path, folder, None, csv_seconds)]
        if pg_url:
            results.append(measure("postgresql", path, folder, pg_url, csv_seconds))
        else:
            print("PostgreSQL skipped: give --database-url, or set " + " or ".join(PG_ENVS))
        with _sqlite(folder, "traced.db") as url:
            traced = _in_child(url, path, False, trace=True)["traced_peak_mb"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    load = os.getloadavg()
    _print(results, traced, load[0])
    sqlite = results[0]
    summary: dict[str, Any] = {"bench": "import_tickets", "rows": rows}
    for r in results:
        summary |= {f"{r['database']}_{key}": value for key, value in r.items() if key != "database"}
    summary |= {
        "traced_peak_mb": round(traced, 1),
        "peak_rss_mb": sqlite[f"{sqlite['chosen']}_peak_rss_mb"],
        "floor": sqlite["floor_s"],
        "ratio": sqlite["ratio"],
        "target_rows_per_s": TARGET_ROWS_PER_S,
        "met": sqlite["rows_per_s"] >= TARGET_ROWS_PER_S,
        "load_average": round(load[0], 2),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
