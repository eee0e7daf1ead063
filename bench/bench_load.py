"""Load: a 1,000,000-contact deck still imports, opens, takes decisions and
exports, with the import's memory flat (batches, never one list).

    .venv/bin/python bench/bench_load.py            # 1,000,000 contacts (a few minutes)
    .venv/bin/python bench/bench_load.py --quick    # 50,000 contacts

Each step runs in a fresh interpreter started by a tiny launcher, so peak
memory (ru_maxrss) is the step's own.  Memory flatness is shown by importing a
tenth of the rows first: the peak should barely move with ten times the rows.
No targets yet except flat memory; the figures are for the report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import generate  # noqa: E402
from bench_import import in_child  # noqa: E402

from bench.table import table  # noqa: E402

DECISIONS = 1000


def _child(argv: list[str]) -> None:
    kind, data = argv[0], Path(argv[1])
    out: dict[str, Any] = {}
    if kind == "import":
        from triage.ingest.run import run_import
        from triage.store import Store

        store = Store.open(data)
        started = time.perf_counter()
        report = run_import(store, "load", [Path(argv[2])], region="US")
        out = {"seconds": time.perf_counter() - started, "contacts": report.contacts}
        store.close()
    elif kind == "review":
        out = asyncio.run(_review(data))
    elif kind == "export":
        from triage.export import plan as export
        from triage.store import Store

        store = Store.open(data)
        deck = store.deck("load")
        assert deck is not None
        started = time.perf_counter()
        plan = export.plan_export(store, deck, "linkedin")
        files = export.write_export(plan, Path(argv[2]), force=True)
        out = {"seconds": time.perf_counter() - started, "people": plan.count, "files": len(files)}
    out["maxrss_mib"] = _maxrss_mib()
    print(json.dumps(out))


async def _review(data: Path) -> dict[str, Any]:
    """Start-up to the first card, then 1,000 decisions through the screen's
    own actions (each one the key handler with its durable commit)."""
    started = time.perf_counter()
    from triage.config import Config
    from triage.store import Store
    from triage.ui.app import ReviewApp

    store = Store.open(data)
    deck = store.deck("load")
    assert deck is not None
    app = ReviewApp(store, deck, order="event", config=Config(), cursor_blink=False)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        first_card = time.perf_counter() - started
        screen = app.screen
        times = []
        for i in range(DECISIONS):
            t = time.perf_counter()
            screen.action_invite() if i % 4 == 0 else screen.action_skip()  # type: ignore[attr-defined]
            times.append(time.perf_counter() - t)
        await pilot.pause()
    times.sort()
    return {
        "first_card": first_card,
        "decision_p50_ms": statistics.median(times) * 1000,
        "decision_p99_ms": times[int(len(times) * 0.99) - 1] * 1000,
        "invited": store.counts(deck.id).invite,
    }


def _maxrss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_child(*args: str) -> dict[str, Any]:
    return in_child(__file__, *args)


def _row(
    name: str, value: float, unit: str, note: str = "", ok: bool | None = None
) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "floor": None, "ratio": None,
            "target": note, "ok": ok}  # fmt: skip


def run(quick: bool = False, log: Any = None) -> list[dict[str, Any]]:
    say = log or (lambda *_: None)
    n = 50_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory(prefix="triage-load-") as tmp:
        folder = Path(tmp)
        say(f"generating {n:,} and {n // 10:,} Google rows")
        big = generate.google_csv(folder / "big.csv", n)
        small = generate.google_csv(folder / "small.csv", n // 10)
        say("importing the tenth (memory reference)")
        ref = _in_child("import", str(folder / "ref-data"), str(small))
        say(f"importing {n:,} rows")
        imp = _in_child("import", str(folder / "data"), str(big))
        say("review: start-up and 1,000 decisions")
        rev = _in_child("review", str(folder / "data"))
        say("export")
        exp = _in_child("export", str(folder / "data"), str(folder / "out.csv"))
    growth = imp["tree_maxrss_mib"] / ref["tree_maxrss_mib"]
    return [
        _row(f"load import ({n:,} rows)", n / imp["seconds"], "contacts/s"),
        _row(
            "load import peak memory",
            imp["tree_maxrss_mib"],
            "MiB",
            f"flat: {growth:.2f}x the peak at {n // 10:,} rows",
            # Below ~100k rows the interpreter's own size dominates both peaks.
            None if quick else growth <= 1.5,
        ),
        _row(f"load review start-up ({imp['contacts']:,} people)", rev["first_card"], "s"),
        _row("load decision p99 (key handler + commit)", rev["decision_p99_ms"], "ms"),
        _row("load review peak memory", rev["tree_maxrss_mib"], "MiB"),
        _row(f"load export linkedin ({exp['people']:,} people)", exp["seconds"], "s"),
    ]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child(argv[1:])
        return 0
    ap = argparse.ArgumentParser(description="Load benchmark on a very large deck.")
    ap.add_argument("--quick", action="store_true", help="50,000 contacts")
    args = ap.parse_args(argv)
    rows = run(args.quick, log=print)
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
