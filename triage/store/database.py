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
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage.model import (
    DECISIONS,
    FLAG_BITS,
    FLAGS,
    UNDECIDED,
    UPLOAD_BLOCKED,
    Change,
    Contact,
    Counts,
    Deck,
    DeckContents,
    DeckStatus,
)
from triage.store import network, tagsets
from triage.store.codec import (
    CONTACT_COLUMNS,
    INSERT_SQL,
    UPDATE_SQL,
    data_columns,
    decode_contacts,
    insert_row,
)
from triage.store.files import (
    NoDatabase,
    QuickCheck,
    StoreError,
    check_database,
    check_file,
    close_keeping_files,
    create_database,
    describe_db_error,
    quick_check,
)
from triage.store.invited import read_invited
from triage.store.lock import DeckLock
from triage.store.merge_index import MergeIndex
from triage.store.progress import (
    PENDING_DAYS,
    PROGRESS_FIELDS,
    deck_progress,
    exported_ids,
    upload_blockers,
    uploads_since,
)
from triage.store.schema import LAZY_INDEXES, WALK_INDEXES, SchemaTooNew, migrate
from triage.store.walking import WalkQueries, filter_sql
from triage.store.writer import ContactWriter, read_contact
from triage.vocab import ORDERS

if TYPE_CHECKING:
    # Imported where used: the review window starts without them.
    from triage.store import bulk
    from triage.store.recovery import Recovery

