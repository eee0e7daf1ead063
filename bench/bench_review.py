"""Review benchmark: the walk-through against floors measured in the same run.

Prints a table; never asserts (DESIGN.md §8: budgets are measured by
``bench/``, not by timed tests).  The deck is 100,000 contacts imported from a
generated Google CSV (``--quick``: 10,000), half of the walk already decided
and the cursor on the first undecided card: a session resumed mid-deck, where
anything whose cost grows with the position in the walk shows.

Figures:

* ``start-up to first card``: ``triage review`` in a fresh interpreter inside
  a pseudo-terminal, from the moment its process is spawned until the first
  card's name appears on the terminal output (escape sequences stripped).
  Floor: a bare Textual app (one ``Static`` showing the same card's lines and
  a position line, no store) measured the same way, the two alternating run
  by run.  Median of N runs each; the fastest and slowest runs on their own rows.
* ``decision handler p50/p95/p99/max``: ``ReviewScreen.action_invite`` /
  ``action_skip`` timed around the call, in the real app under
  ``App.run_test()`` (headless) in a fresh interpreter: the store's reads, the
  durable commit (WAL, ``synchronous=FULL``) and the widget updates, not the
  repaint.  The app is left idle between decisions so each one starts from a
  painted card.  Floor: a bare ``BEGIN IMMEDIATE; UPDATE contacts ...;
  COMMIT`` on a copy of the same deck (same pragmas), interleaved with the
  decisions so a busy moment on the machine hits both alike: each of the two
  follows an idle pause, the bare commit first every other time (the first
  write after a pause is the slower one on some machines; always timing the
  decision there and the bare commit right after it gave the decision every
  disk stall, up to 200 ms, and the floor none).
* ``key to redrawn card (pty)``: writing ``a`` to the terminal until the next
  card's position ("card N of M") appears on the output, in the same
  pseudo-terminal session as above.  Floor: the bare app answering ``a`` by
  updating its card.  For information (Textual's frame pacing dominates).
* ``peak memory``: ``ru_maxrss`` of the review process after start-up and the
  decisions of the row above, read by a tiny launcher through
  ``RUSAGE_CHILDREN`` (as in ``bench_import.py``).  Floor: the bare app after
  the same number of redraws.

Usage: ``python bench/bench_review.py [--quick] [--deck-dir DIR] [--runs N] [--json]``
"""

from __future__ import annotations

import argparse
import codecs
import fcntl
import gc
import json
import os
import re
import select
import shutil
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.table import row as _row  # noqa: E402
from bench.table import table  # noqa: E402

FULL = {"contacts": 100_000, "runs": 15, "decisions": 1_000, "keys": 1_000}
QUICK = {"contacts": 10_000, "runs": 5, "decisions": 1_000, "keys": 200}
STARTUP_RATIO_TARGET = 1.25  # x the bare app, at most
HANDLER_P99_TARGET = 2.0  # ms, at most
PEAK_TARGET = 80.0  # MiB, at most
COLS, ROWS = 100, 30
MIB = 1024 * 1024

# --------------------------------------------------------------------------- the bare app

# A bare Textual app showing one card of about the same size as triage's:
# a position line and the card's lines in a bordered Static.  ``a`` moves the
# position on and redraws the card; ``q`` quits.  Run with ``python -c``.
BARE_APP = r"""
import json, sys
from textual.app import App
from textual.widgets import Static

card = json.loads(sys.argv[1])

class Bare(App):
    CSS = "#card { border: round $primary; padding: 0 1; height: auto; }"
    BINDINGS = [("a", "next", "Next"), ("q", "quit", "Quit")]

    def compose(self):
        self.position = card["position"]
        yield Static(self.head(), id="head")
        yield Static("\n".join(card["lines"]), id="card")

    def head(self):
        return f"card {self.position:,} of {card['total']:,}"

    def action_next(self):
        self.position += 1
        self.query_one("#head", Static).update(self.head())
        self.query_one("#card", Static).update("\n".join(card["lines"]))

Bare().run()
"""

# --------------------------------------------------------------------------- the launcher

