"""Export benchmark (DESIGN §8): 100,000 invited contacts to CSV, against the
floor of ``csv.writer`` writing the same rows (same columns, fsync) in the
same run.  Prints figures; it is not a test.

    .venv/bin/python bench/bench_export.py [--people N] [--repeat R]

Columns: "floor" is csv.writer writing the prepared rows and fsyncing;
"write" is ``write_export`` of a ready plan (rows built, cells guarded, temp
file, fsync, rename), the like-for-like comparison with the floor (target
<= 2x); "plan" is ``plan_export``: quick_check, reading the invited people
from SQLite (for ``linkedin`` only the columns an upload file holds) and
planning; "export" is plan + write, what ``triage export`` does after
opening the deck (target <= 4x).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.table import table
from triage.export import formats as export_formats
from triage.export import plan as export
from triage.model import FLAG_BITS, Contact, Deck, Email, Phone, Source
from triage.store import Store

FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]
ORGS = ["Analytical Engines", "Navy", "Bletchley Park", "TU Eindhoven", "MIT", "Stanford", ""]


def build_deck(store: Store, n: int) -> Deck:
    """n invited people with one or two emails, a phone, a note and tags,
    written with direct inserts (one transaction) rather than n decisions."""
    with store.transaction():
        deck = store.create_deck("bench", "US")
        import_id = store.start_import(deck.id, ["bench.csv"])
        for i in range(n):
            given, family = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
            emails = [Email(f"{given}.{family}.{i}@example.com".lower())]
            if i % 3 == 0:
                emails.append(Email(f"info{i}@example.org", role=True))
            c = Contact(
                id=0,
                deck_id=deck.id,
                key=f"k{i}",
                name=f"{given} {family}",
                given=given,
                family=family,
                org=ORGS[i % len(ORGS)],
                title="Engineer" if i % 2 else "",
                emails=emails,
                phones=[Phone(f"+1650253{i % 10000:04d}")],
                notes="met at the conference, talked about compilers" if i % 5 == 0 else "",
                sources=[Source("bench.csv", i + 2, import_id, "/tmp/bench.csv")],
                flags=FLAG_BITS["merged"] if i % 7 == 0 else 0,
            )
            store.insert_contact(deck.id, c, i)
        store.finish_import(deck.id, import_id, {})
        store.conn.execute(
            "UPDATE contacts SET decision = 'invite',"
            " decided_at = '2025-01-01T00:00:' || printf('%02d', id % 60),"
            " note = CASE WHEN id % 4 = 0 THEN 'Hello, good to see you' ELSE '' END"
            " WHERE deck_id = ?",
            (deck.id,),
        )
        for tag in ("work", "friends", "conference"):
            store.conn.execute("INSERT INTO tags (deck_id, name) VALUES (?, ?)", (deck.id, tag))
        store.conn.execute(
            "INSERT INTO contact_tags SELECT c.id, t.id FROM contacts c JOIN tags t"
            " ON t.deck_id = c.deck_id WHERE c.deck_id = ? AND (c.id + t.id) % 3 = 0",
            (deck.id,),
        )
    store.forget_counts()
    return deck


def floor_write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """The floor: csv.writer writing prepared rows, then fsync."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)
        fh.flush()
        os.fsync(fh.fileno())


def interleaved(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median wall time of each function, run in turns so that a busy moment
    on the machine hits all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(t) for name, t in times.items()}


def run(
    quick: bool = False, people: int | None = None, repeat: int | None = None
) -> list[dict[str, Any]]:
    """Measure and return report rows (``name, value, unit, floor, ratio,
    target, ok``); ``quick`` uses 10,000 people and fewer repeats."""
    n = people or (10_000 if quick else 100_000)
    reps = repeat or (3 if quick else 7)
    rows_out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as tmp:
        folder = Path(tmp)
        store = Store.open(folder / "data")
        started = time.perf_counter()
        deck = build_deck(store, n)
        print(f"deck of {n:,} invited people built in {time.perf_counter() - started:.1f} s")
        for fmt, header in (
            ("linkedin", export_formats.LINKEDIN_HEADER),
            ("full", export_formats.FULL_HEADER),
        ):
            plan = export.plan_export(store, deck, fmt)
            # The same rows, cells already guarded, prepared outside the timing.
            if fmt == "linkedin":
                rows = list(export_formats._linkedin_rows(plan.people))
            else:
                rows = list(
                    map(export_formats._guarded, map(export_formats._full_row, plan.people))
                )
            out = folder / f"out-{fmt}.csv"

            def run_export(fmt: str = fmt, out: Path = out) -> None:
                export.write_export(export.plan_export(store, deck, fmt), out, force=True)

            t = interleaved(
                {
                    "floor": lambda h=header, r=rows: floor_write(folder / "floor.csv", h, r),
                    "write": lambda p=plan, o=out: export.write_export(p, o, force=True),
                    "plan": lambda fmt=fmt: export.plan_export(store, deck, fmt),
                    "export": run_export,
                },
                reps,
            )
            for label, key, limit in (("write stage", "write", 2), ("whole export", "export", 4)):
                ratio = t[key] / t["floor"]
                rows_out.append(
                    {
                        "name": f"export {fmt} {label} ({n:,})",
                        "value": t[key] * 1000,
                        "unit": "ms",
                        "floor": t["floor"] * 1000,
                        "ratio": ratio,
                        "target": f"<= {limit}x csv.writer",
                        "ok": ratio <= limit,
                    }
                )
            rows_out.append(
                {
                    "name": f"  of which reading {fmt} from SQLite",
                    "value": t["plan"] * 1000,
                    "unit": "ms",
                    "floor": t["floor"] * 1000,
                    "ratio": t["plan"] / t["floor"],
                    "target": "",
                    "ok": None,
                }
            )
        store.close()
    return rows_out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rows = run(args.quick, args.people, args.repeat)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
