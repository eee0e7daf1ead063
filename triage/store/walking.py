"""The walk's queries: which card comes next or before under a filter and
an order, a card's place, how many cards a filter holds, search.

:func:`filter_sql` is the SQL of :meth:`triage.model.WalkFilter.matches`.
Ranks other than the event shuffle are computed when first walked
(:meth:`WalkQueries.prepare_order`).  A part of :class:`~triage.store.Store`
(a mixin), kept apart for its size.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from triage.model import (
    ALL,
    BLOCKED,
    DECISIONS,
    UNDECIDED,
    UPLOAD_BLOCKED,
    UPLOADABLE,
    Contact,
    Counts,
    Deck,
    WalkFilter,
)
from triage.store.codec import CONTACT_COLUMNS, decode_contacts
from triage.store.fold import fold
from triage.vocab import ORDERS, RECOVERY_ORDERS


def filter_sql(flt: WalkFilter, deck_id: int) -> tuple[str, tuple[Any, ...]]:
    """The WHERE clause of a walk filter: the rule of :meth:`WalkFilter.matches`."""
    clause, params = "", ()  # type: tuple[str, tuple[Any, ...]]
    if flt.decisions:
        # Literals (from a fixed set), so the planner can use the
        # (deck_id, decision, rank) indexes.
        listed = ", ".join(f"'{d}'" for d in DECISIONS if d in flt.decisions)
        clause += (
            f" AND decision = {listed}"
            if len(flt.decisions) == 1
            else (f" AND decision IN ({listed})")
        )
    if flt.reach:
        clause += f" AND (flags & {UPLOAD_BLOCKED}) {'=' if flt.reach == UPLOADABLE else '!='} 0"
    if flt.flags:
        clause += f" AND (flags & {flt.flag_mask}) != 0"
    if flt.tags:
        # Not correlated with the outer row: evaluated once.
        marks = ", ".join("?" * len(flt.tags))
        clause += (
            " AND id IN (SELECT ct.contact_id FROM contact_tags ct JOIN tags t"
            f" ON t.id = ct.tag_id WHERE t.deck_id = ? AND t.name IN ({marks}))"
        )
        params += (deck_id, *sorted(flt.tags))
    if flt.sources:
        marks = ", ".join("?" * len(flt.sources))
        clause += (
            " AND EXISTS (SELECT 1 FROM json_each(contacts.sources)"
            f" WHERE json_extract(value, '$[0]') IN ({marks}))"
        )
        params += tuple(sorted(flt.sources))
    return clause, params


def rank_column(order: str) -> str:
    if order not in ORDERS and order not in RECOVERY_ORDERS:
        raise ValueError(f"unknown order {order}")
    return f"r_{order}"


class WalkQueries:
    """The walk's queries of :class:`~triage.store.Store`."""

    conn: sqlite3.Connection
    if TYPE_CHECKING:  # the rest of Store that these queries use

        def transaction(self) -> AbstractContextManager[None]: ...
        def counts(self, deck_id: int) -> Counts: ...
        def blocked(self, deck_id: int) -> int: ...

    def prepare_order(self, deck: Deck, order: str) -> None:
        """Make sure the rank column of ``order`` is current (ranks other than
        the event shuffle are computed lazily after imports)."""
        col = rank_column(order)
        stale = self.conn.execute(
            "SELECT stale_orders FROM decks WHERE id = ?", (deck.id,)
        ).fetchone()[0]
        if order not in stale.split(","):
            return
        sort = {
            "name": "name COLLATE NOCASE, id",
            "company": "org = '', org COLLATE NOCASE, name COLLATE NOCASE, id",
            "source": "json_extract(sources, '$[0][0]'), json_extract(sources, '$[0][1]'), id",
            # A recovery deck's invitations by sent date (ISO text sorts by time).
            "newest": "invited_on DESC, name COLLATE NOCASE, id",
            "oldest": "invited_on, name COLLATE NOCASE, id",
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
        """How many cards ``flt`` holds; O(1) for decisions and reaches (from
        the cached counts)."""
        if flt.counted:
            counts = self.counts(deck_id)
            if not flt.decisions:
                return counts.contacts
            return sum(getattr(counts, d) for d in flt.decisions)
        if flt.reach_only:
            blocked = self.blocked(deck_id)
            return blocked if flt.reach == BLOCKED else self.counts(deck_id).contacts - blocked
        clause, params = filter_sql(flt, deck_id)
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
        col = rank_column(order)
        clause, params = filter_sql(flt, deck_id)
        if undecided_only and flt.decisions != {UNDECIDED}:
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

    def next_undecided(
        self, deck_id: int, order: str, from_id: int | None, flt: WalkFilter = ALL
    ) -> int | None:
        """The next undecided card of ``flt`` after ``from_id``, wrapping to
        the start."""
        found = self.walk_step(deck_id, order, flt, from_id, +1, undecided_only=True)
        if found is None and from_id is not None:
            found = self.walk_step(deck_id, order, flt, None, +1, undecided_only=True)
            if found == from_id:
                return None
        return found

    def walk_index(self, deck_id: int, order: str, flt: WalkFilter, contact_id: int) -> int:
        """0-based position of a card in the walk (how many come before it)."""
        col = rank_column(order)
        clause, params = filter_sql(flt, deck_id)
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
        col = rank_column(order)
        clause, params = filter_sql(flt, deck_id)
        row = self.conn.execute(
            f"SELECT id FROM contacts WHERE deck_id = ?{clause} ORDER BY {col} LIMIT 1 OFFSET ?",
            (deck_id, *params, max(index, 0)),
        ).fetchone()
        return row[0] if row else None

    def search(self, deck_id: int, text: str, limit: int = 50) -> list[Contact]:
        """Cards whose name, organisation, title or email contain ``text``,
        case and accents aside (``muller`` finds Müller: see
        :mod:`triage.store.fold`)."""
        needle = fold(text.strip())
        if not needle:
            return []
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self.conn.execute(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE deck_id = ?"
            " AND search LIKE ? ESCAPE '\\' ORDER BY r_event LIMIT ?",
            (deck_id, pattern, limit),
        ).fetchall()
        return decode_contacts(rows)
