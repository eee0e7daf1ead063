"""Corruption campaign: damaged, foreign, newer, unwritable and full-disk databases.

Builds a real deck (a few hundred imported contacts with decisions, tags and
notes), then, for each seeded case, damages a copy of its data folder and runs
every command of the CLI on it as a user would, in a subprocess::

    triage --data-dir D status --json
    triage --data-dir D decks
    triage --data-dir D import FILE --json
    triage --data-dir D review            (in a pseudo-terminal, no keys sent)
    triage --data-dir D export -o OUT --format full

A run is **handled** when either

* it is refused: exit code 2 or 3, exactly one line on standard error, no
  traceback, and the database file and its ``-wal`` byte-for-byte as they were
  (no checkpoint into a damaged file, never a fresh empty database in its
  place); or
* it succeeds (exit 0) with **the right answer**: the same status object, deck
  list, import report, first review screen or exported file as the same
  command gives on the undamaged deck.  Damage in a page the command never
  reads (a zeroed free page, a page the ``-wal`` supersedes, the index of
  another walk order) may legitimately pass; a silent wrong answer fails.

Everything else is a failure: a traceback, ``unexpected error`` (exit 1), a
hang, several lines, a changed file after a refusal, a wrong answer.

Cases (every kind at least once, then seeded random damage):

* ``truncate``: the file cut at a random offset (sometimes a page boundary);
* ``zero-pages``: 1-3 random pages zero-filled;
* ``flip-header``: 1-4 random byte flips in the 100-byte database header;
* ``flip-btree``: 1-4 byte flips in the structure of b-tree pages (page
  header and cell-pointer array).  Flips inside record payloads are left out on
  purpose: SQLite has no page checksums, so a flipped letter in a stored name
  is a different name to every reader (see bench/README.md);
* ``zero-length``, ``text-file``, ``png``: the database replaced by an empty
  file, a CSV file, PNG bytes;
* ``foreign-sqlite``: another application's SQLite database in its place;
* ``newer-version``: ``user_version`` above the schema this triage reads;
* ``read-only-dir`` / ``read-only-file``: ``chmod`` of the data folder (0500)
  or the database (0400); when the campaign runs as root the child drops
  ``CAP_DAC_OVERRIDE`` (``prctl(PR_CAPBSET_DROP)``), since root ignores
  permission bits;
* ``read-only-fs``: the data folder bind-mounted read-only (root only);
* ``disk-full``: the data folder on a small tmpfs left with 0-1024 KiB free
  (``mount -t tmpfs``, root), else a simulated full disk with
  ``RLIMIT_FSIZE`` (writes past the limit fail with EFBIG, SIGXFSZ ignored).

Half of the damage cases use a deck whose last session left a ``-wal`` file
(copied while the store was open, like a crash), so recovery runs first.

A seed fixes each case's kind, deck and where in the file the damage goes;
the deck itself can differ by a few bytes between builds (it stores file
paths and durations), so keep the folder (``--keep DIR``) to study a failing
case: every run's damaged copy stays in ``DIR/cases``.

Usage::

    python bench/campaign_corruption.py [--seed S] [--cases N] [--keep DIR]
                                        [--no-mount] [--jobs J] [--json]

Prints cases tried, cases handled and every failure with its details; exits 1
when any run fails.  From Python: ``run_campaign(seed, cases)`` returns a
:class:`Result`.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import pty
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402

DB = "triage.db"
WAL = DB + "-wal"
SHM = DB + "-shm"
COMMANDS = ("status", "decks", "import", "review", "export")
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2
PAGE_HINT = 4096
COMMAND_TIMEOUT = 90.0
REVIEW_WAIT = 20.0  # seconds for the review window to show its first card

# Kinds every campaign tries at least once, in this order: the first
# thirteen are one of each kind (the CI form, tests/test_campaign_corruption.py),
# then the damage kinds again on the other variant.
FIXED_KINDS: tuple[tuple[str, str], ...] = (
    ("truncate", "clean"),
    ("zero-pages", "wal"),
    ("flip-header", "clean"),
    ("flip-btree", "wal"),
    ("zero-length", "clean"),
    ("text-file", "clean"),
    ("png", "clean"),
    ("foreign-sqlite", "clean"),
    ("newer-version", "wal"),
    ("read-only-dir", "clean"),
    ("read-only-file", "wal"),
    ("disk-full", "clean"),
    ("read-only-fs", "clean"),
    ("truncate", "wal"),
    ("zero-pages", "clean"),
    ("flip-header", "wal"),
    ("flip-btree", "clean"),
    ("disk-full", "wal"),
)
KINDS = tuple(dict.fromkeys(kind for kind, _ in FIXED_KINDS))
RANDOM_KINDS = ("truncate", "zero-pages", "flip-header", "flip-btree")


# --------------------------------------------------------------------------- the deck


@dataclass
class Base:
    """The undamaged material every case starts from."""

    work: Path
    files: Path  # google.csv, cards.vcf, new.csv (the file `import` reads)
    variants: dict[str, Path]  # "clean" | "wal" -> a data folder
    import_file: Path


def build_base(work: Path) -> Base:
    """A deck of ~440 people with decisions, tags, notes and an undo; plus a
    copy taken while a second session still had its changes in the -wal."""
    from triage.ingest.run import run_import
    from triage.store import Store

    files = work / "files"
    files.mkdir(parents=True)
    google = generate.google_csv(files / "google.csv", 400)
    cards = generate.vcards(files / "cards.vcf", 60)
    import_file = _new_people(files / "new.csv", google)

    clean = work / "variants" / "clean"
    store = Store.open(clean)
    try:
        with store.transaction():  # a fixed walk seed: the same pages every build
            deck = store.create_deck("default", "US")
            store.conn.execute("UPDATE decks SET seed = 20241021 WHERE id = ?", (deck.id,))
        run_import(store, "default", [google, cards], region="US")
        deck = store.deck("default")
        assert deck is not None
        store.prepare_order(deck, "name")
        _session(store, deck.id, random.Random(7), 250)
    finally:
        store.close()
    assert not (clean / WAL).exists()

    wal = work / "variants" / "wal"
    wal.mkdir(parents=True)
    session = work / "variants" / "session"
    shutil.copytree(clean, session)
    store = Store.open(session)
    try:
        store.conn.execute("PRAGMA wal_autocheckpoint = 0")  # keep it all in the -wal
        deck = store.deck("default")
        assert deck is not None
        _session(store, deck.id, random.Random(8), 80)
        store.undo(deck.id)
        # Copied with the connection open and nothing checkpointed: the state
        # a killed review window leaves behind.
        shutil.copy2(session / DB, wal / DB)
        shutil.copy2(session / WAL, wal / WAL)
    finally:
        store.close()
    shutil.rmtree(session)
    for path in (files, *files.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return Base(work, files, {"clean": clean, "wal": wal}, import_file)


def _session(store: Any, deck_id: int, rng: random.Random, decisions: int) -> None:
    ids = [
        i
        for (i,) in store.conn.execute(
            "SELECT id FROM contacts WHERE deck_id = ? AND decision = 'undecided' ORDER BY id",
            (deck_id,),
        )
    ]
    rng.shuffle(ids)
    for contact_id in ids[:decisions]:
        store.decide(contact_id, rng.choice(("invite", "invite", "skip")))
        if rng.random() < 0.3:
            store.set_tag(contact_id, rng.choice(("work", "friends", "conference")), True)
        if rng.random() < 0.15:
            store.set_note(contact_id, f"Hi! Good to meet you ({rng.randrange(1000)})")


def _new_people(path: Path, google: Path) -> Path:
    """The file of the ``import`` command: five people the deck has, 25 new."""
    with google.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    first, last, email = (header.index(c) for c in ("First Name", "Last Name", "E-mail 1 - Value"))
    out = [header, *rows[1:6]]
    for i in range(25):
        row = [""] * len(header)
        row[first], row[last], row[email] = f"New{i}", "Person", f"new{i}@campaign-example.com"
        out.append(row)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(out)
    return path


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    kind: str
    variant: str  # "clean" | "wal"
    seed: int
    detail: str = ""  # filled in when the damage is applied

    @property
    def name(self) -> str:
        return f"{self.kind} ({self.variant}, seed {self.seed})"


def make_cases(seed: int, count: int, *, root: bool, mount: bool) -> list[Case]:
    """``count`` cases: the fixed kinds first (as many as fit), then seeded
    random damage.  ``read-only-fs`` needs root and mounts."""
    rng = random.Random(seed)
    fixed = [(k, v) for k, v in FIXED_KINDS if k != "read-only-fs" or (root and mount)]
    cases = [Case(k, v, rng.randrange(1 << 30)) for k, v in fixed[:count]]
    while len(cases) < count:
        cases.append(
            Case(rng.choice(RANDOM_KINDS), rng.choice(("clean", "wal")), rng.randrange(1 << 30))
        )
    return cases


def damage(case: Case, data: Path) -> str:
    """Apply the case's damage to the data folder ``data``; returns what was done.
    Deterministic: the same case damages every copy the same way."""
    rng = random.Random(case.seed)
    db = data / DB
    size = db.stat().st_size
    page = _page_size(db)
    kind = case.kind
    if kind == "truncate":
        if rng.random() < 0.4:
            offset = rng.randrange(1, size // page) * page
        else:
            offset = rng.randrange(1, size)
        os.truncate(db, offset)
        return f"cut at {offset:,} of {size:,} bytes"
    if kind == "zero-pages":
        pages = sorted(rng.sample(range(1, size // page + 1), rng.randint(1, 3)))
        with db.open("r+b") as fh:
            for p in pages:
                fh.seek((p - 1) * page)
                fh.write(bytes(page))
        return f"zeroed page(s) {', '.join(map(str, pages))} of {size // page}"
    if kind == "flip-header":
        flips = _flip(db, [(0, 100)], rng, rng.randint(1, 4))
        return f"header bytes {flips}"
    if kind == "flip-btree":
        regions = _btree_regions(db, page)
        chosen = rng.sample(regions, min(len(regions), rng.randint(1, 2)))
        flips = _flip(db, chosen, rng, rng.randint(1, 4))
        return f"b-tree structure bytes {flips}"
    if kind == "zero-length":
        os.truncate(db, 0)
        return "database truncated to 0 bytes"
    if kind == "text-file":
        db.write_text("First Name,Last Name,E-mail 1 - Value\nAda,Lovelace,ada@example.com\n")
        return "database replaced by a CSV file"
    if kind == "png":
        db.write_bytes(b"\x89PNG\r\n\x1a\n" + rng.randbytes(2000))
        return "database replaced by PNG bytes"
    if kind == "foreign-sqlite":
        db.unlink()
        conn = sqlite3.connect(db)
        conn.executescript(
            "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT);"
            "INSERT INTO moz_places (url) VALUES ('https://example.com/');"
        )
        conn.close()
        return "another application's SQLite database (user_version 0)"
    if kind == "newer-version":
        from triage.store.schema import SCHEMA_VERSION

        version = SCHEMA_VERSION + rng.randint(1, 5)
        conn = sqlite3.connect(db)
        conn.execute(f"PRAGMA user_version = {version}")
        conn.close()
        return f"user_version {version}"
    if kind in ("none", "read-only-dir", "read-only-file", "read-only-fs", "disk-full"):
        return ""  # the environment is the damage: see Slot
    raise ValueError(kind)


def _page_size(db: Path) -> int:
    with db.open("rb") as fh:
        head = fh.read(100)
    if len(head) < 18:
        return PAGE_HINT
    size = int.from_bytes(head[16:18], "big")
    return 65536 if size == 1 else size or PAGE_HINT


def _btree_regions(db: Path, page: int) -> list[tuple[int, int]]:
    """(start, end) of the header and cell-pointer array of every b-tree page."""
    data = db.read_bytes()
    regions = []
    for number in range(1, len(data) // page + 1):
        start = (number - 1) * page
        hdr = start + (100 if number == 1 else 0)
        kind = data[hdr]
        if kind not in (2, 5, 10, 13):
            continue
        header = 12 if kind in (2, 5) else 8
        cells = int.from_bytes(data[hdr + 3 : hdr + 5], "big")
        regions.append((hdr, hdr + header + 2 * cells))
    return regions


def _flip(db: Path, regions: list[tuple[int, int]], rng: random.Random, n: int) -> str:
    done = []
    with db.open("r+b") as fh:
        for _ in range(n):
            start, end = rng.choice(regions)
            offset = rng.randrange(start, end)
            fh.seek(offset)
            old = fh.read(1)[0]
            new = old ^ rng.randrange(1, 256)
            fh.seek(offset)
            fh.write(bytes([new]))
            done.append(f"{offset}:{old:#04x}->{new:#04x}")
    return ", ".join(done)


# --------------------------------------------------------------------------- environment


def can_mount() -> bool:
    """Whether ``mount -t tmpfs`` works here (root in a permissive container)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    with tempfile.TemporaryDirectory(prefix="triage-mnt-") as tmp:
        ok = _run_quiet(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", tmp])
        if ok:
            _umount(Path(tmp))
        return ok


def _run_quiet(cmd: list[str]) -> bool:
    return subprocess.run(cmd, capture_output=True, check=False).returncode == 0


def _umount(path: Path) -> None:
    for _ in range(20):
        if _run_quiet(["umount", str(path)]):
            return
        time.sleep(0.1)
    _run_quiet(["umount", "-l", str(path)])


@dataclass
class Slot:
    """One command run's private copy: the (damaged) data folder, the output
    file and how the child runs."""

    path: Path
    data: Path
    out: Path
    preexec: Callable[[], None] | None = None
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    how: str = ""

    def close(self) -> None:
        for undo in reversed(self.cleanups):
            with contextlib.suppress(Exception):
                undo()


def _without_dac_override() -> None:
    """In the child (root): drop the capabilities that let root ignore
    permission bits, so a chmod'ed folder is read-only to it as to a user."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def prepare_slot(base: Base, case: Case, path: Path, *, mount: bool) -> Slot:
    path.mkdir(parents=True)
    path.chmod(0o755)
    data = path / "data"
    shutil.copytree(base.variants[case.variant], data)
    data.chmod(0o700)
    case.detail = damage(case, data) or case.detail
    slot = Slot(path, data, path / "out.csv")
    root = os.geteuid() == 0
    if case.kind in ("read-only-dir", "read-only-file"):
        target = data if case.kind == "read-only-dir" else data / DB
        if root:
            slot.preexec = _without_dac_override
        target.chmod(0o500 if target.is_dir() else 0o400)
        slot.cleanups.append(lambda: target.chmod(0o700 if target.is_dir() else 0o600))
        mode = "0500" if target.is_dir() else "0400"
        case.detail = f"chmod {mode} {target.name}" + (
            " (root without CAP_DAC_OVERRIDE)" if root else ""
        )
    elif case.kind == "read-only-fs":
        subprocess.run(["mount", "--bind", str(data), str(data)], check=True)
        slot.cleanups.append(lambda: _umount(data))
        subprocess.run(["mount", "-o", "remount,bind,ro", str(data)], check=True)
        case.detail = "data folder bind-mounted read-only"
    elif case.kind == "disk-full":
        free = random.Random(case.seed).choice((0, 16, 64, 1024)) * 1024
        if mount:
            mnt = path / "mnt"
            mnt.mkdir()
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs", str(mnt)], check=True
            )
            slot.cleanups.append(lambda: _umount(mnt))
            shutil.copytree(data, mnt / "data")
            shutil.rmtree(data)
            slot.data = mnt / "data"
            slot.out = mnt / "out.csv"
            _fill(mnt / ".filler", free)
            case.detail = f"tmpfs with {free // 1024} KiB free"
        else:
            limit = 32768 + free  # the -shm index (32 KiB) fits, the rest is the room left

            def limited(limit: int = limit) -> None:
                import resource

                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

            slot.preexec = limited
            case.detail = f"RLIMIT_FSIZE {limit // 1024} KiB (simulated full disk)"
    return slot


def _fill(filler: Path, free: int) -> None:
    """Fill the file system, then give back ``free`` bytes."""
    chunk = bytes(65536)
    written = 0
    with filler.open("wb") as fh:
        try:
            while True:
                fh.write(chunk)
                fh.flush()
                written += len(chunk)
        except OSError:
            pass
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - free))


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    case: str
    command: str
    returncode: int | None
    stdout: str
    stderr: str
    answer: Any = None  # what the command said, for comparison
    verdict: str = ""  # "refused" | "passed" | "failed"
    problem: str = ""
    seconds: float = 0.0

    @property
    def first_line(self) -> str:
        lines = self.stderr.strip().splitlines()
        return lines[0] if lines else ""


def command_line(command: str, slot: Slot, base: Base) -> list[str]:
    args = {
        "status": ["status", "--json"],
        "decks": ["decks"],
        "import": ["import", str(base.import_file), "--json"],
        "review": ["review"],
        "export": ["export", "-o", str(slot.out), "--format", "full"],
    }[command]
    return [sys.executable, "-m", "triage", "--data-dir", str(slot.data), *args]


def run_command(command: str, slot: Slot, base: Base) -> Run:
    env = {
        **os.environ,
        "HOME": str(slot.path),
        "TRIAGE_CONFIG": str(slot.path / "no-config.toml"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    env.pop("TRIAGE_DATA_DIR", None)
    started = time.perf_counter()
    stdout_path, stderr_path = slot.path / ".stdout", slot.path / ".stderr"
    # The review window needs a terminal to read keys from (none are sent).
    master, terminal = pty.openpty() if command == "review" else (-1, -1)
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        proc = subprocess.Popen(
            command_line(command, slot, base),
            stdin=terminal if command == "review" else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
            cwd=slot.path,
            preexec_fn=slot.preexec,
            start_new_session=True,
        )
        returncode: int | None = None
        deadline = started + (REVIEW_WAIT if command == "review" else COMMAND_TIMEOUT)
        while True:
            returncode = proc.poll()
            if returncode is not None:
                break
            if time.perf_counter() > deadline:
                break
            if command == "review" and _review_frame(_read(stderr_path) + _read(stdout_path)):
                time.sleep(0.3)  # let it finish the frame
                break
            time.sleep(0.05)
        if returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if command == "review":
            os.close(terminal)
            os.close(master)
    run = Run("", command, returncode, _read(stdout_path), _read(stderr_path))
    run.seconds = time.perf_counter() - started
    if command == "review" and returncode is None:
        frame = _review_frame(run.stderr + run.stdout)
        run.answer = frame
        run.returncode = 0 if frame else None  # the window is up (and was closed by us)
        if frame:
            run.stderr = run.stdout = ""  # the screen, not messages
    elif returncode == 0:
        run.answer = _answer(command, run, slot)
    return run


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return ""


_CSI = re.compile(r"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b[\]P_^][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b.")


def _review_frame(screen: str) -> list[str] | None:
    """The text of the first card the window drew: from ``card N of M`` to the
    bottom of the card's box, or None before it is drawn."""
    if "Traceback" in screen:
        return None
    lines = [x.strip() for x in _CSI.sub("\n", screen).split("\n")]
    lines = [x for x in lines if x and set(x) - set("│─━╺╸ ")]
    for i, line in enumerate(lines):
        if re.fullmatch(r"card [\d,–-]+ of [\d,]+.*", line):
            for j in range(i, len(lines)):
                if lines[j] == "╯":
                    return lines[i : j + 1]
            return None
    return None


def _answer(command: str, run: Run, slot: Slot) -> Any:
    if command == "status":
        try:
            return json.loads(run.stdout)
        except ValueError:
            return run.stdout
    if command == "import":
        try:
            report = json.loads(run.stdout)
        except ValueError:
            return run.stdout
        report.pop("seconds", None)
        return report
    if command == "export":
        try:
            return slot.out.read_bytes()
        except OSError:
            return None
    return run.stdout


def _snapshot(data: Path) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for name in (DB, WAL):
        try:
            out[name] = (data / name).read_bytes()
        except FileNotFoundError:
            out[name] = None
    return out


def judge(run: Run, expected: Run, before: dict[str, bytes | None], after: dict[str, Any]) -> None:
    """Set ``run.verdict`` and ``run.problem`` (see the module docstring)."""
    text = run.stdout + run.stderr
    lines = [x for x in run.stderr.strip().splitlines() if x.strip()]
    if "Traceback" in text:
        run.verdict, run.problem = "failed", "a traceback"
    elif run.returncode is None:
        run.verdict, run.problem = "failed", "hung (killed after the time limit)"
    elif run.returncode in (2, 3):
        changed = [n for n in (DB, WAL) if not _same(n, before[n], after[n])]
        if len(lines) != 1:
            run.verdict, run.problem = "failed", f"{len(lines)} lines on standard error"
        elif "unexpected error" in lines[0]:
            run.verdict, run.problem = "failed", "an unexpected error"
        elif changed:
            run.verdict = "failed"
            run.problem = f"refused, but {' and '.join(changed)} changed"
        else:
            run.verdict = "refused"
    elif run.returncode == 0:
        if run.answer == expected.answer:
            run.verdict = "passed"
        else:
            run.verdict = "failed"
            run.problem = "a wrong answer: " + _difference(run.answer, expected.answer)
    else:
        run.verdict, run.problem = "failed", f"exit code {run.returncode}"


def _same(name: str, before: bytes | None, after: bytes | None) -> bool:
    """Whether a file still holds what it held.  For the ``-wal`` that is its
    committed frames: a refused write may leave uncommitted frames behind it
    (or a new -wal with none), which every reader ignores."""
    if name == DB or before == after:
        return before == after
    return wal_commits(before or b"") == wal_commits(after or b"")


def wal_commits(data: bytes) -> list[tuple[int, bytes]]:
    """The (page number, page) frames of a -wal up to its last valid commit
    frame, as SQLite reads them (salts and cumulative checksums verified)."""
    if len(data) < 32:
        return []
    magic = int.from_bytes(data[:4], "big")
    if magic not in (0x377F0682, 0x377F0683):
        return []
    order = "big" if magic & 1 else "little"
    page = int.from_bytes(data[8:12], "big")
    salts = data[16:24]
    s0, s1 = _wal_checksum(data[:24], 0, 0, order)
    if (s0, s1) != (int.from_bytes(data[24:28], "big"), int.from_bytes(data[28:32], "big")):
        return []
    frames: list[tuple[int, bytes]] = []
    committed: list[tuple[int, bytes]] = []
    offset = 32
    while offset + 24 + page <= len(data):
        head = data[offset : offset + 24]
        body = data[offset + 24 : offset + 24 + page]
        if head[8:16] != salts:
            break
        s0, s1 = _wal_checksum(head[:8] + body, s0, s1, order)
        if (s0, s1) != (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")):
            break
        frames.append((int.from_bytes(head[:4], "big"), body))
        if int.from_bytes(head[4:8], "big"):  # a commit frame: the database size after it
            committed = list(frames)
        offset += 24 + page
    return committed


def _wal_checksum(data: bytes, s0: int, s1: int, order: str) -> tuple[int, int]:
    words = memoryview(data).cast("I")  # native order; swapped below when needed
    native = sys.byteorder == order
    mask = 0xFFFFFFFF
    for i in range(0, len(words), 2):
        x0, x1 = words[i], words[i + 1]
        if not native:
            x0 = int.from_bytes(x0.to_bytes(4, sys.byteorder), order)
            x1 = int.from_bytes(x1.to_bytes(4, sys.byteorder), order)
        s0 = (s0 + x0 + s1) & mask
        s1 = (s1 + x1 + s0) & mask
    return s0, s1


def _difference(got: Any, want: Any) -> str:
    if isinstance(got, dict) and isinstance(want, dict):
        keys = [k for k in sorted(set(got) | set(want)) if got.get(k) != want.get(k)]
        return "; ".join(f"{k}: {got.get(k)!r} instead of {want.get(k)!r}" for k in keys)[:300]
    if isinstance(got, bytes) and isinstance(want, bytes):
        a, b = got.splitlines(), want.splitlines()
        return f"{len(a) - 1} exported rows instead of {len(b) - 1}, first difference: " + next(
            (f"{x[:80]!r} instead of {y[:80]!r}" for x, y in zip(a, b, strict=False) if x != y),
            "(a missing tail)",
        )
    return f"{str(got)[:150]!r} instead of {str(want)[:150]!r}"


# --------------------------------------------------------------------------- campaign


@dataclass
class Result:
    seed: int
    cases: list[Case]
    runs: list[Run]
    full_disk: str
    read_only: str
    seconds: float

    @property
    def failures(self) -> list[Run]:
        return [r for r in self.runs if r.verdict == "failed"]

    @property
    def cases_handled(self) -> int:
        bad = {r.case for r in self.failures}
        return sum(1 for c in self.cases if c.name not in bad)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "cases_tried": len(self.cases),
            "cases_handled": self.cases_handled,
            "runs": len(self.runs),
            "verdicts": dict(Counter(r.verdict for r in self.runs)),
            "exit_codes": dict(Counter(str(r.returncode) for r in self.runs)),
            "full_disk": self.full_disk,
            "read_only": self.read_only,
            "seconds": round(self.seconds, 1),
            "failures": [
                {
                    "case": r.case,
                    "command": r.command,
                    "exit": r.returncode,
                    "problem": r.problem,
                    "stderr": r.stderr.strip()[-400:],
                }
                for r in self.failures
            ],
        }


def run_campaign(
    seed: int = 1,
    count: int = 40,
    *,
    keep: Path | None = None,
    mount: bool | None = None,
    jobs: int = 4,
    log: Callable[[str], None] | None = None,
) -> Result:
    started = time.perf_counter()
    say = log or (lambda _msg: None)
    root = os.geteuid() == 0
    mount = can_mount() if mount is None else (mount and can_mount())
    full_disk = "tmpfs (mount -t tmpfs)" if mount else "RLIMIT_FSIZE (simulated ENOSPC/EFBIG)"
    read_only = "chmod, root child without CAP_DAC_OVERRIDE" if root else "chmod"
    with _workdir(keep) as work:
        work.chmod(0o755)
        say(f"building the deck in {work} ...")
        base = build_base(work)
        say("the undamaged answers ...")
        expected: dict[tuple[str, str], Run] = {}
        for variant in base.variants:
            for command in COMMANDS:
                slot = prepare_slot(
                    base,
                    Case("none", variant, 0),
                    work / "expected" / variant / command,
                    mount=False,
                )
                try:
                    run = run_command(command, slot, base)
                finally:
                    slot.close()
                if run.returncode != 0 or run.answer in (None, ""):
                    raise RuntimeError(
                        f"{command} fails on the undamaged {variant} deck:"
                        f" {run.returncode} {run.stderr.strip()[-2000:]}"
                    )
                expected[variant, command] = run
        cases = make_cases(seed, count, root=root, mount=mount)
        say(f"{len(cases)} cases x {len(COMMANDS)} commands ...")

        def one(item: tuple[int, Case, str]) -> Run:
            index, case, command = item
            slot = prepare_slot(base, case, work / "cases" / f"{index:03d}-{command}", mount=mount)
            try:
                before = _snapshot(slot.data)
                run = run_command(command, slot, base)
                after = _snapshot(slot.data)
            finally:
                slot.close()
            run.case = case.name
            judge(run, expected[case.variant, command], before, after)
            return run

        items = [(i, c, cmd) for i, c in enumerate(cases) for cmd in COMMANDS]
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            runs = list(pool.map(one, items))
        for case in cases:
            mine = [r for r in runs if r.case == case.name]
            marks = " ".join(_mark(r) for r in mine)
            say(f"  {case.name:<40} {marks}   {case.detail}")
    return Result(seed, cases, runs, full_disk, read_only, time.perf_counter() - started)


def _mark(run: Run) -> str:
    code = "-" if run.returncode is None else str(run.returncode)
    return f"{run.command}={code}{'' if run.verdict != 'failed' else '!'}"


@contextlib.contextmanager
def _workdir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        if keep.exists():
            shutil.rmtree(keep)
        keep.mkdir(parents=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="triage-corruption-") as tmp:
        yield Path(tmp)


def report(result: Result) -> str:
    verdicts = Counter(r.verdict for r in result.runs)
    codes = Counter(r.returncode for r in result.runs if r.verdict == "refused")
    lines = [
        f"full disk: {result.full_disk}; read-only: {result.read_only}",
        f"cases tried:   {len(result.cases)} ({len(result.runs)} command runs)",
        f"cases handled: {result.cases_handled}"
        f" (runs: {verdicts['refused']} refused"
        f" [{', '.join(f'exit {k}: {v}' for k, v in sorted(codes.items()))}],"
        f" {verdicts['passed']} passed with the right answer,"
        f" {verdicts['failed']} failed)",
        f"failures:      {len(result.failures)}",
    ]
    messages = Counter(_generic(r) for r in result.runs if r.verdict == "refused")
    lines.append("messages of the refusals (how many runs):")
    lines += [f"  {n:>4}  {text}" for text, n in messages.most_common()]
    for r in result.failures:
        lines.append(f"  FAIL {r.case} / {r.command}: {r.problem}")
        if r.stderr.strip():
            lines.append(f"       stderr: {r.stderr.strip()[-300:]!r}")
    lines.append(f"time: {result.seconds:.0f} s")
    return "\n".join(lines)


def _generic(run: Run) -> str:
    """The refusal's message with paths and numbers taken out, to group them."""
    text = re.sub(r"(/[^\s:;,()']+)+", "<path>", _CSI.sub("", run.first_line))
    return re.sub(r"\d[\d,]*", "N", text)[:220]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cases", type=int, default=40, help="number of cases (default 40)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--no-mount", action="store_true", help="simulate a full disk instead")
    parser.add_argument("--jobs", type=int, default=4, help="command runs at a time")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    result = run_campaign(
        args.seed,
        args.cases,
        keep=args.keep,
        mount=not args.no_mount,
        jobs=args.jobs,
        log=None if args.json else lambda m: print(m, flush=True),
    )
    print(json.dumps(result.as_dict(), indent=2) if args.json else report(result))
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
