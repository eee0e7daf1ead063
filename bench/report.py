"""Every benchmark in one table: each figure, the floor it is compared with
in the same run, their ratio and the target.

    .venv/bin/python bench/report.py            # full sizes (about five minutes)
    .venv/bin/python bench/report.py --quick    # a smoke run
    .venv/bin/python bench/report.py --json     # the rows as JSON

It prints figures and never fails: budgets are measured here, not by timed
tests.  Absolute times drift between runs and machines; the ratios against
floors measured in the same run are what to compare.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench.table import table  # noqa: E402

# (module, section title); each module has run(quick) -> list of rows.
SECTIONS = (
    ("bench_import", "import"),
    ("bench_review", "walk-through"),
    ("bench_export", "export"),
    ("bench_load", "load: a 1,000,000-contact deck"),
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run every benchmark and print one table.")
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = ap.parse_args(argv)
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for module_name, title in SECTIONS:
        say(f"== {title} ({module_name}) ==")
        try:
            module = importlib.import_module(module_name)
            section = module.run(args.quick)
        except Exception as exc:  # a broken benchmark is reported, not fatal
            say(f"   {module_name} failed: {type(exc).__name__}: {exc}")
            section = [{"name": f"{title}: failed ({type(exc).__name__})", "ok": False}]
        rows.append({"section": title})
        rows.extend(section)
    elapsed = time.perf_counter() - started
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return 0
    print()
    print(table(rows))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    misses = [r["name"] for r in rows if r.get("ok") is False]
    print(
        f"\n{len(rows) - len(SECTIONS)} figures in {elapsed:.0f} s; Python "
        f"{sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load:.2f} at the end"
    )
    if misses:
        print("short of target: " + "; ".join(misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
