"""SQLite persistence: decks, contacts, decisions, tags, notes and the journal.

Everything durable goes through here.  Each user change is one transaction
(the change, its journal row and the cursor) committed with
``synchronous=FULL`` before the caller draws anything else, so a SIGKILL can
never lose a decision that was shown to take effect.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring as _quote
from pathlib import Path
from typing import Any

from triage.lock import DeckLock
from triage.model import (
    DECISIONS,
    FLAG_BITS,
    FLAGS,
    INVITE,
    UNDECIDED,
    Contact,
    Email,
    Phone,
    Source,
)
from triage.schema import LAZY_INDEXES, ORDERS, WALK_INDEXES, SchemaTooNew, migrate

DB_NAME = "triage.db"


class StoreError(Exception):
    """A state problem the user must act on (exit code 3).  One line."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class Deck:
    id: int
    name: str
    region: str
    seed: int
    cursor_id: int | None


@dataclass(slots=True, frozen=True)
class WalkFilter:
    """Which cards the walk shows: ``all``, ``undecided``, ``invite``,
    ``skip``, ``tag`` (value = tag name) or ``flag`` (value = flag name)."""

    kind: str = "all"
    value: str = ""

    def label(self) -> str:
        names = {"all": "all", "undecided": "undecided", "invite": "invited", "skip": "skipped"}
        if self.kind in names:
            return names[self.kind]
        return f"{self.kind}: {self.value}"


ALL = WalkFilter()


@dataclass(slots=True)
class Counts:
    contacts: int = 0
    invite: int = 0
    skip: int = 0
    undecided: int = 0


@dataclass(slots=True)
class Change:
    """What an undo restored, so the caller can show the card it touched."""

    contact_id: int
    kind: str
    detail: str


@dataclass(slots=True)
class DeckStatus:
    deck: str
    contacts: int
    invite: int
    skip: int
    undecided: int
    tags: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)
    exported: int = 0
    to_export: int = 0
    last_export: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "deck": self.deck,
            "contacts": self.contacts,
            "invite": self.invite,
            "skip": self.skip,
            "undecided": self.undecided,
            "tags": self.tags,
            "flags": self.flags,
            "sources": self.sources,
            "exported": self.exported,
            "to_export": self.to_export,
            "last_export": self.last_export,
        }


# The four JSON columns come back as one JSON array per row, so a batch of
# rows is decoded by a single json.loads (one C call instead of four per row).
_CONTACT_COLUMNS = (
    "id, deck_id, key, name, given, family, org, title, notes, flags, decision, decided_at,"
    " note, connected_on, invited_on, profile_url, exported_at,"
    " '[' || emails || ',' || phones || ',' || labels || ',' || sources || ']'"
)


def _decode_contacts(rows: Sequence[Sequence[Any]]) -> list[Contact]:
    blobs = json.loads("[" + ",".join([r[17] for r in rows]) + "]") if rows else []
    return [
        Contact(
            id=row[0],
            deck_id=row[1],
            key=row[2],
            name=row[3],
            given=row[4],
            family=row[5],
            org=row[6],
            title=row[7],
            emails=[Email(a, bool(v), bool(r)) for a, v, r in emails],
            phones=[Phone(n, bool(v)) for n, v in phones],
            notes=row[8],
            labels=labels,
            sources=[Source(f, ln, imp, path) for f, ln, imp, path in sources],
            flags=row[9],
            decision=row[10],
            decided_at=row[11],
            note=row[12],
            connected_on=row[13],
            invited_on=row[14],
            profile_url=row[15],
            exported_at=row[16],
        )
        for row, (emails, phones, labels, sources) in zip(rows, blobs, strict=True)
    ]


# The JSON columns are written by hand around the C string quoter: on the
# import's hot path json.dumps costs more than everything else per contact
# (it builds an encoder per call).  json.loads reads them back.
def encode_list(items: list[str]) -> str:
    return "[" + ",".join([_quote(x) for x in items]) + "]" if items else "[]"


def encode_emails(emails: list[Email]) -> str:
    return (
        "["
        + ",".join([f"[{_quote(e.address)},{int(e.valid)},{int(e.role)}]" for e in emails])
        + "]"
    )


def encode_phones(phones: list[Phone]) -> str:
    return "[" + ",".join([f"[{_quote(p.number)},{int(p.valid)}]" for p in phones]) + "]"


def encode_sources(sources: list[Source]) -> str:
    return (
        "["
        + ",".join(
            [
                f"[{_quote(s.file)},{int(s.line)},{int(s.import_id)},{_quote(s.path)}]"
                for s in sources
            ]
        )
        + "]"
    )