DB_NAME = "triage.db"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _stamp() -> str:
    """A time to order by, to the microsecond (two commands in one second)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


# What the event order's mixing compares (see triage.ingest.mixing).
_TRAITS = "org, json_extract(emails, '$[0][0]'), json_extract(sources, '$[0][0]')"


class Store(WalkQueries):
    """One open database.  Not thread-safe: a worker opens its own Store."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._counts: dict[int, Counts] = {}
        self._blocked: dict[int, int] = {}
        self._data_version: int | None = None

    # -- opening -----------------------------------------------------------

    @classmethod
    def open(cls, data_dir: Path, *, create: bool = True) -> Store:
        """Open (or create) the database in ``data_dir``.

        With ``create=False`` (the commands that only read) a missing
        database raises :class:`NoDatabase` and nothing is made: no folder,
        no file, no ``-wal``.

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
        if not create and not os.path.lexists(path):
            raise NoDatabase(f"no database in {data_dir}")
        try:
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data folder {data_dir}: {exc.strerror}") from None
        old_umask = os.umask(0o077)  # WAL and SHM files: private too
        try:
            if not os.path.lexists(path):
                create_database(path)
            check_file(path)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            try:
                conn.execute("PRAGMA busy_timeout = 5000")
                # Check each b-tree page's cells as it is read: turns damage that
                # would read as fewer or other rows into an error (no measurable
                # cost: a 100,000-contact scan takes the same time).
                conn.execute("PRAGMA cell_size_check = ON")
                check_database(conn, path)  # reads only
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

    def close_keeping_files(self) -> None:
        """Close after a database error without touching the files (no
        checkpoint: a damaged file and its ``-wal`` stay as they were)."""
        close_keeping_files(self.conn, self.path)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            self.forget_counts()
            raise
        self.conn.execute("COMMIT")

    def recovery(self) -> Recovery:
        """Recovery decks: their invitations, withdrawn stamps and matches in
        the address-book decks (:mod:`triage.store.recovery`)."""
        from triage.store.recovery import Recovery

        return Recovery(self)

    def bulk(self) -> bulk.Bulk:
        """The bulk skip of a filter's undecided cards (:mod:`triage.store.bulk`)."""
        from triage.store import bulk

        return bulk.Bulk(self, filter_sql)

    def lock(self, deck: Deck) -> DeckLock:
        return DeckLock(self.path.parent / "locks" / f"deck-{deck.id}.lock")

    # -- decks -------------------------------------------------------------

    def deck(self, name: str) -> Deck | None:
        row = self.conn.execute(
            "SELECT id, name, region, seed, cursor_id, kind FROM decks WHERE name = ?", (name,)
        ).fetchone()
        return Deck(*row) if row else None

    def create_deck(self, name: str, region: str, kind: str = "address_book") -> Deck:
        """Create a deck (inside the caller's transaction if there is one)."""
        seed = random.SystemRandom().getrandbits(62)
        cur = self.conn.execute(
            "INSERT INTO decks (name, region, seed, created_at, kind) VALUES (?, ?, ?, ?, ?)",
            (name, region, seed, now(), kind),
        )
        assert cur.lastrowid is not None
        return Deck(cur.lastrowid, name, region, seed, None, kind)

    def delete_deck(self, deck: Deck) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM decks WHERE id = ?", (deck.id,))
            network.mark_dirty(self.conn)  # its facts are gone
        self._counts.pop(deck.id, None)
        self._blocked.pop(deck.id, None)

    def rename_deck(self, deck: Deck, name: str) -> Deck:
        """Give ``deck`` a new name; ValueError when another deck has it."""
        try:
            with self.transaction():
                self.conn.execute("UPDATE decks SET name = ? WHERE id = ?", (name, deck.id))
        except sqlite3.IntegrityError:
            raise ValueError(f"there is a deck named '{name}' already") from None
        return Deck(deck.id, name, deck.region, deck.seed, deck.cursor_id, deck.kind)

    def deck_contents(self, deck: Deck) -> DeckContents:
        """What deleting ``deck`` would lose."""
        people, decided, noted = self.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(decision != 'undecided'), 0),"
            " COALESCE(SUM(note != ''), 0) FROM contacts WHERE deck_id = ?",
            (deck.id,),
        ).fetchone()
        (tags,) = self.conn.execute(
            "SELECT COUNT(*) FROM tags WHERE deck_id = ?", (deck.id,)
        ).fetchone()
        return DeckContents(int(people), int(decided), int(tags), int(noted))

    def mark_used(self, deck: Deck) -> None:
        """Remember ``deck`` as the one used last (commands without --deck).
        Nothing is written when it is that one already: reading a deck
        again leaves the file as it was."""
        row = self.conn.execute(
            "SELECT id FROM decks WHERE used_at != '' ORDER BY used_at DESC, id DESC LIMIT 1"
        ).fetchone()
        if row is not None and row[0] == deck.id:
            return
        # A convenience: a database that cannot be written now (read-only,
        # busy) is still read.
        with contextlib.suppress(sqlite3.OperationalError), self.transaction():
            self.conn.execute("UPDATE decks SET used_at = ? WHERE id = ?", (_stamp(), deck.id))

    def last_used(self) -> str | None:
        """The deck used last; the only deck when there is one; None when
        there is none (or several never used)."""
        rows = self.conn.execute(
            "SELECT name, used_at FROM decks ORDER BY used_at DESC, id DESC LIMIT 2"
        ).fetchall()
        if not rows:
            return None
        if len(rows) == 1 or rows[0][1]:
            return str(rows[0][0])
        return None

    def decks(self) -> list[tuple[str, Counts]]:
        out = []
        for deck_id, name in self.conn.execute("SELECT id, name FROM decks ORDER BY name"):
            out.append((name, self.counts(deck_id)))
        return out

    # -- reading contacts ----------------------------------------------------

    def contact(self, contact_id: int, *, with_tags: bool = True) -> Contact:
        contact = read_contact(self.conn, contact_id)
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
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE deck_id = ? {where} ORDER BY {order}",
            (deck_id, *params),
        )
        while rows := cur.fetchmany(1000):
            yield from decode_contacts(rows)

    def set_cursor(self, deck_id: int, contact_id: int | None) -> None:
        self.conn.execute("UPDATE decks SET cursor_id = ? WHERE id = ?", (contact_id, deck_id))

    def changed_elsewhere(self) -> bool:
        """Whether another connection committed since the last call (an
        import while the window is open).  ``PRAGMA data_version`` costs no
        read; the first call only takes note."""
        (version,) = self.conn.execute("PRAGMA data_version").fetchone()
        before, self._data_version = self._data_version, int(version)
        return before is not None and before != version

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
        stamp = now()
        at = stamp if decision != UNDECIDED else ""
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
                stamp,
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

    def tag_counts(self, deck_id: int) -> dict[str, int]:
        """Every tag with how many cards carry it, in creation order."""
        return tagsets.tag_counts(self.conn, deck_id)

    def quick_tags(self, deck_id: int) -> list[str]:
        """Tags by use, the most used first (quick tags 1-9 are the first nine)."""
        return tagsets.most_used(self.tag_counts(deck_id))

    def retag(self, deck_id: int, contact_id: int, old: str, new: str | None) -> int:
        """Rename tag ``old`` to ``new`` on every card of the deck (merging
        into ``new`` when it exists), or delete it (``new`` None): one change,
        journaled at ``contact_id`` and undone in one step.  Returns how many
        cards carried ``old``."""
        with self.transaction():
            before, after, cards = tagsets.retag(self.conn, deck_id, old, new)
            self._journal(
                deck_id, contact_id, tagsets.KIND, tagsets.encode(before), tagsets.encode(after)
            )
            self.set_cursor(deck_id, contact_id)
        return cards

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

    def can_redo(self, deck_id: int) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM journal WHERE deck_id = ? AND undone = 1 LIMIT 1", (deck_id,)
            ).fetchone()
            is not None
        )

    def undo(self, deck_id: int) -> Change | None:
        """Revert the latest change that is not yet undone, in one transaction.
        It stays in the journal to be redone until a new change is made."""
        row = self.conn.execute(
            "SELECT id, contact_id, kind, before FROM journal WHERE deck_id = ? AND undone = 0"
            " ORDER BY id DESC LIMIT 1",
            (deck_id,),
        ).fetchone()
        if row is None:
            return None
        jid, contact_id, kind, before = row
        return self._restore(deck_id, jid, contact_id, kind, before, undone=1)

    def redo(self, deck_id: int) -> Change | None:
        """Make again the change the latest undo reverted (the undone change
        made first of those still undone), in one transaction."""
        row = self.conn.execute(
            "SELECT id, contact_id, kind, after FROM journal WHERE deck_id = ? AND undone = 1"
            " ORDER BY id LIMIT 1",
            (deck_id,),
        ).fetchone()
        if row is None:
            return None
        jid, contact_id, kind, after = row
        return self._restore(deck_id, jid, contact_id, kind, after, undone=0)

    def _restore(
        self, deck_id: int, jid: int, contact_id: int, kind: str, value: str, *, undone: int
    ) -> Change:
        """Put one journaled value back (``before`` of an undo, ``after`` of a
        redo) and mark the journal row ``undone`` (1 undone, 0 in force)."""
        from triage.store import bulk
        from triage.store.recovery import restore_withdrawn

        adjust: tuple[str, str] | None = None
        with self.transaction():
            if kind == bulk.KIND:
                detail = bulk.restore(self.conn, jid, undo=bool(undone))
            elif kind == "decision":
                decision, at = json.loads(value)
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
                self.conn.execute("UPDATE contacts SET note = ? WHERE id = ?", (value, contact_id))
                detail = "note"
            elif kind == "withdrawn":
                restore_withdrawn(self.conn, deck_id, contact_id, value)
                detail = value
            elif kind == tagsets.KIND:
                detail = tagsets.restore(self.conn, deck_id, value)
            else:
                tag, was_on = json.loads(value)
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
            self.conn.execute("UPDATE journal SET undone = ? WHERE id = ?", (undone, jid))
            self.set_cursor(deck_id, contact_id)
        if adjust:
            self._adjust_counts(deck_id, *adjust)
        elif kind == bulk.KIND:
            self._counts.pop(deck_id, None)
        return Change(contact_id, kind, detail)

    def _journal(
        self, deck_id: int, contact_id: int, kind: str, before: str, after: str, at: str = ""
    ) -> None:
        """``at``: the change's time when the caller has it (now otherwise)."""
        self.conn.execute(
            "INSERT INTO journal (deck_id, contact_id, kind, before, after, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (deck_id, contact_id, kind, before, after, at or now()),
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
        cur = self.conn.execute(INSERT_SQL, insert_row(deck_id, c, rank))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def writer(self, deck_id: int) -> ContactWriter:
        return ContactWriter(self.conn, deck_id)

    def merge_index(
        self,
        deck_id: int,
        email_key: Callable[[str], str],
        name_hash: Callable[[str, str], str],
        url_key: Callable[[str], str],
        guessed_flag: int,
    ) -> MergeIndex:
        """The deck's merge keys for the import's matching (see
        :class:`MergeIndex`)."""
        return MergeIndex(self.conn, deck_id, email_key, name_hash, url_key, guessed_flag)

    @contextlib.contextmanager
    def page_cache(self, kib: int) -> Iterator[None]:
        """A page cache of ``kib`` KiB for a bulk import (the UNIQUE(deck_id,
        key) index takes inserts at random places: with the default 2 MB its
        pages keep going out to the WAL and coming back); the previous size
        is restored afterwards."""
        before = int(self.conn.execute("PRAGMA cache_size").fetchone()[0])
        self.conn.execute(f"PRAGMA cache_size = {-int(kib)}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA cache_size = {before}")

    def update_contact(self, c: Contact) -> None:
        """Write a contact's imported data; decisions, tags and notes are never
        touched by an import."""
        self.conn.execute(UPDATE_SQL, (*data_columns(c), c.id))

    def event_places(
        self, deck_id: int, from_rank: int
    ) -> tuple[tuple[str, str, str] | None, list[tuple[int, int, str, str, str]]]:
        """The event walk from ``from_rank`` on, for measuring its mixing: the
        card before as (organisation, first email, first source file), and
        every card as (id, rank, organisation, first email, first source
        file), in walk order."""
        rows = self.conn.execute(
            f"SELECT id, r_event, {_TRAITS} FROM contacts WHERE deck_id = ? AND r_event >= ?",
            (deck_id, from_rank),
        ).fetchall()
        rows.sort(key=lambda r: r[1])
        clean = [(i, r, o, e or "", s or "") for i, r, o, e, s in rows]
        return self.event_before(deck_id, from_rank), clean

    def event_before(self, deck_id: int, rank: int) -> tuple[str, str, str] | None:
        """The card before ``rank`` in the event walk, as (organisation,
        first email, first source file): where an import's people join."""
        row = self.conn.execute(
            f"SELECT {_TRAITS} FROM contacts WHERE deck_id = ? AND r_event < ?"
            " ORDER BY r_event DESC LIMIT 1",
            (deck_id, rank),
        ).fetchone()
        return None if row is None else (row[0], row[1] or "", row[2] or "")

    def move_event_ranks(self, deck_id: int, moves: Iterable[tuple[int, int]]) -> None:
        """Give contacts new event ranks, (id, rank) pairs that swap places
        among themselves (inside the import's transaction)."""
        self.conn.executemany(
            "UPDATE contacts SET r_event = ? WHERE id = ?", ((rank, i) for i, rank in moves)
        )

    def finish_import(self, deck_id: int, import_id: int, report: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE decks SET stale_orders = ? WHERE id = ?",
            (",".join(o for o in ORDERS if o != "event"), deck_id),
        )
        self.conn.execute(
            "UPDATE imports SET report = ? WHERE id = ?",
            (json.dumps(report, ensure_ascii=False), import_id),
        )
        # What the import says about LinkedIn reaches every deck, with it.
        network.sync(self.conn)
        self.forget_counts()

    # -- counts and status -------------------------------------------------------

    def count_contacts(self, deck_id: int) -> int:
        """How many people the deck holds, counted now (not cached)."""
        (n,) = self.conn.execute(
            "SELECT COUNT(*) FROM contacts WHERE deck_id = ?", (deck_id,)
        ).fetchone()
        return int(n)

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
        """``PRAGMA quick_check`` before a command that writes an import or
        an export: a damaged b-tree page can still read, yet hide rows, and
        the command would spread the damage into the deck or into a file to
        upload.  Raises DatabaseError, which the commands report as a
        damaged database (exit 3)."""
        quick_check(self.conn)

    @contextlib.contextmanager
    def verified(self) -> Iterator[None]:
        """:meth:`verify` while the block reads: the check runs on a second,
        read-only connection in a thread, and its verdict is given when the
        block ends (an error of the block itself goes first)."""
        check = QuickCheck(self.path)
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                check.wait()
            raise
        if not check.wait():
            self.verify()

    def invited(
        self, deck_id: int, *, upload_only: bool = False, tags: bool = True
    ) -> list[Contact]:
        """Every invited person of the deck, oldest decision first
        (``decided_at, id``); see :func:`read_invited`."""
        return read_invited(self.conn, deck_id, upload_only=upload_only, tags=tags)

    def forget_counts(self) -> None:
        self._counts.clear()
        self._blocked.clear()

    def blocked(self, deck_id: int) -> int:
        """How many people of the deck an upload cannot invite (no usable
        email, already connected, invited, pending or locked): outside the
        default walk.
        Counted on the covering (deck, rank, flags) index, then kept until an
        import or a network pass (they change flags; both forget the counts)."""
        n = self._blocked.get(deck_id)
        if n is None:
            (n,) = self.conn.execute(
                "SELECT COUNT(*) FROM contacts WHERE deck_id = ?"
                f" AND (flags & {UPLOAD_BLOCKED}) != 0",
                (deck_id,),
            ).fetchone()
            n = self._blocked[deck_id] = int(n)
        return n

    def _adjust_counts(self, deck_id: int, before: str, after: str) -> None:
        cached = self._counts.get(deck_id)
        if cached is not None and before != after:
            setattr(cached, before, getattr(cached, before) - 1)
            setattr(cached, after, getattr(cached, after) + 1)

    def status(self, deck: Deck, *, pending_days: int = PENDING_DAYS) -> DeckStatus:
        """The deck's figures; ``pending_days``: how old a pending invitation
        is counted as old (the configured relock time)."""
        c = self.counts(deck.id)
        st = DeckStatus(deck.name, c.contacts, c.invite, c.skip, c.undecided, kind=deck.kind)
        st.pending_days = pending_days
        if deck.kind == "recovery":
            from triage.store.recovery import count_withdrawn

            st.withdrawn = count_withdrawn(self.conn, deck.id)
            st.pending = c.contacts - st.withdrawn
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
        if deck.kind != "recovery":
            stamp = datetime.now(UTC)
            cutoff = (stamp.date() - timedelta(days=st.pending_days)).isoformat()
            pr = deck_progress(
                self.conn, deck.id, now=stamp.isoformat(timespec="seconds"), cutoff=cutoff
            )
            for name in PROGRESS_FIELDS:
                setattr(st, name, getattr(pr, name))
            if st.cannot_upload:
                st.cannot_upload_by = upload_blockers(self.conn, deck.id)
        last = self.conn.execute(
            "SELECT at FROM exports WHERE deck_id = ? ORDER BY id DESC LIMIT 1", (deck.id,)
        ).fetchone()
        st.last_export = last[0] if last else ""
        return st

    def record_export(
        self,
        deck_id: int,
        contact_ids: Sequence[int],
        path: str,
        fmt: str,
        *,
        upload_at: str | None = None,
    ) -> None:
        """Record a file's people as exported now; a ``linkedin`` file's as
        uploaded too, at ``upload_at`` (UTC, ISO 8601: the start of the week
        a later week's file is for), else now."""
        at = now()
        sent = (upload_at or at) if fmt == "linkedin" else ""
        with self.transaction():
            self.conn.executemany(
                "UPDATE contacts SET exported_at = ?,"
                " uploaded_at = CASE WHEN ? != '' THEN ? ELSE uploaded_at END WHERE id = ?",
                ((at, sent, sent, i) for i in contact_ids),
            )
            self.conn.execute(
                "INSERT INTO exports (deck_id, at, path, format, count) VALUES (?, ?, ?, ?, ?)",
                (deck_id, at, path, fmt, len(contact_ids)),
            )
            if sent:  # an upload invites them: pending wherever else they are
                network.mark_dirty(self.conn)

    def exported_ids(self, deck_id: int, *, uploads: bool = False) -> set[int]:
        """The invited people an earlier export wrote, or with ``uploads`` an
        earlier LinkedIn upload held (``export --new`` leaves them out)."""
        return exported_ids(self.conn, deck_id, uploads=uploads)

    def uploads_since(self, since: str) -> list[str]:
        """The upload times from ``since`` on, every address-book deck
        (:func:`triage.store.progress.uploads_since`)."""
        return uploads_since(self.conn, since)