# Linux keeps the peak RSS across exec, so each measured process is started by
# this tiny launcher (~10 MiB), which reports RUSAGE_CHILDREN: the measured
# process's own peak.  It hands the process the pseudo-terminal (argv[1]) as
# stdin/stdout/stderr and reports when it spawned it (CLOCK_MONOTONIC, the
# clock of the benchmark's time.monotonic()).
_LAUNCHER = """
import json, resource, subprocess, sys, time
tty = int(sys.argv[1])
started = time.monotonic()
proc = subprocess.run(sys.argv[2:], stdin=tty, stdout=tty, stderr=tty)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"returncode": proc.returncode, "started": started,
                  "tree_maxrss": usage.ru_maxrss}))
"""

# CSI / OSC / DCS / two-character escape sequences, stripped before searching.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[ -~]"
)


class Terminal:
    """A process (through the launcher) in a pseudo-terminal of COLS x ROWS."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _LAUNCHER, str(slave), *argv],
                pass_fds=(slave,),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                cwd=ROOT,
                start_new_session=True,  # its own process group, to kill if stuck
            )
        finally:
            os.close(slave)
        self.master = master
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.text = ""  # output since the last mark()
        self.tail = ""  # the last output, for error messages

    def mark(self) -> None:
        self.text = ""

    def send(self, keys: str) -> float:
        sent = time.monotonic()
        os.write(self.master, keys.encode())
        return sent

    def _read(self, timeout: float) -> float | None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return None
        try:
            chunk = os.read(self.master, 1 << 16)
        except OSError:  # EIO: every process on the terminal has gone
            chunk = b""
        seen = time.monotonic()
        if not chunk:
            raise RuntimeError(f"the terminal closed; its last output:\n{self.screen_tail()}")
        text = self.decoder.decode(chunk)
        self.text += text
        self.tail = (self.tail + text)[-20_000:]
        return seen

    def wait_for(self, needle: str, timeout: float = 60.0) -> float:
        """The time the output since the last mark() first contained ``needle``."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"{needle!r} never appeared; last output:\n{self.screen_tail()}")
            seen = self._read(min(left, 1.0))
            if seen is not None and needle in _ESCAPES.sub("", self.text):
                return seen

    def finish(self, timeout: float = 30.0) -> dict[str, Any]:
        """Drain the output until the launcher exits; its report."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            try:
                self._read(0.05)
            except RuntimeError:
                break
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        out, err = self.proc.communicate()
        os.close(self.master)
        if self.proc.returncode != 0 or not out.strip():
            raise RuntimeError(f"the launcher failed:\n{err.strip()}\n{self.screen_tail()}")
        report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        if report["returncode"] != 0:
            raise RuntimeError(
                f"exit code {report['returncode']}; last output:\n{self.screen_tail()}"
            )
        kib = report["tree_maxrss"]
        report["maxrss_mib"] = kib / MIB if sys.platform == "darwin" else kib / 1024
        return report

    def screen_tail(self) -> str:
        return _ESCAPES.sub("", self.tail)[-2_000:]

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


# --------------------------------------------------------------------------- the deck


def deck_name(n: int) -> str:
    return f"bench{n}"


def build_deck(data: Path, n: int, say: Any) -> None:
    """A deck of exactly ``n`` contacts in ``data``, imported from a generated
    Google CSV (about 5 % of its rows merge, so a few more rows are generated
    and the contacts past the n-th dropped).  Reused when already there."""
    from triage.store import Store

    name = deck_name(n)
    if (data / "triage.db").exists():
        store = Store.open(data)
        try:
            deck = store.deck(name)
            if deck is not None and store.counts(deck.id).contacts == n:
                say(f"reusing deck '{name}' ({n:,} contacts) in {data}")
                return
            if deck is not None:
                store.delete_deck(deck)
        finally:
            store.close()

    from bench import generate
    from triage.ingest.run import run_import

    rows = int(n / 0.93) + 100
    say(f"building deck '{name}': importing {rows:,} generated Google rows into {data}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="triage-bench-csv-") as tmp:
        csv_path = generate.google_csv(Path(tmp) / "google.csv", rows)
        store = Store.open(data)
        try:
            run_import(store, name, [csv_path], region="US")
            deck = store.deck(name)
            assert deck is not None
            ids = [
                i
                for (i,) in store.conn.execute(
                    "SELECT id FROM contacts WHERE deck_id = ? ORDER BY id", (deck.id,)
                )
            ]
            if len(ids) < n:
                raise RuntimeError(f"the import gave {len(ids):,} contacts, fewer than {n:,}")
            with store.transaction():
                store.conn.execute(
                    "DELETE FROM contacts WHERE deck_id = ? AND id > ?", (deck.id, ids[n - 1])
                )
        finally:
            store.close()
    say(f"  built in {time.perf_counter() - started:.1f} s")


def resume_mid_deck(data: Path, n: int) -> None:
    """Decide the first half of the walk (two invited, one skipped, with
    their journal rows) and put the cursor on the first undecided card an
    upload can invite after them."""
    name = deck_name(n)
    conn = sqlite3.connect(data / "triage.db", isolation_level=None)
    try:
        (deck_id,) = conn.execute("SELECT id FROM decks WHERE name = ?", (name,)).fetchone()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "CREATE TEMP TABLE walk AS SELECT id, ROW_NUMBER() OVER (ORDER BY r_event) AS k"
            " FROM contacts WHERE deck_id = ?",
            (deck_id,),
        )
        conn.execute(
            "UPDATE contacts SET decision = CASE WHEN walk.k % 3 = 0 THEN 'skip' ELSE 'invite'"
            " END, decided_at = '2025-06-01T10:00:00+00:00' FROM walk"
            " WHERE contacts.id = walk.id AND walk.k <= ?",
            (n // 2,),
        )
        conn.execute(
            "INSERT INTO journal (deck_id, contact_id, kind, before, after, at)"
            " SELECT ?, c.id, 'decision', '[\"undecided\", \"\"]',"
            " json_array(c.decision, c.decided_at), c.decided_at"
            " FROM walk JOIN contacts c ON c.id = walk.id WHERE walk.k <= ? ORDER BY walk.k",
            (deck_id, n // 2),
        )
        # The first undecided card of the walk the window opens on (the
        # people an upload can invite): the key phase counts its places.
        from triage.model import UPLOAD_BLOCKED

        conn.execute(
            "UPDATE decks SET cursor_id = (SELECT w.id FROM walk w JOIN contacts c"
            " ON c.id = w.id WHERE w.k > ? AND (c.flags & ?) = 0 ORDER BY w.k LIMIT 1)"
            " WHERE id = ?",
            (n // 2, UPLOAD_BLOCKED, deck_id),
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def first_card(data: Path, n: int) -> dict[str, Any]:
    """The card the review opens on: its name, place in the walk and lines."""
    from triage.store import Store

    store = Store.open(data)
    try:
        deck = store.deck(deck_name(n))
        assert deck is not None and deck.cursor_id is not None
        c = store.contact(deck.cursor_id)
        # The walk's own filter (by default the people an upload can invite)
        # gives the position and the total the header shows.
        from triage.walk import Walk

        view = Walk(store, deck, order="event").view
        position = (view.index or 0) + 1
        total = view.total
    finally:
        store.close()
    lines = [
        c.name or "(no name)",
        " · ".join(x for x in (c.title, c.org) if x),
        *[f"Email   {e.address}" for e in c.emails],
        *[f"Phone   {p.number}" for p in c.phones],
        *[f"Notes   {line}" for line in c.notes.splitlines()],
        *([f"Labels  {', '.join(c.labels)}"] if c.labels else []),
        "From    " + "; ".join(f"{s.file}, line {s.line}" for s in c.sources),
        "Decision  undecided",
    ]
    return {"name": c.name or "(no name)", "position": position, "total": total, "lines": lines}


def _copy_data(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("locks"))
    return dst


# --------------------------------------------------------------------------- terminal runs


def _env(tmp: Path) -> dict[str, str]:
    """The measured processes' environment.  Bytecode is cached (in the
    temporary folder, not the source tree) even when the caller's
    environment says PYTHONDONTWRITEBYTECODE: an installed triage has its
    .pyc files, and compiling its modules at every start would be measured
    against a bare app that has no modules of its own to compile."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TEXTUAL") and k != "PYTHONDONTWRITEBYTECODE"
    }
    pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.update(
        PYTHONPATH=pythonpath,
        PYTHONPYCACHEPREFIX=str(tmp / "pycache"),
        TERM="xterm-256color",
        COLORTERM="truecolor",
        TRIAGE_CONFIG=str(tmp / "no-config.toml"),  # missing: the defaults
        LINES=str(ROWS),
        COLUMNS=str(COLS),
    )
    return env