def encode_source_parts(file: str, import_id: int, path: str) -> tuple[str, str]:
    """(before, after): ``encode_sources([Source(file, line, import_id, path)])``
    is ``before + str(line) + after``, for a whole file's records at once."""
    return f"[[{_quote(file)},", f",{int(import_id)},{_quote(path)}]]"


def decode_sources(text: str) -> list[Source]:
    return [Source(f, ln, imp, path) for f, ln, imp, path in json.loads(text)]


def search_text(c: Contact) -> str:
    return search_words(c.name, c.org, c.title, c.emails)


def search_words(name: str, org: str, title: str, emails: list[Email]) -> str:
    """What the search column holds for a contact with these fields."""
    parts = [name, org, title, *[e.address for e in emails]]
    return " ".join([p for p in parts if p]).casefold()


def _filter_sql(flt: WalkFilter, deck_id: int) -> tuple[str, tuple[Any, ...]]:
    if flt.kind == "all":
        return "", ()
    if flt.kind in DECISIONS:
        # A literal (from a fixed set), so the planner can use the
        # (deck_id, decision, rank) indexes.
        return f" AND decision = '{flt.kind}'", ()
    if flt.kind == "tag":
        # Not correlated with the outer row: evaluated once.
        return (
            " AND id IN (SELECT ct.contact_id FROM contact_tags ct JOIN tags t"
            " ON t.id = ct.tag_id WHERE t.deck_id = ? AND t.name = ?)",
            (deck_id, flt.value),
        )
    if flt.kind == "flag":
        return " AND (flags & ?) != 0", (FLAG_BITS[flt.value],)
    raise ValueError(f"unknown filter {flt.kind}")


def _rank_column(order: str) -> str:
    if order not in ORDERS:
        raise ValueError(f"unknown order {order}")
    return f"r_{order}"


