"""Import benchmark: figures against floors measured in the same run.

Prints a table; never asserts (DESIGN.md §8: budgets are measured by
``bench/``, not by timed tests).  Figures:

* ``google import``: ``triage.ingest.run.run_import`` of a generated 100,000-row
  Google CSV into a fresh data dir, records in the file per second, the
  median of 3 imports (each run is printed).  Floor: plain ``csv.reader``
  over the same file (median of 3), rows per second.
* ``google import peak memory``: ``ru_maxrss`` of the fresh child process
  that ran that import, the highest of the 3.  Floor: ``ru_maxrss`` of a
  fresh child that only reads the same file with ``csv.reader`` (the
  interpreter's own footprint).  The validator worker processes are
  reported on their own row.
* ``vcard import``: the same for 10,000 generated vCards, cards per second.
  Floor: reading the file's lines with nothing else, cards per second.

Every import and every memory figure runs in its own fresh subprocess, so
one measurement cannot warm caches or inflate ``ru_maxrss`` for the next.

Usage: ``python bench/bench_import.py [--quick] [--out DIR] [--json]``
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402
from bench.table import row as _row  # noqa: E402
from bench.table import table  # noqa: E402

FULL = {"rows": 100_000, "cards": 10_000}
QUICK = {"rows": 10_000, "cards": 2_000}
GOOGLE_RATE_TARGET = 25_000  # contacts/s, at least
GOOGLE_PEAK_TARGET = 150.0  # MiB, at most
VCARD_RATE_TARGET = 15_000  # cards/s, at least
IMPORT_RUNS = 3  # each import figure is the median of this many fresh processes
MIB = 1024 * 1024

# --------------------------------------------------------------------------- child side


def _maxrss_mib(who: int) -> float:
    """Peak resident set size in MiB (Linux reports KiB, macOS bytes)."""
    value = resource.getrusage(who).ru_maxrss
    return value / MIB if sys.platform == "darwin" else value / 1024


def _child(argv: list[str]) -> None:
    """Run one measurement in this fresh process and print it as JSON."""
    kind, path = argv[0], Path(argv[1])
    out: dict[str, Any] = {}
    if kind == "csv":
        started = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as fh:
            rows = sum(1 for _ in csv.reader(fh)) - 1
        out = {"seconds": time.perf_counter() - started, "records": rows}
    elif kind == "import":
        from triage.ingest.run import run_import
        from triage.store import Store

        with tempfile.TemporaryDirectory(prefix="triage-bench-") as data:
            store = Store.open(Path(data))
            try:
                started = time.perf_counter()
                report = run_import(store, "bench", [path], region="US")
                seconds = time.perf_counter() - started
            finally:
                store.close()
        file_report = report.files[0]
        out = {
            "seconds": seconds,
            "records": file_report.records,
            "rejected": len(file_report.rejected),
            "contacts": report.contacts,
            "merged": file_report.merged + file_report.updated + file_report.unchanged,
            "flags": file_report.flags,
        }
    else:
        raise SystemExit(f"unknown child measurement {kind!r}")
    out["maxrss_mib"] = _maxrss_mib(resource.RUSAGE_SELF)
    out["workers_maxrss_mib"] = _maxrss_mib(resource.RUSAGE_CHILDREN)
    print(json.dumps(out))


# Linux keeps the peak RSS across exec: a process started by a big parent
# reports at least the parent's peak as its own ru_maxrss.  So each
# measurement is started by this tiny launcher, whose own peak (~10 MiB) is
# below anything measured, and which reports RUSAGE_CHILDREN: the peak of the
# largest process of the measurement's tree (the import or one of its workers).
_LAUNCHER = """
import json, resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr,
                  "tree_maxrss": usage.ru_maxrss,
                  "tree_cpu": usage.ru_utime + usage.ru_stime}))
