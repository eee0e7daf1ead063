"""Mixing benchmark: how well the event order keeps neighbours apart.

Prints a table; never asserts (DESIGN.md §8).  For each deck, the cards in
the event order are compared with their neighbour: pairs from the same
organisation, the same email domain and the same source file.  The floor is
a plain shuffle of the same cards (the mean of 50 seeded shuffles), and the
target is at most 10 % of the shuffle's pairs.

Decks:

* ``demo``: the bundled demo address book (``triage demo``), three files.
* ``generated``: 10,000 generated people (``bench/generate.py``) split over
  three exports of unequal size (50 %, 30 %, 20 %).

Usage: ``python bench/bench_mixing.py [--people N] [--json]``
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402
from bench.table import row as _row  # noqa: E402
from bench.table import table  # noqa: E402

TARGET = 0.10  # the event order's pairs, at most this share of a shuffle's
SHUFFLES = 50
Card = tuple[str, str, str]  # organisation, email domain, source file


def pairs(cards: Sequence[Card]) -> tuple[int, int, int]:
    """Adjacent pairs sharing (organisation, domain, source); an empty value
    is never shared."""
    org = dom = src = 0
    for a, b in itertools.pairwise(cards):
        org += bool(a[0]) and a[0] == b[0]
        dom += bool(a[1]) and a[1] == b[1]
        src += bool(a[2]) and a[2] == b[2]
    return org, dom, src


def event_cards(data: Path, deck_name: str) -> list[Card]:
    """The deck's cards in the event order, as the store holds them."""
    from triage.ingest.mixing import traits
    from triage.store import Store

    store = Store.open(data)
    try:
        deck = store.deck(deck_name)
        assert deck is not None
        _, rows = store.event_places(deck.id, 0)
    finally:
        store.close()
    return [traits(o, e, s) for _, _, o, e, s in rows]


def measure(name: str, data: Path, deck_name: str, seconds: float) -> list[dict[str, object]]:
    cards = event_cards(data, deck_name)
    event = pairs(cards)
    rng = random.Random(20240601)
    shuffled: list[tuple[int, int, int]] = []
    for _ in range(SHUFFLES):
        copy = list(cards)
        rng.shuffle(copy)
        shuffled.append(pairs(copy))
    out = []
    for k, what in enumerate(("organisation", "email domain", "source file")):
        floor = statistics.fmean(s[k] for s in shuffled)
        ratio = event[k] / floor if floor else 0.0
        out.append(
            {
                "deck": name,
                "cards": len(cards),
                "pairs": what,
                "event": event[k],
                "shuffle": round(floor, 1),
                "ratio": round(ratio, 3),
                "target": TARGET if what != "email domain" else None,
                "import_seconds": round(seconds, 2),
            }
        )
    return out


def demo_deck(data: Path) -> float:
    from triage.demo import demo_files
    from triage.ingest.run import run_import
    from triage.store import Store

    store = Store.open(data)
    try:
        with demo_files() as files:
            started = time.perf_counter()
            run_import(store, "demo", files, region="US")
            return time.perf_counter() - started
    finally:
        store.close()


def generated_deck(data: Path, folder: Path, n: int) -> float:
    """``n`` generated people in three exports of 50 %, 30 % and 20 %."""
    from triage.ingest.run import run_import
    from triage.store import Store

    whole = generate.google_csv(folder / "all.csv", n)
    with whole.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    cut1, cut2 = n // 2, n * 8 // 10
    paths = []
    for name, part in (
        ("google.csv", rows[:cut1]),
        ("work.csv", rows[cut1:cut2]),
        ("old-phone.csv", rows[cut2:]),
    ):
        path = folder / name
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(part)
        paths.append(path)
    store = Store.open(data)
    try:
        started = time.perf_counter()
        run_import(store, "generated", paths, region="US")
        return time.perf_counter() - started
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Mixing benchmark (prints figures, never fails).")
    ap.add_argument("--people", type=int, default=10_000, help="generated deck size")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = ap.parse_args(argv)
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="triage-mixing-") as tmp:
        root = Path(tmp)
        seconds = demo_deck(root / "demo")
        results += measure("demo", root / "demo", "demo", seconds)
        (root / "files").mkdir()
        seconds = generated_deck(root / "gen", root / "files", args.people)
        results += measure("generated", root / "gen", "generated", seconds)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    rows: list[dict[str, object]] = []
    for r in results:
        target = r["target"]
        if r["pairs"] == "organisation":
            rows.append({"section": f"{r['deck']} deck, {r['cards']:,} cards"})
        rows.append(
            _row(
                f"same {r['pairs']}, adjacent pairs",
                r["event"],  # type: ignore[arg-type]
                "",
                r["shuffle"],  # type: ignore[arg-type]
                "(reported)" if target is None else f"ratio <= {target:.2f}",
                None if target is None else r["ratio"] <= target,  # type: ignore[operator]
            )
        )
    print("floor: a plain shuffle of the same cards (mean of 50 seeded shuffles)")
    print(table(rows))  # type: ignore[arg-type]
    for r in results[::3]:
        print(f"{r['deck']} import: {r['import_seconds']} s")
    print(f"\nPython {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
