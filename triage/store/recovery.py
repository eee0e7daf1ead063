"""The SQL of recovery decks: building one from pending invitations, the
"withdrawn on DATE" stamps of the withdraw checklist, and what the
address-book decks know about the same people.

A recovery deck holds one contact per pending invitation, keyed by the
invitee's profile URL (else the name), so a newer export updates it and
every decision stays.  People who accepted since are taken out.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from triage.model import FLAG_BITS, SKIP, Contact, Deck
from triage.store import network
from triage.store.codec import INSERT_SQL, UPDATE_SQL, data_columns, insert_row

if TYPE_CHECKING:
    import sqlite3
    from contextlib import AbstractContextManager


class _Store(Protocol):
    """What this module uses of :class:`~triage.store.database.Store`."""

    conn: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[None]: ...
    def deck(self, name: str) -> Deck | None: ...
    def create_deck(self, name: str, region: str, kind: str = ...) -> Deck: ...
    def forget_counts(self) -> None: ...


RECOVERY = "recovery"
# Orders whose ranks are computed when first walked after a build.
_LAZY_ORDERS = "newest,oldest,name,company,source"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class Built:
    """What a build changed: people added, updated (decisions kept) and
    taken out because they accepted."""

    deck: Deck
    added: int = 0
    updated: int = 0
    removed: int = 0


@dataclass(slots=True, frozen=True)
class Match:
    """A person of an address-book deck who may be the invitee."""

    deck: str
    decision: str
    name: str
    profile_url: str


@dataclass(slots=True, frozen=True)
class Pending:
    """An invitation of a recovery deck, for the checklist."""

    contact_id: int
    name: str
    sent_at: str
    profile_url: str
    decision: str
    withdrawn_at: str


def count_withdrawn(conn: sqlite3.Connection, deck_id: int) -> int:
    (n,) = conn.execute("SELECT COUNT(*) FROM withdrawals WHERE deck_id = ?", (deck_id,)).fetchone()
    return int(n)


def restore_withdrawn(conn: sqlite3.Connection, deck_id: int, contact_id: int, at: str) -> None:
    """Put a stamp back as it was ('' : none), inside the caller's transaction.
    A stamp locks the person in every address-book deck: their network flags
    are worked out again."""
    network.mark_dirty(conn)
    if at:
        conn.execute(
            "INSERT OR REPLACE INTO withdrawals (contact_id, deck_id, at) VALUES (?, ?, ?)",
            (contact_id, deck_id, at),
        )
    else:
        conn.execute("DELETE FROM withdrawals WHERE contact_id = ?", (contact_id,))


class Recovery:
    """Recovery-deck reads and writes of one :class:`Store`."""

    def __init__(self, store: _Store) -> None:
        self.store = store
        self.conn = store.conn

    # -- building ----------------------------------------------------------------

    def build(
        self,
        name: str,
        region: str,
        people: Sequence[Contact],
        accepted: Callable[[str, str], bool],
        connections: Sequence[tuple[str, str, str, str]] = (),
    ) -> Built:
        """Create or update the recovery deck ``name`` in one transaction:
        ``people`` (keyed) are added or updated, decisions kept; the contacts
        already there for whom ``accepted(name, profile_url)`` holds are
        taken out (they are connections now).  ``connections``: the
        Connections.csv rows read for it (name, profile URL, email, connected
        on), kept in place of the deck's earlier ones; the network flags of
        every address-book deck follow in the same transaction."""
        store, conn = self.store, self.conn
        with store.transaction():
            deck = store.deck(name) or store.create_deck(name, region, RECOVERY)
            if deck.kind != RECOVERY:
                raise ValueError(f"deck '{name}' is an address-book deck")
            built = Built(deck)
            rows = conn.execute(
                "SELECT id, key, r_event, name, profile_url FROM contacts WHERE deck_id = ?",
                (deck.id,),
            ).fetchall()
            known = {key: (cid, rank) for cid, key, rank, _, _ in rows}
            gone = [cid for cid, _, _, who, url in rows if accepted(who, url)]
            ranks = {rank for _, rank in known.values()}
            rng = random.Random(deck.seed ^ len(known))
            for c in people:
                found = known.get(c.key)
                if found is not None:
                    c.id = found[0]
                    conn.execute(UPDATE_SQL, (*data_columns(c), c.id))
                    built.updated += 1
                    continue
                rank = rng.getrandbits(52)
                while rank in ranks:
                    rank = rng.getrandbits(52)
                ranks.add(rank)
                c.id = 0
                conn.execute(INSERT_SQL, insert_row(deck.id, c, rank))
                built.added += 1
            conn.executemany("DELETE FROM contacts WHERE id = ?", ((i,) for i in gone))
            built.removed = len(gone)
            conn.execute("UPDATE decks SET stale_orders = ? WHERE id = ?", (_LAZY_ORDERS, deck.id))
            if connections:
                conn.execute("DELETE FROM connections WHERE deck_id = ?", (deck.id,))
                conn.executemany(
                    "INSERT INTO connections (deck_id, name, profile_url, email, connected_on)"
                    " VALUES (?, ?, ?, ?, ?)",
                    ((deck.id, *row) for row in connections),
                )
            network.sync(conn)
        store.forget_counts()
        return built

    # -- the withdraw checklist ----------------------------------------------------

    def withdrawn_at(self, contact_id: int) -> str:
        row = self.conn.execute(
            "SELECT at FROM withdrawals WHERE contact_id = ?", (contact_id,)
        ).fetchone()
        return str(row[0]) if row else ""

    def set_withdrawn(self, contact_id: int, on: bool) -> str:
        """Stamp (or clear) "withdrawn on DATE", journaled so undo reverts
        it; returns the stamp now in force ('' when cleared)."""
        deck_id = self.conn.execute(
            "SELECT deck_id FROM contacts WHERE id = ?", (contact_id,)
        ).fetchone()[0]
        before = self.withdrawn_at(contact_id)
        after = _now() if on else ""
        if bool(before) == on:
            return before
        with self.store.transaction():
            restore_withdrawn(self.conn, deck_id, contact_id, after)
            self.conn.execute(
                "INSERT INTO journal (deck_id, contact_id, kind, before, after, at)"
                " VALUES (?, ?, 'withdrawn', ?, ?, ?)",
                (deck_id, contact_id, before, after, _now()),
            )
            self.conn.execute("UPDATE decks SET cursor_id = ? WHERE id = ?", (contact_id, deck_id))
        return after

    def pending(self, deck_id: int, *, decision: str | None = SKIP) -> list[Pending]:
        """The deck's invitations (those marked ``decision``; every one with
        None), with their stamps."""
        where, params = ("", ()) if decision is None else (" AND c.decision = ?", (decision,))
        rows = self.conn.execute(
            "SELECT c.id, c.name, c.invited_on, c.profile_url, c.decision, COALESCE(w.at, '')"
            " FROM contacts c LEFT JOIN withdrawals w ON w.contact_id = c.id"
            f" WHERE c.deck_id = ?{where} ORDER BY c.invited_on DESC, c.id",
            (deck_id, *params),
        ).fetchall()
        return [Pending(*row) for row in rows]

    # -- the address-book decks -----------------------------------------------------

    def matches(self, name: str, url_path: str) -> list[Match]:
        """People of the address-book decks named ``name`` (case-insensitive)
        or whose profile URL contains ``url_path`` (``/in/slug``, lower case)."""
        rows = self.conn.execute(
            "SELECT d.name, c.decision, c.name, c.profile_url FROM contacts c"
            " JOIN decks d ON d.id = c.deck_id WHERE d.kind = 'address_book' AND"
            " ((? != '' AND c.name = ? COLLATE NOCASE)"
            " OR (? != '' AND c.profile_url != '' AND instr(lower(c.profile_url), ?) > 0))"
            " ORDER BY d.name, c.id LIMIT 20",
            (name, name, url_path, url_path),
        ).fetchall()
        return [Match(*row) for row in rows]

    def connected(self) -> list[tuple[str, str]]:
        """(name, profile URL) of everyone flagged connected in an
        address-book deck (from a Connections.csv imported there)."""
        return [
            (str(n), str(u))
            for n, u in self.conn.execute(
                "SELECT c.name, c.profile_url FROM contacts c JOIN decks d ON d.id = c.deck_id"
                " WHERE d.kind = 'address_book' AND (c.flags & ?) != 0",
                (FLAG_BITS["connected"],),
            )
        ]

    def kind_of(self, deck_id: int) -> str:
        (kind,) = self.conn.execute("SELECT kind FROM decks WHERE id = ?", (deck_id,)).fetchone()
        return str(kind)