"""


def in_child(script: str, *args: str) -> dict[str, Any]:
    """One measurement: ``script --child ARGS`` in a fresh interpreter under
    the launcher; its last stdout line (JSON) with the process tree's peak
    memory and CPU time added.  Raises with its stderr if it fails."""
    pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    child = [sys.executable, str(Path(script).resolve()), "--child", *args]
    proc = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *child],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": pythonpath},
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the launcher failed:\n{proc.stderr.strip()}")
    launched = json.loads(proc.stdout)
    if launched["returncode"] != 0:
        what = " ".join(Path(a).name for a in args)
        raise RuntimeError(f"{what} failed:\n{launched['stderr'].strip()[-2000:]}")
    result: dict[str, Any] = json.loads(launched["stdout"].strip().splitlines()[-1])
    kib = launched["tree_maxrss"]
    result["tree_maxrss_mib"] = kib / MIB if sys.platform == "darwin" else kib / 1024
    result["cpu_seconds"] = launched["tree_cpu"]
    return result


def _in_child(kind: str, path: Path) -> dict[str, Any]:
    return in_child(__file__, kind, str(path))


def _attempt(kind: str, path: Path, say: Any) -> dict[str, Any] | None:
    """One import in a fresh process, or None after logging why it failed."""
    try:
        return _in_child(kind, path)
    except RuntimeError as exc:
        say(f"  FAILED: {exc}")
        return None


# --------------------------------------------------------------------------- floors


def _median_seconds(fn: Any, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _csv_reader(path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        for _ in csv.reader(fh):
            pass


def _read_lines(path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        for _ in fh:
            pass


# --------------------------------------------------------------------------- the run


def run(quick: bool = False, out: Path | None = None, log: Any = None) -> list[dict[str, Any]]:
    """Generate the files, measure, and return one row per figure:
    ``{"name", "value", "unit", "floor", "ratio", "target", "ok"}``.

    ``out`` keeps the generated files there; ``log`` (e.g. ``print``) gets
    progress lines and the import summaries."""
    say = log or (lambda *_: None)
    sizes = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="triage-bench-files-") as tmp:
        folder = out or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        say(f"generating {sizes['rows']:,} Google rows and {sizes['cards']:,} vCards in {folder}")
        google = generate.google_csv(folder / "google.csv", sizes["rows"])
        vcf = generate.vcards(folder / "contacts.vcf", sizes["cards"])
        rows, cards = sizes["rows"], sizes["cards"]

        say("floors: csv.reader and plain line reading (median of 3)")
        csv_seconds = _median_seconds(lambda: _csv_reader(google))
        lines_seconds = _median_seconds(lambda: _read_lines(vcf))
        floor_mem = _in_child("csv", google)

        say(f"importing the Google CSV, {IMPORT_RUNS} times, each in a fresh process")
        g = _median_run([_attempt("import", google, say) for _ in range(IMPORT_RUNS)], say)
        say(f"importing the vCards, {IMPORT_RUNS} times, each in a fresh process")
        v = _median_run([_attempt("import", vcf, say) for _ in range(IMPORT_RUNS)], say)

    nan = float("nan")
    g_rate = rows / g["seconds"] if g else nan
    v_rate = cards / v["seconds"] if v else nan
    g_peak = g["tree_maxrss_mib"] if g else nan
    mem_floor = floor_mem["tree_maxrss_mib"]
    out_rows = [
        _row(
            f"google import ({rows:,} rows)",
            g_rate,
            "contacts/s",
            rows / csv_seconds,
            f">= {GOOGLE_RATE_TARGET:,}",
            g_rate >= GOOGLE_RATE_TARGET,
        ),
        _row(
            "google import peak memory",
            g_peak,
            "MiB",
            mem_floor,
            f"<= {GOOGLE_PEAK_TARGET:.0f}",
            g_peak <= GOOGLE_PEAK_TARGET,
        ),
        _row("  the import process", g["maxrss_mib"] if g else nan, "MiB", mem_floor, "", None),
        _row(
            "  largest validator worker",
            g["workers_maxrss_mib"] if g else nan,
            "MiB",
            mem_floor,
            "",
            None,
        ),
        _row(
            f"vcard import ({cards:,} cards)",
            v_rate,
            "cards/s",
            cards / lines_seconds,
            f">= {VCARD_RATE_TARGET:,}",
            v_rate >= VCARD_RATE_TARGET,
        ),
    ]
    for row in out_rows:
        result = v if row["name"].startswith("vcard") else g
        if result is None:
            row["error"] = "the import failed (see the log above)"
    return out_rows


def _median_run(runs: list[dict[str, Any] | None], say: Any) -> dict[str, Any] | None:
    """The run of median time, with the highest peak memory of all runs; None
    when any run failed (each run is logged)."""
    done = [result for result in runs if result is not None]
    for result in done:
        say(f"  {_summary(result)}")
    if len(done) < len(runs):
        return None
    done.sort(key=lambda r: float(r["seconds"]))
    median = dict(done[len(done) // 2])
    for key in ("tree_maxrss_mib", "maxrss_mib", "workers_maxrss_mib"):
        median[key] = max(float(r[key]) for r in done)
    return median


def _summary(r: dict[str, Any]) -> str:
    flags = ", ".join(f"{k} {v}" for k, v in sorted(r["flags"].items()))
    return (
        f"{r['records']:,} records in {r['seconds']:.2f} s ({r['cpu_seconds']:.2f} s CPU in all "
        f"processes) -> {r['contacts']:,} contacts "
        f"({r['merged']:,} merged, {r['rejected']} rejected); flags: {flags}"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child(argv[1:])
        return 0
    ap = argparse.ArgumentParser(description="Import benchmark (prints figures, never fails).")
    ap.add_argument("--quick", action="store_true", help="10,000 rows / 2,000 cards")
    ap.add_argument("--out", type=Path, help="keep the generated files in this folder")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = ap.parse_args(argv)
    rows = run(quick=args.quick, out=args.out, log=None if args.json else print)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print()
        print(table(rows))
        print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