def review_argv(data: Path, n: int) -> list[str]:
    triage = [sys.executable, "-m", "triage", "--data-dir", str(data)]
    return [*triage, "review", "--deck", deck_name(n)]


def bare_argv(card: dict[str, Any]) -> list[str]:
    return [sys.executable, "-c", BARE_APP, json.dumps(card)]


def terminal_run(
    argv: list[str], env: dict[str, str], card: dict[str, Any], keys: int
) -> dict[str, Any]:
    """Start ``argv`` in a pseudo-terminal, wait for the first card, press
    ``a`` ``keys`` times (each time waiting for the next position to be
    drawn), quit with ``q``.  Seconds to the first card, each key's seconds
    to redraw, and the peak RSS."""
    term = Terminal(argv, env)
    try:
        painted = term.wait_for(card["name"])
        redraws = []
        for k in range(1, keys + 1):
            term.mark()
            sent = term.send("a")
            shown = term.wait_for(f"card {card['position'] + k:,} of {card['total']:,}")
            redraws.append(shown - sent)
        term.send("q")
        report = term.finish()
    except BaseException:
        term.kill()
        raise
    return {
        "startup": painted - report["started"],
        "redraws": redraws,
        "maxrss_mib": report["maxrss_mib"],
    }


# --------------------------------------------------------------------------- child side