class Store:
    """One open database.  Not thread-safe: a worker opens its own Store."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._counts: dict[int, Counts] = {}

    # -- opening -----------------------------------------------------------

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        """Open (or create) the database in ``data_dir``.

        Nothing is written to an existing file before it has been read and
        recognised: an empty file, another program's database, a damaged one or
        one from a newer triage is refused with :class:`StoreError` and left
        byte-for-byte as it was (no switch to WAL, no checkpoint).  A new
        database is built beside its final name and linked into place whole, so
        an interrupted first run never leaves an empty ``triage.db`` behind.
        No integrity check runs here (``PRAGMA quick_check`` costs ~0.2 s on a
        100,000-contact deck, half the start-up budget): damage found later
        raises :class:`sqlite3.DatabaseError` where the page is read, and the
        commands turn it into one line and exit 3 (:func:`describe_db_error`).
        """
        path = data_dir / DB_NAME
        try:
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data folder {data_dir}: {exc.strerror}") from None
        old_umask = os.umask(0o077)  # WAL and SHM files: private too
        try:
            if not os.path.lexists(path):
                _create_database(path)
            _check_file(path)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            try:
                conn.execute("PRAGMA busy_timeout = 5000")
                # Check each b-tree page's cells as it is read: turns damage that
                # would read as fewer or other rows into an error (no measurable
                # cost: a 100,000-contact scan takes the same time).
                conn.execute("PRAGMA cell_size_check = ON")
                _check_database(conn, path)  # reads only
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise StoreError(f"{path}: cannot use write-ahead logging ({mode})")
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA foreign_keys = ON")
                migrate(conn)
            except SchemaTooNew as exc:
                close_keeping_files(conn, path)
                raise StoreError(f"{path}: {exc}") from None
            except StoreError:
                close_keeping_files(conn, path)
                raise
            except sqlite3.DatabaseError as exc:
                close_keeping_files(conn, path)
                raise StoreError(describe_db_error(path, exc)) from None
        except sqlite3.Error as exc:
            raise StoreError(describe_db_error(path, exc)) from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot open the database: {exc.strerror or exc}") from None
        finally:
            os.umask(old_umask)
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            self._counts.clear()
            raise
        self.conn.execute("COMMIT")

    def lock(self, deck: Deck) -> DeckLock:
        return DeckLock(self.path.parent / "locks" / f"deck-{deck.id}.lock")

    # -- decks -------------------------------------------------------------

    def deck(self, name: str) -> Deck | None:
        row = self.conn.execute(
            "SELECT id, name, region, seed, cursor_id FROM decks WHERE name = ?", (name,)
        ).fetchone()
        return Deck(*row) if row else None

    def create_deck(self, name: str, region: str) -> Deck:
        """Create a deck (inside the caller's transaction if there is one)."""
        seed = random.SystemRandom().getrandbits(62)
        cur = self.conn.execute(
            "INSERT INTO decks (name, region, seed, created_at) VALUES (?, ?, ?, ?)",
            (name, region, seed, now()),
        )
        assert cur.lastrowid is not None
        return Deck(cur.lastrowid, name, region, seed, None)

    def delete_deck(self, deck: Deck) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM decks WHERE id = ?", (deck.id,))

    def decks(self) -> list[tuple[str, Counts]]:
        out = []
        for deck_id, name in self.conn.execute("SELECT id, name FROM decks ORDER BY name"):
            out.append((name, self.counts(deck_id)))
        return out

    # -- reading contacts ----------------------------------------------------

    def contact(self, contact_id: int, *, with_tags: bool = True) -> Contact:
        row = self.conn.execute(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE id = ?", (contact_id,)
        ).fetchone()
        if row is None:
            raise KeyError(contact_id)
        (contact,) = _decode_contacts([row])
        if with_tags:
            contact.tags = self.tags_of(contact_id)
        return contact

    def tags_of(self, contact_id: int) -> list[str]:
        return [
            name
            for (name,) in self.conn.execute(
                "SELECT t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id"
                " WHERE ct.contact_id = ? ORDER BY t.id",
                (contact_id,),
            )
        ]

    def iter_contacts(
        self, deck_id: int, where: str = "", params: tuple[Any, ...] = (), order: str = "id"
    ) -> Iterator[Contact]:
        """Stream contacts (without tags) in batches; for exports and reports."""
        cur = self.conn.execute(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE deck_id = ? {where} ORDER BY {order}",
            (deck_id, *params),
        )
        while rows := cur.fetchmany(1000):
            yield from _decode_contacts(rows)

    # -- the walk --------------------------------------------------------------

    def prepare_order(self, deck: Deck, order: str) -> None:
        """Make sure the rank column of ``order`` is current (ranks other than
        the event shuffle are computed lazily after imports)."""
        col = _rank_column(order)
        stale = self.conn.execute(
            "SELECT stale_orders FROM decks WHERE id = ?", (deck.id,)
        ).fetchone()[0]
        if order not in stale.split(","):
            return
        sort = {
            "name": "name COLLATE NOCASE, id",
            "company": "org = '', org COLLATE NOCASE, name COLLATE NOCASE, id",
            "source": "json_extract(sources, '$[0][0]'), json_extract(sources, '$[0][1]'), id",
        }[order]
        remaining = ",".join(o for o in stale.split(",") if o and o != order)
        ids = [
            i
            for (i,) in self.conn.execute(
                f"SELECT id FROM contacts WHERE deck_id = ? ORDER BY {sort}", (deck.id,)
            )
        ]
        with self.transaction():
            self.conn.executemany(
                f"UPDATE contacts SET {col} = ? WHERE id = ?", enumerate(ids, start=1)
            )
            self.conn.execute(
                f"CREATE INDEX IF NOT EXISTS contacts_{order} ON contacts(deck_id, {col})"
            )
            self.conn.execute(
                f"CREATE INDEX IF NOT EXISTS contacts_{order}_decision"
                f" ON contacts(deck_id, decision, {col})"
            )
            self.conn.execute(
                "UPDATE decks SET stale_orders = ? WHERE id = ?", (remaining, deck.id)
            )

    def walk_count(self, deck_id: int, flt: WalkFilter = ALL) -> int:
        if flt.kind in ("all", *DECISIONS):
            counts = self.counts(deck_id)
            return counts.contacts if flt.kind == "all" else getattr(counts, flt.kind)
        clause, params = _filter_sql(flt, deck_id)
        return int(
            self.conn.execute(
                f"SELECT COUNT(*) FROM contacts WHERE deck_id = ?{clause}", (deck_id, *params)
            ).fetchone()[0]
        )

    def walk_first(self, deck_id: int, order: str, flt: WalkFilter = ALL) -> int | None:
        return self.walk_step(deck_id, order, flt, None, +1)

    def walk_step(
        self,
        deck_id: int,
        order: str,
        flt: WalkFilter,
        from_id: int | None,
        direction: int,
        *,
        undecided_only: bool = False,
    ) -> int | None:
        """The id of the card after (direction +1) or before (-1) ``from_id``
        in the walk, or the first/last one when ``from_id`` is None."""
        col = _rank_column(order)
        clause, params = _filter_sql(flt, deck_id)
        if undecided_only and flt.kind != UNDECIDED:
            clause += " AND decision = 'undecided'"
        cmp, sort = (">", "ASC") if direction > 0 else ("<", "DESC")
        if from_id is None:
            row = self.conn.execute(
                f"SELECT id FROM contacts WHERE deck_id = ?{clause} ORDER BY {col} {sort} LIMIT 1",
                (deck_id, *params),
            ).fetchone()
        else:
            rank = self._rank(col, from_id)
            if rank is None:
                return None
            row = self.conn.execute(
                f"SELECT id FROM contacts WHERE deck_id = ?{clause} AND {col} {cmp} ?"
                f" ORDER BY {col} {sort} LIMIT 1",
                (deck_id, *params, rank),
            ).fetchone()
        return row[0] if row else None

    def next_undecided(self, deck_id: int, order: str, from_id: int | None) -> int | None:
        """The next undecided card after ``from_id``, wrapping to the start."""
        found = self.walk_step(deck_id, order, ALL, from_id, +1, undecided_only=True)
        if found is None and from_id is not None:
            found = self.walk_step(deck_id, order, ALL, None, +1, undecided_only=True)
            if found == from_id:
                return None
        return found

    def walk_index(self, deck_id: int, order: str, flt: WalkFilter, contact_id: int) -> int:
        """0-based position of a card in the walk (how many come before it)."""
        col = _rank_column(order)
        clause, params = _filter_sql(flt, deck_id)
        rank = self._rank(col, contact_id)
        if rank is None:
            return 0
        return int(
            self.conn.execute(
                f"SELECT COUNT(*) FROM contacts WHERE deck_id = ?{clause} AND {col} < ?",
                (deck_id, *params, rank),
            ).fetchone()[0]
        )

    def _rank(self, col: str, contact_id: int) -> int | None:
        row = self.conn.execute(
            f"SELECT {col} FROM contacts WHERE id = ?", (contact_id,)
        ).fetchone()
        return None if row is None else row[0]

    def walk_nth(self, deck_id: int, order: str, flt: WalkFilter, index: int) -> int | None:
        col = _rank_column(order)
        clause, params = _filter_sql(flt, deck_id)
        row = self.conn.execute(
            f"SELECT id FROM contacts WHERE deck_id = ?{clause} ORDER BY {col} LIMIT 1 OFFSET ?",
            (deck_id, *params, max(index, 0)),
        ).fetchone()
        return row[0] if row else None

    def search(self, deck_id: int, text: str, limit: int = 50) -> list[Contact]:
        """Cards whose name, organisation, title or email contain ``text``."""
        needle = text.casefold().strip()
        if not needle:
            return []
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self.conn.execute(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE deck_id = ?"
            " AND search LIKE ? ESCAPE '\\' ORDER BY r_event LIMIT ?",
            (deck_id, pattern, limit),
        ).fetchall()
        return _decode_contacts(rows)

    def set_cursor(self, deck_id: int, contact_id: int | None) -> None:
        self.conn.execute("UPDATE decks SET cursor_id = ? WHERE id = ?", (contact_id, deck_id))

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database (PASSIVE: never waits for
        a reader), so SQLite's automatic checkpoint does not run inside a
        decision's commit."""
        self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def cursor(self, deck_id: int) -> int | None:
        row = self.conn.execute("SELECT cursor_id FROM decks WHERE id = ?", (deck_id,)).fetchone()
        return row[0] if row else None

    # -- changes (each one transaction, journaled) -------------------------------

    def decide(self, contact_id: int, decision: str, *, cursor_id: int | None = None) -> str:
        """Record a decision; returns the previous one.  ``cursor_id`` is the
        card the caller will show next, committed in the same transaction."""
        if decision not in DECISIONS:
            raise ValueError(decision)
        deck_id, before, before_at = self.conn.execute(
            "SELECT deck_id, decision, decided_at FROM contacts WHERE id = ?", (contact_id,)
        ).fetchone()
        at = now() if decision != UNDECIDED else ""
        with self.transaction():
            self.conn.execute(
                "UPDATE contacts SET decision = ?, decided_at = ? WHERE id = ?",
                (decision, at, contact_id),
            )
            self._journal(
                deck_id,
                contact_id,
                "decision",
                json.dumps([before, before_at]),
                json.dumps([decision, at]),
            )
            self.set_cursor(deck_id, contact_id if cursor_id is None else cursor_id)
        self._adjust_counts(deck_id, before, decision)
        return str(before)

    def set_note(self, contact_id: int, note: str) -> None:
        deck_id, before = self.conn.execute(
            "SELECT deck_id, note FROM contacts WHERE id = ?", (contact_id,)
        ).fetchone()
        if before == note:
            return
        with self.transaction():
            self.conn.execute("UPDATE contacts SET note = ? WHERE id = ?", (note, contact_id))
            self._journal(deck_id, contact_id, "note", before, note)
            self.set_cursor(deck_id, contact_id)

    def set_tag(self, contact_id: int, tag: str, on: bool) -> bool:
        """Add or remove a tag (created on first use).  Returns False when
        nothing changed."""
        tag = " ".join(tag.split())
        if not tag:
            raise ValueError("empty tag")
        deck_id = self.conn.execute(
            "SELECT deck_id FROM contacts WHERE id = ?", (contact_id,)
        ).fetchone()[0]
        with self.transaction():
            row = self.conn.execute(
                "SELECT id, name FROM tags WHERE deck_id = ? AND name = ?", (deck_id, tag)
            ).fetchone()
            if row is None:
                if not on:
                    return False
                cur = self.conn.execute(
                    "INSERT INTO tags (deck_id, name) VALUES (?, ?)", (deck_id, tag)
                )
                tag_id, tag_name = cur.lastrowid, tag
            else:
                tag_id, tag_name = row
            if on:
                cur = self.conn.execute(
                    "INSERT OR IGNORE INTO contact_tags VALUES (?, ?)", (contact_id, tag_id)
                )
            else:
                cur = self.conn.execute(
                    "DELETE FROM contact_tags WHERE contact_id = ? AND tag_id = ?",
                    (contact_id, tag_id),
                )
            if cur.rowcount == 0:
                return False
            self._journal(
                deck_id,
                contact_id,
                "tag",
                json.dumps([tag_name, not on]),
                json.dumps([tag_name, on]),
            )
            self.set_cursor(deck_id, contact_id)
        return True

    def toggle_tag(self, contact_id: int, tag: str) -> bool:
        """Flip a tag; returns whether the contact has it afterwards."""
        has = tag.casefold() in (t.casefold() for t in self.tags_of(contact_id))
        self.set_tag(contact_id, tag, not has)
        return not has

    def tags_by_contact(self, deck_id: int, decision: str) -> dict[int, list[str]]:
        """Tags of every contact with ``decision``, in tag creation order."""
        out: dict[int, list[str]] = {}
        for contact_id, name in self.conn.execute(
            "SELECT ct.contact_id, t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id"
            " JOIN contacts c ON c.id = ct.contact_id WHERE t.deck_id = ? AND c.decision = ?"
            " ORDER BY t.id",
            (deck_id, decision),
        ):
            out.setdefault(contact_id, []).append(name)
        return out

    def deck_tags(self, deck_id: int) -> list[str]:
        """Tags in the order they were created (quick tags 1-9 are the first nine)."""
        return [
            n
            for (n,) in self.conn.execute(
                "SELECT name FROM tags WHERE deck_id = ? ORDER BY id", (deck_id,)
            )
        ]

    def can_undo(self, deck_id: int) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM journal WHERE deck_id = ? AND undone = 0 LIMIT 1", (deck_id,)
            ).fetchone()
            is not None
        )

    def undo(self, deck_id: int) -> Change | None:
        """Revert the latest change that is not yet undone, in one transaction."""
        row = self.conn.execute(
            "SELECT id, contact_id, kind, before FROM journal WHERE deck_id = ? AND undone = 0"
            " ORDER BY id DESC LIMIT 1",
            (deck_id,),
        ).fetchone()
        if row is None:
            return None
        jid, contact_id, kind, before = row
        adjust: tuple[str, str] | None = None
        with self.transaction():
            if kind == "decision":
                decision, at = json.loads(before)
                current = self.conn.execute(
                    "SELECT decision FROM contacts WHERE id = ?", (contact_id,)
                ).fetchone()[0]
                self.conn.execute(
                    "UPDATE contacts SET decision = ?, decided_at = ? WHERE id = ?",
                    (decision, at, contact_id),
                )
                adjust = (current, decision)
                detail = decision
            elif kind == "note":
                self.conn.execute("UPDATE contacts SET note = ? WHERE id = ?", (before, contact_id))
                detail = "note"
            else:
                tag, was_on = json.loads(before)
                tag_id = self.conn.execute(
                    "SELECT id FROM tags WHERE deck_id = ? AND name = ?", (deck_id, tag)
                ).fetchone()[0]
                if was_on:
                    self.conn.execute(
                        "INSERT OR IGNORE INTO contact_tags VALUES (?, ?)", (contact_id, tag_id)
                    )
                else:
                    self.conn.execute(
                        "DELETE FROM contact_tags WHERE contact_id = ? AND tag_id = ?",
                        (contact_id, tag_id),
                    )
                detail = tag
            self.conn.execute("UPDATE journal SET undone = 1 WHERE id = ?", (jid,))
            self.set_cursor(deck_id, contact_id)
        if adjust:
            self._adjust_counts(deck_id, *adjust)
        return Change(contact_id, kind, detail)

    def _journal(self, deck_id: int, contact_id: int, kind: str, before: str, after: str) -> None:
        self.conn.execute(
            "INSERT INTO journal (deck_id, contact_id, kind, before, after, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (deck_id, contact_id, kind, before, after, now()),
        )

    # -- imports (called inside the import's single transaction) ----------------

    def start_import(self, deck_id: int, files: list[str]) -> int:
        cur = self.conn.execute(
            "INSERT INTO imports (deck_id, at, files, report) VALUES (?, ?, ?, '{}')",
            (deck_id, now(), json.dumps(files, ensure_ascii=False)),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def suspend_indexes(self) -> None:
        """For a bulk import: drop the walk's indexes (rebuilt by
        :meth:`restore_indexes` in the same transaction)."""
        for name in (*WALK_INDEXES, *LAZY_INDEXES):
            self.conn.execute(f"DROP INDEX IF EXISTS {name}")

    def restore_indexes(self) -> None:
        for ddl in WALK_INDEXES.values():
            self.conn.execute(ddl)

    def insert_contact(self, deck_id: int, c: Contact, rank: int) -> int:
        """Insert one contact (an id already set on ``c`` is kept); ``rank``
        is its place in the event walk."""
        cur = self.conn.execute(_INSERT_SQL, _insert_row(deck_id, c, rank))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def writer(self, deck_id: int) -> ContactWriter:
        return ContactWriter(self, deck_id)

    def update_contact(self, c: Contact) -> None:
        """Write a contact's imported data; decisions, tags and notes are never
        touched by an import."""
        self.conn.execute(_UPDATE_SQL, (*_data_columns(c), c.id))

    def finish_import(self, deck_id: int, import_id: int, report: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE decks SET stale_orders = ? WHERE id = ?",
            (",".join(o for o in ORDERS if o != "event"), deck_id),
        )
        self.conn.execute(
            "UPDATE imports SET report = ? WHERE id = ?",
            (json.dumps(report, ensure_ascii=False), import_id),
        )
        self._counts.pop(deck_id, None)

    # -- counts and status -------------------------------------------------------

    def counts(self, deck_id: int) -> Counts:
        cached = self._counts.get(deck_id)
        if cached is None:
            cached = Counts()
            for decision, n in self.conn.execute(
                "SELECT decision, COUNT(*) FROM contacts WHERE deck_id = ? GROUP BY decision",
                (deck_id,),
            ):
                setattr(cached, decision, n)
                cached.contacts += n
            self._counts[deck_id] = cached
        return Counts(cached.contacts, cached.invite, cached.skip, cached.undecided)

    def verify(self) -> None:
        """``PRAGMA quick_check`` (about 2 µs a contact) before a command
        that writes an import or an export: a damaged b-tree page can still
        read, yet hide rows, and the command would spread the damage into
        the deck or into a file to upload.  Raises DatabaseError, which the
        commands report as a damaged database (exit 3)."""
        (first,) = self.conn.execute("PRAGMA quick_check(1)").fetchone()
        if first != "ok":  # e.g. "*** in database main ***\nPage 5 is never used"
            detail = " ".join(str(first).replace("*** in database main ***", "").split())
            raise sqlite3.DatabaseError(f"database disk image is malformed: {detail}")

    def forget_counts(self) -> None:
        self._counts.clear()

    def _adjust_counts(self, deck_id: int, before: str, after: str) -> None:
        cached = self._counts.get(deck_id)
        if cached is not None and before != after:
            setattr(cached, before, getattr(cached, before) - 1)
            setattr(cached, after, getattr(cached, after) + 1)

    def status(self, deck: Deck) -> DeckStatus:
        c = self.counts(deck.id)
        st = DeckStatus(deck.name, c.contacts, c.invite, c.skip, c.undecided)
        st.tags = {
            name: n
            for name, n in self.conn.execute(
                "SELECT t.name, COUNT(ct.contact_id) FROM tags t LEFT JOIN contact_tags ct"
                " ON ct.tag_id = t.id WHERE t.deck_id = ? GROUP BY t.id ORDER BY t.id",
                (deck.id,),
            )
        }
        sums = ", ".join(f"SUM((flags & {FLAG_BITS[f]}) != 0)" for f in FLAGS)
        row = self.conn.execute(
            f"SELECT {sums} FROM contacts WHERE deck_id = ?", (deck.id,)
        ).fetchone()
        st.flags = {f: int(n or 0) for f, n in zip(FLAGS, row, strict=True)}
        st.sources = {
            name: n
            for name, n in self.conn.execute(
                "SELECT json_extract(value, '$[0]') AS f, COUNT(DISTINCT contacts.id)"
                " FROM contacts, json_each(contacts.sources) WHERE deck_id = ?"
                " GROUP BY f ORDER BY f",
                (deck.id,),
            )
        }
        st.exported, st.to_export = self.conn.execute(
            "SELECT COALESCE(SUM(exported_at != ''), 0), COALESCE(SUM(exported_at = ''), 0)"
            " FROM contacts WHERE deck_id = ? AND decision = ?",
            (deck.id, INVITE),
        ).fetchone()
        last = self.conn.execute(
            "SELECT at FROM exports WHERE deck_id = ? ORDER BY id DESC LIMIT 1", (deck.id,)
        ).fetchone()
        st.last_export = last[0] if last else ""
        return st

    def record_export(self, deck_id: int, contact_ids: Sequence[int], path: str, fmt: str) -> None:
        at = now()
        with self.transaction():
            self.conn.executemany(
                "UPDATE contacts SET exported_at = ? WHERE id = ?", ((at, i) for i in contact_ids)
            )
            self.conn.execute(
                "INSERT INTO exports (deck_id, at, path, format, count) VALUES (?, ?, ?, ?, ?)",
                (deck_id, at, path, fmt, len(contact_ids)),
            )


_INSERT_SQL = (
    "INSERT INTO contacts (id, deck_id, key, name, given, family, org, title, emails, phones,"
    " notes, labels, sources, search, flags, connected_on, invited_on, profile_url, r_event)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# An import's changes to a contact (decisions, tags and notes are never touched).
_UPDATE_SQL = (
    "UPDATE contacts SET name = ?, given = ?, family = ?, org = ?, title = ?,"
    " emails = ?, phones = ?, notes = ?, labels = ?, sources = ?, search = ?,"
    " flags = ?, connected_on = ?, invited_on = ?, profile_url = ? WHERE id = ?"
)


def _insert_row(deck_id: int, c: Contact, rank: int) -> tuple[Any, ...]:
    return (
        c.id or None,
        deck_id,
        c.key,
        *_data_columns(c),
        rank,
    )


def _data_columns(c: Contact) -> tuple[Any, ...]:
    """The imported data of a contact, encoded, in the column order shared by
    the INSERT and the UPDATE (name … profile_url)."""
    return (
        c.name,
        c.given,
        c.family,
        c.org,
        c.title,
        encode_emails(c.emails),
        encode_phones(c.phones),
        c.notes,
        encode_list(c.labels),
        encode_sources(c.sources),
        search_text(c),
        c.flags,
        c.connected_on,
        c.invited_on,
        c.profile_url,
    )


# A new contact encoded by the import (its worker processes): the columns of
# _INSERT_SQL after id and deck_id and before the rank, i.e. (key, name, given,
# family, org, title, emails, phones, notes, labels, sources, search, flags,
# connected_on, invited_on, profile_url), the JSON ones by the encode_* functions.
Row = tuple[Any, ...]


class ContactWriter:
    """Buffered writes for one import, inside its transaction.

    Ids are handed out here so new contacts can be written in batches
    (``executemany``) and still be found by later records of the same import:
    a record that merges into a contact still in the buffer changes the
    buffered object itself.  A new contact comes as a :class:`Contact` or as
    a :data:`Row` already encoded; a buffered row becomes a Contact only when
    a later record merges into it (:meth:`get`).  Contacts of earlier imports
    that records merge into are held too, and written back once per batch:
    a person met thousands of times is decoded and encoded once a batch,
    not once a record.
    """

    BATCH = 2000

    def __init__(self, store: Store, deck_id: int) -> None:
        self.store = store
        self.deck_id = deck_id
        self.next_id = int(
            store.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM contacts").fetchone()[0]
        )
        self.pending: dict[int, tuple[Contact | Row, int]] = {}
        self.held: dict[int, Contact] = {}  # earlier contacts read for a merge
        self.dirty: set[int] = set()  # … and changed by it

    def add(self, contact: Contact | Row, rank: int) -> int:
        contact_id = self.next_id
        self.next_id = contact_id + 1
        if isinstance(contact, Contact):
            contact.id = contact_id
        self.pending[contact_id] = (contact, rank)
        if len(self.pending) >= self.BATCH:
            self.flush()
        return contact_id

    def get(self, contact_id: int) -> Contact:
        held = self.pending.get(contact_id)
        if held is None:
            contact = self.held.get(contact_id)
            if contact is None:
                if len(self.held) >= self.BATCH:
                    self.flush()
                contact = self.held[contact_id] = self.store.contact(contact_id, with_tags=False)
            return contact
        item, rank = held
        if isinstance(item, Contact):
            return item
        contact = self._decode(contact_id, item)
        self.pending[contact_id] = (contact, rank)
        return contact

    def _decode(self, contact_id: int, row: Row) -> Contact:
        (key, name, given, family, org, title, emails, phones, notes, labels, sources,
         _search, flags, connected_on, invited_on, profile_url) = row  # fmt: skip
        return Contact(
            id=contact_id,
            deck_id=self.deck_id,
            key=key,
            name=name,
            given=given,
            family=family,
            org=org,
            title=title,
            emails=[Email(a, bool(v), bool(r)) for a, v, r in json.loads(emails)],
            phones=[Phone(n, bool(v)) for n, v in json.loads(phones)],
            notes=notes,
            labels=json.loads(labels),
            sources=decode_sources(sources),
            flags=flags,
            connected_on=connected_on,
            invited_on=invited_on,
            profile_url=profile_url,
        )

    def update(self, contact: Contact) -> None:
        """``contact`` (from :meth:`get`) changed: buffered ones are written
        as they are, held ones when the writer flushes."""
        if contact.id not in self.pending:
            self.held[contact.id] = contact
            self.dirty.add(contact.id)

    def flush(self) -> None:
        conn = self.store.conn
        if self.pending:
            deck_id = self.deck_id
            conn.executemany(
                _INSERT_SQL,
                [
                    _insert_row(deck_id, item, rank)
                    if isinstance(item, Contact)
                    else (contact_id, deck_id, *item, rank)
                    for contact_id, (item, rank) in self.pending.items()
                ],
            )
            self.pending.clear()
        if self.dirty:
            conn.executemany(
                _UPDATE_SQL, [(*_data_columns(self.held[i]), i) for i in sorted(self.dirty)]
            )
            self.dirty.clear()
        self.held.clear()


def describe_db_error(path: Path, exc: sqlite3.Error) -> str:
    """One line for the user about a database error (a state problem, exit 3)."""
    text = str(exc)
    low = text.lower()
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return (
            f"{path}: the database is damaged ({text}); it was left untouched. Move it aside"
            f" (with {path.name}-wal if there is one) to start afresh, or restore a backup"
        )
    if "readonly" in low or "read-only" in low or "unable to open" in low:
        return (
            f"{path}: cannot write the database ({text}); check the permissions of"
            f" {path.parent} and the files in it"
        )
    if "full" in low:
        return f"{path}: the disk is full ({text}); nothing was changed"
    if "disk i/o error" in low:
        return (
            f"{path}: the database could not be read or written ({text}): is the disk full"
            " or failing? Nothing was changed"
        )
    if "locked" in low or "busy" in low:
        return f"{path}: the database is busy in another process ({text}); try again"
    if isinstance(exc, sqlite3.IntegrityError):  # our writes respect the schema: damage
        return (
            f"{path}: the database refused the change ({text}); it may be damaged."
            " Nothing was changed; if this persists, restore a backup"
        )
    return f"{path}: database error ({text})"


# -- opening: the helpers of Store.open ----------------------------------------------

# Tables every triage database has had since schema 1.
_CORE_TABLES = frozenset({"decks", "contacts"})


def _create_database(path: Path) -> None:
    """Build a new, empty database beside ``path`` and link it into place
    (no-clobber), so ``path`` never exists half-made.  A leftover ``-wal``
    without its database is not adopted: SQLite would replay it into the new
    file."""
    import secrets

    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise StoreError(
            f"{path} is missing but {wal.name} is still there; it belongs to the database"
            " that was moved or deleted: move it aside too, then try again"
        )
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.new")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            migrate(conn)
        finally:
            conn.close()  # checkpoints: everything is in ``tmp`` now
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: use its database
        except OSError:  # a file system without hard links
            if not os.path.lexists(path):
                os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise StoreError(f"{path} is not a file; move it aside to start afresh")
    if path.stat().st_size == 0:
        raise StoreError(
            f"{path}: the file is empty (0 bytes), not a triage database; it was left"
            " untouched. Move it aside to start afresh, or restore a backup"
        )


def _check_database(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse what is not a triage database of a version this one reads,
    reading only (raises StoreError, or sqlite3.DatabaseError for a file that
    is no database or is damaged)."""
    from triage.schema import SCHEMA_VERSION

    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"it was written by a newer triage (schema {version}; this one reads up to "
            f"{SCHEMA_VERSION}); upgrade triage"
        )
    if version == 0 and tables >= _CORE_TABLES:
        raise StoreError(
            f"{path}: the database is damaged (its schema version is missing); it was left"
            " untouched. Move it aside to start afresh, or restore a backup"
        )
    if version == 0 and tables:
        raise StoreError(
            f"{path}: not a triage database (another program's SQLite database); it was left"
            " untouched. Move it aside, or choose another --data-dir"
        )
    if version > 0 and not tables >= _CORE_TABLES:
        raise StoreError(
            f"{path}: the database is damaged (schema {version} without its tables); it was"
            " left untouched. Move it aside to start afresh, or restore a backup"
        )


def close_keeping_files(conn: sqlite3.Connection, path: Path) -> None:
    """Close ``conn`` after a database error without touching the files.

    The last connection to close checkpoints the ``-wal`` into the database
    file and deletes it: on a damaged file that would write into it.  A
    read-only connection opened first holds a shared lock, so ``conn`` is not
    the last one; being read-only, it never checkpoints either."""
    guard = None
    try:
        guard = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        guard.execute("PRAGMA user_version").fetchone()
    except sqlite3.Error:
        pass
    finally:
        conn.close()
        if guard is not None:
            guard.close()
