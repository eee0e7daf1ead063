"""Crash campaign: SIGKILL the real app, imports and exports at random moments.

DESIGN §2 principle 2: every decision is durable before the next card is
drawn; after a kill the user is back on the card they were on, with every
decision they saw take effect.  Principle 5: an import applies completely or
not at all.  And an export never leaves a partial file behind.

Usage::

    python bench/campaign_crash.py [--kills 50] [--seed 1] [--contacts 5000]
                                   [--import-kills 10] [--export-kills 10] [--keep DIR]

Exit status 0 when nothing was lost and every check held, 1 otherwise.

**The walk.**  A deck of exactly ``--contacts`` people is built once from
``bench/generate.py``'s Google CSV (with ``triage import``).  Each round starts
``triage --data-dir D review --deck crash`` in a pseudo-terminal of 100×32
that this script owns, sends a seeded random sequence of keys (``a``, ``s``,
``→``, ``←``, ``u`` and the quick tags ``1``/``2``), and SIGKILLs it.  A model
of the walk (:class:`Walk`) predicts the state after every key: the decisions,
the tags, the journal's undo stack, the cursor and the card on screen.

*What was on screen.*  The pty's output is fed to ``pyte`` (a VT emulator).
This terminal answers Textual's DECRQM query for synchronized output (mode
2026), so Textual wraps every frame in begin/end-synchronized-update
sequences.  A frame is *shown* when its end sequence has been written; an
unfinished frame is never displayed, exactly as by a terminal that honours
mode 2026.  After the kill the pty is drained to EOF, so every byte the app
wrote before it died is accounted for.  Textual may draw one change over
several frames (the new name under the old header, or above the old
decision row), so each part of the screen — the header's "card N of M" and
invited/skipped/undecided counts, the card's name, tags row and decision row
— is followed on its own (:class:`Tracker`): a part that changes shows the
earliest state, from the latest one already shown on, that gives it that
value.  ``seen`` is the latest state any part has shown (every key up to it
was seen to take effect); "the card that was showing" is the card whose
name was on screen in the last complete frame.

*Kill moments.*  ``settled``: after the last key's effect was drawn (plus a
random pause); ``in flight``: 1–3 keys sent without waiting and the kill after
0 s, a few ms, or up to 80/300 ms — before the app read the key, inside the
handler, during the commit, between the commit and the redraw, or in the
middle of writing a frame; ``start-up``: at a random moment while the app is
starting.

*The checks after each kill.*  The database opens read-only and ``PRAGMA
integrity_check`` says ``ok``.  Its state (every contact's decision and
``decided_at``, the tags, the journal's live entries and row count, the
cursor) must equal the model after ``i`` keys for some ``seen <= i <= sent``:
every key seen to take effect is in the database, and a key not yet drawn may
or may not be (its transaction may have committed just before the kill).  A
decision *seen* in this round whose contact holds a value that no allowed
state gives it is *lost*.  The next round's first frame is the restart
check: it must show the model's card for state ``i`` — the card that was
showing or, when the kill fell between a commit and its redraw, the card
those keys led to (counted as "the next card").  A last restart ends with
``q`` (exit status 0) and the database must still hold the last state.

The seed fixes the campaign's choices (keys, kill moments, delays); the walk
order is the deck's own event shuffle, seeded by ``triage`` when it creates
the deck, and what a kill catches depends on timing, so two runs with one
seed differ in detail.

**Imports.**  On a copy of the deck, ``triage import`` of a 4× larger Google
CSV (the deck's people plus new ones) is killed while it holds the database's
write lock (seen by a probe ``BEGIN IMMEDIATE`` that fails), after a random
part of the transaction's measured length.  The full ``iterdump()`` of the
database must then equal the one before.  Forked validator workers that
outlive the killed import are counted, then ended.

**Exports.**  On a separate deck with every person invited,
``triage export --format full`` (sometimes ``--batch-size``) is killed while
its temporary file exists (after a random part of the measured write time),
sometimes at any moment.  Afterwards each output file is either absent or
byte-identical to a complete export; a file that exists but is not complete is
a partial export file.  Temporary files a killed export could not remove are
counted as stale (they are litter, not the export file) and removed.  The
decisions, tags and journal must be unchanged, and the ``exports`` record
must exist only if the files do.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import pty
import random
import re
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402
from triage.model import UPLOAD_BLOCKED  # noqa: E402

DECK = "crash"
EXPORT_DECK = "export"
TAGS = ("camp-a", "camp-b")  # the quick tags 1 and 2, in the order of their use
COLS, ROWS = 100, 32
SYNC_START = b"\x1b[?2026h"
SYNC_END = b"\x1b[?2026l"
SYNC_QUERY = b"\x1b[?2026$p"
SYNC_REPLY = b"\x1b[?2026;2$y"  # "supported, currently reset"
UNMARKED_QUIET = 0.5  # seconds without output before an unmarked screen counts
KEYS = {"a": b"a", "s": b"s", "right": b"\x1b[C", "left": b"\x1b[D", "u": b"u"}
KEYS |= {f"tag{n}": str(n).encode() for n in range(1, len(TAGS) + 1)}
# How often each key is chosen (keys without a visible effect are never sent).
WEIGHTS = {"a": 34, "s": 30, "right": 10, "left": 8, "u": 10, "tag1": 4, "tag2": 4}
EFFECT_TIMEOUT = 30.0
MOMENTS = ("settled", "in flight", "start-up")
UNDECIDED, INVITE, SKIP = "undecided", "invite", "skip"


def log(msg: str) -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------- the model


@dataclass(slots=True)
class State:
    """What the database holds for the deck, plus the card on screen."""

    decisions: dict[int, str]
    tags: dict[int, frozenset[str]]  # casefolded tag names per contact (non-empty only)
    stack: list[tuple[int, str, Any]]  # live journal entries: (contact, kind, before)
    journal_rows: int
    cursor: int | None
    current: int | None = None  # the card shown (not stored; the cursor or the first undecided)

    def copy(self) -> State:
        return State(
            dict(self.decisions),
            dict(self.tags),
            list(self.stack),
            self.journal_rows,
            self.cursor,
            self.current,
        )

    def same_db(self, other: State) -> bool:
        return (
            self.decisions == other.decisions
            and self.tags == other.tags
            and self.stack == other.stack
            and self.journal_rows == other.journal_rows
            and self.cursor == other.cursor
        )

    def counts(self) -> tuple[int, int, int]:
        values = list(self.decisions.values())
        return values.count(INVITE), values.count(SKIP), values.count(UNDECIDED)


@dataclass(slots=True, frozen=True)
class Shown:
    """What one frame shows.  ``tags`` and ``decision`` are None when they
    cannot be read (the card is taller than the screen); ``*_cut`` says a
    notification covers the end of that line, so only its start is known."""

    position: int | None
    total: int
    name: str
    counts: tuple[int, int, int]
    tags: str | None
    decision: str | None
    name_cut: bool = False
    tags_cut: bool = False


class Walk:
    """The deck's walk in event order and the review screen's rules
    (triage/ui/review_screen.py, the default walk: the people an upload can
    invite)."""

    def __init__(self, ids: list[int], names: dict[int, str], deck_tags: list[str]) -> None:
        self.ids = ids
        self.index = {cid: i for i, cid in enumerate(ids)}
        self.names = names
        self.deck_tags = deck_tags  # creation order

    def quick_tags(self, st: State) -> list[str]:
        """Quick tags 1..9 as the window has them in state ``st``: the most
        used first, the older first among equals."""
        used = {tag.casefold(): 0 for tag in self.deck_tags}
        for have in st.tags.values():
            for tag in have:
                if tag in used:
                    used[tag] += 1
        # deck_tags is in creation order, and the sort keeps it among equals.
        return sorted(self.deck_tags, key=lambda tag: -used[tag.casefold()])

    def start_card(self, st: State) -> int | None:
        if st.cursor is not None and st.cursor in self.index:
            return st.cursor
        found = self.next_undecided(st, None)
        return found if found is not None else (self.ids[0] if self.ids else None)

    def next_undecided(self, st: State, from_id: int | None) -> int | None:
        start = 0 if from_id is None else self.index[from_id] + 1
        for cid in self.ids[start:]:
            if st.decisions[cid] == UNDECIDED:
                return cid
        if from_id is None:
            return None
        for cid in self.ids:
            if st.decisions[cid] == UNDECIDED:
                return None if cid == from_id else cid
        return None

    def step(self, st: State, key: str) -> State | None:
        """The state after ``key``, or None when the key would change nothing
        visible (such keys are not sent: their effect could not be seen)."""
        c = st.current
        if c is None:
            return None
        new = st.copy()
        if key in ("a", "s"):
            decision = INVITE if key == "a" else SKIP
            nxt = self.next_undecided(st, c)  # found before the decision is stored
            before = st.decisions[c]
            if nxt is None:
                return None  # the last undecided card: a notice or the summary screen
            if before != decision:
                new.decisions[c] = decision
                new.stack.append((c, "decision", before))
                new.journal_rows += 1
            new.cursor = new.current = nxt
            if before == UNDECIDED and new.counts()[2] == 0:
                return None  # the summary screen
            return new
        if key in ("right", "left"):
            i = self.index[c] + (1 if key == "right" else -1)
            if not 0 <= i < len(self.ids):
                return None
            new.cursor = new.current = self.ids[i]
            return new
        if key == "u":
            if not new.stack:
                return None
            cid, kind, before = new.stack.pop()
            if kind == "decision":
                new.decisions[cid] = before
            else:
                tag, was_on = before
                self._set_tag(new, cid, tag, was_on)
            new.cursor = new.current = cid
            return new
        if key.startswith("tag"):
            n = int(key[3:])
            quick = self.quick_tags(st)
            if n > len(quick):
                return None
            tag = quick[n - 1]
            has = tag.casefold() in new.tags.get(c, frozenset())
            self._set_tag(new, c, tag, not has)
            new.stack.append((c, "tag", (tag, has)))
            new.journal_rows += 1
            new.cursor = c
            return new
        raise ValueError(key)

    @staticmethod
    def _set_tag(st: State, cid: int, tag: str, on: bool) -> None:
        have = set(st.tags.get(cid, frozenset()))
        if on:
            have.add(tag.casefold())
        else:
            have.discard(tag.casefold())
        if have:
            st.tags[cid] = frozenset(have)
        else:
            st.tags.pop(cid, None)

    def part_matches(self, part: str, shown: Shown, st: State) -> bool:
        """Whether one part of the screen shows what it shows in state ``st``:
        ``position`` and ``counts`` of the header; ``name``, ``tags`` and
        ``decision`` of the card."""
        c = st.current
        if c is None:
            return False
        if part == "position":
            return shown.position == self.index[c] + 1
        if part == "counts":
            return shown.counts == st.counts()
        if part == "name":
            return _same(self.names[c], shown.name, shown.name_cut)
        if part == "tags":
            if shown.tags is None:
                return True
            have = st.tags.get(c, frozenset())
            text = ", ".join(t for t in self.deck_tags if t.casefold() in have)
            return _same(text, shown.tags, shown.tags_cut)
        if part == "decision":
            return shown.decision is None or shown.decision == st.decisions[c]
        raise ValueError(part)

    def matches(self, shown: Shown, st: State) -> bool:
        """Every part of the screen shows state ``st``."""
        return shown.total == len(self.ids) and all(
            self.part_matches(part, shown, st) for part in Tracker.PARTS
        )

    def describe(self, st: State) -> str:
        c = st.current
        if c is None:
            return "(no card)"
        inv, skp, und = st.counts()
        return (
            f"card {self.index[c] + 1} {self.names[c]!r} ({st.decisions[c]}), "
            f"{inv} invited {skp} skipped {und} undecided"
        )


# --------------------------------------------------------------------------- the screen

_POSITION = re.compile(r"card (\S+) of ([\d,]+)")
_COUNTS = re.compile(r"([\d,]+) invited\s+([\d,]+) skipped\s+([\d,]+) undecided")
_ROW = re.compile(r"^(Email|Phone|Flags|Notes|Labels|Tags|Invite note|From|Decision)\s{2,}(\S.*)$")
_DECISION_WORDS = {"invited": INVITE, "skipped": SKIP, "undecided": UNDECIDED}
TOAST_EDGE = "▌"  # the left edge of a notification


def clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _same(want: str, shown: str, cut: bool) -> bool:
    return want.startswith(shown) if cut else want == shown


def _inside(line: str) -> tuple[str, bool]:
    """The text between the card's left border and its right border, or the
    edge of a notification drawn over the card (then the flag is True)."""
    left = line.find("│")
    if left < 0:
        return "", False
    rest = line[left + 1 :]
    ends = [(rest.find(ch), ch) for ch in ("│", TOAST_EDGE) if ch in rest]
    if not ends:
        return rest.strip(), True
    end, ch = min(ends)
    return rest[:end].strip(), ch == TOAST_EDGE


def parse_screen(lines: list[str]) -> Shown | None:
    """Read the review screen: header, card name, tags and decision rows."""
    if not lines:
        return None
    pos, counts = _POSITION.search(lines[0]), _COUNTS.search(lines[0])
    if pos is None or counts is None:
        return None
    position = None if pos[1] in ("–", "-") else int(pos[1].replace(",", ""))
    top = next((i for i, line in enumerate(lines) if "╭" in line), None)
    if top is None or top + 1 >= len(lines):
        return None
    inside: list[tuple[str, bool]] = []
    bottom = False
    for line in lines[top + 1 :]:
        if "╰" in line:
            bottom = True
            break
        inside.append(_inside(line))
    if not inside or not inside[0][0]:
        return None
    rows: dict[str, tuple[str, bool]] = {}
    for text, cut in inside:
        m = _ROW.match(text)
        if m:
            rows[m[1]] = (m[2], cut)
    tags: str | None = None
    tags_cut = False
    decision: str | None = None
    if bottom:  # the whole card is on screen: a missing row is an empty one
        tags, tags_cut = rows.get("Tags", ("", False))
        tags = clean(tags)
    if "Decision" in rows:
        decision = _DECISION_WORDS.get(rows["Decision"][0].split()[0])
    name, name_cut = inside[0]
    return Shown(
        position,
        int(pos[2].replace(",", "")),
        clean(name),
        tuple(int(x.replace(",", "")) for x in counts.groups()),  # type: ignore[arg-type]
        tags,
        decision,
        name_cut,
        tags_cut,
    )


class Terminal:
    """The app in a pseudo-terminal whose output goes through ``pyte``.

    Frames are the bytes between Textual's begin and end synchronized-update
    sequences; the screen is read after each complete frame and handed to
    ``on_frame``.  Bytes of an unfinished frame are never shown.

    Textual marks its frames only once it has read the terminal's answer to
    its synchronized-output query, and on a slow machine it can draw the
    first screens, the whole card among them, before that.  Until the first
    marked frame, the screen is therefore handed over when the app has
    written nothing for ``UNMARKED_QUIET`` seconds after unmarked output."""

    def __init__(
        self, argv: list[str], env: dict[str, str], on_frame: Callable[[list[str]], None]
    ) -> None:
        import pyte

        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=ROOT,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.fd = master
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.on_frame = on_frame
        self.buf = b""
        self.in_frame = False
        self.answered = False
        self.frames = 0
        self.eof = False
        self.tail = b""  # the last bytes written, for reports
        self.marked = False  # a synchronized-update frame has begun
        self.unmarked = False  # unmarked output not yet handed to on_frame
        self.last_output = time.monotonic()

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def pump(self, timeout: float) -> None:
        """Read and process what the app wrote within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.fd], [], [], max(left, 0))
            if not ready:
                self._quiet()
                return
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # EIO: every copy of the slave side is closed
                data = b""
            if not data:
                self.eof = True
                return
            self._take(data)
            if left <= 0:
                return

    def wait_until(self, done: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not done():
            left = deadline - time.monotonic()
            if left <= 0 or self.eof:
                return done()
            self.pump(min(left, 0.05))
        return True

    def kill(self) -> int:
        """SIGKILL the app, then read everything it wrote before it died."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGKILL)
        code = self.proc.wait()
        deadline = time.monotonic() + 10
        while not self.eof and time.monotonic() < deadline:
            self.pump(0.2)
        self.close()
        return code

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.eof = True

    def text(self) -> str:
        """What the terminal shows now (complete frames only), for reports."""
        return "\n".join(line.rstrip() for line in self.screen.display if line.strip())

    def _quiet(self) -> None:
        """Hand over the screen of unmarked output once the app is quiet."""
        if (
            self.unmarked
            and not self.marked
            and time.monotonic() - self.last_output >= UNMARKED_QUIET
        ):
            self.unmarked = False
            self.on_frame(list(self.screen.display))

    def _feed(self, data: bytes) -> None:
        """Feed output that lies outside any marked frame."""
        if data:
            self.stream.feed(data)
            self.unmarked = True

    def _take(self, data: bytes) -> None:
        self.last_output = time.monotonic()
        self.tail = (self.tail + data)[-4000:]
        buf = self.buf + data
        if not self.answered and SYNC_QUERY in buf:
            self.answered = True
            self.send(SYNC_REPLY)
        while buf:
            if self.in_frame:
                end = buf.find(SYNC_END)
                if end < 0:
                    break
                self.stream.feed(buf[:end])
                buf = buf[end + len(SYNC_END) :]
                self.in_frame = False
                self.frames += 1
                self.on_frame(list(self.screen.display))
                continue
            start = buf.find(SYNC_START)
            if start >= 0:
                self._feed(buf[:start])
                buf = buf[start + len(SYNC_START) :]
                self.in_frame = self.marked = True
                continue
            # No marker: feed all but a tail that may be the start of one
            # (or of the query, which is longer).
            keep = buf.rfind(b"\x1b", max(0, len(buf) - len(SYNC_QUERY) + 1))
            if keep < 0:
                self._feed(buf)
                buf = b""
            else:
                self._feed(buf[:keep])
                buf = buf[keep:]
            break
        self.buf = buf


# --------------------------------------------------------------------------- the database


def connect_ro(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None, timeout=10)


def integrity(db: Path) -> str:
    con = connect_ro(db)
    try:
        rows = con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()
    return "; ".join(str(r[0]) for r in rows)


def read_walk(db: Path, deck: str) -> tuple[int, Walk]:
    con = connect_ro(db)
    try:
        deck_id = con.execute("SELECT id FROM decks WHERE name = ?", (deck,)).fetchone()[0]
        ids, names = [], {}
        # The default walk: the people an upload can invite.
        for cid, name in con.execute(
            "SELECT id, name FROM contacts WHERE deck_id = ?"
            f" AND (flags & {UPLOAD_BLOCKED}) = 0 ORDER BY r_event",
            (deck_id,),
        ):
            ids.append(cid)
            names[cid] = clean(name or "(no name)")
        tags = [
            n
            for (n,) in con.execute(
                "SELECT name FROM tags WHERE deck_id = ? ORDER BY id", (deck_id,)
            )
        ]
    finally:
        con.close()
    return deck_id, Walk(ids, names, tags)


def read_state(db: Path, deck_id: int) -> tuple[State, list[str]]:
    """The deck's state in the database, and any inconsistency inside it."""
    problems: list[str] = []
    con = connect_ro(db)
    try:
        decisions: dict[int, str] = {}
        for cid, decision, at in con.execute(
            "SELECT id, decision, decided_at FROM contacts WHERE deck_id = ?", (deck_id,)
        ):
            decisions[cid] = decision
            if (decision == UNDECIDED) != (at == ""):
                problems.append(f"contact {cid}: decision {decision} with decided_at {at!r}")
        tags: dict[int, set[str]] = {}
        for cid, name in con.execute(
            "SELECT ct.contact_id, t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id"
            " WHERE t.deck_id = ?",
            (deck_id,),
        ):
            tags.setdefault(cid, set()).add(name.casefold())
        stack: list[tuple[int, str, Any]] = []
        rows = 0
        for cid, kind, before, undone in con.execute(
            "SELECT contact_id, kind, before, undone FROM journal WHERE deck_id = ? ORDER BY id",
            (deck_id,),
        ):
            rows += 1
            if undone:
                continue
            value = json.loads(before)
            if kind == "decision":
                stack.append((cid, kind, value[0]))
            elif kind == "tag":
                stack.append((cid, kind, (value[0], bool(value[1]))))
            else:
                stack.append((cid, kind, value))
        cursor = con.execute("SELECT cursor_id FROM decks WHERE id = ?", (deck_id,)).fetchone()[0]
    finally:
        con.close()
    frozen = {cid: frozenset(names) for cid, names in tags.items()}
    return State(decisions, frozen, stack, rows, cursor), problems


def dump_digest(db: Path, skip: Callable[[str], bool] = lambda line: False) -> tuple[str, int]:
    """sha256 of the database's ``iterdump()`` (schema and every row) and
    the number of lines."""
    con = connect_ro(db)
    try:
        h = hashlib.sha256()
        n = 0
        for line in con.iterdump():
            if skip(line):
                continue
            h.update(line.encode("utf-8", "surrogatepass"))
            h.update(b"\n")
            n += 1
    finally:
        con.close()
    return h.hexdigest(), n


def write_locked(db: Path) -> bool:
    """Whether another connection holds the database's write lock."""
    con = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return True
        raise
    finally:
        con.close()


def copy_db(src_dir: Path, dst_dir: Path) -> None:
    """A consistent copy of a data folder's database (the backup API)."""
    shutil.rmtree(dst_dir, ignore_errors=True)
    dst_dir.mkdir(mode=0o700, parents=True)
    src = sqlite3.connect(src_dir / "triage.db")
    dst = sqlite3.connect(dst_dir / "triage.db")
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = WAL")
    finally:
        dst.close()
        src.close()


# --------------------------------------------------------------------------- results


@dataclass
class Results:
    contacts: int = 0
    seed: int = 0
    kills: int = 0
    kills_by_moment: dict[str, int] = field(default_factory=dict)
    keys_sent: int = 0
    keys_seen: int = 0
    decisions_checked: int = 0
    decisions_lost: int = 0
    restarts: int = 0
    restarts_same_card: int = 0
    restarts_next_card: int = 0  # committed before the kill, not yet drawn
    restart_failures: int = 0
    integrity_failures: int = 0
    state_errors: int = 0
    unexplained_frames: int = 0
    effect_timeouts: int = 0
    tall_cards: int = 0
    clean_quit: bool = False
    import_kills: int = 0
    imports_unchanged: int = 0
    imports_finished_first: int = 0
    import_orphans: int = 0
    import_seconds: float = 0.0
    export_kills: int = 0
    exports_mid_write: int = 0
    exports_finished_first: int = 0
    partial_files: int = 0
    stale_temp_files: int = 0
    exports_recorded: int = 0
    written_not_recorded: int = 0
    export_write_seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def fail(self, msg: str) -> None:
        self.failures.append(msg)
        log(f"  FAILURE: {msg}")

    @property
    def ok(self) -> bool:
        return self.decisions_lost == 0 and not self.failures

    def summary(self) -> str:
        moments = ", ".join(f"{k} {v}" for k, v in sorted(self.kills_by_moment.items()))
        lines = [
            f"crash campaign: seed {self.seed}, {self.contacts:,} contacts, {self.seconds:.0f} s",
            f"  kills                        {self.kills:>6}   ({moments})",
            f"  keys sent / seen to draw     {self.keys_sent:>6} / {self.keys_seen}",
            f"  decisions checked            {self.decisions_checked:>6}",
            f"  decisions lost               {self.decisions_lost:>6}",
            f"  restarts on the right card   {self.restarts - self.restart_failures:>6} / "
            f"{self.restarts}   (the card showing {self.restarts_same_card}, the next card "
            f"{self.restarts_next_card}: committed, not yet drawn)",
            f"  integrity_check failures     {self.integrity_failures:>6}",
            f"  other state errors           {self.state_errors:>6}",
            f"  unexplained frames           {self.unexplained_frames:>6}   (frames whose card "
            f"was taller than the screen: {self.tall_cards})",
            f"  clean quit at the end        {'yes' if self.clean_quit else 'no':>6}",
            f"  import kills                 {self.import_kills:>6}   decks unchanged "
            f"{self.imports_unchanged}/{self.import_kills}; transaction "
            f"{self.import_seconds:.2f} s; finished before the kill "
            f"{self.imports_finished_first}; orphaned workers {self.import_orphans}",
            f"  export kills                 {self.export_kills:>6}   partial export files "
            f"{self.partial_files}; during the write {self.exports_mid_write} "
            f"(write {self.export_write_seconds:.2f} s); stale temp files left "
            f"{self.stale_temp_files}; finished before the kill {self.exports_finished_first}; "
            f"written but not recorded {self.written_not_recorded}",
        ]
        if self.failures:
            lines.append(f"  FAILURES ({len(self.failures)}):")
            lines += [f"    {f}" for f in self.failures[:20]]
        lines.append("RESULT: " + ("ok" if self.ok else "FAILED"))
        return "\n".join(lines)


# --------------------------------------------------------------------------- the campaign


class Tracker:
    """Which model state each part of the screen shows.

    Textual redraws the widgets of one change over one or more frames: a
    frame can show the new card's name under the old header, or the new
    name above the old card's decision row.  So each part of the screen
    (the header's position and counts, the card's name, tags row and
    decision row) is followed on its own.  When a part changes, the app
    drew it after every state an earlier frame showed, so its new value is
    matched with the earliest state from ``seen`` on; a part that did not
    change may lag behind.  ``seen`` is the latest state any part has shown:
    every key up to it was seen to take effect.  ``name`` is the state whose
    card (the name on it) was showing."""

    PARTS = ("position", "counts", "name", "tags", "decision")

    def __init__(self, walk: Walk, start: State) -> None:
        self.walk = walk
        self.states = [start]
        self.keys: list[str] = []
        self.seen = 0
        self.name = -1  # no card shown yet
        self.values: dict[str, Any] = {}
        self.first: Shown | None = None
        self.last: Shown | None = None
        self.last_lines: list[str] = []
        self.tall = 0
        self.history: list[tuple[Shown, dict[str, int]]] = []  # recent frames and their states

    def settled(self, target: int) -> bool:
        """The last frame shows state ``target`` in every part."""
        return (
            self.last is not None
            and self.seen <= target
            and self.walk.matches(self.last, self.states[target])
        )

    def add(self, key: str, state: State) -> None:
        self.keys.append(key)
        self.states.append(state)

    def frame(self, lines: list[str]) -> str | None:
        """Take one frame; a description when part of it matches no state."""
        shown = parse_screen(lines)
        if shown is None:
            return None
        self.last_lines = lines
        if shown.tags is None:
            self.tall += 1
        if self.first is None:
            self.first = shown
        if shown.total != len(self.walk.ids):
            return f"shows {shown.total} cards in all, not {len(self.walk.ids)}"
        found: dict[str, int] = {}
        wrong = []
        for part in self.PARTS:
            value = getattr(shown, part)
            if value is None or self.values.get(part) == value:
                continue
            i = next(
                (
                    i
                    for i in range(self.seen, len(self.states))
                    if self.walk.part_matches(part, shown, self.states[i])
                ),
                None,
            )
            if i is None:
                wrong.append(part)
            else:
                found[part] = i
        if wrong:
            return f"{', '.join(wrong)} matches no state from key {self.seen} on: {shown}"
        for part, i in found.items():
            self.values[part] = getattr(shown, part)
            if part == "name":
                self.name = i
        self.seen = max(self.seen, *found.values()) if found else self.seen
        self.last = shown
        self.history = [*self.history[-5:], (shown, found)]
        return None

    def explain(self) -> str:
        """The recent frames and the states, for a report."""
        out = ["recent frames (the parts that changed: the state matched):"]
        out += [f"  {found} {s}" for s, found in self.history]
        out.append("states:")
        for i, st in enumerate(self.states):
            key = self.keys[i - 1] if i else "start"
            out.append(f"  {i} after {key}: {self.walk.describe(st)}")
        return "\n".join(out)


class Campaign:
    def __init__(self, work: Path, seed: int, contacts: int, res: Results) -> None:
        self.work = work
        self.rng = random.Random(seed)
        self.contacts = contacts
        self.res = res
        self.data = work / "data"
        self.db = self.data / "triage.db"
        self.env = dict(os.environ)
        for var in ("CI", "TEXTUAL", "TEXTUAL_DRIVER", "NO_COLOR", "TMUX", "TERM_PROGRAM"):
            self.env.pop(var, None)
        self.env |= {
            "TERM": "xterm-256color",
            "COLUMNS": str(COLS),
            "LINES": str(ROWS),
            "TRIAGE_CONFIG": str(work / "no-config.toml"),
            "PYTHONPATH": str(ROOT),
        }
        self.rows = contacts
        self.next_is_later = False
        self.moments: tuple[str, ...] = ()

    def triage(self, *args: str, data: Path | None = None) -> list[str]:
        return [sys.executable, "-m", "triage", "--data-dir", str(data or self.data), *args]

    def run_triage(self, *args: str, data: Path | None = None) -> str:
        out = subprocess.run(
            self.triage(*args, data=data),
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"triage {' '.join(args)} failed: {out.stderr.strip()}")
        return out.stdout

    # -- building ----------------------------------------------------------------

    def build(self) -> None:
        """A deck of exactly ``contacts`` people: more rows until merging leaves
        that many (each row adds at most one person)."""
        csv_path = self.work / "deck.csv"
        while True:
            generate.google_csv(csv_path, self.rows)
            shutil.rmtree(self.data, ignore_errors=True)
            report = json.loads(
                self.run_triage("import", str(csv_path), "--deck", DECK, "--region", "US", "--json")
            )
            have = int(report["contacts"])
            if have >= self.contacts:
                break
            self.rows += self.contacts - have
        if have != self.contacts:
            raise RuntimeError(f"built {have} contacts, wanted {self.contacts}")
        from triage.store import Store
        from triage.walk import default_filter

        store = Store.open(self.data)
        try:
            deck = store.deck(DECK)
            assert deck is not None
            # Tagging moves the cursor to the card: the first of the walk the
            # window opens on (the people an upload can invite), which the
            # model follows.  The first card of everyone can be outside it.
            first = store.walk_first(deck.id, "event", default_filter(deck.kind))
            assert first is not None
            for tag in TAGS:  # the quick tags; four live journal entries to undo
                store.set_tag(first, tag, True)
            for tag in TAGS:
                store.set_tag(first, tag, False)
        finally:
            store.close()
        _, walk = read_walk(self.db, DECK)
        if walk.ids[:1] != [first]:
            raise RuntimeError(f"the cursor ({first}) is not the first card of the walk")
        log(f"deck: {self.contacts:,} contacts from {self.rows:,} generated rows")

    # -- the walk -------------------------------------------------------------------

    def walk_rounds(self, kills: int) -> None:
        deck_id, walk = read_walk(self.db, DECK)
        self.deck_id, self.walk = deck_id, walk
        state, problems = read_state(self.db, deck_id)
        if problems:
            raise RuntimeError("; ".join(problems[:3]))
        for n in range(1, kills + 1):
            state = self.walk_round(n, kills, state)
        self.final_restart(state)

    def start_app(self, on_frame: Callable[[list[str]], None]) -> Terminal:
        return Terminal(self.triage("review", "--deck", DECK), self.env, on_frame)

    def walk_round(self, n: int, kills: int, start: State) -> State:
        res, walk, rng = self.res, self.walk, self.rng
        start = start.copy()
        start.current = walk.start_card(start)
        track = Tracker(walk, start)
        states, keys = track.states, track.keys

        def on_frame(lines: list[str]) -> None:
            problem = track.frame(lines)
            if problem is None:
                return
            res.unexplained_frames += 1
            with (self.work / "unexplained-frames.txt").open("a", encoding="utf-8") as fh:
                fh.write(f"round {n}, keys {keys}: {problem}\n" + "\n".join(lines) + "\n")
                fh.write(track.explain() + "\n\n")
            res.fail(f"round {n}: a frame {problem}")

        term = self.start_app(on_frame)
        if self.moments:
            moment = self.moments[(n - 1) % len(self.moments)]
        else:
            moment = rng.choices(MOMENTS, [40, 50, 10])[0]
        try:
            if moment == "start-up":
                term.wait_until(lambda: False, rng.uniform(0.0, 2.5))
            elif not term.wait_until(lambda: track.settled(0), 60):
                res.fail(
                    f"round {n}: the app showed no card within 60 s (exit status "
                    f"{term.proc.poll()}); the screen: {term.text()!r}; the last output: "
                    f"{term.tail[-600:]!r}"
                )
            else:
                self.send_keys(n, term, track, moment)
        finally:
            code = term.kill()
        res.kills += 1
        res.kills_by_moment[moment] = res.kills_by_moment.get(moment, 0) + 1
        res.tall_cards += track.tall
        if code != -signal.SIGKILL:
            res.fail(f"round {n}: the app ended with {code}, not by the SIGKILL")

        # The restart check of the previous kill: this round's first frame.
        if n > 1 and track.first is not None:
            self.check_restart(n, track.first, start)

        # The database after the kill.
        ok = integrity(self.db)
        if ok != "ok":
            res.integrity_failures += 1
            res.fail(f"round {n}: integrity_check: {ok}")
        db_state, problems = read_state(self.db, self.deck_id)
        if problems:
            res.state_errors += 1
            res.fail(f"round {n}: {'; '.join(problems[:3])}")
        low = track.seen
        res.keys_seen += low
        seen_changes = [
            cid
            for i in range(1, low + 1)
            if (cid := _changed_decision(states[i - 1], states[i])) is not None
        ]
        res.decisions_checked += len(seen_changes)
        match = next((i for i in range(low, len(states)) if states[i].same_db(db_state)), None)
        if match is None:
            allowed = {
                cid: {states[i].decisions[cid] for i in range(low, len(states))}
                for cid in seen_changes
            }
            lost = sorted(cid for cid in allowed if db_state.decisions.get(cid) not in allowed[cid])
            res.decisions_lost += len(lost)
            res.state_errors += 1
            earlier = next((i for i in range(low) if states[i].same_db(db_state)), None)
            res.fail(
                f"round {n}: the database matches no state between key {low} (seen) and "
                f"key {len(states) - 1} (sent)"
                + (f" (it holds the state after key {earlier})" if earlier is not None else "")
                + f"; keys {keys}; lost decisions {lost}; {_diff(states[low], db_state)}"
            )
            result = db_state
        else:
            result = states[match]
        showing = walk.describe(states[track.name]) if track.name >= 0 else "nothing"
        log(
            f"kill {n}/{kills} ({moment}): {len(keys)} keys sent, {low} seen, database after "
            f"{'?' if match is None else match}; showing {showing}"
        )
        # What the next start must show: the card of the database's state,
        # i.e. the card that was showing, or the one a committed key led to.
        self.next_is_later = match is not None and match > max(track.name, 0)
        fresh = result.copy()
        fresh.current = walk.start_card(fresh)
        return fresh

    def send_keys(self, n: int, term: Terminal, track: Tracker, moment: str) -> None:
        """The round's keys: each waits for its effect on screen, except the
        last 1-3 of an "in flight" round; then the kill moment."""
        res, walk, rng = self.res, self.walk, self.rng
        burst = rng.choice([1, 1, 1, 2, 3]) if moment == "in flight" else 0
        total = rng.randint(burst, 24)
        for k in range(total):
            key = self.pick_key(track.states[-1])
            if key is None:
                break
            after = walk.step(track.states[-1], key)
            assert after is not None
            track.add(key, after)
            term.send(KEYS[key])
            res.keys_sent += 1
            if k >= total - burst:
                continue  # in flight: no waiting
            target = len(track.states) - 1
            if not term.wait_until(lambda t=target: track.settled(t), EFFECT_TIMEOUT):
                res.effect_timeouts += 1
                res.fail(
                    f"round {n}: key {key!r} never showed its effect (wanted "
                    f"{walk.describe(after)}; screen: {' | '.join(track.last_lines[:4])})"
                )
                return
        if moment == "settled":
            delay = rng.choice([0.0, rng.uniform(0, 0.3)])
        else:
            delay = rng.choice([0.0, 0.0, rng.uniform(0, 0.005), rng.uniform(0, 0.08)])
            delay = rng.choice([delay, delay, rng.uniform(0, 0.3)])
        if delay:
            term.wait_until(lambda: False, delay)

    def check_restart(self, n: int, shown: Shown, expected: State) -> None:
        res = self.res
        res.restarts += 1
        if self.walk.matches(shown, expected):
            if self.next_is_later:
                res.restarts_next_card += 1
            else:
                res.restarts_same_card += 1
            return
        res.restart_failures += 1
        res.fail(
            f"restart {n}: the first card shown was card {shown.position} {shown.name!r} "
            f"{shown.counts}; expected {self.walk.describe(expected)}"
        )

    def final_restart(self, state: State) -> None:
        """Start once more: the last kill's restart check, then a clean quit."""
        res = self.res
        expected = state.copy()
        expected.current = self.walk.start_card(expected)
        first: list[Shown] = []

        def on_frame(lines: list[str]) -> None:
            shown = parse_screen(lines)
            if shown is not None and not first:
                first.append(shown)

        term = self.start_app(on_frame)
        try:
            if not term.wait_until(lambda: bool(first), 60):
                res.fail("final restart: no card within 60 s")
                return
            self.check_restart(0, first[0], expected)
            term.send(b"q")
            # Its output is read while it quits: an app blocked on a full
            # terminal could never end.
            term.wait_until(lambda: term.proc.poll() is not None, 30)
            with contextlib.suppress(subprocess.TimeoutExpired):
                term.proc.wait(timeout=5)  # the output ended: the exit follows
            code = term.proc.poll()
            if code is None:
                res.fail(
                    f"final restart: q did not end the app within 35 s; the screen: "
                    f"{term.text()!r}; the last output: {term.tail[-600:]!r}"
                )
                return
            res.clean_quit = code == 0
            if code != 0:
                res.fail(f"final restart: q ended the app with {code}")
        finally:
            if term.proc.poll() is None:
                term.kill()
            term.close()
        db_state, _ = read_state(self.db, self.deck_id)
        if not db_state.same_db(state):
            res.fail(f"after the clean quit: {_diff(state, db_state)}")

    def pick_key(self, st: State) -> str | None:
        options = [k for k in WEIGHTS if self.walk.step(st, k) is not None]
        if not options:
            return None
        return self.rng.choices(options, [WEIGHTS[k] for k in options])[0]

    # -- imports -------------------------------------------------------------------

    def import_rounds(self, kills: int) -> None:
        if kills <= 0:
            return
        res, rng = self.res, self.rng
        big = self.work / "import.csv"
        generate.google_csv(big, self.rows * 4)
        pristine = self.work / "import-pristine"
        scratch = self.work / "import-data"
        copy_db(self.data, pristine)
        # Measure the import's transaction on a copy (it completes there), and
        # note what a complete import leaves (the imports row has times in it).
        copy_db(pristine, scratch)
        begin, end, _ = self._import_once(scratch, big, kill_after=None)
        if begin is None or end is None:
            raise RuntimeError("the calibration import never held the write lock")
        complete = dump_digest(scratch / "triage.db", _imports_row)
        res.import_seconds = end - begin
        log(f"import: {big.stat().st_size / 1e6:.1f} MB, transaction {end - begin:.2f} s")
        copy_db(pristine, scratch)
        before = dump_digest(scratch / "triage.db")
        done = 0
        attempts = 0
        while done < kills and attempts < kills * 3:
            attempts += 1
            delay = rng.uniform(0.02, 0.95) * res.import_seconds
            begin, _, code = self._import_once(scratch, big, kill_after=delay)
            ok = integrity(scratch / "triage.db")
            after = dump_digest(scratch / "triage.db")
            if code == 0 or (
                after != before and dump_digest(scratch / "triage.db", _imports_row) == complete
            ):
                # It committed before the SIGKILL: not a kill half-way.
                res.imports_finished_first += 1
                log(f"  the import committed before the kill (exit {code}); copying again")
                copy_db(pristine, scratch)
                continue
            done += 1
            res.import_kills += 1
            same = after == before
            res.imports_unchanged += same
            if ok != "ok":
                res.integrity_failures += 1
                res.fail(f"import kill {done}: integrity_check: {ok}")
            if not same:
                res.fail(
                    f"import kill {done}: the database is neither as before nor as after a "
                    f"complete import ({before[1]} → {after[1]} dump lines)"
                )
                copy_db(pristine, scratch)
            log(
                f"import kill {done}/{kills}: after {delay:.2f} s of the transaction, "
                f"exit {code}; database {'unchanged' if same else 'CHANGED'}"
            )

    def _import_once(
        self, data: Path, csv_path: Path, *, kill_after: float | None
    ) -> tuple[float | None, float | None, int]:
        """Run ``triage import``; return when its transaction began and ended
        (seen by the lock probe) and its exit status.  With ``kill_after``,
        SIGKILL it that long after its transaction began."""
        db = data / "triage.db"
        proc = subprocess.Popen(
            self.triage("import", str(csv_path), "--deck", DECK, "--region", "US", data=data),
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        begin = end = None
        try:
            while proc.poll() is None:
                locked = write_locked(db)
                now = time.monotonic()
                if locked and begin is None:
                    begin = now
                if begin is not None and not locked and end is None:
                    end = now
                if begin is not None and kill_after is not None:
                    pause = kill_after - (time.monotonic() - begin)
                    if pause > 0:
                        time.sleep(pause)
                    os.kill(proc.pid, signal.SIGKILL)
                    break
                time.sleep(0.002)
            code = proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if end is None and begin is not None and kill_after is None:
            end = time.monotonic()
        self._end_orphans(proc.pid)
        return begin, end, code

    def _end_orphans(self, pgid: int) -> None:
        """Forked workers of a killed import: count those still running after
        a moment, then end them (they are in the import's own session)."""
        time.sleep(0.3)
        left = _group_members(pgid)
        if left:
            self.res.import_orphans += len(left)
            log(f"  {len(left)} worker(s) of the killed import still running: {left}")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)

    # -- exports -------------------------------------------------------------------

    def export_rounds(self, kills: int) -> None:
        if kills <= 0:
            return
        res, rng = self.res, self.rng
        data = self.work / "export-data"
        outdir = self.work / "out"
        outdir.mkdir(exist_ok=True)
        big = self.work / "import.csv"
        if not big.exists():
            generate.google_csv(big, self.rows * 4)
        shutil.rmtree(data, ignore_errors=True)
        self.run_triage(
            "import", str(big), "--deck", EXPORT_DECK, "--region", "US", "--json", data=data
        )
        from triage.store import Store

        store = Store.open(data)
        try:
            store.conn.execute("PRAGMA synchronous = OFF")  # setup only: fast decisions
            deck = store.deck(EXPORT_DECK)
            assert deck is not None
            ids = [i for (i,) in store.conn.execute("SELECT id FROM contacts ORDER BY r_event")]
            for cid in ids:
                store.decide(cid, INVITE)
        finally:
            store.close()
        # Calibration: how long the temporary file exists in a complete export.
        times, totals = [], []
        for _ in range(2):
            total, write_len, code, _ = self._export_once(data, outdir, None, None, "out.csv")
            if code != 0 or write_len is None:
                raise RuntimeError(f"the calibration export failed ({code})")
            times.append(write_len)
            totals.append(total)
            _clear(outdir)
        res.export_write_seconds = min(times)
        log(
            f"export: {len(ids):,} invited; the command takes {min(totals):.2f} s, its "
            f"temporary file lives {min(times):.3f} s"
        )
        done = 0
        attempts = 0
        while done < kills and attempts < kills * 5:
            attempts += 1
            batch = rng.choice([None, None, max(len(ids) // 4, 1)])
            mid_write = rng.random() < 0.75
            delay = rng.uniform(0, 0.9) * res.export_write_seconds if mid_write else None
            anytime = None if mid_write else rng.uniform(0.1, 1.1) * min(totals)
            expected = self._expected_export(data, batch)
            before = _export_digest(data / "triage.db")
            records_before = _exports_count(data / "triage.db")
            _, _, code, killed_in_write = self._export_once(
                data, outdir, delay, anytime, "out.csv", batch
            )
            if code == 0:
                res.exports_finished_first += 1
                _clear(outdir)
                continue
            done += 1
            res.export_kills += 1
            res.exports_mid_write += killed_in_write
            present = {
                p.name: p.read_bytes() for p in outdir.iterdir() if not p.name.startswith(".")
            }
            stale = [p.name for p in outdir.iterdir() if p.name.startswith(".")]
            res.stale_temp_files += len(stale)
            partial = [name for name, data_ in present.items() if expected.get(name) != data_]
            unexpected = [name for name in present if name not in expected]
            if present and set(present) != set(expected):
                partial += [
                    f"{name} (missing: only part of the batch set)"
                    for name in sorted(set(expected) - set(present))
                ]
            res.partial_files += len(partial)
            if partial or unexpected:
                res.fail(f"export kill {done}: partial export files {partial + unexpected}")
            ok = integrity(data / "triage.db")
            if ok != "ok":
                res.integrity_failures += 1
                res.fail(f"export kill {done}: integrity_check: {ok}")
            if _export_digest(data / "triage.db") != before:
                res.fail(f"export kill {done}: decisions, tags or journal changed")
            recorded = _exports_count(data / "triage.db") - records_before
            res.exports_recorded += recorded > 0
            if recorded and len(present) != len(expected):
                res.fail(f"export kill {done}: an export was recorded but its files are missing")
            if present and not recorded:
                res.written_not_recorded += 1
            log(
                f"export kill {done}/{kills}: "
                f"{'during the write' if killed_in_write else 'at a random moment'}"
                f"{f', batches of {batch}' if batch else ''}; files {sorted(present) or '-'}"
                f", stale temporary files {len(stale)}"
            )
            _clear(outdir)

    def _export_once(
        self,
        data: Path,
        outdir: Path,
        delay: float | None,
        anytime: float | None,
        name: str,
        batch: int | None = None,
    ) -> tuple[int, float | None, int, bool]:
        """Run ``triage export --format full``; kill it ``delay`` seconds after
        its first temporary file appears (or ``anytime`` seconds after it
        starts).  Returns (seconds it ran, how long the first temporary file lived,
        exit status, whether the kill fell while a temporary file existed)."""
        args = ["export", "-o", str(outdir / name), "--deck", EXPORT_DECK, "--format", "full"]
        if batch:
            args += ["--batch-size", str(batch)]
        started = time.monotonic()
        proc = subprocess.Popen(
            self.triage(*args, data=data),
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        appeared = gone = None
        killed_in_write = False
        try:
            while proc.poll() is None:
                now = time.monotonic()
                temps = {e.name for e in os.scandir(outdir) if e.name.startswith(".")}
                if temps and appeared is None:
                    appeared = now
                if appeared is not None and not temps and gone is None:
                    gone = now
                if anytime is not None and now - started >= anytime:
                    killed_in_write = bool(temps)
                    os.kill(proc.pid, signal.SIGKILL)
                    break
                if delay is not None and appeared is not None:
                    pause = delay - (time.monotonic() - appeared)
                    if pause > 0:
                        time.sleep(pause)
                    killed_in_write = any(e.name.startswith(".") for e in os.scandir(outdir))
                    os.kill(proc.pid, signal.SIGKILL)
                    break
            code = proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if appeared is not None and gone is None and code == 0:
            gone = time.monotonic()
        life = None if appeared is None or gone is None else gone - appeared
        return time.monotonic() - started, life, code, killed_in_write

    def _expected_export(self, data: Path, batch: int | None) -> dict[str, bytes]:
        """The files a complete export would write now (same code, in-process)."""
        from triage.export.plan import plan_export, write_export
        from triage.store import Store

        ref = self.work / "reference"
        shutil.rmtree(ref, ignore_errors=True)
        ref.mkdir()
        store = Store.open(data)
        try:
            deck = store.deck(EXPORT_DECK)
            assert deck is not None
            plan = plan_export(store, deck, "full")
            paths = write_export(plan, ref / "out.csv", batch_size=batch)
        finally:
            store.close()
        return {p.name: p.read_bytes() for p in paths}


def _changed_decision(a: State, b: State) -> int | None:
    """The contact whose decision differs between two successive states."""
    for cid, _, _ in b.stack[-1:]:
        if a.decisions.get(cid) != b.decisions.get(cid):
            return cid
    for cid, _, _ in a.stack[-1:]:
        if a.decisions.get(cid) != b.decisions.get(cid):
            return cid
    return None


def _diff(want: State, got: State) -> str:
    parts = []
    dd = [c for c in want.decisions if want.decisions[c] != got.decisions.get(c)]
    if dd:
        parts.append(
            "decisions differ: "
            + ", ".join(f"{c}: {want.decisions[c]}→{got.decisions.get(c)}" for c in dd[:5])
        )
    if want.tags != got.tags:
        parts.append("tags differ")
    if want.stack != got.stack:
        parts.append(f"journal stack {want.stack[-3:]} vs {got.stack[-3:]}")
    if want.journal_rows != got.journal_rows:
        parts.append(f"journal rows {want.journal_rows} vs {got.journal_rows}")
    if want.cursor != got.cursor:
        parts.append(f"cursor {want.cursor} vs {got.cursor}")
    return "; ".join(parts) or "no difference"


def _export_digest(db: Path) -> tuple[str, int]:
    """Everything but the export bookkeeping (``exports`` rows, ``exported_at``)."""

    def skip(line: str) -> bool:
        return line.startswith('INSERT INTO "exports"') or line.startswith('INSERT INTO "contacts"')

    digest, n = dump_digest(db, skip)
    con = connect_ro(db)
    try:
        h = hashlib.sha256(digest.encode())
        for row in con.execute(
            "SELECT id, decision, decided_at, note, name FROM contacts ORDER BY id"
        ):
            h.update(repr(row).encode())
    finally:
        con.close()
    return h.hexdigest(), n


def _imports_row(line: str) -> bool:
    return line.startswith('INSERT INTO "imports"')


def _exports_count(db: Path) -> int:
    con = connect_ro(db)
    try:
        return int(con.execute("SELECT COUNT(*) FROM exports").fetchone()[0])
    finally:
        con.close()


def _clear(folder: Path) -> None:
    for p in folder.iterdir():
        p.unlink()


def _group_members(pgid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


# --------------------------------------------------------------------------- entry points


def pty_available() -> str | None:
    """Why the campaign cannot run here, or None."""
    try:
        import pyte  # noqa: F401
    except ImportError:
        return "pyte is not installed (it is in the project's test extra)"
    try:
        master, slave = pty.openpty()
    except OSError as exc:
        return f"no pseudo-terminal: {exc}"
    os.close(master)
    os.close(slave)
    return None


@contextlib.contextmanager
def _workdir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="triage-crash-") as tmp:
        yield Path(tmp)


def run(
    *,
    kills: int = 50,
    seed: int = 1,
    contacts: int = 5000,
    import_kills: int = 10,
    export_kills: int = 10,
    keep: Path | None = None,
    moments: Sequence[str] = (),
) -> Results:
    """Run the campaign; ``moments`` (each of :data:`MOMENTS`), when given,
    replaces the random choice of kill moment, round after round."""
    res = Results(contacts=contacts, seed=seed)
    started = time.monotonic()
    with _workdir(keep) as work:
        camp = Campaign(work, seed, contacts, res)
        camp.moments = tuple(moments)
        camp.build()
        camp.walk_rounds(kills)
        camp.import_rounds(import_kills)
        camp.export_rounds(export_kills)
    res.seconds = time.monotonic() - started
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=50, help="app kills (default 50)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--contacts", type=int, default=5000, help="deck size (default 5000)")
    ap.add_argument("--import-kills", type=int, default=10, help="import kills (default 10)")
    ap.add_argument("--export-kills", type=int, default=10, help="export kills (default 10)")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = ap.parse_args(argv)
    why = pty_available()
    if why:
        print(f"campaign_crash: cannot run: {why}", file=sys.stderr)
        return 2
    res = run(
        kills=args.kills,
        seed=args.seed,
        contacts=args.contacts,
        import_kills=args.import_kills,
        export_kills=args.export_kills,
        keep=args.keep,
    )
    print(res.summary())
    return 0 if res.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
