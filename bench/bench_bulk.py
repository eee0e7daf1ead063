"""Bulk skip benchmark: every undecided card of a filter skipped at once
(``S`` in the window), its undo and its redo, on a 100,000-person deck,
against the floor of a bare ``UPDATE … WHERE`` of the same cards with its
commit (no read for the journal, no journal row).  Prints figures; it is not
a test.

    .venv/bin/python bench/bench_bulk.py [--people N] [--repeat R] [--quick] [--imported]

Two filters: ``flag: no LinkedIn profile`` (everyone: the worst case, every
row of the deck rewritten) and ``flag: role address`` (2 %: the usual case,
a few cards found among many).  "count" is what the confirmation dialog
asks before it opens.  ``--imported`` builds the deck by importing a
generated Google CSV (bench/generate.py: about 5 % duplicates, so 105,200
rows make about 100,000 people) instead of direct inserts: real rows are
wider (phones, notes, the search column), so every rewrite costs more.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.table import row, table
from triage.model import ALL, FLAG_BITS, Contact, Deck, Email, Source, WalkFilter
from triage.store import Store
from triage.walk import Walk, find_start

FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]
ORGS = ["Analytical Engines", "Navy", "Bletchley Park", "TU Eindhoven", "MIT", "Stanford", ""]
ROLE_EVERY = 50  # one person in 50 has a role address (info@, sales@ ...)


def build_deck(store: Store, n: int) -> Deck:
    """n undecided people, none with a known LinkedIn profile, one in 50
    with a role address (direct inserts, one transaction)."""
    no_profile, role = FLAG_BITS["no_profile"], FLAG_BITS["role_address"]
    with store.transaction():
        deck = store.create_deck("bench", "US")
        import_id = store.start_import(deck.id, ["bench.csv"])
        for i in range(n):
            given, family = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
            is_role = i % ROLE_EVERY == 0
            address = f"info{i}@example.org" if is_role else f"{given}.{family}.{i}@example.com"
            c = Contact(
                id=0,
                deck_id=deck.id,
                key=f"k{i}",
                name=f"{given} {family}",
                given=given,
                family=family,
                org=ORGS[i % len(ORGS)],
                emails=[Email(address.lower(), role=is_role)],
                notes="met at the conference, talked about compilers" if i % 5 == 0 else "",
                sources=[Source("bench.csv", i + 2, import_id, "/tmp/bench.csv")],
                flags=no_profile | (role if is_role else 0),
            )
            store.insert_contact(deck.id, c, i)
        store.finish_import(deck.id, import_id, {})
    return deck


def imported_deck(store: Store, folder: Path, people: int) -> Deck:
    from bench.generate import google_csv
    from triage.ingest.run import run_import

    path = google_csv(folder / "google.csv", int(people * 1.052))
    run_import(store, "bench", [path], region="US")
    deck = store.deck("bench")
    assert deck is not None
    return deck


def floor_update(store: Store, deck: Deck, flag: int, decision: str) -> None:
    with store.transaction():
        store.conn.execute(
            "UPDATE contacts SET decision = ?, decided_at = ? WHERE deck_id = ?"
            f" AND decision != ? AND (flags & {flag}) != 0",
            (decision, "" if decision == "undecided" else "2025-01-01T00:00:00", deck.id, decision),
        )


def run(
    quick: bool = False,
    people: int | None = None,
    repeat: int | None = None,
    imported: bool = False,
) -> list[dict[str, Any]]:
    n = people or (10_000 if quick else 100_000)
    reps = repeat or (3 if quick else 5)
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as tmp:
        store = Store.open(Path(tmp) / "data")
        started = time.perf_counter()
        deck = imported_deck(store, Path(tmp), n) if imported else build_deck(store, n)
        n = store.count_contacts(deck.id)
        how = "imported" if imported else "built"
        print(f"deck of {n:,} undecided people {how} in {time.perf_counter() - started:.1f} s")
        walk = Walk(store, deck, order="event", start=find_start(store, deck, "event", ALL))
        for flag_name in ("no_profile", "role_address"):
            flag = FLAG_BITS[flag_name]
            times: dict[str, list[float]] = {
                k: [] for k in ("floor", "count", "skip", "undo", "redo")
            }
            cards = 0
            for _ in range(reps):
                walk.apply_filter(WalkFilter("flag", flag_name))
                t = time.perf_counter()
                cards = walk.bulk_skip_count()
                times["count"].append(time.perf_counter() - t)
                for name, call in (
                    ("skip", walk.bulk_skip),
                    ("undo", walk.undo),
                    ("redo", walk.redo),
                ):
                    t = time.perf_counter()
                    call()
                    times[name].append(time.perf_counter() - t)
                walk.undo()  # every card undecided again
                t = time.perf_counter()
                floor_update(store, deck, flag, "skip")
                times["floor"].append(time.perf_counter() - t)
                floor_update(store, deck, flag, "undecided")
                store.forget_counts()
            med = {k: statistics.median(v) * 1000 for k, v in times.items()}
            out.append({"section": f"flag {flag_name}: {cards:,} of {n:,} cards"})
            for name, target, limit in (
                ("bulk skip", "<= 2x UPDATE", 2.0),
                ("undo", "<= 2x UPDATE", 2.0),
                ("redo", "<= 2x UPDATE", 2.0),
            ):
                key = name.split()[-1]
                out.append(
                    row(
                        name, med[key], "ms", med["floor"], target, med[key] <= limit * med["floor"]
                    )
                )
            out.append(row("count (the dialog)", med["count"], "ms", med["floor"], "", None))
        store.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--imported", action="store_true")
    args = parser.parse_args()
    print(table(run(args.quick, args.people, args.repeat, args.imported)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