def _child(argv: list[str]) -> None:
    """Time decisions in the real app in this fresh process; print JSON."""
    import asyncio

    kind, data, floor_data, n, decisions = argv[0], Path(argv[1]), Path(argv[2]), *argv[3:5]
    if kind != "decide":
        raise SystemExit(f"unknown child measurement {kind!r}")
    print(json.dumps(asyncio.run(_decide(data, floor_data, int(n), int(decisions)))))


async def _decide(data: Path, floor_data: Path, n: int, count: int) -> dict[str, Any]:
    from triage.config import Config
    from triage.store import Store
    from triage.ui.app import ReviewApp
    from triage.ui.review_screen import ReviewScreen

    store = Store.open(data)
    deck = store.deck(deck_name(n))
    assert deck is not None
    store.prepare_order(deck, "event")

    floor = sqlite3.connect(floor_data / "triage.db", isolation_level=None)
    floor.execute("PRAGMA journal_mode = WAL")
    floor.execute("PRAGMA synchronous = FULL")
    floor_ids = [
        i
        for (i,) in floor.execute(
            "SELECT id FROM contacts WHERE decision = 'undecided' ORDER BY r_event LIMIT ?",
            (count + 50,),
        )
    ]

    handler: list[float] = []
    commit: list[float] = []
    statements: list[str] = []
    # As triage.cli.review runs the app: the collector paused until the first
    # paint, then what start-up built frozen (ReviewApp.on_ready).
    collecting = gc.isenabled()
    gc.disable()
    app = ReviewApp(
        store, deck, order="event", config=Config(), cursor_blink=False, resume_gc=collecting
    )
    async with app.run_test(size=(COLS, ROWS)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        start_id = screen.current_id
        clock = time.perf_counter

        def bare_commit(i: int) -> float:
            started = clock()
            floor.execute("BEGIN IMMEDIATE")
            floor.execute(
                "UPDATE contacts SET decision = ?, decided_at = ? WHERE id = ?",
                ("skip" if i % 3 == 2 else "invite", "2025-06-01T10:00:00+00:00", floor_ids[i]),
            )
            floor.execute("COMMIT")
            return clock() - started

        for i in range(count + 10):
            action = screen.action_skip if i % 3 == 2 else screen.action_invite
            traced = i >= count  # the last 10 only list their SQL (tracing costs time)
            # Each of the two starts from an idle app, the bare commit first
            # every other time: the first disk write after a pause pays more
            # on some machines, and it must not always be the same one's.
            floor_first = not traced and i % 2 == 1
            if floor_first:
                commit.append(bare_commit(i))
                await pilot.pause()
            if traced:
                statements.append("--")
                store.conn.set_trace_callback(statements.append)
            started = clock()
            action()
            took = clock() - started
            store.conn.set_trace_callback(None)
            await pilot.pause()
            if not traced:
                handler.append(took)
                if not floor_first:
                    commit.append(bare_commit(i))
                    await pilot.pause()
        end_id = screen.current_id
        position = screen.query_one("#header-position").render()
    decided = store.counts(deck.id)
    store.close()
    floor.close()
    per_decision = statements.count("--")
    return {
        "handler": handler,
        "commit": commit,
        "statements": (len(statements) - per_decision) / max(per_decision, 1),
        "sql": statements[1 : statements.index("--", 1)] if per_decision > 1 else statements,
        "moved": start_id != end_id,
        "position": str(position),
        "invited": decided.invite,
        "skipped": decided.skip,
    }


def _decide_in_child(data: Path, floor_data: Path, n: int, count: int) -> dict[str, Any]:
    pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            "decide",
            str(data),
            str(floor_data),
            str(n),
            str(count),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": pythonpath},
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the decision run failed:\n{proc.stderr.strip()}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------- the run


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def _ms(values: list[float]) -> list[float]:
    return [v * 1000 for v in values]


def run(
    quick: bool = False,
    deck_dir: Path | None = None,
    runs: int | None = None,
    log: Any = None,
) -> list[dict[str, Any]]:
    """Build (or reuse) the deck, measure, and return one row per figure:
    ``{"name", "value", "unit", "floor", "ratio", "target", "ok"}``.

    ``deck_dir`` keeps the imported deck there for the next run; ``log``
    (e.g. ``print``) gets progress lines and the spreads."""
    say = log or (lambda *_: None)
    sizes = dict(QUICK if quick else FULL)
    if runs:
        sizes["runs"] = runs
    n = sizes["contacts"]
    with tempfile.TemporaryDirectory(prefix="triage-bench-review-") as tmp_name:
        tmp = Path(tmp_name)
        pristine = deck_dir or tmp / "deck"
        build_deck(pristine, n, say)
        template = _copy_data(pristine, tmp / "template")
        resume_mid_deck(template, n)
        card = first_card(template, n)
        say(
            f"deck of {n:,} contacts, half decided; the review opens on card "
            f"{card['position']:,} ({card['name']})"
        )
        env = _env(tmp)
        startup_data = _copy_data(template, tmp / "startup")

        say(
            f"start-up: {sizes['runs']} runs of each app, alternating, after a warm-up run"
            f" of each (load average {os.getloadavg()[0]:.2f})"
        )
        starts: dict[str, list[float]] = {"review": [], "bare": []}
        rounds: list[float] = []  # review / bare of each round (run back to back)
        apps = [("review", review_argv(startup_data, n)), ("bare", bare_argv(card))]
        failed = False
        for i in range(sizes["runs"] + 1):
            # Which app goes first alternates too, so neither always follows the other.
            for name, argv in apps if i % 2 else apps[::-1]:
                result = _attempt(lambda argv=argv: terminal_run(argv, env, card, keys=0), say)
                if result is None:
                    failed = True
                elif i:  # the first run of each compiles its bytecode and warms the page cache
                    starts[name].append(result["startup"])
            if failed:
                break
            if i:
                rounds.append(starts["review"][-1] / starts["bare"][-1])
        for name, values in starts.items():
            ms = sorted(_ms(values))
            if ms:
                say(
                    f"  {name:<6} median {statistics.median(ms):6.1f} ms, runs: "
                    + " ".join(f"{v:.0f}" for v in ms)
                )

        say(
            f"decision handler: {sizes['decisions']:,} decisions under App.run_test()"
            f" (load average {os.getloadavg()[0]:.2f})"
        )
        decide = _attempt(
            lambda: _decide_in_child(
                _copy_data(template, tmp / "decide"),
                _copy_data(template, tmp / "floor"),
                n,
                sizes["decisions"],
            ),
            say,
        )
        if decide:
            say(
                f"  now at '{decide['position']}' ({decide['invited']:,} invited,"
                f" {decide['skipped']:,} skipped); {decide['statements']:.1f} SQL statements"
                " per decision, those of one:"
            )
            for sql in decide["sql"]:
                say(f"    {sql}")

        say(
            f"key to redraw and peak memory: {sizes['keys']:,} presses of 'a' in a terminal"
            f" (load average {os.getloadavg()[0]:.2f})"
        )
        keyed: dict[str, dict[str, Any] | None] = {}
        keyed["review"] = _attempt(
            lambda: terminal_run(
                review_argv(_copy_data(template, tmp / "keys"), n), env, card, sizes["keys"]
            ),
            say,
        )
        keyed["bare"] = _attempt(
            lambda: terminal_run(bare_argv(card), env, card, sizes["keys"]), say
        )
        for name, result in keyed.items():
            if result:
                ms = _ms(result["redraws"])
                say(
                    f"  {name:<6} redraw median {statistics.median(ms):.1f} ms,"
                    f" p99 {percentile(ms, 99):.1f} ms; peak {result['maxrss_mib']:.1f} MiB"
                )

    nan = float("nan")
    review_ms, bare_ms = _ms(starts["review"]), _ms(starts["bare"])
    if failed or not review_ms or not bare_ms:
        review_ms = bare_ms = [nan]
    startup, startup_floor = statistics.median(review_ms), statistics.median(bare_ms)
    rows = [
        _row(
            f"start-up to first card ({n:,} contacts), median of {len(review_ms)}",
            startup,
            "ms",
            startup_floor,
            f"ratio <= {STARTUP_RATIO_TARGET}",
            startup / startup_floor <= STARTUP_RATIO_TARGET,
        ),
        _row("  fastest run", min(review_ms), "ms", min(bare_ms), "", None),
        _row("  slowest run", max(review_ms), "ms", max(bare_ms), "", None),
        _row(
            "  ratio within a round, median",
            statistics.median(rounds) if rounds and not failed else nan,
            "x",
            nan,
            "",
            None,
        ),
    ]
    handler = _ms(decide["handler"]) if decide else []
    commit = _ms(decide["commit"]) if decide else []
    for label, p in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100)):
        value = percentile(handler, p) if handler else nan
        rows.append(
            _row(
                f"decision handler incl. commit, {label} ({len(handler):,})",
                value,
                "ms",
                percentile(commit, p) if commit else nan,
                f"<= {HANDLER_P99_TARGET:g} ms" if label == "p99" else "",
                value <= HANDLER_P99_TARGET if label == "p99" else None,
            )
        )
    review_keys, bare_keys = keyed["review"], keyed["bare"]
    for label, p in (("median", 50), ("p99", 99)):
        rows.append(
            _row(
                f"key to redrawn card in a pty, {label} ({sizes['keys']:,})",
                percentile(_ms(review_keys["redraws"]), p) if review_keys else nan,
                "ms",
                percentile(_ms(bare_keys["redraws"]), p) if bare_keys else nan,
                "",
                None,
            )
        )
    peak = review_keys["maxrss_mib"] if review_keys else nan
    rows.append(
        _row(
            f"peak memory after start-up + {sizes['keys']:,} decisions",
            peak,
            "MiB",
            bare_keys["maxrss_mib"] if bare_keys else nan,
            f"<= {PEAK_TARGET:g} MiB",
            peak <= PEAK_TARGET,
        )
    )
    for row in rows:
        if row["value"] != row["value"]:
            row["error"] = "the measurement failed (see the log above)"
            row["ok"] = False if row["ok"] is not None else None
    return rows


def _attempt(measure: Any, say: Any) -> Any:
    """The measurement, or None after logging why it failed."""
    try:
        return measure()
    except RuntimeError as exc:
        say(f"  FAILED: {exc}")
        return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child(argv[1:])
        return 0
    ap = argparse.ArgumentParser(description="Review benchmark (prints figures, never fails).")
    ap.add_argument("--quick", action="store_true", help="10,000 contacts, fewer runs")
    ap.add_argument("--deck-dir", type=Path, help="keep (and reuse) the imported deck here")
    ap.add_argument("--runs", type=int, help="start-up runs of each app")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = ap.parse_args(argv)
    load = os.getloadavg()
    rows = run(
        quick=args.quick,
        deck_dir=args.deck_dir,
        runs=args.runs,
        log=None if args.json else print,
    )
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print()
        print(table(rows))
        after = os.getloadavg()
        print(
            f"\nPython {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version},"
            f" {os.cpu_count()} CPUs; load average {load[0]:.2f} before, {after[0]:.2f} after"
        )
        print(
            "Start-up and key-to-redraw: each app in a fresh interpreter in a pseudo-terminal"
            f" ({COLS}x{ROWS}), until its text appears on the terminal output."
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
